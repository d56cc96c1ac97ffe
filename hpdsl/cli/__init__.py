"""The `hpdsl` command: lint, explain, show and sample space files; run and inspect studies.

Each command is a module with `DESCRIPTION`, `EPILOG`, `add_arguments(parser)` and
`run(args) -> int`, listed with its one-line help in `COMMANDS`; `main` builds the parser
from them (importing only the module of the command that runs) and turns every way out into
an exit status (0 clean, 1 problems found, 2 usage or unreadable input, 3 internal error,
130 interrupted), so that no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import sys
import traceback

from .. import __version__
from ._warnings import warnings_as_lines

__all__ = ["main"]

# name: (module, one-line help). A command's module is imported only when that command
# runs, so `hpdsl --version`, `--help` and `explain` load none of numpy, networkx and lark.
COMMANDS: dict[str, tuple[str, str]] = {
    "lint": ("_lint", "check space files and report every problem"),
    "explain": ("_explain", "explain a diagnostic code, or list them all"),
    "show": ("_show", "describe a space: parameters, derived values, constraints, size"),
    "sample": ("_sample", "draw random configurations from a space, as JSON lines"),
    "fmt": ("_fmt", "format space files in the canonical layout"),
    "graph": ("_graph", "print the dependency graph of a space (dot, mermaid or json)"),
    "convert": ("_convert", "convert a space to ConfigSpace JSON or hyperopt, or ConfigSpace "
                            "JSON to .hps"),
    "run": ("_run", "minimize an objective over a space, with progress, resume and plots"),
    "trials": ("_trials", "list the trials of a stored study (table, json or csv)"),
    "best": ("_best", "show the best trial of a stored study, or its Pareto front"),
    "studies": ("_studies", "list the studies in a storage"),
    "plot": ("_plot", ("plot a stored study: history, importance, parallel, slice, "
                       "intermediate or pareto")),
}

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


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser, with the arguments of `command` (only its module is imported)."""
    parser = argparse.ArgumentParser(
        prog="hpdsl", description="Hyperparameter search spaces as a small declarative language.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"hpdsl {__version__}")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name, (module_name, help_) in COMMANDS.items():
        if name != command:
            sub.add_parser(name, help=help_)
            continue
        module = importlib.import_module(f".{module_name}", __name__)
        chosen = sub.add_parser(name, help=help_, description=module.DESCRIPTION,
                                epilog=module.EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(chosen)
        chosen.set_defaults(run=module.run)
    return parser


def _command(argv: list[str]) -> str | None:
    """The command named on the command line: its first word that is not an option (the
    command itself has no options with values)."""
    return next((arg for arg in argv if not arg.startswith("-")), None)


def main(argv: list[str] | None = None) -> int:
    """Run the command line and return the exit status (never raises)."""
    for stream in (sys.stdout, sys.stderr):
        # A terminal that cannot show a character of a space file gets an escape, not a crash.
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="backslashreplace")
    try:
        if argv is None:
            argv = sys.argv[1:]
        args = build_parser(_command(argv)).parse_args(argv)
        with warnings_as_lines():
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
        print(f"hpdsl: internal error: {type(err).__name__}: {ascii(str(err))[1:-1]}",
              file=sys.stderr)
        if os.environ.get("HPDSL_DEBUG"):
            traceback.print_exc()
        else:
            print("This is a bug in hpdsl; please report it with the input that caused it "
                  "(set HPDSL_DEBUG=1 to see the traceback).", file=sys.stderr)
        return 3
