"""NSGA-II (Deb et al., 2002), steady-state, on the space's coordinates.

    >>> import functools, hpdsl
    >>> algo = functools.partial(hpdsl.nsga2.suggest, population_size=24)

The population is the best `population_size` finished trials of the whole history:
sorted into fronts by constrained domination (feasible trials first, then infeasible
ones by their outcome-constraint violation), the last front that fits cut by crowding
distance. Each new trial is a child of two parents, each the winner of a binary
tournament (lower front, then larger crowding distance): a uniform crossover taking
each coordinate from either parent (`_operators.crossover`), then a mutation that
changes one active coordinate and each other one with probability `mutation_rate`
(`_operators.mutate`). Both operators keep every row valid: a parameter the child
takes from a branch neither parent had active is drawn fresh, a choice flipped by
mutation activates its branch with fresh values, and a child that breaks the space's
constraints is drawn again (then replaced by a parent). Until `population_size`
trials have started, trials come from the prior.

The algorithm keeps no state: each suggestion depends only on the history and the
seed, so a resumed study continues where it stopped, and trials running in parallel
(pending) need nothing special; every finished trial joins the competition for the
population as it arrives (asynchronous, steady-state NSGA-II). With one objective it
is a plain elitist genetic algorithm.
"""

from __future__ import annotations

import numpy as np

from ..compile import Space
from . import pareto, rand
from ._base import History
from ._operators import crossover, mutate


def suggest(space: Space, history: History, rng: np.random.Generator, n: int = 1, *,
            population_size: int = 24, crossover_prob: float = 0.9,
            mutation_rate: float = 0.0, scale: float = 0.1) -> np.ndarray:
    """`n` feasible coordinate rows: children of the current population (the prior at
    first). `scale`: a numeric mutation step's standard deviation, as a fraction of
    the coordinate's range."""
    if population_size < 2:
        raise ValueError(f"population_size must be at least 2, not {population_size}")
    if not 0.0 <= crossover_prob <= 1.0 or not 0.0 <= mutation_rate <= 1.0:
        raise ValueError("crossover_prob and mutation_rate must be probabilities in [0, 1]")
    out = np.empty((n, len(space.coords.dimensions)))
    done = np.flatnonzero(history.ok & np.isfinite(history.values).all(axis=1)
                          & ~np.isnan(history.violation))
    if done.size < 2:
        fresh = np.ones(n, dtype=bool)  # too few finished trials to breed: all from the prior
    else:
        fresh = len(history) + np.arange(n) < population_size  # the first population
    if fresh.any():
        out[fresh] = rand.suggest(space, history, rng, int(fresh.sum()))
    k = int(np.count_nonzero(~fresh))
    if k:
        members, rank, crowd = select(history.values[done], history.violation[done],
                                      population_size)
        members = done[members]
        a = members[_tournament(rank, crowd, rng, k)]
        b = members[_tournament(rank, crowd, rng, k)]
        children = history.X[a].copy()
        mate = rng.random(k) < crossover_prob
        if mate.any():
            children[mate] = crossover(space, history.X[a[mate]], history.X[b[mate]], rng,
                                       by="coordinate")
        out[~fresh] = mutate(space, children, None, rng, rate=mutation_rate, scale=scale)
    return out


suggest.multi_objective = True  # type: ignore[attr-defined]


def select(values: np.ndarray, violation: np.ndarray, size: int
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The survivors among finished trials (values (m, k), violation (m,)): indices of at
    most `size` of them, with their front and their crowding distance in that front."""
    rank = pareto.non_dominated_ranks(values, violation)
    crowd = np.zeros(len(rank))
    order = np.argsort(rank, kind="stable")
    last = rank[order[min(size, len(rank)) - 1]]
    for r in range(int(last) + 1):
        front = np.flatnonzero(rank == r)
        crowd[front] = pareto.crowding_distance(values[front])
    # whole fronts before the last that fits, then that front's most isolated points
    keep = np.lexsort((-crowd, rank))[:size]
    return keep, rank[keep], crowd[keep]


def _tournament(rank: np.ndarray, crowd: np.ndarray, rng: np.random.Generator, k: int
                ) -> np.ndarray:
    """k binary tournaments among the population: the lower front wins, then the larger
    crowding distance, then the first drawn."""
    size = len(rank)
    i = rng.integers(size, size=k)
    j = (i + rng.integers(1, size, size=k)) % size  # a different member
    j_wins = (rank[j] < rank[i]) | ((rank[j] == rank[i]) & (crowd[j] > crowd[i]))
    result: np.ndarray = np.where(j_wins, j, i)
    return result


__all__ = ["select", "suggest"]
