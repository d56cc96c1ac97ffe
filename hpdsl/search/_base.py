"""The one interface every search algorithm implements.

An algorithm is a plain function

    suggest(space: Space, history: History, rng: numpy.random.Generator, n: int = 1,
            **settings) -> numpy.ndarray  # (n, D) coordinate rows

It reads the finished (and pending) trials as coordinates and returns `n` new
coordinate rows, each feasible for the space (constraints and dependent bounds
hold: check with `space.coords.run(X).feasible`). Everything an algorithm needs of
the space is in `space.coords` (`hpdsl.compile.Coordinates`); the driver (`Study`)
turns rows into configurations with `space.coords.run` + `space.coords.configs`.
Settings are bound with `functools.partial(tpe.suggest, gamma=0.15)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..storage import TrialState

if TYPE_CHECKING:
    from ..compile import Space


@dataclass(frozen=True)
class History:
    """Past trials as arrays, in trial order.

    X: (m, D) coordinates, NaN where a parameter was inactive.
    active: (m, D) bool.
    losses: (m,) float, NaN unless the trial finished OK.
    states: (m,) TrialState values (RUNNING trials are pending: their points are
    taken but their loss is not known yet).
    """

    X: np.ndarray
    active: np.ndarray
    losses: np.ndarray
    states: np.ndarray

    @classmethod
    def empty(cls, n_dims: int) -> History:
        return cls(np.empty((0, n_dims)), np.empty((0, n_dims), dtype=bool), np.empty(0),
                   np.empty(0, dtype=np.int64))

    def __len__(self) -> int:
        return int(self.losses.shape[0])

    @property
    def ok(self) -> np.ndarray:
        result: np.ndarray = self.states == TrialState.OK
        return result

    @property
    def pending(self) -> np.ndarray:
        result: np.ndarray = self.states == TrialState.RUNNING
        return result


class Suggest(Protocol):
    def __call__(self, space: Space, history: History, rng: np.random.Generator,
                 n: int = 1) -> np.ndarray: ...
