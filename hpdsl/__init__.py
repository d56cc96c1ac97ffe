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

if TYPE_CHECKING:
    from ._load import CheckResult, check_file, check_text, load, loads
    from .compile import Dimension, Parameter, Space
    from .diagnostics import Diagnostic, Severity, Span
    from .errors import (
        AllTrialsFailed,
        ConfigurationError,
        HpsError,
        SamplingError,
        SearchExhausted,
        SpaceError,
    )
    from .format import format_source
    from .search import (
        STATUS_FAIL,
        STATUS_OK,
        RunningTrial,
        Study,
        Trial,
        Trials,
        TrialState,
        anneal,
        early_stop,
        fmin,
        grid,
        rand,
        space_eval,
        tpe,
    )

__version__ = "0.1.0"

# Names are imported on first use: `import hpdsl` stays cheap for the command line and
# for worker processes, which need only a sliver of the package.
_WHERE = {
    "CheckResult": "._load", "check_file": "._load", "check_text": "._load", "load": "._load",
    "loads": "._load",
    "Dimension": ".compile", "Parameter": ".compile", "Space": ".compile",
    "Diagnostic": ".diagnostics", "Severity": ".diagnostics", "Span": ".diagnostics",
    "AllTrialsFailed": ".errors", "ConfigurationError": ".errors", "HpsError": ".errors",
    "SamplingError": ".errors", "SearchExhausted": ".errors", "SpaceError": ".errors",
    "format_source": ".format",
    "STATUS_FAIL": ".search", "STATUS_OK": ".search", "RunningTrial": ".search",
    "Study": ".search", "Trial": ".search",
    "Trials": ".search", "TrialState": ".search", "anneal": ".search",
    "early_stop": ".search", "fmin": ".search", "grid": ".search", "rand": ".search",
    "space_eval": ".search",
    "tpe": ".search",
}

__all__ = [
    "CheckResult", "ConfigurationError", "Diagnostic", "Dimension", "HpsError", "Parameter",
    "SamplingError", "Severity", "Space", "SpaceError", "Span", "__version__", "check_file",
    "check_text", "format_source", "load", "loads",
    # search
    "AllTrialsFailed", "RunningTrial", "STATUS_FAIL", "STATUS_OK", "SearchExhausted", "Study",
    "Trial", "TrialState", "Trials", "anneal", "early_stop", "fmin", "grid", "rand",
    "space_eval", "tpe",
]


_SUBPACKAGES = {"analysis", "cli", "compile", "convert", "diagnostics", "errors", "format",
                "plot", "search", "storage", "syntax"}


__getattr__ = lazy_getattr(__name__, globals(), _SUBPACKAGES, _WHERE)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
