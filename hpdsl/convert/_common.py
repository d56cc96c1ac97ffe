"""What the converters share: warnings, partial evaluation, and values back to a config."""

from __future__ import annotations

import math
import warnings as _warnings
from collections.abc import Callable, Mapping
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


def peval(e: ir.RExpr, fixed: Mapping[str, ir.Value]) -> Any:
    """Evaluate with only the names in `fixed` known: a value, or None when unknown.

    Logic is Kleene's, as in hpdsl: `false and unknown` is false, `true or unknown` true.
    """
    if isinstance(e, ir.Const):
        return e.value
    if isinstance(e, ir.Ref):
        return fixed.get(e.name)
    if isinstance(e, ir.All | ir.Any_):
        decisive = not isinstance(e, ir.All)
        unknown = False
        for o in e.operands:
            v = peval(o, fixed)
            if v is None:
                unknown = True
            elif bool(v) == decisive:
                return decisive
        return None if unknown else not decisive
    if isinstance(e, ir.Negation):
        v = peval(e.operand, fixed)
        return None if v is None else not v
    if isinstance(e, ir.Member):
        v = peval(e.operand, fixed)
        if v is None:
            return None
        found = any(_same(v, o) for o in e.options)
        return found != e.negated
    try:
        if isinstance(e, ir.Cmp):
            a, b = peval(e.left, fixed), peval(e.right, fixed)
            if a is None or b is None:
                return None
            if e.op in ("==", "!="):
                return _same(a, b) == (e.op == "==")
            return _ORDER[e.op](a, b)
        if isinstance(e, ir.Neg):
            v = peval(e.operand, fixed)
            return None if v is None else -v
        if isinstance(e, ir.Arith):
            a, b = peval(e.left, fixed), peval(e.right, fixed)
            return None if a is None or b is None else _ARITH[e.op](a, b)
        if isinstance(e, ir.Func):
            args = [peval(a, fixed) for a in e.args]
            return None if any(a is None for a in args) else _FUNCS[e.func](*args)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return None


def _same(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}
_ARITH: dict[str, Callable[[Any, Any], Any]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
    "/": lambda a, b: a / b, "//": lambda a, b: a // b, "**": lambda a, b: a ** b,
}
_FUNCS: dict[str, Callable[..., Any]] = {
    "min": min, "max": max, "log": math.log, "exp": math.exp, "round": round,
}


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
