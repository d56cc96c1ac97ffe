"""`fmin`: minimize an objective over a space, hyperopt-style, on top of `Study`."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import ConfigurationError, SearchExhausted
from ._base import Suggest, TrialState
from ._progress import Progress
from ._study import SpaceLike, Study
from ._trials import Trial, Trials

EarlyStopFn = Callable[..., Any]


def fmin(fn: Callable[[dict[str, Any]], object], space: SpaceLike,
         algo: Suggest | None = None, max_evals: int | None = None,
         timeout: float | None = None, loss_threshold: float | None = None,
         trials: Trials | None = None, rstate: np.random.Generator | int | None = None,
         early_stop_fn: EarlyStopFn | None = None,
         points_to_evaluate: Sequence[Mapping[str, Any]] | None = None,
         catch_eval_exceptions: bool = False, show_progressbar: bool = True) -> dict[str, Any]:
    """Minimize `fn` over `space`; return the best configuration found.

    fn: takes a configuration dict; returns a loss, or a dict with `loss`,
      `status` (STATUS_OK / STATUS_FAIL) and extra keys, which are kept in the
      trial's `result` and `attachments`. Raising, NaN, inf or anything that is
      not a loss makes a failed trial with the reason in `trial.error`.
    space: a Space, a path to a `.hps` file, or source text.
    algo: a search algorithm (`suggest` function); default `hpdsl.tpe.suggest`.
    max_evals: stop when `trials` holds this many trials, counting those from
      earlier calls, so calling again with a larger number resumes the search;
      None: no limit (stop with another rule, Ctrl-C, or a finite algorithm).
    timeout: seconds after which no new trial starts. loss_threshold: stop once
      the best loss is at or below it. early_stop_fn: `fn(trials) -> bool`
      (hyperopt's `(stop, args)` pair is accepted too: args are passed back on
      the next call). A finite algorithm (grid) that runs out also stops.
    rstate: a numpy Generator or an int seed; the same seed, space and objective
      give the same trials.
    points_to_evaluate: configurations to try first (after the space's declared
      defaults); each is checked against the space before anything runs.
    catch_eval_exceptions: if False, an exception from `fn` propagates once the
      failed trial is recorded.

    Ctrl-C stops the search cleanly: finished trials are kept, the running one
    is recorded as failed ("interrupted"), and the best so far is returned.
    Raises AllTrialsFailed when no trial finished with a loss.
    """
    study = Study(space, algo, seed=rstate, trials=trials)
    for i, point in enumerate(points_to_evaluate or ()):
        problems = study.space.validate(point)
        if problems:
            raise ConfigurationError(f"points_to_evaluate[{i}] {point!r} is not in the space: "
                                     + "; ".join(problems))
    for point in points_to_evaluate or ():
        if not study.tried(point):
            study.enqueue(point)

    trials = study.trials
    start = time.monotonic()
    stop_args: tuple[Any, ...] = ()
    bar = Progress(show_progressbar, max_evals, len(trials))
    running: Trial | None = None
    try:
        while max_evals is None or len(trials) < max_evals:
            if timeout is not None and time.monotonic() - start >= timeout:
                break
            best = trials.best_trial
            if (loss_threshold is not None and best is not None and best.loss is not None
                    and best.loss <= loss_threshold):
                break
            try:
                running = study.ask()
            except SearchExhausted:
                break
            _evaluate(study, running, fn, catch_eval_exceptions)
            running = None
            bar.update(trials)
            if early_stop_fn is not None:
                stop, stop_args = _early_stop(early_stop_fn, trials, stop_args)
                if stop:
                    break
    except KeyboardInterrupt:
        if running is not None and running.state == TrialState.RUNNING:
            study.tell(running, state=TrialState.FAIL, error="interrupted")
    finally:
        bar.close()
    return study.best_config


def _evaluate(study: Study, trial: Trial, fn: Callable[[dict[str, Any]], object],
              catch: bool) -> None:
    try:
        value = fn(copy.deepcopy(trial.config))
    except Exception as err:
        study.tell(trial, state=TrialState.FAIL, error=f"{type(err).__name__}: {err}")
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
