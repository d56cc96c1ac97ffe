"""XGBoost: a training callback that reports an evaluation metric after each round.

    booster = xgboost.train(params, dtrain, num_boost_round=200,
                            evals=[(dvalid, "validation")],
                            callbacks=[XGBoostPruningCallback(trial, "validation-logloss")])

The key is XGBoost's own, `DATASET-METRIC`: the name given in `evals` (`validation_0`
with the scikit-learn API's `eval_set`, `test` with `xgboost.cv`, which reports the mean
over folds) and the metric (`eval_metric`). Step k is the k-th boosting round (1, 2, ...).
"""

from __future__ import annotations

from typing import Any

import xgboost

from ..errors import ConfigurationError
from ._report import Reporter, check_direction, higher_is_better, report_and_prune, split_key


class XGBoostPruningCallback(xgboost.callback.TrainingCallback):
    """Report `observation_key` (e.g. "validation-logloss") after each boosting round and
    raise `hpdsl.TrialPruned` when the pruner stops the trial. A metric that is higher
    for better (auc, aucpr, map, ndcg, pre) needs a study that maximizes."""

    def __init__(self, trial: Reporter, observation_key: str) -> None:
        dataset, metric = split_key(observation_key, "validation-logloss")
        self.trial = trial
        self.observation_key = observation_key
        self._dataset, self._metric = dataset, metric
        check_direction(trial, metric, higher_is_better(metric))
        super().__init__()

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        values = evals_log.get(self._dataset, {}).get(self._metric)
        if not values:
            known = [f"{d}-{m}" for d, metrics in evals_log.items() for m in metrics]
            raise ConfigurationError(
                f"XGBoost evaluated no `{self.observation_key}`; it evaluated: "
                + (", ".join(known) or "nothing (pass evals=[(dvalid, 'validation')])"))
        last = values[-1]
        value = float(last[0] if isinstance(last, tuple) else last)  # cv: (mean, std)
        report_and_prune(self.trial, value, epoch + 1)
        return False


__all__ = ["XGBoostPruningCallback"]
