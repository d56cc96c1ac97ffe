"""Benchmark: storage and parallel evaluation.

    .venv/bin/python benchmarks/bench_storage.py                  # every measurement
    .venv/bin/python benchmarks/bench_storage.py --throughput     # parallel evaluation only
    .venv/bin/python benchmarks/bench_storage.py --storage        # SQLite storage only

--storage: milliseconds per committed trial (ask, then tell, each committed to the
    file) of hpdsl's SQLite storage and of Optuna's RDBStorage on SQLite, in one run,
    the same number of trials with random search on the same 3-parameter space, each
    study in a fresh file; median of several repeats; in-memory figures of both for
    reference. Target: <= 2 ms per trial and >= 10x faster than Optuna's.

--throughput: trials per second of `fmin` on an objective that sleeps 0.2 s, run
    serially (n_jobs=1), with n_jobs=2 (fmin's own worker processes) and on a 2-worker
    Dask LocalCluster (executor=client; skipped when dask is not installed). Wall clock
    of the whole fmin call (worker start-up included; the Dask cluster is started
    before the clock), and over the evaluation span, from the first trial's start to
    the last one's finish (the steady rate, without the one-off start-up of spawned
    workers). Target: >= 1.8x the serial throughput for both.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hpdsl

SPACE = "lr ~ loguniform(1e-4, 1e-1)\nlayers ~ randint(1, 4)\nact ~ choice(relu, tanh)\n"
THROUGHPUT_TARGET = 1.8
STORAGE_TARGET_MS = 2.0
STORAGE_TARGET_RATIO = 10.0


# --- throughput of parallel evaluation ----------------------------------------------------

def sleepy(cfg: dict[str, Any], seconds: float = 0.2) -> float:
    """An objective whose cost is waiting, like a training job on another device."""
    time.sleep(seconds)
    return float(cfg["lr"] * cfg["layers"])


def timed_fmin(n_trials: int, **kw: Any) -> tuple[float, float]:
    """Trials per second of one fmin call: over its wall clock (worker start-up
    included), and over the evaluation span (first trial started to last finished)."""
    trials = hpdsl.Trials()
    start = time.perf_counter()
    hpdsl.fmin(sleepy, SPACE, max_evals=n_trials, trials=trials, rstate=0,
               show_progressbar=False, **kw)
    elapsed = time.perf_counter() - start
    ok = [t for t in trials if t.state == hpdsl.TrialState.OK and t.finished is not None]
    if len(ok) != n_trials:
        raise RuntimeError(f"only {len(ok)} of {n_trials} trials finished OK")
    span = (max(t.finished for t in ok if t.finished) - min(t.started for t in ok))
    return n_trials / elapsed, n_trials / span.total_seconds()


def throughput(n_trials: int) -> None:
    print(f"throughput: {n_trials} trials, objective sleeps 0.2 s; trials/s (ratio to serial)")
    rows = [("serial (n_jobs=1)", timed_fmin(n_trials)),
            ("n_jobs=2", timed_fmin(n_trials, n_jobs=2))]
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        print("  dask is not installed: pip install 'hpdsl[dask]'")
    else:
        with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                          dashboard_address=None) as cluster, Client(cluster) as client:
            rows.append(("dask LocalCluster, 2 workers", timed_fmin(n_trials, executor=client)))
    serial_wall, serial_span = rows[0][1]
    print(f"  {'':30s} {'wall clock':>18s} {'evaluation span':>20s}")
    for name, (wall, span) in rows:
        ratio = span / serial_span
        met = "" if name.startswith("serial") else (
            "  target >= 1.8x (span): " + ("met" if ratio >= THROUGHPUT_TARGET else "MISSED"))
        print(f"  {name:30s} {wall:6.2f} ({wall / serial_wall:4.2f}x)"
              f"      {span:6.2f} ({ratio:4.2f}x){met}")


# --- milliseconds per committed trial -----------------------------------------------------

def hpdsl_ms(n_trials: int, url: str | None) -> float:
    """ms per trial of ask + tell with random search; `url` None: in memory."""
    trials = hpdsl.Trials(url) if url else hpdsl.Trials()
    study = hpdsl.Study(SPACE, algo=hpdsl.rand.suggest, seed=0, trials=trials)
    start = time.perf_counter()
    for _ in range(n_trials):
        trial = study.ask()
        study.tell(trial, float(trial.config["lr"] * trial.config["layers"]))
    return (time.perf_counter() - start) * 1000 / n_trials


def optuna_ms(n_trials: int, url: str | None) -> float:
    """The same with Optuna's ask/tell: RDBStorage(url), or in memory for None."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    storage = optuna.storages.RDBStorage(url) if url else None
    study = optuna.create_study(storage=storage, sampler=optuna.samplers.RandomSampler(0))
    start = time.perf_counter()
    for _ in range(n_trials):
        trial = study.ask()
        lr = trial.suggest_float("lr", 1e-4, 1e-1, log=True)
        layers = trial.suggest_int("layers", 1, 4)
        trial.suggest_categorical("act", ["relu", "tanh"])
        study.tell(trial, lr * layers)
    return (time.perf_counter() - start) * 1000 / n_trials


def median_ms(measure: Callable[[int, str | None], float], n_trials: int, repeats: int,
              on_file: bool) -> float:
    """Median over `repeats` runs, each on a fresh file when `on_file`."""
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'study.db'}" if on_file else None
            runs.append(measure(n_trials, url))
    return statistics.median(runs)


def storage(n_trials: int, repeats: int) -> None:
    print(f"storage: ms per committed trial (ask + tell, random search), {n_trials} trials, "
          f"median of {repeats}")
    ours = median_ms(hpdsl_ms, n_trials, repeats, True)
    rows = [("hpdsl, SQLite file", ours), ("hpdsl, in memory", median_ms(
        hpdsl_ms, n_trials, repeats, False))]
    try:
        import optuna  # noqa: F401
    except ImportError:
        theirs = float("nan")
        rows.append(("optuna RDBStorage, SQLite: not installed", theirs))
    else:
        theirs = median_ms(optuna_ms, n_trials, repeats, True)
        rows += [("optuna RDBStorage, SQLite file", theirs),
                 ("optuna, in memory", median_ms(optuna_ms, n_trials, repeats, False))]
    for name, ms in rows:
        print(f"  {name:32s} {ms:7.3f} ms/trial")
    ratio = theirs / ours
    print(f"  hpdsl SQLite: target <= {STORAGE_TARGET_MS} ms: "
          f"{'met' if ours <= STORAGE_TARGET_MS else 'MISSED'}; {ratio:.1f}x faster than "
          f"optuna's (target >= {STORAGE_TARGET_RATIO}x: "
          f"{'met' if ratio >= STORAGE_TARGET_RATIO else 'MISSED'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--throughput", action="store_true",
                        help="parallel evaluation: serial, n_jobs=2, Dask")
    parser.add_argument("--trials", type=int, default=20, help="trials per throughput run")
    parser.add_argument("--storage", action="store_true",
                        help="ms per committed trial: hpdsl SQLite vs optuna RDBStorage")
    parser.add_argument("--storage-trials", type=int, default=200,
                        help="trials per storage run")
    parser.add_argument("--repeats", type=int, default=5, help="storage runs (median)")
    args = parser.parse_args()
    run_all = not (args.throughput or args.storage)
    if args.throughput or run_all:
        throughput(args.trials)
    if args.storage or run_all:
        storage(args.storage_trials, args.repeats)


if __name__ == "__main__":
    main()
