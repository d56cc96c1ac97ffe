"""MOTPE's good/bad split: TPE for several objectives and for outcome constraints.

Multi-objective TPE (Ozaki et al., "Multiobjective tree-structured Parzen estimator",
JAIR 2022) is TPE with another answer to "which trials are good": instead of the
lowest losses, the best trials by non-domination rank, the front that does not fit
whole cut by hypervolume contribution (the greedy hypervolume subset selection that
Optuna also uses). Everything else (densities per group, candidates, the ratio) is
TPE's own, so conditional spaces, per-parameter and multivariate modelling, failed
and pending trials work as for one objective.

Outcome constraints make the split feasibility-first (Optuna's `constraints_func`
for TPE): feasible trials rank before infeasible ones, and infeasible ones rank by
their total violation, so that they are good only while too few trials are feasible.

As in `_sampler._split`, the split is made per activation group among the trials in
which the group was active: a branch's parameters learn from that branch's best
trials. Groups active in the same trials share one computation.
"""

from __future__ import annotations

import numpy as np

from ...storage import TrialState
from .. import pareto
from .._base import History
from ._parzen import SpaceModel
from ._settings import Settings


def applies(history: History) -> bool:
    """Whether TPE needs this split: several objectives, or an infeasible trial."""
    if history.values.shape[1] > 1:
        return True
    violation = history.violation[history.states == TrialState.OK]
    return bool((violation > 0).any())


def split(history: History, model: SpaceModel, settings: Settings) -> np.ndarray:
    """(m, G) mask of the good trials of each group; every other trial is bad."""
    done = (history.ok & np.isfinite(history.values).all(axis=1)
            & ~np.isnan(history.violation))
    usable = model.group_active(history.active) & done[:, None]
    good: np.ndarray = np.zeros_like(usable)
    if not usable.any():
        return good
    columns, inverse = np.unique(usable, axis=1, return_inverse=True)
    for c in range(columns.shape[1]):
        rows = np.flatnonzero(columns[:, c])
        n_good = settings.n_good(rows.size)
        if n_good == 0:
            continue
        best = rows[best_trials(history.values[rows], history.violation[rows], n_good)]
        good[np.ix_(best, np.flatnonzero(inverse.reshape(-1) == c))] = True
    return good


def best_trials(values: np.ndarray, violation: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` best rows: whole fronts (feasible first, see
    `pareto.non_dominated_ranks`), then the points of the next front that add the most
    hypervolume (or, in an infeasible front, the first ones)."""
    ranks = pareto.non_dominated_ranks(values, violation)
    order = np.argsort(ranks, kind="stable")
    boundary = ranks[order[count - 1]]
    taken = order[ranks[order] < boundary]
    front = np.flatnonzero(ranks == boundary)
    need = count - taken.size
    if need < front.size and violation[front[0]] <= 0.0:
        feasible = values[violation <= 0.0]
        low, high = feasible.min(axis=0), feasible.max(axis=0)
        reference = high + np.where(high > low, 0.1 * (high - low), 1.0)
        front = front[pareto.greedy_hypervolume_order(values[front], reference, need)]
    result: np.ndarray = np.concatenate([taken, front[:need]])
    return result
