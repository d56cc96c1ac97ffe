"""`hpdsl run`: minimize an objective over a space, optionally in a stored study."""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import signal
import sys
from pathlib import Path
from types import FrameType

from .. import plot
from ..compile import Space
from ..errors import AllTrialsFailed, HpsError
from ..search import (
    Suggest,
    Trials,
    TrialState,
    fmin,
    multi_objective,
    takes_trial,
    workers_to_start,
)
from ..storage import DIRECTIONS, SpaceChangedError, make_objectives
from ._common import (
    add_colour_argument,
    error,
    integer,
    integer_at_least,
    load_space,
    print_results,
    printable,
)
from ._objective import ObjectiveError, load_objective
from ._pruner import PRUNERS, build_pruner, pruner_spec
from ._stored import number, table

DESCRIPTION = """\
Minimize an objective over the space in SPACE. The objective is a function
that takes a configuration dict (and, if it has a second parameter, the running
trial: number, study name, storage URL) and returns a loss, or a dict with `loss` and
extra results: `--objective FILE.py:FUNC` runs the file (its directory last
on sys.path, so its own imports of files beside it work, and no file there
replaces the standard library or an installed package) and takes FUNC from
it; `--objective module:func` imports a module (the working directory last on
sys.path). Nothing else is imported. An objective that raises fails its trial and the
search goes on.

With --storage the trials are saved as they finish in study --study (default:
the space file's name without .hps). Running the same command again resumes
that study: --max-evals counts all its trials, so a study that already has
them runs nothing (raise --max-evals to go on). Without --max-evals or
--timeout the search runs until Ctrl-C (or until grid runs out).

With --pruner (e.g. hyperband, median), an objective that takes the trial and
reports as it trains (trial.report(value, step), trial.should_prune(), raise
hpdsl.TrialPruned) is stopped early when it falls behind; the summary then
says how many steps (epochs) pruning saved. See docs/pruning.md.

At the end the best configuration is printed (JSON) with its loss and extra
results. Ctrl-C stops cleanly: the running trials are recorded as interrupted
(a resumed run runs them again), the best so far is printed, exit status 130.
SIGTERM does the same, with exit status 143. Worker processes (--n-jobs) end
with the command, even when it is killed.

--direction maximize maximizes the one objective. Several objectives: the
objective returns a tuple (or a dict whose `loss` is a list) and --directions
gives one word per objective (minimize,maximize), --objectives their names
(error,latency_ms); the command then prints the Pareto front. --constraint
"latency_ms <= 20" (repeatable) declares an outcome constraint on a returned
value (an objective's, or a key of the result dict); the objective may also
return `constraints`, numbers that are feasible when <= 0. Trials that break a
constraint are kept but never best. A resumed study keeps its objectives.

Exit status: 0 done, 1 no trial finished with a loss or the plots could not
be written, 2 bad input (space errors, objective not found, storage errors, a
study run on another space), 130 interrupted, 143 terminated."""
EPILOG = """\
examples:
  hpdsl run examples/classifier.hps --objective examples/classifier.py:objective \\
      --max-evals 60 --storage sqlite:///runs/demo.db --plots runs/plots
  hpdsl run space.hps --objective mypkg.train:objective --n-jobs 4 --trial-timeout 600
  hpdsl run examples/pruning.hps --objective examples/pruning.py:objective \\
      --pruner hyperband --max-evals 60 --storage sqlite:///runs/demo.db
  hpdsl run examples/tradeoff.hps --objective examples/tradeoff.py:objective \\
      --objectives accuracy,latency_ms --directions maximize,minimize \\
      --constraint "latency_ms <= 5" --max-evals 40 --storage sqlite:///runs/tradeoff.db
  hpdsl best sqlite:///runs/demo.db     # later: the best trial of the stored study"""

ALGORITHMS = ("tpe", "rand", "anneal", "grid", "evolution", "hypergrad", "nsga2", "qmc",
              "cmaes")


def _n_jobs(text: str) -> int:
    value = integer(text)
    if value < -1 or value == 0:
        raise argparse.ArgumentTypeError(f"must be >= 1 or -1 (one per CPU), got {value}")
    return value


def _seconds(text: str) -> float | None:
    """argparse type: a positive number of seconds; `inf` is no limit (None)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return None if math.isinf(value) else value


def _words(text: str) -> list[str]:
    """argparse type: a comma-separated list of words."""
    words = [w.strip() for w in text.split(",")]
    if not all(words):
        raise argparse.ArgumentTypeError(f"a comma-separated list of words, not {text!r}")
    return words


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("space", metavar="SPACE", help="the space file")
    parser.add_argument("--objective", required=True, metavar="FILE.py:FUNC|module:func",
                        help="the function to minimize")
    parser.add_argument("--max-evals", type=integer_at_least(1), metavar="N",
                        help="stop when the study has N trials in all (default: no limit)")
    parser.add_argument("--timeout", type=_seconds, metavar="S",
                        help="start no new trial after S seconds (inf: no limit)")
    parser.add_argument("--algo", choices=ALGORITHMS, default="tpe",
                        help="the search algorithm (default tpe, which is MOTPE for several "
                             "objectives; nsga2 handles several too)")
    parser.add_argument("--direction", choices=DIRECTIONS,
                        help="minimize (default) or maximize the objective")
    parser.add_argument("--directions", type=_words, metavar="D1,D2,...",
                        help="several objectives: one direction each, e.g. "
                             "minimize,maximize")
    parser.add_argument("--objectives", type=_words, metavar="NAME1,NAME2,...",
                        help="the objectives' names, e.g. error,latency_ms (shown in tables "
                             "and plots)")
    parser.add_argument("--constraint", action="append", metavar="'NAME <= X'",
                        help="an outcome constraint on a returned value, e.g. "
                             "'latency_ms <= 20' (repeatable)")
    parser.add_argument("--seed", type=integer_at_least(0), metavar="S", help="random seed")
    parser.add_argument("--storage", metavar="URL",
                        help="keep the trials in a file, e.g. sqlite:///runs/demo.db "
                             "(default: in memory, lost at exit)")
    parser.add_argument("--study", metavar="NAME",
                        help="the study's name in the storage (default: the space file's "
                             "stem)")
    parser.add_argument("--allow-space-change", action="store_true",
                        help="resume a study although its space's source changed")
    parser.add_argument("--n-jobs", type=_n_jobs, default=1, metavar="N",
                        help="evaluate N trials at once in worker processes (-1: one per CPU)")
    parser.add_argument("--trial-timeout", type=_seconds, metavar="S",
                        help="fail a trial still running after S seconds (its worker is "
                             "killed; inf: no limit)")
    parser.add_argument("--pruner", type=pruner_spec, default=("none", {}),
                        metavar="NAME[:KEY=VALUE,...]",
                        help="stop unpromising trials early (the objective takes the trial "
                             "and reports to it): " + ", ".join(PRUNERS) + " or none "
                             "(default); settings as in hpdsl.pruners, e.g. "
                             "median:n_warmup_steps=5 (docs/pruning.md)")
    parser.add_argument("--plots", metavar="DIR", type=Path,
                        help="write history, importance, parallel and slice plots (PNG) to "
                             "DIR after the run, intermediate when trials reported values, "
                             "pareto with several objectives (needs the `plot` extra)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_colour_argument(parser)


class _Interrupt:
    """A SIGINT and SIGTERM handler that remembers which signal came (fmin catches the
    KeyboardInterrupt and returns the best so far, so the command would not know
    otherwise). SIGTERM stops the run as Ctrl-C does: the running trials are recorded
    as interrupted and the workers stopped."""

    def __init__(self) -> None:
        self.signum: int | None = None

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self.signum = signum
        raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    space, code = load_space(args.space, args.no_color)
    if space is None:
        return code
    try:
        objective = load_objective(args.objective)
    except ObjectiveError as err:
        error(str(err))
        return 2
    try:
        pruner = build_pruner(*args.pruner)
    except HpsError as err:
        error(str(err))
        return 2
    if pruner is not None and not takes_trial(objective):
        print(f"hpdsl: warning: --pruner {args.pruner[0]}: the objective takes no second "
              "parameter (the trial), so it reports nothing and no trial is pruned",
              file=sys.stderr)
    wanted = {"direction": args.direction, "directions": args.directions,
              "objectives": args.objectives, "constraints": args.constraint}
    try:
        make_objectives(args.direction, args.directions, args.objectives,
                        args.constraint or ())
    except HpsError as err:
        error(str(err))
        return 2
    study = args.study or Path(args.space).stem
    where = f"study `{study}` in {args.storage}" if args.storage else "the trials (in memory)"
    try:
        trials = (Trials(args.storage, study=study, allow_space_change=args.allow_space_change)
                  if args.storage else Trials())
        trials.bind(space)
        trials.bind_objectives(**wanted)
    except SpaceChangedError as err:
        error(str(err))
        print("help: on the command line, pass --allow-space-change or another --study",
              file=sys.stderr)
        return 2
    except HpsError as err:
        error(str(err))
        return 2
    objectives = trials.objectives
    if objectives.multi and not multi_objective(_algorithm(args.algo)):
        error(f"`{args.algo}.suggest` optimizes one objective; this study has "
              f"{objectives.k} ({printable(objectives.describe())})")
        several = [name for name in ALGORITHMS if multi_objective(_algorithm(name))]
        print(f"help: use --algo {', '.join(several[:-1])} or {several[-1]}: they handle "
              "several objectives", file=sys.stderr)
        return 2
    done = trials.counted()
    left = None if args.max_evals is None else args.max_evals - done
    if left is not None and left <= 0:
        print(f"hpdsl: {printable(where)} already has {done} trials (--max-evals "
              f"{args.max_evals}): nothing to run; raise --max-evals to go on", file=sys.stderr)
    n_jobs, why = workers_to_start(args.n_jobs if args.n_jobs > 0 else os.cpu_count() or 1, left)
    if why is not None and (left is None or left > 0):
        print(f"hpdsl: --n-jobs {args.n_jobs}: starting {n_jobs} worker "
              f"process{'es' * (n_jobs != 1)}, {why}", file=sys.stderr)
    interrupt = _Interrupt()
    previous = {s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        fmin(objective, space, algo=_algorithm(args.algo), max_evals=args.max_evals,
             timeout=args.timeout, trials=trials, rstate=args.seed,
             catch_eval_exceptions=True, show_progressbar=not args.no_progress,
             n_jobs=n_jobs, trial_timeout=args.trial_timeout, pruner=pruner, **wanted)
    except AllTrialsFailed:
        pass  # reported below
    except KeyboardInterrupt:
        interrupt.signum = interrupt.signum or signal.SIGINT
    except HpsError as err:
        error(str(err))
        return 2
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    try:
        trials.storage.refresh()  # the study file deleted after the last trial: say so
    except HpsError as err:
        error(str(err))
        return 2
    status = _report(trials, where, space)
    if interrupt.signum is not None:
        what = "terminated" if interrupt.signum == signal.SIGTERM else "interrupted"
        print(f"hpdsl: {what}; the best so far is shown above", file=sys.stderr)
        return 128 + interrupt.signum
    if args.plots is not None and _plots(trials, args.plots) != 0:
        return 1
    return status


def _algorithm(name: str) -> Suggest:
    suggest: Suggest = importlib.import_module(f"hpdsl.search.{name}").suggest
    return suggest


def _report(trials: Trials, where: str, space: Space) -> int:
    """Print the counts, what pruning saved, and the best trial; 1 if no trial has a
    loss."""
    states = [t.state for t in trials]
    ok = states.count(TrialState.OK)
    failed = states.count(TrialState.FAIL)
    others = [(states.count(state), name) for state, name in
              ((TrialState.PRUNED, "pruned"), (TrialState.INTERRUPTED, "interrupted"))]
    counts = f"{ok} ok, {failed} failed" + "".join(f", {n} {name}" for n, name in others if n)
    print(f"{printable(where)}: {len(states)} trials ({counts})")
    _savings(trials, space)
    objectives = trials.objectives
    front = trials.pareto_front() if objectives.multi else [
        t for t in [trials.best_trial] if t is not None]
    if not front:
        first = next((t.error for t in trials if t.state == TrialState.FAIL), None)
        error("no trial finished with a loss" + (f"; the first error: {first}" if first
                                                 else "") + trials.infeasible_note())
        return 1
    if objectives.multi:
        print(f"Pareto front: {len(front)} trials ({printable(objectives.describe())})")
        names = list(objectives.names)
        print(table(["number", *names],
                    [[str(t.number), *(number(v) for v in t.values or ())] for t in front]))
        print("their configurations (JSON, one a line):")
        for t in front:
            print(json.dumps(t.config, default=str))
        return 0
    best = front[0]
    print(f"best trial: {best.number}, {printable(objectives.names[0])} {best.loss:.6g}")
    print_results({k: v for k, v in best.result.items() if k not in ("loss", "status")})
    print("best configuration:")
    print(json.dumps(best.config, indent=2, default=str))
    return 0


def _savings(trials: Trials, space: Space) -> None:
    """When trials were pruned: the resource trained (the steps reported, e.g. epochs)
    against what training every reporting trial to the full budget would have taken (the
    fidelity's max, else the deepest step reached)."""
    reached = [t.last_step for t in trials if t.last_step is not None]
    pruned = sum(t.state == TrialState.PRUNED for t in trials)
    if not pruned or not reached:
        return
    fidelity = space.fidelity
    full = fidelity.max if fidelity is not None else max(reached)
    unit = fidelity.name if fidelity is not None else "steps"
    trained, budget = sum(reached), full * len(reached)
    print(f"pruning: {pruned} of {len(reached)} trials stopped early; {trained} {unit} "
          f"trained of the {budget} that {full} for every trial would take "
          f"({1 - trained / budget:.0%} saved)")


def _plots(trials: Trials, directory: Path) -> int:
    """Write every kind of plot to `directory`; 1 (with an error line) if impossible."""
    try:
        import matplotlib
    except ImportError:
        error("--plots needs matplotlib: pip install 'hpdsl[plot]'")
        return 1
    matplotlib.use("Agg")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        error(f"cannot create the plot directory {directory}: {err.strerror}")
        return 1
    written = []
    curves = any(t.intermediate for t in trials)
    kinds = plot.KINDS + (plot.MULTI_KINDS if trials.objectives.multi else ())
    for kind in (k for k in kinds if k != "intermediate" or curves):
        path = directory / f"{kind}.png"
        try:
            plot.save(trials, kind, path)
        except ValueError as err:  # e.g. importance with fewer than 2 trials with a loss
            print(f"hpdsl: no {kind} plot: {err}", file=sys.stderr)
            continue
        except OSError as err:
            error(f"cannot write {path}: {err.strerror}")
            return 1
        written.append(path.name)
    print(f"plots written to {directory}: {', '.join(written)}", file=sys.stderr)
    return 0
