"""The `Trials` collection that the optimization loop fills.

A trial is a record with an enum state, not a nested dict with string statuses.
`Trials` keeps them behind the storage interface of `hpdsl.storage` (in memory by
default, or an SQLite file given by URL), so that every backend behaves the same.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from ..compile import Space
from ..errors import AllTrialsFailed, ConfigurationError, SearchExhausted
from ..storage import (
    HYPEROPT_STATUS,
    InMemoryStorage,
    Objectives,
    Trial,
    TrialState,
    TrialStorage,
    hyperopt_result,
    hyperopt_trial,
    make_objectives,
    open_storage,
    space_changed,
)
from ._base import History
from ._gradients import GRAD_KEY, gradients
from ._same_space import same_meaning
from .pareto import non_dominated

STATUS_OK = "ok"
STATUS_FAIL = "fail"


class Attachments(Mapping[int, dict[str, Any]]):
    """`trials.attachments[number]`: the attachments dict of that trial."""

    def __init__(self, storage: TrialStorage) -> None:
        self._storage = storage

    def __getitem__(self, number: int) -> dict[str, Any]:
        if not 0 <= number < len(self._storage):
            raise KeyError(number)
        return self._storage.get(number).attachments

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self._storage)))

    def __len__(self) -> int:
        return len(self._storage)


class Trials:
    """Every trial of a search, in order; pass the same object to `fmin` to resume.

    storage: None (in memory), a `TrialStorage`, or a URL such as
      `"sqlite:///runs/study.db"` (relative to the working directory;
      `sqlite:////abs/path.db` for an absolute path): the trials then last, and
      several processes may search the same study at once.
    study: the study's name within the file (URLs only; default "default").
    allow_space_change: the space a study runs on is recorded when the search starts
      (`bind`); resuming it with a space whose source differs raises
      `SpaceChangedError` (with a diff) unless this is True.
    """

    def __init__(self, storage: TrialStorage | str | None = None, *, study: str | None = None,
                 allow_space_change: bool = False) -> None:
        if isinstance(storage, str):
            storage = open_storage(storage, study if study is not None else "default")
        elif storage is not None and not isinstance(storage, TrialStorage):
            raise TypeError(f"Trials takes a storage URL such as 'sqlite:///runs/s.db' or a "
                            f"TrialStorage, not {type(storage).__name__}")
        elif study is not None:
            raise TypeError("`study` names a study in a storage URL; this storage object "
                            "already holds one")
        self._storage = storage if storage is not None else InMemoryStorage()
        self.allow_space_change = allow_space_change
        self.attachments = Attachments(self._storage)
        self._coords: tuple[np.ndarray, np.ndarray] = (np.empty((0, 0)), np.empty((0, 0), bool))
        self._coord_rows = self._coords  # the buffers `_coords` are views of
        self._finished: tuple[Objectives | None, tuple[np.ndarray, ...]] = (None, ())

    @property
    def storage(self) -> TrialStorage:
        return self._storage

    def __len__(self) -> int:
        return len(self._storage)

    def __iter__(self) -> Iterator[Trial]:
        return iter(self._storage.list_trials())

    def __getitem__(self, number: int) -> Trial:
        return self._storage.get(number)

    def __repr__(self) -> str:
        counts = {s.name: 0 for s in TrialState}
        for t in self:
            counts[t.state.name] += 1
        shown = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
        return f"<Trials: {len(self)} ({shown})>" if shown else "<Trials: empty>"

    @property
    def objectives(self) -> Objectives:
        """What the study optimizes: names, directions, declared outcome constraints
        (as recorded; one objective, minimized, until a search records them)."""
        return self._storage.objectives() or Objectives()

    @property
    def best_trial(self) -> Trial | None:
        """The feasible OK trial with the best loss (the lowest, or the highest when
        maximized; the earliest on ties); None if there is none. With several objectives
        there is no single best: ConfigurationError pointing at `pareto_front()`."""
        objectives = self.objectives
        if objectives.multi:
            raise ConfigurationError(
                f"{self._storage.label} has {objectives.k} objectives "
                f"({objectives.describe()}): no single trial is best; use "
                "`trials.pareto_front()` (or `trials.best_trials`) for the trials no other "
                "one beats")
        sign = -1.0 if objectives.directions[0] == "maximize" else 1.0
        ok = [t for t in self if t.state == TrialState.OK and t.loss is not None and t.feasible]
        return min(ok, key=lambda t: sign * t.loss if t.loss is not None else math.inf,
                   default=None)

    @property
    def best_trials(self) -> list[Trial]:
        """The Pareto front: `pareto_front()`."""
        return self.pareto_front()

    def pareto_front(self) -> list[Trial]:
        """The feasible OK trials that no other feasible OK trial dominates (as good in
        every objective and better in one), by number; each has `.values` (in the
        objectives' directions, see `trials.objectives`) and `.config`. With one
        objective: the trials tied for the best value."""
        objectives = self.objectives
        ok = [t for t in self if t.state == TrialState.OK and t.values is not None
              and len(t.values) == objectives.k and t.feasible]
        if not ok:
            return []
        Y = np.array([objectives.minimized(t.values or ()) for t in ok], dtype=np.float64)
        return [t for t, keep in zip(ok, non_dominated(Y), strict=True) if keep]

    def losses(self) -> list[float | None]:
        """The loss of each trial; None for trials that failed or are running."""
        return [t.loss if t.state == TrialState.OK else None for t in self]

    # --- hyperopt's names, so that scripts written for hyperopt.Trials run unchanged ------
    def statuses(self) -> list[str]:
        """hyperopt's status of each trial: "ok", "fail" (INTERRUPTED too) or "running".
        `[t.state for t in trials]` gives the TrialState of each."""
        return [HYPEROPT_STATUS[t.state] for t in self]

    @property
    def trials(self) -> list[dict[str, Any]]:
        """Each trial as hyperopt's dict: `tid`, `state` (hyperopt's job state),
        `result` (with `status` and `loss`), `misc.vals` (each parameter's value in a
        one-item list, `[]` where inactive; values are options, not indices)."""
        records = list(self)
        names = list(dict.fromkeys(name for t in records for name in t.params))
        return [hyperopt_trial(t, names) for t in records]

    @property
    def results(self) -> list[dict[str, Any]]:
        """What each trial's objective returned, with `status` and `loss` (None unless OK)."""
        return [hyperopt_result(t) for t in self]

    @property
    def argmin(self) -> dict[str, Any]:
        """The best configuration, as `fmin` returns it; AllTrialsFailed if none is OK."""
        best = self.best_trial
        if best is None:
            raise AllTrialsFailed(f"no trial finished with a loss ({len(self)} trials"
                                  f"{self.infeasible_note()})")
        return copy.deepcopy(best.config)

    def infeasible_note(self) -> str:
        """`; 3 OK trials break the outcome constraints`, for messages ("" if none)."""
        n = sum(t.state == TrialState.OK and not t.feasible for t in self)
        return f"; {n} OK trials break the outcome constraints" if n else ""

    def history(self, space: Space) -> History:
        """The trials as arrays, the form search algorithms read. It first reads the
        trials that other processes sharing the storage added or finished."""
        self._storage.refresh()
        trials = self._storage.list_trials()
        D = len(space.coords.dimensions)
        objectives = self.objectives
        if not trials:
            return History.empty(D, objectives.k)
        X, active = self._coordinates(trials, D)
        values, violation, states, steps, graded = self._outcomes(trials, objectives)
        losses = np.where((violation == 0.0) | (states == TrialState.PRUNED.value), values[:, 0],
                          math.nan)
        if not graded.any():
            return History(X, active, losses, states, values, violation, steps)
        grads, failed = gradients(space, trials)
        return History(X, active, losses, states, values, violation, steps, grads, failed)

    def _outcomes(self, trials: list[Trial], objectives: Objectives
                  ) -> tuple[np.ndarray, ...]:
        """History's (values, violation, states, steps) of `trials`, and whether each
        returned a gradient. What a finished trial holds never changes, so the rows of
        the finished trials before the first running one are kept between calls and
        only the others are read again."""
        kept_for, kept = self._finished
        if kept_for != objectives or len(kept[2]) > len(trials):
            kept = _outcome_rows([], objectives)
        rest = _outcome_rows(trials[len(kept[2]):], objectives)
        rows = tuple(np.concatenate([a, b]) for a, b in zip(kept, rest, strict=True))
        running = np.flatnonzero(rows[2] == TrialState.RUNNING.value)
        settled = running[0] if running.size else len(trials)
        self._finished = objectives, tuple(a[:settled] for a in rows)
        return rows

    def _coordinates(self, trials: list[Trial], D: int) -> tuple[np.ndarray, np.ndarray]:
        """(X, active) of `trials`, read-only. A trial's coordinates never change once it
        has started, so only the trials added since the last call are read: a search
        loop does not rebuild the whole history at every step."""
        X, active = self._coords
        buf_x, buf_active = self._coord_rows
        if X.shape[1] != D or X.shape[0] > len(trials):
            X, active = np.empty((0, D)), np.empty((0, D), dtype=bool)
            buf_x, buf_active = X, active
        new = trials[X.shape[0]:]
        if new:
            _fit(new, D)
            # rows go into buffers with room to spare, and X and active are views of
            # their filled rows: appending one trial copies one row, not the history.
            # Earlier views never change: rows are only written past their end.
            m, end = X.shape[0], len(trials)
            if end > buf_x.shape[0]:
                buf_x, buf_active = np.empty((2 * end, D)), np.empty((2 * end, D), dtype=bool)
                buf_x[:m], buf_active[:m] = X, active
            buf_x[m:end] = np.array([t.x for t in new], dtype=np.float64).reshape(-1, D)
            buf_active[m:end] = np.array([t.active for t in new], dtype=bool).reshape(-1, D)
            X, active = buf_x[:end], buf_active[:end]
            X.flags.writeable = active.flags.writeable = False
            self._coords, self._coord_rows = (X, active), (buf_x, buf_active)
        return X, active

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per trial: number, state, loss (with several objectives:
        `values.<name>` per objective instead), `violation` (when the study has outcome
        constraints), duration, error, `params.<name>` per parameter and
        `result.<key>` per extra result."""
        objectives = self.objectives
        trials = list(self)
        constrained = bool(objectives.bounds) or any(t.constraints for t in trials)
        records = []
        for t in trials:
            rec: dict[str, Any] = {"number": t.number, "state": t.state.name}
            if objectives.multi:
                rec.update({f"values.{name}": (t.values[i] if t.values is not None
                                               and len(t.values) == objectives.k else None)
                            for i, name in enumerate(objectives.names)})
            else:
                rec["loss"] = t.loss
            if constrained:
                rec["violation"] = t.violation if t.state == TrialState.OK else None
            rec.update({"duration": t.duration, "error": t.error})
            rec.update({f"params.{k}": v for k, v in t.params.items()})
            rec.update({f"result.{k}": v for k, v in t.result.items()
                        if k not in ("loss", "status", "constraints")})
            records.append(rec)
        return records

    def to_dataframe(self) -> Any:
        """The records as a pandas DataFrame (pandas is imported only here)."""
        try:
            import pandas as pd
        except ImportError as err:
            raise ImportError("Trials.to_dataframe needs pandas: pip install pandas") from err
        records = self.to_records()
        columns: dict[str, None] = dict.fromkeys(records[0] if records else
                                                 ["number", "state", "loss", "duration",
                                                  "error"])
        for rec in records:
            columns.update(dict.fromkeys(rec))
        return pd.DataFrame.from_records(records, columns=list(columns))

    def counted(self) -> int:
        """How many trials count toward `max_evals`: all but INTERRUPTED ones."""
        return self._storage.counted()

    def attach(self, number: int, key: str, value: Any) -> None:
        """Set an attachment of a trial and store it (changing the dict in
        `trials.attachments[number]` alone is not saved by persistent storages)."""
        trial = self[number]
        before = dict(trial.attachments)
        trial.attachments[key] = value
        try:
            self._storage.update(trial)
        except Exception:
            trial.attachments = before
            raise

    def bind(self, space: Space) -> None:
        """Record the space these trials belong to (`Study` calls this). The first
        space is kept; a space that differs in meaning (not merely in comments or
        layout) raises SpaceChangedError unless `allow_space_change`, in which case it
        replaces the recorded one if the trials fit it (as many coordinates)."""
        recorded = self._storage.space_source()
        source = space.full_source
        if recorded == source:
            return
        if recorded is None or same_meaning(recorded, source):
            self._storage.set_space_source(source)
            return
        if not self.allow_space_change:
            raise space_changed(self._storage.label, recorded, source)
        D = len(space.coords.dimensions)
        self._storage.set_space_source(source, check=lambda trials: _fit(trials, D))

    def bind_objectives(self, direction: str | None = None,
                        directions: Sequence[str] | None = None,
                        objectives: Sequence[str] | Mapping[str, str] | None = None,
                        constraints: Sequence[str] | str | None = None) -> Objectives:
        """Record what the study optimizes (`Study` calls this; arguments as `fmin`
        takes them). What is not given is kept as recorded: a resumed study needs no
        repeating. A study with trials refuses other objectives (ConfigurationError)."""
        recorded = self._storage.objectives()
        if direction is None and directions is None and objectives is None and (
                constraints is None):
            wanted = recorded or Objectives()
        else:
            wanted = make_objectives(direction, directions, objectives, constraints or ())
            if recorded is not None and objectives is None and recorded.k == wanted.k:
                wanted = replace(wanted, names=recorded.names)
            if recorded is not None and constraints is None:
                wanted = replace(wanted, bounds=recorded.bounds)
        if recorded is not None and wanted != recorded and len(self._storage):
            raise ConfigurationError(
                f"{self._storage.label} was run with {_count(recorded)}; this search has "
                f"{_count(wanted)}\nhelp: resume it with the objectives (and outcome "
                "constraints) it was run with, or use a new study name")
        if wanted != recorded:
            self._storage.set_objectives(wanted)
        return wanted

    # --- used by Study ---------------------------------------------------------------------
    def _start(self, config: dict[str, Any], x: np.ndarray, active: np.ndarray,
               params: dict[str, Any], max_trials: int | None = None,
               number: int | None = None) -> Trial:
        """Store a new RUNNING trial; SearchExhausted if the study already has
        `max_trials` counted trials; with `number`, NumberTaken unless it gets that
        number (both checked atomically by shared storages)."""
        trial = Trial(len(self._storage), config, x, active, params)
        if not self._storage.append_within(trial, max_trials, number):
            raise SearchExhausted(f"{self._storage.label} has {max_trials} trials")
        return trial

    def _save(self, trial: Trial) -> None:
        self._storage.update(trial)


def _count(objectives: Objectives) -> str:
    """`2 objectives: error (minimize), latency_ms (minimize); constraints: ...`"""
    k = objectives.k
    bounds = "; outcome constraints " + ", ".join(map(str, objectives.bounds)) if (
        objectives.bounds) else ""
    return f"{k} objective{'s' * (k > 1)}: {objectives.describe()}{bounds}"


def _outcome_rows(trials: list[Trial], objectives: Objectives) -> tuple[np.ndarray, ...]:
    """(values, violation, states, steps) arrays of `trials`, as History holds them, and
    (graded) whether each trial's result has a gradient."""
    values = np.array([_minimized(t, objectives) for t in trials],
                      dtype=np.float64).reshape(len(trials), objectives.k)
    violation = np.array([t.violation if t.state == TrialState.OK else math.nan
                          for t in trials], dtype=np.float64)
    states = np.array([int(t.state) for t in trials], dtype=np.int64)
    steps = np.array([-1 if t.last_step is None else t.last_step for t in trials],
                     dtype=np.int64)
    graded = np.array([GRAD_KEY in t.result for t in trials], dtype=bool)
    return values, violation, states, steps, graded


def _minimized(t: Trial, objectives: Objectives) -> tuple[float, ...]:
    """A History row of values: the trial's, as minimizations; NaN unless OK, or PRUNED
    with a reported value (its last one; one objective)."""
    if t.state == TrialState.OK and t.values is not None and len(t.values) == objectives.k:
        return objectives.minimized(t.values)
    if t.state == TrialState.PRUNED and t.loss is not None and objectives.k == 1:
        return objectives.minimized((t.loss,))
    return (math.nan,) * objectives.k


def _fit(trials: list[Trial], D: int) -> None:
    """ConfigurationError unless every trial has D coordinates."""
    for t in trials:
        if len(t.x) != D:
            raise ConfigurationError(f"these trials have {len(t.x)} coordinates but the "
                                     f"space has {D}: they come from another space")


__all__ = ["STATUS_FAIL", "STATUS_OK", "Trial", "TrialStorage", "Trials", "InMemoryStorage"]
