"""The Pareto front of a study with several objectives: a scatter of the trials in
objective space, the front highlighted; a pairs plot for three objectives or more."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..compile import Space
from ..search import Trials
from ._data import Table, table
from ._mpl import pyplot


def pareto_size(k: int) -> tuple[float, float]:
    """The figure size, in inches, for `k` objectives."""
    return (7.0, 5.5) if k <= 2 else (2.8 * k, 2.6 * k)


def pareto(trials: Trials, fig: Any = None, *, space: Space | None = None) -> Any:
    """Each OK trial as a point in objective space: feasible ones in blue, the Pareto
    front in orange (joined by its staircase for two objectives), trials that break an
    outcome constraint as grey crosses. Two objectives: one panel; k > 2: a k x k pairs
    plot (each pair of objectives; the diagonal names them). Axes show the values as
    returned; `(max)` marks a maximized objective. Draws on `fig` (a new pyplot figure
    if None) and returns it. ValueError for a study with one objective."""
    data = table(trials, space)
    k = data.objectives.k
    if k < 2:
        raise ValueError("a Pareto front needs at least 2 objectives; this study has 1 "
                         "(see the history plot)")
    if fig is None:
        fig = pyplot().figure(figsize=pareto_size(k), layout="constrained")
    on_front = _front(trials, data)
    if k == 2:
        _panel(fig.add_subplot(), data, on_front, 0, 1, legend=True)
    else:
        for i in range(k):
            for j in range(k):
                ax = fig.add_subplot(k, k, i * k + j + 1)
                if i == j:
                    ax.text(0.5, 0.5, _label(data, i), ha="center", va="center",
                            transform=ax.transAxes, fontsize=10)
                    ax.set_xticks([])
                    ax.set_yticks([])
                else:
                    _panel(ax, data, on_front, j, i, legend=(i, j) == (0, 1))
    n_ok, n_front = int(data.ok.sum()), int(on_front.sum())
    fig.suptitle(f"Pareto front: {n_front} of {n_ok} trials with values")
    return fig


def _front(trials: Trials, data: Table) -> np.ndarray:
    numbers = {t.number for t in trials.pareto_front()}
    return np.array([n in numbers for n in data.numbers], dtype=bool)


def _label(data: Table, i: int) -> str:
    name = data.objectives.names[i]
    return f"{name} (max)" if data.objectives.directions[i] == "maximize" else name


def _panel(ax: Any, data: Table, on_front: np.ndarray, x: int, y: int, legend: bool) -> None:
    ok = data.ok
    feasible = ok & data.feasible & ~on_front
    infeasible = ok & ~data.feasible
    V = data.values
    ax.scatter(V[feasible, x], V[feasible, y], s=16, color="tab:blue", alpha=0.5,
               label=f"trials ({int(feasible.sum())})")
    if infeasible.any():
        ax.scatter(V[infeasible, x], V[infeasible, y], s=22, color="tab:gray", marker="x",
                   alpha=0.8, label=f"infeasible ({int(infeasible.sum())})")
    ax.scatter(V[on_front, x], V[on_front, y], s=30, color="tab:orange", edgecolors="black",
               linewidths=0.5, zorder=3, label=f"Pareto front ({int(on_front.sum())})")
    if data.objectives.k == 2 and on_front.any():
        order = np.argsort(V[on_front, x])
        ax.step(V[on_front, x][order], V[on_front, y][order], where="post",
                color="tab:orange", linewidth=1.2, zorder=2)
    ax.set_xlabel(_label(data, x))
    ax.set_ylabel(_label(data, y))
    ax.grid(alpha=0.3)
    if legend:
        ax.legend(loc="best", fontsize=8)
