"""The parser as a component: parses independent of each other, the compiled grammar cached
on disk where a user can write (and silently not where they cannot), one pass per error."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from hpdsl.syntax import SYNTAX_EXAMPLES, _grammar, _parser, ast, parse

TEXTS = [
    "# a comment\nx ~ uniform(0, 1)\n",
    "lr ~ loguniform(1e-5, 1e-1) default 0.01  # tuned\nif lr > 0.01 { m ~ choice(a, b) }\n",
    "for i in 1..3 {\n    u[i] ~ randint(1, 2 ** i)\n}\nforbid u[1] > (u[2] + 1)\n",
    "s {\n    k ~ pchoice(0.3: a, 0.7: b)\n}\nrequire not (s.k == a and s.k in {a, b})\n",
]


def spans(module: ast.Module) -> list[object]:
    """Every span in the module (nodes and comments)."""
    out: list[object] = []
    stack: list[object] = [module.body, module.comments]
    while stack:
        node = stack.pop()
        if isinstance(node, tuple):
            stack.extend(node)
        elif hasattr(node, "__slots__") and not isinstance(node, str):
            for name in node.__slots__:
                child = getattr(node, name)
                if name.endswith("span"):
                    out.append(child)
                else:
                    stack.append(child)
    return out


def test_parses_in_threads_are_independent() -> None:
    expected = {f"f{i}.hps": parse(text, f"f{i}.hps") for i, text in enumerate(TEXTS)}
    jobs = [(f"f{i % len(TEXTS)}.hps", TEXTS[i % len(TEXTS)]) for i in range(200)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda job: (job[0], parse(job[1], job[0])), jobs))
    for path, (module, diags) in results:
        assert diags == [] and module is not None
        assert (module, diags) == expected[path]
        assert {span.file for span in spans(module)} == {path}  # type: ignore[attr-defined]
    assert any(m.comments for _, (m, _) in results if m is not None)


def test_a_syntax_error_is_parsed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    parse("x ~\n")  # the table of examples is parsed once per process, on the first error
    calls = []

    def counted(source: str) -> _grammar.Parsed:
        calls.append(source)
        return _grammar.parse_tree(source)

    monkeypatch.setattr(_parser, "parse_tree", counted)
    message = next(iter(SYNTAX_EXAMPLES))
    _, diags = parse("a = 1\nx ~\n")
    assert [d.message for d in diags] == [message] and len(calls) == 1


@pytest.fixture
def fresh_parser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Parse with the parser built anew, as in a new process, with a given cache directory."""

    def parse_with_cache(cache_home: Path) -> None:
        monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
        _grammar.parser.cache_clear()
        module, diags = parse("x ~ uniform(0, 1)\n")
        assert diags == [] and module is not None

    yield parse_with_cache
    monkeypatch.undo()
    _grammar.parser.cache_clear()


def test_the_compiled_grammar_is_cached_in_the_user_cache_directory(
        fresh_parser: Callable[[Path], None], tmp_path: Path) -> None:
    fresh_parser(tmp_path)
    (cached,) = (tmp_path / "hpdsl").iterdir()
    assert cached == Path(str(_grammar.cache_file(_grammar.grammar_text())))
    written = cached.stat().st_mtime_ns
    fresh_parser(tmp_path)  # loaded, not compiled and written again
    assert cached.stat().st_mtime_ns == written


def test_an_unusable_cache_is_skipped_silently(
        fresh_parser: Callable[[Path], None], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capfd: pytest.CaptureFixture[str]) -> None:
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    fresh_parser(not_a_directory)
    assert _grammar.cache_file("grammar") is None
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    cached = Path(str(_grammar.cache_file(_grammar.grammar_text())))
    cached.write_bytes(b"not a cache\n\x80garbage")
    fresh_parser(tmp_path)  # read fails: compiled, and the cache is rewritten
    assert cached.stat().st_size > 1000
    if os.geteuid() != 0:  # root writes anywhere
        cached.unlink()
        cached.parent.chmod(0o500)
        try:
            fresh_parser(tmp_path)
            assert not cached.exists()
        finally:
            cached.parent.chmod(0o700)
    assert capfd.readouterr() == ("", "")
