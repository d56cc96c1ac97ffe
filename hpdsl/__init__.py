"""hpdsl: hyperparameter search spaces as a small declarative language.

    >>> import hpdsl
    >>> space = hpdsl.loads("lr ~ loguniform(1e-4, 1e-1)\\nlayers ~ randint(1, 3)")
    >>> cfg = space.sample(0)
    >>> sorted(cfg)
    ['layers', 'lr']
"""

from __future__ import annotations

import importlib
from types import ModuleType

from ._load import check_file, check_text, load, loads
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
    Study,
    Trial,
    Trials,
    TrialState,
    anneal,
    early_stop,
    fmin,
    grid,
    rand,
)

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError", "Diagnostic", "Dimension", "HpsError", "Parameter", "SamplingError",
    "Severity", "Space", "SpaceError", "Span", "__version__", "check_file", "check_text",
    "format_source", "load", "loads",
    # search
    "AllTrialsFailed", "STATUS_FAIL", "STATUS_OK", "SearchExhausted", "Study", "Trial",
    "TrialState", "Trials", "anneal", "early_stop", "fmin", "grid", "rand", "tpe",
]


def __getattr__(name: str) -> ModuleType:
    # `hpdsl.tpe` is the module `hpdsl.search.tpe`, imported on first use.
    if name == "tpe":
        return importlib.import_module(".search.tpe", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
