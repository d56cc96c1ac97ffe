"""The scalar evaluator and the vectorized one give the same answers, and hpdsl, its
static analysis and its converters decide every expression the same way."""

from __future__ import annotations

import random
from typing import Any

import numpy as np
import pytest

import hpdsl
from hpdsl.analysis import ir
from hpdsl.analysis.evaluate import evaluate
from hpdsl.analysis.unparse import expr_text
from hpdsl.compile._evaluate import Column, Env, compile_expr, full
from hpdsl.diagnostics import Span
from hpdsl.errors import SpaceError

SPAN = Span("<test>", 1, 1, 1, 1, 0, 0)
ROWS = 12
EXPRESSIONS = 4000

NUMBERS: list[int | float] = [
    0, 1, -1, 2, 3, 7, -7, 10, 1000, 2000, 2**53 + 1, 2**62, -(2**62), 10**18,
    0.0, -0.0, 0.5, -2.5, 0.1, 1e-3, 1e16, 1e300, -1e300, 1e308, -1e308, 1.7e308, 1e-308,
    5e-324, 709.5, 710.0, 0.3,
]
STRINGS = ["a", "b", "1", "", "true"]
BOOLS = [True, False]
MIXED: list[ir.Value] = [1, "1", True, 2.5, "a", 0, False]

# name -> (kind, the values it takes); the kinds are the columns `Program` builds
PARAMS: dict[str, tuple[str, list[Any]]] = {
    "x": ("number", NUMBERS), "y": ("number", NUMBERS), "n": ("number", [0, 1, 2, 3, -4, 2**60]),
    "flag": ("bool", BOOLS), "s": ("str", STRINGS), "m": ("mixed", MIXED),
}


class Generator:
    """Random resolved expressions: mostly well typed, sometimes not (as analysis would
    refuse, but an evaluator must still answer without crashing, and both the same)."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def const(self) -> ir.Const:
        pool: list[Any] = self.r.choice([NUMBERS, NUMBERS, STRINGS, BOOLS])
        return ir.Const(self.r.choice(pool), SPAN)

    def ref(self, *kinds: str) -> ir.Ref:
        names = [n for n, (k, _) in PARAMS.items() if k in kinds]
        return ir.Ref(self.r.choice(names), SPAN)

    def num(self, depth: int) -> ir.RExpr:
        r = self.r.random()
        if depth <= 0 or r < 0.3:
            if self.r.random() < 0.08:  # a string, boolean or mixed operand
                odd: list[ir.RExpr] = [self.const(), self.ref("bool", "str", "mixed")]
                return self.r.choice(odd)
            if self.r.random() < 0.5:
                return ir.Const(self.r.choice(NUMBERS), SPAN)
            return self.ref("number")
        if r < 0.7:
            op = self.r.choice(["+", "-", "*", "/", "//", "**", "**"])
            return ir.BinOp(op, self.num(depth - 1), self.num(depth - 1), SPAN)
        if r < 0.8:
            return ir.UnaryOp(self.num(depth - 1), SPAN)
        func = self.r.choice(["min", "max", "log", "exp", "round"])
        n = self.r.randint(2, 3) if func in ("min", "max") else 1
        return ir.Call(func, tuple(self.num(depth - 1) for _ in range(n)), SPAN)

    def any(self, depth: int) -> ir.RExpr:
        r = self.r.random()
        if r < 0.5:
            return self.num(depth)
        if r < 0.7:
            return self.const()
        if r < 0.85:
            return self.ref("str", "mixed", "bool")
        return self.cond(depth)

    def cond(self, depth: int) -> ir.RExpr:
        r = self.r.random()
        if depth <= 0 or r < 0.1:
            leaves: list[ir.RExpr] = [ir.Const(self.r.choice(BOOLS), SPAN), self.ref("bool")]
            return self.r.choice(leaves)
        if r < 0.35:
            op = self.r.choice(["<", "<=", ">", ">="])
            left, right = self.num(depth - 1), self.num(depth - 1)
            if self.r.random() < 0.1:  # ordering strings or booleans
                left, right = self.any(depth - 1), self.any(depth - 1)
            return ir.Compare(op, left, right, SPAN)
        if r < 0.55:
            op = self.r.choice(["==", "!="])
            return ir.Compare(op, self.any(depth - 1), self.any(depth - 1), SPAN)
        if r < 0.65:
            options = tuple(self.const().value for _ in range(self.r.randint(1, 4)))
            return ir.In(self.any(depth - 1), options, self.r.random() < 0.5, SPAN)
        if r < 0.9:
            node = ir.And if self.r.random() < 0.5 else ir.Or
            return node(tuple(self.cond(depth - 1) for _ in range(self.r.randint(2, 3))), SPAN)
        return ir.Not(self.cond(depth - 1), SPAN)

    def rows(self) -> list[dict[str, Any]]:
        """Values of the active names, row by row (each name inactive now and then)."""
        return [{name: self.r.choice(values) for name, (_, values) in PARAMS.items()
                 if self.r.random() < 0.8} for _ in range(ROWS)]


def env_of(rows: list[dict[str, Any]]) -> Env:
    """The columns `Program.run` would hold for these rows (junk where inactive)."""
    env = Env(len(rows))
    for name, (kind, values) in PARAMS.items():
        column = [row.get(name, values[0]) for row in rows]
        active = np.array([name in row for row in rows])
        if kind == "number":
            array = np.array(column, dtype=np.float64)
        elif kind == "bool":
            array = np.array(column, dtype=bool)
        elif kind == "str":
            array = np.array(column, dtype=str)
        else:
            array = np.empty(len(rows), dtype=object)
            array[:] = column
        env.columns[name] = Column(array, active)
    return env


def same_answer(scalar: tuple[Any, bool], value: Any, known: bool) -> bool:
    v, k = scalar
    if k != known:
        return False
    if not k:
        return True
    if isinstance(v, bool) or isinstance(value, np.bool_ | bool):
        return isinstance(v, bool) and isinstance(value, np.bool_ | bool) and v == value
    if isinstance(v, str):
        return v == value
    return float(v) == float(value)


def disagreements(seed: int, count: int) -> list[str]:
    gen = Generator(seed)
    found = []
    for i in range(count):
        expr = gen.cond(4) if i % 2 else gen.any(4)
        rows = gen.rows()
        with np.errstate(all="raise"):  # the vectorized evaluator warns of nothing
            values, known = compile_expr(expr)(env_of(rows))
        values, known = full(values, ROWS), full(known, ROWS)
        for row, value, k in zip(rows, values, known, strict=True):
            scalar = evaluate(expr, row)
            if not same_answer(scalar, value, bool(k)):
                found.append(f"{expr_text(expr)}\n  with {row}: scalar {scalar}, vectorized "
                             f"{(value, bool(k))}")
    return found


@pytest.mark.parametrize("seed", range(4))
def test_scalar_and_vectorized_evaluators_agree(seed: int) -> None:
    found = disagreements(seed, EXPRESSIONS // 4)
    assert not found, f"{len(found)} disagreements, the first:\n" + "\n".join(found[:3])


def test_the_generator_covers_the_hard_cases() -> None:
    """A test that could not meet overflow, kinds and unknowns would prove nothing."""
    gen = Generator(0)
    outcomes = {"known": 0, "unknown with every name active": 0, "true": 0, "false": 0}
    for _ in range(500):
        expr = gen.cond(4)
        for row in gen.rows():
            value, known = evaluate(expr, row)
            full_row = {name: values[0] for name, (_, values) in PARAMS.items()} | row
            outcomes["known"] += known
            outcomes["unknown with every name active"] += not evaluate(expr, full_row)[1]
            if known:
                outcomes["true" if value else "false"] += 1
    assert all(count > 200 for count in outcomes.values()), outcomes


def x_is(text: str) -> ir.RExpr:
    space = hpdsl.loads(f"x ~ choice(10, 20)\nif {text} then y ~ uniform(0, 1)\n")
    (decl,) = [d for d in space.coords.analysis.decls if d.name == "y"]
    return decl.conditions[0]


@pytest.mark.parametrize("condition", ["x * 1e308 > 1", "x ** 2000 > 1", "x ** 2000 == x"])
def test_overflow_is_unknown(condition: str) -> None:
    """The language's numbers are doubles: a result beyond 1.8e308 is unknown, not `inf`
    (which would make `x * 1e308 > 1` true) nor a 2,000-digit integer."""
    expr = x_is(condition)
    assert evaluate(expr, {"x": 10}) == (None, False)
    assert not full(compile_expr(expr)(env_of([{"x": 10}]))[1], 1)[0]


@pytest.mark.parametrize("condition", ["x * 1e308 > 1", "x ** 2000 > 1"])
def test_hyperopt_leaves_out_what_overflow_deactivates(condition: str) -> None:
    """hpdsl never activates `y`; the hyperopt space must not sample it either."""
    space = hpdsl.loads(f"x ~ choice(10, 20)\nif {condition} then y ~ uniform(0, 1)\n")
    assert all("y" not in cfg for cfg in space.sample(0, 50))
    warnings: list[str] = []
    source = hpdsl.convert.to_hyperopt_source(space, warnings)
    assert "'y'" not in source and warnings == []


def test_ordering_strings_is_an_error_even_between_constants() -> None:
    """`"a" < "b"` was true when folded as a constant, false when sampled: ordering is for
    numbers, as it is for parameters (HPS103)."""
    with pytest.raises(SpaceError, match=r"HPS103.*`<` needs numbers"):
        hpdsl.loads('if "a" < "b" then x ~ uniform(0, 1)\n')
    expr = ir.Compare("<", ir.Const("a", SPAN), ir.Const("b", SPAN), SPAN)
    assert evaluate(expr, {}) == (None, False)


def test_true_is_not_one_when_folded() -> None:
    """`true == 1` folded by Python's `==` was true; sampled, it was false."""
    space = hpdsl.loads("if true == 1 then x ~ uniform(0, 1)\ny ~ uniform(0, 1)\n")
    assert "x" not in space.sample(0)

