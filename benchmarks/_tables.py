"""Tables the benchmark scripts share."""

from __future__ import annotations

import numpy as np
from scipy import stats

RANK_ROW = "mean rank (1 = best)"


def print_medians(problems: list[str], names: list[str],
                  best: dict[tuple[str, str], list[float]]) -> int:
    """Print a Markdown table of each algorithm's median score per problem, and its mean
    rank (ranked per seed, then averaged over seeds and problems); return the width of
    the problem column, for the tables that follow."""
    ranks: dict[str, list[float]] = {a: [] for a in names}
    for p in problems:
        table = np.array([best[p, a] for a in names])  # (algos, seeds)
        for a, r in zip(names, stats.rankdata(table, axis=0).mean(axis=1), strict=True):
            ranks[a].append(float(r))
    width = max(len(p) for p in [*problems, RANK_ROW])
    print(f"| {'problem':<{width}} | " + " | ".join(names) + " |")
    print(f"|{'-' * (width + 2)}|" + "|".join("-" * (len(a) + 2) for a in names) + "|")
    for p in problems:
        cells = [f"{np.median(best[p, a]):.4g}".rjust(len(a)) for a in names]
        print(f"| {p:<{width}} | " + " | ".join(cells) + " |")
    cells = [f"{np.mean(ranks[a]):.2f}".rjust(len(a)) for a in names]
    print(f"| {RANK_ROW:<{width}} | " + " | ".join(cells) + " |")
    return width
