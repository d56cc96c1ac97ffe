"""Trial records and the `Trials` collection that the optimization loop fills.

A trial is a record with an enum state, not a nested dict with string statuses.
`Trials` keeps them behind a small storage interface (append / update / list),
so that a database-backed storage can replace the in-memory one unchanged.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from ..compile import Space
from ..errors import ConfigurationError
from ._base import History, TrialState

STATUS_OK = "ok"
STATUS_FAIL = "fail"


@dataclass(eq=False)
class Trial:
    """One evaluation of the objective.

    config: the configuration as the objective received it. loss: set only when
    the state is OK. result: what the objective returned, as a dict. error: why
    a FAIL trial failed. x / active: its coordinates, for the search algorithms.
    params: the configuration flattened to the space's names, for tables.
    attachments: extra results (the objective's extra keys, or anything user
    code stores there).
    """

    number: int
    config: dict[str, Any]
    x: np.ndarray = field(repr=False)
    active: np.ndarray = field(repr=False)
    params: dict[str, Any] = field(default_factory=dict, repr=False)
    state: TrialState = TrialState.RUNNING
    loss: float | None = None
    result: dict[str, Any] = field(default_factory=dict, repr=False)
    error: str | None = None
    started: datetime = field(default_factory=datetime.now, repr=False)
    finished: datetime | None = field(default=None, repr=False)
    attachments: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def duration(self) -> float | None:
        """Seconds from start to finish; None while running."""
        if self.finished is None:
            return None
        return (self.finished - self.started).total_seconds()


class TrialStorage(abc.ABC):
    """Where trials live. Trials are numbered 0, 1, 2... in the order appended."""

    @abc.abstractmethod
    def append(self, trial: Trial) -> None:
        """Store a new trial; its number is the count of trials stored before it."""

    @abc.abstractmethod
    def update(self, trial: Trial) -> None:
        """Store a trial again after its state, result or attachments changed."""

    @abc.abstractmethod
    def list_trials(self) -> list[Trial]:
        """Every trial, by number."""

    @abc.abstractmethod
    def __len__(self) -> int: ...

    def get(self, number: int) -> Trial:
        return self.list_trials()[number]


class InMemoryStorage(TrialStorage):
    """Trials in a Python list; updates happen in place."""

    def __init__(self) -> None:
        self._trials: list[Trial] = []

    def append(self, trial: Trial) -> None:
        if trial.number != len(self._trials):
            raise ValueError(f"trial number {trial.number} is not the next one "
                             f"({len(self._trials)})")
        self._trials.append(trial)

    def update(self, trial: Trial) -> None:
        self._trials[trial.number] = trial

    def list_trials(self) -> list[Trial]:
        return list(self._trials)

    def __len__(self) -> int:
        return len(self._trials)

    def get(self, number: int) -> Trial:
        return self._trials[number]


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
    """Every trial of a search, in order; pass the same object to `fmin` to resume."""

    def __init__(self, storage: TrialStorage | None = None) -> None:
        self._storage = storage if storage is not None else InMemoryStorage()
        self.attachments = Attachments(self._storage)

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

    def statuses(self) -> list[TrialState]:
        return [t.state for t in self]

    def history(self, space: Space) -> History:
        """The trials as arrays, the form search algorithms read."""
        trials = self._storage.list_trials()
        D = len(space.dimensions)
        if not trials:
            return History.empty(D)
        X = np.array([t.x for t in trials], dtype=np.float64).reshape(len(trials), -1)
        if X.shape[1] != D:
            raise ConfigurationError(f"these trials have {X.shape[1]} coordinates but the "
                                     f"space has {D}: they come from another space")
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

    # --- used by Study ---------------------------------------------------------------------
    def _start(self, config: dict[str, Any], x: np.ndarray, active: np.ndarray,
               params: dict[str, Any]) -> Trial:
        trial = Trial(len(self._storage), config, x, active, params)
        self._storage.append(trial)
        return trial

    def _save(self, trial: Trial) -> None:
        self._storage.update(trial)


__all__ = ["STATUS_FAIL", "STATUS_OK", "Trial", "TrialStorage", "Trials", "InMemoryStorage"]
