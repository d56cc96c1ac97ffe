"""Pruning against the other trials at the same step: `PercentilePruner`, `MedianPruner`."""

from __future__ import annotations

import math

from ..errors import ConfigurationError
from ..storage import TrialState
from ._base import BasePruner, PrunerView, ReportedTrial, check_count, check_steps, due


class PercentilePruner(BasePruner):
    """Prune a trial whose best value so far is worse than the given percentile of the
    values finished trials reported at the same step (Optuna's `PercentilePruner`).

    When to use: curves that keep their order (a trial behind at epoch 5 stays behind),
    and a stricter or laxer rule than the median: percentile=25.0 keeps only trials in
    the best quarter at each step, 75.0 prunes only the worst quarter. Comparing at the
    same step (not against final losses) keeps a slow starter in the running as long as
    it is as good as the others were at that point.

    percentile: in [0, 100]; lower prunes more. n_startup_trials: prune nothing until
    this many trials finished OK. n_warmup_steps: never judge a step below this one.
    interval_steps: judge once per this many steps (past the warm-up). n_min_trials:
    judge a step only when at least this many finished trials reported at it.
    """

    def __init__(self, percentile: float, n_startup_trials: int = 5,
                 n_warmup_steps: int = 0, interval_steps: int = 1, *,
                 n_min_trials: int = 1) -> None:
        if isinstance(percentile, bool) or not isinstance(percentile, int | float) or not (
                0.0 <= percentile <= 100.0):
            raise ConfigurationError(f"percentile must be a number in [0, 100], not "
                                     f"{percentile!r}")
        check_count("n_startup_trials", n_startup_trials, 0)
        check_steps(n_warmup_steps, interval_steps)
        check_count("n_min_trials", n_min_trials, 1)
        self.percentile = float(percentile)
        self.n_startup_trials = n_startup_trials
        self.n_warmup_steps = n_warmup_steps
        self.interval_steps = interval_steps
        self.n_min_trials = n_min_trials

    def prune(self, study: PrunerView, trial: ReportedTrial) -> bool:
        finished = study.with_state(TrialState.OK)
        if not finished or len(finished) < self.n_startup_trials:
            return False
        if not due(trial, self.n_warmup_steps, self.interval_steps):
            return False
        step = trial.last_step
        assert step is not None  # due() is False without a report
        others = study.values_at(step)
        if len(others) < self.n_min_trials:
            return False
        threshold = percentile(others, self.percentile)
        best = min(trial.intermediate.values())
        return not math.isnan(threshold) and best > threshold


def percentile(values: list[float], q: float) -> float:
    """numpy's default (linear) percentile, without numpy's overhead on short lists."""
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class MedianPruner(PercentilePruner):
    """Prune a trial whose best value so far is worse than the median of the values
    finished trials reported at the same step (Optuna's `MedianPruner`).

    When to use: the default first choice for epoch-by-epoch training when curves
    rarely cross; it needs a few finished trials (n_startup_trials) before it prunes,
    and n_warmup_steps keeps it from judging the noisy first epochs. Curves that cross
    (a high learning rate leads early and ends worse) call for a later warm-up or
    `HyperbandPruner`.
    """

    def __init__(self, n_startup_trials: int = 5, n_warmup_steps: int = 0,
                 interval_steps: int = 1, *, n_min_trials: int = 1) -> None:
        super().__init__(50.0, n_startup_trials, n_warmup_steps, interval_steps,
                         n_min_trials=n_min_trials)

    def __repr__(self) -> str:
        return (f"MedianPruner(n_startup_trials={self.n_startup_trials}, n_warmup_steps="
                f"{self.n_warmup_steps}, interval_steps={self.interval_steps}, "
                f"n_min_trials={self.n_min_trials})")


__all__ = ["MedianPruner", "PercentilePruner"]
