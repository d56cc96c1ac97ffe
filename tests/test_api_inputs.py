"""Every public function that takes space text or a path answers bad input as the command
line does: a diagnostic for binary data or an unusable path, a TypeError saying what was
expected for the wrong type, never a raw error from deep inside."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import hpdsl
from hpdsl.cli import main
from hpdsl.storage import list_studies

TEXT_FUNCTIONS: dict[str, Callable[[Any], object]] = {
    "loads": hpdsl.loads,
    "check_text": hpdsl.check_text,
    "format_source": hpdsl.format_source,
}
PATH_FUNCTIONS: dict[str, Callable[[Any], object]] = {
    "load": hpdsl.load,
    "check_file": hpdsl.check_file,
}


@pytest.mark.parametrize("name", list(TEXT_FUNCTIONS))
def test_text_functions_say_they_expected_text(name: str) -> None:
    func = TEXT_FUNCTIONS[name]
    with pytest.raises(TypeError, match=rf"^{name}\(\) takes the space's source text as str, "
                       "not NoneType; to read a file use hpdsl.load"):
        func(None)
    with pytest.raises(TypeError, match=r"not bytes: decode it first"):
        func(b"x ~ uniform(0, 1)\n")


@pytest.mark.parametrize("name", list(PATH_FUNCTIONS))
def test_path_functions_say_they_expected_a_path(name: str) -> None:
    with pytest.raises(TypeError, match=rf"^{name}\(\) takes the path of a .hps file as str "
                       "or os.PathLike, not NoneType"):
        PATH_FUNCTIONS[name](None)


def _lint_codes(path: Path, capsys: pytest.CaptureFixture[str]) -> list[str]:
    main(["lint", "--format", "concise", str(path)])
    out = capsys.readouterr().out
    return [line.split(": ", 1)[1] for line in out.splitlines()]


@pytest.mark.parametrize("text", ['include "a\x00.hps"\n', "x ~ uniform(0, 1)\x00\n"],
                         ids=["in an include path", "in a statement"])
def test_a_nul_byte_in_text_is_the_diagnostic_the_command_line_gives(
        text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.hps"
    path.write_text(text)
    cli = _lint_codes(path, capsys)
    assert len(cli) == 1 and "error[HPS002]" in cli[0]
    for name, func in TEXT_FUNCTIONS.items():
        if name == "check_text":
            space, diags, _ = hpdsl.check_text(text)
            assert space is None
        else:
            with pytest.raises(hpdsl.SpaceError) as info:
                func(text)
            diags = info.value.diagnostics
        assert [(d.code, d.span.line, d.span.column) for d in diags] == [("HPS002", 1, 11 if
                                                                           "include" in text
                                                                           else 18)], name
        assert diags[0].message == "binary data: the text contains a NUL byte"
    space, diags, _ = hpdsl.check_file(str(path))
    assert space is None and [d.message for d in diags] == [
        "binary data: the file contains a NUL byte"]


def test_a_nul_byte_in_a_path_is_a_diagnostic(tmp_path: Path) -> None:
    bad = str(tmp_path / "a\x00.hps")
    for func in (hpdsl.load,
                 lambda p: hpdsl.fmin(lambda c: 0.0, p, max_evals=1, show_progressbar=False),
                 hpdsl.Study):
        with pytest.raises(hpdsl.SpaceError, match="a path cannot contain a NUL byte"):
            func(bad)
    space, diags, _ = hpdsl.check_file(bad)
    assert space is None and [d.code for d in diags] == ["HPS002"]
    assert "\x00" not in diags[0].span.file  # shown escaped, not as a raw control character
    with pytest.raises(hpdsl.SpaceError, match="HPS401.*contains a NUL byte"):
        hpdsl.loads('include "a.hps"\n', base_dir=str(tmp_path) + "\x00")
    with pytest.raises(hpdsl.ConfigurationError, match="a path cannot contain a NUL byte"):
        hpdsl.Trials(f"sqlite:///{bad}.db")
    with pytest.raises(TypeError, match="a storage URL is a str"):
        list_studies(b"sqlite:///x.db")  # type: ignore[arg-type]


def test_paths_may_be_pathlike_or_bytes(tmp_path: Path) -> None:
    path = tmp_path / "s.hps"
    path.write_text("x ~ uniform(0, 1)\n")
    for given in (path, str(path), bytes(path)):
        assert hpdsl.load(given).names == ["x"]
    assert hpdsl.check_file(path)[0] is not None
