"""`fmin(executor=client)` on a Dask LocalCluster of two worker processes."""

from __future__ import annotations

import os
from typing import Any

from dask import distributed

import hpdsl
from hpdsl import TrialState
from hpdsl.pruners import ThresholdPruner


def objective(cfg: dict[str, Any], trial: hpdsl.RunningTrial) -> dict[str, Any]:
    loss = (cfg["x"] - 0.3) ** 2 + cfg["k"]
    for epoch in (1, 2):  # k == 3 is pruned at epoch 1 (above the ThresholdPruner's 2.7)
        trial.report(loss + 0.1 / epoch, epoch)
        if trial.should_prune():
            raise hpdsl.TrialPruned()
    return {"loss": loss, "pid": os.getpid(), "number": trial.number}


def two_objectives(cfg: dict[str, Any]) -> dict[str, Any]:
    return {"loss": [cfg["x"] + cfg["k"], cfg["x"] ** 2], "x": cfg["x"]}


def test_a_study_runs_end_to_end_on_a_dask_cluster() -> None:
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        trials = hpdsl.Trials()
        best = hpdsl.fmin(objective, "x ~ uniform(0, 1)\nk ~ randint(0, 3)\n",
                          max_evals=10, trials=trials, executor=client, rstate=0,
                          show_progressbar=False, pruner=ThresholdPruner(upper=2.7))
        assert client.submit(sum, [1, 2]).result() == 3  # the client is still usable
        several = hpdsl.Trials()
        front = hpdsl.fmin(two_objectives, "x ~ uniform(0, 1)\nk ~ randint(0, 3)\n",
                           max_evals=8, trials=several, executor=client, rstate=0,
                           show_progressbar=False, directions=("minimize", "maximize"),
                           constraints=["x <= 0.8"])
    assert all(t.values == (t.config["x"] + t.config["k"], t.config["x"] ** 2)
               and t.feasible == (t.config["x"] <= 0.8) for t in several)
    assert front == [t.config for t in several.pareto_front()] != []
    pruned = [t for t in trials if t.config["k"] == 3]
    done = [t for t in trials if t.config["k"] < 3]
    assert len(trials) == 10 and pruned and done
    assert all(t.state == TrialState.OK and len(t.intermediate) == 2 for t in done)
    # reported on the workers, stored in the driver's study in memory
    assert all(t.state == TrialState.PRUNED and t.intermediate == {1: t.loss} for t in pruned)
    assert len({repr(t.config) for t in trials}) == 10
    assert best == trials.best_trial.config  # type: ignore[union-attr]
    assert os.getpid() not in {t.attachments["pid"] for t in done}  # ran on the workers
    assert [t.number for t in done] == [t.attachments["number"] for t in done]
