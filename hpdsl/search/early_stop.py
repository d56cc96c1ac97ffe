"""Early-stopping rules for `fmin(early_stop_fn=...)`.

A rule is a function `rule(trials) -> bool` (True: stop). Rules here read the
trials themselves and keep no state, so they also hold when a search resumes.
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import ConfigurationError
from ..storage import TrialState
from ._trials import Trials

EarlyStop = Callable[[Trials], bool]


def no_progress_loss(n: int = 20, min_delta: float = 0.0,
                     percent_increase: float = 0.0) -> EarlyStop:
    """Stop after `n` finished trials in a row that did not improve the best loss.

    A loss improves on the best when it is lower by more than `min_delta` and by
    more than `percent_increase` percent of the best (higher, for a maximized
    objective). Failed and infeasible trials count as no progress; the first feasible
    OK trial sets the best. One objective only.
    """
    if n < 1:
        raise ValueError("n must be at least 1")

    def stop(trials: Trials) -> bool:
        objectives = trials.objectives
        if objectives.multi:
            raise ConfigurationError("no_progress_loss follows one objective; this study "
                                     f"has {objectives.k}")
        sign = -1.0 if objectives.directions[0] == "maximize" else 1.0
        best: float | None = None
        stale = 0
        for t in trials:
            if t.state == TrialState.RUNNING:
                continue
            loss = sign * t.loss if t.state == TrialState.OK and t.loss is not None and (
                t.feasible) else None
            if loss is not None and (best is None or loss < best - max(
                    min_delta, abs(best) * percent_increase / 100.0)):
                best, stale = loss, 0
            else:
                stale += 1
        return stale >= n

    return stop


__all__ = ["EarlyStop", "no_progress_loss"]
