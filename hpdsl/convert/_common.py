"""What the converters share: warnings, and values back to a config."""

from __future__ import annotations

import warnings as _warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..analysis import ir
from ..compile import Space
from ..compile._evaluate import Env
from ..compile._output import configs
from ..compile._program import Program, Step, value_problem
from ..errors import ConfigurationError


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


def program_of(space: Space) -> Program:
    program: Program = space._program
    return program


def python_value(v: Any) -> Any:
    """numpy scalars (as ConfigSpace and hyperopt return them) as plain Python values."""
    return v.item() if isinstance(v, np.generic) else v


def complete(space: Space, values: Mapping[str, Any], fractions: bool = False
             ) -> dict[str, Any]:
    """The configuration that flat `{name: value}` pairs describe: nested as hpdsl returns
    it, derived values computed, names that hpdsl finds inactive left out.

    With `fractions`, a parameter whose bounds depend on others is given as the fraction
    of its range in force (a standard normal deviate for the normal family), as
    `to_hyperopt_source` writes it. Raises ConfigurationError for a value the space
    cannot take or a configuration the constraints exclude.
    """
    program = program_of(space)
    problems: list[str] = []

    def coords(step: Step, env: Env, active: np.ndarray, args: dict[str, np.ndarray]
               ) -> np.ndarray:
        assert step.dim is not None
        if not active[0] or step.name not in values:
            if active[0]:
                problems.append(f"`{step.name}` is missing")
            return np.full(1, np.nan)
        value = python_value(values[step.name])
        dim = program.dims[step.dim]
        if fractions and dim.dependent:
            return np.full(1, float(value))
        bounds = {a: float(np.ravel(v)[0]) for a, v in args.items()}
        problem, x = value_problem(step, dim, value, bounds)
        if problem:
            problems.append(f"`{step.name}`: {problem}")
        return np.full(1, x)

    batch = program.run(1, coords)
    if problems:
        raise ConfigurationError("configuration is not in the space: " + "; ".join(problems))
    if not batch.feasible[0]:
        excluded = [c.decl.source for c in program.constraints if c.excluded(batch.env)[0]]
        raise ConfigurationError("configuration is excluded by "
                                 + (", ".join(f"`{c}`" for c in excluded) or "its bounds"))
    return configs(program, batch, np.arange(1))[0]


def literal(v: ir.Value) -> str:
    """A value as hpdsl source: numbers as Python writes them, strings always quoted."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        escaped = v.replace("\\", "\\\\").replace('"', '\\"')
        return '"' + escaped.replace("\n", "\\n").replace("\r", "\\r") + '"'
    return repr(v)
