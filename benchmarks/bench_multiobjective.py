"""hpdsl's MOTPE and NSGA-II against Optuna's multi-objective TPE and NSGA-II and random search.

    .venv/bin/python benchmarks/bench_multiobjective.py --quick   # 3 seeds, 100 evaluations
    .venv/bin/python benchmarks/bench_multiobjective.py           # the run in README.md

Each problem is written once as values (and constraint values, c <= 0 feasible) of a
flat configuration dict, plus a `.hps` space and an Optuna define-by-run function.
Quality: the hypervolume (a fixed reference point per problem) of all the feasible
points evaluated after 100 and 200 evaluations, seeds interleaved (seed, then problem,
then algorithm) so that machine load hits every algorithm alike; mean rank over every
(problem, seed) and Mann-Whitney p-values of hpdsl's default against each Optuna
sampler. hpdsl's algorithms run through `hpdsl.Study` (ask and tell), as users run them.
Speed: median milliseconds per suggestion with 1,000 finished trials on the conditional
problem's space, hpdsl and Optuna in the same run.
"""

from __future__ import annotations

import argparse
import functools
import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import optuna
from scipy import stats

import hpdsl
from hpdsl.search import History, TrialState, nsga2, pareto, rand, tpe

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
Config = dict[str, Any]
Outcome = tuple[list[float], list[float]]  # values (minimized), constraint values


@dataclass(frozen=True)
class Problem:
    name: str
    hps: str
    optuna_config: Callable[[optuna.Trial], Config]
    evaluate: Callable[[Config], Outcome]
    reference: tuple[float, ...]
    conditional: bool = False


# --- ZDT and DTLZ2 on the unit cube ------------------------------------------------------

N_DIMS = 6
CUBE_HPS = "\n".join(f"x{i} ~ uniform(0, 1)" for i in range(N_DIMS))


def cube_optuna(t: optuna.Trial) -> Config:
    return {f"x{i}": t.suggest_float(f"x{i}", 0.0, 1.0) for i in range(N_DIMS)}


def _x(c: Config) -> np.ndarray:
    return np.array([c[f"x{i}"] for i in range(N_DIMS)])


def zdt(c: Config, shape: Callable[[float], float]) -> Outcome:
    x = _x(c)
    g = 1.0 + 9.0 * float(x[1:].mean())
    return [float(x[0]), g * shape(float(x[0]) / g)], []


zdt1 = functools.partial(zdt, shape=lambda r: 1.0 - math.sqrt(r))
zdt2 = functools.partial(zdt, shape=lambda r: 1.0 - r * r)


def dtlz2(c: Config, m: int) -> Outcome:
    x = _x(c)
    g = float(((x[m - 1:] - 0.5) ** 2).sum())
    angles = x[:m - 1] * math.pi / 2
    values = []
    for i in range(m):
        f = 1.0 + g
        f *= float(np.prod(np.cos(angles[:m - 1 - i])))
        if i > 0:
            f *= math.sin(float(angles[m - 1 - i]))
        values.append(f)
    return values, []


# --- model selection: accuracy against latency, each model its own parameters and cost --

MODELS_HPS = """
model ~ choice(linear, knn, forest, boosting, net)
if model == linear {
    C       ~ loguniform(1e-4, 1e2)
    penalty ~ choice(l1, l2)
    degree  ~ randint(1, 4)
} elif model == knn {
    k       ~ randint(1, 100)
    weights ~ choice(uniform, distance)
} elif model == forest {
    n_trees      ~ qloguniform(10, 1000, 10)
    depth        ~ randint(2, 30)
    max_features ~ uniform(0.05, 1.0)
} elif model == boosting {
    n_rounds   ~ qloguniform(10, 2000, 10)
    eta        ~ loguniform(1e-3, 1)
    tree_depth ~ randint(1, 10)
    subsample  ~ uniform(0.3, 1.0)
} else {
    n_layers     ~ randint(1, 4)
    width        ~ qloguniform(16, 1024, 16)
    lr           ~ loguniform(1e-5, 1e-1)
    weight_decay ~ loguniform(1e-6, 1e-1)
    dropout      ~ uniform(0, 0.6)
}
"""


def models(c: Config) -> Outcome:
    """(error, log10 of the latency in ms): fast weak models (linear, knn), forests and
    boosting in between, the best errors only from a well-tuned network, at a price. Each
    model's error has a narrow optimum in its own parameters (boosting's learning rate
    and rounds interact); latency spans three decades, hence its log."""
    m = c["model"]
    if m == "linear":
        d = c["degree"]
        err = (0.16 + 0.10 / d + 0.03 * (math.log10(c["C"]) + 1.0 + 0.5 * d) ** 2
               + (0.0 if c["penalty"] == "l1" else 0.02))
        latency = 0.02 * d * d
    elif m == "knn":
        k = c["k"]
        err = 0.14 + 0.04 * (math.log(k / 12.0)) ** 2 + (0.0 if c["weights"] == "distance"
                                                          else 0.015)
        latency = 0.3 + 0.02 * k
    elif m == "forest":
        n, d = c["n_trees"], c["depth"]
        err = (0.07 + 0.2 * math.sqrt(10.0 / n) + 0.15 * abs(d - 16) / 14
               + 0.3 * (c["max_features"] - 0.3) ** 2)
        latency = n * d / 1000.0
    elif m == "boosting":
        n, eta, d = c["n_rounds"], c["eta"], c["tree_depth"]
        err = (0.05 + 0.05 * (math.log10(n * eta) - 1.3) ** 2 + 0.1 * math.sqrt(10.0 / n)
               + 0.02 * abs(d - 5) + 0.1 * (c["subsample"] - 0.8) ** 2)
        latency = n * d / 200.0
    else:
        layers, w = c["n_layers"], c["width"]
        err = (0.02 + 0.06 * (math.log10(c["lr"]) + 3.0) ** 2 + 0.08 * math.sqrt(64.0 / w)
               + 0.03 * (math.log10(c["weight_decay"]) + 4.0) ** 2 / 4
               + 0.04 * abs(layers - 3) + 0.15 * (c["dropout"] - 0.25) ** 2)
        latency = layers * w / 64.0
    return [err, math.log10(latency)], []


def models_optuna(t: optuna.Trial) -> Config:
    m = t.suggest_categorical("model", ["linear", "knn", "forest", "boosting", "net"])
    c: Config = {"model": m}
    if m == "linear":
        c |= {"C": t.suggest_float("C", 1e-4, 1e2, log=True),
              "penalty": t.suggest_categorical("penalty", ["l1", "l2"]),
              "degree": t.suggest_int("degree", 1, 4)}
    elif m == "knn":
        c |= {"k": t.suggest_int("k", 1, 100),
              "weights": t.suggest_categorical("weights", ["uniform", "distance"])}
    elif m == "forest":
        c |= {"n_trees": t.suggest_int("n_trees", 10, 1000, step=10, log=False),
              "depth": t.suggest_int("depth", 2, 30),
              "max_features": t.suggest_float("max_features", 0.05, 1.0)}
    elif m == "boosting":
        c |= {"n_rounds": t.suggest_int("n_rounds", 10, 2000, step=10),
              "eta": t.suggest_float("eta", 1e-3, 1.0, log=True),
              "tree_depth": t.suggest_int("tree_depth", 1, 10),
              "subsample": t.suggest_float("subsample", 0.3, 1.0)}
    else:
        c |= {"n_layers": t.suggest_int("n_layers", 1, 4),
              "width": t.suggest_int("width", 16, 1024, step=16),
              "lr": t.suggest_float("lr", 1e-5, 1e-1, log=True),
              "weight_decay": t.suggest_float("weight_decay", 1e-6, 1e-1, log=True),
              "dropout": t.suggest_float("dropout", 0.0, 0.6)}
    return c


# --- constrained: OSY (Osyczka and Kundu), 6 variables, 6 constraints --------------------

OSY_HPS = """
x1 ~ uniform(0, 10)
x2 ~ uniform(0, 10)
x3 ~ uniform(1, 5)
x4 ~ uniform(0, 6)
x5 ~ uniform(1, 5)
x6 ~ uniform(0, 10)
"""
_OSY_BOUNDS = {"x1": (0, 10), "x2": (0, 10), "x3": (1, 5), "x4": (0, 6), "x5": (1, 5),
               "x6": (0, 10)}


def osy(c: Config) -> Outcome:
    x1, x2, x3, x4, x5, x6 = (c[f"x{i}"] for i in range(1, 7))
    f1 = -(25 * (x1 - 2) ** 2 + (x2 - 2) ** 2 + (x3 - 1) ** 2 + (x4 - 4) ** 2 + (x5 - 1) ** 2)
    f2 = x1 ** 2 + x2 ** 2 + x3 ** 2 + x4 ** 2 + x5 ** 2 + x6 ** 2
    # each g >= 0 in the paper; here c = -g <= 0
    g = [x1 + x2 - 2, 6 - x1 - x2, 2 - x2 + x1, 2 - x1 + 3 * x2, 4 - (x3 - 3) ** 2 - x4,
         (x5 - 3) ** 2 + x6 - 4]
    return [f1, f2], [-v for v in g]


def osy_optuna(t: optuna.Trial) -> Config:
    return {k: t.suggest_float(k, lo, hi) for k, (lo, hi) in _OSY_BOUNDS.items()}


PROBLEMS = [
    Problem("ZDT1 (6-D)", CUBE_HPS, cube_optuna, zdt1, (1.1, 6.0)),
    Problem("ZDT2 (6-D)", CUBE_HPS, cube_optuna, zdt2, (1.1, 6.0)),
    Problem("DTLZ2, 2 objectives", CUBE_HPS, cube_optuna,
            functools.partial(dtlz2, m=2), (1.1, 1.1)),
    Problem("DTLZ2, 3 objectives", CUBE_HPS, cube_optuna,
            functools.partial(dtlz2, m=3), (1.1, 1.1, 1.1)),
    Problem("model selection (conditional)", MODELS_HPS, models_optuna, models, (0.5, 1.5),
            conditional=True),
    Problem("OSY (6 constraints)", OSY_HPS, osy_optuna, osy, (0.0, 100.0)),
]


# --- algorithms: each returns the values and violations of one seeded run ---------------

Run = tuple[np.ndarray, np.ndarray]  # (n, k) values, (n,) total violation


def violation(constraints: list[float]) -> float:
    return float(sum(max(c, 0.0) for c in constraints))


@functools.cache
def space_of(hps: str) -> hpdsl.Space:
    return hpdsl.loads(hps)


def run_hpdsl(algo: Any) -> Callable[[Problem, int, int], Run]:
    def run(p: Problem, seed: int, n: int) -> Run:
        k = len(p.reference)
        out: list[Outcome] = []

        def objective(cfg: Config) -> dict[str, Any]:
            out.append(p.evaluate(cfg))
            values, constraints = out[-1]
            return {"loss": values, "constraints": constraints} if constraints else {
                "loss": values}
        try:
            hpdsl.fmin(objective, space_of(p.hps), algo, max_evals=n, rstate=seed,
                       directions=("minimize",) * k, show_progressbar=False)
        except hpdsl.AllTrialsFailed:  # no feasible trial: the hypervolume is 0
            pass
        return (np.array([v for v, _ in out]), np.array([violation(c) for _, c in out]))
    return run


def run_optuna(make: Callable[..., optuna.samplers.BaseSampler]
               ) -> Callable[[Problem, int, int], Run]:
    def run(p: Problem, seed: int, n: int) -> Run:
        study = optuna.create_study(directions=["minimize"] * len(p.reference),
                                    sampler=make(seed=seed))
        constraints: list[list[float]] = []

        def objective(t: optuna.Trial) -> list[float]:
            values, c = p.evaluate(p.optuna_config(t))
            for i, v in enumerate(c):  # the samplers read them (feasibility first)
                t.set_constraint(f"c{i}", v)
            constraints.append(c)
            return values
        study.optimize(objective, n_trials=n)
        return (np.array([t.values for t in study.trials]),
                np.array([violation(c) for c in constraints]))
    return run


DEFAULT = "hpdsl tpe (MOTPE)"
ALGOS: dict[str, Callable[[Problem, int, int], Run]] = {
    DEFAULT: run_hpdsl(tpe.suggest),
    "hpdsl nsga2": run_hpdsl(nsga2.suggest),
    "optuna tpe": run_optuna(optuna.samplers.TPESampler),
    "optuna nsga2": run_optuna(optuna.samplers.NSGAIISampler),
    "random": run_hpdsl(rand.suggest),
}


def hypervolume(run: Run, n: int, reference: tuple[float, ...]) -> float:
    values, viol = run[0][:n], run[1][:n]
    return pareto.hypervolume(values[viol <= 0.0], reference)


def quality(n_seeds: int, budgets: list[int], algos: list[str]) -> None:
    hv: dict[tuple[str, str, int], list[float]] = {}
    for seed in range(n_seeds):
        for p in PROBLEMS:
            for a in algos:
                run = ALGOS[a](p, seed, budgets[-1])
                for n in budgets:
                    hv.setdefault((p.name, a, n), []).append(hypervolume(run, n, p.reference))
        print(f"seed {seed} done", flush=True)
    for n in budgets:
        print(f"\nhypervolume after {n} evaluations: mean (median), {n_seeds} seeds;"
              " higher is better\n")
        print("| problem | " + " | ".join(algos) + " |")
        print("|---|" + "---|" * len(algos))
        ranks = {a: [] for a in algos}  # type: dict[str, list[float]]
        for p in PROBLEMS:
            cells = []
            for a in algos:
                x = hv[p.name, a, n]
                cells.append(f"{np.mean(x):.4g} ({np.median(x):.4g})")
            print(f"| {p.name} | " + " | ".join(cells) + " |")
            table = np.array([hv[p.name, a, n] for a in algos])  # (algos, seeds)
            r = stats.rankdata(-table, axis=0)
            for i, a in enumerate(algos):
                ranks[a].extend(r[i].tolist())
        print("| mean rank | " + " | ".join(f"{np.mean(ranks[a]):.2f}" for a in algos) + " |")
        others = [a for a in algos if a.startswith("optuna")]
        if DEFAULT in algos and others:
            print(f"\nMann-Whitney (two-sided) of {DEFAULT} against each Optuna sampler "
                  f"after {n}: p-value, and whether hpdsl's median is higher\n")
            print("| problem | " + " | ".join(others) + " |")
            print("|---|" + "---|" * len(others))
            for p in PROBLEMS:
                ours = hv[p.name, DEFAULT, n]
                cells = []
                for o in others:
                    theirs = hv[p.name, o, n]
                    pv = stats.mannwhitneyu(ours, theirs, alternative="two-sided").pvalue
                    side = "higher" if np.median(ours) > np.median(theirs) else "lower"
                    cells.append(f"{pv:.3f} ({side})")
                print(f"| {p.name} | " + " | ".join(cells) + " |")


# --- speed: one suggestion with 1,000 finished trials ----------------------------------

def speed(repeats: int, size: int = 1000) -> None:
    p = next(q for q in PROBLEMS if q.conditional)
    space = space_of(p.hps)
    rng = np.random.default_rng(0)
    batch, idx = space.coords.sample(rng, size)
    configs = space.coords.configs(batch, idx)
    values = np.array([p.evaluate(c)[0] for c in configs])
    history = History(batch.X[idx], batch.active[idx], values[:, 0],
                      np.full(size, TrialState.OK, dtype=np.int64), values, np.zeros(size))
    rows: dict[str, float] = {}
    for name, algo in (("hpdsl tpe (MOTPE)", tpe.suggest), ("hpdsl nsga2", nsga2.suggest)):
        times = []
        for r in range(repeats):
            t0 = time.perf_counter()
            algo(space, history, np.random.default_rng(r), 1)
            times.append(time.perf_counter() - t0)
        rows[name] = 1000 * float(np.median(times))
    study = optuna.create_study(directions=["minimize", "minimize"],
                                sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: p.evaluate(p.optuna_config(t))[0], n_trials=size)
    for name, make in (("optuna tpe", optuna.samplers.TPESampler),
                       ("optuna nsga2", optuna.samplers.NSGAIISampler)):
        study.sampler = make(seed=0)
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            t = study.ask()
            p.optuna_config(t)
            times.append(time.perf_counter() - t0)
            study.tell(t, state=optuna.trial.TrialState.FAIL)
        rows[name] = 1000 * float(np.median(times))
    print(f"\nmedian ms per suggestion, {p.name}, {size} finished trials "
          f"({repeats} repeats)\n")
    print("| algorithm | ms | x hpdsl tpe |")
    print("|---|---|---|")
    for name, ms in rows.items():
        print(f"| {name} | {ms:.2f} | {ms / rows['hpdsl tpe (MOTPE)']:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="3 seeds, 100 evaluations, 5 timed suggestions")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--algos", default=",".join(ALGOS),
                        help="comma-separated names from: " + ", ".join(ALGOS))
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    algos = args.algos.split(",")
    unknown = [a for a in algos if a not in ALGOS]
    if unknown:
        parser.error(f"unknown algorithms {unknown}; choose from {list(ALGOS)}")
    if not args.skip_speed:
        speed(5 if args.quick else 20)
    if not args.skip_quality:
        if args.quick:
            quality(3, [100], algos)
        else:
            quality(args.seeds, [100, 200], algos)


if __name__ == "__main__":
    main()
