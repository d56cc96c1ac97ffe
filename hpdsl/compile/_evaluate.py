"""Resolved expressions to vectorized numpy closures with three-valued logic.

Every evaluator maps an `Env` (one column per name, with an active mask) to a pair
`(values, known)`. `known` is False where the result depends on an inactive
parameter (or is not a finite number). Conditions use Kleene logic: `U and F` is
false, `U or T` is true, and whatever is still unknown at the top counts as false
for a condition and as "does not apply" for a constraint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..analysis import ir
from ..analysis.ir import option_key

Pair = tuple[np.ndarray, np.ndarray]
Evaluator = Callable[["Env"], Pair]


@dataclass(slots=True)
class Column:
    values: np.ndarray  # float64 for numbers, bool for booleans, object otherwise
    active: np.ndarray  # bool


@dataclass
class Env:
    n: int
    columns: dict[str, Column] = field(default_factory=dict)

    def full(self, value: object, dtype: object = None) -> np.ndarray:
        return np.full(self.n, value, dtype=dtype)  # type: ignore[call-overload]


def const_array(value: ir.Value) -> np.ndarray:
    """A 0-d array holding a constant in the dtype columns use for it."""
    if isinstance(value, bool):
        return np.array(value, dtype=bool)
    if isinstance(value, int | float):
        return np.array(float(value), dtype=np.float64)
    return np.array(value, dtype=str)


_TRUE = np.array(True)

_ARITH: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide,
    "//": np.floor_divide, "**": np.power,
}
_CMP: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
    ">": np.greater, ">=": np.greater_equal,
}


def compile_expr(expr: ir.RExpr) -> Evaluator:
    """A closure evaluating `expr` over an Env."""
    if isinstance(expr, ir.Const):
        value = const_array(expr.value)
        pair = (value, _TRUE)
        return lambda env: pair
    if isinstance(expr, ir.Ref):
        name = expr.name

        def ref(env: Env) -> Pair:
            col = env.columns[name]
            return col.values, col.active
        return ref
    if isinstance(expr, ir.Arith):
        left, right = compile_expr(expr.left), compile_expr(expr.right)
        op = _ARITH[expr.op]

        def arith(env: Env) -> Pair:
            (lv, lk), (rv, rk) = left(env), right(env)
            with np.errstate(all="ignore"):
                # a non-finite result (x / 0, a negative base to a fractional power) is unknown
                out = op(np.asarray(lv, dtype=np.float64), np.asarray(rv, dtype=np.float64))
            return out, lk & rk & np.isfinite(out)
        return arith
    if isinstance(expr, ir.Neg):
        inner = compile_expr(expr.operand)

        def neg(env: Env) -> Pair:
            v, k = inner(env)
            return -np.asarray(v, dtype=np.float64), k
        return neg
    if isinstance(expr, ir.Func):
        return _compile_func(expr)
    if isinstance(expr, ir.Cmp):
        left, right = compile_expr(expr.left), compile_expr(expr.right)
        cmp = _CMP[expr.op]

        def compare(env: Env) -> Pair:
            (lv, lk), (rv, rk) = left(env), right(env)
            return _safe(cmp, lv, rv), lk & rk
        return compare
    if isinstance(expr, ir.Member):
        return _compile_member(expr)
    if isinstance(expr, ir.All | ir.Any_):
        parts = [compile_expr(o) for o in expr.operands]
        conj = isinstance(expr, ir.All)

        def junction(env: Env) -> Pair:
            some_true = some_false = np.array(False)
            all_true = all_false = np.array(True)
            for p in parts:
                v, k = p(env)
                t = v & k
                f = ~v & k
                all_true = all_true & t
                all_false = all_false & f
                some_true = some_true | t
                some_false = some_false | f
            if conj:
                return all_true, all_true | some_false
            return some_true, some_true | all_false
        return junction
    if isinstance(expr, ir.Negation):
        inner = compile_expr(expr.operand)

        def negation(env: Env) -> Pair:
            v, k = inner(env)
            return ~np.asarray(v, dtype=bool), k
        return negation
    raise TypeError(f"cannot compile {type(expr).__name__}")


def _compile_func(expr: ir.Func) -> Evaluator:
    args = [compile_expr(a) for a in expr.args]
    func = expr.func

    def call(env: Env) -> Pair:
        pairs = [a(env) for a in args]
        known = pairs[0][1]
        for _, k in pairs[1:]:
            known = known & k
        vals = [np.asarray(v, dtype=np.float64) for v, _ in pairs]
        with np.errstate(all="ignore"):
            if func == "min":
                out = vals[0]
                for v in vals[1:]:
                    out = np.minimum(out, v)
            elif func == "max":
                out = vals[0]
                for v in vals[1:]:
                    out = np.maximum(out, v)
            elif func == "log":
                out = np.log(np.where(vals[0] > 0, vals[0], np.nan))
            elif func == "exp":
                out = np.exp(vals[0])
            else:  # round, as Python's: halves to even
                out = np.round(vals[0])
        return out, known & np.isfinite(out)
    return call


def _compile_member(expr: ir.Member) -> Evaluator:
    operand = compile_expr(expr.operand)
    options = [const_array(o) for o in expr.options]
    negated = expr.negated

    def member(env: Env) -> Pair:
        v, k = operand(env)
        hit = np.zeros(np.shape(v), dtype=bool)
        for o in options:
            hit = hit | _safe(np.equal, v, o)
        return (~hit if negated else hit), k
    return member


_SAME_OPTION = np.frompyfunc(lambda x, y: option_key(x) == option_key(y), 2, 1)


def _safe(op: Callable[[np.ndarray, np.ndarray], np.ndarray], a: np.ndarray, b: np.ndarray
          ) -> np.ndarray:
    """Compare elementwise; values of kinds that cannot be compared are simply unequal."""
    text_a = np.asarray(a).dtype.kind == "U"
    text_b = np.asarray(b).dtype.kind == "U"
    if text_a != text_b and np.asarray(a).dtype != object and np.asarray(b).dtype != object:
        return np.zeros(np.broadcast_shapes(np.shape(a), np.shape(b)), dtype=bool) \
            if op is not np.not_equal else np.ones(np.broadcast_shapes(np.shape(a),
                                                                       np.shape(b)), dtype=bool)
    if op in (np.equal, np.not_equal) and object in (np.asarray(a).dtype, np.asarray(b).dtype):
        same = np.asarray(_SAME_OPTION(a, b), dtype=bool)  # mixed options: true is not 1
        return same if op is np.equal else ~same
    try:
        with np.errstate(invalid="ignore"):
            return np.asarray(op(a, b), dtype=bool)
    except TypeError:
        shape = np.broadcast_shapes(np.shape(a), np.shape(b))
        return np.full(shape, op is np.not_equal)


def compile_conjunction(conds: tuple[ir.RExpr, ...]) -> Evaluator | None:
    """All of `conds` (Kleene), or None when there are none."""
    if not conds:
        return None
    if len(conds) == 1:
        return compile_expr(conds[0])
    return compile_expr(ir.All(conds, conds[0].span))


def full(a: object, n: int, dtype: object = None) -> np.ndarray:
    """`a` as an array of shape (n,): constants (0-d results) are repeated."""
    arr = np.asarray(a, dtype=dtype)  # type: ignore[call-overload]
    if arr.shape == (n,):
        return arr
    if arr.ndim == 0:
        return np.full(n, arr, dtype=arr.dtype)
    return np.broadcast_to(arr, (n,)).copy()


def holds(evaluator: Evaluator | None, env: Env) -> np.ndarray:
    """Where a condition is known to be true, as a full-length bool array."""
    if evaluator is None:
        return np.ones(env.n, dtype=bool)
    v, k = evaluator(env)
    return full(np.asarray(v, dtype=bool) & k, env.n)
