"""The search algorithms that share `_base.Suggest`: rand, anneal, grid.

Every algorithm returns (n, D) rows that the constraints allow, the same rows
under the same seed; then what is particular to each.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import pytest
from corpora import EXAMPLES_DIR

import hpdsl
from hpdsl.search import History, Suggest, TrialState

EXAMPLE = EXAMPLES_DIR / "classifier.hps"

CONSTRAINED = """
a ~ uniform(0, 10)
b ~ uniform(0, 10)
mode ~ choice(fast, slow)
if mode == slow then steps ~ randint(1, 100)
require a + b <= 8
"""

ALGORITHMS: dict[str, Suggest] = {
    "rand": hpdsl.rand.suggest,
    "anneal": hpdsl.anneal.suggest,
    "evolution": functools.partial(hpdsl.evolution.suggest, population_size=4),
    "grid": functools.partial(hpdsl.grid.suggest, resolution=4),
    "nsga2": functools.partial(hpdsl.nsga2.suggest, population_size=4),
}


def history_of(space: hpdsl.Space, configs: list[dict[str, Any]], losses: list[float]
               ) -> History:
    enc = [space.coords.encode(c) for c in configs]
    states = np.full(len(configs), int(TrialState.OK))
    return History(np.array([x for x, _ in enc]), np.array([a for _, a in enc]),
                   np.array(losses, dtype=float), states)


def some_history(space: hpdsl.Space, m: int = 12) -> History:
    configs = space.sample(0, m)
    return history_of(space, configs, [float(i) for i in range(m)])


@pytest.mark.parametrize("name", ALGORITHMS)
@pytest.mark.parametrize("with_history", [False, True])
def test_rows_are_feasible_and_shaped(name: str, with_history: bool) -> None:
    space = hpdsl.loads(CONSTRAINED)
    history = some_history(space) if with_history else History.empty(len(space.coords.dimensions))
    X = ALGORITHMS[name](space, history, np.random.default_rng(0), 5)
    assert X.shape == (5, len(space.coords.dimensions))
    batch = space.coords.run(X)
    assert batch.feasible.all()
    for cfg in space.coords.configs(batch, np.arange(5)):
        assert cfg in space


@pytest.mark.parametrize("name", ALGORITHMS)
def test_same_seed_same_rows(name: str) -> None:
    space = hpdsl.loads(CONSTRAINED)
    history = some_history(space)
    a = ALGORITHMS[name](space, history, np.random.default_rng(3), 4)
    b = ALGORITHMS[name](space, history, np.random.default_rng(3), 4)
    assert np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("name", ["rand", "anneal"])
def test_search_on_a_conditional_space_with_a_constraint(name: str) -> None:
    trials = hpdsl.Trials()

    def objective(cfg: dict[str, Any]) -> float:
        return {"svm": 0.0, "rf": 1.0, "gbm": 2.0, "knn": 3.0}[cfg["model"]] + (
            abs(math.log10(cfg["C"])) if "C" in cfg else 0.0)

    best = hpdsl.fmin(objective, EXAMPLE, algo=ALGORITHMS[name], max_evals=40, trials=trials,
                      rstate=0, show_progressbar=False)
    space = hpdsl.load(EXAMPLE)
    assert all(t.config in space for t in trials)
    assert best["model"] == "svm"


# --- anneal ---------------------------------------------------------------------------------


def test_anneal_searches_near_the_best_trial_more_narrowly_with_more_trials() -> None:
    space = hpdsl.loads("x ~ uniform(0, 100)")
    rng = np.random.default_rng(0)

    def spread(m: int) -> float:
        history = history_of(space, [{"x": 30.0}] * m, [0.0] * m)
        X = hpdsl.anneal.suggest(space, history, rng, 200)
        return float(np.abs(X[:, 0] - 30.0).max())

    # the window is that share of the range, shifted to stay inside the bounds
    few, many = spread(5), spread(100)
    assert few <= 100 / (1 + 5 * 0.1)
    assert many <= 100 / (1 + 100 * 0.1)
    assert many < few


def test_anneal_stays_inside_bounds_and_keeps_ints_integral() -> None:
    space = hpdsl.loads("x ~ uniform(0, 1)\nk ~ randint(1, 5)\nlr ~ loguniform(1e-4, 1)")
    history = history_of(space, [{"x": 1.0, "k": 5, "lr": 1e-4}] * 3, [0.0] * 3)
    X = hpdsl.anneal.suggest(space, history, np.random.default_rng(1), 100)
    configs, feasible = space.coords.decode(X)
    assert feasible.all()
    assert all(0 <= c["x"] <= 1 and c["k"] in range(1, 6) and 1e-4 <= c["lr"] <= 1
               for c in configs)
    assert np.array_equal(X[:, 1], np.round(X[:, 1]))
    assert {c["k"] for c in configs} > {5}  # it does move


def test_anneal_mostly_keeps_the_best_option_of_a_choice() -> None:
    space = hpdsl.loads("c ~ choice(a, b, c, d)")
    history = history_of(space, [{"c": "b"}] * 50 + [{"c": "d"}], [0.0] * 50 + [9.0])
    X = hpdsl.anneal.suggest(space, history, np.random.default_rng(2), 300)
    share = float(np.mean(X[:, 0] == 1))
    assert share > 0.75


def test_anneal_draws_newly_active_parameters_from_the_prior() -> None:
    space = hpdsl.loads("m ~ choice(p, q)\nif m == q then y ~ uniform(5, 6)")
    history = history_of(space, [{"m": "p"}] * 2, [0.0, 1.0])
    X = hpdsl.anneal.suggest(space, history, np.random.default_rng(0), 50)
    configs, _ = space.coords.decode(X)
    ys = [c["y"] for c in configs if c["m"] == "q"]
    assert ys and all(5 <= y <= 6 for y in ys)


def test_anneal_with_nothing_finished_samples_the_prior() -> None:
    space = hpdsl.loads("x ~ uniform(0, 1)")
    pending = History(np.array([[0.5]]), np.array([[True]]), np.array([math.nan]),
                      np.array([int(TrialState.RUNNING)]))
    X = hpdsl.anneal.suggest(space, pending, np.random.default_rng(0), 3)
    assert np.array_equal(X, hpdsl.rand.suggest(space, pending, np.random.default_rng(0), 3))


# --- grid -----------------------------------------------------------------------------------

FINITE = """
kernel ~ choice(linear, rbf, poly)
if kernel == poly then degree ~ randint(2, 4)
n ~ randint(1, 2)
forbid kernel == linear and n == 2
"""


def run_grid(space: hpdsl.Space, algo: Suggest = hpdsl.grid.suggest) -> hpdsl.Trials:
    trials = hpdsl.Trials()
    hpdsl.fmin(lambda c: 1.0, space, algo=algo, max_evals=10_000, trials=trials,
               show_progressbar=False)
    return trials


def test_grid_tries_every_configuration_once_in_a_stable_order() -> None:
    space = hpdsl.loads(FINITE)
    trials = run_grid(space)
    configs = [t.config for t in trials]
    assert len(configs) == space.size() == 1 + 2 + 3 * 2
    assert configs == list(space.grid())
    assert run_grid(space)[3].config == configs[3]


def test_grid_enumerates_loops() -> None:
    space = hpdsl.loads("n ~ randint(1, 3)\nfor i in 1..n {\n  u[i] ~ choice(0, 1)\n}")
    configs = [t.config for t in run_grid(space)]
    assert len(configs) == 2 + 4 + 8 == space.size()
    assert {tuple(c["u"]) for c in configs} == {tuple(c["u"]) for c in space.grid()}


def test_grid_skips_configurations_already_tried() -> None:
    space = hpdsl.loads(FINITE)
    trials = hpdsl.Trials()
    hpdsl.fmin(lambda c: 1.0, space, algo=hpdsl.grid.suggest, max_evals=100, trials=trials,
               points_to_evaluate=[{"kernel": "poly", "degree": 3, "n": 2}],
               show_progressbar=False)
    configs = [t.config for t in trials]
    assert len(configs) == 9 and len({repr(sorted(c.items())) for c in configs}) == 9


def test_grid_raises_search_exhausted_when_done() -> None:
    space = hpdsl.loads("a ~ choice(x, y)")
    history = history_of(space, [{"a": "x"}, {"a": "y"}], [1.0, 2.0])
    with pytest.raises(hpdsl.SearchExhausted):
        hpdsl.grid.suggest(space, history, np.random.default_rng(0))
    partial = history_of(space, [{"a": "y"}], [1.0])
    X = hpdsl.grid.suggest(space, partial, np.random.default_rng(0), 5)
    assert X.tolist() == [[0.0]]  # fewer rows only when the grid runs out


def test_grid_on_a_continuous_space_asks_for_a_resolution() -> None:
    space = hpdsl.loads("lr ~ loguniform(1e-4, 1)")
    with pytest.raises(hpdsl.ConfigurationError, match=r"`lr` is continuous.*resolution"):
        hpdsl.grid.suggest(space, History.empty(1), np.random.default_rng(0))


def test_grid_resolution_discretizes_continuous_parameters() -> None:
    space = hpdsl.loads("lr ~ loguniform(1e-4, 1)\nx ~ uniform(-1, 1)\nk ~ choice(a, b)")
    trials = run_grid(space, functools.partial(hpdsl.grid.suggest, resolution=5))
    assert len(trials) == 5 * 5 * 2
    lrs = sorted({t.config["lr"] for t in trials})
    assert np.allclose(lrs, [1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert np.allclose(sorted({t.config["x"] for t in trials}), [-1, -0.5, 0, 0.5, 1])
