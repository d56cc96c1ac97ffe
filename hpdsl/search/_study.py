"""Ask/tell: the core of the optimization loop, for users who run the objective
themselves (on a cluster, in a notebook) and for `fmin`, which is built on it."""

from __future__ import annotations

import copy
import os
import re
import warnings
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, NoReturn

import numpy as np

from .._load import load, loads
from ..compile import Space
from ..errors import AllTrialsFailed, ConfigurationError, SamplingError
from ..pruners import BasePruner
from ..storage import NumberTaken, StorageError, TrialState
from ._base import Suggest, multi_objective
from ._gradients import GRAD_KEY, GradientWarning, read_gradient
from ._outcome import read_outcome
from ._reporting import Link, LocalLink
from ._running import RunningTrial
from ._trials import STATUS_FAIL, Trial, Trials

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
    """TPE (MOTPE for several objectives), imported only when needed so that the loop
    does not depend on it."""
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
    `direction`, `directions`, `objectives` and `constraints` say what is optimized,
    as for `fmin`; a resumed study keeps what it recorded. `pruner` (`hpdsl.pruners`)
    answers the running trials' `should_prune()`; None: never prune (an objective may
    still raise TrialPruned on its own).
    """

    def __init__(self, space: SpaceLike, algo: Suggest | None = None,
                 seed: np.random.Generator | int | None = None,
                 trials: Trials | None = None, *, direction: str | None = None,
                 directions: Sequence[str] | None = None,
                 objectives: Sequence[str] | Mapping[str, str] | None = None,
                 constraints: Sequence[str] | str | None = None,
                 pruner: BasePruner | None = None) -> None:
        from ._compat import check_not_hyperopt  # it imports this module

        check_not_hyperopt(trials, algo)
        if pruner is not None and not isinstance(pruner, BasePruner):
            raise ConfigurationError(f"pruner must be one of hpdsl.pruners (a BasePruner) "
                                     f"or None, not {type(pruner).__name__}")
        self.space = as_space(space)
        self._entropy = _entropy(seed)
        self.rng = np.random.default_rng(self._entropy)
        self.trials = trials if trials is not None else Trials()
        self.trials.bind(self.space)
        self.objectives = self.trials.bind_objectives(direction, directions, objectives,
                                                      constraints)
        self.algo: Suggest = algo if algo is not None else default_algo()
        if self.objectives.multi and not multi_objective(self.algo):
            raise ConfigurationError(
                f"{_name(self.algo)} optimizes one objective; this study has "
                f"{self.objectives.k} ({self.objectives.describe()})\nhelp: use an "
                "algorithm that handles several (its `multi_objective` is True), such as "
                "the default (algo=None: multi-objective TPE), `hpdsl.nsga2.suggest`, "
                "`hpdsl.rand.suggest` or `hpdsl.grid.suggest`")
        if pruner is not None and self.objectives.multi:
            raise ConfigurationError(
                f"a pruner judges one reported value; this study has {self.objectives.k} "
                f"objectives ({self.objectives.describe()})")
        self.pruner = None if pruner is None else pruner.bind(self.space)
        # pruners compare values to minimize: a maximized study's reports are negated
        sign = -1.0 if self.objectives.directions[0] == "maximize" else 1.0
        self._link = LocalLink(self.trials.storage, self.pruner, sign)
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
            unset = [f"`{d.name}`" for d, on, x in zip(self.space.coords.dimensions,
                                                      batch.active[0], X[0], strict=True)
                     if on and not np.isfinite(x)]
            if unset:
                raise SamplingError("the search algorithm proposed a configuration without a "
                                    f"finite coordinate for the active {', '.join(unset)}")
            raise SamplingError("the search algorithm proposed a configuration that the "
                                "constraints exclude")
        config = self.space.coords.configs(batch, np.arange(1))[0]
        return number, (config, batch.X[0].copy(), batch.active[0].copy())

    def tell(self, trial: Trial | int, value: object = None, *,
             state: TrialState | None = None, error: str | None = None,
             traceback: str | None = None) -> Trial:
        """Record a trial's result: a loss, a tuple of values (one per objective), or a
        dict with `loss` (a number or a list), `status`, `constraints` and extra keys.

        Anything that is not a finite loss (NaN, inf, None, a string, a dict without
        `loss`, the wrong number of values, a constraint that is not a number) makes
        the trial FAIL with the reason in `trial.error`. Pass
        `state=TrialState.FAIL, error=...` (and the `traceback` text, if any) to record
        a failure yourself,
        `state=TrialState.INTERRUPTED` for a trial that was stopped before it finished
        (it does not count towards `max_evals`), or `state=TrialState.PRUNED` for a
        trial stopped early (its loss is its last reported value).
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
        if state == TrialState.PRUNED and value is not None:
            raise ConfigurationError("a PRUNED trial's loss is its last reported value: "
                                     "report it (`running_trial(t).report(value, step)`) "
                                     "instead of passing it to tell")
        before = copy.copy(t.__dict__)
        # what workers reported straight to a shared storage, before the trial finishes
        values = self.trials.storage.intermediate(t.number)
        if state == TrialState.PRUNED:
            t.state, t.error, t.traceback = state, error, traceback
            t.loss = values[max(values)] if values else None
            t.result = {"status": "pruned"}
        elif state in (TrialState.FAIL, TrialState.INTERRUPTED):
            t.state, t.loss, t.error = state, None, error or "failed"
            t.result, t.traceback = {"status": STATUS_FAIL}, traceback
            t.values = t.constraints = None
        else:
            read = read_outcome(value, self.objectives)
            t.state, t.result, t.error = read.state, read.result, read.error
            t.values, t.constraints = read.values, read.constraints
            t.loss = read.values[0] if read.values is not None else None
            t.attachments = {**t.attachments, **{k: v for k, v in t.result.items()
                                                 if k not in ("loss", "status", "constraints")}}
            if t.state == TrialState.OK and GRAD_KEY in t.result:
                self._check_gradient(t)
        t.finished = datetime.now()
        try:
            self.trials._save(t)
        except StorageError:
            t.__dict__.update(before)  # not written (a full disk): the trial is still running
            raise
        return t

    def _check_gradient(self, t: Trial) -> None:
        """Warn (GradientWarning) about what of the trial's `grad` cannot be used."""
        _, failed, problems = read_gradient(self.space, t.x, t.active, t.result[GRAD_KEY])
        if problems:
            what = "cannot be used" if failed else "is used in part"
            warnings.warn(f"the objective's `{GRAD_KEY}` {what}: " + "; ".join(problems),
                          GradientWarning, stacklevel=3)

    def running_trial(self, trial: Trial | int, *, link: Link | None = None
                      ) -> RunningTrial:
        """The handle an objective receives as its second argument for this trial:
        its number, configuration, study name and storage URL, and `report` /
        `should_prune`, answered by this study's pruner; picklable (a trial of a study
        in a file reports from any process; of a study in memory, only from this one).
        `link`: how reports travel (fmin's worker loop passes its own)."""
        t = self.trials[trial] if isinstance(trial, int) else trial
        storage = self.trials.storage
        return RunningTrial(t.number, copy.deepcopy(t.config), storage.study_name,
                            storage.url, self._link if link is None else link,
                            self.objectives.directions[0])

    @property
    def best_trial(self) -> Trial | None:
        """See `Trials.best_trial` (several objectives: a ConfigurationError)."""
        return self.trials.best_trial

    @property
    def best_trials(self) -> list[Trial]:
        return self.trials.pareto_front()

    def pareto_front(self) -> list[Trial]:
        """See `Trials.pareto_front`."""
        return self.trials.pareto_front()

    @property
    def best_config(self) -> dict[str, Any]:
        """A copy of the best trial's configuration; AllTrialsFailed if no feasible trial
        is OK."""
        best = self.trials.best_trial
        if best is None:
            self._none_ok()
        return copy.deepcopy(best.config)

    @property
    def pareto_configs(self) -> list[dict[str, Any]]:
        """Copies of the configurations of the Pareto front, by trial number;
        AllTrialsFailed if no feasible trial is OK."""
        front = self.trials.pareto_front()
        if not front:
            self._none_ok()
        return [copy.deepcopy(t.config) for t in front]

    def _none_ok(self) -> NoReturn:
        errors = [t.error for t in self.trials if t.state == TrialState.FAIL]
        detail = f"; the first error: {errors[0]}" if errors else ""
        pruned = sum(t.state == TrialState.PRUNED for t in self.trials)
        if pruned:
            detail += f"; {pruned} pruned (a pruned trial is never the best)"
        raise AllTrialsFailed(f"no trial finished with a loss ({len(self.trials)} trials"
                              f"{detail}{self.trials.infeasible_note()})")


def _name(algo: object) -> str:
    func = getattr(algo, "func", algo)  # a functools.partial: the function it binds
    module = str(getattr(func, "__module__", None) or "")
    name = str(getattr(func, "__qualname__", None) or type(func).__name__)
    parts = [p for p in module.split(".") if p not in ("hpdsl", "search", "")
             and not p.startswith("_")]
    return "`" + ".".join([*parts, name]) + "`"


def _entropy(seed: np.random.Generator | int | None) -> int | None:
    """The number each proposal's randomness is derived from: one draw from the
    Generator (an int seed: from `default_rng(seed)`, so both give the same trials)."""
    if seed is None:
        return None
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    return int(rng.integers(2**63))


__all__ = ["Study", "as_space"]
