"""What every integration does after an epoch: report the value, and stop if told to.

Integrations take any object with `report(value, step)` and `should_prune()` (the
running trial an objective receives), so they import nothing of the search engine.
"""

from __future__ import annotations

from typing import Literal, Protocol

from ..errors import ConfigurationError, TrialPruned

Mode = Literal["auto", "min", "max"]

# Metric names where higher is better, as the libraries spell them; `mode="auto"` reports
# these negated so that every reported value is a loss. Compared with the metric's name
# lower-cased, without its dataset prefix and without a cut-off such as `@5`.
HIGHER_IS_BETTER = frozenset({
    "acc", "accuracy", "auc", "aucpr", "average_precision", "binary_accuracy",
    "categorical_accuracy", "sparse_categorical_accuracy", "f1", "f1_score", "map", "ndcg",
    "pre", "precision", "r2", "r2_score", "recall",
})


class Reporter(Protocol):
    """The running trial as integrations use it."""

    def report(self, value: float, step: int) -> None: ...

    def should_prune(self) -> bool: ...


def sign(mode: str, metric: str, higher_is_better: bool | None = None) -> float:
    """-1.0 if values of `metric` are to be negated to read as losses, else 1.0. `mode`
    "min" or "max" says it; "auto" takes the library's word (`higher_is_better`) or,
    without one, the metric's name (HIGHER_IS_BETTER)."""
    if mode not in ("auto", "min", "max"):
        raise ConfigurationError(f"mode must be 'auto', 'min' or 'max', not {mode!r}")
    if mode == "auto":
        if higher_is_better is None:
            name = metric.lower().split("@")[0]
            higher_is_better = name in HIGHER_IS_BETTER or name.removeprefix("val_") in (
                HIGHER_IS_BETTER)
        mode = "max" if higher_is_better else "min"
    return -1.0 if mode == "max" else 1.0


def report_and_prune(trial: Reporter | None, value: float, step: int) -> None:
    """Report `value` at `step`, then raise `TrialPruned` if the trial should stop.
    With `trial` None nothing happens (training without a study)."""
    if trial is None:
        return
    trial.report(value, step)
    if trial.should_prune():
        raise TrialPruned(f"pruned at step {step} (value {value:.6g})")


__all__ = ["HIGHER_IS_BETTER", "Mode", "Reporter", "report_and_prune", "sign"]
