"""`hpdsl lint`: report every problem in space files, for people or for machines."""

from __future__ import annotations

import argparse
import os
import sys

from .. import CheckResult, __version__, check_file, check_text
from ..diagnostics import (
    Diagnostic,
    Span,
    render_concise,
    render_json,
    render_sarif,
    render_text,
    summary,
)
from ._common import add_colour_argument, exit_code, use_colour

DESCRIPTION = """\
Check .hps files and report every problem found: syntax errors, unknown names
and labels, bad distribution arguments, duplicate declarations, dependency
cycles, dead branches, over-tight constraints and broken includes.

Diagnostics go to stdout; the closing summary line ("Found 2 errors and 1
warning in 3 files." or "All checks passed (3 files).") goes to stderr, so
that stdout stays parseable with --format json or concise.

Exit status: 0 no errors (warnings allowed), 1 errors found (or warnings with
--strict), 2 a file could not be read or the command line is wrong."""
EPILOG = """\
examples:
  hpdsl lint examples/*.hps
  hpdsl lint --strict --format concise space.hps
  hpdsl lint --format json space.hps | jq '.[] | select(.severity == "error")'
  hpdsl lint --format sarif examples/*.hps > hpdsl.sarif   # for code scanning
  cat space.hps | hpdsl lint - --stdin-filename space.hps   # from an editor
  hpdsl explain HPS102        # the long explanation of a code"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="space files to check; `-` reads one from standard input")
    parser.add_argument("--stdin-filename", metavar="PATH", default="<stdin>",
                        help="the name to report for `-` (and the folder its includes are "
                             "relative to)")
    parser.add_argument("--format", choices=("text", "concise", "json", "sarif"),
                        default="text",
                        help="text: with source lines and help (default); concise: one line "
                             "each; json: an array of objects; sarif: a SARIF 2.1.0 log")
    parser.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    add_colour_argument(parser)


def _check_stdin(name: str) -> CheckResult:
    """Lint text piped in (editors do this), reported under `name`."""
    data = sys.stdin.buffer.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        span = Span.point(name, 1, 1)
        return CheckResult(None, [Diagnostic(
            "HPS002", f"not UTF-8 text: invalid byte 0x{data[err.start]:02x} at offset "
            f"{err.start}", span)], {})
    base = os.path.dirname(os.path.abspath(name)) if name != "<stdin>" else None
    return check_text(text, name, base)


def run(args: argparse.Namespace) -> int:
    colour = args.format == "text" and use_colour(sys.stdout, args.no_color)
    found: list[Diagnostic] = []
    for path in args.files:
        checked = _check_stdin(args.stdin_filename) if path == "-" else check_file(path)
        found += checked.diagnostics
        for diag in checked.diagnostics:
            if args.format == "text":
                print(render_text(diag, checked.sources, colour) + "\n")
            elif args.format == "concise":
                print(render_concise(diag))
    if args.format == "json":
        print(render_json(found))
    elif args.format == "sarif":
        print(render_sarif(found, __version__))
    sys.stdout.flush()
    print(summary(found, len(args.files)), file=sys.stderr)
    return exit_code(found, args.strict)
