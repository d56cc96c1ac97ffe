"""Plots of a study's trials (matplotlib, the optional `plot` extra, imported on use).

    trials = hpdsl.Trials("sqlite:///runs/demo.db", study="classifier")
    hpdsl.plot.history(trials)          # loss per trial, best so far, failures, pruned
    hpdsl.plot.intermediate(trials)     # learning curves (reported values), pruned muted
    hpdsl.plot.importance(trials)       # parameter importance (see `parameter_importance`)
    hpdsl.plot.parallel(trials)         # parallel coordinates
    hpdsl.plot.slice(trials)            # loss against each parameter
    hpdsl.plot.save(trials, "history", "history.png")

`history`, `importance` and `parallel` draw on `ax` (a new figure if None) and return
the axes; `slice` draws several subplots on `fig` and returns the figure. Each takes
`space=` to name the space; by default it is the one the study recorded.
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
from ._slice import slice, slice_size

KINDS = ("history", "importance", "parallel", "slice", "intermediate")

_AXES_PLOTS: dict[str, tuple[Callable[..., Any], Callable[[int], tuple[float, float]]]] = {
    "history": (history, lambda n: (8.0, 4.5)),
    "importance": (importance, lambda n: (7.0, 1.5 + 0.35 * n)),
    "parallel": (parallel, lambda n: (max(8.0, 1.1 * (n + 1)), 5.0)),
    "intermediate": (intermediate, lambda n: (8.0, 4.5)),
}


def save(trials: Trials, kind: str, path: str | os.PathLike[str], *,
         space: Space | None = None, dpi: int = 100) -> None:
    """Draw plot `kind` (one of KINDS) on a figure of its own and write it to `path`
    (the format follows the extension). Uses no pyplot state, so no GUI backend."""
    try:
        from matplotlib.figure import Figure
    except ImportError as err:
        raise ImportError("hpdsl.plot needs matplotlib: pip install 'hpdsl[plot]'") from err
    if kind not in KINDS:
        raise ValueError(f"unknown plot kind {kind!r}: use one of {', '.join(KINDS)}")
    n = len(table(trials, space).columns)
    if kind == "slice":
        fig = Figure(figsize=slice_size(n), layout="constrained")
        slice(trials, fig, space=space)
    else:
        draw, size = _AXES_PLOTS[kind]
        fig = Figure(figsize=size(n), layout="constrained")
        draw(trials, fig.add_subplot(), space=space)
    fig.savefig(path, dpi=dpi)


__all__ = ["KINDS", "history", "importance", "intermediate", "parallel",
           "parameter_importance", "save", "slice"]
