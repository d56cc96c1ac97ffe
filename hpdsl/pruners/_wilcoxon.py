"""`WilcoxonPruner`: prune on a signed-rank test against the best trial, for objectives
that report one value per cross-validation fold or per problem instance.

The Wilcoxon signed-rank test is written here with numpy (exact distribution for up to
50 differences without ties, the normal approximation otherwise), so pruning needs no
scipy; tests check it against `scipy.stats.wilcoxon`.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigurationError
from ..storage import TrialState
from ._base import BasePruner, PrunerView, ReportedTrial, check_count

EXACT_UP_TO = 50  # differences; scipy's limit for its exact distribution


def signed_rank_pvalue(differences: np.ndarray) -> float:
    """The one-sided p-value of the Wilcoxon signed-rank test that the differences lie
    above 0 (as `scipy.stats.wilcoxon(d, alternative="greater", zero_method="zsplit")`):
    zeros are ranked and split half to each side; exact for at most 50 differences with
    neither zeros nor ties, else the normal approximation with the tie correction."""
    d = np.asarray(differences, dtype=float)
    n = d.size
    if n == 0:
        return 1.0
    magnitude = np.abs(d)
    ranks = _average_ranks(magnitude)
    w = float(ranks[d > 0].sum() + 0.5 * ranks[d == 0].sum())
    _, counts = np.unique(magnitude, return_counts=True)
    if n <= EXACT_UP_TO and not (d == 0).any() and (counts == 1).all():
        return _exact_upper_tail(n, w)
    mean = n * (n + 1) / 4.0
    variance = n * (n + 1) * (2 * n + 1) / 24.0 - float((counts ** 3 - counts).sum()) / 48.0
    if variance <= 0:
        return 1.0
    z = (w - mean) / math.sqrt(variance)
    return 0.5 * math.erfc(z / math.sqrt(2.0))


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties sharing their average rank."""
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    ranks = np.empty(values.size)
    start = 0
    for end in range(1, values.size + 1):
        if end == values.size or ordered[end] != ordered[start]:
            ranks[order[start:end]] = (start + end + 1) / 2.0  # mean of start+1 .. end
            start = end
    return ranks


def _exact_upper_tail(n: int, w: float) -> float:
    """P(W+ >= w) when W+ sums a random subset of the ranks 1..n (each in or out with
    probability 1/2): counts of subsets by their sum, built one rank at a time."""
    top = n * (n + 1) // 2
    counts = np.zeros(top + 1)
    counts[0] = 1.0
    for k in range(1, n + 1):
        counts[k:] = counts[k:] + counts[:-k].copy()
    first = math.ceil(w - 1e-9)
    return float(counts[first:].sum() / 2.0 ** n)


class WilcoxonPruner(BasePruner):
    """Prune a trial whose values are significantly worse than the best trial's at the
    same steps, by a one-sided Wilcoxon signed-rank test (Optuna's `WilcoxonPruner`).

    When to use: the objective reports one value per cross-validation fold or per problem
    instance, `trial.report(loss_on_instance, instance_id)`, and returns their mean; the
    step is then an instance id, not time, and the instances may come in any order. A
    trial is compared with the best finished trial (the one with the lowest mean of its
    reported values) on the instances both reported; it is pruned when the test says it
    is worse with p below `p_threshold`, unless its mean over those instances is still the
    better one (the objective is a mean: a few large wins can outweigh many small losses).

    p_threshold: in (0, 1); lower prunes less and later. n_startup_steps: judge only once
    this many instances are shared with the best trial.
    """

    def __init__(self, p_threshold: float = 0.1, n_startup_steps: int = 2) -> None:
        if isinstance(p_threshold, bool) or not isinstance(p_threshold, int | float) or not (
                0.0 < p_threshold < 1.0):
            raise ConfigurationError(f"p_threshold must be a number in (0, 1), not "
                                     f"{p_threshold!r}")
        check_count("n_startup_steps", n_startup_steps, 1)
        self.p_threshold = float(p_threshold)
        self.n_startup_steps = n_startup_steps

    def prune(self, study: PrunerView, trial: ReportedTrial) -> bool:
        best = _best(study)
        if best is None:
            return False
        common = sorted(set(trial.intermediate) & set(best.intermediate))
        if len(common) < self.n_startup_steps:
            return False
        mine = np.array([trial.intermediate[s] for s in common])
        theirs = np.array([best.intermediate[s] for s in common])
        if mine.mean() <= theirs.mean():
            return False
        return signed_rank_pvalue(mine - theirs) < self.p_threshold


def _best(study: PrunerView) -> ReportedTrial | None:
    """The finished trial with the lowest mean reported value (the lowest number on ties)."""
    finished = [t for t in study.with_state(TrialState.OK) if t.intermediate]
    if not finished:
        return None
    return min(finished, key=lambda t: (float(np.mean(list(t.intermediate.values()))),
                                        t.number))


__all__ = ["WilcoxonPruner", "signed_rank_pvalue"]
