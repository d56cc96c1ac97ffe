"""What every integration does after an epoch: report the value, and stop if told to.

Integrations report a metric as its library computes it, and the study reads it in its
direction (`fmin(..., direction="maximize")` for an accuracy). A metric known to be
higher for better (LightGBM says so; otherwise by its name) reported to a study that
minimizes, or known to be lower for better reported to one that maximizes, would prune
the best trials: it is refused with a ConfigurationError that says what to change.

Integrations take any object with `report(value, step)` and `should_prune()` (the
running trial an objective receives), so they import nothing of the search engine.
"""

from __future__ import annotations

from typing import Protocol

from ..errors import ConfigurationError, TrialPruned

# Metric names where higher is better, as the libraries spell them, compared lower-cased,
# without Keras's `val_` prefix and without a cut-off such as XGBoost's `@5`.
HIGHER_IS_BETTER = frozenset({
    "acc", "accuracy", "auc", "aucpr", "average_precision", "binary_accuracy",
    "categorical_accuracy", "sparse_categorical_accuracy", "f1", "f1_score", "map", "ndcg",
    "pre", "precision", "r2", "r2_score", "recall",
})


class Reporter(Protocol):
    """The running trial as integrations use it (`direction` read if it has one)."""

    def report(self, value: float, step: int) -> None: ...

    def should_prune(self) -> bool: ...


def higher_is_better(metric: str) -> bool | None:
    """True for a metric name in HIGHER_IS_BETTER; None (unknown) for any other."""
    name = metric.lower().split("@")[0]
    return True if name.removeprefix("val_") in HIGHER_IS_BETTER else None


def check_direction(trial: Reporter | None, metric: str, higher: bool | None) -> None:
    """ConfigurationError when `metric`, higher for better (`higher` True) or lower (False),
    goes against the study's direction; nothing when `higher` is None (unknown)."""
    direction = getattr(trial, "direction", "minimize")
    if higher is None or trial is None or higher == (direction == "maximize"):
        return
    if higher:
        raise ConfigurationError(
            f"`{metric}` is higher for better but the study minimizes: pass "
            "direction=\"maximize\" to fmin (and return the metric), or monitor a loss")
    raise ConfigurationError(
        f"`{metric}` is lower for better but the study maximizes: monitor a metric that "
        "is higher for better, or minimize")


def split_key(observation_key: str, example: str) -> tuple[str, str]:
    """(dataset, metric) of a boosting library's `DATASET-METRIC` key, or a
    ConfigurationError showing `example`."""
    dataset, dash, metric = observation_key.partition("-")
    if not dash or not dataset or not metric:
        raise ConfigurationError(f"observation_key must read DATASET-METRIC, e.g. "
                                 f"{example!r}, not {observation_key!r}")
    return dataset, metric


def report_and_prune(trial: Reporter | None, value: float, step: int) -> None:
    """Report `value` at `step`, then raise `TrialPruned` if the trial should stop.
    With `trial` None nothing happens (training without a study)."""
    if trial is None:
        return
    trial.report(value, step)
    if trial.should_prune():
        raise TrialPruned(f"pruned at step {step} (value {value:.6g})")


__all__ = ["HIGHER_IS_BETTER", "Reporter", "check_direction", "higher_is_better",
           "report_and_prune", "split_key"]
