"""The one scalar evaluator of expressions, and the operations every evaluator shares.

The language's rules live here, once: numbers are IEEE doubles (an operation on two
integers gives an integer when the result is whole, so constants such as `2 ** 10` stay
integers); a result that is not a finite number is unknown, and so is arithmetic or an
ordering (`<`, `>=`, ...) on a string or a boolean; equality never equates kinds (`true`
is not `1`, `"1"` is not `1`); `and`/`or`/`not` are Kleene's three-valued logic. Power,
`exp` and `log` are numpy's, so that this evaluator gives, bit for bit, the answers of the
vectorized one in `hpdsl.compile` (Python's `**` and `math.exp` round differently in the
last place).

`evaluate` decides one configuration (`Space.validate`, the converters); analysis folds
constants with `arith`, `call` and `compare`, which raise `Undefined` with the reason.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from . import ir

Result = tuple[Any, bool]  # (value, known)

_UNKNOWN: Result = (None, False)

FUNC_ARITY: dict[ir.FuncName, tuple[int, int | None]] = {
    "min": (2, None), "max": (2, None), "log": (1, 1), "exp": (1, 1), "round": (1, 1),
}
FLOAT_MAX = float(np.finfo(np.float64).max)
# Doubles hold every integer up to 2**53 and then only some: integers beyond are refused
# (analysis) or unknown (derived values) rather than silently rounded.
EXACT_INT = 2**53


class Undefined(ArithmeticError):
    """An operation whose result is unknown (the message says why)."""


def number(v: object) -> float | None:
    """`v` as a double, or None for a string, a boolean or an integer beyond the doubles."""
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None
    try:
        return float(v)
    except OverflowError:
        return None


def inexact_int(value: object) -> bool:
    """An integer that a double cannot hold exactly (beyond +-2**53)."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > EXACT_INT


def _operands(values: list[ir.Value], what: str) -> list[float]:
    out = []
    for v in values:
        x = number(v)
        if x is None:
            raise Undefined(f"{what} of a non-number")
        out.append(x)
    return out


def _finite(x: float, what: str) -> float:
    if not math.isfinite(x):
        raise Undefined(f"{what}: the result is larger than {FLOAT_MAX:.3g}, the largest number"
                        if not math.isnan(x) else f"{what}: the result is not a number")
    return x


def _whole(x: float, values: list[ir.Value]) -> ir.Value:
    """An integer when the operands are integers and `x` is whole."""
    if x.is_integer() and all(isinstance(v, int) for v in values):
        return int(x)
    return x


def _power(x: float, y: float) -> float:
    with np.errstate(all="ignore"):
        out = float(np.power(x, y))
    if math.isinf(out):
        raise Undefined(f"power too large: the result is larger than {FLOAT_MAX:.3g}, "
                        "the largest number")
    return out


_ARITH: dict[ir.ArithOp, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "//": operator.floordiv, "**": _power,
}
_ORDER: dict[ir.CompareOp, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def arith(op: ir.ArithOp, a: ir.Value, b: ir.Value) -> ir.Value:
    """`a op b` for `+ - * / // **`; raises Undefined when the result is unknown."""
    x, y = _operands([a, b], "arithmetic")
    if op in ("/", "//") and y == 0:
        raise Undefined("division by zero")
    return _whole(_finite(_ARITH[op](x, y), f"`{op}`"), [a, b])


def negative(a: ir.Value) -> ir.Value:
    """`-a`; raises Undefined for a non-number."""
    _operands([a], "sign")
    assert isinstance(a, int | float)
    return -a


def call(func: ir.FuncName, args: list[ir.Value]) -> ir.Value:
    """`func(args...)` for `min max log exp round`; raises Undefined when unknown."""
    xs = _operands(args, f"`{func}`")
    if func in ("min", "max"):
        pick = min if func == "min" else max
        return args[xs.index(pick(xs))]
    if func == "log":
        if xs[0] <= 0:
            raise Undefined("log of a non-positive number")
        return float(np.log(xs[0]))
    if func == "exp":
        with np.errstate(over="ignore"):
            return _finite(float(np.exp(xs[0])), "`exp`")
    if func == "round":  # halves to even, as Python's and numpy's
        return int(round(xs[0]))
    raise AssertionError(f"unknown function {func}")


def same(a: ir.Value, b: ir.Value) -> bool:
    """Equality in the language: numbers as doubles, and never across kinds."""
    x, y = number(a), number(b)
    if x is not None or y is not None:
        return x == y
    return type(a) is type(b) and a == b


def compare(op: ir.CompareOp, a: ir.Value, b: ir.Value) -> bool:
    """`a op b` for `== != < <= > >=`; ordering a non-number raises Undefined."""
    if op == "==":
        return same(a, b)
    if op == "!=":
        return not same(a, b)
    x, y = _operands([a, b], f"`{op}`")
    return _ORDER[op](x, y)


def member(a: ir.Value, options: tuple[ir.Value, ...], negated: bool) -> bool:
    """`a in {options}` (or `not in`)."""
    return any(same(a, o) for o in options) != negated


def evaluate(expr: ir.RExpr, values: Mapping[str, Any]) -> Result:
    """The value of `expr` given the active names' values (absent names are inactive)."""
    if isinstance(expr, ir.Const):
        return expr.value, True
    if isinstance(expr, ir.Ref):
        if expr.name in values:
            return values[expr.name], True
        return _UNKNOWN
    if isinstance(expr, ir.And | ir.Or):
        conj = isinstance(expr, ir.And)
        unknown = False
        for o in expr.operands:
            v, k = evaluate(o, values)
            if not k:
                unknown = True
            elif bool(v) != conj:  # a false operand decides `and`, a true one `or`
                return (not conj), True
        return _UNKNOWN if unknown else (conj, True)
    if isinstance(expr, ir.Not):
        v, k = evaluate(expr.operand, values)
        return (not v, True) if k else _UNKNOWN
    if isinstance(expr, ir.In):
        v, k = evaluate(expr.operand, values)
        return (member(v, expr.options, expr.negated), True) if k else _UNKNOWN
    operands = expr.args if isinstance(expr, ir.Call) else \
        (expr.operand,) if isinstance(expr, ir.UnaryOp) else (expr.left, expr.right)
    args = []
    for o in operands:
        v, k = evaluate(o, values)
        if not k:
            return _UNKNOWN
        args.append(v)
    try:
        if isinstance(expr, ir.BinOp):
            return arith(expr.op, args[0], args[1]), True
        if isinstance(expr, ir.Compare):
            return compare(expr.op, args[0], args[1]), True
        if isinstance(expr, ir.UnaryOp):
            return negative(args[0]), True
        return call(expr.func, args), True
    except Undefined:
        return _UNKNOWN


def holds(conditions: tuple[ir.RExpr, ...], values: Mapping[str, Any]) -> bool:
    """Whether every condition is known to be true."""
    for c in conditions:
        v, k = evaluate(c, values)
        if not (k and v):
            return False
    return True
