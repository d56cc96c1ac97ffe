"""Pareto dominance on minimized objective values: which trials no other one beats."""

from __future__ import annotations

import numpy as np

_CHUNK = 512  # rows compared at once: bounds the (chunk, n, k) comparison's memory


def nondominated(Y: np.ndarray) -> np.ndarray:
    """(n,) bool: the rows of `Y` (n, k), every column minimized, that no other row
    dominates (no worse in every column and better in one). Equal rows are all kept."""
    Y = np.asarray(Y, dtype=np.float64)
    n = len(Y)
    keep = np.ones(n, dtype=bool)
    for start in range(0, n, _CHUNK):
        block = Y[start:start + _CHUNK, None, :]
        no_worse = np.all(Y[None, :, :] <= block, axis=2)
        better = np.any(Y[None, :, :] < block, axis=2)
        keep[start:start + _CHUNK] = ~np.any(no_worse & better, axis=1)
    return keep


__all__ = ["nondominated"]
