"""Resolved expressions evaluated on one configuration, in plain Python.

Checking a single configuration (`Space.validate`, `encode`) is dominated by
per-call overhead when done with numpy on one-row arrays; this evaluator gives
the same answers as `_evaluate` (three-valued logic, non-finite numbers unknown,
`true` distinct from `1`) at a fraction of the cost.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..analysis import ir
from ..analysis.ir import option_key

Result = tuple[Any, bool]  # (value, known)

_UNKNOWN: Result = (None, False)


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    return float(v)


def _arith(op: str, a: float, b: float) -> float | None:
    try:
        if op == "+":
            out = a + b
        elif op == "-":
            out = a - b
        elif op == "*":
            out = a * b
        elif op == "/":
            out = a / b
        elif op == "//":
            out = a // b
        else:
            out = a**b
    except (ZeroDivisionError, OverflowError):
        return None
    if isinstance(out, complex) or not math.isfinite(out):
        return None
    return float(out)


def _func(func: str, args: list[float]) -> float | None:
    try:
        if func == "min":
            out = min(args)
        elif func == "max":
            out = max(args)
        elif func == "log":
            if args[0] <= 0:
                return None
            out = math.log(args[0])
        elif func == "exp":
            out = math.exp(args[0])
        else:
            out = float(round(args[0]))
    except OverflowError:
        return None
    return out if math.isfinite(out) else None


def _compare(op: str, a: Any, b: Any) -> bool:
    if op in ("==", "!="):
        same = option_key(a) == option_key(b)
        return same if op == "==" else not same
    x, y = _number(a), _number(b)
    if x is None or y is None:
        return False
    return {"<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y}[op]


def evaluate(expr: ir.RExpr, values: Mapping[str, Any]) -> Result:
    """The value of `expr` given the active names' values (absent names are inactive)."""
    if isinstance(expr, ir.Const):
        return expr.value, True
    if isinstance(expr, ir.Ref):
        if expr.name in values:
            return values[expr.name], True
        return _UNKNOWN
    if isinstance(expr, ir.Arith):
        (a, ka), (b, kb) = evaluate(expr.left, values), evaluate(expr.right, values)
        x, y = _number(a), _number(b)
        if not (ka and kb) or x is None or y is None:
            return _UNKNOWN
        out = _arith(expr.op, x, y)
        return (out, True) if out is not None else _UNKNOWN
    if isinstance(expr, ir.Neg):
        v, k = evaluate(expr.operand, values)
        x = _number(v)
        return (-x, True) if k and x is not None else _UNKNOWN
    if isinstance(expr, ir.Func):
        args = []
        for a in expr.args:
            v, k = evaluate(a, values)
            x = _number(v)
            if not k or x is None:
                return _UNKNOWN
            args.append(x)
        out = _func(expr.func, args)
        return (out, True) if out is not None else _UNKNOWN
    if isinstance(expr, ir.Cmp):
        (a, ka), (b, kb) = evaluate(expr.left, values), evaluate(expr.right, values)
        if not (ka and kb):
            return _UNKNOWN
        return _compare(expr.op, a, b), True
    if isinstance(expr, ir.Member):
        v, k = evaluate(expr.operand, values)
        if not k:
            return _UNKNOWN
        hit = any(option_key(v) == option_key(o) for o in expr.options)
        return hit != expr.negated, True
    if isinstance(expr, ir.All | ir.Any_):
        conj = isinstance(expr, ir.All)
        unknown = False
        for o in expr.operands:
            v, k = evaluate(o, values)
            if not k:
                unknown = True
            elif bool(v) != conj:  # a false operand decides `and`, a true one `or`
                return (not conj), True
        return (_UNKNOWN if unknown else (conj, True))
    if isinstance(expr, ir.Negation):
        v, k = evaluate(expr.operand, values)
        return (not v, True) if k else _UNKNOWN
    raise TypeError(type(expr).__name__)


def holds(conditions: tuple[ir.RExpr, ...], values: Mapping[str, Any]) -> bool:
    """Whether every condition is known to be true."""
    for c in conditions:
        v, k = evaluate(c, values)
        if not (k and v):
            return False
    return True
