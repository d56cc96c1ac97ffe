"""`fmin(n_jobs=..., executor=...)`: asynchronous evaluation in worker processes or threads.

The objectives are module-level functions: worker processes are spawned and import them
by name. No assertion depends on how long something takes; sleeps only make a trial
slow enough to be still running when the driver checks.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import hpdsl
from hpdsl import TrialState

SPACE = "x ~ uniform(0, 1)\nk ~ randint(0, 3)\n"
CRASH, HANG, SLOW = {"x": 0.25, "k": 1}, {"x": 0.75, "k": 2}, {"x": 0.5, "k": 0}


def quadratic(cfg: dict[str, Any]) -> float:
    return (cfg["x"] - 0.3) ** 2 + cfg["k"]


def crash_or_hang(cfg: dict[str, Any], pid_file: str = "") -> float:
    """Kills its worker for CRASH; never returns for HANG (after writing its pid)."""
    if cfg == CRASH:
        os._exit(1)
    if cfg == HANG:
        Path(pid_file).write_text(str(os.getpid()))
        time.sleep(3600)
    return quadratic(cfg)


def raise_for_slow(cfg: dict[str, Any]) -> float:
    if cfg == SLOW:
        raise ValueError("diverged")
    return quadratic(cfg)


def wait_for_event(event: Any, cfg: dict[str, Any]) -> float:
    """SLOW waits until the driver has told another trial (or 60 s, the failure case)."""
    if cfg == SLOW:
        return 0.0 if event.wait(60) else 99.0
    return quadratic(cfg)


def run(fn: Any = quadratic, **kw: Any) -> hpdsl.Trials:
    trials = kw.pop("trials", None)
    trials = hpdsl.Trials() if trials is None else trials
    kw.setdefault("show_progressbar", False)
    hpdsl.fmin(fn, SPACE, trials=trials, **kw)
    return trials


def finished_ok(trials: hpdsl.Trials) -> list[hpdsl.Trial]:
    return [t for t in trials if t.state == TrialState.OK]


def gone(pid: int) -> bool:
    """The process no longer runs (it exited, or is a zombie waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):  # gone, or going while read
        return True


def test_n_jobs_runs_max_evals_distinct_trials_with_tpe() -> None:
    trials = run(max_evals=8, n_jobs=2, rstate=0)
    assert len(trials) == 8 and len(finished_ok(trials)) == 8
    configs = [json.dumps(t.config, sort_keys=True) for t in trials]
    assert len(set(configs)) == 8
    assert all(t.loss == pytest.approx(quadratic(t.config)) for t in trials)
    assert trials.best_trial is not None


def test_results_are_told_as_they_arrive_not_in_batches() -> None:
    # SLOW blocks until the driver has told some other trial while SLOW still runs; a
    # lock-step loop would wait for SLOW first, and SLOW would give up with loss 99.
    with multiprocessing.get_context("spawn").Manager() as manager:
        event = manager.Event()
        seen: list[int] = []

        def watch(trials: hpdsl.Trials) -> bool:
            if trials[0].state == TrialState.RUNNING and len(finished_ok(trials)) >= 2:
                seen.append(len(trials))
                event.set()
            return False

        trials = run(partial(wait_for_event, event), max_evals=6, n_jobs=2,
                     points_to_evaluate=[SLOW], early_stop_fn=watch, rstate=0)
    assert seen and trials[0].config == SLOW and trials[0].loss == 0.0
    assert len(finished_ok(trials)) == 6


def test_a_worker_that_dies_fails_its_trial_and_the_run_goes_on(tmp_path: Path) -> None:
    trials = run(partial(crash_or_hang, pid_file=str(tmp_path / "pid")), max_evals=6,
                 n_jobs=2, points_to_evaluate=[CRASH], rstate=0)
    assert len(trials) == 6
    assert trials[0].state == TrialState.FAIL and trials[0].error is not None
    assert "worker died" in trials[0].error and "BrokenProcessPool" in trials[0].error
    assert len(finished_ok(trials)) == 5


def test_a_hung_trial_times_out_and_its_worker_is_killed(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    trials = run(partial(crash_or_hang, pid_file=str(pid_file)), max_evals=5, n_jobs=2,
                 trial_timeout=1, points_to_evaluate=[HANG], rstate=0)
    assert len(trials) == 5
    assert trials[0].state == TrialState.FAIL and trials[0].error == "timed out after 1 s"
    assert len(finished_ok(trials)) == 4
    pid = int(pid_file.read_text())
    if Path("/proc").is_dir():
        assert gone(pid)


def test_trial_timeout_with_one_job_runs_in_a_worker_process(tmp_path: Path) -> None:
    trials = run(partial(crash_or_hang, pid_file=str(tmp_path / "pid")), max_evals=3,
                 trial_timeout=1, points_to_evaluate=[HANG], rstate=0)
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.OK, TrialState.OK]
    assert trials[0].error == "timed out after 1 s"


def test_an_objective_that_raises_fails_its_trial() -> None:
    trials = run(raise_for_slow, max_evals=5, n_jobs=2, points_to_evaluate=[SLOW],
                 catch_eval_exceptions=True, rstate=0)
    assert trials[0].state == TrialState.FAIL and trials[0].error == "ValueError: diverged"
    assert len(finished_ok(trials)) == 4


def test_without_catch_the_exception_propagates_and_running_trials_are_cancelled() -> None:
    trials = hpdsl.Trials()
    with pytest.raises(ValueError, match="diverged"):
        run(raise_for_slow, trials=trials, max_evals=5, n_jobs=2, points_to_evaluate=[SLOW])
    assert trials[0].error == "ValueError: diverged"
    assert all(t.state != TrialState.RUNNING for t in trials)
    assert all(t.error.startswith("cancelled") for t in trials  # type: ignore[union-attr]
               if t.state == TrialState.FAIL and t.number > 0)


def test_a_thread_pool_executor_works_and_is_not_shut_down() -> None:
    with ThreadPoolExecutor(2) as pool:
        # A lambda is fine here: threads need no pickling.
        trials = run(lambda c: quadratic(c), max_evals=6, executor=pool, rstate=0)
        assert pool.submit(int, "7").result() == 7
    assert len(finished_ok(trials)) == 6


def test_a_process_pool_executor_works_and_is_not_shut_down() -> None:
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        trials = run(max_evals=6, executor=pool, rstate=0)
        assert pool.submit(int, "7").result() == 7
    assert len(finished_ok(trials)) == 6


def test_stopping_rules_hold_with_workers() -> None:
    trials = run(max_evals=30, n_jobs=2, rstate=0, early_stop_fn=lambda t: len(t) >= 4)
    assert 4 <= len(trials) <= 5  # the trial running beside the 4th one finishes too
    assert all(t.state == TrialState.OK for t in trials)

    losses = iter([3.0, 0.1] + [5.0] * 10)
    with ThreadPoolExecutor(1) as pool:
        trials = run(lambda c: next(losses), max_evals=30, executor=pool,
                     loss_threshold=0.5, rstate=0)
    assert trials.losses() == [3.0, 0.1]


def test_progress_bar_counts_parallel_trials(capsys: pytest.CaptureFixture[str]) -> None:
    run(max_evals=4, n_jobs=2, show_progressbar=True, rstate=0)
    assert "4/4" in capsys.readouterr().err


def test_an_objective_that_cannot_be_pickled_is_refused_before_any_trial() -> None:
    trials = hpdsl.Trials()
    with pytest.raises(hpdsl.ConfigurationError, match="cannot be sent to worker processes"):
        run(lambda c: 1.0, trials=trials, max_evals=3, n_jobs=2)
    assert len(trials) == 0


@pytest.mark.parametrize("bad", [0, -2, 1.5, True])
def test_n_jobs_and_trial_timeout_are_checked(bad: Any) -> None:
    with pytest.raises(hpdsl.ConfigurationError, match="n_jobs"):
        run(max_evals=1, n_jobs=bad)
    with pytest.raises(hpdsl.ConfigurationError, match="trial_timeout"):
        run(max_evals=1, trial_timeout=0)


# What a script started from a terminal has: Ctrl-C raises KeyboardInterrupt. A child
# inherits an ignored SIGINT, or a blocked one, from the test process, whatever earlier
# tests of the suite left there (in full-suite runs a script sometimes never got its
# Ctrl-C: its threads' stacks showed the driver waiting, woken every 0.25 s, unsignalled).
FRESH_SIGINT = """
import signal
signal.signal(signal.SIGINT, signal.default_int_handler)
if hasattr(signal, "pthread_sigmask"):
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT])
"""

SCRIPT = FRESH_SIGINT + """
import faulthandler, signal
if hasattr(signal, "SIGUSR1"):  # a run that hangs shows where (`run_script`)
    faulthandler.register(signal.SIGUSR1, all_threads=True)
import json, os, sys, time
import hpdsl

def objective(cfg):
    Path = __import__("pathlib").Path
    Path(sys.argv[1], str(os.getpid())).write_text("")
    {body}

{main}
    trials = hpdsl.Trials()
    try:
        hpdsl.fmin(objective, "x ~ uniform(0, 1)", max_evals=6, n_jobs=2, trials=trials,
                   show_progressbar=False)
    except hpdsl.AllTrialsFailed:  # interrupted before any trial finished
        pass
    print(json.dumps([[t.state.name, t.error] for t in trials]))
"""


def run_script(tmp_path: Path, body: str, guarded: bool = True,
               interrupt: bool = False) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "search.py"
    main = 'if __name__ == "__main__":' if guarded else "if True:"
    script.write_text(textwrap.dedent(SCRIPT).format(body=body, main=main))
    pids = tmp_path / "pids"
    pids.mkdir()
    proc = subprocess.Popen([sys.executable, str(script), str(pids)], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if interrupt:
        deadline = time.monotonic() + 60
        while len(list(pids.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        if hasattr(signal, "SIGUSR1"):
            proc.send_signal(signal.SIGUSR1)  # every thread's stack to stderr
            time.sleep(2)
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"the script did not end within 120 s; its threads:\n{err}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def test_an_objective_defined_in_a_main_script_works(tmp_path: Path) -> None:
    done = run_script(tmp_path, "return cfg['x']")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [["OK", None]] * 6


def test_a_script_without_the_main_guard_gets_a_clear_error(tmp_path: Path) -> None:
    done = run_script(tmp_path, "return cfg['x']", guarded=False)
    assert done.returncode != 0
    assert 'if __name__ == "__main__":' in done.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")
def test_ctrl_c_fails_running_trials_and_stops_the_workers(tmp_path: Path) -> None:
    done = run_script(tmp_path, "time.sleep(3600)", interrupt=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [["INTERRUPTED", "interrupted"]] * 2
    if Path("/proc").is_dir():
        pids = [int(p.name) for p in (tmp_path / "pids").iterdir()]
        assert len(pids) == 2 and all(gone(pid) for pid in pids)


def test_a_keyboard_interrupt_in_a_thread_stops_like_ctrl_c() -> None:
    calls = iter(range(100))
    lock = threading.Lock()

    def objective(cfg: dict[str, Any]) -> float:
        with lock:
            n = next(calls)
        if n == 3:
            raise KeyboardInterrupt
        return float(n)

    with ThreadPoolExecutor(1) as pool:
        trials = run(objective, max_evals=20, executor=pool, rstate=0)
    assert len(trials) == 4
    assert trials[3].state == TrialState.INTERRUPTED and trials[3].error == "interrupted"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc")
def test_stopping_kills_a_worker_whose_pid_report_has_not_arrived_yet() -> None:
    # Ctrl-C after a worker started its trial but before the driver read the worker's
    # pid report: the worker must still be killed, or the driver, at exit, waits for the
    # trial to end (the Ctrl-C test above once hung so on its 3,600 s trial)
    import concurrent.futures as cf
    import pickle

    from hpdsl.search._parallel import _Slot
    from hpdsl.search._worker import call_loaded

    slot = _Slot(pickle.dumps(time.sleep))
    report = slot.ready.result(timeout=60)
    slot.pool.submit(call_loaded, 30.0)  # the objective, time.sleep, runs 30 s
    late: cf.Future[Any] = cf.Future()
    slot.ready = late
    threading.Timer(0.5, late.set_result, args=(report,)).start()
    slot.kill()
    deadline = time.monotonic() + 10
    while not gone(report[0]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(report[0])


SIGNAL_IN_A_THREAD = FRESH_SIGINT + """
import json, os, signal, sys, threading, time
from pathlib import Path
import hpdsl

def objective(cfg):
    Path(sys.argv[1], str(os.getpid())).write_text("")
    time.sleep(3600)

def interrupt_from_this_thread():
    while len(list(Path(sys.argv[1]).iterdir())) < 2:
        time.sleep(0.05)
    time.sleep(0.5)  # the driver is asleep in its wait for results
    signal.pthread_kill(threading.get_ident(), signal.SIGINT)

if __name__ == "__main__":
    threading.Thread(target=interrupt_from_this_thread, daemon=True).start()
    trials = hpdsl.Trials()
    try:
        hpdsl.fmin(objective, "x ~ uniform(0, 1)", max_evals=6, n_jobs=2, trials=trials,
                   show_progressbar=False)
    except hpdsl.AllTrialsFailed:
        pass
    print(json.dumps([t.state.name for t in trials]))
"""


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="signals to one thread")
def test_a_ctrl_c_that_another_thread_receives_still_stops_the_search(tmp_path: Path) -> None:
    # the kernel may hand a Ctrl-C to any thread that does not block it (tqdm's monitor,
    # a user's thread); Python then only sets a flag for the main thread, which must not
    # be asleep in a wait that nothing wakes (the Ctrl-C test above once hung so)
    script = tmp_path / "search.py"
    script.write_text(SIGNAL_IN_A_THREAD)
    (tmp_path / "pids").mkdir()
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "pids")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == ["INTERRUPTED"] * 2
