"""The asynchronous evaluation loop behind `fmin(n_jobs=...)` and `fmin(executor=...)`.

The search stays in the driver: it asks the study for a trial, hands the configuration
to a runner, and tells each result as soon as it arrives, then asks again at once, so
that N evaluations stay in flight (no lock-step batches). Trials in flight are RUNNING
in the study, so the algorithm sees them (TPE's constant liar) and proposes N different
points.

Two runners:

- `ProcessSlots`, fmin's own workers: N single-worker process pools started with
  'spawn'. One pool per slot, so that a worker that dies or hangs costs only its own
  trial: a hung worker is killed by its pid and only its slot is rebuilt.
- `ExecutorRunner`, the caller's executor (`concurrent.futures` or a Dask `Client`).
  Its workers are not ours: a trial that runs too long is failed and its future
  cancelled, but a task already running is not stopped, and the executor is not
  shut down.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import copy
import math
import multiprocessing
import os
import pickle
import signal
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from ..errors import ConfigurationError, SearchExhausted, TrialPruned
from ..storage import TrialState
from ._failure import describe, exit_reason, traceback_text
from ._reporting import Link, ReportHub
from ._running import RunningTrial
from ._study import Study
from ._trials import Trial
from ._worker import DRIVER_SIGNALS, Objective, call, call_loaded, load_objective, start_worker

# How often the loop wakes to arm the deadline of a trial whose worker is still starting.
_POLL = 0.25
# How long a stopping driver waits for a starting worker to report its pid (`_Slot.kill`).
_PID_WAIT = 5.0
# The longest the driver sleeps in one wait. A Ctrl-C is handled by the main thread when
# it runs Python code; the kernel may deliver the signal to another thread of the process
# (tqdm's monitor, a pool's thread), which only sets a flag, and a main thread asleep in a
# wait without a timeout would never see it (the Ctrl-C test hung so, its main thread in
# `cf.wait`). Waking this often bounds how late a Ctrl-C is acted on.
_SIGNAL_POLL = 0.25


def _interruptible(timeout: float | None) -> float:
    """`timeout`, at most `_SIGNAL_POLL` seconds (None: no deadline of our own)."""
    return _SIGNAL_POLL if timeout is None else min(timeout, _SIGNAL_POLL)

# --- in the driver ------------------------------------------------------------------------

class Runner(Protocol):
    """Where evaluations run. `capacity` evaluations may be in flight at once;
    `in_process`: they run in threads of this process (nothing is pickled)."""

    capacity: int
    in_process: bool

    def submit(self, config: dict[str, Any], trial: RunningTrial | None) -> cf.Future[Any]:
        """Evaluate `fn(config)`, or `fn(config, trial)` when a trial is given."""

    def started(self, future: cf.Future[Any]) -> float | None:
        """When the evaluation could start (monotonic clock); None while its worker starts."""

    def release(self, future: cf.Future[Any], worker_lost: bool) -> None:
        """The future is done; `worker_lost`: the worker that ran it died."""

    def abandon(self, future: cf.Future[Any]) -> None:
        """Give up on a running evaluation (it timed out): stop it if possible."""

    def close(self, abort: bool) -> None:
        """The search is over; `abort`: stop what still runs."""


def objective_name(fn: object) -> str:
    name = getattr(fn, "__qualname__", None) or type(fn).__name__
    module = getattr(fn, "__module__", None)
    return f"`{module}.{name}`" if module else f"`{name}`"


@contextlib.contextmanager
def _spawning() -> Iterator[None]:
    """Start processes (workers, the resource tracker) safely:

    - with PYTHONSAFEPATH=1 (Python's `-P`): a spawned process is `python -c ...`, which
      puts the working directory first on `sys.path` and imports `pickle`,
      `multiprocessing`... from there before it takes the driver's `sys.path`, so a
      `pickle.py` beside the objective would run in every worker;
    - with SIGINT and SIGTERM blocked (the mask is inherited): a Ctrl-C while a worker
      starts would print its traceback; the worker ignores them once set up
      (`start_worker`). The driver still gets them: they wait until unblocked here.
      The resource tracker is started first: starting it unblocks both signals.
    """
    before = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    masked = hasattr(signal, "pthread_sigmask")
    if masked:
        from multiprocessing import resource_tracker

        resource_tracker.ensure_running()
        signal.pthread_sigmask(signal.SIG_BLOCK, DRIVER_SIGNALS)
    try:
        yield
    finally:
        if masked:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, DRIVER_SIGNALS)
        if before is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = before


class _Slot:
    """A single-worker process pool: one worker, so its pid is the one to kill."""

    def __init__(self, payload: bytes) -> None:
        self.pool = cf.ProcessPoolExecutor(
            1, mp_context=multiprocessing.get_context("spawn"), initializer=start_worker,
            initargs=(os.getpid(),))
        self.ready_at: float | None = None
        self.ready = self.pool.submit(load_objective, payload)  # starts the process
        self.ready.add_done_callback(self._mark_ready)

    def _mark_ready(self, _: cf.Future[Any]) -> None:
        self.ready_at = time.monotonic()

    def kill(self, wait: float = _PID_WAIT) -> None:
        """Stop the worker now, whatever it is doing, and let the pool go.

        The worker reports its pid when it has loaded the objective, before it runs a
        trial; but a Ctrl-C can come after it started the trial and before this process
        read the report (the pool's result thread had not run yet). So the report is
        awaited up to `wait` seconds: a worker left running keeps the driver waiting for
        its trial when it exits (concurrent.futures joins its pools' threads at exit).
        """
        try:
            pid: int | None = self.ready.result(timeout=wait)[0]
        except Exception:  # still loading after `wait`, or the worker is gone
            pid = None
        if pid is not None:
            try:
                os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
            except ProcessLookupError:
                pass
        self.pool.shutdown(wait=False, cancel_futures=True)


#: worker processes per CPU at most: enough for objectives that wait on I/O or a GPU
WORKERS_PER_CPU = 4


def workers_to_start(n_jobs: int, left: int | None) -> tuple[int, str | None]:
    """How many worker processes to start for `n_jobs`: no more than the `left` trials
    still to run (None: no limit), nor WORKERS_PER_CPU per CPU; with why, when fewer."""
    cpus = os.cpu_count() or 1
    limits = [(WORKERS_PER_CPU * cpus, f"at most {WORKERS_PER_CPU} per CPU ({cpus} CPUs)")]
    if left is not None:
        limits.append((max(left, 1), f"{max(left, 0)} trial{'s' * (left != 1)} left to run"))
    cap, why = min(limits)
    return (n_jobs, None) if n_jobs <= cap else (cap, why)


class ProcessSlots:
    """fmin's own worker processes, started with 'spawn'.

    'spawn' rather than 'fork': the driver runs threads (the progress bar, each pool's
    manager thread, BLAS, a Dask client), and a forked child inherits their locks in
    whatever state they were; spawn starts a clean interpreter, on every platform.
    'forkserver' would restart workers faster but exists only on POSIX; the workers
    are rebuilt only after a crash or a timeout, so spawn's start-up cost is paid
    rarely. As with any spawn pool, the worker imports the objective by module and
    name: a script must call fmin under `if __name__ == "__main__":`.

    No more workers start than `workers_to_start` allows (the `left` trials to run, a
    multiple of the CPUs); fewer than `n_jobs` is said once, as a RuntimeWarning.
    """

    def __init__(self, fn: Objective, n_jobs: int, left: int | None = None) -> None:
        n_jobs, why = workers_to_start(n_jobs, left)
        if why is not None:
            warnings.warn(f"starting {n_jobs} worker process{'es' * (n_jobs != 1)}: {why}",
                          RuntimeWarning,
                          stacklevel=3)
        try:
            self._payload = pickle.dumps(fn)
        except Exception as err:
            raise ConfigurationError(
                f"the objective {objective_name(fn)} cannot be sent to worker processes "
                f"({describe(err)}): with n_jobs or trial_timeout it must be picklable, so "
                "define it with `def` at the top level of a module or of the script, not as "
                "a lambda or a nested function; or pass executor=ThreadPoolExecutor(...)"
            ) from err
        self.capacity = n_jobs
        self.in_process = False
        self._free: list[_Slot] = []
        self._busy: dict[cf.Future[Any], _Slot] = {}
        try:
            for _ in range(n_jobs):
                self._add_slot()
            for slot in self._free:
                self._check(fn, slot)
        except BaseException:
            self.close(abort=True)
            raise

    def _add_slot(self) -> None:
        """Start a worker; a signal that arrives meanwhile is delivered once it is
        listed, so that stopping finds it."""
        with _spawning():
            self._free.append(_Slot(self._payload))

    def _check(self, fn: Objective, slot: _Slot) -> None:
        try:
            while not slot.ready.done():
                cf.wait([slot.ready], timeout=_SIGNAL_POLL)  # see _SIGNAL_POLL
            problem = slot.ready.result()[1]
        except cf.BrokenExecutor:
            raise ConfigurationError(
                "a worker process exited while starting (its error is printed above); "
                "worker processes import the main script, so a script must call fmin "
                "under `if __name__ == \"__main__\":`") from None
        if problem is not None:
            raise ConfigurationError(
                f"the objective {objective_name(fn)} cannot be loaded in a worker process "
                f"({problem}); workers import it by module and name, so define it in a "
                "module or a script file (not in an interactive session), or pass "
                "executor=ThreadPoolExecutor(...)")

    def submit(self, config: dict[str, Any], trial: RunningTrial | None) -> cf.Future[Any]:
        slot = self._free.pop()
        future = slot.pool.submit(call_loaded, config, *([trial] if trial else []))
        self._busy[future] = slot
        return future

    def started(self, future: cf.Future[Any]) -> float | None:
        return self._busy[future].ready_at

    def release(self, future: cf.Future[Any], worker_lost: bool) -> None:
        slot = self._busy.pop(future)
        if worker_lost:
            slot.pool.shutdown(wait=False, cancel_futures=True)
            self._add_slot()
        else:
            self._free.append(slot)

    def abandon(self, future: cf.Future[Any]) -> None:
        self._busy.pop(future).kill()
        self._add_slot()

    def close(self, abort: bool) -> None:
        slots = self._free + list(self._busy.values())
        self._free, self._busy = [], {}
        if abort:  # every pid report at once, rather than up to _PID_WAIT per slot
            cf.wait([slot.ready for slot in slots], timeout=_PID_WAIT)
        for slot in slots:
            if abort:
                slot.kill(wait=0.0)
            # Waiting reaps the worker processes, so none is left when fmin returns.
            slot.pool.shutdown(wait=True, cancel_futures=True)


class ExecutorRunner:
    """The caller's executor: a `concurrent.futures.Executor` or a Dask `Client`.

    A Dask client is used through `client.get_executor(pure=False)`, which gives
    `concurrent.futures` futures; `pure=False` because two trials with the same
    configuration are two evaluations, not one cached task.
    """

    def __init__(self, executor: Any, fn: Objective, n_jobs: int | None) -> None:
        self._fn = fn
        if isinstance(executor, cf.Executor):
            self._executor: cf.Executor = executor
        elif callable(getattr(executor, "get_executor", None)):
            self._executor = executor.get_executor(pure=False)
        else:
            raise TypeError("executor must be a concurrent.futures.Executor or a "
                            f"dask.distributed.Client, not {type(executor).__name__}")
        if isinstance(executor, cf.ProcessPoolExecutor):
            try:
                pickle.dumps(fn)
            except Exception as err:
                raise ConfigurationError(
                    f"the objective {objective_name(fn)} cannot be sent to the executor's "
                    f"worker processes ({describe(err)}); define it with `def` at the top "
                    "level of a module or of the script") from err
        self.capacity = n_jobs if n_jobs is not None else _worker_count(executor)
        self.in_process = isinstance(executor, cf.ThreadPoolExecutor)
        self._submitted: dict[cf.Future[Any], float] = {}

    def submit(self, config: dict[str, Any], trial: RunningTrial | None) -> cf.Future[Any]:
        future = self._executor.submit(call, self._fn, copy.deepcopy(config),
                                       *([trial] if trial else []))
        self._submitted[future] = time.monotonic()
        return future

    def started(self, future: cf.Future[Any]) -> float | None:
        return self._submitted[future]

    def release(self, future: cf.Future[Any], worker_lost: bool) -> None:
        del self._submitted[future]

    def abandon(self, future: cf.Future[Any]) -> None:
        del self._submitted[future]
        future.cancel()

    def close(self, abort: bool) -> None:
        if abort:
            for future in self._submitted:
                future.cancel()
        self._submitted.clear()


def _worker_count(executor: Any) -> int:
    """How many evaluations the executor runs at once, as far as it tells."""
    nthreads = getattr(executor, "nthreads", None)  # a Dask Client: threads per worker
    if callable(nthreads):
        threads: int = max(1, sum(nthreads().values()))
        return threads
    workers = getattr(executor, "_max_workers", None)  # ThreadPool- and ProcessPoolExecutor
    return workers if isinstance(workers, int) and workers > 0 else os.cpu_count() or 1


def _worker_lost(err: BaseException) -> bool:
    # BrokenProcessPool, or Dask's KilledWorker once the scheduler gives up retrying.
    return isinstance(err, cf.BrokenExecutor) or type(err).__name__ == "KilledWorker"


@dataclass
class _InFlight:
    trial: Trial
    submitted: float


def run_async(study: Study, runner: Runner, *, may_start: Callable[[], bool],
              max_trials: int | None, told: Callable[[Trial], None],
              trial_timeout: float | None, catch: bool, with_trial: bool = False) -> None:
    """Keep `runner.capacity` trials in flight until `may_start` says no more, telling
    each result as it arrives (`told` runs after each one).

    A dead worker or a trial past `trial_timeout` makes a failed trial and the run goes
    on. An exception from the objective fails its trial and, unless `catch`, ends the
    run: the trials still in flight fail as cancelled and the exception propagates.
    Ctrl-C marks the trials in flight INTERRUPTED, stops the workers and returns.
    `with_trial`: the objective also receives the running trial.
    """
    inflight: dict[cf.Future[Any], _InFlight] = {}
    exhausted = False
    hub: ReportHub | None = None
    link: Link | None = None
    if with_trial and study.trials.storage.url is None and not runner.in_process:
        hub = ReportHub(study.trials.storage)  # reports from workers to a study in memory
        link = hub.link(study._link)
    try:
        while True:
            while not exhausted and len(inflight) < runner.capacity and may_start():
                try:
                    trial = study.ask(max_trials=max_trials)
                except SearchExhausted:
                    exhausted = True
                    break
                try:
                    future = runner.submit(trial.config, study.running_trial(trial, link=link)
                                           if with_trial else None)
                except BaseException as err:
                    study.tell(trial, state=TrialState.FAIL,
                               error=f"could not be submitted: {describe(err)}")
                    raise
                inflight[future] = _InFlight(trial, time.monotonic())
            if not inflight:
                break
            done, _ = cf.wait(inflight, return_when=cf.FIRST_COMPLETED, timeout=_interruptible(
                _wait_for(runner, inflight, trial_timeout)))
            for future in done:
                trial = inflight.pop(future).trial
                _finish(study, runner, trial, future, catch)
                told(trial)
            if trial_timeout is not None:
                for future in _expired(runner, inflight, trial_timeout):
                    trial = inflight.pop(future).trial
                    runner.abandon(future)
                    study.tell(trial, state=TrialState.FAIL,
                               error=f"timed out after {trial_timeout:g} s")
                    told(trial)
    except BaseException as err:
        interrupted = isinstance(err, KeyboardInterrupt)
        reason = ("interrupted" if interrupted
                  else f"cancelled: the search stopped ({describe(err)})")
        try:  # telling may fail too (the study file is gone): the workers stop regardless
            for item in inflight.values():
                study.tell(item.trial, error=reason,
                           state=TrialState.INTERRUPTED if interrupted else TrialState.FAIL)
        finally:
            runner.close(abort=True)
            if hub is not None:
                hub.close()
        if interrupted:
            return
        raise
    runner.close(abort=False)
    if hub is not None:
        hub.close()


def _finish(study: Study, runner: Runner, trial: Trial, future: cf.Future[Any],
            catch: bool) -> None:
    try:
        value = future.result()
    except cf.CancelledError:
        runner.release(future, worker_lost=False)
        study.tell(trial, state=TrialState.FAIL, error="cancelled")
    except TrialPruned:
        runner.release(future, worker_lost=False)
        study.tell(trial, state=TrialState.PRUNED)
    except SystemExit as err:
        # sys.exit in the objective (sent back by the worker): a failed trial, not our exit.
        runner.release(future, worker_lost=False)
        study.tell(trial, state=TrialState.FAIL, error=exit_reason(err))
    except KeyboardInterrupt:
        # Raised by an objective running in a thread: stop as on Ctrl-C.
        runner.release(future, worker_lost=False)
        study.tell(trial, state=TrialState.INTERRUPTED, error="interrupted")
        raise
    except BaseException as err:  # an Exception, or another BaseException (CancelledError)
        lost = _worker_lost(err)
        runner.release(future, worker_lost=lost)
        error = (f"the worker died while evaluating this trial ({describe(err)})" if lost
                 else describe(err))
        study.tell(trial, state=TrialState.FAIL, error=error,
                   traceback=None if lost else traceback_text(err))
        if not (lost or catch):
            raise
    else:
        runner.release(future, worker_lost=False)
        study.tell(trial, value)


def _deadline(runner: Runner, future: cf.Future[Any], item: _InFlight,
              trial_timeout: float) -> float | None:
    start = runner.started(future)
    return None if start is None else max(start, item.submitted) + trial_timeout


def _wait_for(runner: Runner, inflight: dict[cf.Future[Any], _InFlight],
              trial_timeout: float | None) -> float | None:
    """Seconds until the next deadline; None (wait for a result) without a timeout."""
    if trial_timeout is None:
        return None
    deadlines = [_deadline(runner, f, item, trial_timeout) for f, item in inflight.items()]
    soonest = min((d for d in deadlines if d is not None), default=math.inf)
    wait = soonest - time.monotonic()
    if None in deadlines:
        wait = min(wait, _POLL)
    return None if math.isinf(wait) else max(0.0, wait)  # an infinite timeout: no deadline


def _expired(runner: Runner, inflight: dict[cf.Future[Any], _InFlight],
             trial_timeout: float) -> list[cf.Future[Any]]:
    now = time.monotonic()
    out = []
    for future, item in inflight.items():
        deadline = _deadline(runner, future, item, trial_timeout)
        if deadline is not None and deadline <= now and not future.done():
            out.append(future)
    return out


__all__ = ["ExecutorRunner", "ProcessSlots", "Runner", "run_async", "workers_to_start"]
