"""Rendering diagnostics for people (rustc-style text) and machines (JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from ._model import Diagnostic, Severity, sort_key

_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "bold": "\x1b[1m",
            "blue": "\x1b[1;34m", "reset": "\x1b[0m"}


def _paint(text: str, style: str, colour: bool) -> str:
    return f"{_COLOURS[style]}{text}{_COLOURS['reset']}" if colour else text


def _source_line(sources: Mapping[str, str], file: str, line: int) -> str | None:
    text = sources.get(file)
    if text is None or line < 1:
        return None
    lines = text.split("\n")
    if line > len(lines):
        return None
    return lines[line - 1].rstrip("\r")


def render_text(diag: Diagnostic, sources: Mapping[str, str], colour: bool = False) -> str:
    """One diagnostic as `file:line:col: severity[CODE]: message`, source line, caret, help."""
    sev = str(diag.severity)
    span = diag.span
    head = (f"{_paint(f'{span.file}:{span.line}:{span.column}:', 'bold', colour)} "
            f"{_paint(f'{sev}[{diag.code}]', sev, colour)}: {diag.message}")
    out = [head]
    src = _source_line(sources, span.file, span.line)
    if src is not None:
        gutter = " " * len(str(span.line))
        bar = _paint("|", "blue", colour)
        shown = src.expandtabs(1)
        start = max(span.column - 1, 0)
        if span.end_line == span.line:
            width = max(span.end_column - span.column, 1)
        else:
            width = max(len(shown) - start, 1)
        start = min(start, len(shown))
        carets = _paint("^" * width, sev, colour)
        label = f" {diag.label}" if diag.label else ""
        out.append(f"{gutter} {bar}")
        out.append(f"{_paint(str(span.line), 'blue', colour)} {bar} {shown}")
        out.append(f"{gutter} {bar} {' ' * start}{carets}{label}")
    for note in diag.notes:
        out.append(f"  = note: {note.message} ({note.span.file}:{note.span.line}:"
                   f"{note.span.column})")
    if diag.help:
        out.append(f"  = {_paint('help', 'bold', colour)}: {diag.help}")
    return "\n".join(out)


def render_concise(diag: Diagnostic) -> str:
    s = diag.span
    return f"{s.file}:{s.line}:{s.column}: {diag.severity}[{diag.code}] {diag.message}"


def summary(diags: Iterable[Diagnostic], n_files: int) -> str:
    diags = list(diags)
    errors = sum(d.severity is Severity.ERROR for d in diags)
    warnings = len(diags) - errors
    files = f"{n_files} file" + ("" if n_files == 1 else "s")
    if not diags:
        return f"All checks passed ({files})."
    parts = []
    if errors:
        parts.append(f"{errors} error" + ("" if errors == 1 else "s"))
    if warnings:
        parts.append(f"{warnings} warning" + ("" if warnings == 1 else "s"))
    return f"Found {' and '.join(parts)} in {files}."


def render_json(diags: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in sorted(diags, key=sort_key)], indent=2)
