"""`hpdsl plot`: a plot of a stored study, written to a PNG (or SVG, PDF) file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import plot
from ._common import error
from ._stored import StudyNotFound, add_storage_arguments, open_study

DESCRIPTION = """\
Draw one plot of a study's trials and write it to --out (the format follows
the extension: .png, .svg, .pdf):

  history     the loss of each trial and the best so far; failed and pruned
              trials marked
  importance  how much of the loss's variation each parameter explains
              (see `hpdsl.plot.parameter_importance`)
  parallel    parallel coordinates: parameters and loss, one line per trial
  slice       the loss against each parameter, one panel per parameter
  intermediate  every trial's learning curve (the values it reported, by
              step), pruned trials in grey
  pareto      several objectives: each trial in objective space, the Pareto
              front highlighted, infeasible trials as grey crosses (a pairs
              plot for three objectives or more)

With several objectives, history and importance draw one panel per objective,
parallel and slice the first; --objective NAME chooses the one shown.

Needs matplotlib: pip install 'hpdsl[plot]'. If the storage holds one study,
--study may be left out.

Exit status: 0, 1 if the plot cannot be drawn or written, 2 if the storage or
the study cannot be read."""
EPILOG = """\
examples:
  hpdsl plot sqlite:///runs/demo.db --kind history --out history.png
  hpdsl plot sqlite:///runs/demo.db --study classifier --kind importance --out imp.png
  hpdsl plot sqlite:///runs/pruning.db --kind intermediate --out curves.png
  hpdsl plot sqlite:///runs/tradeoff.db --kind pareto --out pareto.png"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_storage_arguments(parser)
    parser.add_argument("--kind", choices=plot.KINDS + plot.MULTI_KINDS, default="history",
                        help="which plot (default history)")
    parser.add_argument("--out", required=True, type=Path, metavar="FILE",
                        help="the file to write, e.g. history.png")
    parser.add_argument("--objective", metavar="NAME",
                        help="with several objectives: the one to show")


def run(args: argparse.Namespace) -> int:
    try:
        import matplotlib
    except ImportError:
        error("plots need matplotlib: pip install 'hpdsl[plot]'")
        return 1
    matplotlib.use("Agg")
    try:
        _, trials = open_study(args.storage, args.study)
    except StudyNotFound as err:
        error(str(err))
        return 2
    try:
        plot.save(trials, args.kind, args.out, objective=args.objective)
    except ValueError as err:
        error(f"cannot draw the {args.kind} plot: {err}")
        return 1
    except OSError as err:
        error(f"cannot write {args.out}: {err.strerror or err}")
        return 1
    print(f"wrote {args.out}", file=sys.stderr)
    return 0
