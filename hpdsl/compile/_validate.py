"""A configuration checked against the space: every problem found, and its coordinates.

The check walks the declarations in dependency order with the scalar evaluator, so
conditions, dependent bounds and derived values see the configuration's own values.
`Space.validate` reports the problems; `Coordinates.encode` returns the coordinates.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..analysis import evaluate as scalar
from ..analysis.evaluate import EXACT_INT
from ..analysis.unparse import expr_text
from ._output import flatten
from ._program import Program, value_problem


def check(program: Program, config: Mapping[str, Any]
          ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Every reason `config` is not in the space (none if it is), with its coordinates
    and active mask (complete only when there is no problem)."""
    D = len(program.dims)
    x = np.full(D, np.nan)
    mask = np.zeros(D, dtype=bool)
    if not isinstance(config, Mapping):
        return [f"a configuration is a dict, not {type(config).__name__}"], x, mask
    flat, unknown = flatten(program, config)
    problems = [f"unknown key `{k}`" for k in unknown]
    values: dict[str, Any] = {}  # the active names' values, as the conditions see them
    active_names: dict[str, bool] = {}
    for step in program.steps:
        decl = step.decl
        name = step.name
        active = scalar.holds(decl.conditions, values)
        present = name in flat
        if decl.value is not None:
            value, known = scalar.evaluate(decl.value, values)
            active = active and known and not (step.exact_int and abs(value) > EXACT_INT)
            if active:
                values[name] = value
                if present and not _same(flat[name], value):
                    problems.append(f"`{name}` is {flat[name]!r} but is derived as "
                                    f"{_shown(value, program.types.get(name))!r}")
        else:
            assert step.dim is not None and decl.dist is not None
            args = {}
            for a, e in decl.dist.args.items():
                v, known = scalar.evaluate(e, values)
                active = active and known
                args[a] = float(v) if known else math.nan
            if active and present:
                problem, coord = value_problem(step, program.dims[step.dim], flat[name], args)
                if problem:
                    problems.append(f"`{name}`: {problem}")
                else:
                    x[step.dim] = coord
                    mask[step.dim] = True
                    values[name] = flat[name]
        active_names[name] = active_names.get(name, False) or active
    for name in program.names:
        present = name in flat
        if present and flat[name] is None and isinstance(program.paths[name][-1], int) and (
                not active_names.get(name)):
            continue  # None keeps the place of an inactive loop item
        if active_names.get(name) and not present and name not in program.derived_names:
            problems.append(f"`{name}` is missing")
        elif present and not active_names.get(name):
            why = _why_inactive(program, name, values)
            problems.append(f"`{name}` is set but inactive" +
                            (f": `{why}` does not hold" if why else ""))
    if not problems:
        for c in program.constraints:
            if scalar.holds(c.decl.conditions, values):
                v, known = scalar.evaluate(c.decl.expr, values)
                if known and bool(v) == (c.decl.kind == "forbid"):
                    problems.append(f"excluded by `{c.decl.source}`")
    return problems, x, mask


def _why_inactive(program: Program, name: str, values: Mapping[str, Any]) -> str:
    """The conditions of `name`'s first declaration that do not hold."""
    step = program.steps[program.steps_of[name][0]]
    return " and ".join(expr_text(c) for c in step.decl.conditions
                        if not scalar.holds((c,), values))


def _shown(value: Any, types: frozenset[str] | None) -> Any:
    """A derived value as the output shows it (an int-typed whole number as int)."""
    if types == frozenset({"int"}) and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _same(given: Any, expected: Any) -> bool:
    exp = _py(expected)
    if isinstance(exp, float) and isinstance(given, int | float) and not isinstance(given, bool):
        return math.isclose(float(given), exp, rel_tol=1e-9, abs_tol=1e-12)
    return bool(given == exp) and type(given) is not bool or given is exp


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v
