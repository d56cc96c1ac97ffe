"""The objective for `examples/pruning.hps`: a network trained epoch by epoch, pruned early.

    hpdsl run examples/pruning.hps --objective examples/pruning.py:objective \\
        --pruner hyperband --max-evals 60 --storage sqlite:///runs/demo.db

`objective(config, trial)` trains scikit-learn's `MLPClassifier` with `partial_fit`, one
epoch at a time, up to `config["epochs"]` (the space's fidelity: 27) on `load_digits`
(1,797 8x8 images, ten classes; bundled with scikit-learn: no download). After each
epoch `hpdsl.integration.fit_epochs` reports the validation error (1 - accuracy) to the
trial and stops it (`hpdsl.TrialPruned`) when the pruner says so; the study records
where each trial stopped (`hpdsl trials`), and `hpdsl run` prints the epochs saved.
Needs `pip install 'hpdsl[examples]'`.
"""

from __future__ import annotations

import warnings
from functools import cache
from typing import Any

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

import hpdsl
from hpdsl.integration import fit_epochs

SEED = 0


@cache
def dataset() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scaled training and validation data (loaded once per process)."""
    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.3, random_state=SEED,
                                                      stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_val), y_train, y_val


def objective(config: dict[str, Any], trial: hpdsl.RunningTrial) -> float:
    """The validation error after `config["epochs"]` epochs (or where it was pruned)."""
    X_train, X_val, y_train, y_val = dataset()
    model = MLPClassifier(hidden_layer_sizes=(config["hidden"],),
                          activation=config["activation"],
                          learning_rate_init=config["learning_rate"], alpha=config["alpha"],
                          batch_size=config["batch_size"], random_state=SEED)
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fit_epochs(model, trial, X_train, y_train, validation=(X_val, y_val),
                          epochs=config["epochs"])
