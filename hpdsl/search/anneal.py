"""Simulated annealing: perturb one of the best trials, less and less as trials accumulate.

Each new point starts from a good finished trial (the k-th best, with k drawn
from a geometric distribution of mean `avg_best_idx`) and moves every
coordinate within a neighbourhood that shrinks as `1 / (1 + T * shrink_coef)`,
T being how many finished trials had that coordinate active:

- bounded floats and ints: uniform in a window of that fraction of the range,
  kept inside the bounds;
- normal priors: a normal step of that fraction of the prior's sigma;
- choices: the old option, or with that probability a draw from the prior;
- coordinates the starting trial did not have (inactive there): the prior.

Constraints are respected by drawing several candidates per point and keeping
the first feasible one; a point with none falls back to the prior.
"""

from __future__ import annotations

import math

import numpy as np

from ..compile import Dimension, Space, sample_prior
from . import rand
from ._base import History

CANDIDATES = 16


def suggest(space: Space, history: History, rng: np.random.Generator, n: int = 1, *,
            avg_best_idx: float = 2.0, shrink_coef: float = 0.1) -> np.ndarray:
    """`n` feasible coordinate rows near the best trials (the prior while none is OK)."""
    ok = np.flatnonzero(history.ok)
    if len(ok) == 0 or n == 0:
        return rand.suggest(space, history, rng, n)
    ranked = ok[np.argsort(history.losses[ok], kind="stable")]
    finished = ~history.pending
    seen = (history.active & finished[:, None]).sum(axis=0)
    shrink = 1.0 / (1.0 + seen * shrink_coef)

    m = n * CANDIDATES
    pick = np.minimum(rng.geometric(1.0 / max(avg_best_idx, 1.0), m) - 1, len(ranked) - 1)
    base = history.X[ranked[pick]]
    C = np.empty_like(base)
    for d, dim in enumerate(space.coords.dimensions):
        prior = sample_prior(dim, rng, m)
        moved = _perturb(dim, base[:, d], float(shrink[d]), prior, rng)
        C[:, d] = np.where(np.isnan(base[:, d]), prior, moved)

    feasible = space.coords.run(C).feasible.reshape(n, CANDIDATES)
    first = feasible.argmax(axis=1)
    out: np.ndarray = C.reshape(n, CANDIDATES, -1)[np.arange(n), first]
    missing = ~feasible.any(axis=1)
    if missing.any():
        out[missing] = rand.suggest(space, history, rng, int(missing.sum()))
    return out


def _perturb(dim: Dimension, old: np.ndarray, shrink: float, prior: np.ndarray,
             rng: np.random.Generator) -> np.ndarray:
    """New coordinates near `old` (NaN rows are replaced by the caller)."""
    m = len(old)
    if dim.kind == "categorical":
        return np.where(rng.random(m) < shrink, prior, old)
    if not (math.isfinite(dim.low) and math.isfinite(dim.high)):
        return old + rng.normal(0.0, shrink * dim.sigma, m)
    span = dim.high - dim.low
    width = shrink * span
    if dim.kind == "int":
        width = min(max(width, 2.0), span)
    start = np.clip(old - width / 2, dim.low, dim.high - width)
    new = start + rng.random(m) * width
    if dim.kind == "int":
        new = np.clip(np.round(new), dim.low, dim.high)
    return new


__all__ = ["suggest"]
