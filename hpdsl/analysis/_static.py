"""Evaluate expressions that need no parameter: constants and loop variables."""

from __future__ import annotations

import operator
from collections.abc import Callable

from ..syntax import ast
from .evaluate import FLOAT_MAX, FUNC_ARITY, Undefined, arith, call, compare, member, negative
from .ir import ArithOp, Value

# The operations whose exact integer result Python computes (`/` and `//` give floats).
_EXACT: dict[str, Callable[[int, int], int]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "**": operator.pow,
}


class StaticError(Exception):
    """The expression reads a parameter (or is not a valid constant)."""


def too_large(value: Value) -> bool:
    """An integer beyond the float range (about 1.8e308), which no sampler can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) > FLOAT_MAX


def exact(op: ArithOp, a: Value, b: Value, folded: Value) -> Value:
    """`a op b` on two integers as Python computes it, where folding on floats (`folded`)
    lost digits, so that `inexact_int` refuses it; otherwise `folded`."""
    ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (a, b, folded))
    exact_op = _EXACT.get(op)
    if not ints or exact_op is None:
        return folded
    assert isinstance(a, int) and isinstance(b, int)
    if op == "**" and b < 0:
        return folded
    # folded is finite, so a ** b has at most about 1,024 bits
    return exact_op(a, b)


def static_value(expr: ast.Expr, bindings: dict[str, int]) -> Value:
    """The value of a constant expression; raises StaticError if it reads a parameter."""
    if isinstance(expr, ast.Number | ast.String | ast.Bool | ast.Null):
        return expr.value
    if isinstance(expr, ast.Name):
        if expr.name in bindings:
            return bindings[expr.name]
        raise StaticError(expr.name)
    try:
        if isinstance(expr, ast.UnaryOp):
            v = static_value(expr.operand, bindings)
            negated = negative(v)  # raises for a non-number
            return negated if expr.op == "-" else v
        if isinstance(expr, ast.BinOp):
            return arith(expr.op, static_value(expr.left, bindings),
                         static_value(expr.right, bindings))
        if isinstance(expr, ast.Compare):
            return compare(expr.op, static_value(expr.left, bindings),
                           static_value(expr.right, bindings))
        if isinstance(expr, ast.Call) and expr.func in FUNC_ARITY:
            lo, hi = FUNC_ARITY[expr.func]
            if len(expr.args) < lo or (hi is not None and len(expr.args) > hi):
                raise StaticError("arity")
            return call(expr.func, [static_value(a, bindings) for a in expr.args])
    except Undefined as err:
        raise StaticError(str(err)) from err
    if isinstance(expr, ast.And):
        return all(bool(static_value(e, bindings)) for e in expr.operands)
    if isinstance(expr, ast.Or):
        return any(bool(static_value(e, bindings)) for e in expr.operands)
    if isinstance(expr, ast.Not):
        return not static_value(expr.operand, bindings)
    if isinstance(expr, ast.In):
        return member(static_value(expr.left, bindings),
                      tuple(static_value(o, bindings) for o in expr.options), expr.negated)
    raise StaticError(type(expr).__name__)
