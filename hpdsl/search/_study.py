"""Ask/tell: the core of the optimization loop, for users who run the objective
themselves (on a cluster, in a notebook) and for `fmin`, which is built on it."""

from __future__ import annotations

import copy
import math
import numbers
import os
import re
import warnings
from collections import deque
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import numpy as np

from .._load import load, loads
from ..compile import Space
from ..errors import AllTrialsFailed, ConfigurationError, SamplingError
from ..storage import NumberTaken, StorageError, TrialState
from ._base import Suggest
from ._failure import describe
from ._running import RunningTrial
from ._trials import STATUS_FAIL, STATUS_OK, Trial, Trials

SpaceLike = Space | str | os.PathLike[str]
_DRAWS = 100  # proposals in a row that other processes may pre-empt


# A line that starts by declaring a parameter or a value: `lr ~ ...`, `n = ...`.
_DECLARATION = re.compile(r"\s*[A-Za-z_]\w*(\[\w+\])?\s*(~|=(?!=))")


def as_space(space: SpaceLike) -> Space:
    """The Space that `fmin` or `Study` searches, from what it was given.

    A Space is used as it is; an `os.PathLike` (such as a `pathlib.Path`) names a
    `.hps` file. A `str` is read by the first of these rules that applies:
    it names an existing file: a path; it contains a newline: source text; it ends
    in `.hps`: a path (a missing file is a SpaceError); it starts with a declaration
    (`lr ~ ...` or `n = ...`): source text. Any other `str` is refused with a
    ConfigurationError: pass `hpdsl.load(path)` or `hpdsl.loads(text)` instead.
    """
    if isinstance(space, Space):
        return space
    if isinstance(space, os.PathLike):
        return load(space)
    if not isinstance(space, str):
        raise TypeError(f"space must be a Space, a path or source text, not "
                        f"{type(space).__name__}")
    if os.path.isfile(space):
        return load(space)
    if "\n" in space:
        return loads(space)
    if space.endswith(".hps"):
        return load(space)
    if _DECLARATION.match(space):
        return loads(space)
    raise ConfigurationError(
        f"space {space!r} is neither an existing file nor source text that starts with a "
        f"declaration; pass `hpdsl.load(path)` for a file (relative paths are read from "
        f"{os.getcwd()}) or `hpdsl.loads(text)` for source text")


def default_algo() -> Suggest:
    """TPE, imported only when needed so that the loop does not depend on it."""
    from .tpe import suggest
    return suggest


def declares_defaults(space: Space) -> bool:
    return any(p.has_default for p in space.parameters)


class Study:
    """One search: propose configurations (`ask`), record their results (`tell`).

    With a seed, the proposal for trial number n draws its randomness from
    (seed, n): the same seed gives the same trials, a resumed study continues
    where it stands instead of replaying its first trials, and processes sharing
    a study draw for different numbers (a proposal whose number another process
    took meanwhile is drawn again for the next one).

    Trials asked but not told yet are pending: the algorithm sees them (their
    state is RUNNING in its History) and does not propose their points again.
    When the space declares defaults, the default configuration is asked first.
    `space` is a Space, a path or source text, read as `fmin` reads it (`as_space`).
    """

    def __init__(self, space: SpaceLike, algo: Suggest | None = None,
                 seed: np.random.Generator | int | None = None,
                 trials: Trials | None = None) -> None:
        from ._compat import check_not_hyperopt  # it imports this module

        check_not_hyperopt(trials, algo)
        self.space = as_space(space)
        self.algo: Suggest = algo if algo is not None else default_algo()
        self._entropy = _entropy(seed)
        self.rng = np.random.default_rng(self._entropy)
        self.trials = trials if trials is not None else Trials()
        self.trials.bind(self.space)
        self._queue: deque[tuple[dict[str, Any], np.ndarray, np.ndarray]] = deque()
        if declares_defaults(self.space):
            try:
                default = self.space.default()
            except ConfigurationError as err:
                warnings.warn(f"the declared defaults are not tried first: {err}",
                              stacklevel=2)
            else:
                if not self.tried(default):
                    self.enqueue(default)

    def __repr__(self) -> str:
        return f"<Study {self.space.path!r}: {self.trials!r}>"

    def tried(self, config: Mapping[str, Any]) -> bool:
        """Whether a trial (or a queued one) already has this configuration."""
        return (any(t.config == config for t in self.trials)
                or any(c == config for c, _, _ in self._queue))

    def enqueue(self, config: Mapping[str, Any]) -> None:
        """Have the next `ask` return this configuration (checked against the space now).

        Derived values may be left out: the objective receives the configuration as the
        space completes it (`space.complete`), derived values included.
        """
        problems = self.space.validate(config)
        if problems:
            raise ConfigurationError(f"{dict(config)!r} is not in the space: "
                                     + "; ".join(problems))
        x, active = self.space.coords.encode(config)
        self._queue.append((self.space.complete(config), x, active))

    def ask(self, *, max_trials: int | None = None) -> Trial:
        """A new RUNNING trial; its `config` is the configuration to evaluate.

        Raises SearchExhausted when the algorithm has nothing left to propose, or
        when the study already has `max_trials` trials that count (see
        `Trials.counted`; checked atomically when processes share a storage).
        """
        if self._queue:
            config, x, active = self._queue[0]
            trial = self.trials._start(config, x, active, self.space.flatten(config),
                                       max_trials)
            self._queue.popleft()
            return trial
        for _ in range(_DRAWS):
            number, (config, x, active) = self._propose()
            try:
                return self.trials._start(config, x, active, self.space.flatten(config),
                                          max_trials, number)
            except NumberTaken:
                continue  # another process took that number: draw for the next one
        raise SamplingError(f"other processes took every trial number for {_DRAWS} proposals "
                            "in a row")

    def _propose(self) -> tuple[int | None, tuple[dict[str, Any], np.ndarray, np.ndarray]]:
        """The number the proposal is drawn for (None without a seed) and the proposal."""
        D = len(self.space.coords.dimensions)
        history = self.trials.history(self.space)
        if self._entropy is None:
            number, rng = None, self.rng
        else:
            number = len(history)
            rng = np.random.default_rng([self._entropy, number])
        X = np.asarray(self.algo(self.space, history, rng, 1), dtype=np.float64)
        if X.shape != (1, D):
            raise SamplingError(f"the search algorithm returned an array of shape {X.shape}, "
                                f"not (1, {D})")
        batch = self.space.coords.run(X)
        if not batch.feasible[0]:
            raise SamplingError("the search algorithm proposed a configuration that the "
                                "constraints exclude")
        config = self.space.coords.configs(batch, np.arange(1))[0]
        return number, (config, batch.X[0].copy(), batch.active[0].copy())

    def tell(self, trial: Trial | int, value: object = None, *,
             state: TrialState | None = None, error: str | None = None,
             traceback: str | None = None) -> Trial:
        """Record a trial's result: a loss, or a dict with `loss`, `status` and extra keys.

        Anything that is not a finite loss (NaN, inf, None, a string, a dict without
        `loss`) makes the trial FAIL with the reason in `trial.error`. Pass
        `state=TrialState.FAIL, error=...` (and the `traceback` text, if any) to record
        a failure yourself, or
        `state=TrialState.INTERRUPTED` for a trial that was stopped before it finished
        (it does not count towards `max_evals`).
        """
        t = self.trials[trial] if isinstance(trial, int) else trial
        if t.number >= len(self.trials) or self.trials[t.number] is not t:
            raise ConfigurationError(f"trial {t.number} does not belong to this study")
        if t.state != TrialState.RUNNING:
            raise ConfigurationError(f"trial {t.number} is already finished ({t.state.name})")
        if state == TrialState.RUNNING:
            raise ConfigurationError("tell records a finished trial: state must be OK or FAIL")
        if state in (TrialState.FAIL, TrialState.INTERRUPTED) and value is not None:
            raise ConfigurationError("a FAIL trial has no value; give the reason as `error`")
        before = copy.copy(t.__dict__)
        if state in (TrialState.FAIL, TrialState.INTERRUPTED):
            t.state, t.loss, t.error = state, None, error or "failed"
            t.result, t.traceback = {"status": STATUS_FAIL}, traceback
        else:
            t.state, t.loss, t.result, t.error = read_outcome(value)
            t.attachments = {**t.attachments, **{k: v for k, v in t.result.items()
                                                 if k not in ("loss", "status")}}
        t.finished = datetime.now()
        try:
            self.trials._save(t)
        except StorageError:
            t.__dict__.update(before)  # not written (a full disk): the trial is still running
            raise
        return t

    def running_trial(self, trial: Trial | int) -> RunningTrial:
        """The handle an objective receives as its second argument for this trial:
        its number, configuration, study name and storage URL; picklable."""
        t = self.trials[trial] if isinstance(trial, int) else trial
        storage = self.trials.storage
        return RunningTrial(t.number, copy.deepcopy(t.config), storage.study_name,
                            storage.url)

    @property
    def best_trial(self) -> Trial | None:
        return self.trials.best_trial

    @property
    def best_config(self) -> dict[str, Any]:
        """A copy of the best trial's configuration; AllTrialsFailed if no trial is OK."""
        best = self.trials.best_trial
        if best is None:
            errors = [t.error for t in self.trials if t.state == TrialState.FAIL]
            detail = f"; the first error: {errors[0]}" if errors else ""
            raise AllTrialsFailed(f"no trial finished with a loss ({len(self.trials)} trials"
                                  f"{detail})")
        return copy.deepcopy(best.config)


def _entropy(seed: np.random.Generator | int | None) -> int | None:
    """The number each proposal's randomness is derived from: one draw from the
    Generator (an int seed: from `default_rng(seed)`, so both give the same trials)."""
    if seed is None:
        return None
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return int(rng.integers(2**63))


def read_outcome(value: object) -> tuple[TrialState, float | None, dict[str, Any], str | None]:
    """`outcome(value)`, or a failure if reading the value raised (a loss of 10**400,
    an object whose `__float__` or `__repr__` raises, nesting too deep to show)."""
    try:
        return outcome(value)
    except Exception as err:
        return (TrialState.FAIL, None, {"status": STATUS_FAIL},
                f"the objective's result could not be read: {describe(err)}")


def outcome(value: object) -> tuple[TrialState, float | None, dict[str, Any], str | None]:
    """What the objective returned, as (state, loss, result dict, error)."""
    if isinstance(value, Mapping):
        result = dict(value)
        status = result.get("status", STATUS_OK)
        if status in (STATUS_FAIL, TrialState.FAIL):
            return TrialState.FAIL, None, result, str(result.get("error") or
                                                      "the objective reported status 'fail'")
        if status not in (STATUS_OK, TrialState.OK):
            return TrialState.FAIL, None, result, (f"unknown status {status!r}; use "
                                                   "STATUS_OK or STATUS_FAIL")
        if "loss" not in result:
            return TrialState.FAIL, None, result, "the result has no `loss`"
        loss, problem = _loss(result["loss"])
    else:
        loss, problem = _loss(value)
        result = {"loss": loss, "status": STATUS_OK} if problem is None else {}
    if problem is not None:
        return TrialState.FAIL, None, result, problem
    return TrialState.OK, loss, result, None


def _loss(value: object) -> tuple[float | None, str | None]:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return None, (f"the objective returned {shown} ({type(value).__name__}), not a loss "
                      "(a number, or a dict with `loss`)")
    loss = float(value)
    if not math.isfinite(loss):
        return None, f"the loss is {loss}"
    return loss, None


__all__ = ["Study", "as_space"]
