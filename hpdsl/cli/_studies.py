"""`hpdsl studies`: the studies in a storage."""

from __future__ import annotations

import argparse

from ..errors import HpsError
from ..storage import list_studies
from ._common import error
from ._stored import number, read_study, table

DESCRIPTION = """\
List the studies in a storage file: name, number of trials, best loss (for a
study with several objectives: how many trials its Pareto front holds) and when
the study was created.

Exit status: 0, or 2 if the storage cannot be read."""
EPILOG = """\
examples:
  hpdsl studies sqlite:///runs/demo.db"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("storage", metavar="STORAGE",
                        help="the storage URL, e.g. sqlite:///runs/demo.db")


def run(args: argparse.Namespace) -> int:
    try:
        rows = []
        for info in list_studies(args.storage):
            trials = read_study(args.storage, info.name)
            if trials.objectives.multi:
                best = f"front of {len(trials.pareto_front())}"
            else:
                found = trials.best_trial
                best = number(found and found.loss)
            rows.append([info.name, str(info.n_trials), best,
                         info.created.strftime("%Y-%m-%d %H:%M:%S")])
    except HpsError as err:
        error(str(err))
        return 2
    print(table(["name", "trials", "best loss", "created"], rows))
    return 0
