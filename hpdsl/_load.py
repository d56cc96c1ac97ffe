"""`load` / `loads` / `check_file`: the whole pipeline from source to `Space`."""

from __future__ import annotations

import os

from .analysis import analyse_file, analyse_text
from .compile import Space, compile_space
from .diagnostics import Diagnostic, sort_key
from .errors import SpaceError


def check_text(text: str, path: str = "<string>", base_dir: str | None = None,
               real_path: str | None = None) -> tuple[Space | None, list[Diagnostic],
                                                       dict[str, str]]:
    """Run every stage; return the space (None on errors), all diagnostics and sources."""
    analysis, diags = analyse_text(text, path, base_dir, real_path)
    sources = {path: text}
    if analysis is None:
        return None, sorted(diags, key=sort_key), sources
    sources.update(analysis.sources)
    space, more = compile_space(analysis, text)
    diags = sorted(diags + more, key=sort_key)
    if any(d.is_error for d in diags):
        return None, diags, sources
    space.warnings = [d for d in diags if not d.is_error]
    return space, diags, sources


def check_file(path: str) -> tuple[Space | None, list[Diagnostic], dict[str, str]]:
    analysis, diags = analyse_file(path)
    if analysis is None:
        from .analysis import read_source
        # The failed analysis kept no sources; re-read every file a diagnostic points into
        # (included files too) so that renderers can show the offending lines.
        files = {path} | {d.span.file for d in diags} | {n.span.file for d in diags
                                                         for n in d.notes}
        sources = {}
        for file in sorted(files):
            text, _ = read_source(file)
            if text is not None:
                sources[file] = text
        return None, sorted(diags, key=sort_key), sources
    text = analysis.sources.get(path, "")
    space, more = compile_space(analysis, text)
    diags = sorted(diags + more, key=sort_key)
    if any(d.is_error for d in diags):
        return None, diags, dict(analysis.sources)
    space.warnings = [d for d in diags if not d.is_error]
    return space, diags, dict(analysis.sources)


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
