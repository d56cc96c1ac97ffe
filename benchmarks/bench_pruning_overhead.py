"""What `trial.report(value, step)` and `trial.should_prune()` cost per call, where the
objective runs.

    .venv/bin/python benchmarks/bench_pruning_overhead.py [--calls 2000] [--repeats 5]

The study first holds `--finished` OK trials of `--steps` reported values each; then
`fmin` runs `--repeats` more trials with a MedianPruner, each timing its own calls:

- should_prune: asked `--calls` times at step 0 (judged against every finished trial);
- report + should_prune: one of each per step, steps 1 .. `--steps` - 1 (judged);
- report: `--calls` reports past the finished trials' steps.

Rows: a study in memory or in an SQLite file, the objective in the driver (serial fmin,
ask/tell) or in a worker process (n_jobs; Dask workers take the same path). From a
worker, a study in memory gets its reports as one-way messages to the driver's report
hub, and `should_prune` judges from a snapshot refreshed at most every 50 ms; a study
file is written by the worker itself, one transaction per report. Figures: median
microseconds per call over the repeats. Targets (issue 12): report <= 50 us in memory,
<= 1 ms on SQLite.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import hpdsl
from hpdsl.pruners import MedianPruner

SPACE = "x ~ uniform(0, 1)\n"
SETTINGS = {"calls": 2000, "steps": 100}


def timed(cfg: dict[str, Any], trial: hpdsl.RunningTrial, calls: int, steps: int
          ) -> dict[str, float]:
    """The objective: time each kind of call (microseconds per call)."""
    trial.report(0.0, 0)  # better than every finished trial: judged, never pruned
    start = time.perf_counter()
    for _ in range(calls):
        trial.should_prune()
    prune_us = (time.perf_counter() - start) / calls * 1e6
    start = time.perf_counter()
    for step in range(1, steps):
        trial.report(0.0, step)
        trial.should_prune()
    both_us = (time.perf_counter() - start) / (steps - 1) * 1e6
    start = time.perf_counter()
    for step in range(steps, steps + calls):
        trial.report(0.0, step)
    report_us = (time.perf_counter() - start) / calls * 1e6
    return {"loss": 1.0, "report": report_us, "should_prune": prune_us,
            "report + should_prune": both_us}


class Objective:
    """`timed` with the settings bound; picklable for worker processes."""

    def __init__(self, calls: int, steps: int) -> None:
        self.calls, self.steps = calls, steps

    def __call__(self, cfg: dict[str, Any], trial: hpdsl.RunningTrial) -> dict[str, float]:
        return timed(cfg, trial, self.calls, self.steps)


def filled(url: str | None, finished: int, steps: int) -> hpdsl.Trials:
    """A study with `finished` OK trials that reported `steps` values each."""
    trials = hpdsl.Trials(url)
    study = hpdsl.Study(SPACE, algo=hpdsl.rand.suggest, seed=0, trials=trials)
    for _ in range(finished):
        asked = study.ask()
        running = study.running_trial(asked)
        for step in range(steps):
            running.report(asked.config["x"] + 1.0 / (step + 1), step)
        study.tell(asked, asked.config["x"])
    return trials


def row(url: str | None, worker: bool, args: argparse.Namespace) -> dict[str, float]:
    trials = filled(url, args.finished, args.steps)
    extra: dict[str, Any] = {"n_jobs": 1, "trial_timeout": 3600.0} if worker else {}
    hpdsl.fmin(Objective(args.calls, args.steps), SPACE, algo=hpdsl.rand.suggest,
               max_evals=args.finished + args.repeats, trials=trials, rstate=0,
               show_progressbar=False, pruner=MedianPruner(n_startup_trials=0), **extra)
    runs = [t.attachments for t in trials if t.number >= args.finished]
    assert len(runs) == args.repeats and all("report" in r for r in runs), runs
    return {key: statistics.median(r[key] for r in runs)
            for key in ("report", "should_prune", "report + should_prune")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--finished", type=int, default=100)
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args(argv)
    print(f"microseconds per call, median of {args.repeats} trials; the study holds "
          f"{args.finished} finished trials of {args.steps} steps")
    print(f"{'study':<8}{'objective in':<14}{'report':>10}{'should_prune':>14}"
          f"{'report + should_prune':>24}")
    with tempfile.TemporaryDirectory() as folder:
        for name, worker in (("memory", False), ("memory", True), ("sqlite", False),
                             ("sqlite", True)):
            url = (f"sqlite:///{Path(folder) / f'{name}-{worker}.db'}" if name == "sqlite"
                   else None)
            got = row(url, worker, args)
            print(f"{name:<8}{'a worker' if worker else 'the driver':<14}"
                  f"{got['report']:>10.1f}{got['should_prune']:>14.1f}"
                  f"{got['report + should_prune']:>24.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
