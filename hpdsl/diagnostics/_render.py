"""Rendering diagnostics for people (rustc-style text) and machines (JSON)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping

from ._codes import Severity
from ._model import Diagnostic, Span, sort_key

_COLOURS = {"error": "\x1b[1;31m", "warning": "\x1b[1;33m", "bold": "\x1b[1m",
            "blue": "\x1b[1;34m", "reset": "\x1b[0m"}


def _paint(text: str, style: str, colour: bool) -> str:
    return f"{_COLOURS[style]}{text}{_COLOURS['reset']}" if colour else text


# Bidirectional controls reorder what the terminal shows ("Trojan Source"): a line could
# read differently from what was parsed.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
                  "\u2066\u2067\u2068\u2069")


def _clean(text: str) -> str:
    """Replace control characters and bidirectional controls so that a hostile file can
    neither drive the terminal nor reorder the line shown.

    One character in, one out: columns computed on the source stay valid.
    """
    return "".join("\ufffd" if ch in _BIDI or unicodedata.category(ch) == "Cc" else ch
                   for ch in text)


def _width(text: str) -> int:
    """Terminal columns `text` occupies: wide (CJK) characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _source_line(sources: Mapping[str, str], file: str, line: int) -> str | None:
    text = sources.get(file)
    if text is None or line < 1:
        return None
    lines = text.split("\n")
    if line > len(lines):
        return None
    return _clean(lines[line - 1].rstrip("\r").expandtabs(1))


def render_text(diag: Diagnostic, sources: Mapping[str, str], colour: bool = False) -> str:
    """One diagnostic in rustc style: header, source line with carets, notes, help.

    The header is `file:line:col: severity[CODE]: message`. Notes whose file is known are
    shown as their own source lines, underlined with `-`; the others as `= note:` lines.
    """
    sev = str(diag.severity)
    span = diag.span
    head = (f"{_paint(_clean(f'{span.file}:{span.line}:{span.column}:'), 'bold', colour)} "
            f"{_paint(f'{sev}[{diag.code}]', sev, colour)}: {_clean(diag.message)}")
    shown = [n for n in diag.notes if _source_line(sources, n.span.file, n.span.line) is not None]
    src = _source_line(sources, span.file, span.line)
    lines = [span.line] * (src is not None) + [n.span.line for n in shown]
    gutter = max((len(str(n)) for n in lines), default=1)
    bar = _paint("|", "blue", colour)
    out = [head]
    if src is not None:
        out.append(f"{' ' * gutter} {bar}")
        out += _snippet_lines(span, src, gutter, "^", sev, diag.label, colour)
    for note in diag.notes:
        note_src = _source_line(sources, note.span.file, note.span.line)
        if note_src is None:
            out.append(f"{' ' * gutter} = note: {_clean(note.message)} "
                       f"({_clean(note.span.file)}:{note.span.line}:{note.span.column})")
            continue
        if note.span.file != span.file:
            where = f"{note.span.file}:{note.span.line}:{note.span.column}"
            out.append(f"{' ' * gutter}{_paint(':::', 'blue', colour)} {_clean(where)}")
        out.append(f"{' ' * gutter} {bar}")
        out += _snippet_lines(note.span, note_src, gutter, "-", "blue", note.message, colour)
    if diag.help:
        out.append(f"{' ' * gutter} = {_paint('help', 'bold', colour)}: {_clean(diag.help)}")
    return "\n".join(out)


def _snippet_lines(span: Span, src: str, gutter: int, mark: str, style: str,
                   label: str | None, colour: bool) -> list[str]:
    """The numbered source line of `span` and the line of `mark`s under the spanned text.

    A span over several lines is underlined to the end of its first line. Columns count
    characters (tabs are shown as one space so that they stay aligned); the underline is
    placed by display width so that wide characters do not shift it.
    """
    start = min(max(span.column - 1, 0), len(src))
    stop = span.end_column - 1 if span.end_line == span.line else len(src)
    stop = min(max(stop, start), len(src))
    bar = _paint("|", "blue", colour)
    underline = _paint(mark * max(_width(src[start:stop]), 1), style, colour)
    tail = f" {_paint(_clean(label), style, colour)}" if label else ""
    number = _paint(str(span.line).rjust(gutter), "blue", colour)
    return [f"{number} {bar} {src}".rstrip(),
            f"{' ' * gutter} {bar} {' ' * _width(src[:start])}{underline}{tail}"]


def render_concise(diag: Diagnostic) -> str:
    """One line per diagnostic, for editors and grep: `file:line:col: severity[CODE] message`."""
    s = diag.span
    return _clean(f"{s.file}:{s.line}:{s.column}: {diag.severity}[{diag.code}] {diag.message}")


def summary(diags: Iterable[Diagnostic], n_files: int) -> str:
    """The closing line of `hpdsl lint`: counts of errors and warnings, or all clear."""
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
    """A JSON array of `Diagnostic.to_dict()`, sorted by file and position."""
    return json.dumps([d.to_dict() for d in sorted(diags, key=sort_key)], indent=2)
