"""The objective for `examples/classifier.hps`: a scikit-learn pipeline on tumour data.

    hpdsl run examples/classifier.hps --objective examples/classifier.py:objective \\
        --max-evals 60 --storage sqlite:///runs/demo.db --plots runs/plots

`objective(config)` builds the pipeline the configuration describes (a scaler, an
optional PCA keeping the fraction `n_components` of the variance, then one of four
models), scores it by 3-fold cross-validated accuracy on `load_breast_cancer` (569
samples, 30 features, two classes; bundled with scikit-learn: no download) and returns
`{"loss": 1 - accuracy, "accuracy": ..., "fit_time": ...}`.

So that one evaluation takes about a second at most: tree ensembles are capped at
`MAX_TREES` trees (the space's `n_estimators` goes up to 500), the SVM solver at
`SVM_MAX_ITER` iterations (a polynomial kernel with a large gamma can otherwise take
minutes; a capped solver that did not converge still gives a, worse, score), and
every estimator runs on one thread (several trials may run at once with `--n-jobs`).
Needs `pip install 'hpdsl[examples]'`.
"""

from __future__ import annotations

import time
import warnings
from functools import cache
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.datasets import load_breast_cancer
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

MAX_TREES = 60
SVM_MAX_ITER = 20_000
SEED = 0


@cache
def dataset() -> tuple[np.ndarray, np.ndarray]:
    """The data every evaluation uses (loaded once per process)."""
    X, y = load_breast_cancer(return_X_y=True)
    return X, y


def build_model(config: dict[str, Any]) -> BaseEstimator:
    """The classifier of the `model` branch of the space."""
    model = config["model"]
    if model == "svm":
        return SVC(C=config["C"], kernel=config["kernel"], gamma=config.get("gamma", "scale"),
                   degree=config.get("degree", 3), max_iter=SVM_MAX_ITER)
    if model == "rf":
        return RandomForestClassifier(n_estimators=min(int(config["n_estimators"]), MAX_TREES),
                                      max_depth=config["max_depth"],
                                      max_features=config["max_features"], random_state=SEED)
    if model == "gbm":
        return HistGradientBoostingClassifier(
            learning_rate=config["learning_rate"],
            max_iter=min(int(config["n_estimators"]), MAX_TREES),
            # hpdsl's depth counts splits from the root; scikit-learn's counts nodes.
            max_depth=config["max_depth"] + 1, early_stopping=False, random_state=SEED)
    if model == "knn":
        return KNeighborsClassifier(n_neighbors=config["n_neighbors"],
                                    weights=config["weights"])
    raise ValueError(f"unknown model {model!r}")


def build_pipeline(config: dict[str, Any]) -> Pipeline:
    """Preprocessing (scaler, optional PCA) followed by the model."""
    pre = config["preprocess"]
    steps: list[tuple[str, Any]] = []
    if pre["scaler"] == "standard":
        steps.append(("scaler", StandardScaler()))
    elif pre["scaler"] == "minmax":
        steps.append(("scaler", MinMaxScaler()))
    if pre["use_pca"]:
        steps.append(("pca", PCA(n_components=pre["n_components"], random_state=SEED)))
    steps.append(("model", build_model(config)))
    return Pipeline(steps)


def objective(config: dict[str, Any]) -> dict[str, float]:
    """3-fold cross-validated accuracy of the configured pipeline, as a loss to minimize."""
    X, y = dataset()
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=SEED)
    start = time.perf_counter()
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(build_pipeline(config), X, y, cv=folds, scoring="accuracy")
    accuracy = float(np.mean(scores))
    return {"loss": 1.0 - accuracy, "accuracy": accuracy,
            "fit_time": time.perf_counter() - start}

