"""Random search: independent draws from the declared distributions.

The reference algorithm: it ignores the history, and every row it returns
passes the constraints because `space.coords.sample` only keeps feasible rows.
"""

from __future__ import annotations

import numpy as np

from ..compile import Space
from ._base import History


def suggest(space: Space, history: History, rng: np.random.Generator, n: int = 1) -> np.ndarray:
    """`n` coordinate rows drawn from the prior."""
    batch, rows = space.coords.sample(rng, n)
    result: np.ndarray = batch.X[rows]
    return result


suggest.multi_objective = True  # type: ignore[attr-defined]  # it ignores the losses


__all__ = ["suggest"]
