"""Slice plots: the loss against each parameter, one subplot per parameter."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..compile import Space
from ..search import Trials
from ._data import table
from ._mpl import pyplot

COLUMNS = 4


def slice_size(n: int) -> tuple[float, float]:
    """The figure size, in inches, that fits `n` subplots."""
    cols = max(1, min(COLUMNS, n))
    return 3.2 * cols, 2.8 * max(1, math.ceil(n / cols))


def slice(trials: Trials, fig: Any = None, *, space: Space | None = None,
          objective: str | None = None) -> Any:
    """One subplot per parameter: the loss of each OK trial where it is active against its
    value, coloured by trial number. Log parameters on a log axis;
    categorical ones at their options, jittered. Draws on `fig` (a new pyplot figure if
    None) and returns it. With several objectives, `objective` names the one drawn
    (default: the first)."""
    data = table(trials, space, objective)
    n = len(data.columns)
    if fig is None:
        fig = pyplot().figure(figsize=slice_size(n), layout="constrained")
    cols = max(1, min(COLUMNS, n))
    ok = data.ok
    rng = np.random.default_rng(0)
    points = None
    for i, c in enumerate(data.columns):
        ax = fig.add_subplot(math.ceil(n / cols), cols, i + 1)
        shown = ok & c.active
        x = c.values[shown]
        if c.categorical:
            x = x + rng.uniform(-0.15, 0.15, x.size)
            ax.set_xticks(range(len(c.options)), [c.label(k) for k in range(len(c.options))],
                          rotation=30 if len(c.options) > 3 else 0)
            ax.set_xlim(-0.5, len(c.options) - 0.5)
        elif c.log:
            ax.set_xscale("log")
        points = ax.scatter(x, data.losses[shown], c=data.numbers[shown], cmap="viridis",
                            vmin=0, vmax=max(1, int(data.numbers.max(initial=1))), s=14,
                            edgecolors="none")
        ax.set_title(f"{c.name} ({int(shown.sum())})", fontsize=9)
        ax.tick_params(labelsize=7)
        if i % cols == 0:
            ax.set_ylabel(data.label)
        ax.grid(alpha=0.3)
    if points is not None:
        fig.colorbar(points, ax=fig.axes, label="trial", shrink=0.8)
    what = data.label if data.objectives.multi else "Loss"
    fig.suptitle(f"{what} against each parameter ({int(ok.sum())} trials with a loss)")
    return fig
