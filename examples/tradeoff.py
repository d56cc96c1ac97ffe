"""Two objectives for `examples/tradeoff.hps`: accuracy (maximized) against inference
time (minimized), with a latency constraint.

    hpdsl run examples/tradeoff.hps --objective examples/tradeoff.py:objective \\
        --objectives accuracy,latency_ms --directions maximize,minimize \\
        --constraint "latency_ms <= 5" --max-evals 60 --storage sqlite:///runs/tradeoff.db
    hpdsl best sqlite:///runs/tradeoff.db            # the Pareto front
    hpdsl plot sqlite:///runs/tradeoff.db --kind pareto --out pareto.png

or `python examples/tradeoff.py [N]`, which runs `hpdsl.fmin` with the same settings
and prints the front. `objective(config)` fits the configured model on 70% of
scikit-learn's `load_digits` (1,797 8x8 images, bundled: no download), returns its
held-out accuracy and the milliseconds it takes to predict 1,000 images (the best of
three timings, one thread), so a model's size shows in the second objective: the
deep forests and wide networks that score best are also the slowest. Trials slower
than the constraint are kept, but are never on the front. Needs
`pip install 'hpdsl[examples]'`.
"""

from __future__ import annotations

import sys
import time
import warnings
from functools import cache
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.datasets import load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

SEED = 0
LATENCY_MS = 5.0  # the constraint: predicting 1,000 images takes at most this long


@cache
def dataset() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Train and held-out splits (made once per process)."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=SEED,
                                                        stratify=y)
    return X_train, X_test, y_train, y_test


def build_model(config: dict[str, Any]) -> BaseEstimator:
    """The classifier of the `model` branch, after the optional scaler."""
    model = config["model"]
    if model == "logreg":
        clf: BaseEstimator = LogisticRegression(C=config["C"], max_iter=300)
    elif model == "knn":
        clf = KNeighborsClassifier(n_neighbors=config["n_neighbors"], weights=config["weights"])
    elif model == "rf":
        clf = RandomForestClassifier(n_estimators=int(config["n_estimators"]),
                                     max_depth=config["max_depth"], random_state=SEED)
    else:
        clf = MLPClassifier(hidden_layer_sizes=(int(config["hidden"]),), alpha=config["alpha"],
                            max_iter=150, random_state=SEED)
    return make_pipeline(StandardScaler(), clf) if config["scaler"] == "standard" else clf


def objective(config: dict[str, Any]) -> dict[str, Any]:
    """Held-out accuracy and milliseconds per 1,000 predictions."""
    X_train, X_test, y_train, y_test = dataset()
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = build_model(config).fit(X_train, y_train)
        accuracy = float(np.mean(model.predict(X_test) == y_test))
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            model.predict(X_test)
            timings.append(time.perf_counter() - start)
    latency_ms = 1000.0 * min(timings) * 1000 / len(X_test)
    return {"loss": [accuracy, latency_ms]}


def main(max_evals: int = 60) -> None:
    import hpdsl

    trials = hpdsl.Trials()
    front = hpdsl.fmin(objective, "examples/tradeoff.hps", max_evals=max_evals,
                       trials=trials, rstate=0, objectives=("accuracy", "latency_ms"),
                       directions=("maximize", "minimize"),
                       constraints=[f"latency_ms <= {LATENCY_MS}"])
    print(f"{len(front)} configurations on the Pareto front of {len(trials)} trials:")
    for t in trials.pareto_front():
        accuracy, latency = t.values or (0.0, 0.0)
        print(f"  trial {t.number:3d}: accuracy {accuracy:.4f}, {latency:6.2f} ms per "
              f"1,000 images  {t.config}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
