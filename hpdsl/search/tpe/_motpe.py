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
from ._settings import Settings


def applies(history: History) -> bool:
    """Whether TPE needs this split: several objectives, or an infeasible trial."""
    if history.values.shape[1] > 1:
        return True
    violation = history.violation[history.states == TrialState.OK]
    return bool((violation > 0).any())


def split(history: History, on: np.ndarray, settings: Settings) -> np.ndarray:
    """(m, G) mask of the good trials of each group (`on`: (m, G), where each group is
    active); every other trial is bad."""
    done = (history.ok & np.isfinite(history.values).all(axis=1)
            & ~np.isnan(history.violation))
    usable = on & done[:, None]
    good: np.ndarray = np.zeros_like(usable)
    # groups active in the same trials (a branch's groups) share one split
    columns: dict[bytes, list[int]] = {}
    for g, key in enumerate(np.packbits(usable, axis=0).T):
        columns.setdefault(key.tobytes(), []).append(g)
    for groups in columns.values():
        rows = np.flatnonzero(usable[:, groups[0]])
        n_good = settings.n_good(rows.size)
        if n_good == 0:
            continue
        best = rows[best_trials(history.values[rows], history.violation[rows], n_good)]
        good[np.ix_(best, groups)] = True
    return good


def best_trials(values: np.ndarray, violation: np.ndarray, count: int) -> np.ndarray:
    """Indices of the `count` best rows: whole non-dominated fronts of the feasible rows,
    then the points of the next front that add the most hypervolume; if fewer than
    `count` rows are feasible, the infeasible ones with the smallest violations."""
    feasible = np.flatnonzero(violation <= 0.0)
    if feasible.size < count:
        infeasible = np.flatnonzero(violation > 0.0)
        worse = infeasible[np.argsort(violation[infeasible], kind="stable")]
        result: np.ndarray = np.concatenate([feasible, worse[:count - feasible.size]])
        return result
    # peel fronts off until one does not fit whole (few: `count` is small)
    taken: list[np.ndarray] = []
    left, n_taken = feasible, 0
    while True:
        on_front = pareto.non_dominated(values[left])
        front, left = left[on_front], left[~on_front]
        if n_taken + front.size >= count:
            break
        taken.append(front)
        n_taken += front.size
    need = count - n_taken
    if need < front.size:
        low, high = values[feasible].min(axis=0), values[feasible].max(axis=0)
        reference = high + np.where(high > low, 0.1 * (high - low), 1.0)
        front = front[pareto.greedy_hypervolume_order(values[front], reference, need)]
    result = np.concatenate([*taken, front[:need]])
    return result
