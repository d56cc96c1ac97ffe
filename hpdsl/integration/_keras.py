"""Keras 3 (any backend): a callback that reports a logged metric after each epoch.

    model.fit(X, y, validation_data=(X_val, y_val), epochs=50,
              callbacks=[KerasPruningCallback(trial, "val_loss")])

Step k is the k-th epoch (1, 2, ...).
"""

from __future__ import annotations

from typing import Any

import keras

from ..errors import ConfigurationError
from ._report import Reporter, check_direction, higher_is_better, report_and_prune


class KerasPruningCallback(keras.callbacks.Callback):  # type: ignore[misc]
    """Report `monitor` (a key of Keras's epoch logs, e.g. "val_loss", "val_accuracy")
    after each epoch and raise `hpdsl.TrialPruned` when the pruner stops the trial.
    An accuracy-like metric needs a study that maximizes."""

    def __init__(self, trial: Reporter, monitor: str = "val_loss") -> None:
        super().__init__()
        self.trial = trial
        self.monitor = monitor
        check_direction(trial, monitor, higher_is_better(monitor))

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        if self.monitor not in logs:
            raise ConfigurationError(
                f"Keras logged no `{self.monitor}`; it logged: {', '.join(logs) or 'nothing'}"
                " (val_ metrics need validation_data)")
        report_and_prune(self.trial, float(logs[self.monitor]), epoch + 1)


__all__ = ["KerasPruningCallback"]
