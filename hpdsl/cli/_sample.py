"""`hpdsl sample`: configurations drawn from a space, as JSON lines."""

from __future__ import annotations

import argparse
import json

import numpy as np

from ..errors import SamplingError
from ._common import add_colour_argument, error, integer_at_least, load_space

DESCRIPTION = """\
Draw N configurations from the space's distributions and print each as one
JSON object per line, keys in the order the space declares them. Inactive
parameters are absent; excluded configurations are never printed. The same
file, N and seed always give the same lines.

Errors in the file are reported as by `hpdsl lint` (on stderr), exit 1."""
EPILOG = """\
examples:
  hpdsl sample examples/classifier.hps -n 5 --seed 0
  hpdsl sample space.hps -n 1000 --seed 42 > configs.jsonl"""

# Configurations are built and printed in chunks, so that a large N does not hold every
# dict in memory and a closed pipe stops the work early: at most CHUNK configurations and
# CHUNK_VALUES values (configurations x coordinates, below the limit of one run) at a time.
CHUNK = 10_000
CHUNK_VALUES = 1_000_000


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the space file")
    parser.add_argument("-n", type=integer_at_least(0), default=1, metavar="N",
                        help="how many configurations (default 1)")
    parser.add_argument("--seed", type=integer_at_least(0), default=None, metavar="S",
                        help="random seed, for reproducible output (default: fresh entropy)")
    add_colour_argument(parser)


def run(args: argparse.Namespace) -> int:
    space, code = load_space(args.file, args.no_color)
    if space is None:
        return code
    rng = np.random.default_rng(args.seed)
    left = args.n
    chunk = max(1, min(CHUNK, CHUNK_VALUES // max(1, len(space.coords.dimensions))))
    while left > 0:
        count = min(left, chunk)
        try:
            configs = space.sample(rng, count)
        except SamplingError as err:
            error(f"cannot sample `{args.file}`: {err}")
            return 1
        for config in configs:
            print(json.dumps(config, allow_nan=False))
        left -= count
    return 0
