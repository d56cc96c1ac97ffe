"""`hpdsl best`: the best trial of a stored study."""

from __future__ import annotations

import argparse
import json

from ._common import error, print_results, printable
from ._stored import StudyNotFound, add_storage_arguments, open_study

DESCRIPTION = """\
Show the trial with the lowest loss in a study: its number, loss, extra
results and configuration. --format json prints one object with `study`,
`number`, `loss`, `result` and `config`. If the storage holds one study,
--study may be left out.

Exit status: 0, 1 if no trial has a loss yet, 2 if the storage or the study
cannot be read."""
EPILOG = """\
examples:
  hpdsl best sqlite:///runs/demo.db
  hpdsl best sqlite:///runs/demo.db --format json | jq .config > best.json"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_storage_arguments(parser)
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text for people (default), json for programs")


def run(args: argparse.Namespace) -> int:
    try:
        study, trials = open_study(args.storage, args.study)
    except StudyNotFound as err:
        error(str(err))
        return 2
    best = trials.best_trial
    if best is None:
        error(f"study `{study}` has no trial with a loss yet ({len(trials)} trials)")
        return 1
    extra = {k: v for k, v in best.result.items() if k not in ("loss", "status")}
    if args.format == "json":
        print(json.dumps({"study": study, "number": best.number, "loss": best.loss,
                          "result": extra, "config": best.config}, indent=2, default=str))
        return 0
    print(f"study `{printable(study)}`: best of {len(trials)} trials is trial {best.number}, "
          f"loss {best.loss:.6g}")
    print_results(extra)
    print(json.dumps(best.config, indent=2, default=str))
    return 0
