"""hpdsl: hyperparameter search spaces as a small declarative language.

    >>> import hpdsl
    >>> space = hpdsl.loads("lr ~ loguniform(1e-4, 1e-1)\\nlayers ~ randint(1, 3)")
    >>> cfg = space.sample(0)
    >>> sorted(cfg)
    ['layers', 'lr']
"""

from __future__ import annotations

from ._load import check_file, check_text, load, loads
from .compile import Dimension, Parameter, Space
from .diagnostics import Diagnostic, Severity, Span
from .errors import ConfigurationError, HpsError, SamplingError, SpaceError

__version__ = "0.1.0"

__all__ = [
    "ConfigurationError", "Diagnostic", "Dimension", "HpsError", "Parameter", "SamplingError",
    "Severity", "Space", "SpaceError", "Span", "__version__", "check_file", "check_text", "load",
    "loads",
]
