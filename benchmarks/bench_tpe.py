"""hpdsl's TPE against hyperopt's and Optuna's TPE and random search, on the same problems.

    .venv/bin/python benchmarks/bench_tpe.py                  # quick (2 seeds, budget 100)
    .venv/bin/python benchmarks/bench_tpe.py --seeds 10 --budgets 100 300 \
        --results runs/bench_tpe.jsonl                        # the run in README.md

Each problem is written once as a loss over a flat configuration dict, plus a `.hps`
space, an equivalent hyperopt `hp` space and an Optuna define-by-run function: the
benchmark's own problems, hyperopt's test domains, BBOB functions from COCO and
bayesmark-style scikit-learn tuning. Each run goes to the largest budget once and is
scored at every budget (its best loss among its first n trials). Seeds are interleaved
(seed, then problem, then algorithm) so that machine load hits all algorithms alike;
with `--results`, finished runs are appended to a file and a run that stops is resumed
(`--report` tabulates the file alone). Prints median scores, mean ranks and Mann-Whitney
p-values of hpdsl's default TPE against each peer per problem; then milliseconds per
suggestion on a 20-parameter conditional space (the suggestion alone, and end to end:
between one objective call returning and the next starting, inside `fmin` / Optuna's
`optimize`) at 100, 300 and 1,000 finished trials.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import os
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hyperopt
import numpy as np
import optuna
from _tables import print_medians
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
    conditional: bool = False
    score: str = "min"  # "min": the best loss of the first n trials; "mean": their mean
    max_trials: int | None = None  # a smaller budget for slow objectives


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
            branin),
    Problem("hartmann6 (6)", *_H6, hartmann6),
    Problem("rosenbrock (4: log, q)",
            "x1 ~ uniform(-2, 2)\nx2 ~ uniform(-2, 2)\ns ~ loguniform(0.01, 100)\n"
            "x4 ~ quniform(-2, 2, 0.1)",
            lambda: {"x1": hp.uniform("x1", -2, 2), "x2": hp.uniform("x2", -2, 2),
                     "s": hp.loguniform("s", math.log(0.01), math.log(100)),
                     "x4": hp.quniform("x4", -2, 2, 0.1)},
            lambda t: {"x1": t.suggest_float("x1", -2, 2), "x2": t.suggest_float("x2", -2, 2),
                       "s": t.suggest_float("s", 0.01, 100, log=True),
                       "x4": t.suggest_float("x4", -2, 2, step=0.1)},
            rosenbrock),
    Problem("rastrigin (5: 2 int)",
            "x1 ~ uniform(-5.12, 5.12)\nx2 ~ uniform(-5.12, 5.12)\nx3 ~ uniform(-5.12, 5.12)\n"
            "k1 ~ randint(-5, 5)\nk2 ~ randint(-5, 5)",
            lambda: {**{f"x{i}": hp.uniform(f"x{i}", -5.12, 5.12) for i in (1, 2, 3)},
                     "k1": hp.uniformint("k1", -5, 5), "k2": hp.uniformint("k2", -5, 5)},
            lambda t: {**{f"x{i}": t.suggest_float(f"x{i}", -5.12, 5.12) for i in (1, 2, 3)},
                       "k1": t.suggest_int("k1", -5, 5), "k2": t.suggest_int("k2", -5, 5)},
            rastrigin),
    Problem("conditional (4 branches)", COND_HPS, cond_hyperopt, cond_optuna, conditional,
            conditional=True),
]

# --- hyperopt's own test domains (hyperopt/tests/unit/test_domains.py), written anew ----

def distractor(c: Config) -> float:
    """A broad slope rising to the right and a narrow, deeper well at x = -10."""
    x = c["x"]
    return -1.0 / (1.0 + math.exp(-x)) - 2.0 * math.exp(-(x + 10) ** 2)


def gauss_wave(c: Config) -> float:
    """A fast sine on a broad bump; the choice shifts the sine by pi."""
    t = c["x"] + (math.pi if c["curve"] == 1 else 0.0)
    return -(math.sin(t) + 2.0 * math.exp(-(t / 5.0) ** 2))


def gauss_wave2(c: Config) -> float:
    """The broad bump, plus (when hf = 1) a sine of adjustable amplitude; the noise of
    hyperopt's version is left out so that runs compare on the true value."""
    t = 2.0 * math.exp(-(c["x"] / 5.0) ** 2)
    return -(t + math.sin(c["x"]) * c["amp"] if c["hf"] == 1 else t)


def n_arms(c: Config) -> float:
    """Two arms; hyperopt draws each pull's reward from N(-1, 1) or N(0, 1). Scored here
    by the expected reward of the arm, averaged over the run (not the best pull, which
    luck decides): the fraction of pulls spent on the bad arm, minus one."""
    return -1.0 if c["arm"] == 0 else 0.0


def many_dists(c: Config) -> float:
    """Every kind of distribution; the sum of all should reach zero."""
    z = sum(float(c[k]) for k in ("a", "b", "bb", "c", "d", "e", "f", "g", "h", "i", "j", "k"))
    return math.log(1e-12 + z * z)


def q1_lognormal(c: Config) -> float:
    return min(0.1 * (c["x"] - 10.0) ** 2, 10.0)


def q1_choice(c: Config) -> float:
    return (-3.0 - c["x_neg"]) ** 2 if c["side"] == "neg" else (3.0 - c["x_pos"]) ** 2


MANY_DISTS_HPS = """
a ~ choice(0, 1, 2)
b ~ randint(0, 9)
bb ~ randint(12, 24)
c ~ uniform(4, 7)
d ~ loguniform(0.1353352832366127, 1)
e ~ quniform(0, 10, 3)
f ~ qloguniform(1, 20.085536923187668, 2)
g ~ normal(4, 7)
h ~ lognormal(-2, 2)
i ~ qnormal(0, 10, 2)
j ~ qlognormal(0, 2, 1)
k ~ pchoice(0.1: 0, 0.9: 1)
"""


def many_dists_hyperopt() -> Any:
    return {"a": hp.choice("a", [0, 1, 2]), "b": hp.randint("b", 10),
            "bb": hp.randint("bb", 12, 25), "c": hp.uniform("c", 4, 7),
            "d": hp.loguniform("d", -2, 0), "e": hp.quniform("e", 0, 10, 3),
            "f": hp.qloguniform("f", 0, 3, 2), "g": hp.normal("g", 4, 7),
            "h": hp.lognormal("h", -2, 2), "i": hp.qnormal("i", 0, 10, 2),
            "j": hp.qlognormal("j", 0, 2, 1), "k": hp.pchoice("k", [(0.1, 0), (0.9, 1)])}


def many_dists_optuna(t: optuna.Trial) -> Config:
    """Optuna has no normal priors: a normal becomes its mu +- 3 sigma range, a
    log-normal the same range on a log scale (the closest translation it allows)."""
    return {"a": t.suggest_categorical("a", [0, 1, 2]), "b": t.suggest_int("b", 0, 9),
            "bb": t.suggest_int("bb", 12, 24), "c": t.suggest_float("c", 4, 7),
            "d": t.suggest_float("d", math.exp(-2), 1, log=True),
            "e": t.suggest_float("e", 0, 9, step=3), "f": t.suggest_float("f", 2, 20, step=2),
            "g": t.suggest_float("g", 4 - 21, 4 + 21),
            "h": t.suggest_float("h", math.exp(-8), math.exp(4), log=True),
            "i": t.suggest_float("i", -30, 30, step=2),
            "j": t.suggest_int("j", 1, 403, log=True),
            "k": t.suggest_categorical("k", [0, 1])}


Q1_CHOICE_HPS = """
side ~ choice(neg, pos)
if side == neg {
    x_neg ~ uniform(-5, 5)
} else {
    x_pos ~ uniform(-5, 5)
}
"""


def q1_choice_hyperopt() -> Any:
    return {"o": hp.choice("side", [{"side": "neg", "x_neg": hp.uniform("x_neg", -5, 5)},
                                    {"side": "pos", "x_pos": hp.uniform("x_pos", -5, 5)}])}


def q1_choice_optuna(t: optuna.Trial) -> Config:
    side = t.suggest_categorical("side", ["neg", "pos"])
    return {"side": side, f"x_{side}": t.suggest_float(f"x_{side}", -5, 5)}


HYPEROPT_DOMAINS = [
    Problem("distractor (1)", "x ~ uniform(-15, 15)",
            lambda: {"x": hp.uniform("x", -15, 15)},
            lambda t: {"x": t.suggest_float("x", -15, 15)}, distractor),
    Problem("gauss_wave (2: choice)", "x ~ uniform(-20, 20)\ncurve ~ choice(0, 1)",
            lambda: {"x": hp.uniform("x", -20, 20), "curve": hp.choice("curve", [0, 1])},
            lambda t: {"x": t.suggest_float("x", -20, 20),
                       "curve": t.suggest_categorical("curve", [0, 1])}, gauss_wave),
    Problem("gauss_wave2 (3: choice)",
            "x ~ uniform(-20, 20)\namp ~ uniform(0, 1)\nhf ~ choice(0, 1)",
            lambda: {"x": hp.uniform("x", -20, 20), "amp": hp.uniform("amp", 0, 1),
                     "hf": hp.choice("hf", [0, 1])},
            lambda t: {"x": t.suggest_float("x", -20, 20), "amp": t.suggest_float("amp", 0, 1),
                       "hf": t.suggest_categorical("hf", [0, 1])}, gauss_wave2),
    Problem("n_arms (1 choice, mean)", "arm ~ choice(0, 1)",
            lambda: {"arm": hp.choice("arm", [0, 1])},
            lambda t: {"arm": t.suggest_categorical("arm", [0, 1])}, n_arms, score="mean"),
    Problem("many_dists (12: every kind)", MANY_DISTS_HPS, many_dists_hyperopt,
            many_dists_optuna, many_dists),
    Problem("q1_lognormal (1: lognormal)", "x ~ lognormal(0, 2)",
            lambda: {"x": hp.lognormal("x", 0, 2)},
            lambda t: {"x": t.suggest_float("x", math.exp(-6), math.exp(6), log=True)},
            q1_lognormal),
    Problem("q1_choice (conditional)", Q1_CHOICE_HPS, q1_choice_hyperopt, q1_choice_optuna,
            q1_choice, conditional=True),
]


# --- BBOB functions from COCO (pip install coco-experiment) ---------------------------

BBOB = [(7, 5), (10, 5), (15, 10), (21, 10), (8, 20)]  # (function, dimension), instance 1


@functools.cache
def _bbob(f: int, d: int) -> Any:
    import cocoex
    suite = cocoex.Suite("bbob", "", f"function_indices:{f} dimensions:{d} instance_indices:1")
    return next(iter(suite))


def bbob_problem(f: int, d: int) -> Problem:
    names = [f"x{i}" for i in range(d)]

    def loss(c: Config) -> float:  # f itself: cocoex does not expose the optimum's value
        return float(_bbob(f, d)([c[n] for n in names]))
    return Problem(f"bbob f{f} (d={d})", *_floats(names, -5.0, 5.0), loss)


def bbob_problems() -> list[Problem]:
    try:
        import cocoex  # noqa: F401
    except ImportError:
        print("coco-experiment is not installed: no BBOB rows (pip install coco-experiment)")
        return []
    return [bbob_problem(f, d) for f, d in BBOB]


# --- bayesmark-style: scikit-learn models tuned by cross-validation on its datasets ----

@functools.cache
def _dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler
    X, y = {"wine": datasets.load_wine, "breast": datasets.load_breast_cancer}[name](
        return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _cv_error(est: Any, data: str) -> float:
    from sklearn.model_selection import cross_val_score
    X, y = _dataset(data)
    return 1.0 - float(cross_val_score(est, X, y, cv=3).mean())


DT_HPS = """
max_depth ~ randint(1, 15)
min_samples_split ~ uniform(0.01, 0.99)
min_samples_leaf ~ uniform(0.01, 0.49)
min_weight_fraction_leaf ~ uniform(0.01, 0.49)
max_features ~ uniform(0.01, 0.99)
min_impurity_decrease ~ uniform(0.0, 0.5)
"""


def dt_wine(c: Config) -> float:
    from sklearn.tree import DecisionTreeClassifier
    return _cv_error(DecisionTreeClassifier(random_state=0, **c), "wine")


def dt_hyperopt() -> Any:
    return {"max_depth": hp.uniformint("max_depth", 1, 15),
            **{k: hp.uniform(k, lo, hi) for k, lo, hi in _DT_FLOATS}}


_DT_FLOATS = [("min_samples_split", 0.01, 0.99), ("min_samples_leaf", 0.01, 0.49),
              ("min_weight_fraction_leaf", 0.01, 0.49), ("max_features", 0.01, 0.99),
              ("min_impurity_decrease", 0.0, 0.5)]


def dt_optuna(t: optuna.Trial) -> Config:
    return {"max_depth": t.suggest_int("max_depth", 1, 15),
            **{k: t.suggest_float(k, lo, hi) for k, lo, hi in _DT_FLOATS}}


SVM_HPS = """
kernel ~ choice(rbf, poly)
C ~ loguniform(1e-3, 1e3)
gamma ~ loguniform(1e-4, 1e1)
if kernel == poly {
    degree ~ randint(2, 4)
    coef0 ~ uniform(0, 2)
}
"""


def svm_breast(c: Config) -> float:
    from sklearn.svm import SVC
    return _cv_error(SVC(**c), "breast")


def svm_hyperopt() -> Any:
    return {"C": hp.loguniform("C", math.log(1e-3), math.log(1e3)),
            "gamma": hp.loguniform("gamma", math.log(1e-4), math.log(1e1)),
            "k": hp.choice("kernel", [{"kernel": "rbf"},
                                      {"kernel": "poly", "degree": hp.uniformint("degree", 2, 4),
                                       "coef0": hp.uniform("coef0", 0, 2)}])}


def svm_optuna(t: optuna.Trial) -> Config:
    kernel = t.suggest_categorical("kernel", ["rbf", "poly"])
    c: Config = {"kernel": kernel, "C": t.suggest_float("C", 1e-3, 1e3, log=True),
                 "gamma": t.suggest_float("gamma", 1e-4, 1e1, log=True)}
    if kernel == "poly":
        c |= {"degree": t.suggest_int("degree", 2, 4), "coef0": t.suggest_float("coef0", 0, 2)}
    return c


SKLEARN = [
    Problem("sklearn DT wine (6)", DT_HPS, dt_hyperopt, dt_optuna, dt_wine),
    Problem("sklearn SVM breast (cond.)", SVM_HPS, svm_hyperopt, svm_optuna, svm_breast,
            conditional=True),
    Problem("sklearn digits (3 models)", SKLEARN_HPS, sklearn_hyperopt, sklearn_optuna,
            sklearn_loss, conditional=True, max_trials=40),
]


# --- algorithms: each returns the losses of one seeded run, in trial order ------------

Run = Callable[[Problem, int, int], list[float]]


def run_hpdsl(algo: Any) -> Run:
    def run(p: Problem, seed: int, n: int) -> list[float]:
        space = hpdsl.loads(p.hps)
        losses: list[float] = []

        def fn(cfg: Config) -> float:
            losses.append(p.loss(cfg))
            return losses[-1]
        hpdsl.search.fmin(fn, space, algo, max_evals=n, rstate=seed, show_progressbar=False)
        return losses
    return run


def run_hyperopt(p: Problem, seed: int, n: int) -> list[float]:
    trials = hyperopt.Trials()
    hyperopt.fmin(lambda c: p.loss(flat(c)), p.hyperopt_space(), algo=hyperopt.tpe.suggest,
                  max_evals=n, trials=trials, rstate=np.random.default_rng(seed),
                  show_progressbar=False)
    return [float(v) for v in trials.losses()]


def run_optuna(multivariate: bool) -> Run:
    def run(p: Problem, seed: int, n: int) -> list[float]:
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=multivariate,
                                             group=multivariate)
        study = optuna.create_study(sampler=sampler)
        study.optimize(lambda t: p.loss(p.optuna_config(t)), n_trials=n)
        return [float(t.value) for t in study.trials]
    return run


OURS = "hpdsl tpe"
PEERS = ("hyperopt tpe", "optuna tpe", "optuna tpe mv+group")
ALGOS: dict[str, Run] = {
    OURS: run_hpdsl(tpe.suggest),
    "hpdsl tpe ind": run_hpdsl(functools.partial(tpe.suggest, multivariate=False)),
    "hyperopt tpe": run_hyperopt,
    "optuna tpe": run_optuna(False),
    "optuna tpe mv+group": run_optuna(True),
    "random": run_hpdsl(rand.suggest),
}


def all_problems(quick: bool) -> list[Problem]:
    problems = PROBLEMS + HYPEROPT_DOMAINS + bbob_problems() + SKLEARN
    return [p for p in problems if not (quick and p.max_trials)]  # quick: no digits


def score(p: Problem, losses: list[float], n: int) -> float:
    head = losses[:min(n, p.max_trials or n)]
    return float(np.mean(head) if p.score == "mean" else np.min(head))


def quality(problems: list[Problem], seeds: range, budgets: list[int],
            results: list[Path], algos: dict[str, Run]) -> dict[tuple[str, str, int], list[float]]:
    """Every (problem, algorithm, seed) run to the largest budget, interleaved; runs
    found in the `results` files are not run again, new ones are appended to the first
    (several processes can share the seeds, each appending to its own file)."""
    done: dict[tuple[str, str, int], list[float]] = {}
    for path in results:
        for line in path.read_text().splitlines() if path.exists() else ():
            r = json.loads(line)
            done[r["problem"], r["algo"], r["seed"]] = r["losses"]
    top = max(budgets)
    for seed in seeds:
        t0 = time.perf_counter()
        for p in problems:
            for a, run in algos.items():
                if (p.name, a, seed) in done:
                    continue
                losses = run(p, seed, min(top, p.max_trials or top))
                done[p.name, a, seed] = losses
                if results:
                    with results[0].open("a") as f:
                        f.write(json.dumps({"problem": p.name, "algo": a, "seed": seed,
                                            "losses": losses}) + "\n")
        print(f"seed {seed} done ({time.perf_counter() - t0:.0f} s, load average "
              f"{os.getloadavg()[0]:.1f})", flush=True)
    return done


def report(problems: list[Problem], runs: dict[tuple[str, str, int], list[float]],
           budget: int) -> None:
    names = list(ALGOS)
    best: dict[tuple[str, str], list[float]] = {}
    for p in problems:  # the seeds every algorithm ran to this budget
        n = min(budget, p.max_trials or budget)
        seeds = [s for s in range(max(s for (*_, s) in runs) + 1)
                 if all(len(runs.get((p.name, a, s), ())) >= n for a in names)]
        for a in names:
            best[p.name, a] = [score(p, runs[p.name, a, s], budget) for s in seeds]
    problems = [p for p in problems if best[p.name, names[0]]]
    if not problems:
        print(f"\nbudget {budget}: no problem has runs of every algorithm")
        return
    n_seeds = min(len(best[p.name, a]) for p in problems for a in names)
    print(f"\nbudget {budget}: median score over {n_seeds} seeds (best loss of the first "
          f"{budget} trials; n_arms: mean loss; lower is better)\n")
    width = print_medians([p.name for p in problems], names,
                          {k: v[:n_seeds] for k, v in best.items()})
    print(f"\nbudget {budget}: Mann-Whitney U, {OURS} against each peer, two-sided p; "
          "'+' hpdsl's median is lower, '-' higher; * p < 0.05; on conditional problems "
          "also the one-sided p of 'hpdsl better'\n")
    print(f"| {'problem':<{width}} | " + " | ".join(PEERS) + " |")
    print(f"|{'-' * (width + 2)}|" + "|".join("-" * (len(a) + 2) for a in PEERS) + "|")
    wins = {a: [0, 0] for a in PEERS}
    for p in problems:
        cells = []
        for peer in PEERS:
            x, y = best[p.name, OURS], best[p.name, peer]
            two = 1.0 if np.array_equal(np.sort(x), np.sort(y)) else float(
                stats.mannwhitneyu(x, y, alternative="two-sided").pvalue)
            sign = "+" if np.median(x) < np.median(y) else "-" if np.median(x) > np.median(y) \
                else "="
            if two < 0.05:
                wins[peer][sign != "+"] += 1
            text = f"{sign}{two:.3f}{'*' if two < 0.05 else ' '}"
            if p.conditional and two < 1.0:
                text += f" / {stats.mannwhitneyu(x, y, alternative='less').pvalue:.3f}"
            cells.append(text.rjust(len(peer)))
        print(f"| {p.name:<{width}} | " + " | ".join(cells) + " |")
    print("\nsignificant wins / losses of hpdsl tpe: " + ", ".join(
        f"{peer} {w} / {lo}" for peer, (w, lo) in wins.items()))


# --- the bad density's window at a long budget -----------------------------------------

WINDOW_BUDGET = 1000


def window(seeds: range, results: list[Path]) -> None:
    """hpdsl's default TPE (bad density fitted to the last `bad_window` = 200 bad trials
    of each group) against the same TPE with a window of 300 (the previous default) and
    fitted to every bad trial, at 1,000 trials, where the window applies: the best loss
    at each budget, Mann-Whitney per problem."""
    variants = {OURS: ALGOS[OURS],
                "hpdsl tpe window 300": run_hpdsl(functools.partial(tpe.suggest,
                                                                    bad_window=300)),
                "hpdsl tpe all bad": run_hpdsl(functools.partial(tpe.suggest, bad_window=None))}
    problems = [p for p in PROBLEMS + HYPEROPT_DOMAINS + bbob_problems()
                if p.score != "mean" and p.name.split()[0] not in ("distractor", "gauss_wave",
                                                                   "q1_lognormal")]
    runs = quality(problems, seeds, [WINDOW_BUDGET], results, variants)
    budgets = (300, 500, WINDOW_BUDGET)
    for other in list(variants)[1:]:
        print(f"\nbad_window={tpe.Settings().bad_window} against {other}: median best loss "
              f"over {len(seeds)} seeds; Mann-Whitney U two-sided p ('+': the default's "
              "median is lower)\n")
        print("| problem | " + " | ".join(f"{b}: default / other / p" for b in budgets) + " |")
        print("|---|" + "---|" * len(budgets))
        for p in problems:
            cells = []
            for b in budgets:
                x, y = ([score(p, runs[p.name, a, s], b) for s in seeds] for a in (OURS, other))
                two = 1.0 if np.array_equal(np.sort(x), np.sort(y)) else float(
                    stats.mannwhitneyu(x, y, alternative="two-sided").pvalue)
                sign = "+" if np.median(x) < np.median(y) else "-" if np.median(x) > np.median(
                    y) else "="
                cells.append(f"{np.median(x):.4g} / {np.median(y):.4g} / {sign}{two:.2f}")
            print(f"| {p.name} | " + " | ".join(cells) + " |")


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
    rows: dict[str, list[float]] = {k: [] for k in ("hpdsl tpe", "hpdsl tpe ind", "hyperopt tpe",
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
        for name, mv in (("hpdsl tpe", True), ("hpdsl tpe ind", False)):
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
    print(f"\nmedian ms per suggestion alone, 20-parameter conditional space ({repeats} "
          f"repeats, load average {os.getloadavg()[0]:.1f})\n")
    _print_timings(rows)


def _print_timings(rows: dict[str, list[float]]) -> None:
    print("| algorithm | " + " | ".join(f"{m} trials" for m in SIZES) + " | x hpdsl at 1000 |")
    print("|---|" + "---|" * len(SIZES) + "---|")
    ref = rows["hpdsl tpe"][-1]
    for name, ms in rows.items():
        cells = " | ".join(f"{v:.2f}" for v in ms)
        print(f"| {name} | {cells} | {ms[-1] / ref:.1f} |")


class Clock:
    """Stamps taken inside an objective: when it starts working, when it returns. In
    CPU time of this process: on a shared machine the wall clock counts other jobs' time
    too (on a quiet one the two agree)."""

    def __init__(self) -> None:
        self.enter: list[float] = []
        self.leave: list[float] = []

    def stamp(self) -> float:
        now = time.process_time()
        self.enter.append(now)
        self.leave.append(now)
        return len(self.enter) % 97 / 97  # a trivial loss, and not a constant

    def gaps(self) -> list[float]:
        """Median ms from one objective returning to the next one's stamp, over the 21
        trials around 100 and 300 finished ones and the last 21 (at 1,000)."""
        gaps = 1000 * (np.array(self.enter[1:]) - np.array(self.leave[:-1]))
        return [float(np.median(gaps[max(0, m - 11):m + 10])) for m in SIZES[:-1]] + [
            float(np.median(gaps[-21:]))]


def end_to_end() -> None:
    """What users feel: `fmin` with in-memory Trials and a trivial objective against
    Optuna's `optimize` on an in-memory study, the same 20-parameter space. Optuna draws
    parameters inside the objective (define-by-run), so its stamp is taken after them."""
    space = hpdsl.loads(COND20)
    rows: dict[str, list[float]] = {}
    for name, algo in (("hpdsl tpe", tpe.suggest),
                       ("hpdsl tpe ind", functools.partial(tpe.suggest, multivariate=False))):
        clock = Clock()
        hpdsl.search.fmin(lambda cfg, c=clock: c.stamp(), space, algo, max_evals=SIZES[-1],
                          rstate=0, show_progressbar=False)
        rows[name] = clock.gaps()
    for mv in (False, True):
        clock = Clock()

        def objective(t: optuna.Trial, c: Clock = clock) -> float:
            cond20_optuna(t)
            return c.stamp()
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(
            seed=0, multivariate=mv, group=mv))
        study.optimize(objective, n_trials=SIZES[-1])
        rows["optuna tpe mv+group" if mv else "optuna tpe"] = clock.gaps()
    print(f"\nmedian CPU ms per trial end to end (one objective returning -> the next "
          f"starting, parameters drawn), 20-parameter conditional space, load average "
          f"{os.getloadavg()[0]:.1f}\n")
    _print_timings(rows)


def breakdown() -> None:
    """Where one suggestion's time goes at 1,000 finished trials of `fmin` on COND20 (the
    end-to-end run's history): the whole suggestion and each stage, best of repeated
    timings in microseconds (the best, not the median: stages take tens of
    microseconds, and on a shared machine the other jobs only ever add)."""
    import timeit

    from hpdsl.search.tpe import _parzen, _sampler
    space = hpdsl.loads(COND20)
    trials = hpdsl.search.Trials()
    clock = Clock()
    hpdsl.search.fmin(lambda cfg: clock.stamp(), space, tpe.suggest, max_evals=SIZES[-1],
                      trials=trials, rstate=0, show_progressbar=False)
    h = trials.history(space)
    rng = np.random.default_rng(0)
    s = tpe.Settings().resolved(1)
    model = _sampler._model(space, True)
    on = model.group_active(h.active)
    good = _sampler._split(h, on, s)
    masks = [good, _sampler._recent_bad(model, good, on, s)]

    def fit() -> _parzen.Mixtures:
        return _parzen.Mixtures(model, h.X, h.active, masks, s.prior_weight,
                                str(s.bandwidth), on=on)
    mix = fit()
    batch = space.coords.run(mix.sample(rng, s.n_ei_candidates))
    X = batch.X[batch.feasible]
    program = space.coords._program
    stages: dict[str, Callable[[], object]] = {
        "the whole suggestion": lambda: tpe.suggest(space, h, rng, 1),
        "fit the densities": fit,
        "score the candidates": lambda: mix.log_pdf(X),
        "draw the candidates": lambda: mix.sample(rng, s.n_ei_candidates),
        "run the candidates through the space": lambda: program.run(
            len(batch.X), program.matrix_coords(batch.X)),
        "split good / bad": lambda: _sampler._split(h, on, s),
        "group activity of the history": lambda: model.group_active(h.active),
        "outside TPE: Trials.history": lambda: trials.history(space),
        "outside TPE: the configuration dict": lambda: space.coords.configs(
            batch, np.arange(1)),
    }
    print(f"\nwhere a suggestion's time goes, COND20 after {SIZES[-1]} trials (best of 15 x "
          f"20 calls, us; load average {os.getloadavg()[0]:.1f})\n")
    print("| stage | us |\n|---|---|")
    for name, call in stages.items():
        best = min(timeit.repeat(call, number=20, repeat=15)) / 20
        print(f"| {name} | {best * 1e6:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=2, help="seeds per problem (README: 10)")
    parser.add_argument("--budgets", type=int, nargs="+", default=[100],
                        help="trial budgets to score (README: 100 300)")
    parser.add_argument("--results", type=Path, nargs="*", default=[],
                        help="append runs to the first file; resume from all of them")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--only", nargs="*", help="problems whose names start so")
    parser.add_argument("--algos", nargs="*", choices=list(ALGOS), default=list(ALGOS),
                        metavar="ALGO", help="run only these (the peers' runs do not "
                        "change with hpdsl's code); default: all")
    parser.add_argument("--report", action="store_true",
                        help="only tabulate the runs in --results")
    parser.add_argument("--repeats", type=int, default=10, help="timed suggestions per size")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--breakdown", action="store_true",
                        help="only time each stage of one suggestion at 1,000 trials")
    parser.add_argument("--window", action="store_true",
                        help=f"only compare the default bad_window with 300 and with all "
                        f"bad trials at {WINDOW_BUDGET} trials (with --seeds, --first-seed, "
                        "--results)")
    args = parser.parse_args()
    if args.breakdown:
        breakdown()
        return
    if args.window:
        window(range(args.first_seed, args.first_seed + args.seeds), args.results)
        return
    quick = args.seeds < 3
    if not args.skip_speed and not args.report:
        speed(args.repeats)
        end_to_end()
    if not args.skip_quality:
        problems = [p for p in all_problems(quick)
                    if not args.only or any(p.name.startswith(o) for o in args.only)]
        seeds = range(args.first_seed, args.first_seed + (0 if args.report else args.seeds))
        runs = quality(problems, seeds, args.budgets, args.results,
                       {a: ALGOS[a] for a in args.algos})
        for budget in args.budgets:
            report(problems, runs, budget)


if __name__ == "__main__":
    main()
