"""Search: algorithms (`rand`, `anneal`, `grid`, `tpe`) and the loop that runs them
(`fmin`, `Study`, `Trials`). Every algorithm has the signature of `_base.Suggest`.

Names are imported on first use, so that a worker process that only needs
`hpdsl.search._worker` does not load numpy, networkx and lark for nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..errors import AllTrialsFailed, SearchExhausted
    from . import anneal, early_stop, grid, rand, tpe
    from ._base import History, Suggest, TrialState
    from ._fmin import fmin
    from ._study import Study
    from ._trials import (
        STATUS_FAIL,
        STATUS_OK,
        InMemoryStorage,
        Trial,
        Trials,
        TrialStorage,
    )

_WHERE = {
    "AllTrialsFailed": "..errors", "SearchExhausted": "..errors",
    "History": "._base", "Suggest": "._base", "TrialState": "._base",
    "fmin": "._fmin", "Study": "._study",
    "STATUS_FAIL": "._trials", "STATUS_OK": "._trials", "InMemoryStorage": "._trials",
    "Trial": "._trials", "Trials": "._trials", "TrialStorage": "._trials",
}
_MODULES = {"anneal", "early_stop", "grid", "rand", "tpe"}


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        value = importlib.import_module(f".{name}", __name__)
    elif name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


__all__ = [
    "STATUS_FAIL", "STATUS_OK", "AllTrialsFailed", "History", "InMemoryStorage",
    "SearchExhausted", "Study", "Suggest", "Trial", "TrialState", "TrialStorage", "Trials",
    "anneal", "early_stop", "fmin", "grid", "rand", "tpe",
]
