"""The interface every pruner implements, and what a pruner sees of a study.

A pruner is a plain, picklable object with one method,

    prune(study: PrunerView, trial: ReportedTrial) -> bool

asked by `trial.should_prune()` after the objective reported a value: True stops the
trial. It decides from the values trials reported (stored data only, no clock and no
randomness), so the decision is the same serially, in worker processes, and after a
resume. Values are losses: lower is better.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import ConfigurationError
from ..storage import TrialState, last_key, last_steps

if TYPE_CHECKING:
    from ..compile import Space


@dataclass(frozen=True)
class ReportedTrial:
    """A trial as pruners see it: its number, state and reported values by step (in
    increasing step order, as they were reported)."""

    number: int
    state: TrialState
    intermediate: Mapping[int, float] = field(repr=False)

    @property
    def last_step(self) -> int | None:
        """The deepest step reported; None if nothing was."""
        return last_key(self.intermediate)

    @property
    def last_value(self) -> float | None:
        step = self.last_step
        return None if step is None else self.intermediate[step]


@dataclass(frozen=True)
class PrunerView:
    """The other trials of the study (every one but the trial being judged), by number."""

    trials: tuple[ReportedTrial, ...]

    def with_state(self, *states: TrialState) -> list[ReportedTrial]:
        return [t for t in self.trials if t.state in states]

    def values_at(self, step: int, states: Iterable[TrialState] = (TrialState.OK,)
                  ) -> list[float]:
        """The values reported at exactly `step` by the trials in `states`."""
        wanted = set(states)
        return [t.intermediate[step] for t in self.trials
                if t.state in wanted and step in t.intermediate]


class BasePruner(abc.ABC):
    """Decides, from what the trials reported, whether a running trial should stop.

    Subclasses implement `prune`; they may override `bind` to take defaults from the
    space (its declared fidelity). Pruners must pickle: they travel to worker processes.
    """

    @abc.abstractmethod
    def prune(self, study: PrunerView, trial: ReportedTrial) -> bool:
        """Whether `trial` (RUNNING, with at least one reported value) should stop now."""

    def bind(self, space: Space) -> BasePruner:
        """The pruner to use on `space` (called once by `Study`): this one, or a copy with
        defaults taken from the space. The default returns self."""
        return self

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({shown})"


class NopPruner(BasePruner):
    """Never prunes. Use it to switch pruning off without changing the objective (its
    `report` and `should_prune` calls stay; nothing is stopped)."""

    def prune(self, study: PrunerView, trial: ReportedTrial) -> bool:
        return False


def check_steps(n_warmup_steps: int, interval_steps: int) -> None:
    """ConfigurationError unless the warm-up is an int >= 0 and the interval an int >= 1."""
    check_count("n_warmup_steps", n_warmup_steps, 0)
    check_count("interval_steps", interval_steps, 1)


def check_count(name: str, value: int, low: int) -> None:
    """ConfigurationError unless `value` is an int (not a bool) >= `low`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ConfigurationError(f"{name} must be an int >= {low}, not {value!r}")


def due(trial: ReportedTrial, n_warmup_steps: int, interval_steps: int) -> bool:
    """Whether the trial's last step is one to judge: past the warm-up, and the first
    step reported in its interval (`n_warmup_steps + k * interval_steps` onwards), as
    Optuna's pruners read these settings."""
    step = trial.last_step
    if step is None or step < n_warmup_steps:
        return False
    start = (step - n_warmup_steps) // interval_steps * interval_steps + n_warmup_steps
    steps = last_steps(trial.intermediate, 2)
    return (steps[0] if len(steps) == 2 else -1) < start


__all__ = ["BasePruner", "NopPruner", "PrunerView", "ReportedTrial", "check_count",
           "check_steps", "due"]
