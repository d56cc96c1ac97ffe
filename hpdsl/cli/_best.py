"""`hpdsl best`: the best trial of a stored study, or its Pareto front."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from typing import Any

from ..search import Trial, Trials
from ._common import error, print_results, printable
from ._stored import (
    StudyNotFound,
    add_storage_arguments,
    extra_results,
    number,
    open_study,
    table,
)

DESCRIPTION = """\
Show the best trial of a study: its number, loss (the highest value when the
study maximizes), extra results and configuration. Trials that break an outcome
constraint are never best. --format json prints one object with `study`,
`number`, `loss`, `result` and `config`.

A study with several objectives has no single best trial: the command shows its
Pareto front, the feasible trials no other one beats in every objective, one row
each: number, each objective's value, each parameter. --format json prints
`study`, `objectives` (name, direction), `constraints` and `front` (number,
`values` by name, `result`, `config`); csv prints the table's columns.

If the storage holds one study, --study may be left out.

Exit status: 0, 1 if no feasible trial has a loss yet, 2 if the storage or the
study cannot be read."""
EPILOG = """\
examples:
  hpdsl best sqlite:///runs/demo.db
  hpdsl best sqlite:///runs/demo.db --format json | jq .config > best.json
  hpdsl best sqlite:///runs/tradeoff.db --format csv > front.csv"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_storage_arguments(parser)
    parser.add_argument("--format", choices=("text", "table", "json", "csv"), default="text",
                        help="text (or table) for people (default), json or csv for programs")


def run(args: argparse.Namespace) -> int:
    try:
        study, trials = open_study(args.storage, args.study)
    except StudyNotFound as err:
        error(str(err))
        return 2
    objectives = trials.objectives
    if objectives.multi:
        front = trials.pareto_front()
    else:
        best = trials.best_trial
        front = [] if best is None else [best]
    if not front:
        error(f"study `{study}` has no trial with a loss yet ({len(trials)} trials"
              f"{trials.infeasible_note()})")
        return 1
    if args.format == "json":
        print(json.dumps(_json(study, trials, front), indent=2, default=str))
    elif args.format == "csv" or (objectives.multi or args.format == "table"):
        header, rows = _rows(trials, front)
        if args.format == "csv":
            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerows([header, *rows])
        else:
            print(f"study `{printable(study)}`: {_title(trials, front)}")
            print(table(header, [[number(v) for v in row] for row in rows]))
    else:
        best = front[0]
        print(f"study `{printable(study)}`: best of {len(trials)} trials is trial "
              f"{best.number}, {objectives.names[0]} {best.loss:.6g}")
        print_results(extra_results(best))
        print(json.dumps(best.config, indent=2, default=str))
    return 0


def _title(trials: Trials, front: list[Trial]) -> str:
    objectives = trials.objectives
    if not objectives.multi:
        return f"best of {len(trials)} trials ({objectives.describe()})"
    return (f"Pareto front of {len(trials)} trials: {len(front)} trials "
            f"({objectives.describe()})")


def _rows(trials: Trials, front: list[Trial]) -> tuple[list[str], list[list[Any]]]:
    """number, each objective, each parameter (flattened names)."""
    names = trials.objectives.names
    params = list(dict.fromkeys(k for t in front for k in t.params))
    header = ["number", *names, *(f"params.{p}" for p in params)]
    rows = [[t.number, *(t.values or ()), *(t.params.get(p) for p in params)] for t in front]
    return header, rows


def _json(study: str, trials: Trials, front: list[Trial]) -> dict[str, Any]:
    objectives = trials.objectives
    if not objectives.multi:
        best = front[0]
        return {"study": study, "number": best.number, "loss": best.loss,
                "result": extra_results(best), "config": best.config}
    return {"study": study,
            "objectives": [{"name": n, "direction": d}
                           for n, d in zip(objectives.names, objectives.directions,
                                           strict=True)],
            "constraints": [str(b) for b in objectives.bounds],
            "front": [{"number": t.number,
                       "values": dict(zip(objectives.names, t.values or (), strict=True)),
                       "result": extra_results(t), "config": t.config} for t in front]}
