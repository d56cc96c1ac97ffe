"""The optimization history: the loss of each trial and the best loss so far."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..compile import Space
from ..search import Trials, TrialState
from ._data import table
from ._mpl import new_axes


def history(trials: Trials, ax: Any = None, *, space: Space | None = None) -> Any:
    """Plot the loss of each finished trial against its number, with the best loss so far
    as a step line (over finished trials only); pruned trials as hollow grey circles at
    the last value they reported (from an earlier step, so not comparable with a final
    loss); failed trials as a red x along the top. Returns the axes."""
    data = table(trials, space)
    ax = new_axes(ax, (8, 4.5))
    ok = data.ok
    ax.scatter(data.numbers[ok], data.losses[ok], s=18, color="tab:blue", alpha=0.7,
               label="loss")
    if ok.any():
        best = np.fmin.accumulate(np.where(ok, data.losses, np.inf))
        shown = np.isfinite(best)
        ax.step(data.numbers[shown], best[shown], where="post", color="tab:orange",
                linewidth=2, label="best so far")
    pruned = np.array([s == TrialState.PRUNED for s in data.states], dtype=bool)
    stopped = pruned & ~np.isnan(data.pruned_values)
    if pruned.any():
        ax.scatter(data.numbers[stopped], data.pruned_values[stopped], s=18,
                   facecolors="none", edgecolors="0.55",
                   label=f"pruned ({pruned.sum()}): last value")
    failed = ~ok & ~pruned
    if failed.any():
        # Failed trials have no loss: mark them at the top, in axes coordinates.
        ax.scatter(data.numbers[failed], np.full(failed.sum(), 0.97), marker="x",
                   color="tab:red", transform=ax.get_xaxis_transform(), clip_on=False,
                   label=f"failed ({failed.sum()})")
    ax.set_xlabel("trial")
    ax.set_ylabel("loss")
    ax.set_title(f"Optimization history ({len(data.numbers)} trials)")
    ax.grid(alpha=0.3)
    if len(data.numbers):
        ax.legend(loc="best")
    return ax
