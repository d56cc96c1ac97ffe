"""Values printed back to `.hps` source (by `hpdsl show`, `hpdsl fmt`, the converters and
messages) read back as the same values."""

from __future__ import annotations

import random

import pytest

import hpdsl
from hpdsl.analysis.unparse import KEYWORDS, literal, value_text
from hpdsl.format import format_source
from hpdsl.syntax import ast, parse

AWKWARD = ["plain", "two words", 'say "hi"', "back\\slash", "line\nbreak", "tab\there",
           "nul\0", "cr\r", "", "1", "true", "if", "_x9", "9x", "é", "a.b", "'", "\\n"]


def random_strings(seed: int, count: int) -> list[str]:
    r = random.Random(seed)
    alphabet = "ab_9 \"'\\\n\r\t\0é.{}#"
    return [''.join(r.choice(alphabet) for _ in range(r.randint(0, 8))) for _ in range(count)]


@pytest.mark.parametrize("text", AWKWARD + sorted(KEYWORDS) + random_strings(0, 300))
def test_a_string_reads_back_as_itself(text: str) -> None:
    for printed in (literal(text), value_text(text)):
        module, diags = parse(f"x ~ choice({printed}, 0)\n")
        assert module is not None, (printed, [d.message for d in diags])
        (stmt,) = module.body
        assert isinstance(stmt, ast.Sample)
        option = stmt.dist.args[0].value
        got = option.name if isinstance(option, ast.Name) else getattr(option, "value", None)
        assert got == text, printed


@pytest.mark.parametrize("value", [True, False, 0, -3, 2**53, 0.1, 1e-300, -2.5e300])
def test_booleans_and_numbers_read_back_as_themselves(value: float) -> None:
    space = hpdsl.loads(f"x = {literal(value)}\n")
    assert space.sample(0)["x"] == value


@pytest.mark.parametrize("option", ["if", "line\nbreak", "é", 'say "hi"'])
def test_show_writes_options_that_read_back(option: str) -> None:
    """`hpdsl show` wrote `choice(if, b)` (a keyword as a label) and broke a string with a
    newline over two lines."""
    space = hpdsl.loads(f"x ~ choice({literal(option)}, b)\n")
    (param,) = space.parameters
    again = hpdsl.loads(f"x ~ {param.distribution}\n")
    assert again.parameters[0].distribution == param.distribution
    assert {again.sample(seed)["x"] for seed in range(40)} == {option, "b"}


def test_fmt_keeps_strings_as_written() -> None:
    text = "x ~ choice('single', \"dou\\\"ble\", \"tab\\t\")\ninclude 'other.hps'\n"
    assert format_source(text) == text
