"""scikit-learn: estimators trained epoch by epoch (`partial_fit`), and ensembles grown
member by member (`warm_start`), each step reported and pruned.

    def objective(cfg, trial):
        model = SGDClassifier(alpha=cfg["alpha"], random_state=0)
        return fit_epochs(model, trial, X, y, validation=(X_val, y_val), epochs=20)

The value reported after each step is `1 - estimator.score(X_val, y_val)` (the error
rate of a classifier, 1 - R² of a regressor) in a study that minimizes, the score itself
in one that maximizes, or `metric(estimator, X_val, y_val)` when given (read in the
study's direction).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..errors import ConfigurationError
from ._report import Reporter, report_and_prune

Metric = Callable[[Any, Any, Any], float]


def fit_epochs(estimator: Any, trial: Reporter | None, X: Any, y: Any, *,
               validation: tuple[Any, Any], epochs: int, classes: Any = None,
               metric: Metric | None = None) -> float:
    """Train `estimator` with `partial_fit(X, y)` once per epoch, for `epochs` epochs.
    After epoch k (1, 2, ...) the validation value (see the module) is reported to
    `trial` at step k, and `hpdsl.TrialPruned` raised if the pruner stops the trial.
    Returns the last value. `classes` (for classifiers) defaults to the labels in `y`."""
    if not hasattr(estimator, "partial_fit"):
        raise ConfigurationError(
            f"{type(estimator).__name__} has no partial_fit: use grow_ensemble for a "
            "warm_start ensemble, or report from your own training loop")
    _check_count("epochs", epochs)
    X_val, y_val = validation
    from sklearn.base import is_classifier

    first: dict[str, Any] = {}
    if is_classifier(estimator):
        first["classes"] = np.unique(y) if classes is None else classes
    value = float("nan")
    for epoch in range(1, epochs + 1):
        estimator.partial_fit(X, y, **(first if epoch == 1 else {}))
        value = _value(estimator, trial, X_val, y_val, metric)
        report_and_prune(trial, value, epoch)
    return value


def grow_ensemble(estimator: Any, trial: Reporter | None, X: Any, y: Any, *,
                  validation: tuple[Any, Any], sizes: Iterable[int],
                  metric: Metric | None = None) -> float:
    """Fit a `warm_start` ensemble (random forests, extra trees, gradient boosting,
    bagging: `n_estimators`; histogram gradient boosting: `max_iter`) at each of the
    increasing `sizes`, adding members to those already fitted. After each fit the
    validation value is reported at step = the size, and `hpdsl.TrialPruned` raised if
    the pruner stops the trial. Returns the last value."""
    params = estimator.get_params()
    if "warm_start" not in params:
        raise ConfigurationError(f"{type(estimator).__name__} has no warm_start: use "
                                 "fit_epochs for an estimator with partial_fit")
    counter = next((p for p in ("n_estimators", "max_iter") if p in params), None)
    if counter is None:
        raise ConfigurationError(f"{type(estimator).__name__} has neither n_estimators nor "
                                 "max_iter to grow")
    steps = list(sizes)
    for size in steps:
        _check_count("each size", size)
    if not steps or any(b <= a for a, b in zip(steps, steps[1:], strict=False)):
        raise ConfigurationError(f"sizes must be increasing and not empty, got {steps}")
    X_val, y_val = validation
    estimator.set_params(warm_start=True)
    value = float("nan")
    for size in steps:
        estimator.set_params(**{counter: size})
        estimator.fit(X, y)
        value = _value(estimator, trial, X_val, y_val, metric)
        report_and_prune(trial, value, size)
    return value


def _value(estimator: Any, trial: Reporter | None, X: Any, y: Any, metric: Metric | None
           ) -> float:
    if metric is not None:
        return float(metric(estimator, X, y))
    score = float(estimator.score(X, y))
    return score if getattr(trial, "direction", "minimize") == "maximize" else 1.0 - score


def _check_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ConfigurationError(f"{name} must be an int >= 1, not {value!r}")


__all__ = ["fit_epochs", "grow_ensemble"]
