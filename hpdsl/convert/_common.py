"""What the converters share: warnings, and values back to a config."""

from __future__ import annotations

import math
import warnings as _warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..analysis import ir
from ..compile import Dimension, Space
from ..errors import ConfigurationError, HpsError


class ConversionWarning(UserWarning):
    """Something in a space that the target format cannot express."""


class Notes:
    """Collects what a conversion could not carry over, once each, in order."""

    def __init__(self, sink: list[str] | None) -> None:
        self.sink = sink
        self.seen: set[str] = set()

    def add(self, message: str) -> None:
        if message in self.seen:
            return
        self.seen.add(message)
        if self.sink is None:
            _warnings.warn(message, ConversionWarning, stacklevel=3)
        else:
            self.sink.append(message)


def configspace() -> Any:
    """The ConfigSpace module, or a clear error when it is not installed."""
    try:
        import ConfigSpace
    except ImportError as err:
        raise HpsError("ConfigSpace is not installed (pip install ConfigSpace)") from err
    return ConfigSpace


def choices_of(hp: Any) -> list[Any]:
    """The values of a ConfigSpace categorical or ordinal hyperparameter."""
    return list(hp.choices if hasattr(hp, "choices") else hp.sequence)


def python_value(v: Any) -> Any:
    """numpy scalars (as ConfigSpace and hyperopt return them) as plain Python values."""
    return v.item() if isinstance(v, np.generic) else v


def from_flat(space: Space, values: Mapping[str, Any], fractions: bool = False
              ) -> dict[str, Any]:
    """The configuration that flat `{name: value}` pairs describe: nested as hpdsl returns
    it, derived values computed, names that hpdsl finds inactive left out.

    With `fractions`, a parameter whose bounds depend on others is given as the fraction
    of its range in force (a standard normal deviate for the normal family), as
    `to_hyperopt_source` writes it. Raises ConfigurationError for a value the space
    cannot take or a configuration the constraints exclude.
    """
    coords = space.coords
    problems: list[str] = []

    def choose(decl: ir.Decl, dim: Dimension, bounds: dict[str, float]) -> float:
        if decl.name not in values:
            problems.append(f"`{decl.name}` is missing")
            return math.nan
        value = python_value(values[decl.name])
        if fractions and dim.dependent:
            return float(value)
        problem, x = coords.coordinate(dim, value, bounds)
        if problem:
            problems.append(f"`{decl.name}`: {problem}")
        return x

    batch = coords.build_row(choose)
    if problems:
        raise ConfigurationError("configuration is not in the space: " + "; ".join(problems))
    if not batch.feasible[0]:
        excluded = coords.excluded(batch)
        raise ConfigurationError("configuration is excluded by "
                                 + (", ".join(f"`{c}`" for c in excluded) or "its bounds"))
    return coords.configs(batch, np.arange(1))[0]

