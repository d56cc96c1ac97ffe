"""Early-stopping rules for `fmin(early_stop_fn=...)`.

A rule is a function `rule(trials) -> bool` (True: stop). Rules here read the
trials themselves and keep no state, so they also hold when a search resumes.
"""

from __future__ import annotations

from collections.abc import Callable

from ..storage import TrialState
from ._trials import Trials

EarlyStop = Callable[[Trials], bool]


def no_progress_loss(n: int = 20, min_delta: float = 0.0,
                     percent_increase: float = 0.0) -> EarlyStop:
    """Stop after `n` finished trials in a row that did not improve the best loss.

    A loss improves on the best when it is lower by more than `min_delta` and by
    more than `percent_increase` percent of the best. Failed trials count as no
    progress; the first OK trial sets the best.
    """
    if n < 1:
        raise ValueError("n must be at least 1")

    def stop(trials: Trials) -> bool:
        best: float | None = None
        stale = 0
        for t in trials:
            if t.state == TrialState.RUNNING:
                continue
            loss = t.loss if t.state == TrialState.OK else None
            if loss is not None and (best is None or loss < best - max(
                    min_delta, abs(best) * percent_increase / 100.0)):
                best, stale = loss, 0
            else:
                stale += 1
        return stale >= n

    return stop


__all__ = ["EarlyStop", "no_progress_loss"]
