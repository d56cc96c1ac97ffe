"""The algorithm families side by side, one section each, on the problems they are for.

    .venv/bin/python benchmarks/bench_algorithms.py --quick      # 3 seeds, shorter runs
    .venv/bin/python benchmarks/bench_algorithms.py              # 10 seeds: README.md's run
    .venv/bin/python benchmarks/bench_algorithms.py --section hypergrad
    .venv/bin/python benchmarks/bench_algorithms.py --section cmaes

Sections:
- evolution: regularized evolution against random search and TPE on conditional
  problems (branches with their own parameters; loops), 300 trials (quick: 150).
- hypergrad: gradient descent on hyperparameters against TPE and scipy's L-BFGS-B
  given the same gradients, 30 trials, from the same random starting point per seed,
  on the ridge example (six penalties) and on logistic regression with one penalty per
  feature group (both with exact hypergradients by implicit differentiation).
- cmaes: hpdsl's CMA-ES against Optuna's `CmaEsSampler` and hpdsl's TPE on BBOB functions
  (COCO's `cocoex`, `pip install coco-experiment`: the official shifted and rotated
  instances; seed s runs instance s + 1), 10 and 20 dimensions, 30 x dimension evaluations
  (quick: f1 and f10 in 10-d only).
- sobol: TPE with its start-up trials from the Sobol sequence (`startup="sobol"`) against
  the random start, on the quick problems of bench_tpe.py.

Seeds are interleaved (seed, then problem, then algorithm) so that machine load hits
all algorithms alike. Each table gives the median and mean best loss per algorithm and
one-sided Mann-Whitney p-values (scipy) of the first algorithm against each other; the
cmaes and sobol sections print the mean rank (1 = best) and two-sided p-values too.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import math
import sys
import tempfile
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from _tables import print_medians
from scipy import optimize, stats

import hpdsl

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
warnings.filterwarnings("ignore", category=FutureWarning, module="optuna")

Config = dict[str, Any]
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Problem:
    name: str
    hps: str
    loss: Callable[[Config], Any]
    n_trials: int


Run = Callable[[Any, int], float]  # (problem, seed) -> best value of one seeded run


def run_interleaved(title: str, problems: list[Any], algos: dict[str, Run],
                    seeds: int) -> dict[tuple[str, str], list[float]]:
    """Every algorithm on every problem, seed by seed (interleaved, so that a change in
    the machine's load falls on all of them alike): best[problem name, algo] per seed."""
    best: dict[tuple[str, str], list[float]] = {(p.name, a): [] for p in problems for a in algos}
    for seed in range(seeds):
        for p in problems:
            for a, run in algos.items():
                best[p.name, a].append(run(p, seed))
        print(f"{title}: seed {seed} done", file=sys.stderr, flush=True)
    return best


def report(title: str, problems: list[str], algos: list[str],
           best: dict[tuple[str, str], list[float]]) -> None:
    """One table: median and mean best loss, and p-values of algos[0] < each other."""
    first = algos[0]
    print(f"\n### {title}\n")
    print("| problem | " + " | ".join(f"{a} median / mean" for a in algos)
          + " | " + " | ".join(f"p({first} < {a})" for a in algos[1:]) + " |")
    print("|" + " --- |" * (1 + 2 * len(algos) - 1))
    for p in problems:
        cells = [f"{np.median(best[p, a]):.4g} / {np.mean(best[p, a]):.4g}" for a in algos]
        pvals = [stats.mannwhitneyu(best[p, first], best[p, a], alternative="less").pvalue
                 for a in algos[1:]]
        print(f"| {p} | " + " | ".join(cells) + " | "
              + " | ".join(f"{v:.2g}" for v in pvals) + " |")


# --- evolution: conditional problems ----------------------------------------------------

BRANCHES = """
model ~ choice(a, b, c, d)
if model == a {
    a1 ~ uniform(-5, 5)
    a2 ~ uniform(-5, 5)
    a3 ~ uniform(-5, 5)
    a4 ~ loguniform(1e-3, 1e3)
} elif model == b {
    b1 ~ uniform(-5, 5)
    b2 ~ uniform(-5, 5)
    b3 ~ randint(0, 30)
} elif model == c {
    c1 ~ uniform(-5, 5)
    c2 ~ uniform(-5, 5)
    c3 ~ choice(x, y, z)
} else {
    d1 ~ uniform(-5, 5)
}
"""


def branches(c: Config) -> float:
    """Four branches, each with its own parameters to tune; the best branch has the most."""
    m = c["model"]
    if m == "a":
        return ((c["a1"] - 1.3) ** 2 + (c["a2"] + 2.2) ** 2 + (c["a3"] - 0.4) ** 2
                + (math.log10(c["a4"]) - 1.7) ** 2)
    if m == "b":
        return 0.3 + (c["b1"] - 3.1) ** 2 + (c["b2"] + 1) ** 2 + 0.02 * abs(c["b3"] - 17)
    if m == "c":
        return (0.6 + (c["c1"] + 1.5) ** 2 + (c["c2"] - 2) ** 2
                + {"x": 0.5, "y": 0.0, "z": 1.0}[c["c3"]])
    return 1.0 + (c["d1"] - 0.7) ** 2


LOOPS = """
n_layers ~ randint(1, 6)
for i in 1..n_layers {
    width[i] ~ qloguniform(8, 512, 8)
    dropout[i] ~ uniform(0, 0.6)
}
lr ~ loguniform(1e-5, 1)
"""
TARGET = [(256, 0.1), (128, 0.2), (64, 0.3), (32, 0.4)]


def loops(c: Config) -> float:
    """A target architecture of four layers; missing or extra layers cost 1 each."""
    n = c["n_layers"]
    loss = abs(n - len(TARGET)) + (math.log10(c["lr"]) + 3) ** 2
    for i in range(min(n, len(TARGET))):
        w, d = TARGET[i]
        loss += (math.log2(c["width"][i]) - math.log2(w)) ** 2 / 4 + 4 * (c["dropout"][i] - d) ** 2
    return loss


def pipeline(c: Config) -> float:
    """A made-up accuracy landscape over examples/pipeline.hps (its constraint included)."""
    pre, feat, model = c["preprocess"], c["features"], c["model"]
    loss = {"mean": 0.02, "median": 0.0, "most_frequent": 0.05}[pre["imputer"]]
    loss += {"standard": 0.0, "robust": 0.01, "minmax": 0.03, "none": 0.1}[pre["scaler"]]
    if pre["scaler"] == "robust":
        loss += ((pre["quantile_low"] - 12) / 20) ** 2
    if pre["use_pca"]:
        loss += 0.5 * (pre["pca_variance"] - 0.95) ** 2 + 0.01
    if feat["selector"] == "kbest":
        loss += ((feat["k"] - 20) / 30) ** 2 + (0.0 if feat["score"] == "mutual_info" else 0.02)
    elif feat["selector"] == "model_based":
        loss += 0.04
    else:
        loss += 0.06
    kind = model["kind"]
    if kind == "logreg":
        loss += 0.1 + 0.02 * (math.log10(model["C"]) - 0.5) ** 2
    elif kind == "svm":
        loss += 0.02 * (math.log10(model["C"]) - 1.5) ** 2
        loss += {"linear": 0.08, "rbf": 0.0, "poly": 0.05}[model["kernel"]]
        if "gamma" in model:
            loss += 0.02 * (math.log10(model["gamma"]) + 2.5) ** 2
        if "degree" in model:
            loss += 0.01 * model["degree"]
    else:
        loss += 0.06 + 0.02 * (math.log2(model["hidden"]) - 7) ** 2
        loss += 0.02 * (math.log10(model["alpha"]) + 4) ** 2
    return loss


def run_search(algo: Any, p: Problem, seed: int) -> float:
    trials = hpdsl.Trials()
    hpdsl.fmin(p.loss, p.hps, algo=algo, max_evals=p.n_trials, trials=trials, rstate=seed,
               show_progressbar=False)
    assert trials.best_trial is not None and trials.best_trial.loss is not None
    return trials.best_trial.loss


def evolution(n_seeds: int, n_trials: int) -> None:
    problems = [Problem("branches", BRANCHES, branches, n_trials),
                Problem("loops", LOOPS, loops, n_trials),
                Problem("pipeline", (ROOT / "examples" / "pipeline.hps").read_text(),
                        pipeline, n_trials)]
    algos: dict[str, Any] = {
        "evolution": hpdsl.evolution.suggest,
        "random": hpdsl.rand.suggest,
        "tpe": hpdsl.tpe.suggest,
    }
    runs: dict[str, Run] = {a: functools.partial(run_search, algo) for a, algo in algos.items()}
    best = run_interleaved("evolution", problems, runs, n_seeds)
    report(f"Regularized evolution, {n_trials} trials, {n_seeds} seeds (best loss)",
           [p.name for p in problems], list(algos), best)


# --- hypergrad: differentiable problems -----------------------------------------------

def ridge_module() -> Any:
    spec = importlib.util.spec_from_file_location("ridge_hypergrad",
                                                  ROOT / "examples" / "ridge_hypergrad.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def logistic_data() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(1)
    groups, per = 5, 6
    w = np.concatenate([s * rng.normal(size=per) for s in (2.0, 1.0, 0.3, 0.0, 0.0)])
    X, X_val = rng.normal(size=(80, groups * per)), rng.normal(size=(400, groups * per))

    def labels(A: np.ndarray) -> np.ndarray:
        return (rng.random(len(A)) < 1 / (1 + np.exp(-A @ w))).astype(float)
    return X, labels(X), X_val, labels(X_val)


def logistic_loss_and_grad(penalties: np.ndarray) -> tuple[float, np.ndarray]:
    """Validation log-loss of L2 logistic regression (one penalty per group of six
    features, fitted by Newton's method) and its exact gradient w.r.t. the penalties:
    at the fit, H dw/dlambda_g = -E_g w, so dL/dlambda_g = -v . E_g w, v = H^-1 dL/dw."""
    X, y, X_val, y_val = logistic_data()
    per = X.shape[1] // len(penalties)
    diag = np.repeat(penalties, per)
    w = np.zeros(X.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-X @ w))
        g = X.T @ (p - y) + diag * w
        H = X.T @ (X * (p * (1 - p))[:, None]) + np.diag(diag)
        step = np.linalg.solve(H, g)
        w -= step
        if np.abs(step).max() < 1e-12:
            break
    p = 1 / (1 + np.exp(-X @ w))
    H = X.T @ (X * (p * (1 - p))[:, None]) + np.diag(diag)
    q = np.clip(1 / (1 + np.exp(-X_val @ w)), 1e-12, 1 - 1e-12)
    loss = float(-np.mean(y_val * np.log(q) + (1 - y_val) * np.log(1 - q)))
    v = np.linalg.solve(H, X_val.T @ (q - y_val) / len(y_val))
    return loss, -(v * w).reshape(len(penalties), per).sum(axis=1)


@dataclass(frozen=True)
class Differentiable:
    name: str
    hps: str
    size: int
    loss_and_grad: Callable[[np.ndarray], tuple[float, np.ndarray]]
    low: float
    high: float

    def objective(self, cfg: Config) -> Config:
        loss, grad = self.loss_and_grad(np.asarray(cfg["penalty"], dtype=np.float64))
        return {"loss": loss, "grad": {f"penalty[{i + 1}]": float(g)
                                       for i, g in enumerate(grad)}}

    def start(self, seed: int) -> np.ndarray:
        """A random starting point (log-uniform penalties), the same for every algorithm."""
        rng = np.random.default_rng(1000 + seed)
        return np.exp(rng.uniform(math.log(self.low), math.log(self.high), self.size))


def run_hypergrad(algo: Any, p: Differentiable, seed: int, n_trials: int) -> float:
    trials = hpdsl.Trials()
    start = {"penalty": [float(v) for v in p.start(seed)]}
    hpdsl.fmin(p.objective, p.hps, algo=algo, max_evals=n_trials, trials=trials, rstate=seed,
               points_to_evaluate=[start], show_progressbar=False)
    assert trials.best_trial is not None and trials.best_trial.loss is not None
    return trials.best_trial.loss


def run_lbfgsb(p: Differentiable, seed: int, n_trials: int) -> float:
    """scipy's L-BFGS-B over log-penalties: the best of its first `n_trials` evaluations."""
    seen: list[float] = []

    def f(z: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = p.loss_and_grad(np.exp(z))
        seen.append(loss)
        return loss, grad * np.exp(z)

    bounds = [(math.log(p.low), math.log(p.high))] * p.size
    optimize.minimize(f, np.log(p.start(seed)), jac=True, method="L-BFGS-B", bounds=bounds,
                      options={"maxfun": n_trials})
    return min(seen[:n_trials])


def hypergrad(n_seeds: int, n_trials: int) -> None:
    ridge = ridge_module()
    problems = [
        # the example's space without its defaults: every algorithm starts at the same point
        Differentiable("ridge (6 penalties)", (ROOT / "examples" / "ridge.hps").read_text()
                       .replace(" default 1", ""), 6, ridge.loss_and_grad, 1e-4, 1e4),
        Differentiable("logistic (5 penalties)",
                       "for g in 1..5 {\n    penalty[g] ~ loguniform(1e-3, 1e3)\n}\n",
                       5, logistic_loss_and_grad, 1e-3, 1e3),
    ]
    runs: dict[str, Callable[[Differentiable, int], float]] = {
        "hypergrad": lambda p, s: run_hypergrad(hpdsl.hypergrad.suggest, p, s, n_trials),
        "L-BFGS-B": lambda p, s: run_lbfgsb(p, s, n_trials),
        "tpe": lambda p, s: run_hypergrad(hpdsl.tpe.suggest, p, s, n_trials),
    }
    best = run_interleaved("hypergrad", problems, runs, n_seeds)
    names = [p.name for p in problems]
    report(f"Hypergradient descent, {n_trials} trials, {n_seeds} seeds (best validation loss)",
           names, list(runs), best)
    print("\n| problem | hypergrad / L-BFGS-B: median | worst | seeds within 2% |")
    print("| --- | --- | --- | --- |")
    for p in names:
        ratio = np.array(best[p, "hypergrad"]) / np.array(best[p, "L-BFGS-B"])
        print(f"| {p} | {np.median(ratio):.4f} | {ratio.max():.4f} | "
              f"{int((ratio <= 1.02).sum())} of {len(ratio)} |")


def compare(title: str, problems: list[Any], algos: dict[str, Run], seeds: int,
            pairs: list[tuple[str, str]]) -> None:
    """Run every algorithm on every problem for `seeds` seeds, interleaved; print tables."""
    best = run_interleaved(title, problems, algos, seeds)
    names = list(algos)
    print(f"\n{title}: median best value over {seeds} seeds (lower is better)\n")
    width = print_medians([p.name for p in problems], names, best)
    for ours, theirs in pairs:
        print(f"\nMann-Whitney U, {ours} vs {theirs}: two-sided p; one-sided p that {ours} "
              f"is better / worse\n")
        print(f"| {'problem':<{width}} | two-sided | better | worse |")
        print(f"|{'-' * (width + 2)}|-----------|--------|-------|")
        for p in problems:
            x, y = best[p.name, ours], best[p.name, theirs]
            two = stats.mannwhitneyu(x, y, alternative="two-sided").pvalue
            less = stats.mannwhitneyu(x, y, alternative="less").pvalue
            more = stats.mannwhitneyu(x, y, alternative="greater").pvalue
            print(f"| {p.name:<{width}} | {two:9.3f} | {less:6.3f} | {more:5.3f} |")
    print()


# --- cmaes: BBOB functions ---------------------------------------------------------

@dataclass(frozen=True)
class Bbob:
    """BBOB function `function` in `dim` dimensions; `budget` evaluations per run."""

    function: int
    dim: int
    budget: int

    @property
    def name(self) -> str:
        return f"f{self.function} {BBOB_NAMES[self.function]} ({self.dim}-d)"

    def problem(self, seed: int) -> tuple[Callable[[np.ndarray], float], float]:
        """The objective of instance seed + 1 and its optimal value."""
        import cocoex

        suite = cocoex.Suite("bbob", "", f"function_indices:{self.function} "
                             f"dimensions:{self.dim} instance_indices:{seed + 1}")
        problem = next(iter(suite))
        # cocoex gives the optimum's location (written to a file), not its value
        with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
            problem._best_parameter("print")
            xopt = np.loadtxt("._bbob_problem_best_parameter.txt")
        return (lambda x: float(problem(x))), float(problem(xopt))


BBOB_NAMES = {1: "sphere", 2: "ellipsoid", 8: "rosenbrock", 10: "rotated ellipsoid",
              12: "bent cigar", 15: "rotated rastrigin", 21: "gallagher 101"}


def run_hpdsl_bbob(algo: Any) -> Run:
    def run(p: Bbob, seed: int) -> float:
        f, fopt = p.problem(seed)
        space = hpdsl.loads(f"for i in 1..{p.dim} {{\n    x[i] ~ uniform(-5, 5)\n}}\n")
        best = np.inf

        def objective(cfg: dict[str, Any]) -> float:
            nonlocal best
            value = f(np.asarray(cfg["x"], dtype=float)) - fopt
            best = min(best, value)
            return value

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            hpdsl.fmin(objective, space, algo=algo, max_evals=p.budget, rstate=seed,
                       show_progressbar=False)
        return float(best)
    return run


def run_optuna_cmaes(p: Bbob, seed: int) -> float:
    f, fopt = p.problem(seed)
    study = optuna.create_study(sampler=optuna.samplers.CmaEsSampler(seed=seed))

    def objective(t: optuna.Trial) -> float:
        return f(np.array([t.suggest_float(f"x{i}", -5, 5) for i in range(p.dim)])) - fopt

    study.optimize(objective, n_trials=p.budget)
    return float(study.best_value)


def cmaes_bbob(seeds: int, quick: bool) -> None:
    functions = (1, 10) if quick else (1, 8, 10, 15)
    dims = (10,) if quick else (10, 20)
    problems = [Bbob(fn, d, 30 * d) for d in dims for fn in functions]
    algos: dict[str, Run] = {
        "hpdsl cmaes": run_hpdsl_bbob(hpdsl.cmaes.suggest),
        "optuna cmaes": run_optuna_cmaes,
        "hpdsl tpe": run_hpdsl_bbob(hpdsl.tpe.suggest),
    }
    compare("cmaes", problems, algos, seeds, [("hpdsl cmaes", "optuna cmaes"),
                                              ("hpdsl cmaes", "hpdsl tpe")])


# --- sobol: TPE's start ------------------------------------------------------------

def sobol_start(seeds: int, quick: bool) -> None:
    from bench_tpe import PROBLEMS  # the quick problems of the TPE benchmark

    problems = [p for p in PROBLEMS if not p.name.startswith("sklearn")]

    def run_tpe(startup: str) -> Run:
        algo = functools.partial(hpdsl.tpe.suggest, startup=startup)

        def run(p: Any, seed: int) -> float:
            losses: list[float] = []

            def objective(cfg: dict[str, Any]) -> float:
                losses.append(p.loss(cfg))
                return losses[-1]

            hpdsl.fmin(objective, hpdsl.loads(p.hps), algo=algo, max_evals=p.n_trials,
                       rstate=seed, show_progressbar=False)
            return min(losses)
        return run

    compare("sobol", problems, {"tpe sobol start": run_tpe("sobol"),
                                "tpe random start": run_tpe("random")},
            seeds, [("tpe sobol start", "tpe random start")])


SECTIONS = {"evolution": evolution, "hypergrad": hypergrad, "cmaes": cmaes_bbob,
            "sobol": sobol_start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--section", choices=[*SECTIONS, "all"], default="all")
    parser.add_argument("--seeds", type=int, default=None, help="seeds (default 10; quick 3)")
    parser.add_argument("--quick", action="store_true", help="3 seeds and shorter runs")
    args = parser.parse_args()
    seeds = args.seeds or (3 if args.quick else 10)
    if args.section in ("evolution", "all"):
        evolution(seeds, 150 if args.quick else 300)
    if args.section in ("hypergrad", "all"):
        hypergrad(seeds, 30)
    for name, section in (("cmaes", cmaes_bbob), ("sobol", sobol_start)):
        if args.section in (name, "all"):
            section(seeds, args.quick)


if __name__ == "__main__":
    main()
