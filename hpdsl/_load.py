"""`load` / `loads` / `check_file`: the whole pipeline from source to `Space`."""

from __future__ import annotations

import os

from .analysis import analyse_file, analyse_text
from .analysis.ir import Analysis
from .compile import Space, compile_space
from .diagnostics import Diagnostic, sort_key
from .errors import SpaceError


def check_text(text: str, path: str = "<string>", base_dir: str | None = None,
               real_path: str | None = None) -> tuple[Space | None, list[Diagnostic],
                                                       dict[str, str]]:
    """Run every stage; return the space (None on errors), all diagnostics and the text of
    every file read (for rendering diagnostics)."""
    return _compile(*analyse_text(text, path, base_dir, real_path))


def check_file(path: str) -> tuple[Space | None, list[Diagnostic], dict[str, str]]:
    """`check_text` for a file; unreadable files are diagnostics too (HPS002)."""
    return _compile(*analyse_file(path))


def _compile(analysis: Analysis | None, diags: list[Diagnostic], sources: dict[str, str]
             ) -> tuple[Space | None, list[Diagnostic], dict[str, str]]:
    if analysis is None:
        return None, sorted(diags, key=sort_key), sources
    space, more = compile_space(analysis, sources.get(analysis.path, ""))
    diags = sorted(diags + more, key=sort_key)
    if any(d.is_error for d in diags):
        return None, diags, sources
    space.warnings = [d for d in diags if not d.is_error]
    return space, diags, sources


def loads(text: str, path: str = "<string>", base_dir: str | None = None) -> Space:
    """Compile a space from source text. Includes resolve against `base_dir` (default: cwd).

    Raises SpaceError carrying every diagnostic if the space has errors.
    """
    space, diags, sources = check_text(text, path, base_dir)
    if space is None:
        raise SpaceError(diags, sources)
    return space


def load(path: str | os.PathLike[str]) -> Space:
    """Compile a space from a `.hps` file. Raises SpaceError on errors."""
    space, diags, sources = check_file(os.fspath(path))
    if space is None:
        raise SpaceError(diags, sources)
    return space
