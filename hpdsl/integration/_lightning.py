"""PyTorch Lightning: a callback that reports a logged metric after each validation.

    trainer = lightning.pytorch.Trainer(max_epochs=50,
                                        callbacks=[LightningPruningCallback(trial, "val_loss")])

The metric is one the LightningModule logs with `self.log("val_loss", ...)` in its
validation step. Step k is the k-th epoch (1, 2, ...).
"""

from __future__ import annotations

from typing import Any

from lightning.pytorch import Callback

from ..errors import ConfigurationError
from ._report import Reporter, check_direction, higher_is_better, report_and_prune


class LightningPruningCallback(Callback):
    """Report `monitor` (a metric the module logs, e.g. "val_loss") after each validation
    run and raise `hpdsl.TrialPruned` when the pruner stops the trial (Lightning tears
    the run down and re-raises it). Single-process training only."""

    def __init__(self, trial: Reporter, monitor: str = "val_loss") -> None:
        super().__init__()
        self.trial = trial
        self.monitor = monitor
        check_direction(trial, monitor, higher_is_better(monitor))

    def on_validation_end(self, trainer: Any, pl_module: Any) -> None:
        if trainer.sanity_checking:
            return
        metrics = trainer.callback_metrics
        if self.monitor not in metrics:
            raise ConfigurationError(
                f"the LightningModule logged no `{self.monitor}`; it logged: "
                f"{', '.join(metrics) or 'nothing'} (log it with self.log in "
                "validation_step)")
        report_and_prune(self.trial, float(metrics[self.monitor]),
                         trainer.current_epoch + 1)


__all__ = ["LightningPruningCallback"]
