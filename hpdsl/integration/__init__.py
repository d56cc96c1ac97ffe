"""Pruning for the libraries people train with: report each epoch, stop hopeless trials.

    def objective(cfg, trial):
        model = SGDClassifier(alpha=cfg["alpha"])
        return hpdsl.integration.fit_epochs(model, trial, X, y, validation=(Xv, yv),
                                            epochs=30)

    booster = xgboost.train(params, dtrain, evals=[(dvalid, "validation")],
                            callbacks=[hpdsl.integration.XGBoostPruningCallback(
                                trial, "validation-logloss")])

Each helper reports to the running trial (the objective's second argument) and raises
`hpdsl.TrialPruned` when the study's pruner says so. Metrics are reported as the library
computes them and read in the study's direction: monitoring an accuracy or an AUC needs
`fmin(..., direction="maximize")` (a ConfigurationError says so). Each library is
imported only when its helper is first used, so none of them is required: install the
extra (`pip install 'hpdsl[xgboost]'`, `lightgbm`, `keras`, `lightning`, `examples` for
scikit-learn).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr

if TYPE_CHECKING:
    from ._keras import KerasPruningCallback as KerasPruningCallback
    from ._lightgbm import LightGBMPruningCallback as LightGBMPruningCallback
    from ._lightning import LightningPruningCallback as LightningPruningCallback
    from ._report import Reporter as Reporter
    from ._report import report_and_prune as report_and_prune
    from ._sklearn import fit_epochs as fit_epochs
    from ._sklearn import grow_ensemble as grow_ensemble
    from ._xgboost import XGBoostPruningCallback as XGBoostPruningCallback

# Each name and the module that defines it, imported (with its library) on first use.
_WHERE = {
    "KerasPruningCallback": "._keras",
    "LightGBMPruningCallback": "._lightgbm",
    "LightningPruningCallback": "._lightning",
    "Reporter": "._report", "report_and_prune": "._report",
    "fit_epochs": "._sklearn", "grow_ensemble": "._sklearn",
    "XGBoostPruningCallback": "._xgboost",
}

__all__ = list(_WHERE)

__getattr__ = lazy_getattr(__name__, globals(), (), _WHERE)
