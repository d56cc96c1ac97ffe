"""Learning curves: the values each trial reported, by step; pruned trials muted."""

from __future__ import annotations

from typing import Any

from ..compile import Space
from ..search import Trials, TrialState
from ._mpl import new_axes


def intermediate(trials: Trials, ax: Any = None, *, space: Space | None = None) -> Any:
    """Draw every trial's intermediate values against the step: trials that finished in
    colour (from dark for the first to light for the last), the best one thick in orange,
    pruned ones in light grey ending in an x where they stopped, failed, interrupted or
    running ones dotted red. ValueError if no trial reported a value. Returns the axes.
    (`space` is accepted as by the other plots; curves need none.)"""
    from matplotlib import colormaps

    curves = [t for t in trials if t.intermediate]
    if not curves:
        raise ValueError("no trial reported intermediate values (trial.report(value, step))")
    ax = new_axes(ax, (8, 4.5))
    pruned = [t for t in curves if t.state == TrialState.PRUNED]
    finished = [t for t in curves if t.state == TrialState.OK]
    unfinished = [t for t in curves if t.state not in (TrialState.OK, TrialState.PRUNED)]
    for i, t in enumerate(pruned):
        steps, values = list(t.intermediate), list(t.intermediate.values())
        ax.plot(steps, values, color="0.75", linewidth=0.9, zorder=1,
                label=f"pruned ({len(pruned)})" if i == 0 else None)
        ax.scatter(steps[-1:], values[-1:], marker="x", s=14, color="0.6", zorder=1)
    for i, t in enumerate(unfinished):
        ax.plot(list(t.intermediate), list(t.intermediate.values()), color="tab:red",
                linestyle=":", linewidth=1.0, zorder=1,
                label=f"failed or running ({len(unfinished)})" if i == 0 else None)
    colours = colormaps["viridis"]
    best = min(finished, key=lambda t: float(t.loss if t.loss is not None else "inf"),
               default=None)
    for i, t in enumerate(finished):
        shade = colours(0.15 + 0.7 * i / max(1, len(finished) - 1))
        ax.plot(list(t.intermediate), list(t.intermediate.values()), color=shade,
                linewidth=1.2, alpha=0.85, zorder=2,
                label=f"finished ({len(finished)})" if i == 0 else None)
    if best is not None:
        ax.plot(list(best.intermediate), list(best.intermediate.values()), color="tab:orange",
                linewidth=2.5, zorder=3, label=f"best (trial {best.number})")
    ax.set_xlabel("step")
    ax.set_ylabel("intermediate value")
    ax.set_title(f"Learning curves ({len(curves)} trials, {len(pruned)} pruned)")
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    return ax


__all__ = ["intermediate"]
