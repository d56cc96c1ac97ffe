"""`HyperbandPruner`: brackets of asynchronous successive halving.

Bracket b is successive halving whose first rung is `min_resource * eta ** b`: bracket 0
judges after min_resource steps, the last bracket never prunes. A trial's bracket is a
hash of its number (never a counter kept in memory), so every process and every
resume puts it in the same bracket; a trial competes only with its own bracket's.
"""

from __future__ import annotations

import copy
import math
import zlib
from typing import TYPE_CHECKING

from ..errors import ConfigurationError
from ..storage import TrialState
from ._base import BasePruner, PrunerView, ReportedTrial
from ._halving import (
    Auto,
    check_factor,
    check_resource,
    crossed_rungs,
    fidelity_settings,
    halving_decision,
    rung_resources,
)

if TYPE_CHECKING:
    from ..compile import Space

DEFAULT_FACTOR = 3  # Optuna's for Hyperband


def bracket_count(min_resource: int, max_resource: int, reduction_factor: int) -> int:
    """floor(log_eta(max / min)) + 1, in integers (no float rounding at exact powers)."""
    count, resource = 1, min_resource * reduction_factor
    while resource <= max_resource:
        count += 1
        resource *= reduction_factor
    return count


def bracket_weights(n_brackets: int, reduction_factor: int) -> list[int]:
    """How many trials each bracket gets in one Hyperband round (Li et al. 2018): bracket
    b starts ceil(n * eta**s / (s + 1)) trials with s = n - 1 - b, so that every bracket
    spends about the same number of steps."""
    weights = []
    for b in range(n_brackets):
        s = n_brackets - 1 - b
        weights.append(math.ceil(n_brackets * reduction_factor ** s / (s + 1)))
    return weights


def bracket_of(number: int, weights: list[int]) -> int:
    """The bracket of trial `number`: its CRC-32 hash, spread over the brackets by their
    weights. The same in every process and Python version (unlike `hash`)."""
    point = zlib.crc32(str(number).encode()) % sum(weights)
    for b, w in enumerate(weights):
        if point < w:
            return b
        point -= w
    raise AssertionError("unreachable")


class HyperbandPruner(BasePruner):
    """Hyperband (Li et al. 2018) as brackets of asynchronous successive halving (Optuna's
    `HyperbandPruner`).

    With `epochs ~ fidelity(1, 81)` and reduction factor 3 there are 5 brackets: trials of
    bracket 0 are first judged after 1 epoch, of bracket 1 after 3, ... of bracket 4 never.
    Each trial joins one bracket, chosen by a hash of its number and weighted so that every
    bracket spends about the same number of epochs, and is compared only with the trials
    of its bracket at the same step. ASHA alone bets everything on the earliest rung; the
    late brackets keep configurations that start slowly and finish best (crossing learning
    curves), at the price of fewer trials.

    When to use: the default for epoch-by-epoch training when nothing is known of how
    early curves can be trusted; with TPE it is the BOHB-style setup the docs recommend.

    min_resource: the first rung of bracket 0; "auto": the space's fidelity min, else 1.
    max_resource: the budget to train to; "auto": the fidelity max, or without a fidelity
      the last step of the lowest-numbered finished trial (no pruning before one exists).
    reduction_factor: "auto": the fidelity's when written, else 3.
    Raises ConfigurationError when min_resource is not below max_resource (or above the
    fidelity's max).
    """

    def __init__(self, min_resource: int | Auto = "auto", max_resource: int | Auto = "auto",
                 reduction_factor: int | Auto = "auto") -> None:
        check_resource("min_resource", min_resource)
        check_resource("max_resource", max_resource)
        check_factor(reduction_factor)
        if isinstance(min_resource, int) and isinstance(max_resource, int) and (
                min_resource >= max_resource):
            raise ConfigurationError(f"HyperbandPruner: min_resource={min_resource} must be "
                                     f"below max_resource={max_resource}")
        self.min_resource: int | Auto = min_resource
        self.max_resource: int | Auto = max_resource
        self.reduction_factor: int | Auto = reduction_factor

    def bind(self, space: Space) -> BasePruner:
        bound = copy.copy(self)
        minimum, maximum, bound.reduction_factor = fidelity_settings(
            "HyperbandPruner", space, self.min_resource, self.reduction_factor, DEFAULT_FACTOR)
        bound.min_resource = minimum
        if self.max_resource == "auto" and maximum is not None:
            bound.max_resource = maximum
        if isinstance(bound.min_resource, int) and isinstance(bound.max_resource, int) and (
                bound.min_resource >= bound.max_resource):
            raise ConfigurationError(f"HyperbandPruner: min_resource={bound.min_resource} "
                                     f"must be below max_resource={bound.max_resource}")
        return bound

    def settings(self, study: PrunerView) -> tuple[int, int, int] | None:
        """(min_resource, max_resource, reduction_factor) in force; None while the maximum
        is still unknown ("auto" without a fidelity and no finished trial)."""
        factor = DEFAULT_FACTOR if self.reduction_factor == "auto" else self.reduction_factor
        minimum = 1 if self.min_resource == "auto" else self.min_resource
        maximum = self.max_resource if self.max_resource != "auto" else _finished_steps(study)
        if maximum is None or maximum <= minimum:
            return None
        return minimum, maximum, factor

    def prune(self, study: PrunerView, trial: ReportedTrial) -> bool:
        settings = self.settings(study)
        if settings is None:
            return False
        minimum, maximum, factor = settings
        weights = bracket_weights(bracket_count(minimum, maximum, factor), factor)
        bracket = bracket_of(trial.number, weights)
        resources = rung_resources(minimum, factor, bracket, maximum)
        if not crossed_rungs(trial, resources):  # judged only when reaching a rung
            return False
        peers = {t.number for t in study.trials if bracket_of(t.number, weights) == bracket}
        return halving_decision(study, trial, resources, factor, peers)


def _finished_steps(study: PrunerView) -> int | None:
    """The last step of the lowest-numbered finished trial: its budget (Optuna's "auto")."""
    finished = [t for t in study.trials if t.state == TrialState.OK and t.intermediate]
    if not finished:
        return None
    first = min(finished, key=lambda t: t.number)
    return first.last_step


__all__ = ["HyperbandPruner", "bracket_count", "bracket_of", "bracket_weights"]
