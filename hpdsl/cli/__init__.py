"""The `hpdsl` command: lint, explain, show and sample space files; run and inspect studies.

Each command is a module with `HELP`, `DESCRIPTION`, `EPILOG`, `add_arguments(parser)`
and `run(args) -> int`; `main` builds the parser from them and turns every way out into
an exit status (0 clean, 1 problems found, 2 usage or unreadable input, 3 internal error,
130 interrupted), so that no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import traceback
from types import ModuleType

from .. import __version__
from . import (
    _best,
    _convert,
    _explain,
    _fmt,
    _graph,
    _lint,
    _plot,
    _run,
    _sample,
    _show,
    _studies,
    _trials,
)

__all__ = ["main"]

COMMANDS: tuple[tuple[str, ModuleType], ...] = (
    ("lint", _lint), ("explain", _explain), ("show", _show), ("sample", _sample),
    ("fmt", _fmt), ("graph", _graph), ("convert", _convert),
    ("run", _run), ("trials", _trials), ("best", _best), ("studies", _studies),
    ("plot", _plot),
)

EPILOG = """\
examples:
  hpdsl lint examples/*.hps
  hpdsl explain HPS102
  hpdsl show examples/classifier.hps
  hpdsl sample examples/classifier.hps -n 5 --seed 0
  hpdsl fmt --check examples/*.hps
  hpdsl graph examples/classifier.hps | dot -Tsvg > classifier.svg
  hpdsl convert examples/classifier.hps -o classifier.json
  hpdsl run examples/classifier.hps --objective examples/classifier.py:objective \
      --max-evals 60 --storage sqlite:///runs/demo.db --plots runs/plots
  hpdsl studies sqlite:///runs/demo.db
  hpdsl trials sqlite:///runs/demo.db --format csv
  hpdsl best sqlite:///runs/demo.db
  hpdsl plot sqlite:///runs/demo.db --kind importance --out importance.png

Run `hpdsl COMMAND --help` for the options of a command."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hpdsl", description="Hyperparameter search spaces as a small declarative language.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"hpdsl {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name, module in COMMANDS:
        command = sub.add_parser(name, help=module.HELP, description=module.DESCRIPTION,
                                 epilog=module.EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status (never raises)."""
    for stream in (sys.stdout, sys.stderr):
        # A terminal that cannot show a character of a space file gets an escape, not a crash.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        args = build_parser().parse_args(argv)
        status: int = args.run(args)
        sys.stdout.flush()
        return status
    except SystemExit as stop:  # argparse: --help, --version and usage errors
        return stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 2)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`hpdsl sample ... | head -1`). Point stdout at devnull so
        # that the interpreter's final flush does not fail again, and exit as a program
        # killed by SIGPIPE would.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as err:  # last resort: a bug in hpdsl, not in the user's input
        print(f"hpdsl: internal error: {type(err).__name__}: {err}", file=sys.stderr)
        if os.environ.get("HPDSL_DEBUG"):
            traceback.print_exc()
        else:
            print("This is a bug in hpdsl; please report it with the input that caused it "
                  "(set HPDSL_DEBUG=1 to see the traceback).", file=sys.stderr)
        return 3
