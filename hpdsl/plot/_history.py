"""The optimization history: each objective's value per trial and the best so far."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..compile import Space
from ..search import Trials, TrialState
from ._data import table
from ._mpl import new_axes


def history(trials: Trials, ax: Any = None, *, space: Space | None = None,
            objective: str | None = None) -> Any:
    """Plot the loss of each finished trial against its number, with the best loss so far
    (the highest, when maximized) as a step line (over finished trials only); pruned
    trials as hollow grey circles at the last value they reported (from an earlier step,
    so not comparable with a final loss); failed trials as a red x along the top, trials
    that break an outcome constraint as grey crosses. With several objectives,
    `objective` names the one drawn (default: the first; `save` draws one panel each).
    Returns the axes."""
    data = table(trials, space, objective)
    ax = new_axes(ax, (8, 4.5))
    ok = data.ok
    feasible = ok & data.feasible
    infeasible = ok & ~data.feasible
    ax.scatter(data.numbers[feasible], data.losses[feasible], s=18, color="tab:blue",
               alpha=0.7, label=data.label)
    if infeasible.any():
        ax.scatter(data.numbers[infeasible], data.losses[infeasible], s=18, color="tab:gray",
                   marker="x", alpha=0.7, label=f"infeasible ({infeasible.sum()})")
    if feasible.any():
        sign = -1.0 if data.maximized else 1.0
        best = sign * np.fmin.accumulate(np.where(feasible, sign * data.losses, np.inf))
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
    ax.set_ylabel(data.label)
    what = "" if not data.objectives.multi else f": {data.label}"
    ax.set_title(f"Optimization history{what} ({len(data.numbers)} trials)")
    ax.grid(alpha=0.3)
    if len(data.numbers):
        ax.legend(loc="best")
    return ax
