"""Mutation and crossover on coordinate rows, shared by the evolutionary algorithms.

Both take rows as `History` holds them ((D,) or (m, D), NaN where a parameter is
inactive) and return rows of the same shape that the space accepts: every row is
run through `space.coords.run` and only feasible ones are kept.

- `mutate` changes one active coordinate (and each other active one with
  probability `rate`): a choice takes another option, an int steps by at least
  one, a float (log ones in their log units, quantized ones until the value
  changes) moves by a normal step of `scale` times its range (or of its prior's
  sigma). Parameters that the change activates (a branch the flipped choice
  selects, the items a longer loop adds) are drawn fresh from the prior.
- `crossover` takes each activation group (the parameters declared under the
  same conditions: one branch's own parameters, one loop item) or, with
  `by="coordinate"`, each coordinate from either parent; a parameter the chosen
  parent lacks comes from the other parent, or fresh from the prior.

Constraints and dependent bounds are respected by validate-and-retry: `tries`
candidates per row are run at once and the first feasible one that differs from
the parent is kept; a row with none falls back to a fresh prior sample (mutate)
or a copy of a parent (crossover).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from ..compile import Dimension, Space, sample_prior

TRIES = 16


def mutate(space: Space, x: np.ndarray, active: np.ndarray | None, rng: np.random.Generator,
           *, rate: float = 0.0, scale: float = 0.2, tries: int = TRIES) -> np.ndarray:
    """Rows near `x` ((D,) or (m, D)) with one or a few active coordinates changed.

    active: which coordinates are active in each row (None: those that are not NaN).
    rate: the probability that each other active coordinate changes too.
    scale: the standard deviation of a numeric step, as a fraction of the range.
    """
    X, single = _rows(space, x)
    m, D = X.shape
    if m == 0 or D == 0:
        return X[0] if single else X
    A = ~np.isnan(X) if active is None else np.atleast_2d(np.asarray(active, dtype=bool))
    A = A & ~np.isnan(X)
    dims = space.coords.dimensions
    base = np.repeat(X, tries, axis=0)
    C = _filled(dims, base, rng)
    # one active coordinate per candidate, plus each other active one with probability rate
    Ab = np.repeat(A, tries, axis=0)
    keys = np.where(Ab, rng.random(Ab.shape), -1.0)
    chosen = np.zeros_like(Ab)
    has = Ab.any(axis=1)
    chosen[np.flatnonzero(has), keys[has].argmax(axis=1)] = True
    if rate > 0:
        chosen |= Ab & (rng.random(Ab.shape) < rate)
    for d, dim in enumerate(dims):
        rows = np.flatnonzero(chosen[:, d])
        if rows.size:
            C[rows, d] = _step(dim, base[rows, d], scale, rng)
    batch = space.coords.run(C)
    parent = space.coords.run(_filled(dims, X, rng)).X if m else X
    changed = ~_same(batch.X, np.repeat(parent, tries, axis=0))
    good = batch.feasible & changed
    out = _first(batch.X, good, m, tries)
    missing = ~good.reshape(m, tries).any(axis=1)
    if missing.any():
        fresh, rows = space.coords.sample(rng, int(missing.sum()))
        out[missing] = fresh.X[rows]
    return out[0] if single else out


def crossover(space: Space, parent_a: np.ndarray, parent_b: np.ndarray, rng: np.random.Generator,
              *, by: Literal["group", "coordinate"] = "group", tries: int = TRIES) -> np.ndarray:
    """Children of two parents ((D,) or (m, D) each): each activation group (or each
    coordinate) from either parent with equal chance; see the module docstring."""
    A, single = _rows(space, parent_a)
    B, _ = _rows(space, parent_b)
    if A.shape != B.shape:
        raise ValueError(f"parents of different shapes: {A.shape} and {B.shape}")
    m, D = A.shape
    if m == 0 or D == 0:
        return A[0] if single else A
    dims = space.coords.dimensions
    groups = (space.coords.activation_groups() if by == "group"
              else [[d] for d in range(D)])
    Ar, Br = np.repeat(A, tries, axis=0), np.repeat(B, tries, axis=0)
    pick_b = np.zeros(Ar.shape, dtype=bool)
    for group in groups:
        pick_b[:, group] = (rng.random(len(Ar)) < 0.5)[:, None]
    first, second = np.where(pick_b, Br, Ar), np.where(pick_b, Ar, Br)
    C = np.where(np.isnan(first), second, first)
    C = _filled(dims, C, rng)
    batch = space.coords.run(C)
    ok = batch.feasible
    out = _first(batch.X, ok, m, tries)
    missing = ~ok.reshape(m, tries).any(axis=1)
    if missing.any():
        rows = np.flatnonzero(missing)
        take_b = rng.random(len(rows)) < 0.5
        copies = np.where(take_b[:, None], B[rows], A[rows])
        parents = space.coords.run(_filled(dims, copies, rng))
        out[rows] = parents.X
        bad = rows[~parents.feasible]
        if bad.size:
            fresh, idx = space.coords.sample(rng, len(bad))
            out[bad] = fresh.X[idx]
    return out[0] if single else out


def _rows(space: Space, x: np.ndarray) -> tuple[np.ndarray, bool]:
    X = np.asarray(x, dtype=np.float64)
    single = X.ndim == 1
    X = np.atleast_2d(X).copy()
    D = len(space.coords.dimensions)
    if X.shape[1] != D:
        raise ValueError(f"rows of {X.shape[1]} coordinates for a space of {D}")
    return X, single


def _filled(dims: tuple[Dimension, ...], X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """X with every NaN (inactive) coordinate drawn from its prior, so that a parameter
    that becomes active gets a fresh value."""
    out = X.copy()
    for d, dim in enumerate(dims):
        holes = np.flatnonzero(np.isnan(out[:, d]))
        if holes.size:
            out[holes, d] = sample_prior(dim, rng, holes.size)
    return out


def _step(dim: Dimension, old: np.ndarray, scale: float, rng: np.random.Generator
          ) -> np.ndarray:
    """New coordinates for `dim`, each different from `old` where the domain allows."""
    n = len(old)
    if dim.kind == "categorical":
        k = len(dim.options)
        if k < 2:
            return old
        # another option, drawn by the prior's weights (Gumbel-max with the old one left out)
        weights = np.asarray(dim.weights if dim.weights else [1.0] * k, dtype=np.float64)
        with np.errstate(divide="ignore"):
            keys = np.log(weights)[None, :] + rng.gumbel(size=(n, k))
        keys[np.arange(n), old.astype(np.int64)] = -np.inf
        result: np.ndarray = keys.argmax(axis=1).astype(np.float64)
        return result
    if dim.prior == "normal" or not (np.isfinite(dim.low) and np.isfinite(dim.high)):
        width = dim.sigma
    else:
        width = dim.high - dim.low
    delta = rng.normal(0.0, scale * width, n)
    if dim.kind == "int":
        delta = np.where(delta >= 0, np.maximum(np.round(delta), 1.0),
                         np.minimum(np.round(delta), -1.0))
    new = old + delta
    if np.isfinite(dim.low) and np.isfinite(dim.high):
        new = _reflect(new, dim.low, dim.high)
    return new


def _reflect(v: np.ndarray, low: float, high: float) -> np.ndarray:
    """v folded back into [low, high] at the bounds (a step past a bound bounces)."""
    span = high - low
    if span <= 0:
        return np.full_like(v, low)
    t = np.mod(v - low, 2 * span)
    return low + np.where(t > span, 2 * span - t, t)


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n,) whether rows are equal, NaN equal to NaN."""
    result: np.ndarray = ((a == b) | (np.isnan(a) & np.isnan(b))).all(axis=1)
    return result


def _first(X: np.ndarray, ok: np.ndarray, m: int, tries: int) -> np.ndarray:
    """For each of m groups of `tries` rows, the first row where ok (NaN rows if none)."""
    okr = ok.reshape(m, tries)
    first = okr.argmax(axis=1)
    out: np.ndarray = X.reshape(m, tries, -1)[np.arange(m), first].copy()
    out[~okr.any(axis=1)] = np.nan
    return out


__all__ = ["crossover", "mutate"]
