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
from ._halving import SuccessiveHalvingPruner
from ._hyperband import HyperbandPruner
from ._patient import PatientPruner
from ._percentile import MedianPruner, PercentilePruner
from ._threshold import ThresholdPruner
from ._wilcoxon import WilcoxonPruner

__all__ = ["BasePruner", "HyperbandPruner", "MedianPruner", "NopPruner", "PatientPruner",
           "PercentilePruner", "PrunerView", "ReportedTrial", "SuccessiveHalvingPruner",
           "ThresholdPruner", "WilcoxonPruner"]
