"""matplotlib, imported only when a plot is drawn (it is the optional `plot` extra)."""

from __future__ import annotations

from types import ModuleType
from typing import Any


def pyplot() -> ModuleType:
    """`matplotlib.pyplot`, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as err:
        raise ImportError("hpdsl.plot needs matplotlib: pip install 'hpdsl[plot]'") from err
    return plt


def new_axes(ax: Any, size: tuple[float, float]) -> Any:
    """`ax` itself, or the axes of a new pyplot figure of `size` inches."""
    if ax is not None:
        return ax
    _, ax = pyplot().subplots(figsize=size, layout="constrained")
    return ax
