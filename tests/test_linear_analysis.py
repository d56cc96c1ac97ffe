"""Issue 10 item 3: lint stays near-linear in the length of an `elif` or `and` chain.

Counted, not timed: the condition evaluators built and run, and the operands copied
while parsing, for a chain of N and of 2N terms (quadratic work would take 4 times as
many at 2N; linear work twice as many).
"""

from __future__ import annotations

from collections import Counter

import pytest

import hpdsl
from hpdsl.compile import _evaluate, _program
from hpdsl.syntax import ast, parse

LINEAR = 2.2


def elif_chain(branches: int) -> str:
    """`m` picks one of N branches, each redeclaring `x` (every branch carries the
    negations of all earlier ones)."""
    keyword = ["if", *["} elif"] * (branches - 1)]
    arms = "".join(f"{kw} m == {i} {{\n    x ~ uniform(0, {i + 1})\n"
                   for i, kw in enumerate(keyword))
    return f"m ~ randint(0, {branches})\n{arms}}} else {{\n    x ~ uniform(0, 1)\n}}\n"


def evaluator_work(monkeypatch: pytest.MonkeyPatch, text: str) -> Counter[str]:
    """Lint `text`, counting condition evaluators built and run."""
    counts: Counter[str] = Counter()
    real = _evaluate.compile_expr

    def counting(expr: object) -> _evaluate.Evaluator:
        counts["built"] += 1
        inner = real(expr)  # type: ignore[arg-type]

        def run(env: _evaluate.Env) -> tuple[object, object]:
            counts["run"] += 1
            return inner(env)
        return run  # type: ignore[return-value]

    with monkeypatch.context() as m:
        m.setattr(_evaluate, "compile_expr", counting)
        m.setattr(_program, "compile_expr", counting)
        space, diags, _ = hpdsl.check_text(text)
    assert space is not None, diags
    return counts


def test_an_elif_chain_costs_linear_evaluator_work(monkeypatch: pytest.MonkeyPatch) -> None:
    small = evaluator_work(monkeypatch, elif_chain(60))
    large = evaluator_work(monkeypatch, elif_chain(120))
    for what in ("built", "run"):
        assert large[what] <= LINEAR * small[what], (what, small, large)


def test_an_elif_chain_still_finds_its_dead_branch() -> None:
    """The shared prefixes give the same answers: the branches past `m`'s range are dead."""
    text = elif_chain(80).replace("randint(0, 80)", "randint(0, 40)")
    _, diags, _ = hpdsl.check_text(text)
    dead = [d for d in diags if d.code == "HPS203"]
    # m == 41 .. m == 79 never hold (randint includes 40), nor does the `else`
    assert len(dead) == 40, [d.message for d in diags]


def operands_built(monkeypatch: pytest.MonkeyPatch, terms: int) -> int:
    """Operands held by every `and` node built while parsing an N-term chain."""
    total = 0

    class Counted(ast.And):
        __slots__ = ()

        def __init__(self, operands: tuple[ast.Expr, ...], span: object) -> None:
            nonlocal total
            total += len(operands)
            super().__init__(operands, span)  # type: ignore[arg-type]

    text = "forbid " + " and ".join(f"a > {i}" for i in range(terms)) + "\n"
    with monkeypatch.context() as m:
        m.setattr(ast, "And", Counted)
        parse(text, "<chain>")
    return total


def test_an_and_chain_parses_in_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    small, large = operands_built(monkeypatch, 500), operands_built(monkeypatch, 1000)
    assert 0 < large <= LINEAR * small, (small, large)
