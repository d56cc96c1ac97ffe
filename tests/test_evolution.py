"""Regularized evolution (hpdsl.evolution): tournament over the most recent trials,
mutants of the winner, no state beyond the history."""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

import hpdsl
from hpdsl.search import History, TrialState

# Three branches, each with its own parameters; the best one has the most of them.
CONDITIONAL = """
model ~ choice(a, b, c)
if model == a {
    x1 ~ uniform(-5, 5)
    x2 ~ uniform(-5, 5)
    x3 ~ uniform(-5, 5)
    x4 ~ loguniform(1e-3, 1e3)
} elif model == b {
    y1 ~ uniform(-5, 5)
    y2 ~ randint(0, 20)
} else {
    z ~ uniform(0, 1)
}
"""


def conditional(cfg: dict[str, Any]) -> float:
    if cfg["model"] == "a":
        return float((cfg["x1"] - 1) ** 2 + (cfg["x2"] + 2) ** 2 + (cfg["x3"] - 3) ** 2
                     + (np.log10(cfg["x4"]) - 1) ** 2)
    if cfg["model"] == "b":
        return 2.0 + (cfg["y1"] - 3) ** 2 + 0.1 * abs(cfg["y2"] - 13)
    return 4.0 + cfg["z"]


def history(space: hpdsl.Space, xs: list[float], losses: list[float],
            states: list[TrialState] | None = None) -> History:
    enc = [space.coords.encode({"x": x}) for x in xs]
    st = states or [TrialState.OK] * len(xs)
    return History(np.array([e[0] for e in enc]), np.array([e[1] for e in enc]),
                   np.array(losses, dtype=float), np.array([int(s) for s in st]))


def test_the_first_population_comes_from_the_prior() -> None:
    space = hpdsl.loads("x ~ uniform(0, 100)")
    h = history(space, [50.0] * 5, [0.0] * 5)
    X = hpdsl.evolution.suggest(space, h, np.random.default_rng(0), 200, population_size=300)
    # not mutants of x=50: spread over the whole range
    assert X.min() < 10 and X.max() > 90


def test_children_mutate_the_tournament_winner_of_the_most_recent_trials() -> None:
    space = hpdsl.loads("x ~ uniform(0, 100)")
    # trial 0 is the best ever, but it aged out of a population of the 4 most recent
    h = history(space, [5.0, 60.0, 30.0, 70.0, 80.0], [-100.0, 1.0, 0.0, 2.0, 3.0])
    X = hpdsl.evolution.suggest(space, h, np.random.default_rng(0), 50, population_size=4,
                                sample_size=4, scale=0.01)
    assert np.abs(X[:, 0] - 30.0).max() < 5.0  # x=30 wins every tournament of all four


def test_failed_and_pending_trials_are_not_members() -> None:
    space = hpdsl.loads("x ~ uniform(0, 100)")
    h = history(space, [10.0, 90.0, 50.0], [1.0, float("nan"), float("nan")],
                [TrialState.OK, TrialState.FAIL, TrialState.RUNNING])
    X = hpdsl.evolution.suggest(space, h, np.random.default_rng(0), 20, population_size=2,
                                sample_size=2, scale=0.01)
    assert np.abs(X[:, 0] - 10.0).max() < 5.0


def test_bad_settings_are_refused() -> None:
    space = hpdsl.loads("x ~ uniform(0, 1)")
    with pytest.raises(ValueError, match="population_size"):
        hpdsl.evolution.suggest(space, History.empty(1), np.random.default_rng(0),
                                population_size=0)


def best_losses(algo: Any, seeds: range, evals: int) -> list[float]:
    out = []
    for seed in seeds:
        trials = hpdsl.Trials()
        hpdsl.fmin(conditional, CONDITIONAL, algo=algo, max_evals=evals, trials=trials,
                   rstate=seed, show_progressbar=False)
        assert trials.best_trial is not None and trials.best_trial.loss is not None
        out.append(trials.best_trial.loss)
    return out


def test_better_than_random_search_on_a_conditional_problem() -> None:
    evolution = functools.partial(hpdsl.evolution.suggest, population_size=20, sample_size=5)
    evo = best_losses(evolution, range(6), 100)
    rand = best_losses(hpdsl.rand.suggest, range(6), 100)
    assert mannwhitneyu(evo, rand, alternative="less").pvalue < 0.05, (evo, rand)


def test_a_resumed_study_continues_as_an_uninterrupted_one(tmp_path: Any) -> None:
    algo = functools.partial(hpdsl.evolution.suggest, population_size=5)
    whole = hpdsl.Trials()
    hpdsl.fmin(conditional, CONDITIONAL, algo=algo, max_evals=24, trials=whole, rstate=3,
               show_progressbar=False)
    url = f"sqlite:///{tmp_path / 'evo.db'}"
    hpdsl.fmin(conditional, CONDITIONAL, algo=algo, max_evals=11, trials=hpdsl.Trials(url),
               rstate=3, show_progressbar=False)
    resumed = hpdsl.Trials(url)
    hpdsl.fmin(conditional, CONDITIONAL, algo=algo, max_evals=24, trials=resumed, rstate=3,
               show_progressbar=False)
    assert [t.config for t in resumed] == [t.config for t in whole]


def test_runs_with_parallel_workers() -> None:
    algo = functools.partial(hpdsl.evolution.suggest, population_size=4)
    trials = hpdsl.Trials()
    with ThreadPoolExecutor(3) as pool:
        hpdsl.fmin(conditional, CONDITIONAL, algo=algo, max_evals=30, trials=trials,
                   executor=pool, rstate=0, show_progressbar=False)
    assert len(trials) == 30 and all(t.state == TrialState.OK for t in trials)
    assert trials.best_trial is not None and trials.best_trial.loss is not None
    assert trials.best_trial.loss < min(t.loss for t in list(trials)[:4] if t.loss is not None)
