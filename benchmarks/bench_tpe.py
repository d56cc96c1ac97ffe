"""hpdsl's TPE against hyperopt's and Optuna's TPE and random search, on the same problems.

    .venv/bin/python benchmarks/bench_tpe.py            # quick: 3 seeds
    .venv/bin/python benchmarks/bench_tpe.py --seeds 10 # the run recorded in README.md

Each problem is written once as a loss over a flat configuration dict, plus a `.hps`
space, an equivalent hyperopt `hp` space and an Optuna define-by-run function. Seeds
are interleaved (seed, then problem, then algorithm) so that machine load hits all
algorithms alike. Prints median best loss, mean rank, Mann-Whitney p-values of hpdsl
against Optuna, and median milliseconds per suggestion on a 20-parameter conditional
space at 100, 300 and 1,000 finished trials.
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

import hyperopt
import numpy as np
import optuna
from hyperopt import hp
from scipy import stats

import hpdsl
from hpdsl.search import History, TrialState, rand, tpe

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
Config = dict[str, Any]


@dataclass(frozen=True)
class Problem:
    name: str
    hps: str
    hyperopt_space: Callable[[], Any]
    optuna_config: Callable[[optuna.Trial], Config]
    loss: Callable[[Config], float]
    n_trials: int
    conditional: bool = False


def flat(cfg: Any) -> Config:
    """hyperopt returns nested dicts for choices of dicts: merge them into one level."""
    out: Config = {}
    for k, v in cfg.items():
        if isinstance(v, dict):
            out.update(flat(v))
        else:
            out[k] = v
    return out


# --- synthetic functions -------------------------------------------------------------

def branin(c: Config) -> float:
    x1, x2 = c["x1"], c["x2"]
    return ((x2 - 5.1 / (4 * math.pi ** 2) * x1 ** 2 + 5 / math.pi * x1 - 6) ** 2
            + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10 - 0.397887)


_HA = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_HP = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991],
                       [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]])
_HALPHA = np.array([1.0, 1.2, 3.0, 3.2])


def hartmann6(c: Config) -> float:
    x = np.array([c[f"x{i}"] for i in range(1, 7)])
    return float(-(_HALPHA * np.exp(-(_HA * (x - _HP) ** 2).sum(axis=1))).sum() + 3.32237)


def rosenbrock(c: Config) -> float:
    # x3 is searched on a log scale (lr-like), x4 in steps of 0.1
    x = [c["x1"], c["x2"], math.log10(c["s"]), c["x4"]]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


def rastrigin(c: Config) -> float:
    x = [c["x1"], c["x2"], c["x3"], int(c["k1"]), int(c["k2"])]
    return 10 * len(x) + sum(v * v - 10 * math.cos(2 * math.pi * v) for v in x)


def conditional(c: Config) -> float:
    """Four model families with their own parameters; only `c` reaches zero."""
    m = c["model"]
    if m == "a":
        return 2.0 + (c["a1"] - 1) ** 2 + (math.log10(c["a2"]) - 1) ** 2
    if m == "b":
        return 1.5 + (c["b1"] + 2) ** 2 + abs(int(c["b2"]) - 3) / 3
    if m == "c":
        return ((c["c1"] - 0.7) ** 2 * 4 + (math.log10(c["c2"]) + 3) ** 2 / 4
                + (0.0 if c["c3"] == "y" else 0.5))
    return 1.0 + (c["d1"] - 0.5) ** 2


COND_HPS = """
model ~ choice(a, b, c, d)
if model == a {
    a1 ~ uniform(-5, 5)
    a2 ~ loguniform(1e-2, 1e3)
} elif model == b {
    b1 ~ uniform(-5, 5)
    b2 ~ randint(0, 10)
} elif model == c {
    c1 ~ uniform(-3, 3)
    c2 ~ loguniform(1e-6, 1)
    c3 ~ choice(x, y, z)
} else {
    d1 ~ uniform(0, 1)
}
"""


def cond_hyperopt() -> Any:
    return {"branch": hp.choice("model", [
        {"model": "a", "a1": hp.uniform("a1", -5, 5), "a2": hp.loguniform("a2", math.log(1e-2),
                                                                              math.log(1e3))},
        {"model": "b", "b1": hp.uniform("b1", -5, 5), "b2": hp.uniformint("b2", 0, 10)},
        {"model": "c", "c1": hp.uniform("c1", -3, 3),
         "c2": hp.loguniform("c2", math.log(1e-6), 0.0), "c3": hp.choice("c3", ["x", "y", "z"])},
        {"model": "d", "d1": hp.uniform("d1", 0, 1)},
    ])}


def cond_optuna(t: optuna.Trial) -> Config:
    m = t.suggest_categorical("model", ["a", "b", "c", "d"])
    c: Config = {"model": m}
    if m == "a":
        c |= {"a1": t.suggest_float("a1", -5, 5), "a2": t.suggest_float("a2", 1e-2, 1e3, log=True)}
    elif m == "b":
        c |= {"b1": t.suggest_float("b1", -5, 5), "b2": t.suggest_int("b2", 0, 10)}
    elif m == "c":
        c |= {"c1": t.suggest_float("c1", -3, 3), "c2": t.suggest_float("c2", 1e-6, 1, log=True),
              "c3": t.suggest_categorical("c3", ["x", "y", "z"])}
    else:
        c["d1"] = t.suggest_float("d1", 0, 1)
    return c


# --- a real model selection: scikit-learn on the bundled digits data ------------------

SKLEARN_HPS = """
model ~ choice(svm, rf, knn)
if model == svm {
    C     ~ loguniform(1e-2, 1e3)
    gamma ~ loguniform(1e-5, 1e-1)
} elif model == rf {
    n_estimators ~ qloguniform(10, 60, 10)
    max_depth    ~ randint(2, 16)
} else {
    n_neighbors ~ randint(1, 30)
}
"""


@functools.cache
def _digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


def sklearn_loss(c: Config) -> float:
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import cross_val_score
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC
    X, y = _digits()
    if c["model"] == "svm":
        est: Any = SVC(C=c["C"], gamma=c["gamma"])
    elif c["model"] == "rf":
        est = RandomForestClassifier(n_estimators=int(c["n_estimators"]),
                                     max_depth=int(c["max_depth"]), random_state=0)
    else:
        est = KNeighborsClassifier(n_neighbors=int(c["n_neighbors"]))
    return 1.0 - float(cross_val_score(est, X, y, cv=3).mean())


def sklearn_hyperopt() -> Any:
    return {"branch": hp.choice("model", [
        {"model": "svm", "C": hp.loguniform("C", math.log(1e-2), math.log(1e3)),
         "gamma": hp.loguniform("gamma", math.log(1e-5), math.log(1e-1))},
        {"model": "rf", "n_estimators": hp.qloguniform("n_estimators", math.log(10),
                                                        math.log(60), 10),
         "max_depth": hp.uniformint("max_depth", 2, 16)},
        {"model": "knn", "n_neighbors": hp.uniformint("n_neighbors", 1, 30)},
    ])}


def sklearn_optuna(t: optuna.Trial) -> Config:
    m = t.suggest_categorical("model", ["svm", "rf", "knn"])
    if m == "svm":
        return {"model": m, "C": t.suggest_float("C", 1e-2, 1e3, log=True),
                "gamma": t.suggest_float("gamma", 1e-5, 1e-1, log=True)}
    if m == "rf":
        return {"model": m, "n_estimators": t.suggest_int("n_estimators", 10, 60, step=10),
                "max_depth": t.suggest_int("max_depth", 2, 16)}
    return {"model": m, "n_neighbors": t.suggest_int("n_neighbors", 1, 30)}


def _floats(names: list[str], lo: float, hi: float) -> tuple[str, Callable[[], Any],
                                                                Callable[[optuna.Trial], Config]]:
    hps = "\n".join(f"{n} ~ uniform({lo}, {hi})" for n in names)
    return (hps, lambda: {n: hp.uniform(n, lo, hi) for n in names},
            lambda t: {n: t.suggest_float(n, lo, hi) for n in names})


_H6 = _floats([f"x{i}" for i in range(1, 7)], 0.0, 1.0)

PROBLEMS = [
    Problem("branin (2)", "x1 ~ uniform(-5, 10)\nx2 ~ uniform(0, 15)",
            lambda: {"x1": hp.uniform("x1", -5, 10), "x2": hp.uniform("x2", 0, 15)},
            lambda t: {"x1": t.suggest_float("x1", -5, 10), "x2": t.suggest_float("x2", 0, 15)},
            branin, 100),
    Problem("hartmann6 (6)", *_H6, hartmann6, 100),
    Problem("rosenbrock (4: log, q)",
            "x1 ~ uniform(-2, 2)\nx2 ~ uniform(-2, 2)\ns ~ loguniform(0.01, 100)\n"
            "x4 ~ quniform(-2, 2, 0.1)",
            lambda: {"x1": hp.uniform("x1", -2, 2), "x2": hp.uniform("x2", -2, 2),
                     "s": hp.loguniform("s", math.log(0.01), math.log(100)),
                     "x4": hp.quniform("x4", -2, 2, 0.1)},
            lambda t: {"x1": t.suggest_float("x1", -2, 2), "x2": t.suggest_float("x2", -2, 2),
                       "s": t.suggest_float("s", 0.01, 100, log=True),
                       "x4": t.suggest_float("x4", -2, 2, step=0.1)},
            rosenbrock, 100),
    Problem("rastrigin (5: 2 int)",
            "x1 ~ uniform(-5.12, 5.12)\nx2 ~ uniform(-5.12, 5.12)\nx3 ~ uniform(-5.12, 5.12)\n"
            "k1 ~ randint(-5, 5)\nk2 ~ randint(-5, 5)",
            lambda: {**{f"x{i}": hp.uniform(f"x{i}", -5.12, 5.12) for i in (1, 2, 3)},
                     "k1": hp.uniformint("k1", -5, 5), "k2": hp.uniformint("k2", -5, 5)},
            lambda t: {**{f"x{i}": t.suggest_float(f"x{i}", -5.12, 5.12) for i in (1, 2, 3)},
                       "k1": t.suggest_int("k1", -5, 5), "k2": t.suggest_int("k2", -5, 5)},
            rastrigin, 100),
    Problem("conditional (4 branches)", COND_HPS, cond_hyperopt, cond_optuna, conditional, 100,
            conditional=True),
    Problem("sklearn digits (3 models)", SKLEARN_HPS, sklearn_hyperopt, sklearn_optuna,
            sklearn_loss, 40, conditional=True),
]


# --- algorithms: each returns the best loss of one seeded run -------------------------

def run_hpdsl(algo: Any) -> Callable[[Problem, int], float]:
    def run(p: Problem, seed: int) -> float:
        space = hpdsl.loads(p.hps)
        losses: list[float] = []

        def fn(cfg: Config) -> float:
            losses.append(p.loss(cfg))
            return losses[-1]
        hpdsl.search.fmin(fn, space, algo, max_evals=p.n_trials, rstate=seed,
                          show_progressbar=False)
        return min(losses)
    return run


def run_hyperopt(p: Problem, seed: int) -> float:
    trials = hyperopt.Trials()
    hyperopt.fmin(lambda c: p.loss(flat(c)), p.hyperopt_space(), algo=hyperopt.tpe.suggest,
                  max_evals=p.n_trials, trials=trials, rstate=np.random.default_rng(seed),
                  show_progressbar=False)
    return float(min(trials.losses()))


def run_optuna(multivariate: bool) -> Callable[[Problem, int], float]:
    def run(p: Problem, seed: int) -> float:
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=multivariate,
                                             group=multivariate)
        study = optuna.create_study(sampler=sampler)
        study.optimize(lambda t: p.loss(p.optuna_config(t)), n_trials=p.n_trials)
        return float(study.best_value)
    return run


ALGOS: dict[str, Callable[[Problem, int], float]] = {
    "hpdsl tpe": run_hpdsl(tpe.suggest),
    "hpdsl tpe mv": run_hpdsl(functools.partial(tpe.suggest, multivariate=True)),
    "hyperopt tpe": run_hyperopt,
    "optuna tpe": run_optuna(False),
    "optuna tpe mv+group": run_optuna(True),
    "random": run_hpdsl(rand.suggest),
}


def quality(n_seeds: int) -> None:
    best = {(p.name, a): [] for p in PROBLEMS for a in ALGOS}  # type: dict[tuple[str, str], list[float]]
    for seed in range(n_seeds):
        for p in PROBLEMS:
            for a, run in ALGOS.items():
                best[p.name, a].append(run(p, seed))
        print(f"seed {seed} done", flush=True)
    names = list(ALGOS)
    ranks = {a: [] for a in names}  # type: dict[str, list[float]]
    for p in PROBLEMS:
        table = np.array([best[p.name, a] for a in names])  # (algos, seeds)
        for a, r in zip(names, stats.rankdata(table, axis=0).mean(axis=1), strict=True):
            ranks[a].append(float(r))
    width = max(len(p.name) for p in PROBLEMS)
    print(f"\nmedian best loss over {n_seeds} seeds (lower is better)\n")
    print(f"| {'problem':<{width}} | " + " | ".join(names) + " |")
    print(f"|{'-' * (width + 2)}|" + "|".join("-" * (len(a) + 2) for a in names) + "|")
    for p in PROBLEMS:
        cells = [f"{np.median(best[p.name, a]):.4g}".rjust(len(a)) for a in names]
        print(f"| {p.name:<{width}} | " + " | ".join(cells) + " |")
    cells = [f"{np.mean(ranks[a]):.2f}".rjust(len(a)) for a in names]
    print(f"| {'mean rank (1 = best)':<{width}} | " + " | ".join(cells) + " |")
    print("\nMann-Whitney U, hpdsl vs Optuna (two-sided p; one-sided 'hpdsl better' p on "
          "conditional problems)\n")
    print(f"| {'problem':<{width}} | ind vs optuna | mv vs optuna mv+group |")
    print(f"|{'-' * (width + 2)}|---------------|-----------------------|")
    for p in PROBLEMS:
        cells = []
        for ours, theirs in (("hpdsl tpe", "optuna tpe"), ("hpdsl tpe mv", "optuna tpe mv+group")):
            x, y = best[p.name, ours], best[p.name, theirs]
            two = stats.mannwhitneyu(x, y, alternative="two-sided").pvalue
            text = f"{two:.3f}"
            if p.conditional:
                text += f" / {stats.mannwhitneyu(x, y, alternative='less').pvalue:.3f}"
            cells.append(text)
        print(f"| {p.name:<{width}} | {cells[0]:>13} | {cells[1]:>21} |")


# --- speed: time only the suggestion step ---------------------------------------------

COND20 = """
lr ~ loguniform(1e-5, 1e-1)
batch ~ qloguniform(16, 512, 16)
dropout ~ uniform(0.0, 0.5)
family ~ choice(a, b, c, d)
if family == a {
    a1 ~ uniform(-5, 5)
    a2 ~ loguniform(1e-3, 1e3)
    a3 ~ randint(1, 10)
    a4 ~ choice(x, y, z)
} elif family == b {
    b1 ~ uniform(-5, 5)
    b2 ~ loguniform(1e-3, 1e3)
    b3 ~ randint(1, 10)
    b4 ~ uniform(0, 1)
} elif family == c {
    c1 ~ uniform(-5, 5)
    c2 ~ loguniform(1e-3, 1e3)
    c3 ~ randint(1, 10)
    c4 ~ choice(x, y, z)
} else {
    d1 ~ uniform(-5, 5)
    d2 ~ loguniform(1e-3, 1e3)
    d3 ~ randint(1, 10)
    d4 ~ quniform(0, 10, 0.5)
}
"""
SIZES = (100, 300, 1000)


def cond20_optuna(t: optuna.Trial) -> None:
    t.suggest_float("lr", 1e-5, 1e-1, log=True)
    t.suggest_int("batch", 16, 512, step=16)
    t.suggest_float("dropout", 0.0, 0.5)
    f = t.suggest_categorical("family", ["a", "b", "c", "d"])
    t.suggest_float(f + "1", -5, 5)
    t.suggest_float(f + "2", 1e-3, 1e3, log=True)
    t.suggest_int(f + "3", 1, 10)
    if f in "ac":
        t.suggest_categorical(f + "4", ["x", "y", "z"])
    elif f == "b":
        t.suggest_float("b4", 0, 1)
    else:
        t.suggest_float("d4", 0, 10, step=0.5)


def cond20_hyperopt() -> Any:
    def branch(f: str, last: Any) -> dict[str, Any]:
        return {"family": f, f + "1": hp.uniform(f + "1", -5, 5),
                f + "2": hp.loguniform(f + "2", math.log(1e-3), math.log(1e3)),
                f + "3": hp.uniformint(f + "3", 1, 10), f + "4": last}
    return {"lr": hp.loguniform("lr", math.log(1e-5), math.log(1e-1)),
            "batch": hp.qloguniform("batch", math.log(16), math.log(512), 16),
            "dropout": hp.uniform("dropout", 0, 0.5),
            "branch": hp.choice("family", [
                branch("a", hp.choice("a4", ["x", "y", "z"])),
                branch("b", hp.uniform("b4", 0, 1)),
                branch("c", hp.choice("c4", ["x", "y", "z"])),
                branch("d", hp.quniform("d4", 0, 10, 0.5))])}


def _median_ms(times: list[float]) -> float:
    return 1000 * float(np.median(times))


def speed(repeats: int) -> None:
    rng = np.random.default_rng(0)
    space = hpdsl.loads(COND20)
    assert len(space.coords.dimensions) == 20
    rows: dict[str, list[float]] = {k: [] for k in ("hpdsl tpe", "hpdsl tpe mv", "hyperopt tpe",
                                                    "optuna tpe", "optuna tpe mv+group")}
    # Optuna and hyperopt histories grow from the same random trials, 100 -> 300 -> 1000
    studies = {mv: optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
               for mv in (False, True)}
    h_trials = hyperopt.Trials()
    domain = hyperopt.base.Domain(lambda c: 0.0, cond20_hyperopt())
    for m in SIZES:
        batch, idx = space.coords.sample(rng, m)
        history = History(batch.X[idx], batch.active[idx], rng.random(m),
                          np.full(m, TrialState.OK, dtype=np.int64))
        for name, mv in (("hpdsl tpe", False), ("hpdsl tpe mv", True)):
            times = []
            for r in range(repeats):
                t0 = time.perf_counter()
                tpe.suggest(space, history, np.random.default_rng(r), 1, multivariate=mv)
                times.append(time.perf_counter() - t0)
            rows[name].append(_median_ms(times))
        for mv, study in studies.items():
            while len(study.trials) < m:
                t = study.ask()
                cond20_optuna(t)
                study.tell(t, float(rng.random()))
            study.sampler = optuna.samplers.TPESampler(seed=0, multivariate=mv, group=mv)
            times = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                t = study.ask()
                cond20_optuna(t)
                times.append(time.perf_counter() - t0)
                study.tell(t, state=optuna.trial.TrialState.FAIL)
            study.sampler = optuna.samplers.RandomSampler(seed=m)
            rows["optuna tpe mv+group" if mv else "optuna tpe"].append(_median_ms(times))
        hyperopt.fmin(lambda c: float(rng.random()), cond20_hyperopt(), algo=hyperopt.rand.suggest,
                      max_evals=m, trials=h_trials, rstate=np.random.default_rng(m),
                      show_progressbar=False)
        times = []
        for r in range(repeats):
            ids = h_trials.new_trial_ids(1)
            t0 = time.perf_counter()
            hyperopt.tpe.suggest(ids, domain, h_trials, r)
            times.append(time.perf_counter() - t0)
        rows["hyperopt tpe"].append(_median_ms(times))
    print(f"\nmedian ms per suggestion, 20-parameter conditional space ({repeats} repeats)\n")
    print("| algorithm | " + " | ".join(f"{m} trials" for m in SIZES) + " | x hpdsl at 1000 |")
    print("|---|" + "---|" * len(SIZES) + "---|")
    ref = rows["hpdsl tpe"][-1]
    for name, ms in rows.items():
        cells = " | ".join(f"{v:.2f}" for v in ms)
        print(f"| {name} | {cells} | {ms[-1] / ref:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds per problem (README: 10)")
    parser.add_argument("--repeats", type=int, default=10, help="timed suggestions per size")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    if not args.skip_speed:
        speed(args.repeats)
    if not args.skip_quality:
        quality(args.seeds)


if __name__ == "__main__":
    main()
