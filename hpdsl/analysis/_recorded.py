"""The text a study records for its space: the space's own text, then the text of each
file it includes after a marker line. The space compiles again from it alone, without
its files (which may have changed, moved, or become something that is not a file)."""

from __future__ import annotations

import re
from collections.abc import Iterable

_MARKER = re.compile(r"\n# --- included: (.+) ---\n")


def join_sources(text: str, included: Iterable[tuple[str, str]]) -> str:
    """The recorded form: `text`, then each (path relative to the space, text)."""
    return "".join([text, *(f"\n# --- included: {path} ---\n{body}" for path, body in included)])


def split_sources(recorded: str) -> tuple[str, dict[str, str]]:
    """The space's text and the included texts by path, from the recorded form."""
    parts = _MARKER.split(recorded)
    return parts[0], dict(zip(parts[1::2], parts[2::2], strict=True))
