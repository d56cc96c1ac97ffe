"""Whether a study may resume on a space: the same space by meaning, not by bytes.

A study records the source of its space (and of every file it includes, see
`Space.full_source`). A comment, blank lines or `hpdsl fmt` change the bytes but not
the statements, so they must not block resuming; a bound, an option, a condition or an
included file's content do. Both sources are parsed and compared as syntax trees with
positions and comments left out.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ..analysis import split_sources
from ..diagnostics import Span
from ..syntax import parse


def same_meaning(recorded: str, source: str) -> bool:
    """True when both sources hold the same statements in each file."""
    if recorded == source:
        return True
    old = _statements(recorded)
    return old is not None and old == _statements(source)


def _statements(full_source: str) -> list[tuple[str, Any]] | None:
    """(file, statements without positions) per file; None if a file does not parse."""
    text, included = split_sources(full_source)
    files = [("", text), *included.items()]
    out = []
    for name, text in files:
        module, _ = parse(text, name or "<space>")
        if module is None:
            return None
        try:
            out.append((name, _shape(module.body)))
        except RecursionError:
            return None
    return out


def _shape(node: Any) -> Any:
    if dataclasses.is_dataclass(node):
        return (type(node).__name__, *(_shape(getattr(node, f.name))
                                       for f in dataclasses.fields(node)
                                       if not isinstance(getattr(node, f.name), Span)))
    if isinstance(node, tuple | list):
        return tuple(_shape(item) for item in node)
    return repr(node)  # `1` and `1.0` differ, as their types do


__all__ = ["same_meaning"]
