"""`hpdsl trials`: the trials of a stored study, as a table, JSON or CSV."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from ..search import Trials, TrialState
from ._common import error, integer_at_least
from ._stored import (
    StudyNotFound,
    add_storage_arguments,
    extra_results,
    number,
    open_study,
    table,
)

DESCRIPTION = """\
List every trial of a study in a storage: number, state, loss (with several
objectives, each one's value: `values.NAME`), the outcome-constraint violation
(when the study has constraints; 0 is feasible), duration, error, each parameter
(`params.NAME`, empty where inactive) and each extra result the objective
returned (`result.KEY`). When trials reported intermediate values (pruning),
`step` is the deepest step each reached: where a PRUNED trial stopped; a PRUNED
trial's loss is the value it reported there.

--format json prints an array of objects with the parameters and results
nested (`params`, `result`); csv has one column per key, as in the table.
If the storage holds one study, --study may be left out.

--number N shows one trial in full: its parameters, results, error, the
values it reported by step and, for a trial whose objective raised, the
traceback (its last 8,000 characters); with --format json, one object with
`intermediate` (a list of {step, value}) and `traceback` keys; with --format
csv, the columns of the list (`step` among them) and `intermediate` (a JSON
object, step to value) and `traceback`.

Exit status: 0, or 2 if the storage or the study cannot be read."""
EPILOG = """\
examples:
  hpdsl trials sqlite:///runs/demo.db
  hpdsl trials sqlite:///runs/demo.db --study classifier --format csv > trials.csv
  hpdsl trials sqlite:///runs/demo.db --format json | jq '.[] | select(.state == "OK")'
  hpdsl trials sqlite:///runs/demo.db --study classifier --number 7   # why it failed,
                                                                      # its learning curve"""

BASE = ("number", "state", "loss", "duration", "error")
_NESTED = ("params.", "result.", "values.")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_storage_arguments(parser)
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table",
                        help="table for people (default), json or csv for programs")
    parser.add_argument("--number", type=integer_at_least(0), metavar="N",
                        help="show trial N in full, with the traceback of a failed one")


def run(args: argparse.Namespace) -> int:
    try:
        _, trials = open_study(args.storage, args.study)
    except StudyNotFound as err:
        error(str(err))
        return 2
    if args.number is not None:
        return _one(trials, args.number, args.format)
    records = _records(trials)
    first = records[0] if records else dict.fromkeys(BASE)
    columns = list(dict.fromkeys([*first, *(k for rec in records for k in rec)]))
    if args.format == "json":
        nested = [{**{k: v for k, v in rec.items() if not k.startswith(_NESTED)},
                   **({"values": _part(rec, "values.")} if trials.objectives.multi else {}),
                   "params": _part(rec, "params."), "result": _part(rec, "result.")}
                  for rec in records]
        print(json.dumps(nested, indent=2, default=str))
    elif args.format == "csv":
        writer = csv.DictWriter(sys.stdout, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    else:
        shown = [c for c in columns if c != "error"] + ["error"]
        print(table(shown, [[_cell(rec, c) for c in shown] for rec in records]))
    return 0


def _records(trials: Trials) -> list[dict[str, Any]]:
    """The flat records, with `step` (the deepest step reached) after `state` when any
    trial of the study reported."""
    records = trials.to_records()
    if any(t.intermediate for t in trials):
        records = [{**dict(list(rec.items())[:2]), "step": t.last_step, **rec}
                   for rec, t in zip(records, trials, strict=True)]
    return records


def _part(record: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {k[len(prefix):]: v for k, v in record.items() if k.startswith(prefix)}


def _cell(record: dict[str, Any], column: str) -> str:
    """A parameter that is active with the value `null` reads `null`; an inactive one
    (absent from the record) stays empty."""
    if column.startswith("params.") and column in record and record[column] is None:
        return "null"
    return number(record.get(column))


def _one(trials: Trials, n: int, form: str) -> int:
    """Trial `n` in full; 2 if the study has no such trial."""
    if n >= len(trials):
        error(f"the study has {len(trials)} trials (numbered from 0): no trial {n}")
        return 2
    t = trials[n]
    objectives = trials.objectives
    values = (dict(zip(objectives.names, t.values, strict=True))
              if t.values is not None and len(t.values) == objectives.k else {})
    record: dict[str, Any] = {"number": t.number, "state": t.state.name, "loss": t.loss,
              "duration": t.duration, "error": t.error, "params": t.params,
              "values": values, "constraints": list(t.constraints or ()),
              "violation": t.violation if t.state == TrialState.OK else None,
              "result": extra_results(t),
              "intermediate": [{"step": k, "value": v} for k, v in t.intermediate.items()],
              "traceback": t.traceback}
    if form == "json":
        print(json.dumps(record, indent=2, default=str))
        return 0
    if form == "csv":
        flat = _records(trials)[n]
        curve = json.dumps({str(k): v for k, v in t.intermediate.items()})
        writer = csv.DictWriter(sys.stdout, [*flat, "intermediate", "traceback"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerow({**flat, "intermediate": curve, "traceback": t.traceback})
        return 0
    for key in BASE:
        print(f"{key}: {number(record[key])}")
    if t.constraints:
        shown = ", ".join(number(c) for c in t.constraints)
        print(f"constraints: {shown} (violation {number(t.violation)})")
    for part in ("values", "params", "result") if objectives.multi else ("params", "result"):
        if record[part]:
            print(f"{part}:")
            for key, value in record[part].items():
                print(f"  {key}: {number(value)}")
    if t.intermediate:
        print("intermediate values:")
        curve = table(["step", "value"], [[str(k), number(v)] for k, v in
                                          t.intermediate.items()])
        print("  " + curve.replace("\n", "\n  "))
    if t.traceback:
        print("traceback:")
        print("  " + t.traceback.rstrip("\n").replace("\n", "\n  "))
    return 0
