"""`load` / `loads` / `check_text` / `check_file`: the whole pipeline from source to `Space`."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple

from ._arguments import PathArgument, file_path, source_text
from .analysis import analyse_file, analyse_text, split_sources
from .analysis.ir import Analysis
from .compile import Space, compile_space
from .diagnostics import Diagnostic, sort_key
from .errors import SpaceError


class CheckResult(NamedTuple):
    """What `check_text` and `check_file` found."""

    space: Space | None  # None when there are errors
    diagnostics: list[Diagnostic]  # errors and warnings, sorted by place
    sources: dict[str, str]  # the text of every file read, for rendering diagnostics


def check_text(text: str, path: str = "<string>", base_dir: str | None = None,
               real_path: str | None = None) -> CheckResult:
    """Run every stage over source text; includes resolve against `base_dir` (default:
    the working directory)."""
    arguments = _text_arguments("check_text", text, path, base_dir)
    with _collector_paused():
        return _compile(*analyse_text(*arguments, real_path))


def check_file(path: PathArgument) -> CheckResult:
    """`check_text` for a file; unreadable files are diagnostics too (HPS002)."""
    with _collector_paused():
        return _compile(*analyse_file(file_path(path, "check_file")))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsing and analysis build up to millions of small nodes that live until the end:
    Python's cycle collector would scan them all again and again (60% of the lint of a
    100,000-term `and` chain) and free nothing. It runs once at the end instead."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _compile(analysis: Analysis | None, diags: list[Diagnostic],
             sources: dict[str, str]) -> CheckResult:
    if analysis is None:
        return CheckResult(None, sorted(diags, key=sort_key), sources)
    space, more = compile_space(analysis, sources.get(analysis.path, ""))
    diags = sorted(diags + more, key=sort_key)
    if any(d.is_error for d in diags):
        return CheckResult(None, diags, sources)
    space.warnings = [d for d in diags if not d.is_error]
    return CheckResult(space, diags, sources)


def loads(text: str, path: str = "<string>", base_dir: str | None = None) -> Space:
    """Compile a space from source text. Includes resolve against `base_dir` (default: cwd).

    Raises SpaceError carrying every diagnostic if the space has errors.
    """
    checked = check_text(*_text_arguments("loads", text, path, base_dir))
    if checked.space is None:
        raise SpaceError(checked.diagnostics, checked.sources)
    return checked.space


def load_recorded(recorded: str) -> Space:
    """Compile the space a study recorded (`Space.full_source`): its includes come from
    the recorded texts, never from the filesystem. Raises SpaceError on errors."""
    text, included = split_sources(recorded)
    space, diags, sources = _compile(*analyse_text(text, "<study>", recorded=included))
    if space is None:
        raise SpaceError(diags, sources)
    return space


def load(path: PathArgument) -> Space:
    """Compile a space from a `.hps` file. Raises SpaceError on errors."""
    checked = check_file(file_path(path, "load"))
    if checked.space is None:
        raise SpaceError(checked.diagnostics, checked.sources)
    return checked.space


def _text_arguments(func: str, text: object, path: object, base_dir: object
                    ) -> tuple[str, str, str | None]:
    return (source_text(text, func), file_path(path, func, "`path` (the name to report)"),
            None if base_dir is None else file_path(base_dir, func, "`base_dir` (a folder)"))
