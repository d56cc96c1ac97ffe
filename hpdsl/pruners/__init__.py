"""Pruners: stop unpromising trials early, from the values they report.

    def objective(cfg, trial):
        for epoch in range(1, 101):
            loss = train_one_epoch(...)
            trial.report(loss, epoch)
            if trial.should_prune():
                raise hpdsl.TrialPruned()
        return loss

    hpdsl.fmin(objective, space, max_evals=100, pruner=hpdsl.pruners.MedianPruner())

The names and parameters are Optuna's, so that a study ports line by line. Every
pruner compares values at the same step and decides from stored data only. Write your
own by subclassing `BasePruner` (one method, `prune(study, trial) -> bool`).
"""

from __future__ import annotations

from ._base import BasePruner, NopPruner, PrunerView, ReportedTrial
from ._patient import PatientPruner
from ._percentile import MedianPruner, PercentilePruner
from ._threshold import ThresholdPruner

__all__ = ["BasePruner", "MedianPruner", "NopPruner", "PatientPruner", "PercentilePruner",
           "PrunerView", "ReportedTrial", "ThresholdPruner"]
