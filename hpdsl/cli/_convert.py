"""`hpdsl convert`: between .hps, ConfigSpace JSON and hyperopt source."""

from __future__ import annotations

import argparse
import os
import sys

from .._files import read_regular
from ..convert import from_configspace, to_configspace_json, to_hyperopt_source
from ..errors import HpsError
from ._common import add_colour_argument, error, load_space, printable

MAX_JSON_BYTES = 64 * 1024 * 1024

DESCRIPTION = """\
Convert a space between formats:

  .hps -> configspace  ConfigSpace JSON, as ConfigSpace writes it (needs ConfigSpace)
  .hps -> hyperopt     Python source defining `space`, a hyperopt `hp` expression
  .json -> hps         .hps source for a ConfigSpace JSON file (needs ConfigSpace)

--to defaults to `hps` for a .json input and to `configspace` otherwise.
Everything the target format cannot express (dependent bounds, derived values,
quantization, constraints, conditions over expressions...) is listed on stderr,
one `warning:` line each; nothing is dropped silently.

Exit status: 0 converted (possibly with warnings), 1 the input has errors or
nothing could be converted, 2 a file cannot be read or written."""
EPILOG = """\
examples:
  hpdsl convert examples/classifier.hps -o classifier.json
  hpdsl convert --to hyperopt examples/neural_net.hps -o neural_net_space.py
  hpdsl convert classifier.json -o classifier.hps"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="a .hps file, or a ConfigSpace .json file")
    parser.add_argument("--to", choices=("configspace", "hyperopt", "hps"),
                        help="the target format (default: hps for .json input, else "
                             "configspace)")
    parser.add_argument("-o", "--output", metavar="OUT",
                        help="write here instead of to stdout")
    add_colour_argument(parser)


def run(args: argparse.Namespace) -> int:
    is_json = args.file.lower().endswith(".json")
    target = args.to or ("hps" if is_json else "configspace")
    warnings: list[str] = []
    try:
        if target == "hps":
            if not is_json:
                error("--to hps converts a ConfigSpace .json file; this is not one")
                return 2
            try:
                data = read_regular(args.file, MAX_JSON_BYTES)
                text = data.decode("utf-8")
            except (OSError, UnicodeDecodeError) as err:
                error(f"cannot read `{args.file}`: {getattr(err, 'strerror', None) or err}")
                return 2
            if len(data) > MAX_JSON_BYTES:
                error(f"`{args.file}` is larger than the limit of "
                      f"{MAX_JSON_BYTES // (1024 * 1024)} MiB")
                return 2
            out = from_configspace(text, warnings)
        else:
            if is_json:
                error(f"--to {target} converts a .hps file; `{args.file}` is JSON")
                return 2
            space, code = load_space(args.file, args.no_color)
            if space is None:
                return code
            out = (to_configspace_json(space, warnings) if target == "configspace"
                   else to_hyperopt_source(space, warnings))
    except HpsError as err:
        error(str(err))
        return 1
    for message in warnings:
        print(f"warning: {printable(message)}", file=sys.stderr)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(out if out.endswith("\n") else out + "\n")
        except OSError as err:
            error(f"cannot write `{args.output}`: {err.strerror or err}")
            return 2
        print(f"wrote {os.path.normpath(args.output)}", file=sys.stderr)
    else:
        print(out, end="" if out.endswith("\n") else "\n")
    return 0
