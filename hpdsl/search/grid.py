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

from ..compile import Space
from ..errors import ConfigurationError, HpsError, SearchExhausted
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
        try:
            per_space[resolution] = space.coords.grid(resolution)
        except HpsError as err:
            raise ConfigurationError(f"grid search: {err}"
                                     + ("; discretize continuous parameters with "
                                        "functools.partial(grid.suggest, resolution=5)"
                                        if resolution is None and "continuous" in str(err)
                                        else "")) from err
    return per_space[resolution]


def _keys(X: np.ndarray, active: np.ndarray) -> list[bytes]:
    """Hashable rows that match up to rounding (-0.0 and 0.0 alike; inactive as NaN)."""
    Z = np.where(active, np.round(X, 9) + 0.0, np.nan)
    return [row.tobytes() for row in Z]


suggest.multi_objective = True  # type: ignore[attr-defined]  # it ignores the losses


__all__ = ["grid_points", "suggest"]
