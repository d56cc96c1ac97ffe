"""Every diagnostic code has failing fixtures; the syntax-error table is tested itself.

Each `tests/fixtures/lint/*.hps` states what `check_file` must report in header lines:

    # expect: CODE [FILE:]LINE:COL [error|warning] ["fragment of the message or help"]
    # expect: nothing

FILE (relative to the fixture) defaults to the fixture itself. The reported
diagnostics must be exactly the expected ones: none missing, none extra, none twice.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from corpora import FIXTURES_DIR, LINT_FIXTURES

import hpdsl
from hpdsl.diagnostics import Diagnostic, Severity, Span
from hpdsl.diagnostics._codes import CODES
from hpdsl.syntax import SYNTAX_EXAMPLES, parse

_EXPECT = re.compile(
    r"#\s*expect:\s*(?P<code>HPS\d{3})\s+(?:(?P<file>\S+):)?(?P<line>\d+):(?P<col>\d+)"
    r"(?:\s+(?P<severity>error|warning))?(?:\s+\"(?P<fragment>.*)\")?\s*$"
)


@dataclass(frozen=True)
class Expected:
    code: str
    file: str
    line: int
    col: int
    severity: str | None
    fragment: str | None

    @property
    def where(self) -> tuple[str, str, int, int]:
        return (self.code, self.file, self.line, self.col)


def _real(path: str | Path) -> str:
    return os.path.realpath(path)


def expectations(fixture: Path) -> list[Expected]:
    """The header of a fixture; an unreadable `# expect` line fails the test."""
    out: list[Expected] = []
    nothing = False
    text = fixture.read_bytes().decode("utf-8", errors="replace")
    for line in text.splitlines():
        if not line.startswith("# expect"):
            continue
        if line.strip() == "# expect: nothing":
            nothing = True
            continue
        m = _EXPECT.fullmatch(line)
        assert m, f"{fixture.name}: malformed header line {line!r}"
        file = _real(fixture.parent / m["file"]) if m["file"] else _real(fixture)
        out.append(Expected(m["code"], file, int(m["line"]), int(m["col"]), m["severity"],
                            m["fragment"]))
    assert nothing != bool(out), f"{fixture.name}: needs `# expect:` lines or `# expect: nothing`"
    return out


def _where(d: Diagnostic) -> tuple[str, str, int, int]:
    return (d.code, _real(d.span.file), d.span.line, d.span.column)


def _show(d: Diagnostic) -> str:
    return f"{d.code} {d.span.file}:{d.span.line}:{d.span.column} {d.severity}: {d.message}"


@pytest.mark.parametrize("fixture", LINT_FIXTURES, ids=[f.stem for f in LINT_FIXTURES])
def test_fixture_reports_exactly_its_expectations(fixture: Path) -> None:
    expected = expectations(fixture)
    space, diags, _ = hpdsl.check_file(str(fixture))
    got = Counter(_where(d) for d in diags)
    want = Counter(e.where for e in expected)
    assert got == want, "reported:\n" + "\n".join(_show(d) for d in diags)
    for e in expected:
        matching = [d for d in diags if _where(d) == e.where]
        if e.severity is not None:
            assert all(str(d.severity) == e.severity for d in matching), e
        if e.fragment is not None:
            assert any(e.fragment in d.message or e.fragment in (d.help or "")
                       for d in matching), f"{e.fragment!r} not in {[_show(d) for d in matching]}"
    has_error = any(d.is_error for d in diags)
    assert (space is None) == has_error


@pytest.mark.parametrize("fixture", LINT_FIXTURES, ids=[f.stem for f in LINT_FIXTURES])
def test_load_raises_exactly_when_there_are_errors(fixture: Path) -> None:
    diags = hpdsl.check_file(str(fixture)).diagnostics
    if any(d.is_error for d in diags):
        with pytest.raises(hpdsl.SpaceError) as info:
            hpdsl.load(fixture)
        assert [_where(d) for d in info.value.diagnostics] == [_where(d) for d in diags]
    else:
        space = hpdsl.load(fixture)
        assert [_where(d) for d in space.warnings] == [_where(d) for d in diags]


def test_every_code_has_a_fixture() -> None:
    covered = {e.code for f in LINT_FIXTURES for e in expectations(f)}
    missing = sorted(set(CODES) - covered)
    assert not missing, f"codes without a failing fixture in {FIXTURES_DIR / 'lint'}: {missing}"
    unknown = sorted(covered - set(CODES))
    assert not unknown, f"fixtures expect codes that do not exist: {unknown}"


def test_there_is_a_clean_fixture() -> None:
    assert any(not expectations(f) for f in LINT_FIXTURES)


def test_the_code_decides_the_severity() -> None:
    span = Span.point("x.hps", 1, 1)
    assert Diagnostic("HPS203", "dead", span).severity is Severity.WARNING
    assert not Diagnostic("HPS203", "dead", span).is_error
    assert Diagnostic("HPS101", "unknown", span).severity is Severity.ERROR
    with pytest.raises(ValueError, match="HPS999"):
        Diagnostic("HPS999", "no such code", span)


def test_file_prefixes_name_the_code_they_test() -> None:
    for fixture in LINT_FIXTURES:
        prefix = fixture.stem.split("_")[0].upper()
        if prefix.startswith("HPS"):
            assert prefix in {e.code for e in expectations(fixture)}, fixture.name


# --- the table of syntax-error examples --------------------------------------------------

EXAMPLES = [(message, example) for message, examples in SYNTAX_EXAMPLES.items()
            for example in examples]

# An example must be recognised wherever the mistake is made: first in the file, after
# a comment (most files start with one) and after another statement.
PREFIXES = {"first": "", "after-comment": "# a comment\n", "after-statement": "a = 1\n"}


@pytest.mark.parametrize("prefix", list(PREFIXES.values()), ids=list(PREFIXES))
@pytest.mark.parametrize(("message", "example"), EXAMPLES,
                         ids=[repr(e) for _, e in EXAMPLES])
def test_syntax_example_reports_its_message(message: str, example: str, prefix: str) -> None:
    module, diags = parse(prefix + example, "ex.hps")
    assert module is None
    assert [d.code for d in diags] == ["HPS001"]
    assert diags[0].message == message


def test_syntax_examples_each_fail_in_one_place() -> None:
    """The diagnostic points into the example (or just past its end), never elsewhere."""
    for _, example in EXAMPLES:
        _, diags = parse(example, "ex.hps")
        span = diags[0].span
        lines = example.split("\n")
        assert 1 <= span.line <= len(lines), example
        assert 1 <= span.column <= len(lines[span.line - 1]) + 1, example


def test_syntax_messages_are_distinct_and_lowercase() -> None:
    assert len(SYNTAX_EXAMPLES) == len({m.lower() for m in SYNTAX_EXAMPLES})
    for message in SYNTAX_EXAMPLES:
        assert message[0] == message[0].lower() or message[0] == "`", message
