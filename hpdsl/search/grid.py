"""Grid search: every configuration of a finite space once, in a stable order.

Configurations already in the history (finished or pending) are skipped; when
none is left the algorithm raises `SearchExhausted`, and `fmin` stops there.
Continuous parameters need `resolution`: bind it with
`functools.partial(grid.suggest, resolution=5)` to try that many evenly spaced
coordinates of each (log-spaced for log distributions, mu ± 2 sigma for normal
ones, fractions of the bounds in force for dependent ones).
"""

from __future__ import annotations

import weakref

import numpy as np

from ..compile import Dimension, Space
from ..compile._enumerate import TooLarge, expand, full_domain, is_finite_dim
from ..compile._program import Step
from ..compile._space import COUNT_LIMIT
from ..errors import ConfigurationError, SearchExhausted
from ._base import History

_cache: weakref.WeakKeyDictionary[Space, dict[int | None, np.ndarray]] = (
    weakref.WeakKeyDictionary())


def suggest(space: Space, history: History, rng: np.random.Generator, n: int = 1, *,
            resolution: int | None = None) -> np.ndarray:
    """The next `n` grid points not in the history (fewer only when the grid runs out)."""
    X = grid_points(space, resolution)
    used = np.zeros(len(X), dtype=bool)
    index = {key: i for i, key in enumerate(_keys(X, ~np.isnan(X)))}
    for key in _keys(history.X, history.active):
        i = index.get(key)
        if i is not None:
            used[i] = True
    left = np.flatnonzero(~used)
    if len(left) == 0:
        raise SearchExhausted(f"all {len(X)} grid points have been tried")
    return X[left[:n]].copy()


def grid_points(space: Space, resolution: int | None = None) -> np.ndarray:
    """Coordinates of every grid configuration, in `space.grid()` order (cached)."""
    per_space = _cache.setdefault(space, {})
    if resolution not in per_space:
        per_space[resolution] = _enumerate(space, resolution)
    return per_space[resolution]


def _enumerate(space: Space, resolution: int | None) -> np.ndarray:
    program = space._program
    if resolution is None:
        for step in program.steps:
            if step.dim is not None and not is_finite_dim(step, program.dims[step.dim]):
                raise ConfigurationError(
                    f"grid search needs a finite space, but `{step.name}` is continuous "
                    f"({program.dims[step.dim].distribution}); discretize it with "
                    "functools.partial(grid.suggest, resolution=5)")
    elif resolution < 1:
        raise ConfigurationError("resolution must be at least 1")

    def domain(step: Step, dim: Dimension, args: dict[str, np.ndarray], m: int
               ) -> tuple[np.ndarray, np.ndarray]:
        if is_finite_dim(step, dim) or resolution is None:
            return full_domain(step, dim, args, m)
        points = _points(dim, resolution)
        return np.tile(points, m), np.full(m, len(points), dtype=np.int64)

    try:
        batch = expand(program, domain, COUNT_LIMIT)
    except TooLarge as err:
        raise ConfigurationError(f"the grid has more than {COUNT_LIMIT} configurations"
                                 ) from err
    return batch.X[batch.feasible]


def _points(dim: Dimension, resolution: int) -> np.ndarray:
    if dim.prior == "normal":
        lo, hi = dim.mu - 2 * dim.sigma, dim.mu + 2 * dim.sigma
    else:
        lo, hi = dim.low, dim.high
    if resolution == 1:
        return np.array([(lo + hi) / 2])
    return np.linspace(lo, hi, resolution)


def _keys(X: np.ndarray, active: np.ndarray) -> list[bytes]:
    """Hashable rows that match up to rounding (-0.0 and 0.0 alike; inactive as NaN)."""
    Z = np.where(active, np.round(X, 9) + 0.0, np.nan)
    return [row.tobytes() for row in Z]


__all__ = ["grid_points", "suggest"]
