"""The text a study records for its space: the space's own text, then the text of each
file it includes after a marker line. The space compiles again from it alone, without
its files (which may have changed, moved, or become something that is not a file).

A line of a text that reads like a marker (`# --- included: … ---`, with one `#` or more)
is recorded with one `#` more and read back with one less, so every text round-trips
exactly. Records written before this escaping hold no marker-like lines, so they read as
they always did."""

from __future__ import annotations

import re
from collections.abc import Iterable

_MARKER = re.compile(r"\n# --- included: (.+) ---\n")
_MARKER_LIKE = re.compile(r"^(?=#+ --- included: .+ ---$)", re.MULTILINE)
_ESCAPED = re.compile(r"^#(?=#+ --- included: .+ ---$)", re.MULTILINE)


def join_sources(text: str, included: Iterable[tuple[str, str]]) -> str:
    """The recorded form: `text`, then each (path relative to the space, text)."""
    return "".join([_escape(text), *(f"\n# --- included: {path} ---\n{_escape(body)}"
                                     for path, body in included)])


def split_sources(recorded: str) -> tuple[str, dict[str, str]]:
    """The space's text and the included texts by path, from the recorded form."""
    parts = _MARKER.split(recorded)
    return _unescape(parts[0]), {path: _unescape(body)
                                 for path, body in zip(parts[1::2], parts[2::2], strict=True)}


def _escape(text: str) -> str:
    return _MARKER_LIKE.sub("#", text)


def _unescape(text: str) -> str:
    return _ESCAPED.sub("", text)
