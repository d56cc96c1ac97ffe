"""Scripts written for hyperopt run on hpdsl: the same post-processing reads hpdsl's
Trials, hyperopt's early-stop rules work, and hyperopt's own objects passed to hpdsl
give an error naming the hpdsl equivalent."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pytest
from hyperopt import STATUS_OK, hp
from hyperopt import Trials as HyperoptTrials
from hyperopt import anneal as hyperopt_anneal
from hyperopt import fmin as hyperopt_fmin
from hyperopt import rand as hyperopt_rand
from hyperopt import tpe as hyperopt_tpe
from hyperopt.early_stop import no_progress_loss

import hpdsl

SPACE = """
model ~ choice(svm, rf)
if model == svm then C ~ loguniform(1e-3, 1e3)
lr ~ loguniform(1e-4, 1e-1)
steps = round(1 / lr)
"""


def objective(params: dict[str, Any]) -> dict[str, Any]:
    loss = (np.log10(params["lr"]) + 2) ** 2 + (params["model"] == "rf")
    return {"loss": loss, "status": STATUS_OK, "folds": np.full(2, loss)}


def post_process(trials: Any) -> dict[str, Any]:
    """What hyperopt users write after fmin, unchanged for both libraries."""
    ok = [t for t in trials.trials if t["result"]["status"] == STATUS_OK]
    return {"n": len(trials.trials), "ok": len(ok), "tids": [t["tid"] for t in trials.trials],
            "states": {t["state"] for t in trials.trials},
            "results": len(trials.results), "statuses": set(trials.statuses()),
            "best": trials.best_trial["result"]["loss"],
            "lowest": min(loss for loss in trials.losses() if loss is not None),
            "vals": sorted(trials.trials[0]["misc"]["vals"]), "argmin": trials.argmin}


def test_post_processing_written_for_hyperopt_reads_hpdsl_trials() -> None:
    theirs = HyperoptTrials()
    hyperopt_fmin(objective, {"model": hp.choice("model", ["svm", "rf"]),
                              "C": hp.loguniform("C", -7, 7),
                              "lr": hp.loguniform("lr", np.log(1e-4), np.log(1e-1))},
                  algo=hyperopt_rand.suggest, max_evals=8, trials=theirs,
                  rstate=np.random.default_rng(0), show_progressbar=False)
    ours = hpdsl.Trials()
    best = hpdsl.fmin(objective, SPACE, algo=hpdsl.rand.suggest, max_evals=8, trials=ours,
                      rstate=np.random.default_rng(0), show_progressbar=False)
    a, b = post_process(theirs), post_process(ours)
    assert {k: a[k] for k in ("n", "ok", "tids", "states", "results", "statuses")} == {
        k: b[k] for k in ("n", "ok", "tids", "states", "results", "statuses")}
    assert b["best"] == b["lowest"] == ours.best_trial.loss  # type: ignore[union-attr]
    assert b["vals"] == ["C", "lr", "model", "steps"] and b["argmin"] == best
    assert ours.best_trial["result"]["folds"] == pytest.approx([b["best"]] * 2)  # type: ignore[index]
    rf = next(t for t in ours.trials if t["misc"]["vals"]["model"] == ["rf"])
    assert rf["misc"]["vals"]["C"] == [] and rf["misc"]["idxs"]["C"] == []


def test_failed_and_running_trials_in_hyperopt_form() -> None:
    study = hpdsl.Study("x ~ uniform(0, 1)", seed=0)
    study.tell(study.ask(), "not a loss")
    study.ask()
    trials = study.trials
    assert trials.statuses() == ["fail", "running"]
    assert [t["state"] for t in trials.trials] == [3, 1]  # hyperopt's ERROR and RUNNING
    assert trials.results == [{"status": "fail", "loss": None},
                              {"status": "running", "loss": None}]
    with pytest.raises(hpdsl.AllTrialsFailed):
        _ = trials.argmin


def test_hyperopts_no_progress_loss_stops_an_hpdsl_search() -> None:
    theirs = HyperoptTrials()
    hyperopt_fmin(lambda c: 1.0, {"x": hp.uniform("x", 0, 1)}, algo=hyperopt_tpe.suggest,
                  max_evals=50, trials=theirs, early_stop_fn=no_progress_loss(5),
                  rstate=np.random.default_rng(0), show_progressbar=False)
    ours = hpdsl.Trials()
    hpdsl.fmin(lambda c: 1.0, SPACE, max_evals=50, trials=ours, rstate=0,
               early_stop_fn=no_progress_loss(5), show_progressbar=False)
    assert len(ours) == len(theirs.trials) == 5  # stopped as hyperopt stops


def test_space_eval_checks_and_completes_a_configuration() -> None:
    best = {"model": "svm", "C": 2.0, "lr": 0.01}
    assert hpdsl.space_eval(SPACE, best) == {**best, "steps": 100}
    assert hpdsl.space_eval(SPACE, {"model": "rf", "lr": 0.5e-2}) == {
        "model": "rf", "lr": 0.005, "steps": 200}
    with pytest.raises(hpdsl.ConfigurationError, match="not in the space"):
        hpdsl.space_eval(SPACE, {"model": "svm", "lr": 0.01})


@pytest.mark.parametrize("algo, named", [
    (hyperopt_tpe.suggest, "hpdsl.tpe.suggest"),
    (functools.partial(hyperopt_tpe.suggest, n_startup_jobs=5), "hpdsl.tpe.suggest"),
    (hyperopt_rand.suggest, "hpdsl.rand.suggest"),
    (hyperopt_anneal.suggest, "hpdsl.anneal.suggest"),
])
def test_hyperopts_algorithms_are_refused_naming_hpdsls(algo: Any, named: str) -> None:
    with pytest.raises(hpdsl.ConfigurationError, match=f"is hyperopt's: use {named}"):
        hpdsl.fmin(objective, SPACE, algo=algo, max_evals=2, show_progressbar=False)


def test_hyperopts_trials_are_refused_naming_hpdsls() -> None:
    for make in (lambda t: hpdsl.fmin(objective, SPACE, trials=t, max_evals=2,
                                      show_progressbar=False),
                 lambda t: hpdsl.Study(SPACE, trials=t)):
        with pytest.raises(hpdsl.ConfigurationError, match=r"pass hpdsl.Trials\(\)"):
            make(HyperoptTrials())
        with pytest.raises(TypeError, match="must be an hpdsl.Trials, not list"):
            make([])
