"""`hpdsl trials`: the trials of a stored study, as a table, JSON or CSV."""

from __future__ import annotations

import argparse
import csv
import json
import sys

from ._common import error
from ._stored import StudyNotFound, add_storage_arguments, number, open_study, table

DESCRIPTION = """\
List every trial of a study in a storage: number, state, loss, duration,
error, each parameter (`params.NAME`, empty where inactive) and each extra
result the objective returned (`result.KEY`).

--format json prints an array of objects with the parameters and results
nested (`params`, `result`); csv has one column per key, as in the table.
If the storage holds one study, --study may be left out.

Exit status: 0, or 2 if the storage or the study cannot be read."""
EPILOG = """\
examples:
  hpdsl trials sqlite:///runs/demo.db
  hpdsl trials sqlite:///runs/demo.db --study classifier --format csv > trials.csv
  hpdsl trials sqlite:///runs/demo.db --format json | jq '.[] | select(.state == "OK")'"""

BASE = ("number", "state", "loss", "duration", "error")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_storage_arguments(parser)
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table",
                        help="table for people (default), json or csv for programs")


def run(args: argparse.Namespace) -> int:
    try:
        _, trials = open_study(args.storage, args.study)
    except StudyNotFound as err:
        error(str(err))
        return 2
    records = trials.to_records()
    columns = list(dict.fromkeys([*BASE, *(k for rec in records for k in rec)]))
    if args.format == "json":
        nested = [{**{k: rec[k] for k in BASE},
                   "params": {k[7:]: v for k, v in rec.items() if k.startswith("params.")},
                   "result": {k[7:]: v for k, v in rec.items() if k.startswith("result.")}}
                  for rec in records]
        print(json.dumps(nested, indent=2, default=str))
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    else:
        shown = [c for c in columns if c != "error"] + ["error"]
        print(table(shown, [[number(rec.get(c)) for c in shown] for rec in records]))
    return 0
