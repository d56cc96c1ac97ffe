"""`hpdsl explain`: the long explanation behind a diagnostic code."""

from __future__ import annotations

import argparse
import difflib

from ..diagnostics import CODES, Code, explain
from ._common import error

DESCRIPTION = """\
Print the long explanation of a diagnostic code: what it means, why it
matters, and an example. A code can be given as HPS102, hps102, 102 or by
its name (unknown-label)."""
EPILOG = """\
examples:
  hpdsl explain HPS102
  hpdsl explain dependency-cycle
  hpdsl explain --list"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", nargs="?", metavar="CODE", help="a code such as HPS102")
    parser.add_argument("--list", action="store_true", help="list every code with its summary")


def run(args: argparse.Namespace) -> int:
    if args.list == (args.code is not None):
        error("give either a CODE or --list")
        return 2
    if args.list:
        for c in CODES.values():
            print(f"{c.code}  {c.severity!s:<7}  {c.name:<26}  {c.summary}")
        return 0
    entry = _lookup(args.code)
    if entry is None:
        error(f"unknown code `{args.code}`{_suggestion(args.code)}")
        return 2
    print(explain(entry.code), end="")
    return 0


def _lookup(text: str) -> Code | None:
    """Accept the forms people type: `HPS102`, `hps102`, `102`, `unknown-label`."""
    key = text.strip().upper()
    if key.isdigit():
        key = "HPS" + key.zfill(3)
    if key in CODES:
        return CODES[key]
    return next((c for c in CODES.values() if c.name == text.strip().lower()), None)


def _suggestion(text: str) -> str:
    key = text.strip()
    codes = difflib.get_close_matches(key.upper(), list(CODES), n=1)
    names = difflib.get_close_matches(key.lower(), [c.name for c in CODES.values()], n=1)
    if names and not key.upper().startswith("HPS"):
        return f"; did you mean `{names[0]}`?"
    if codes:
        return f"; did you mean `{codes[0]}`?"
    return "; run `hpdsl explain --list` to see every code"
