"""Resolved expressions to vectorized numpy closures with three-valued logic.

Every evaluator maps an `Env` (one column per name, with an active mask) to a pair
`(values, known)`. `known` is False where the result depends on an inactive
parameter, or where the language's rules (`hpdsl.analysis.evaluate`, the scalar
evaluator these closures agree with) leave it unknown: a result that is not a finite
number, arithmetic or an ordering on a string or a boolean. Conditions use Kleene
logic: `U and F` is false, `U or T` is true, and whatever is still unknown at the top
counts as false for a condition and as "does not apply" for a constraint.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import DTypeLike

from ..analysis import ir
from ..analysis.evaluate import number, same

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
    # results of shared conjunction prefixes (see `Conjunctions`), with the columns read
    memo: dict[int, tuple[tuple[Column | None, ...], tuple[np.ndarray, np.ndarray]]] = \
        field(default_factory=dict)

    def full(self, value: object, dtype: DTypeLike | None = None) -> np.ndarray:
        return np.full(self.n, value, dtype=dtype)


def const_array(value: ir.Value) -> np.ndarray:
    """A 0-d array holding a constant in the dtype columns use for it."""
    if value is None:
        return np.array(None, dtype=object)
    if isinstance(value, bool):
        return np.array(value, dtype=bool)
    if isinstance(value, int | float):
        return np.array(float(value), dtype=np.float64)
    if len(value) > SHORT_TEXT:  # shared by reference, not copied into every row
        return np.array(value, dtype=object)
    return np.array(value, dtype=str)


# Strings up to this length are fixed-width numpy text (fast to compare; each row holds a
# copy, 4 bytes a character); longer ones are Python objects that every row shares.
SHORT_TEXT = 64

_TRUE = np.array(True)

_ARITH: dict[ir.ArithOp, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide,
    "//": np.floor_divide, "**": np.power,
}
_ORDER: dict[ir.CompareOp, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
}
_FUNCS: dict[ir.FuncName, Callable[[list[np.ndarray]], np.ndarray]] = {
    "min": lambda xs: functools.reduce(np.minimum, xs),
    "max": lambda xs: functools.reduce(np.maximum, xs),
    "log": lambda xs: np.log(np.where(xs[0] > 0, xs[0], np.nan)),
    "exp": lambda xs: np.exp(xs[0]),
    "round": lambda xs: np.round(xs[0]),  # as Python's: halves to even
}
_NUMBER = np.frompyfunc(lambda v: np.nan if (x := number(v)) is None else x, 1, 1)
_SAME = np.frompyfunc(same, 2, 1)


def _numbers(a: np.ndarray) -> Pair:
    """Values as doubles, and where they are numbers (not strings or booleans)."""
    a = np.asarray(a)
    kind = a.dtype.kind
    if kind in "fiu":
        return a.astype(np.float64, copy=False), _TRUE
    if kind == "O":
        x = np.asarray(_NUMBER(a), dtype=np.float64)
        return x, ~np.isnan(x)
    return np.full(a.shape, np.nan), np.array(False)


def _equal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise `same`: values of different kinds (true and 1, "1" and 1) are unequal."""
    a, b = np.asarray(a), np.asarray(b)
    ka, kb = a.dtype.kind, b.dtype.kind
    if "O" in (ka, kb):
        return np.asarray(_SAME(a.astype(object), b.astype(object)), dtype=bool)
    numeric = {ka in "fiu", kb in "fiu"}
    if numeric == {True} or ka == kb:
        return np.asarray(np.equal(a, b), dtype=bool)
    return np.zeros(np.broadcast_shapes(a.shape, b.shape), dtype=bool)


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
    if isinstance(expr, ir.BinOp):
        left, right = compile_expr(expr.left), compile_expr(expr.right)
        op = _ARITH[expr.op]

        def arith(env: Env) -> Pair:
            (lv, lk), (rv, rk) = left(env), right(env)
            (x, xn), (y, yn) = _numbers(lv), _numbers(rv)
            with np.errstate(all="ignore"):
                # a non-finite result (x / 0, a negative base to a fractional power) is unknown
                out = op(x, y)
            return out, lk & rk & xn & yn & np.isfinite(out)
        return arith
    if isinstance(expr, ir.UnaryOp):
        inner = compile_expr(expr.operand)

        def neg(env: Env) -> Pair:
            v, k = inner(env)
            x, xn = _numbers(v)
            return -x, k & xn
        return neg
    if isinstance(expr, ir.Call):
        return _compile_func(expr)
    if isinstance(expr, ir.Compare):
        left, right = compile_expr(expr.left), compile_expr(expr.right)
        if expr.op in ("==", "!="):
            negated = expr.op == "!="

            def equality(env: Env) -> Pair:
                (lv, lk), (rv, rk) = left(env), right(env)
                hit = _equal(lv, rv)
                return (~hit if negated else hit), lk & rk
            return equality
        order = _ORDER[expr.op]

        def ordering(env: Env) -> Pair:
            (lv, lk), (rv, rk) = left(env), right(env)
            (x, xn), (y, yn) = _numbers(lv), _numbers(rv)
            with np.errstate(invalid="ignore"):
                return order(x, y), lk & rk & xn & yn
        return ordering
    if isinstance(expr, ir.In):
        return _compile_member(expr)
    if isinstance(expr, ir.And | ir.Or):
        parts = [compile_expr(o) for o in expr.operands]
        conj = isinstance(expr, ir.And)

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
    if isinstance(expr, ir.Not):
        inner = compile_expr(expr.operand)

        def negation(env: Env) -> Pair:
            v, k = inner(env)
            return ~np.asarray(v, dtype=bool), k
        return negation
    raise TypeError(f"cannot compile {type(expr).__name__}")


def _compile_func(expr: ir.Call) -> Evaluator:
    args = [compile_expr(a) for a in expr.args]
    apply = _FUNCS[expr.func]

    def call(env: Env) -> Pair:
        known: np.ndarray = _TRUE
        vals = []
        for a in args:
            v, k = a(env)
            x, xn = _numbers(v)
            known = known & k & xn
            vals.append(x)
        with np.errstate(all="ignore"):
            out = apply(vals)
        return out, known & np.isfinite(out)
    return call


def _compile_member(expr: ir.In) -> Evaluator:
    operand = compile_expr(expr.operand)
    options = [const_array(o) for o in expr.options]
    negated = expr.negated

    def member(env: Env) -> Pair:
        v, k = operand(env)
        hit = np.zeros(np.shape(v), dtype=bool)
        for o in options:
            hit = hit | _equal(v, o)
        return (~hit if negated else hit), k
    return member


class _Prefix:
    """The conjunction of `parent`'s conditions and one more (`part`), and the names read."""

    __slots__ = ("parent", "cond", "part", "names", "children")

    def __init__(self, parent: _Prefix | None, cond: ir.RExpr | None, part: Evaluator | None,
                 names: tuple[str, ...]) -> None:
        self.parent, self.cond, self.part, self.names = parent, cond, part, names
        self.children: dict[int, _Prefix] = {}


class Conjunctions:
    """Conjunctions of condition tuples, built and evaluated by shared prefixes.

    The branches of an `elif` chain each carry the negations of every earlier branch: N
    branches hold N**2 conditions in all. Here each distinct prefix is one node, built
    once, and over one Env each node is evaluated once (`Env.memo`, checked against the
    columns it read), so the chain costs N steps, not N**2.
    """

    MEMO = 256  # prefixes kept per Env: a chain needs only the latest

    def __init__(self, compile: Callable[[ir.RExpr], Evaluator]) -> None:
        self._compile = compile
        self._root = _Prefix(None, None, None, ())
        self.nodes = 0  # prefixes built (tests count them)

    def of(self, conds: tuple[ir.RExpr, ...]) -> Evaluator | None:
        """All of `conds` (Kleene), or None when there are none."""
        if not conds:
            return None
        if len(conds) == 1:
            return self._compile(conds[0])
        node = self._root
        for c in conds:
            child = node.children.get(id(c))
            if child is None:
                new = [r for r in sorted(ir.refs(c)) if r not in node.names]
                child = _Prefix(node, c, self._compile(c), (*node.names, *new))
                node.children[id(c)] = child
                self.nodes += 1
            node = child
        return functools.partial(self._evaluate, node)

    def _evaluate(self, node: _Prefix, env: Env) -> Pair:
        path: list[_Prefix] = []
        # (where all conditions so far are true, where one is false)
        t: np.ndarray = _TRUE
        f: np.ndarray = np.array(False)
        at: _Prefix | None = node
        while at is not None and at.part is not None:
            hit = env.memo.get(id(at))
            if hit is not None and all(
                    a is env.columns.get(n) for a, n in zip(hit[0], at.names, strict=True)):
                t, f = hit[1]
                break
            path.append(at)
            at = at.parent
        for at in reversed(path):
            assert at.part is not None
            v, k = at.part(env)
            t = t & (v & k)
            f = f | (~v & k)
            if len(env.memo) >= self.MEMO:
                del env.memo[next(iter(env.memo))]
            env.memo[id(at)] = (tuple(env.columns.get(n) for n in at.names), (t, f))
        return t, t | f


def full(a: object, n: int, dtype: DTypeLike | None = None) -> np.ndarray:
    """`a` as an array of shape (n,): constants (0-d results) are repeated."""
    arr = np.asarray(a, dtype=dtype)
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
