"""Which coordinates CMA-ES searches, and its unit box over them.

CMA-ES has one step size for all its coordinates, so each searched coordinate is
mapped affinely onto a common scale: a bounded range (a log parameter's range in
log units, an integer's range, a dependent bound's fraction) onto [0, 1], a normal
prior onto N(0.5, 0.25^2), unbounded. It searches the float and integer
coordinates that are always active: declared under no condition and reading no
conditional parameter. Everything else (choices, conditional parameters, an
integer with one value) is left to the fallback.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ...compile import Dimension, Space


@dataclass(frozen=True)
class Layout:
    """dims: the searched coordinates' indices; others: the rest. A searched coordinate
    x is u = (x - offset) / scale in CMA-ES's box (bounds (k, 2), infinite for normal
    priors); steps: 1 / scale for integers (the grid CMA-ES with margin keeps), else 0."""

    dims: np.ndarray
    others: np.ndarray
    offset: np.ndarray
    scale: np.ndarray
    bounds: np.ndarray
    steps: np.ndarray
    integer: np.ndarray

    def to_unit(self, X: np.ndarray) -> np.ndarray:
        """Rows of full coordinates to CMA-ES's box (NaN stays NaN)."""
        result: np.ndarray = (X[:, self.dims] - self.offset) / self.scale
        return result

    def from_unit(self, U: np.ndarray) -> np.ndarray:
        """Rows in CMA-ES's box to the searched coordinates (integers rounded)."""
        X = self.offset + U * self.scale
        lo, hi = self.offset, self.offset + self.scale
        rounded = np.clip(np.round(X), lo, hi)
        result: np.ndarray = np.where(self.integer, rounded, X)
        return result


def layout_for(space: Space) -> Layout:
    dimensions = space.coords.dimensions
    always = _always_active(space)
    dims: list[int] = []
    others: list[int] = []
    for d, dim in enumerate(dimensions):
        searchable = dim.kind == "float" or (dim.kind == "int" and dim.high > dim.low)
        (dims if searchable and dim.key in always else others).append(d)
    shape = [_unit(dimensions[d]) for d in dims]
    offset = np.array([o for o, _, _ in shape], dtype=float)
    scale = np.array([s for _, s, _ in shape], dtype=float)
    bounded = np.array([b for _, _, b in shape], dtype=np.bool_)
    integer = np.array([dimensions[d].kind == "int" for d in dims], dtype=np.bool_)
    bounds = np.column_stack([np.where(bounded, 0.0, -math.inf),
                              np.where(bounded, 1.0, math.inf)]) if dims else np.empty((0, 2))
    steps = np.where(integer, 1.0 / scale, 0.0) if dims else np.empty(0)
    return Layout(np.array(dims, dtype=np.int64), np.array(others, dtype=np.int64), offset,
                  scale, bounds, steps, integer)


def _unit(dim: Dimension) -> tuple[float, float, bool]:
    """(offset, scale, bounded) of one coordinate."""
    if dim.prior == "normal":
        return dim.mu - 2.0 * dim.sigma, 4.0 * dim.sigma, False
    return dim.low, dim.high - dim.low, True


def _always_active(space: Space) -> set[str]:
    """Keys of the declarations that are active in every configuration: no condition, and
    (through what their bounds or values read) no conditional declaration upstream."""
    decls = space.coords.analysis.decls
    by_name = {d.name: d for d in decls} | {d.key: d for d in decls}
    memo: dict[str, bool] = {}

    def always(key: str) -> bool:
        if key not in memo:
            memo[key] = False  # a cycle cannot happen; this only guards the recursion
            decl = by_name[key]
            memo[key] = not decl.conditions and all(
                name in by_name and always(by_name[name].key) for name in decl.reads())
        return memo[key]

    return {d.key for d in decls if always(d.key)}
