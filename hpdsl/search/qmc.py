"""Quasi-random search: a scrambled Sobol sequence over the space's coordinates.

Point i of the sequence becomes trial i: the index is the history's length, so
several proposals at once, pending trials and a resumed study all continue one
sequence, and the points spread more evenly than random draws (lower
discrepancy) while each is still uniformly distributed.

Each coordinate of the unit cube is mapped through the inverse of its
dimension's prior: uniform and log-uniform ranges linearly (log ones in log
units), integers and options by equal (or the declared weights') shares, normal
priors through the normal quantile. Every dimension has its coordinate, active
or not, so conditional parameters take their share of the sequence when their
branch is on. A point the constraints exclude is replaced by a draw from the
prior.

The scrambling is keyed by `seed`; with `seed=None` (the default) by the
study's first trial, so that every seeded study has its own design and a
resumed study keeps it. Needs scipy (`pip install 'hpdsl[qmc]'`).
"""

from __future__ import annotations

import hashlib
import warnings
from typing import Any

import numpy as np

from ..compile import Dimension, Space
from ..errors import ConfigurationError
from . import rand
from ._base import History


def suggest(space: Space, history: History, rng: np.random.Generator, n: int = 1, *,
            seed: int | None = None) -> np.ndarray:
    """`n` feasible coordinate rows: points len(history) .. len(history) + n - 1 of the
    scrambled Sobol sequence (prior draws where the constraints exclude a point)."""
    dims = space.coords.dimensions
    if n == 0 or not dims:
        return rand.suggest(space, history, rng, n)
    if seed is None and len(history) == 0:
        # the first point of a scrambled sequence is uniform: draw its scrambling afresh
        seed = int(rng.integers(2**63))
    key = seed if seed is not None else _first_row_key(history)
    U = sobol_points(len(dims), key, len(history), n)
    X = np.column_stack([from_unit(dim, U[:, d]) for d, dim in enumerate(dims)])
    feasible = space.coords.run(X).feasible
    if not feasible.all():
        X[~feasible] = rand.suggest(space, history, rng, int((~feasible).sum()))
    return X


suggest.multi_objective = True  # type: ignore[attr-defined]  # it reads no losses


def sobol_points(d: int, seed: int, start: int, n: int) -> np.ndarray:
    """Points start .. start + n - 1 of the `d`-dimensional Sobol sequence scrambled by
    `seed`, in [0, 1)."""
    qmc = _scipy_qmc()
    if d > qmc.Sobol.MAXDIM:
        raise ConfigurationError(f"the Sobol sequence has at most {qmc.Sobol.MAXDIM} "
                                 f"dimensions; this space has {d}")
    engine = qmc.Sobol(d, scramble=True, seed=np.random.default_rng(seed))
    if start:
        engine.fast_forward(start)
    with warnings.catch_warnings():
        # the balance warning is about n not being a power of 2: the sequence goes on
        warnings.simplefilter("ignore", UserWarning)
        points: np.ndarray = engine.random(n)
    return points


def from_unit(dim: Dimension, u: np.ndarray) -> np.ndarray:
    """Coordinates of `dim` at quantiles `u` of its prior."""
    if dim.kind == "categorical":
        k = len(dim.options)
        weights = np.asarray(dim.weights if dim.weights else [1.0] * k, dtype=float)
        edges = np.cumsum(weights) / weights.sum()
        index: np.ndarray = np.minimum(np.searchsorted(edges, u, side="right"), k - 1)
        return index.astype(np.float64)
    if dim.kind == "int":
        size = int(dim.high) - int(dim.low) + 1
        value: np.ndarray = np.minimum(dim.low + np.floor(u * size), dim.high)
        return value
    if dim.prior == "normal":
        from scipy.special import ndtri

        # keep away from 0 and 1, whose quantiles are infinite
        inner = np.clip(u, 1e-12, 1 - 1e-12)
        result: np.ndarray = dim.mu + dim.sigma * ndtri(inner)
        return result
    return dim.low + u * (dim.high - dim.low)


def _first_row_key(history: History) -> int:
    """A scrambling seed read from the first trial's coordinates (NaNs made equal)."""
    row = np.nan_to_num(history.X[0], nan=-0.0).astype("<f8")
    return int.from_bytes(hashlib.blake2b(row.tobytes(), digest_size=8).digest(), "little")


def _scipy_qmc() -> Any:
    try:
        from scipy.stats import qmc
    except ImportError:
        raise ConfigurationError("hpdsl.qmc needs scipy: pip install 'hpdsl[qmc]'") from None
    return qmc


__all__ = ["from_unit", "sobol_points", "suggest"]
