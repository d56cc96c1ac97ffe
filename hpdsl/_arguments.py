"""What public functions accept as space text and paths: a wrong type says what was
expected (instead of an AttributeError from deep inside), and binary data is the same
diagnostic whether it comes from a file or from a string."""

from __future__ import annotations

import os

from .diagnostics import Diagnostic, Span

PathArgument = str | bytes | os.PathLike[str] | os.PathLike[bytes]


def source_text(text: object, func: str) -> str:
    """`text` if it is source text; a TypeError naming what `func` takes otherwise."""
    if isinstance(text, str):
        return text
    if isinstance(text, bytes | bytearray):
        raise TypeError(f"{func}() takes the space's source text as str, not bytes: decode it "
                        "first, e.g. data.decode('utf-8')")
    raise TypeError(f"{func}() takes the space's source text as str, not "
                    f"{type(text).__name__}; to read a file use hpdsl.load(path)")


def file_path(path: object, func: str, what: str = "the path of a .hps file") -> str:
    """`path` as a str (bytes and os.PathLike are accepted); a TypeError otherwise."""
    if isinstance(path, str | bytes | os.PathLike):
        return os.fsdecode(path)
    raise TypeError(f"{func}() takes {what} as str or os.PathLike, not {type(path).__name__}")


def binary_problem(text: str, path: str, what: str = "file") -> Diagnostic | None:
    """A NUL byte: binary data rather than a space, whether read from a file or given as text."""
    if "\x00" not in text:
        return None
    off = text.index("\x00")
    prefix = text[:off]
    line = prefix.count("\n") + 1
    col = off - (prefix.rfind("\n") + 1) + 1
    bad = Span.point(path, line, col, off)
    return Diagnostic("HPS002", f"binary data: the {what} contains a NUL byte", bad,
                      help="space files must be UTF-8 encoded text")
