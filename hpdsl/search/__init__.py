"""Search: algorithms (`rand`, `anneal`, `grid`, `tpe`) and the loop that runs them
(`fmin`, `Study`, `Trials`). Every algorithm has the signature of `_base.Suggest`.

Names are imported on first use, so that a worker process that only needs
`hpdsl.search._worker` does not load numpy, networkx and lark for nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr

if TYPE_CHECKING:
    from ..errors import AllTrialsFailed, SearchExhausted
    from ..storage import TrialState
    from . import anneal, early_stop, grid, rand, tpe
    from ._base import History, Suggest
    from ._compat import space_eval
    from ._fmin import fmin
    from ._running import RunningTrial
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
    "History": "._base", "Suggest": "._base", "TrialState": "..storage",
    "fmin": "._fmin", "RunningTrial": "._running", "Study": "._study",
    "space_eval": "._compat",
    "STATUS_FAIL": "._trials", "STATUS_OK": "._trials", "InMemoryStorage": "._trials",
    "Trial": "._trials", "Trials": "._trials", "TrialStorage": "._trials",
}
_MODULES = {"anneal", "early_stop", "grid", "rand", "tpe"}


__getattr__ = lazy_getattr(__name__, globals(), _MODULES, _WHERE)


__all__ = [
    "STATUS_FAIL", "STATUS_OK", "AllTrialsFailed", "History", "InMemoryStorage",
    "RunningTrial", "SearchExhausted", "Study", "Suggest", "Trial", "TrialState",
    "TrialStorage", "Trials",
    "anneal", "early_stop", "fmin", "grid", "rand", "space_eval", "tpe",
]
