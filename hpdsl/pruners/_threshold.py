"""`ThresholdPruner`: prune a trial whose value leaves fixed bounds."""

from __future__ import annotations

import math

from ..errors import ConfigurationError
from ._base import BasePruner, PrunerView, ReportedTrial, check_steps, due


class ThresholdPruner(BasePruner):
    """Prune a trial whose last reported value is below `lower` or above `upper`
    (Optuna's `ThresholdPruner`); it looks at no other trial.

    When to use: to stop diverging runs (a loss above any sensible value, e.g.
    `upper=10.0` for a log-loss) or runs that are clearly broken, from the first trial
    on; combine its bounds with domain knowledge rather than with other trials.
    n_warmup_steps and interval_steps as for `MedianPruner`.
    """

    def __init__(self, lower: float | None = None, upper: float | None = None,
                 n_warmup_steps: int = 0, interval_steps: int = 1) -> None:
        if lower is None and upper is None:
            raise ConfigurationError("ThresholdPruner needs `lower`, `upper` or both")
        for name, bound in (("lower", lower), ("upper", upper)):
            if bound is not None and (isinstance(bound, bool) or not isinstance(
                    bound, int | float) or math.isnan(bound)):
                raise ConfigurationError(f"{name} must be a number or None, not {bound!r}")
        if lower is not None and upper is not None and lower > upper:
            raise ConfigurationError(f"lower ({lower}) must not exceed upper ({upper})")
        check_steps(n_warmup_steps, interval_steps)
        self.lower = None if lower is None else float(lower)
        self.upper = None if upper is None else float(upper)
        self.n_warmup_steps = n_warmup_steps
        self.interval_steps = interval_steps

    def prune(self, study: PrunerView, trial: ReportedTrial) -> bool:
        if not due(trial, self.n_warmup_steps, self.interval_steps):
            return False
        value = trial.last_value
        assert value is not None  # due() is False without a report
        return ((self.lower is not None and value < self.lower)
                or (self.upper is not None and value > self.upper))


__all__ = ["ThresholdPruner"]
