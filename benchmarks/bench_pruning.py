"""Pruning at the same compute: hpdsl's pruners against Optuna's, on learning curves.

    .venv/bin/python benchmarks/bench_pruning.py --quick   # 3 seeds, a smaller budget
    .venv/bin/python benchmarks/bench_pruning.py           # 10 seeds: the README's run

Every method gets the same total number of epochs (20 full trainings' worth, 10 with
--quick) and stops when it is spent, however many trials that makes. Methods: hpdsl TPE
without pruning, with its MedianPruner and with its HyperbandPruner; Optuna's TPE with
its MedianPruner and HyperbandPruner; hpdsl random search with HyperbandPruner. Both
libraries run their pruners with their defaults; the Hyperband ones get the same
resources (1 to 27 epochs, reduction factor 3: hpdsl from the space's fidelity).

Problems: learning curves that cross (a high learning rate leads early and plateaus
worse, a low one converges late to the best), noisy curves (the order holds but each
epoch's value is noisy), and a real one: scikit-learn's SGDClassifier trained epoch by
epoch with `partial_fit` on the bundled digits, judged on a validation split.

Score: the true loss of the configuration the method would pick (the fully trained
trial with the lowest last reported value), trained to the full budget: the noise-free
curve's last value, or the SGD model's error on a held-out test split. Seeds are
interleaved (seed, then problem, then method). Prints the median score per method,
Mann-Whitney p-values, trials run, and the epochs pruning saved.
"""

from __future__ import annotations

import argparse
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import optuna
from scipy import stats
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import hpdsl
from hpdsl.pruners import BasePruner, HyperbandPruner, MedianPruner
from hpdsl.search import TrialState, rand, tpe

optuna.logging.set_verbosity(optuna.logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
warnings.filterwarnings("ignore", category=ConvergenceWarning)
Config = dict[str, Any]

EPOCHS = 27  # the full budget of one trial
REDUCTION = 3


class Trainer(Protocol):
    def step(self, epoch: int) -> float:
        """Train one more epoch; the loss an objective would report."""

    def true_loss(self) -> float:
        """The loss the trained model really has (noise-free, or on held-out data)."""


@dataclass(frozen=True)
class Problem:
    name: str
    hps: str
    optuna_config: Callable[[optuna.Trial], Config]
    trainer: Callable[[Config, np.random.Generator], Trainer]


# --- crossing curves ---------------------------------------------------------------------
class CurveTrainer:
    """A learning curve `final + (1 - final) * exp(-rate * epoch)` plus noise."""

    def __init__(self, final: float, rate: float, noise: float,
                 rng: np.random.Generator) -> None:
        self.final, self.rate, self.noise, self.rng = final, rate, noise, rng
        self.epoch = 0

    def value(self, epoch: int) -> float:
        return self.final + (1.0 - self.final) * math.exp(-self.rate * epoch)

    def step(self, epoch: int) -> float:
        self.epoch = epoch
        return self.value(epoch) + self.noise * float(self.rng.normal())

    def true_loss(self) -> float:
        return self.value(EPOCHS)


def crossing(cfg: Config, rng: np.random.Generator) -> Trainer:
    """u = 0 (lr 1e-3) learns slowly, u = 1 (lr 1) fast but plateaus high: after 1 to 3
    epochs the highest rates look best; after 27 the best u is about 0.26. Three more
    parameters move the plateau only."""
    u = (math.log10(cfg["lr"]) + 3.0) / 3.0
    others = np.array([cfg["momentum"], cfg["decay"], cfg["width"]])
    final = 0.05 + 0.5 * u ** 1.5 + 0.3 * float(np.sum((others - PLATEAU) ** 2))
    return CurveTrainer(final, 0.05 * 30.0 ** u, 0.005, rng)


PLATEAU = np.array([0.6, 0.3, 0.7])


def crossing_optuna(t: optuna.Trial) -> Config:
    return {"lr": t.suggest_float("lr", 1e-3, 1.0, log=True),
            **{k: t.suggest_float(k, 0.0, 1.0) for k in ("momentum", "decay", "width")}}


# --- noisy curves ------------------------------------------------------------------------
CENTRE = np.array([0.3, 0.7, 0.5])


def noisy(cfg: Config, rng: np.random.Generator) -> Trainer:
    """Curves in the same order at every epoch, each reported value noisy (sd 0.08)."""
    x = np.array([cfg["a"], cfg["b"], cfg["c"]])
    final = 0.1 + float(np.sum((x - CENTRE) ** 2))
    return CurveTrainer(final, 0.25, 0.08, rng)


def noisy_optuna(t: optuna.Trial) -> Config:
    return {k: t.suggest_float(k, 0.0, 1.0) for k in "abc"}


# --- a real model: SGDClassifier on the digits -----------------------------------------------
def _digits() -> tuple[np.ndarray, ...]:
    X, y = load_digits(return_X_y=True)
    X_train, X_rest, y_train, y_rest = train_test_split(X, y, train_size=900,
                                                        random_state=0, stratify=y)
    X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, train_size=450,
                                                    random_state=0, stratify=y_rest)
    scaler = StandardScaler().fit(X_train)
    return (scaler.transform(X_train), y_train, scaler.transform(X_val), y_val,
            scaler.transform(X_test), y_test)


DIGITS = _digits()
CLASSES = np.arange(10)


class SGDTrainer:
    """One pass over the training split per epoch; the validation error is reported,
    the test error is the true loss."""

    def __init__(self, cfg: Config, rng: np.random.Generator) -> None:
        self.model = SGDClassifier(loss=cfg["loss"], alpha=cfg["alpha"],
                                   learning_rate="constant", eta0=cfg["eta0"],
                                   random_state=int(rng.integers(2 ** 31)))

    def step(self, epoch: int) -> float:
        X, y, X_val, y_val = DIGITS[:4]
        self.model.partial_fit(X, y, classes=CLASSES)
        return 1.0 - float(self.model.score(X_val, y_val))

    def true_loss(self) -> float:
        return 1.0 - float(self.model.score(DIGITS[4], DIGITS[5]))


def sgd_optuna(t: optuna.Trial) -> Config:
    return {"alpha": t.suggest_float("alpha", 1e-6, 1e-1, log=True),
            "eta0": t.suggest_float("eta0", 1e-5, 1.0, log=True),
            "loss": t.suggest_categorical("loss", ["hinge", "log_loss", "modified_huber"])}


FIDELITY = f"epochs ~ fidelity(1, {EPOCHS}, {REDUCTION})\n"
PROBLEMS = [
    Problem("crossing", "lr ~ loguniform(1e-3, 1)\nmomentum ~ uniform(0, 1)\n"
            "decay ~ uniform(0, 1)\nwidth ~ uniform(0, 1)\n" + FIDELITY,
            crossing_optuna, crossing),
    Problem("noisy", "a ~ uniform(0, 1)\nb ~ uniform(0, 1)\nc ~ uniform(0, 1)\n" + FIDELITY,
            noisy_optuna, noisy),
    Problem("sgd-digits", "alpha ~ loguniform(1e-6, 1e-1)\neta0 ~ loguniform(1e-5, 1)\n"
            "loss ~ choice(hinge, log_loss, modified_huber)\n" + FIDELITY,
            sgd_optuna, SGDTrainer),
]


# --- one run: train until the epoch budget is spent ----------------------------------------
@dataclass
class Run:
    score: float = math.nan  # true loss of the pick
    trials: int = 0
    epochs: int = 0  # spent
    full: int = 0  # trials trained to the full budget
    picked: float = math.inf  # the pick's last reported value


def train(run: Run, trainer: Trainer, budget: int, report: Callable[[float, int], object],
          should_prune: Callable[[], bool]) -> tuple[bool, float]:
    """Train one trial until it finishes, is pruned or the budget is spent; (finished,
    last value)."""
    run.trials += 1
    value = math.nan
    for epoch in range(1, EPOCHS + 1):
        if run.epochs >= budget:
            return False, value
        value = trainer.step(epoch)
        run.epochs += 1
        report(value, epoch)
        if should_prune():
            return False, value
    run.full += 1
    if value < run.picked:
        run.picked, run.score = value, trainer.true_loss()
    return True, value


def run_hpdsl(algo: Any, pruner: Callable[[], BasePruner | None]
              ) -> Callable[[Problem, int, int], Run]:
    def go(p: Problem, seed: int, budget: int) -> Run:
        study = hpdsl.Study(p.hps, algo=algo, seed=seed, pruner=pruner())
        rng = np.random.default_rng([seed, 1])
        run = Run()
        while run.epochs < budget:
            trial = study.ask()
            running = study.running_trial(trial)
            finished, value = train(run, p.trainer(trial.config, rng), budget,
                                    running.report, running.should_prune)
            if finished:
                study.tell(trial, value)
            else:
                study.tell(trial, state=TrialState.PRUNED)
        return run
    return go


def run_optuna(pruner: Callable[[], optuna.pruners.BasePruner]
               ) -> Callable[[Problem, int, int], Run]:
    def go(p: Problem, seed: int, budget: int) -> Run:
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed),
                                    pruner=pruner())
        rng = np.random.default_rng([seed, 1])
        run = Run()
        while run.epochs < budget:
            trial = study.ask()
            config = p.optuna_config(trial)
            finished, value = train(run, p.trainer(config, rng), budget, trial.report,
                                    trial.should_prune)
            if finished:
                study.tell(trial, value)
            else:
                study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        return run
    return go


METHODS: dict[str, Callable[[Problem, int, int], Run]] = {
    "hpdsl tpe, no pruning": run_hpdsl(tpe.suggest, lambda: None),
    "hpdsl tpe + median": run_hpdsl(tpe.suggest, MedianPruner),
    "hpdsl tpe + hyperband": run_hpdsl(tpe.suggest, HyperbandPruner),
    "optuna tpe + median": run_optuna(optuna.pruners.MedianPruner),
    "optuna tpe + hyperband": run_optuna(lambda: optuna.pruners.HyperbandPruner(
        min_resource=1, max_resource=EPOCHS, reduction_factor=REDUCTION)),
    "hpdsl random + hyperband": run_hpdsl(rand.suggest, HyperbandPruner),
}
OURS = "hpdsl tpe + hyperband"
BASELINE = "hpdsl tpe, no pruning"
THEIRS = ("optuna tpe + median", "optuna tpe + hyperband")


def compare(runs: dict[str, list[Run]], n_seeds: int, budget: int) -> None:
    width = max(len(m) for m in METHODS)
    for problem in PROBLEMS:
        print(f"\n{problem.name} (budget {budget} epochs = {budget // EPOCHS} full trainings, "
              f"{n_seeds} seeds)")
        print(f"  {'method':<{width}}  median score   mean   trials  full  epochs saved")
        for m in METHODS:
            rs = runs[f"{problem.name}/{m}"]
            scores = np.array([r.score for r in rs])
            trials = np.mean([r.trials for r in rs])
            full = np.mean([r.full for r in rs])
            saved = 1.0 - np.mean([r.epochs / (r.trials * EPOCHS) for r in rs])
            print(f"  {m:<{width}}  {np.median(scores):12.4f}  {scores.mean():.4f}  "
                  f"{trials:6.1f}  {full:4.1f}  {saved:11.0%}")
        if OURS not in METHODS:
            continue
        ours = [r.score for r in runs[f"{problem.name}/{OURS}"]]
        for other in (o for o in (BASELINE, "hpdsl tpe + median", *THEIRS) if o in METHODS):
            theirs = [r.score for r in runs[f"{problem.name}/{other}"]]
            less = stats.mannwhitneyu(ours, theirs, alternative="less").pvalue
            two = stats.mannwhitneyu(ours, theirs, alternative="two-sided").pvalue
            print(f"  {OURS} vs {other}: p(less) = {less:.3f}, p(two-sided) = {two:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 seeds, 10 trainings' budget")
    parser.add_argument("--seeds", type=int, default=None, help="seeds (default 10; quick 3)")
    parser.add_argument("--budget", type=int, default=None,
                        help="full trainings' worth of epochs (default 20; quick 10)")
    parser.add_argument("--problems", nargs="*", default=None, help="names (default: all)")
    parser.add_argument("--methods", nargs="*", default=None, help="names (default: all)")
    args = parser.parse_args()
    if args.problems:
        PROBLEMS[:] = [p for p in PROBLEMS if p.name in args.problems]
    if args.methods:
        for m in list(METHODS):
            if m not in args.methods:
                del METHODS[m]
    n_seeds = args.seeds or (3 if args.quick else 10)
    budget = EPOCHS * (args.budget or (10 if args.quick else 20))
    runs: dict[str, list[Run]] = {f"{p.name}/{m}": [] for p in PROBLEMS for m in METHODS}
    for seed in range(n_seeds):
        for p in PROBLEMS:
            for m, go in METHODS.items():
                runs[f"{p.name}/{m}"].append(go(p, seed, budget))
        print(f"seed {seed} done", flush=True)
    compare(runs, n_seeds, budget)


if __name__ == "__main__":
    main()
