"""Parallel coordinates: one vertical axis per parameter, and the loss; one line per trial."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..compile import Space
from ..search import Trials
from ._data import Column, table
from ._mpl import new_axes


def parallel(trials: Trials, ax: Any = None, *, space: Space | None = None,
             objective: str | None = None) -> Any:
    """Draw each OK trial as a line through its parameter values and its loss (the last
    axis), coloured by loss, the best on top. Categorical parameters sit at their options
    (labelled), log parameters on a log scale; an inactive parameter leaves a gap in the
    line. Failed trials have no loss and are not drawn. With several objectives,
    `objective` names the one on the last axis (default: the first). Returns the axes."""
    from matplotlib import colormaps
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    data = table(trials, space, objective)
    ok = data.ok
    columns = [Column(c.name, c.values[ok], c.options, c.log) for c in data.columns]
    columns.append(Column(data.label, data.losses[ok]))
    ax = new_axes(ax, (max(8.0, 1.1 * len(columns)), 5))
    scaled = np.column_stack([_unit(c) for c in columns]) if ok.any() else np.empty((0, 0))
    losses = data.losses[ok]
    norm = Normalize(float(losses.min()), float(losses.max())) if ok.any() else Normalize()
    cmap = colormaps["viridis" if data.maximized else "viridis_r"]
    # worst first, so that the best lines are drawn last
    for row in np.argsort(losses if data.maximized else -losses):
        ax.plot(range(len(columns)), scaled[row], color=cmap(norm(losses[row])),
                alpha=0.6, linewidth=1)
    for i, c in enumerate(columns):
        ax.axvline(i, color="black", linewidth=0.8)
        for position, text in _ticks(c):
            ax.text(i + 0.03, position, text, fontsize=7, va="center", ha="left")
    ax.set_xticks(range(len(columns)), [c.name for c in columns], rotation=30, ha="right")
    ax.set_yticks([])
    ax.set_xlim(-0.2, len(columns) - 0.5)
    ax.set_ylim(-0.05, 1.05)
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    ax.figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, label=data.label)
    ax.set_title(f"Parallel coordinates ({int(ok.sum())} trials with a loss)")
    return ax


def _unit(c: Column) -> np.ndarray:
    """The column mapped to [0, 1] (options evenly spaced); NaN stays NaN (a gap)."""
    v = np.log10(c.values) if c.log else c.values
    if c.categorical:
        lo, hi = 0.0, float(len(c.options) - 1)
    else:
        active = v[~np.isnan(v)]
        lo, hi = (float(active.min()), float(active.max())) if active.size else (0.0, 1.0)
    return (v - lo) / (hi - lo) if hi > lo else np.where(np.isnan(v), np.nan, 0.5)


def _ticks(c: Column) -> list[tuple[float, str]]:
    """Where to label an axis: every option, or the lowest, middle and highest value."""
    if c.categorical:
        k = len(c.options)
        return [((i / (k - 1)) if k > 1 else 0.5, c.label(i)) for i in range(k)]
    v = c.values[~np.isnan(c.values)]
    if not v.size:
        return []
    lo, hi = float(v.min()), float(v.max())
    if lo == hi:
        return [(0.5, c.label(lo))]
    mid = float(np.sqrt(lo * hi)) if c.log else (lo + hi) / 2
    return [(0.0, c.label(lo)), (0.5, c.label(mid)), (1.0, c.label(hi))]
