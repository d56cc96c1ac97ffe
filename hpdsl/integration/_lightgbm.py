"""LightGBM: a callback that reports a validation metric after each boosting round.

    booster = lightgbm.train(params, dtrain, valid_sets=[dvalid],
                             callbacks=[LightGBMPruningCallback(trial, "valid_0-binary_logloss")])

The key is `DATASET-METRIC` as LightGBM names them: the validation set (`valid_0`,
`valid_1`... unless `valid_names` says otherwise; `valid` with `lightgbm.cv`, which
reports the mean over folds) and the metric. Step k is the k-th boosting round.
"""

from __future__ import annotations

from typing import Any

from ..errors import ConfigurationError
from ._report import Reporter, check_direction, report_and_prune, split_key


class LightGBMPruningCallback:
    """Report `observation_key` (e.g. "valid_0-binary_logloss") after each round and raise
    `hpdsl.TrialPruned` when the pruner stops the trial. A metric LightGBM says is higher
    for better (auc, map...) needs a study that maximizes, and one it says is lower for
    better a study that minimizes (checked at the first round)."""

    order = 30  # after LightGBM's own logging and recording callbacks

    def __init__(self, trial: Reporter, observation_key: str) -> None:
        split_key(observation_key, "valid_0-binary_logloss")
        self.trial = trial
        self.observation_key = observation_key

    def __call__(self, env: Any) -> None:
        found = {}
        for entry in env.evaluation_result_list or ():
            dataset, metric, value, higher_is_better = entry[:4]
            if dataset == "cv_agg":  # lightgbm.cv: ("cv_agg", "valid binary_logloss", mean...)
                dataset, _, metric = metric.partition(" ")
            found[f"{dataset}-{metric}"] = (value, higher_is_better)
        if self.observation_key not in found:
            raise ConfigurationError(
                f"LightGBM evaluated no `{self.observation_key}`; it evaluated: "
                f"{', '.join(found) or 'nothing (pass valid_sets=[...])'}")
        value, higher = found[self.observation_key]
        step = env.iteration - env.begin_iteration + 1
        if step == 1:
            check_direction(self.trial, self.observation_key, bool(higher))
        report_and_prune(self.trial, float(value), step)


__all__ = ["LightGBMPruningCallback"]
