"""Plots of a study's trials (matplotlib, the optional `plot` extra, imported on use).

    trials = hpdsl.Trials("sqlite:///runs/demo.db", study="classifier")
    hpdsl.plot.history(trials)          # loss per trial, best so far, failures, pruned
    hpdsl.plot.intermediate(trials)     # learning curves (reported values), pruned muted
    hpdsl.plot.importance(trials)       # parameter importance (see `parameter_importance`)
    hpdsl.plot.parallel(trials)         # parallel coordinates
    hpdsl.plot.slice(trials)            # loss against each parameter
    hpdsl.plot.pareto(trials)           # several objectives: the Pareto front
    hpdsl.plot.save(trials, "history", "history.png")

`history`, `importance` and `parallel` draw on `ax` (a new figure if None) and return
the axes; `slice` and `pareto` draw several subplots on `fig` and return the figure.
Each takes `space=` to name the space; by default it is the one the study recorded.
With several objectives, `objective=` names the one a plot shows (default: the first);
`save` draws `history` and `importance` with one panel per objective.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ..compile import Space
from ..search import Trials
from ._data import table
from ._history import history
from ._importance import importance, parameter_importance
from ._intermediate import intermediate
from ._parallel import parallel
from ._pareto import pareto, pareto_size
from ._slice import slice, slice_size

KINDS = ("history", "importance", "parallel", "slice", "intermediate")
MULTI_KINDS = ("pareto",)  # the plots of a study with several objectives

_AXES_PLOTS: dict[str, tuple[Callable[..., Any], Callable[[int], tuple[float, float]]]] = {
    "history": (history, lambda n: (8.0, 4.5)),
    "importance": (importance, lambda n: (7.0, 1.5 + 0.35 * n)),
    "parallel": (parallel, lambda n: (max(8.0, 1.1 * (n + 1)), 5.0)),
    "intermediate": (intermediate, lambda n: (8.0, 4.5)),
}


def save(trials: Trials, kind: str, path: str | os.PathLike[str], *,
         space: Space | None = None, dpi: int = 100, objective: str | None = None) -> None:
    """Draw plot `kind` (one of KINDS or MULTI_KINDS) on a figure of its own and write it
    to `path` (the format follows the extension). Uses no pyplot state, so no GUI backend.
    With several objectives and no `objective`, `history` and `importance` draw one
    panel per objective; `parallel` and `slice` show the first."""
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError("hpdsl.plot needs matplotlib: pip install 'hpdsl[plot]'") from err
    if kind not in KINDS + MULTI_KINDS:
        raise ValueError(f"unknown plot kind {kind!r}: use one of "
                         f"{', '.join(KINDS + MULTI_KINDS)}")
    n = len(table(trials, space, objective).columns)
    names = trials.objectives.names
    if kind == "slice":
        fig = Figure(figsize=slice_size(n), layout="constrained")
        slice(trials, fig, space=space, objective=objective)
    elif kind == "pareto":
        fig = Figure(figsize=pareto_size(len(names)), layout="constrained")
        pareto(trials, fig, space=space)
    else:
        draw, size = _AXES_PLOTS[kind]
        panels = names if objective is None and kind in ("history", "importance") else (
            objective,)
        width, height = size(n)
        fig = Figure(figsize=(width, height * len(panels)), layout="constrained")
        for i, name in enumerate(panels):
            chosen = {} if kind == "intermediate" else {
                "objective": name if len(names) > 1 else None}
            draw(trials, fig.add_subplot(len(panels), 1, i + 1), space=space, **chosen)
    fig.savefig(path, dpi=dpi)


__all__ = ["KINDS", "MULTI_KINDS", "history", "importance", "intermediate", "parallel",
           "parameter_importance", "pareto", "save", "slice"]
