"""A trial as hyperopt's `Trials` shows it, for scripts written against hyperopt.

hyperopt keeps each trial as a dict: `tid`, `state` (a job state number), `result`
(what the objective returned, with `status`), `misc.vals` (each parameter's value in
a one-item list, empty where inactive). `Trials.trials`, `Trials.results`,
`Trials.statuses()` and `trial["result"]` build those dicts from hpdsl's records, so
that post-processing written for hyperopt runs unchanged. Values are hpdsl's: a choice
holds its option, not an index.
"""

from __future__ import annotations

from typing import Any

from ._base import Trial, TrialState

# hyperopt's JOB_STATE_RUNNING, JOB_STATE_DONE, JOB_STATE_ERROR, JOB_STATE_CANCEL
HYPEROPT_JOB_STATE = {TrialState.RUNNING: 1, TrialState.OK: 2, TrialState.FAIL: 3,
             TrialState.INTERRUPTED: 4, TrialState.PRUNED: 4}
# hyperopt's STATUS_RUNNING, STATUS_OK, STATUS_FAIL; hyperopt has no pruned trials: "fail"
# keeps them out of the best, as hpdsl does
HYPEROPT_STATUS = {TrialState.RUNNING: "running", TrialState.OK: "ok", TrialState.FAIL: "fail",
          TrialState.INTERRUPTED: "fail", TrialState.PRUNED: "fail"}


def hyperopt_result(trial: Trial) -> dict[str, Any]:
    """The objective's result with `status`, and `loss` (None unless OK)."""
    return {**trial.result, "status": HYPEROPT_STATUS[trial.state], "loss": trial.loss}


def hyperopt_trial(trial: Trial, names: list[str] | None = None) -> dict[str, Any]:
    """The trial as a hyperopt trial dict; `names`: every parameter of the study (a
    name the trial lacks has an empty list), default the trial's own."""
    vals = {name: [trial.params[name]] if name in trial.params else []
            for name in (names if names is not None else trial.params)}
    idxs = {name: [trial.number] if v else [] for name, v in vals.items()}
    return {"tid": trial.number, "state": HYPEROPT_JOB_STATE[trial.state],
            "result": hyperopt_result(trial),
            "misc": {"tid": trial.number, "vals": vals, "idxs": idxs, "cmd": None,
                     "workdir": None},
            "spec": None, "owner": None, "exp_key": None, "version": 0,
            "book_time": trial.started, "refresh_time": trial.finished}


__all__ = ["HYPEROPT_JOB_STATE", "HYPEROPT_STATUS", "hyperopt_result", "hyperopt_trial"]
