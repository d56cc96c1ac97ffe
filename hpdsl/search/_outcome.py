"""What the objective returned, read into a trial's state, values and constraint values.

The objective returns a loss, a tuple of values (one per objective), or a dict with
`loss` (a number or a list), `status`, `constraints` (numbers, c <= 0 feasible) and
extra keys. Anything else makes the trial FAIL with the reason; reading never raises.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..storage import Objectives, TrialState, is_number
from ._failure import describe
from ._trials import STATUS_FAIL, STATUS_OK


@dataclass(frozen=True)
class Outcome:
    state: TrialState
    values: tuple[float, ...] | None
    constraints: tuple[float, ...] | None
    result: dict[str, Any]
    error: str | None


def read_outcome(value: object, objectives: Objectives) -> Outcome:
    """`outcome(value)`, or a failure if reading the value raised (a loss of 10**400,
    an object whose `__float__` or `__repr__` raises, nesting too deep to show)."""
    try:
        return outcome(value, objectives)
    except Exception as err:
        return _fail({"status": STATUS_FAIL},
                     f"the objective's result could not be read: {describe(err)}")


def outcome(value: object, objectives: Objectives) -> Outcome:
    """What the objective returned, as an Outcome."""
    if isinstance(value, Mapping):
        result = dict(value)
        status = result.get("status", STATUS_OK)
        if status in (STATUS_FAIL, TrialState.FAIL):
            return _fail(result, str(result.get("error") or
                                     "the objective reported status 'fail'"))
        if status not in (STATUS_OK, TrialState.OK):
            return _fail(result, f"unknown status {status!r}; use STATUS_OK or STATUS_FAIL")
        raw = _raw_values(result, objectives)
        if raw is None:
            return _fail(result, "the result has no `loss`")
        values, why = _values(raw, objectives)
    else:
        values, why = _values(value, objectives)
        result = {} if values is None else {"loss": _shown(values), "status": STATUS_OK}
    if values is None:
        return _fail(result, why)
    constraints, problem = _constraints(result.get("constraints"), values, result, objectives)
    if problem is not None:
        return _fail(result, problem)
    return Outcome(TrialState.OK, values, constraints, result, None)


def _fail(result: dict[str, Any], error: str | None) -> Outcome:
    return Outcome(TrialState.FAIL, None, None, result, error)


def _shown(values: tuple[float, ...]) -> float | list[float]:
    return values[0] if len(values) == 1 else list(values)


def _raw_values(result: dict[str, Any], objectives: Objectives) -> object:
    """The result's `loss`, or the values under the objectives' own names."""
    if "loss" in result:
        return result["loss"]
    if objectives.names != ("loss",) and all(n in result for n in objectives.names):
        return [result[n] for n in objectives.names]
    return None


def _values(raw: object, objectives: Objectives) -> tuple[tuple[float, ...] | None, str]:
    k = objectives.k
    if isinstance(raw, list | tuple | np.ndarray):
        items = list(np.ravel(raw)) if isinstance(raw, np.ndarray) else list(raw)
        if len(items) != k:
            return None, (f"the objective returned {len(items)} values for {k} objective"
                          f"{'s' * (k > 1)} ({objectives.describe()})")
    elif k > 1:
        return None, (f"the objective returned {_repr(raw)} ({type(raw).__name__}) for {k} "
                      f"objectives ({objectives.describe()}): return a tuple of {k} numbers")
    else:
        items = [raw]
    values = []
    for i, item in enumerate(items):
        if not is_number(item):
            if k == 1:
                return None, (f"the objective returned {_repr(item)} "
                              f"({type(item).__name__}), not a loss (a number, or a dict "
                              "with `loss`)")
            return None, (f"value {i} (`{objectives.names[i]}`) is {_repr(item)} "
                          f"({type(item).__name__}), not a number")
        number = float(item)
        if not math.isfinite(number):
            return None, (f"the loss is {number}" if k == 1 else
                          f"value {i} (`{objectives.names[i]}`) is {number}")
        values.append(number)
    return tuple(values), ""


def _constraints(raw: object, values: tuple[float, ...], result: dict[str, Any],
                 objectives: Objectives) -> tuple[tuple[float, ...] | None, str | None]:
    """The returned constraint values then the declared ones; None without any."""
    if raw is None:
        items: list[object] = []
    elif isinstance(raw, list | tuple | np.ndarray):
        items = list(np.ravel(raw)) if isinstance(raw, np.ndarray) else list(raw)
    else:
        items = [raw]
    out = []
    for i, item in enumerate(items):
        if not is_number(item) or not math.isfinite(float(item)):  # type: ignore[arg-type]
            return None, (f"constraint {i} is {_repr(item)} ({type(item).__name__}), not a "
                          "finite number (c <= 0 means feasible)")
        out.append(float(item))  # type: ignore[arg-type]
    for bound in objectives.bounds:
        if bound.name in objectives.names:
            got: object = values[objectives.names.index(bound.name)]
        else:
            got = result.get(bound.name)
        if not is_number(got) or not math.isfinite(float(got)):  # type: ignore[arg-type]
            return None, (f"the outcome constraint `{bound}` needs a number `{bound.name}` in "
                          f"the result, which has {_repr(got)}")
        out.append(bound.value(float(got)))  # type: ignore[arg-type]
    return (tuple(out) if out else None), None


def _repr(value: object) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


__all__ = ["Outcome", "outcome", "read_outcome"]
