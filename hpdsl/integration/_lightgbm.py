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
from ._report import Mode, Reporter, report_and_prune, sign


class LightGBMPruningCallback:
    """Report `observation_key` (e.g. "valid_0-binary_logloss") after each round and raise
    `hpdsl.TrialPruned` when the pruner stops the trial. A metric LightGBM says is higher
    for better (auc, map...) is reported negated unless `mode` says otherwise."""

    order = 30  # after LightGBM's own logging and recording callbacks

    def __init__(self, trial: Reporter, observation_key: str, mode: Mode = "auto") -> None:
        dataset, dash, metric = observation_key.partition("-")
        if not dash or not dataset or not metric:
            raise ConfigurationError(f"observation_key must read DATASET-METRIC, e.g. "
                                     f"'valid_0-binary_logloss', not {observation_key!r}")
        sign(mode, metric)  # checks mode
        self.trial = trial
        self.observation_key = observation_key
        self.mode = mode

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
        value, higher_is_better = found[self.observation_key]
        metric = self.observation_key.partition("-")[2]
        report_and_prune(self.trial, sign(self.mode, metric, higher_is_better) * float(value),
                         env.iteration - env.begin_iteration + 1)


__all__ = ["LightGBMPruningCallback"]
