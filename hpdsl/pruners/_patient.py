"""`PatientPruner`: wait for a trial to stop improving before asking another pruner."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ConfigurationError
from ._base import BasePruner, PrunerView, ReportedTrial, check_count

if TYPE_CHECKING:
    from ..compile import Space


class PatientPruner(BasePruner):
    """Leave a trial alone while it still improves: only once its best value over the
    last `patience + 1` reports improves on its best before them by `min_delta` or less
    is `wrapped_pruner` asked; with no wrapped pruner, the trial is then
    pruned (early stopping on a plateau). Optuna's `PatientPruner`.

    When to use: noisy curves, or models that plateau and then improve again, where
    another pruner alone would stop a trial at its first bad epoch; or, with
    `wrapped_pruner=None`, plain per-trial early stopping without comparing trials.
    """

    def __init__(self, wrapped_pruner: BasePruner | None, patience: int,
                 min_delta: float = 0.0) -> None:
        if wrapped_pruner is not None and not isinstance(wrapped_pruner, BasePruner):
            raise ConfigurationError(f"wrapped_pruner must be a pruner or None, not "
                                     f"{type(wrapped_pruner).__name__}")
        check_count("patience", patience, 0)
        if isinstance(min_delta, bool) or not isinstance(min_delta, int | float) or not (
                min_delta >= 0.0):
            raise ConfigurationError(f"min_delta must be a number >= 0, not {min_delta!r}")
        self.wrapped_pruner = wrapped_pruner
        self.patience = patience
        self.min_delta = float(min_delta)

    def bind(self, space: Space) -> BasePruner:
        if self.wrapped_pruner is None:
            return self
        bound = self.wrapped_pruner.bind(space)
        return self if bound is self.wrapped_pruner else PatientPruner(
            bound, self.patience, self.min_delta)

    def prune(self, study: PrunerView, trial: ReportedTrial) -> bool:
        steps = sorted(trial.intermediate)
        if len(steps) <= self.patience + 1:
            return False
        before = min(trial.intermediate[s] for s in steps[:-self.patience - 1])
        recent = min(trial.intermediate[s] for s in steps[-self.patience - 1:])
        if not before - self.min_delta < recent:
            return False
        return self.wrapped_pruner is None or self.wrapped_pruner.prune(study, trial)


__all__ = ["PatientPruner"]
