"""The `Trials` collection that the optimization loop fills.

A trial is a record with an enum state, not a nested dict with string statuses.
`Trials` keeps them behind the storage interface of `hpdsl.storage` (in memory by
default, or an SQLite file given by URL), so that every backend behaves the same.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from ..compile import Space
from ..errors import AllTrialsFailed, ConfigurationError, SearchExhausted
from ..storage import (
    HYPEROPT_STATUS,
    InMemoryStorage,
    Trial,
    TrialState,
    TrialStorage,
    hyperopt_result,
    hyperopt_trial,
    open_storage,
    space_changed,
)
from ._base import History
from ._same_space import same_meaning

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
    def best_trial(self) -> Trial | None:
        """The OK trial with the lowest loss (the earliest on ties); None if none is OK."""
        ok = [t for t in self if t.state == TrialState.OK and t.loss is not None]
        return min(ok, key=lambda t: t.loss if t.loss is not None else math.inf, default=None)

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
            raise AllTrialsFailed(f"no trial finished with a loss ({len(self)} trials)")
        return copy.deepcopy(best.config)

    def history(self, space: Space) -> History:
        """The trials as arrays, the form search algorithms read. It first reads the
        trials that other processes sharing the storage added or finished."""
        self._storage.refresh()
        trials = self._storage.list_trials()
        D = len(space.coords.dimensions)
        if not trials:
            return History.empty(D)
        _fit(trials, D)
        X = np.array([t.x for t in trials], dtype=np.float64).reshape(len(trials), D)
        active = np.array([t.active for t in trials], dtype=bool).reshape(len(trials), D)
        losses = np.array([t.loss if t.state == TrialState.OK and t.loss is not None
                           else math.nan for t in trials], dtype=np.float64)
        states = np.array([int(t.state) for t in trials], dtype=np.int64)
        return History(X, active, losses, states)

    def to_records(self) -> list[dict[str, Any]]:
        """One flat dict per trial: number, state, loss, duration, error,
        `params.<name>` per parameter and `result.<key>` per extra result."""
        records = []
        for t in self:
            rec: dict[str, Any] = {"number": t.number, "state": t.state.name, "loss": t.loss,
                                   "duration": t.duration, "error": t.error}
            rec.update({f"params.{k}": v for k, v in t.params.items()})
            rec.update({f"result.{k}": v for k, v in t.result.items()
                        if k not in ("loss", "status")})
            records.append(rec)
        return records

    def to_dataframe(self) -> Any:
        """The records as a pandas DataFrame (pandas is imported only here)."""
        try:
            import pandas as pd
        except ImportError as err:
            raise ImportError("Trials.to_dataframe needs pandas: pip install pandas") from err
        columns: dict[str, None] = dict.fromkeys(["number", "state", "loss", "duration",
                                                  "error"])
        records = self.to_records()
        for rec in records:
            columns.update(dict.fromkeys(rec))
        return pd.DataFrame.from_records(records, columns=list(columns))

    def counted(self) -> int:
        """How many trials count toward `max_evals`: all but INTERRUPTED ones."""
        return sum(t.state != TrialState.INTERRUPTED for t in self)

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


def _fit(trials: list[Trial], D: int) -> None:
    """ConfigurationError unless every trial has D coordinates."""
    for t in trials:
        if len(t.x) != D:
            raise ConfigurationError(f"these trials have {len(t.x)} coordinates but the "
                                     f"space has {D}: they come from another space")


__all__ = ["STATUS_FAIL", "STATUS_OK", "Trial", "TrialStorage", "Trials", "InMemoryStorage"]
