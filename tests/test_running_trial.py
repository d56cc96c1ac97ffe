"""The objective's second argument (the running trial) and fmin's callbacks.

The objectives are module-level functions: worker processes import them by name.
"""

from __future__ import annotations

import pickle
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import hpdsl
from hpdsl import RunningTrial, Study, TrialState

SPACE = "x ~ uniform(0, 1)\n"


def with_trial(cfg: dict[str, Any], trial: RunningTrial) -> dict[str, Any]:
    assert trial.config == cfg
    return {"loss": cfg["x"], "number": trial.number, "study": trial.study_name,
            "storage": trial.storage}


def config_only(cfg: dict[str, Any], verbose: bool = False) -> float:
    return float(cfg["x"])  # a second parameter with a default: not given the trial


def run(fn: Any, trials: hpdsl.Trials, **kw: Any) -> hpdsl.Trials:
    hpdsl.fmin(fn, SPACE, algo=hpdsl.rand.suggest, max_evals=4, trials=trials, rstate=0,
               show_progressbar=False, **kw)
    return trials


@pytest.mark.parametrize("how", [{}, {"n_jobs": 2},
                                 {"executor": "threads"}])
def test_an_objective_with_two_parameters_receives_the_running_trial(
        tmp_path: Path, how: dict[str, Any]) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    if how.get("executor") == "threads":
        with ThreadPoolExecutor(2) as pool:
            trials = run(with_trial, hpdsl.Trials(url, study="ckpt"), executor=pool)
    else:
        trials = run(with_trial, hpdsl.Trials(url, study="ckpt"), **how)
    assert all(t.state == TrialState.OK for t in trials), [t.error for t in trials]
    assert sorted(t.attachments["number"] for t in trials) == [0, 1, 2, 3]
    assert all(t.attachments["number"] == t.number for t in trials)
    assert {t.attachments["study"] for t in trials} == {"ckpt"}
    assert {t.attachments["storage"] for t in trials} == {f"sqlite:///{tmp_path / 's.db'}"}
    again = hpdsl.Trials(trials[0].attachments["storage"], study="ckpt")
    assert len(again) == 4  # the URL opens the same study from anywhere


def test_in_memory_the_trial_has_no_study_name_or_storage() -> None:
    trials = run(with_trial, hpdsl.Trials())
    assert [t.attachments["study"] for t in trials] == [None] * 4
    assert [t.attachments["storage"] for t in trials] == [None] * 4
    assert run(config_only, hpdsl.Trials()).best_trial is not None


def test_ask_tell_gets_the_same_handle_and_it_pickles(tmp_path: Path) -> None:
    study = Study(SPACE, seed=0, trials=hpdsl.Trials(f"sqlite:///{tmp_path / 's.db'}"))
    asked = study.ask()
    trial = study.running_trial(asked)
    assert (trial.number, trial.config, trial.study_name) == (0, asked.config, "default")
    assert pickle.loads(pickle.dumps(trial)) == trial
    study.tell(asked, with_trial(asked.config, trial))
    assert study.trials[0].attachments["number"] == 0


def test_callbacks_run_after_each_finished_trial_in_order() -> None:
    seen: list[tuple[str, int, TrialState, int]] = []

    def first(trials: hpdsl.Trials, trial: hpdsl.Trial) -> None:
        seen.append(("first", trial.number, trial.state, len(trials)))

    def second(trials: hpdsl.Trials, trial: hpdsl.Trial) -> None:
        seen.append(("second", trial.number, trial.state, len(trials)))

    def fails_on_odd(cfg: dict[str, Any], trial: RunningTrial) -> float:
        if trial.number % 2:
            raise ValueError("odd")
        return float(cfg["x"])

    run(fails_on_odd, hpdsl.Trials(), callbacks=[first, second], catch_eval_exceptions=True)
    assert seen == [(name, n, TrialState.FAIL if n % 2 else TrialState.OK, n + 1)
                    for n in range(4) for name in ("first", "second")]


def test_an_exception_in_a_callback_stops_the_search() -> None:
    def stop(trials: hpdsl.Trials, trial: hpdsl.Trial) -> None:
        if trial.number == 1:
            raise RuntimeError("enough")

    trials = hpdsl.Trials()
    with pytest.raises(RuntimeError, match="enough"):
        run(config_only, trials, callbacks=[stop])
    assert len(trials) == 2 and all(t.state == TrialState.OK for t in trials)


@pytest.mark.parametrize(("callbacks", "message"), [
    (print, "callbacks is a list of functions `callback(trials, trial)`, not builtin_function"),
    (5, "not int: write callbacks=[fn]"),
    ([print, "report"], "callbacks[1] is str 'report', not a function"),
])
def test_callbacks_that_are_not_a_list_of_functions_are_refused_before_a_trial(
        callbacks: Any, message: str) -> None:
    trials = hpdsl.Trials()
    with pytest.raises(hpdsl.ConfigurationError) as error:
        run(config_only, trials, callbacks=callbacks)
    assert message in str(error.value)
    assert len(trials) == 0
