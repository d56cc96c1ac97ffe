"""Objectives that misbehave cost only their own trial: each fault is a failed trial with
its reason, the study goes on, and an SQLite study stays consistent.

Every fault runs serially (those that would end the test process only in workers) and in
worker processes (`n_jobs=2`, with `trial_timeout` for the one that never returns). The
objectives are module-level functions: spawned workers import them by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hpdsl
from hpdsl import TrialState

FAULTS = {  # fault -> the reason its trial fails with (None: an OK trial)
    "ok": None,
    "raise": "ValueError: the objective broke",
    "nan": "the loss is nan",
    "inf": "the loss is inf",
    "none": "the objective returned None (NoneType), not a loss",
    "string": "the objective returned 'bad' (str), not a loss",
    "nodict": "the result has no `loss`",
    "print": None,
    "exit": "the objective called sys.exit(3)",
    "exitnone": "the objective called sys.exit()",
    "sleep": "timed out after 4 s",
    "osexit": "the worker died while evaluating this trial",
    "sigkill": "the worker died while evaluating this trial",
    # results that raise while they are read, and BaseExceptions that are not Ctrl-C
    "huge": "OverflowError: int too large to convert to float",
    "deep": "RecursionError",
    "badfloat": "ValueError: no float for you",
    "badrepr": "the objective's result could not be read: ValueError: no repr",
    "badstr": "BadStrError: <its message could not be read: ValueError>",
    "cancelled": "CancelledError",
    "generatorexit": "GeneratorExit",
    # results a study file holds in part
    "numpy": None,
    "unstorable": None,
}
IN_WORKERS_ONLY = {"sleep", "osexit", "sigkill"}


class BadFloat(float):
    def __float__(self) -> float:
        raise ValueError("no float for you")


class BadRepr:
    def __repr__(self) -> str:
        raise ValueError("no repr")


class BadStrError(Exception):
    def __str__(self) -> str:
        raise ValueError("no str")


class Model:
    """What an objective may return among its results; a study file cannot hold it."""


def nested(depth: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(depth):
        value = [value]
    return value


def faulty(cfg: dict[str, Any]) -> object:
    """Misbehave as `cfg["fault"]` says."""
    fault = cfg["fault"]
    if fault == "raise":
        raise ValueError("the objective broke")
    if fault in ("nan", "inf"):
        return float(fault)
    if fault == "none":
        return None
    if fault == "string":
        return "bad"
    if fault == "nodict":
        return {"status": "ok", "accuracy": 0.5}
    if fault == "print":
        sys.stdout.write("x" * 4 * 2**20 + "\n")  # 4 MB on stdout
        sys.stdout.flush()
        return 1.0
    if fault == "exit":
        sys.exit(3)
    if fault == "exitnone":
        sys.exit()
    if fault == "sleep":
        time.sleep(3600)
    if fault == "osexit":
        os._exit(7)
    if fault == "sigkill":
        os.kill(os.getpid(), signal.SIGKILL)
    return _odd(fault)


def _odd(fault: str) -> object:
    if fault == "huge":
        return 10**400
    if fault == "deep":
        return nested(1000)
    if fault == "badfloat":
        return BadFloat(1.0)
    if fault == "badrepr":
        return BadRepr()
    if fault == "badstr":
        raise BadStrError()
    if fault == "cancelled":
        raise asyncio.CancelledError()
    if fault == "generatorexit":
        raise GeneratorExit()
    if fault == "numpy":
        return {"loss": np.float64(0.5), "folds": np.zeros(3), "best_iter": np.int64(7)}
    if fault == "unstorable":
        return {"loss": 0.25, "model": Model(), "trace": nested(200)}
    return 0.5


def space_of(faults: list[str]) -> str:
    return f"fault ~ choice({', '.join(faults)})\n"


def run(tmp_path: Path, faults: list[str], **kw: Any) -> hpdsl.Trials:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    hpdsl.fmin(faulty, space_of(faults), algo=hpdsl.grid.suggest, max_evals=len(faults),
               trials=hpdsl.Trials(url), catch_eval_exceptions=True, show_progressbar=False,
               **kw)
    return hpdsl.Trials(url)  # read back from the file


def assert_each_fault_recorded(trials: hpdsl.Trials, faults: list[str]) -> None:
    assert sorted(t.config["fault"] for t in trials) == sorted(faults)  # the study went on
    for t in trials:
        reason = FAULTS[t.config["fault"]]
        if reason is None:
            assert t.state == TrialState.OK and t.loss is not None and math.isfinite(t.loss)
        else:
            assert t.state == TrialState.FAIL, (t.config, t.state, t.error)
            assert t.error is not None and reason in t.error, (t.config, t.error)
    by_fault = {t.config["fault"]: t for t in trials}
    if "numpy" in by_fault:
        assert by_fault["numpy"].result == {"loss": 0.5, "folds": [0.0] * 3, "best_iter": 7}
    if "unstorable" in by_fault:
        t = by_fault["unstorable"]
        assert t.loss == 0.25 and set(t.result["not_stored"]) == {"model", "trace"}
    if "raise" in by_fault:
        tb = by_fault["raise"].traceback
        assert tb is not None and "in faulty" in tb and "the objective broke" in tb
        assert "_fmin.py" not in tb  # it starts at the objective's frame


def assert_consistent(path: Path) -> None:
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = db.execute("SELECT number, state FROM trials ORDER BY number").fetchall()
    finally:
        db.close()
    assert [n for n, _ in rows] == list(range(len(rows)))  # numbers contiguous
    assert {s for _, s in rows} <= {int(TrialState.OK), int(TrialState.FAIL)}


def test_faults_in_the_serial_loop(tmp_path: Path) -> None:
    faults = [f for f in FAULTS if f not in IN_WORKERS_ONLY]
    trials = run(tmp_path, faults)
    assert_each_fault_recorded(trials, faults)
    assert_consistent(tmp_path / "study.db")


def test_faults_in_worker_processes(tmp_path: Path) -> None:
    faults = list(FAULTS)
    start = time.monotonic()
    trials = run(tmp_path, faults, n_jobs=2, trial_timeout=4)
    assert_each_fault_recorded(trials, faults)
    assert_consistent(tmp_path / "study.db")
    assert time.monotonic() - start < 60


def test_sys_exit_with_catch_false_still_goes_on(tmp_path: Path) -> None:
    """sys.exit is not an exception to propagate: its trial fails and the search goes on."""
    trials = hpdsl.Trials()
    hpdsl.fmin(faulty, space_of(["exit", "ok"]), algo=hpdsl.grid.suggest, max_evals=2,
               trials=trials, show_progressbar=False)
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.OK]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_an_exception_still_propagates_without_catch(n_jobs: int) -> None:
    trials = hpdsl.Trials()
    with pytest.raises(ValueError, match="the objective broke"):
        hpdsl.fmin(faulty, space_of(["raise"]), algo=hpdsl.grid.suggest, max_evals=1,
                   trials=trials, show_progressbar=False, n_jobs=n_jobs)
    assert [t.state for t in trials] == [TrialState.FAIL]


# --- processes: workers die with their driver, and no more start than can run -------------

HPDSL = Path(sys.executable).with_name("hpdsl")
needs_proc = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def descendants(pid: int) -> dict[int, str]:
    """The live processes below `pid` (from /proc), with their command lines."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if fields[0] not in ("Z", "X"):
                children.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = {}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            try:
                found[child] = (Path("/proc") / str(child) / "cmdline").read_text()
            except OSError:
                continue
            todo.append(child)
    return found


def alive(pids: dict[int, str], within: float = 15.0) -> list[int]:
    """Those of `pids` still running (not zombies) after waiting up to `within` s."""
    deadline = time.monotonic() + within
    while True:
        left = [p for p in pids if _running(p)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] not in "ZX"
    except OSError:
        return False


def start_run(tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    (tmp_path / "space.hps").write_text("x ~ uniform(0, 1)\n")
    (tmp_path / "slow.py").write_text("import time\n\n\ndef slow(cfg):\n"
                                      "    time.sleep(120)\n    return cfg['x']\n")
    with open(tmp_path / "out", "wb") as out, open(tmp_path / "err", "wb") as err:
        return subprocess.Popen([str(HPDSL), "run", "space.hps", "--objective", "slow.py:slow",
                                 "--no-progress", *args], cwd=tmp_path, stdout=out, stderr=err,
                                start_new_session=True)


def wait_for(condition: Callable[[], bool], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def running_trials(path: Path) -> int:
    if not path.exists():
        return 0
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return db.execute("SELECT count(*) FROM trials WHERE state = ?",
                          (int(TrialState.RUNNING),)).fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        db.close()


def stop(proc: subprocess.Popen[bytes], below: dict[int, str]) -> None:
    """Leave nothing running, whatever the test found."""
    for pid in [proc.pid, *alive(below, within=0)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait()


def workers(pids: dict[int, str]) -> list[int]:
    return [p for p, cmd in pids.items() if "spawn_main" in cmd]


@needs_proc
@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_workers_die_with_their_driver(tmp_path: Path, signum: int) -> None:
    """Killing `hpdsl run --n-jobs 3` leaves no process behind (workers and the resource
    tracker used to live on forever); SIGTERM stops it as Ctrl-C does: the running
    trials are recorded as interrupted."""
    proc = start_run(tmp_path, "--n-jobs", "3", "--max-evals", "6", "--storage",
                     "sqlite:///s.db")
    try:
        below: dict[int, str] = {}
        wait_for(lambda: running_trials(tmp_path / "s.db") == 3)
        below = descendants(proc.pid)
        assert len(workers(below)) == 3, below
        proc.send_signal(signum)
        proc.wait(timeout=60)
        assert alive(below) == []
    finally:
        stop(proc, below)
    err = (tmp_path / "err").read_text()
    assert "Traceback" not in err, err
    if signum == signal.SIGTERM:
        assert proc.returncode == 143 and "hpdsl: terminated" in err, err
        db = sqlite3.connect(tmp_path / "s.db")
        states = db.execute("SELECT state, count(*) FROM trials GROUP BY state").fetchall()
        db.close()
        assert states == [(int(TrialState.INTERRUPTED), 3)]


@needs_proc
def test_ctrl_c_while_workers_start_prints_no_traceback(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group; a worker still starting used to print a
    KeyboardInterrupt traceback each."""
    proc = start_run(tmp_path, "--n-jobs", "3", "--max-evals", "6")
    try:
        below: dict[int, str] = {}
        wait_for(lambda: len(descendants(proc.pid)) >= 1, timeout=60)
        time.sleep(0.3)  # the first processes are importing, the others not started yet
        below = descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=60)
        assert alive(below) == []
    finally:
        stop(proc, below)
    err = (tmp_path / "err").read_text()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert proc.returncode == 130 and "hpdsl: interrupted" in err, err


def test_the_worker_count_is_capped() -> None:
    from hpdsl.search import workers_to_start

    cpus = os.cpu_count() or 1
    assert workers_to_start(3, 10) == (3, None)
    assert workers_to_start(100_000, 2) == (2, "2 trials left to run")
    assert workers_to_start(100_000, None) == (4 * cpus, f"at most 4 per CPU ({cpus} CPUs)")
    assert workers_to_start(100_000, 0)[0] == 1


@needs_proc
def test_n_jobs_beyond_what_can_run_starts_no_more_workers(tmp_path: Path) -> None:
    """`--n-jobs 100000 --max-evals 2` used to start ~99 processes: now 2, said once."""
    (tmp_path / "space.hps").write_text("x ~ uniform(0, 1)\n")
    (tmp_path / "obj.py").write_text("import time\n\n\ndef f(cfg):\n    time.sleep(1)\n"
                                     "    return cfg['x']\n")
    with open(tmp_path / "err", "wb") as err:
        proc = subprocess.Popen([str(HPDSL), "run", "space.hps", "--objective", "obj.py:f",
                                 "--n-jobs", "100000", "--max-evals", "2", "--no-progress"],
                                cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=err)
        most = 0
        while proc.poll() is None:
            most = max(most, len(workers(descendants(proc.pid))))
            time.sleep(0.05)
    text = (tmp_path / "err").read_text()
    assert proc.returncode == 0, text
    assert most <= 2
    assert text.count("--n-jobs 100000: starting 2 worker processes, 2 trials left") == 1


def test_fmin_warns_once_when_it_starts_fewer_workers(tmp_path: Path) -> None:
    with pytest.warns(RuntimeWarning, match="starting 1 worker process: 1 trial left"
                      ) as caught:
        run(tmp_path, ["ok"], n_jobs=8)
    assert len(caught) == 1
