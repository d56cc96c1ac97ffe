"""The one interface every search algorithm implements.

An algorithm is a plain function

    suggest(space: Space, history: History, rng: numpy.random.Generator, n: int = 1,
            **settings) -> numpy.ndarray  # (n, D) coordinate rows

It reads the finished (and pending) trials as coordinates and returns `n` new
coordinate rows, each feasible for the space (see `Suggest`). Everything an
algorithm needs of the space is in `space.coords` (`hpdsl.compile.Coordinates`);
the driver (`Study`) turns rows into configurations with `space.coords.run` +
`space.coords.configs`.
Settings are bound with `functools.partial(tpe.suggest, gamma=0.15)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..storage import TrialState

if TYPE_CHECKING:
    from ..compile import Space


@dataclass(frozen=True)
class History:
    """Past trials as arrays, in trial order.

    X: (m, D) coordinates, NaN where a parameter was inactive.
    active: (m, D) bool.
    losses: (m,) float, the first objective as a minimization; NaN unless the trial
    finished OK and feasible (algorithms that know nothing of outcome constraints read
    infeasible trials as failed ones), or was PRUNED (see `steps`).
    states: (m,) TrialState values (RUNNING trials are pending: their points are
    taken but their loss is not known yet).
    values: (m, k) float, every objective as a minimization (maximized ones negated);
    NaN rows unless OK (infeasible trials included). Default: `losses` as one column.
    violation: (m,) float, the total outcome-constraint violation (0.0 when feasible or
    without constraints), NaN unless OK. Default: 0.0 wherever `losses` is a number.
    steps: (m,) int, the deepest step each trial reported, -1 if none (default: all -1).
    A PRUNED trial's loss is the value it reported at that step (NaN if it reported
    none): algorithms that learn from pruned trials rank them with `steps`.
    grads: (m, D) float, the derivatives of the loss with respect to the coordinates
    that OK trials returned (`_gradients.py`), NaN where none (all NaN by default).
    grad_failed: (m,) bool, the trial returned a gradient that cannot be used (NaN,
    not a number).
    """

    X: np.ndarray
    active: np.ndarray
    losses: np.ndarray
    states: np.ndarray
    values: np.ndarray = field(default=None)  # type: ignore[arg-type]
    violation: np.ndarray = field(default=None)  # type: ignore[arg-type]
    steps: np.ndarray = field(default=None)  # type: ignore[arg-type]
    grads: np.ndarray = field(default=None)  # type: ignore[arg-type]
    grad_failed: np.ndarray = field(default=None)  # type: ignore[arg-type]

    def __post_init__(self) -> None:
        if self.values is None:
            object.__setattr__(self, "values", self.losses.reshape(-1, 1).astype(np.float64))
        if self.violation is None:
            object.__setattr__(self, "violation", np.where(np.isnan(self.losses), np.nan, 0.0))
        if self.steps is None:
            object.__setattr__(self, "steps", np.full(len(self.losses), -1, dtype=np.int64))
        if self.grads is None:
            # no trial has a gradient: one read-only NaN broadcast, not an (m, D) array
            object.__setattr__(self, "grads", np.broadcast_to(np.nan, self.X.shape))
        if self.grad_failed is None:
            object.__setattr__(self, "grad_failed", np.zeros(self.losses.shape, dtype=bool))

    @classmethod
    def empty(cls, n_dims: int, n_objectives: int = 1) -> History:
        return cls(np.empty((0, n_dims)), np.empty((0, n_dims), dtype=bool), np.empty(0),
                   np.empty(0, dtype=np.int64), np.empty((0, n_objectives)), np.empty(0),
                   np.empty(0, dtype=np.int64))

    def with_pending(self, X: np.ndarray, active: np.ndarray) -> History:
        """This history with the rows X (r, D) appended as pending trials (RUNNING, no
        values): how an algorithm that proposes several rows in one call makes its later
        rows see its earlier ones."""
        r = X.shape[0]
        return History(np.vstack([self.X, X]), np.vstack([self.active, active]),
                       np.append(self.losses, np.full(r, np.nan)),
                       np.append(self.states, np.full(r, TrialState.RUNNING)),
                       np.vstack([self.values, np.full((r, self.n_objectives), np.nan)]),
                       np.append(self.violation, np.full(r, np.nan)),
                       np.append(self.steps, np.full(r, -1, dtype=np.int64)),
                       np.vstack([self.grads, np.full(X.shape, np.nan)]),
                       np.append(self.grad_failed, np.zeros(r, dtype=bool)))

    @property
    def n_objectives(self) -> int:
        return int(self.values.shape[1])

    def __len__(self) -> int:
        return int(self.losses.shape[0])

    @property
    def ok(self) -> np.ndarray:
        # states compared with plain ints (`.value`): an IntEnum compares four times slower
        result: np.ndarray = self.states == TrialState.OK.value
        return result

    @property
    def pending(self) -> np.ndarray:
        result: np.ndarray = self.states == TrialState.RUNNING.value
        return result


class Suggest(Protocol):
    """A search algorithm: `n` new coordinate rows (n, D) for the trials in `history`.

    Every row must be feasible for the space: a finite coordinate for every active
    parameter (NaN only where inactive; a parameter that a changed choice or a longer
    loop activates needs a value too), constraints and dependent bounds holding.
    `space.coords.run(X).feasible` checks exactly this, False for a row with a NaN or
    infinite active coordinate, so an algorithm can build candidates in bulk and keep
    the feasible ones; the driver refuses an infeasible row with a SamplingError before
    anything reaches the objective.
    """

    def __call__(self, space: Space, history: History, rng: np.random.Generator,
                 n: int = 1) -> np.ndarray: ...


def multi_objective(algo: Any) -> bool:
    """Whether an algorithm handles several objectives: it (or, for a
    `functools.partial`, the function it binds) carries `multi_objective = True`."""
    while algo is not None:
        if getattr(algo, "multi_objective", False) is True:
            return True
        algo = getattr(algo, "func", None)
    return False
