"""`hpdsl fmt`: rewrite space files in the one canonical layout."""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import tempfile

from ..analysis import read_source
from ..diagnostics import Diagnostic, render_text, summary
from ..errors import HpsError, SpaceError
from ..format import format_source
from ._common import add_colour_argument, error, exit_code, use_colour

DESCRIPTION = """\
Rewrite .hps files in the one canonical layout: 4-space indentation, one space
around `~`, `=` and operators, `} elif c {` on one line, at most one blank line
between statements, aligned `~`/`=` in runs of consecutive declarations, the
fewest parentheses, numbers and strings as written, comments where they were.
Formatting changes only the layout, never the meaning, and is idempotent.

Files are rewritten in place (atomically). With --check nothing is written: the
files that would change are listed and the exit status is 1 if there are any.
With --diff the changes are printed as a unified diff instead of written.

A file with syntax errors is reported as by `hpdsl lint` and left untouched.
Exit status: 0 done (or nothing to change with --check), 1 files would change
or have syntax errors, 2 a file cannot be read or written."""
EPILOG = """\
examples:
  hpdsl fmt examples/*.hps
  hpdsl fmt --check space.hps          # in CI or a pre-commit hook
  hpdsl fmt --diff space.hps | less"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="space files to format")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a file would change")
    parser.add_argument("--diff", action="store_true",
                        help="print the changes as a unified diff instead of writing them")
    add_colour_argument(parser)


def run(args: argparse.Namespace) -> int:
    colour = use_colour(sys.stderr, args.no_color)
    problems: list[Diagnostic] = []
    changed: list[str] = []
    failed = unwritable = 0
    for path in args.files:
        text, unreadable = read_source(path)
        if text is None:
            assert unreadable is not None
            problems.append(unreadable)
            failed += 1
            print(render_text(unreadable, {}, colour) + "\n", file=sys.stderr)
            continue
        try:
            formatted = format_source(text, path)
        except SpaceError as err:
            problems += err.diagnostics
            failed += 1
            for diag in err.diagnostics:
                print(render_text(diag, {path: text}, colour) + "\n", file=sys.stderr)
            continue
        except HpsError as err:
            error(str(err))
            return 1
        if formatted == text:
            continue
        changed.append(path)
        if args.diff:
            sys.stdout.writelines(difflib.unified_diff(
                text.splitlines(keepends=True), formatted.splitlines(keepends=True),
                f"{path} (original)", f"{path} (formatted)"))
        if args.check:
            print(f"would reformat {path}")
        elif not args.diff:
            try:
                _write(path, formatted)
            except OSError as err:
                error(f"cannot write {path}: {err.strerror or err}")
                unwritable += 1
                continue
            print(f"reformatted {path}", file=sys.stderr)
    if problems:
        print(summary(problems, len(args.files)), file=sys.stderr)
    verb = "would be reformatted" if args.check or args.diff else "reformatted"
    print(f"{len(changed)} file{'s' * (len(changed) != 1)} {verb}, "
          f"{len(args.files) - len(changed) - failed} unchanged.", file=sys.stderr)
    status = 2 if unwritable else exit_code(problems)
    if status:
        return status
    return 1 if args.check and changed else 0


def _write(path: str, text: str) -> None:
    """Replace the file `path` names with `text` atomically, keeping its permissions.

    Through symbolic links: the file they lead to is replaced (in its own directory,
    so that the rename stays atomic), and the links stay links.
    """
    path = os.path.realpath(path)
    folder = os.path.dirname(path)
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".hpdsl-fmt-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
