"""What the commands share: the colour policy, error lines, and loading a space."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from ..diagnostics import Diagnostic, render_text, summary

if TYPE_CHECKING:
    from ..compile import Space

UNREADABLE = "HPS002"


def integer(text: str) -> int:
    """argparse type: an integer, with a one-line error otherwise."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def integer_at_least(low: int) -> Callable[[str], int]:
    """argparse type: an integer >= `low`."""
    def parse(text: str) -> int:
        value = integer(text)
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value
    return parse


def add_colour_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-color", action="store_true",
                        help="never colour the output (also: the NO_COLOR environment variable)")


def use_colour(stream: TextIO, disabled: bool) -> bool:
    """Colour only for a terminal; `--no-color` and NO_COLOR forbid it, FORCE_COLOR forces it.

    The variables follow no-color.org and force-color.org: set and non-empty counts.
    """
    if disabled or os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def printable(text: str, keep: str = "") -> str:
    """`text` with its unprintable characters (controls such as ESC, line and paragraph
    separators, bidi overrides) as Python escapes (`\\x1b`), except those in `keep`:
    a study name, an error message or a stored string cannot drive the terminal."""
    return "".join(c if c.isprintable() or c in keep else ascii(c)[1:-1] for c in text)


def error(message: str) -> None:
    """One line on stderr, in the form argparse uses for usage errors (control
    characters escaped; the line breaks of a multi-line message kept)."""
    print(f"hpdsl: error: {printable(message, keep=chr(10))}", file=sys.stderr)


def print_results(result: dict[str, object]) -> None:
    """The extra results of a trial, one `  key: value` line each (floats to 6 digits)."""
    for key, value in result.items():
        text = f"{value:.6g}" if isinstance(value, float) else str(value)
        print(f"  {printable(key)}: {printable(text)}")


def exit_code(diags: list[Diagnostic], strict: bool = False) -> int:
    """2 if a file could not be read, 1 for errors (or warnings when strict), else 0."""
    if any(d.code == UNREADABLE for d in diags):
        return 2
    if any(d.is_error for d in diags) or (strict and diags):
        return 1
    return 0


def load_space(path: str, no_colour: bool) -> tuple[Space | None, int]:
    """Compile `path` for a command that needs the space itself.

    Diagnostics go to stderr, so that stdout holds only the command's own output; the
    space is None (with the exit code to return) when the file has errors.
    """
    from .._load import check_file  # here: commands that load no space never import lark

    space, diags, sources = check_file(path)
    colour = use_colour(sys.stderr, no_colour)
    for diag in diags:
        print(render_text(diag, sources, colour) + "\n", file=sys.stderr)
    if space is None:
        print(summary(diags, 1), file=sys.stderr)
        return None, exit_code(diags)
    return space, 0
