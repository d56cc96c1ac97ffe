"""Search: algorithms (`rand`, `anneal`, `grid`, `tpe`, `evolution`, `hypergrad`, `nsga2`,
`qmc`, `cmaes`) and the loop that runs them (`fmin`, `Study`, `Trials`); `pareto` scores
fronts of several objectives. Every algorithm has the signature of `_base.Suggest`.

Names are imported on first use, so that a worker process that only needs
`hpdsl.search._worker` does not load numpy, networkx and lark for nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import lazy_getattr

# For type checkers: the names of _WHERE and _MODULES (`as` marks each one exported,
# which strict mypy needs since `__all__` is computed).
if TYPE_CHECKING:
    from ..errors import AllTrialsFailed as AllTrialsFailed
    from ..errors import SearchExhausted as SearchExhausted
    from ..storage import TrialState as TrialState
    from . import anneal as anneal
    from . import cmaes as cmaes
    from . import early_stop as early_stop
    from . import evolution as evolution
    from . import grid as grid
    from . import hypergrad as hypergrad
    from . import nsga2 as nsga2
    from . import pareto as pareto
    from . import qmc as qmc
    from . import rand as rand
    from . import tpe as tpe
    from ._base import History as History
    from ._base import Suggest as Suggest
    from ._base import multi_objective as multi_objective
    from ._compat import space_eval as space_eval
    from ._fmin import fmin as fmin
    from ._gradients import GradientWarning as GradientWarning
    from ._parallel import workers_to_start as workers_to_start
    from ._running import RunningTrial as RunningTrial
    from ._running import takes_trial as takes_trial
    from ._study import Study as Study
    from ._trials import STATUS_FAIL as STATUS_FAIL
    from ._trials import STATUS_OK as STATUS_OK
    from ._trials import InMemoryStorage as InMemoryStorage
    from ._trials import Trial as Trial
    from ._trials import Trials as Trials
    from ._trials import TrialStorage as TrialStorage

# The names of the package and the module that defines each, and its algorithm modules:
# imported on first use. tests/test_architecture.py checks that the TYPE_CHECKING imports
# above agree.
_WHERE = {
    "AllTrialsFailed": "..errors", "SearchExhausted": "..errors",
    "TrialState": "..storage",
    "History": "._base", "Suggest": "._base", "multi_objective": "._base",
    "space_eval": "._compat",
    "fmin": "._fmin",
    "GradientWarning": "._gradients",
    "workers_to_start": "._parallel",
    "RunningTrial": "._running", "takes_trial": "._running",
    "Study": "._study",
    "STATUS_FAIL": "._trials", "STATUS_OK": "._trials", "InMemoryStorage": "._trials",
    "Trial": "._trials", "Trials": "._trials", "TrialStorage": "._trials",
}
_MODULES = {"anneal", "cmaes", "early_stop", "evolution", "grid", "hypergrad", "nsga2", "pareto",
            "qmc", "rand", "tpe"}

__all__ = [*_WHERE, *sorted(_MODULES)]


__getattr__ = lazy_getattr(__name__, globals(), _MODULES, _WHERE)

