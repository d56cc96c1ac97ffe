"""`SuccessiveHalvingPruner`: asynchronous successive halving (ASHA), and the rungs
that `HyperbandPruner` shares.

Rung k sits at resource `min_resource * reduction_factor ** (min_early_stopping_rate + k)`.
A trial's value at a rung is the value it reported at the first step at or past the
rung's resource (the rung's step itself when every step is reported): trials are only
compared at the same step. Rung membership and promotions are never kept in the
pruner: they are read from the stored intermediate values each time, so a serial run,
a worker process and a resumed run decide alike from the same stored values.
"""

from __future__ import annotations

import copy
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Literal

from ..errors import ConfigurationError
from ..storage import last_steps
from ._base import BasePruner, PrunerView, ReportedTrial, check_count

if TYPE_CHECKING:
    from ..compile import Space

Auto = Literal["auto"]
DEFAULT_FACTOR = 4  # Optuna's for successive halving


def rung_value(values: Mapping[int, float], resource: int) -> float | None:
    """The value at the first reported step at or past `resource` (None before it)."""
    steps = sorted(values)
    i = bisect_left(steps, resource)
    return values[steps[i]] if i < len(steps) else None


def crossed_rungs(trial: ReportedTrial, resources: Iterable[int]) -> list[int]:
    """The rung resources the trial's last report reached for the first time (usually
    one or none: a trial that skips steps may cross several at once)."""
    steps = last_steps(trial.intermediate, 2)
    last = steps[-1]
    before = steps[0] if len(steps) == 2 else None
    return [r for r in resources if r <= last and (before is None or before < r)]


def promotable(value: float, competing: list[float], reduction_factor: int) -> bool:
    """Whether `value` (one of `competing`) is in the best 1/reduction_factor of them.
    Below reduction_factor competitors, only the best is promoted (ASHA cannot pause a
    trial to wait for more, as Optuna's rule)."""
    keep = max(len(competing) // reduction_factor, 1)
    return value <= sorted(competing)[keep - 1]


def rung_resources(min_resource: int, reduction_factor: int, rate: int,
                   max_resource: int | None) -> list[int]:
    """The rungs' resources from `rate` on, below `max_resource` (a value at the maximum
    is a finished trial: nothing is left to save). Without a maximum, rungs up to 2**62."""
    out: list[int] = []
    resource = min_resource * reduction_factor ** rate
    limit = max_resource if max_resource is not None else 2 ** 62
    while resource < limit:
        out.append(resource)
        resource *= reduction_factor
    return out


def halving_decision(study: PrunerView, trial: ReportedTrial, resources: list[int],
                     reduction_factor: int, peers: set[int] | None = None) -> bool:
    """ASHA's rule: at each rung the trial just reached, prune it unless its value there
    is in the best 1/reduction_factor of the values every trial (running, finished or
    pruned; only `peers` when given) had at that rung."""
    value = trial.last_value
    assert value is not None
    for resource in crossed_rungs(trial, resources):
        competing = [value]
        for other in study.trials:
            if peers is not None and other.number not in peers:
                continue
            v = rung_value(other.intermediate, resource)
            if v is not None:
                competing.append(v)
        if not promotable(value, competing, reduction_factor):
            return True
    return False


def check_resource(name: str, value: int | str) -> None:
    if value != "auto":
        check_count(name, value, 1)  # type: ignore[arg-type]


def check_factor(value: int | str) -> None:
    if value != "auto":
        check_count("reduction_factor", value, 2)  # type: ignore[arg-type]


def fidelity_settings(pruner: str, space: Space, min_resource: int | Auto,
                      reduction_factor: int | Auto, factor_default: int
                      ) -> tuple[int | Auto, int | None, int]:
    """(min_resource, max_resource, reduction_factor) with "auto" taken from the space's
    fidelity (the maximum is None without one; min_resource stays "auto" then). Refuses
    a min_resource that is not below the fidelity's max."""
    fidelity = space.fidelity
    if fidelity is None:
        return min_resource, None, factor_default if reduction_factor == "auto" else \
            reduction_factor
    minimum = fidelity.min if min_resource == "auto" else min_resource
    if minimum >= fidelity.max:
        raise ConfigurationError(
            f"{pruner}: min_resource={minimum} is not below the space's fidelity max "
            f"({fidelity.name} ~ fidelity({fidelity.min}, {fidelity.max})): no trial could "
            "be stopped early; lower min_resource or raise the max")
    factor = reduction_factor if reduction_factor != "auto" else (
        fidelity.reduction_factor or factor_default)
    return minimum, fidelity.max, factor


class SuccessiveHalvingPruner(BasePruner):
    """Asynchronous successive halving (ASHA; Optuna's `SuccessiveHalvingPruner`).

    Rungs sit at `min_resource * reduction_factor ** (min_early_stopping_rate + k)` steps
    (1, 4, 16, 64, ... by default). When a trial reaches a rung, it goes on only if its
    value there is in the best 1/reduction_factor of the values all trials had at that
    rung; otherwise it is pruned. Trials are never paused, so the first ones are judged
    against few others (below reduction_factor competitors only the best goes on).

    When to use: many trials, a budget in epochs, and curves whose order settles early.
    Aggressive: it judges at min_resource already. When good configurations start slowly
    (curves cross), raise min_early_stopping_rate or use `HyperbandPruner`, whose later
    brackets start judging later.

    min_resource: the first rung's resource; "auto": the space's fidelity min
      (`epochs ~ fidelity(1, 81)`), or 1 without a fidelity.
    reduction_factor: keep 1 trial in this many at each rung; "auto": the fidelity's
      reduction factor when written, else 4.
    min_early_stopping_rate: skip this many rungs (the first judged is
      min_resource * reduction_factor ** rate).
    Steps are the resource (epoch 1, 2, ...). A trial is judged at the first step it
    reports at or past a rung; with a fidelity, no rung sits at or past its max.
    """

    def __init__(self, min_resource: int | Auto = "auto",
                 reduction_factor: int | Auto = "auto",
                 min_early_stopping_rate: int = 0) -> None:
        check_resource("min_resource", min_resource)
        check_factor(reduction_factor)
        check_count("min_early_stopping_rate", min_early_stopping_rate, 0)
        self.min_resource: int | Auto = min_resource
        self.reduction_factor: int | Auto = reduction_factor
        self.min_early_stopping_rate = min_early_stopping_rate
        self._max_resource: int | None = None

    def bind(self, space: Space) -> BasePruner:
        bound = copy.copy(self)
        bound.min_resource, bound._max_resource, bound.reduction_factor = fidelity_settings(
            "SuccessiveHalvingPruner", space, self.min_resource, self.reduction_factor,
            DEFAULT_FACTOR)
        return bound

    def prune(self, study: PrunerView, trial: ReportedTrial) -> bool:
        factor = DEFAULT_FACTOR if self.reduction_factor == "auto" else self.reduction_factor
        minimum = 1 if self.min_resource == "auto" else self.min_resource
        resources = rung_resources(minimum, factor, self.min_early_stopping_rate,
                                   self._max_resource)
        return halving_decision(study, trial, resources, factor)


__all__ = ["SuccessiveHalvingPruner"]
