"""hpdsl: hyperparameter search spaces as a small declarative language.

    >>> import hpdsl
    >>> space = hpdsl.loads("lr ~ loguniform(1e-4, 1e-1)\\nlayers ~ randint(1, 3)")
    >>> cfg = space.sample(0)
    >>> sorted(cfg)
    ['layers', 'lr']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._lazy import lazy_getattr

# For type checkers: the names of _WHERE, from the same modules (`as` marks each one
# exported, which strict mypy needs since `__all__` is computed).
if TYPE_CHECKING:
    from ._load import CheckResult as CheckResult
    from ._load import check_file as check_file
    from ._load import check_text as check_text
    from ._load import load as load
    from ._load import loads as loads
    from .compile import Dimension as Dimension
    from .compile import Parameter as Parameter
    from .compile import Space as Space
    from .diagnostics import Diagnostic as Diagnostic
    from .diagnostics import Severity as Severity
    from .diagnostics import Span as Span
    from .errors import AllTrialsFailed as AllTrialsFailed
    from .errors import ConfigurationError as ConfigurationError
    from .errors import HpsError as HpsError
    from .errors import SamplingError as SamplingError
    from .errors import SearchExhausted as SearchExhausted
    from .errors import SpaceError as SpaceError
    from .errors import TrialPruned as TrialPruned
    from .format import format_source as format_source
    from .search import STATUS_FAIL as STATUS_FAIL
    from .search import STATUS_OK as STATUS_OK
    from .search import RunningTrial as RunningTrial
    from .search import Study as Study
    from .search import Trial as Trial
    from .search import Trials as Trials
    from .search import TrialState as TrialState
    from .search import anneal as anneal
    from .search import cmaes as cmaes
    from .search import early_stop as early_stop
    from .search import evolution as evolution
    from .search import fmin as fmin
    from .search import grid as grid
    from .search import hypergrad as hypergrad
    from .search import nsga2 as nsga2
    from .search import qmc as qmc
    from .search import rand as rand
    from .search import space_eval as space_eval
    from .search import tpe as tpe

__version__ = "0.1.0"

# The public names and the module that defines each: the one list. They are imported on
# first use, so `import hpdsl` stays cheap for the command line and for worker processes,
# which need only a sliver of the package. tests/test_architecture.py checks that the
# TYPE_CHECKING imports above name the same names from the same modules.
_WHERE = {
    "CheckResult": "._load", "check_file": "._load", "check_text": "._load", "load": "._load",
    "loads": "._load",
    "Dimension": ".compile", "Parameter": ".compile", "Space": ".compile",
    "Diagnostic": ".diagnostics", "Severity": ".diagnostics", "Span": ".diagnostics",
    "AllTrialsFailed": ".errors", "ConfigurationError": ".errors", "HpsError": ".errors",
    "SamplingError": ".errors", "SearchExhausted": ".errors", "SpaceError": ".errors",
    "TrialPruned": ".errors",
    "format_source": ".format",
    "STATUS_FAIL": ".search", "STATUS_OK": ".search", "RunningTrial": ".search",
    "Study": ".search", "Trial": ".search", "Trials": ".search", "TrialState": ".search",
    "anneal": ".search", "cmaes": ".search", "early_stop": ".search",
    "evolution": ".search", "fmin": ".search", "grid": ".search", "hypergrad": ".search",
    "nsga2": ".search", "qmc": ".search", "rand": ".search", "space_eval": ".search",
    "tpe": ".search",
}

__all__ = ["__version__", *_WHERE]


_SUBPACKAGES = {"analysis", "cli", "compile", "convert", "diagnostics", "errors", "format",
                "integration",
                "plot", "pruners", "search", "storage", "syntax"}


__getattr__ = lazy_getattr(__name__, globals(), _SUBPACKAGES, _WHERE)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
