"""`hpdsl lint`: report every problem in space files, for people or for machines."""

from __future__ import annotations

import argparse
import sys

from .. import __version__, check_file
from ..diagnostics import Diagnostic, render_concise, render_json, render_text, summary
from ..diagnostics._sarif import render_sarif
from ._common import add_colour_argument, exit_code, use_colour

HELP = "check space files and report every problem"
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
  hpdsl explain HPS102        # the long explanation of a code"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="space files to check")
    parser.add_argument("--format", choices=("text", "concise", "json", "sarif"),
                        default="text",
                        help="text: with source lines and help (default); concise: one line "
                             "each; json: an array of objects; sarif: a SARIF 2.1.0 log")
    parser.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    add_colour_argument(parser)


def run(args: argparse.Namespace) -> int:
    colour = args.format == "text" and use_colour(sys.stdout, args.no_color)
    found: list[Diagnostic] = []
    for path in args.files:
        _, diags, sources = check_file(path)
        found += diags
        for diag in diags:
            if args.format == "text":
                print(render_text(diag, sources, colour) + "\n")
            elif args.format == "concise":
                print(render_concise(diag))
    if args.format == "json":
        print(render_json(found))
    elif args.format == "sarif":
        print(render_sarif(found, __version__))
    sys.stdout.flush()
    print(summary(found, len(args.files)), file=sys.stderr)
    return exit_code(found, args.strict)
