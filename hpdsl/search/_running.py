"""The running trial: what an objective that takes a second argument receives.

    def objective(config, trial):
        folder = f"checkpoints/{trial.study_name}/{trial.number}"

It is a small picklable value with no open connection (the storage is named by its
URL), so the same object is handed to the objective serially, in `n_jobs` worker
processes and on Dask workers, and `Study.running_trial` gives it to ask/tell loops.
`report` and `should_prune` go through its link (`_reporting.py`), which reaches the
study from whatever process the objective runs in.

Kept free of heavy imports: worker processes unpickle it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._reporting import Link


@dataclass(frozen=True)
class RunningTrial:
    """number: the trial's number in its study (0, 1, ...). config: a copy of the
    configuration being evaluated. study_name: the study's name in its storage (None
    in memory). storage: the storage's URL, e.g. `sqlite:////abs/runs/s.db` (None in
    memory). direction: "minimize" or "maximize", the study's (its first objective's):
    reported values are read in it, so integrations check their metric against it."""

    number: int
    config: dict[str, Any] = field(repr=False)
    study_name: str | None = None
    storage: str | None = None
    link: Link | None = field(default=None, repr=False, compare=False)
    direction: str = "minimize"

    def report(self, value: float | Sequence[float], step: int) -> None:
        """Store the objective's intermediate value at `step` (an epoch, an iteration):
        in the study's storage, where pruners read it, and `hpdsl trials` shows it. In a
        study with several objectives, `value` may be one number per objective: all are
        kept (`trial.intermediate_values`), pruners read the first.

        ConfigurationError, with nothing stored, for a step that is not an int >= 0 or
        not past every step reported so far (each step once, increasing), a value that
        is not a finite number (raise `hpdsl.TrialPruned` to stop a diverging trial),
        or a trial that already finished. Cheap: see benchmarks/README.md.
        """
        self._link().report(self.number, step, value)

    def should_prune(self) -> bool:
        """Whether the study's pruner says to stop this trial now (then raise
        `hpdsl.TrialPruned()`). False when the study has no pruner or the trial has
        reported nothing yet: pruners judge reported values."""
        return self._link().should_prune(self.number)

    def _link(self) -> Link:
        if self.link is not None:
            return self.link
        from ._reporting import DetachedLink, StoredLink

        if self.storage is not None:
            return StoredLink(self.storage, self.study_name, None)
        return DetachedLink(None)


def takes_trial(fn: Callable[..., object]) -> bool:
    """Whether `fn` has two or more positional parameters without defaults: it is then
    called as `fn(config, trial)`, otherwise as `fn(config)`."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins and other callables without a signature
        return False
    required = [p for p in signature.parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                and p.default is p.empty]
    return len(required) >= 2


__all__ = ["RunningTrial", "takes_trial"]
