"""Search: algorithms (`rand`, `anneal`, `grid`, `tpe`) and the loop that runs them
(`fmin`, `Study`, `Trials`). Every algorithm has the signature of `_base.Suggest`."""

from __future__ import annotations

import importlib
from types import ModuleType

from ..errors import AllTrialsFailed, SearchExhausted
from . import anneal, early_stop, grid, rand
from ._base import History, Suggest, TrialState
from ._fmin import fmin
from ._study import Study
from ._trials import STATUS_FAIL, STATUS_OK, InMemoryStorage, Trial, Trials, TrialStorage


def __getattr__(name: str) -> ModuleType:
    # TPE is imported on first use: it is the heaviest algorithm.
    if name == "tpe":
        return importlib.import_module(".tpe", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "STATUS_FAIL", "STATUS_OK", "AllTrialsFailed", "History", "InMemoryStorage",
    "SearchExhausted", "Study", "Suggest", "Trial", "TrialState", "TrialStorage", "Trials",
    "anneal", "early_stop", "fmin", "grid", "rand", "tpe",
]
