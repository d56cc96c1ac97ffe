"""`fmin(executor=client)` on a Dask LocalCluster of two worker processes."""

from __future__ import annotations

import os
from typing import Any

from dask import distributed

import hpdsl
from hpdsl import TrialState


def objective(cfg: dict[str, Any], trial: hpdsl.RunningTrial) -> dict[str, Any]:
    return {"loss": (cfg["x"] - 0.3) ** 2 + cfg["k"], "pid": os.getpid(),
            "number": trial.number}


def test_a_study_runs_end_to_end_on_a_dask_cluster() -> None:
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        trials = hpdsl.Trials()
        best = hpdsl.fmin(objective, "x ~ uniform(0, 1)\nk ~ randint(0, 3)\n",
                          max_evals=10, trials=trials, executor=client, rstate=0,
                          show_progressbar=False)
        assert client.submit(sum, [1, 2]).result() == 3  # the client is still usable
    assert len(trials) == 10 and all(t.state == TrialState.OK for t in trials)
    assert len({repr(t.config) for t in trials}) == 10
    assert best == trials.best_trial.config  # type: ignore[union-attr]
    assert os.getpid() not in {t.attachments["pid"] for t in trials}  # ran on the workers
    assert [t.attachments["number"] for t in trials] == list(range(10))  # the running trial
