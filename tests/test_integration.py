"""hpdsl.integration: each library trains something tiny for real, epoch by epoch; a
hopeless configuration is pruned early and a good one trains to the end.

Every study runs the good configuration first, then the hopeless one, under a median
pruner that judges from the first finished trial: the hopeless trial's curve is behind
the good one's at the first step judged.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import hpdsl
from hpdsl import TrialState
from hpdsl.errors import ConfigurationError
from hpdsl.integration import fit_epochs, grow_ensemble
from hpdsl.pruners import MedianPruner

os.environ.setdefault("KERAS_BACKEND", "torch")  # the backend the dev extra installs

EPOCHS = 6


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    X_train, X_val, y_train, y_val = train_test_split(X, y.astype(np.float32),
                                                      random_state=0)
    return X_train, X_val, y_train, y_val


X_TRAIN, X_VAL, Y_TRAIN, Y_VAL = _data()


def good_then_hopeless(objective: Callable[..., Any], good: float, hopeless: float,
                       direction: str = "minimize") -> list[hpdsl.Trial]:
    """The trials of a study over `lr` that evaluates `good`, then `hopeless`."""
    trials = hpdsl.Trials()
    hpdsl.fmin(objective, "lr ~ loguniform(1e-7, 1e3)", max_evals=2, trials=trials,
               points_to_evaluate=[{"lr": good}, {"lr": hopeless}], rstate=0,
               pruner=MedianPruner(n_startup_trials=1), show_progressbar=False,
               direction=direction)
    return list(trials)


def assert_hopeless_pruned(trials: list[hpdsl.Trial], last_step: int = EPOCHS,
                           sign: float = 1.0) -> None:
    """`sign` -1: the values are maximized."""
    good, hopeless = trials
    assert good.state == TrialState.OK, good.error
    assert good.last_step == last_step  # trained to the end, every step reported
    assert hopeless.state == TrialState.PRUNED, hopeless.error
    assert hopeless.last_step is not None and hopeless.last_step < last_step
    last = hopeless.intermediate[hopeless.last_step]
    assert sign * good.intermediate[hopeless.last_step] < sign * last


# scikit-learn ---------------------------------------------------------------------------

def sgd(cfg: dict[str, Any], trial: hpdsl.RunningTrial) -> float:
    from sklearn.linear_model import SGDClassifier

    model = SGDClassifier(alpha=cfg["lr"], random_state=0)  # a huge alpha learns nothing
    return fit_epochs(model, trial, X_TRAIN, Y_TRAIN, validation=(X_VAL, Y_VAL),
                      epochs=EPOCHS)


def test_fit_epochs_prunes_a_hopeless_partial_fit_estimator() -> None:
    assert_hopeless_pruned(good_then_hopeless(sgd, good=1e-4, hopeless=100.0))


def forest(cfg: dict[str, Any], trial: hpdsl.RunningTrial) -> float:
    from sklearn.ensemble import RandomForestClassifier

    # a leaf needs more samples than there are: every tree predicts the majority class
    leaf = 1 if cfg["lr"] < 1 else len(Y_TRAIN)
    model = RandomForestClassifier(min_samples_leaf=leaf, random_state=0, n_jobs=1)
    return grow_ensemble(model, trial, X_TRAIN, Y_TRAIN, validation=(X_VAL, Y_VAL),
                         sizes=[2, 4, 8])


def test_grow_ensemble_prunes_a_hopeless_warm_start_forest() -> None:
    trials = good_then_hopeless(forest, good=1e-3, hopeless=10.0)
    assert_hopeless_pruned(trials, last_step=8)  # the step is the number of trees
    assert sorted(trials[0].intermediate) == [2, 4, 8]


def test_fit_epochs_reports_the_loss_it_is_given_and_trains_without_a_trial() -> None:
    from sklearn.linear_model import SGDRegressor

    model = SGDRegressor(random_state=0)
    squared = fit_epochs(model, None, X_TRAIN, Y_TRAIN, validation=(X_VAL, Y_VAL), epochs=3,
                         metric=lambda m, X, y: float(np.mean((m.predict(X) - y) ** 2)))
    assert squared == pytest.approx(float(np.mean((model.predict(X_VAL) - Y_VAL) ** 2)))
    assert model.t_ > len(Y_TRAIN) * 2  # three passes over the data


def test_fit_epochs_reports_the_score_itself_to_a_study_that_maximizes() -> None:
    from sklearn.linear_model import SGDClassifier

    study = hpdsl.Study("x ~ uniform(0, 1)", seed=0, direction="maximize")
    model = SGDClassifier(random_state=0)
    accuracy = fit_epochs(model, study.running_trial(study.ask()), X_TRAIN, Y_TRAIN,
                          validation=(X_VAL, Y_VAL), epochs=2)
    assert accuracy == model.score(X_VAL, Y_VAL) > 0.9
    assert study.trials[0].intermediate[2] == accuracy


def test_scikit_learn_helpers_refuse_estimators_they_cannot_train() -> None:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import SGDClassifier
    from sklearn.svm import SVC

    with pytest.raises(ConfigurationError, match="SVC has no partial_fit: use grow_ensemble"):
        fit_epochs(SVC(), None, X_TRAIN, Y_TRAIN, validation=(X_VAL, Y_VAL), epochs=3)
    with pytest.raises(ConfigurationError, match="SVC has no warm_start"):
        grow_ensemble(SVC(), None, X_TRAIN, Y_TRAIN, validation=(X_VAL, Y_VAL), sizes=[2])
    with pytest.raises(ConfigurationError, match=r"increasing and not empty, got \[4, 2\]"):
        grow_ensemble(RandomForestClassifier(), None, X_TRAIN, Y_TRAIN,
                      validation=(X_VAL, Y_VAL), sizes=[4, 2])
    with pytest.raises(ConfigurationError, match="epochs must be an int >= 1, not 0"):
        fit_epochs(SGDClassifier(), None, X_TRAIN, Y_TRAIN, validation=(X_VAL, Y_VAL),
                   epochs=0)


# XGBoost --------------------------------------------------------------------------------

def boosted(cfg: dict[str, Any], trial: hpdsl.RunningTrial) -> float:
    import xgboost

    from hpdsl.integration import XGBoostPruningCallback

    train = xgboost.DMatrix(X_TRAIN, Y_TRAIN)
    valid = xgboost.DMatrix(X_VAL, Y_VAL)
    log: dict[str, Any] = {}
    xgboost.train({"objective": "binary:logistic", "eval_metric": "logloss",
                   "eta": cfg["lr"], "max_depth": 2, "nthread": 1}, train, EPOCHS,
                  evals=[(valid, "validation")], evals_result=log, verbose_eval=False,
                  callbacks=[XGBoostPruningCallback(trial, "validation-logloss")])
    return float(log["validation"]["logloss"][-1])


def test_xgboost_callback_prunes_a_hopeless_booster() -> None:
    assert_hopeless_pruned(good_then_hopeless(boosted, good=0.5, hopeless=1e-4))


def test_xgboost_callback_reads_cross_validation_and_names_what_was_evaluated() -> None:
    import xgboost

    from hpdsl.integration import XGBoostPruningCallback

    minimized = hpdsl.Study("x ~ uniform(0, 1)", seed=0)
    with pytest.raises(ConfigurationError, match="`auc` is higher for better but the study "
                                                 "minimizes: pass direction=\"maximize\""):
        XGBoostPruningCallback(minimized.running_trial(minimized.ask()), "test-auc")
    study = hpdsl.Study("x ~ uniform(0, 1)", seed=0, direction="maximize")
    trial = study.running_trial(study.ask())
    train = xgboost.DMatrix(X_TRAIN, Y_TRAIN)
    params = {"objective": "binary:logistic", "eval_metric": "auc", "nthread": 1}
    log = xgboost.cv(params, train, 3, nfold=2, seed=0,
                     callbacks=[XGBoostPruningCallback(trial, "test-auc")])
    reported = study.trials[0].intermediate
    assert sorted(reported) == [1, 2, 3]
    assert reported[3] == pytest.approx(log["test-auc-mean"].iloc[-1])  # the mean over folds
    with pytest.raises(ConfigurationError,
                       match="no `valid-auc`; it evaluated: train-auc, test-auc"):
        xgboost.cv(params, train, 1, nfold=2,
                   callbacks=[XGBoostPruningCallback(trial, "valid-auc")])
    with pytest.raises(ConfigurationError, match="DATASET-METRIC"):
        XGBoostPruningCallback(trial, "logloss")


# LightGBM -------------------------------------------------------------------------------

def light(cfg: dict[str, Any], trial: hpdsl.RunningTrial) -> float:
    import lightgbm

    from hpdsl.integration import LightGBMPruningCallback

    log: dict[str, Any] = {}
    lightgbm.train({"objective": "binary", "learning_rate": cfg["lr"], "num_leaves": 4,
                    "num_threads": 1, "verbose": -1},
                   lightgbm.Dataset(X_TRAIN, Y_TRAIN), EPOCHS,
                   valid_sets=[lightgbm.Dataset(X_VAL, Y_VAL)],
                   callbacks=[lightgbm.record_evaluation(log),
                              LightGBMPruningCallback(trial, "valid_0-binary_logloss")])
    return float(log["valid_0"]["binary_logloss"][-1])


def test_lightgbm_callback_prunes_a_hopeless_booster() -> None:
    assert_hopeless_pruned(good_then_hopeless(light, good=0.3, hopeless=1e-5))


def test_lightgbm_callback_reads_cross_validation_in_the_direction_lightgbm_says(
        ) -> None:
    import lightgbm

    from hpdsl.integration import LightGBMPruningCallback

    params = {"objective": "binary", "metric": "auc", "num_threads": 1, "verbose": -1}
    data = lightgbm.Dataset(X_TRAIN, Y_TRAIN)
    minimized = hpdsl.Study("x ~ uniform(0, 1)", seed=0)
    with pytest.raises(ConfigurationError, match="`valid-auc` is higher for better"):
        lightgbm.cv(params, data, 3, nfold=2, callbacks=[
            LightGBMPruningCallback(minimized.running_trial(minimized.ask()), "valid-auc")])
    assert minimized.trials[0].intermediate == {}  # refused before the first report
    study = hpdsl.Study("x ~ uniform(0, 1)", seed=0, direction="maximize")
    trial = study.running_trial(study.ask())
    log = lightgbm.cv(params, data, 3, nfold=2, seed=0,
                      callbacks=[LightGBMPruningCallback(trial, "valid-auc")])
    reported = study.trials[0].intermediate
    assert sorted(reported) == [1, 2, 3]
    assert reported[3] == pytest.approx(log["valid auc-mean"][-1])
    with pytest.raises(ConfigurationError, match="`valid-binary_logloss` is lower for better "
                                                 "but the study maximizes"):
        lightgbm.cv({**params, "metric": "binary_logloss"}, data, 1, nfold=2, callbacks=[
            LightGBMPruningCallback(study.running_trial(study.ask()),
                                    "valid-binary_logloss")])
    with pytest.raises(ConfigurationError, match="no `valid_0-auc`; it evaluated: valid-auc"):
        lightgbm.cv(params, data, 1, nfold=2,
                    callbacks=[LightGBMPruningCallback(trial, "valid_0-auc")])


# Keras 3 and PyTorch Lightning (on torch, CPU) ------------------------------------------

def network(cfg: dict[str, Any], trial: hpdsl.RunningTrial) -> float:
    import keras
    import torch

    from hpdsl.integration import KerasPruningCallback

    torch.set_num_threads(1)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((X_TRAIN.shape[1],)),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(cfg["lr"]), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(X_TRAIN, Y_TRAIN, validation_data=(X_VAL, Y_VAL), epochs=EPOCHS,
                        batch_size=64, verbose=0,
                        callbacks=[KerasPruningCallback(trial, "val_accuracy")])
    return float(history.history["val_accuracy"][-1])


# Keras's torch backend converts tensors with numpy's pre-2.0 `__array__` protocol: one
# DeprecationWarning per batch (~170) from keras's own code, not hpdsl's, hidden here.
@pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning:keras")
def test_keras_callback_prunes_a_hopeless_network() -> None:
    trials = good_then_hopeless(network, good=0.1, hopeless=1e-6, direction="maximize")
    assert_hopeless_pruned(trials, sign=-1.0)
    assert trials[0].intermediate[EPOCHS] > 0.9  # the accuracy, as Keras logged it


class _Logistic:
    """A LightningModule that logs `val_loss` (built when torch is imported)."""

    @staticmethod
    def make(lr: float) -> Any:
        import lightning.pytorch as pl
        import torch

        class Logistic(pl.LightningModule):  # type: ignore[misc]
            def __init__(self) -> None:
                super().__init__()
                self.linear = torch.nn.Linear(X_TRAIN.shape[1], 1)

            def loss(self, batch: Any) -> Any:
                x, y = batch
                return torch.nn.functional.binary_cross_entropy_with_logits(
                    self.linear(x).squeeze(1), y)

            def training_step(self, batch: Any, index: int) -> Any:
                return self.loss(batch)

            def validation_step(self, batch: Any, index: int) -> None:
                self.log("val_loss", self.loss(batch))

            def configure_optimizers(self) -> Any:
                return torch.optim.SGD(self.parameters(), lr=lr)

        return Logistic()


def lightning_objective(cfg: dict[str, Any], trial: hpdsl.RunningTrial) -> float:
    import lightning.pytorch as pl
    import torch

    from hpdsl.integration import LightningPruningCallback

    torch.set_num_threads(1)
    pl.seed_everything(0, verbose=False)

    def loader(X: np.ndarray, y: np.ndarray) -> Any:
        data = torch.utils.data.TensorDataset(torch.from_numpy(X), torch.from_numpy(y))
        return torch.utils.data.DataLoader(data, batch_size=64)

    trainer = pl.Trainer(max_epochs=EPOCHS, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False,
                         accelerator="cpu", callbacks=[LightningPruningCallback(trial)])
    trainer.fit(_Logistic.make(cfg["lr"]), loader(X_TRAIN, Y_TRAIN), loader(X_VAL, Y_VAL))
    return float(trainer.callback_metrics["val_loss"])


def test_lightning_callback_prunes_a_hopeless_module() -> None:
    assert_hopeless_pruned(good_then_hopeless(lightning_objective, good=0.5, hopeless=1e-6))


def test_the_running_trial_carries_the_study_s_direction_to_worker_processes() -> None:
    import pickle

    study = hpdsl.Study("x ~ uniform(0, 1)", seed=0, direction="maximize")
    sent = pickle.loads(pickle.dumps(study.running_trial(study.ask())))
    assert sent.direction == "maximize"
    minimized = hpdsl.Study("x ~ uniform(0, 1)")
    assert minimized.running_trial(minimized.ask()).direction == "minimize"


def test_each_library_is_imported_only_when_its_helper_is() -> None:
    import subprocess
    import sys

    libraries = ("xgboost", "lightgbm", "keras", "torch", "lightning")
    script = ("import sys, hpdsl; hpdsl.integration.report_and_prune; {use}; "
              f"print(sorted(m for m in {libraries!r} if m in sys.modules))")
    loaded = [subprocess.run([sys.executable, "-c", script.format(use=use)],
                             capture_output=True, text=True, timeout=120, check=True
                             ).stdout.strip()
              for use in ("None", "hpdsl.integration.fit_epochs",
                          "hpdsl.integration.LightGBMPruningCallback",
                          "hpdsl.integration.XGBoostPruningCallback")]
    assert loaded == ["[]", "[]", "[]", "['xgboost']"]
