"""Evaluate expressions that need no parameter: constants and loop variables."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

from ..syntax import ast
from .ir import Value

FLOAT_MAX = sys.float_info.max


class StaticError(Exception):
    """The expression reads a parameter (or is not a valid constant)."""


def _log(x: float) -> float:
    if x <= 0:
        raise StaticError("log of a non-positive number")
    return math.log(x)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError as err:
        raise StaticError("exp overflow") from err


FUNCS: dict[str, Callable[..., Value]] = {
    "min": min, "max": max, "log": _log, "exp": _exp, "round": round,
}
FUNC_ARITY: dict[str, tuple[int, int | None]] = {
    "min": (2, None), "max": (2, None), "log": (1, 1), "exp": (1, 1), "round": (1, 1),
}


def too_large(value: Value) -> bool:
    """An integer beyond the float range (about 1.8e308), which no sampler can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > FLOAT_MAX


def arith(op: str, a: Value, b: Value) -> Value:
    """Python arithmetic on constants, refusing the cases that would hang or blow up."""
    result = _arith(op, a, b)
    if too_large(result):
        raise StaticError(f"the result is larger than {FLOAT_MAX:.3g}, the largest number")
    return result


def _arith(op: str, a: Value, b: Value) -> Value:
    if isinstance(a, str | bool) or isinstance(b, str | bool):
        raise StaticError("arithmetic on a non-number")
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "/":
            return a / b
        if op == "//":
            return a // b
        if op == "**":
            if abs(b) > 1024 or (isinstance(a, int) and abs(a) > 2**64 and b > 1):
                raise StaticError("power too large")
            result = a**b
            if isinstance(result, complex):
                raise StaticError("complex result")
            return result
    except (ZeroDivisionError, OverflowError) as err:
        raise StaticError(str(err)) from err
    raise StaticError(f"unknown operator {op}")


def compare(op: str, a: Value, b: Value) -> bool:
    try:
        if op == "==":
            return a == b
        if op == "!=":
            return a != b
        if op == "<":
            return a < b  # type: ignore[operator]
        if op == "<=":
            return a <= b  # type: ignore[operator]
        if op == ">":
            return a > b  # type: ignore[operator]
        if op == ">=":
            return a >= b  # type: ignore[operator]
    except TypeError as err:
        raise StaticError("incomparable") from err
    raise StaticError(f"unknown comparison {op}")


def static_value(expr: ast.Expr, bindings: dict[str, int]) -> Value:
    """The value of a constant expression; raises StaticError if it reads a parameter."""
    if isinstance(expr, ast.Number | ast.String | ast.Bool):
        return expr.value
    if isinstance(expr, ast.Name):
        if expr.name in bindings:
            return bindings[expr.name]
        raise StaticError(expr.name)
    if isinstance(expr, ast.UnaryOp):
        v = static_value(expr.operand, bindings)
        if isinstance(v, str | bool):
            raise StaticError("sign of a non-number")
        return -v if expr.op == "-" else v
    if isinstance(expr, ast.BinOp):
        return arith(expr.op, static_value(expr.left, bindings),
                     static_value(expr.right, bindings))
    if isinstance(expr, ast.Compare):
        return compare(expr.op, static_value(expr.left, bindings),
                       static_value(expr.right, bindings))
    if isinstance(expr, ast.And):
        return all(bool(static_value(e, bindings)) for e in expr.operands)
    if isinstance(expr, ast.Or):
        return any(bool(static_value(e, bindings)) for e in expr.operands)
    if isinstance(expr, ast.Not):
        return not static_value(expr.operand, bindings)
    if isinstance(expr, ast.In):
        v = static_value(expr.left, bindings)
        opts = [static_value(o, bindings) for o in expr.options]
        return (v in opts) != expr.negated
    if isinstance(expr, ast.Call) and expr.func in FUNCS:
        lo, hi = FUNC_ARITY[expr.func]
        if len(expr.args) < lo or (hi is not None and len(expr.args) > hi):
            raise StaticError("arity")
        args = [static_value(a, bindings) for a in expr.args]
        if any(isinstance(a, str | bool) for a in args):
            raise StaticError("function of a non-number")
        try:
            return FUNCS[expr.func](*args)
        except (OverflowError, ValueError) as err:
            raise StaticError(str(err)) from err
    raise StaticError(type(expr).__name__)
