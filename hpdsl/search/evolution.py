"""Regularized (aging) evolution (Real et al., 2019, "Regularized evolution for image
classifier architecture search").

    >>> import functools, hpdsl
    >>> algo = functools.partial(hpdsl.evolution.suggest, population_size=30, sample_size=6)

The population is the `population_size` most recent trials that finished with a
loss (trial order): a new trial is a mutation of the best of `sample_size`
members drawn at random (a tournament), and the oldest member leaves as it
arrives, so that a lucky old trial cannot hold the population for ever. Until
`population_size` trials have started, trials are drawn from the prior.

Mutations (`_operators.mutate`) change one active coordinate (and each other one
with probability `rate`): flipping a choice activates its branch with fresh
values, changing a loop's length adds fresh items, constraints hold by retrying.

The algorithm keeps no state: the next trial depends only on the history and the
seed, so a resumed study continues as if it had never stopped, and pending trials
(workers running in parallel) need nothing special: each new trial mutates a
winner of the finished ones (asynchronous by design, as in the paper).
"""

from __future__ import annotations

import numpy as np

from ..compile import Space
from . import rand
from ._base import History
from ._operators import mutate


def suggest(space: Space, history: History, rng: np.random.Generator, n: int = 1, *,
            population_size: int = 32, sample_size: int = 8, rate: float = 0.0,
            scale: float = 0.2) -> np.ndarray:
    """`n` feasible coordinate rows: mutants of tournament winners (the prior at first)."""
    if population_size < 1 or sample_size < 1:
        raise ValueError(f"population_size and sample_size must be at least 1, not "
                         f"{population_size} and {sample_size}")
    D = len(space.coords.dimensions)
    out = np.empty((n, D))
    members = np.flatnonzero(history.ok & np.isfinite(history.losses))[-population_size:]
    # the first population_size trials, and every trial until one has a loss, are drawn
    fresh = (len(history) + np.arange(n) < population_size) | (members.size == 0)
    if fresh.any():
        out[fresh] = rand.suggest(space, history, rng, int(fresh.sum()))
    evolved = ~fresh
    k = int(evolved.sum())
    if k:
        size = min(sample_size, members.size)
        winners = np.empty(k, dtype=np.int64)
        for j in range(k):
            contestants = rng.choice(members, size, replace=False)
            winners[j] = contestants[np.argmin(history.losses[contestants])]
        out[evolved] = mutate(space, history.X[winners], history.active[winners], rng,
                              rate=rate, scale=scale)
    return out


__all__ = ["suggest"]
