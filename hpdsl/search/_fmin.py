"""`fmin`: minimize an objective over a space, hyperopt-style, on top of `Study`."""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

import numpy as np

from ..errors import ConfigurationError, SearchExhausted, TrialPruned
from ..pruners import BasePruner
from ..storage import TrialState
from ._base import Suggest
from ._failure import describe, exit_reason, traceback_text
from ._parallel import ExecutorRunner, ProcessSlots, Runner, run_async
from ._progress import Progress
from ._running import takes_trial
from ._study import SpaceLike, Study
from ._trials import Trial, Trials

EarlyStopFn = Callable[..., Any]
Callback = Callable[[Trials, Trial], object]


def fmin(fn: Callable[..., object], space: SpaceLike,
         algo: Suggest | None = None, max_evals: int | None = None,
         timeout: float | None = None, loss_threshold: float | None = None,
         trials: Trials | None = None, rstate: np.random.Generator | int | None = None,
         early_stop_fn: EarlyStopFn | None = None,
         points_to_evaluate: Sequence[Mapping[str, Any]] | None = None,
         catch_eval_exceptions: bool = False, show_progressbar: bool = True,
         n_jobs: int | None = None, executor: Executor | Any | None = None,
         trial_timeout: float | None = None,
         callbacks: Sequence[Callback] | None = None, *, direction: str | None = None,
         directions: Sequence[str] | None = None,
         objectives: Sequence[str] | Mapping[str, str] | None = None,
         constraints: Sequence[str] | str | None = None,
         pruner: BasePruner | None = None
         ) -> dict[str, Any] | list[dict[str, Any]]:
    """Minimize `fn` over `space` (or maximize, or trade several objectives off);
    return the best configuration found.

    fn: takes a configuration dict (and, if it has a second positional parameter
      without a default, the running trial: `hpdsl.RunningTrial`, with `number`,
      `config`, `study_name` and `storage`); returns a loss, or a dict with `loss`,
      `status` (STATUS_OK / STATUS_FAIL) and extra keys, which are kept in the
      trial's `result` and `attachments`. Raising, NaN, inf or anything that is
      not a loss makes a failed trial with the reason in `trial.error`; raising
      `hpdsl.TrialPruned` makes a PRUNED trial (its loss: the last value it reported
      with `trial.report(value, step)`; never the best; counted by max_evals). With
      several objectives it returns a tuple (or list) of numbers, one per objective,
      or a dict whose `loss` is that list. A dict may hold `constraints`: outcome
      constraint values, a number or a list, each feasible when <= 0.
    direction: "minimize" (the default) or "maximize", for one objective.
    directions: one word per objective, e.g. ("minimize", "maximize"): several
      objectives. fmin then returns the Pareto-optimal configurations: a list of
      dicts, by trial number (`trials.pareto_front()` gives their trials, with
      `.values`).
    objectives: the objectives' names, e.g. ("error", "latency_ms") (all minimized
      unless `directions` says otherwise), or a mapping name -> direction; shown by
      the CLI and the plots. A dict result may give the values under these names
      instead of `loss`.
    constraints: outcome constraints on returned values, e.g. "latency_ms <= 20":
      the name is an objective's or a key of the result dict. A trial that breaks
      an outcome constraint (declared or returned) is kept but never best, nor on
      the returned front. A resumed study keeps the objectives and constraints it
      recorded; other ones are refused.
    space: a Space (`hpdsl.load(path)`, `hpdsl.loads(text)`), a path (`pathlib.Path`
      or a `str` naming an existing file, or ending in `.hps`), or source text (a
      `str` with a newline, or one declaration such as `"x ~ uniform(0, 1)"`); any
      other `str` is refused with a ConfigurationError.
    algo: a search algorithm (`suggest` function); default `hpdsl.tpe.suggest`.
    max_evals: stop when `trials` holds this many trials, counting those from
      earlier calls, so calling again with a larger number resumes the search;
      None: no limit (stop with another rule, Ctrl-C, or a finite algorithm).
      INTERRUPTED trials (their process died) do not count; processes sharing a
      stored study stop together when it holds max_evals trials in all.
    timeout: seconds after which no new trial starts. loss_threshold: stop once
      the best loss is at or below it (at or above it when maximized; one objective).
      early_stop_fn: `fn(trials) -> bool`
      (hyperopt's `(stop, args)` pair is accepted too: args are passed back on
      the next call). A finite algorithm (grid) that runs out also stops.
    rstate: a numpy Generator or an int seed; the same seed, space and objective
      give the same trials. Trial n draws from (seed, n), so calling again on the
      same `trials` continues the sequence instead of replaying it.
    points_to_evaluate: configurations to try first (after the space's declared
      defaults); each is checked against the space before anything runs.
    catch_eval_exceptions: if False, an exception from `fn` (any BaseException
      but KeyboardInterrupt and SystemExit, e.g. asyncio.CancelledError) propagates
      once the failed trial is recorded with its reason and traceback. `sys.exit`
      in `fn` fails its trial ("the objective called sys.exit(3)") and the search
      goes on. A result that raises while it is read (a loss of 10**400, a
      `__float__` that raises) fails its trial and the search goes on.
    n_jobs: evaluate this many trials at once, each in a worker process of its own
      (-1: one per CPU); `fn` must be picklable (defined at module level; a script
      calls fmin under `if __name__ == "__main__":`). Results are told as they
      arrive and a new trial is asked at once, so the order of the trials, and so
      the search, depends on timing.
    executor: evaluate on this `concurrent.futures.Executor` or Dask `Client`
      instead, n_jobs (default: its worker count) trials at a time. The search
      itself stays here; the executor is not shut down.
    callbacks: functions called as `callback(trials, trial)` after each trial
      finishes (OK, FAIL or timed out), in the order given; an exception from one
      stops the search.
    pruner: one of `hpdsl.pruners` (MedianPruner(), ...): answers the running trials'
      `trial.should_prune()`, from the values reported (`trial.report(value, step)`)
      in this process or in workers; None: never prune.
    trial_timeout: seconds after which an evaluation is given up and its trial
      fails ("timed out"). Without an executor the objective then runs in worker
      processes even for n_jobs=1, so that a stuck one can be killed.

    With worker processes, a worker that dies fails its trial and is replaced.
    Ctrl-C stops the search cleanly: finished trials are kept, running ones are
    recorded as INTERRUPTED (not counted towards max_evals, so a later call runs
    them again), workers are stopped, and the best so far is returned. Raises
    AllTrialsFailed when no feasible trial finished with a loss.
    """
    if trial_timeout is not None and not trial_timeout > 0:
        raise ConfigurationError(f"trial_timeout must be a positive number of seconds, "
                                 f"not {trial_timeout!r}")
    jobs = _jobs(n_jobs)
    listed = _callbacks(callbacks)
    study = Study(space, algo, seed=rstate, trials=trials, direction=direction,
                  directions=directions, objectives=objectives, constraints=constraints,
                  pruner=pruner)
    if loss_threshold is not None and study.objectives.multi:
        raise ConfigurationError("loss_threshold stops a search with one objective; this "
                                 f"one has {study.objectives.k}")
    for i, point in enumerate(points_to_evaluate or ()):
        problems = study.space.validate(point)
        if problems:
            raise ConfigurationError(f"points_to_evaluate[{i}] {point!r} is not in the space: "
                                     + "; ".join(problems))
    for point in points_to_evaluate or ():
        if not study.tried(point):
            study.enqueue(point)

    bar = Progress(show_progressbar, max_evals, len(study.trials))
    rules = _Rules(study.trials, bar, max_evals, timeout, loss_threshold, early_stop_fn,
                   listed)
    with_trial = takes_trial(fn)
    try:
        if executor is None and jobs == 1 and trial_timeout is None:
            _run_serial(study, fn, rules, catch_eval_exceptions, with_trial)
        else:
            left = None if max_evals is None else max_evals - study.trials.counted()
            runner: Runner = (ProcessSlots(fn, jobs, left) if executor is None
                              else ExecutorRunner(executor, fn, n_jobs and jobs))
            run_async(study, runner, may_start=rules.may_start, max_trials=rules.max_evals,
                      told=rules.told,
                      trial_timeout=trial_timeout, catch=catch_eval_exceptions,
                      with_trial=with_trial)
    except KeyboardInterrupt:
        pass  # while the workers were starting: no trial had begun
    finally:
        bar.close()
    return study.pareto_configs if study.objectives.multi else study.best_config


def _callbacks(callbacks: Sequence[Callback] | None) -> list[Callback]:
    """The callbacks as a list; one function or a non-function among them is refused
    before anything runs (not a TypeError after the first trial)."""
    if callbacks is None:
        return []
    if callable(callbacks) or not isinstance(callbacks, Iterable):
        raise ConfigurationError(f"callbacks is a list of functions `callback(trials, trial)`, "
                                 f"not {type(callbacks).__name__}: write callbacks=[fn]")
    listed = list(callbacks)
    for i, callback in enumerate(listed):
        if not callable(callback):
            raise ConfigurationError(f"callbacks[{i}] is {type(callback).__name__} "
                                     f"{callback!r:.60}, not a function")
    return listed


def _jobs(n_jobs: int | None) -> int:
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0 or n_jobs < -1:
        raise ConfigurationError(f"n_jobs must be a positive integer or -1 (one per CPU), "
                                 f"not {n_jobs!r}")
    return n_jobs if n_jobs > 0 else os.cpu_count() or 1


class _Rules:
    """When to stop starting trials; shared by the serial and the parallel loop.

    Each rule is checked before a trial starts; trials already running finish.
    """

    def __init__(self, trials: Trials, bar: Progress, max_evals: int | None,
                 timeout: float | None, loss_threshold: float | None,
                 early_stop_fn: EarlyStopFn | None, callbacks: list[Callback]) -> None:
        self.trials, self.bar = trials, bar
        self.max_evals, self.loss_threshold, self.early_stop_fn = (max_evals, loss_threshold,
                                                                   early_stop_fn)
        self.deadline = None if timeout is None else time.monotonic() + timeout
        self.callbacks = callbacks
        self.stop_args: tuple[Any, ...] = ()
        self.stopped = False

    def may_start(self) -> bool:
        if self.stopped:
            return False
        if self.max_evals is not None and self.trials.counted() >= self.max_evals:
            return False
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return False
        if self.loss_threshold is None:
            return True
        best = self.trials.best_trial
        return not (best is not None and best.loss is not None and (
            best.loss == self.loss_threshold
            or self.trials.objectives.better(best.loss, self.loss_threshold)))

    def told(self, trial: Trial) -> None:
        """A trial finished: show it, call the callbacks, ask the early-stopping rule."""
        self.bar.update(self.trials)
        for callback in self.callbacks:
            callback(self.trials, trial)
        if self.early_stop_fn is not None and not self.stopped:
            self.stopped, self.stop_args = _early_stop(self.early_stop_fn, self.trials,
                                                       self.stop_args)


def _run_serial(study: Study, fn: Callable[..., object], rules: _Rules, catch: bool,
                with_trial: bool) -> None:
    running: Trial | None = None
    try:
        while rules.may_start():
            try:
                running = study.ask(max_trials=rules.max_evals)
            except SearchExhausted:
                break
            _evaluate(study, running, fn, catch, with_trial)
            rules.told(running)
            running = None
    except KeyboardInterrupt:
        if running is not None and running.state == TrialState.RUNNING:
            study.tell(running, state=TrialState.INTERRUPTED, error="interrupted")


def _evaluate(study: Study, trial: Trial, fn: Callable[..., object], catch: bool,
              with_trial: bool) -> None:
    try:
        value = (fn(copy.deepcopy(trial.config), study.running_trial(trial)) if with_trial
                 else fn(copy.deepcopy(trial.config)))
    except TrialPruned:
        study.tell(trial, state=TrialState.PRUNED)
        return
    except SystemExit as err:  # not an Exception: it would end the whole search
        study.tell(trial, state=TrialState.FAIL, error=exit_reason(err))
        return
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # an Exception, or another BaseException (CancelledError)
        study.tell(trial, state=TrialState.FAIL, error=describe(err),
                   traceback=traceback_text(err))
        if not catch:
            raise
        return
    study.tell(trial, value)


def _early_stop(rule: EarlyStopFn, trials: Trials, args: tuple[Any, ...]
                ) -> tuple[bool, tuple[Any, ...]]:
    out = rule(trials, *args)
    if not isinstance(out, tuple):
        return bool(out), ()
    stop, *rest = out
    if len(rest) == 1 and isinstance(rest[0], list | tuple):
        return bool(stop), tuple(rest[0])
    return bool(stop), tuple(rest)


__all__ = ["fmin"]
