"""hpdsl.cmaes: CMA-ES learns, keeps integers integral, is a function of the history
(determinism, resume, batches), restarts, and says what it does not search."""

from __future__ import annotations

import functools
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hpdsl
from hpdsl.errors import ConfigurationError
from hpdsl.search import History, TrialState, cmaes
from hpdsl.search.cmaes import _replay

VECTOR = "for i in 1..10 {\n    x[i] ~ uniform(-5, 5)\n}\n"
MIXED = "lr ~ loguniform(1e-4, 1)\nk ~ randint(1, 20)\nx ~ uniform(-3, 3)\n"
CONDITIONAL = """
x ~ uniform(-3, 3)
model ~ choice(a, b)
if model == b then y ~ uniform(0, 1)
"""


def ellipsoid(x: np.ndarray) -> float:
    return float(np.sum(10 ** (3 * np.arange(len(x)) / (len(x) - 1)) * (x - 1.0) ** 2))


def run(space: hpdsl.Space, algo: hpdsl.search.Suggest, history: History, m: int,
        loss: Any, seed: int = 0) -> History:
    """`history` grown to `m` trials proposed one at a time, each told `loss(row)`."""
    while len(history) < m:
        X = algo(space, history, np.random.default_rng([seed, len(history)]), 1)
        batch = space.coords.run(X)
        assert batch.feasible.all()
        history = History(np.vstack([history.X, batch.X]),
                          np.vstack([history.active, batch.active]),
                          np.append(history.losses, loss(batch.X[0])),
                          np.append(history.states, int(TrialState.OK)))
    return history


def test_cmaes_beats_random_search_on_a_10d_ellipsoid() -> None:
    space = hpdsl.loads(VECTOR)
    for seed in range(3):
        best = [np.min(run(space, algo, History.empty(10), 250, ellipsoid, seed).losses)
                for algo in (cmaes.suggest, hpdsl.rand.suggest)]
        assert best[0] < best[1] / 4


def test_integer_parameters_stay_integers_and_are_optimized() -> None:
    space = hpdsl.loads(MIXED)
    dims = space.coords.dimensions
    k = [d.name for d in dims].index("k")
    lr = [d.name for d in dims].index("lr")

    def loss(x: np.ndarray) -> float:
        return float((x[k] - 13) ** 2 + (x[lr] - np.log(1e-2)) ** 2)

    h = run(space, cmaes.suggest, History.empty(len(dims)), 120, loss)
    configs = space.coords.configs(space.coords.run(h.X), np.arange(len(h)))
    assert all(isinstance(c["k"], int) and 1 <= c["k"] <= 20 for c in configs)
    assert all(1e-4 <= c["lr"] <= 1 for c in configs)
    assert [c["k"] for c in configs[-12:]].count(13) >= 6


def test_same_history_and_seed_give_the_same_rows_with_or_without_the_cache() -> None:
    space = hpdsl.loads(MIXED)
    h = run(space, cmaes.suggest, History.empty(3), 40, lambda x: float(np.sum(x**2)))
    first = cmaes.suggest(space, h, np.random.default_rng(5), 3)
    again = cmaes.suggest(space, h, np.random.default_rng(5), 3)
    fresh = cmaes.suggest(hpdsl.loads(MIXED), h, np.random.default_rng(5), 3)
    assert np.array_equal(first, again) and np.array_equal(first, fresh)
    assert not np.array_equal(first, cmaes.suggest(space, h, np.random.default_rng(6), 3))


def test_a_resumed_study_proposes_what_the_uninterrupted_one_would(tmp_path: Path) -> None:
    def search(url: str, evals: int) -> list[dict[str, Any]]:
        trials = hpdsl.Trials(url, study="s")
        hpdsl.fmin(lambda c: (c["k"] - 4) ** 2 + c["x"] ** 2, hpdsl.loads(MIXED),
                   algo=functools.partial(cmaes.suggest, popsize=6), max_evals=evals,
                   trials=trials, rstate=np.random.default_rng(1), show_progressbar=False)
        return [t.config for t in trials]

    whole = search(f"sqlite:///{tmp_path / 'whole.db'}", 40)
    resumed = f"sqlite:///{tmp_path / 'resumed.db'}"
    search(resumed, 17)  # stops inside a generation
    assert search(resumed, 40) == whole


def test_pending_trials_hold_their_generation_and_rows_at_once_differ() -> None:
    space = hpdsl.loads(MIXED)
    h = run(space, functools.partial(cmaes.suggest, popsize=6), History.empty(3), 12,
            lambda x: float(np.sum(x**2)))
    pending = History(h.X, h.active, np.where(np.arange(12) == 7, np.nan, h.losses),
                      np.where(np.arange(12) == 7, int(TrialState.RUNNING), h.states))
    s = cmaes.Settings(popsize=6)
    layout = cmaes._sampler._layout(space)
    assert _replay.replay(space, layout, pending, s).position == 6
    assert _replay.replay(space, layout, h, s).position == 12
    rows = cmaes.suggest(space, pending, np.random.default_rng(0), 4, popsize=6)
    assert len({tuple(r) for r in rows}) == 4


def test_it_runs_with_parallel_workers() -> None:
    trials = hpdsl.Trials()
    with ThreadPoolExecutor(3) as pool:
        hpdsl.fmin(lambda c: (c["k"] - 4) ** 2 + c["x"] ** 2, hpdsl.loads(MIXED),
                   algo=functools.partial(cmaes.suggest, popsize=6), max_evals=30,
                   trials=trials, executor=pool, n_jobs=3, rstate=0, show_progressbar=False)
    assert len(trials) == 30 and all(t.state == TrialState.OK for t in trials)
    assert len({(t.config["k"], t.config["x"]) for t in trials}) == 30


def test_a_stopped_run_restarts_with_a_larger_population() -> None:
    space = hpdsl.loads("a ~ uniform(0, 1)\nb ~ uniform(0, 1)\n")
    flat = run(space, cmaes.suggest, History.empty(2), 200, lambda x: 1.0)
    layout = cmaes._sampler._layout(space)
    state = _replay.replay(space, layout, flat, cmaes.Settings())
    assert state.runs >= 2 and state.popsize == 12  # default 6 for 2 parameters, doubled
    bipop = _replay.replay(space, layout, flat, cmaes.Settings(restart="bipop"))
    assert bipop.runs >= 2 and bipop.popsize <= 6  # the second run is a small one


def test_earlier_trials_warm_start_the_first_generation() -> None:
    space = hpdsl.loads("a ~ uniform(0, 1)\nb ~ uniform(0, 1)\n")
    prior = run(space, hpdsl.rand.suggest, History.empty(2), 20,
                lambda x: float(np.sum((x - 0.9) ** 2)))
    algo = functools.partial(cmaes.suggest, n_startup_trials=20)
    rows = algo(space, prior, np.random.default_rng(0), 30)
    best = prior.X[np.argmin(prior.losses)]
    assert np.median(np.abs(rows - best)) < 0.15
    cold = cmaes.suggest(space, prior, np.random.default_rng(0), 30, n_startup_trials=20,
                         warm_start=False)
    assert np.median(np.abs(cold - best)) > np.median(np.abs(rows - best))


def test_a_conditional_space_warns_once_and_fills_in_the_other_parameters() -> None:
    space = hpdsl.loads(CONDITIONAL)
    with pytest.warns(UserWarning, match=r"the others \(model, y\) are drawn by the fallback"):
        h = run(space, cmaes.suggest, History.empty(3), 30, lambda x: float(x[0] ** 2))
    configs = space.coords.configs(space.coords.run(h.X), np.arange(len(h)))
    assert {c["model"] for c in configs} == {"a", "b"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cmaes.suggest(space, h, np.random.default_rng(0), 2, fallback="random")


def test_items_that_a_searched_integer_activates_get_values() -> None:
    space = hpdsl.loads("n ~ randint(1, 4)\nfor i in 1..n {\n    w[i] ~ uniform(0, 1)\n}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # w[2..4] are left to the fallback
        h = run(space, cmaes.suggest, History.empty(5), 40, lambda x: float(-x[0]))
    configs = space.coords.configs(space.coords.run(h.X), np.arange(len(h)))
    assert all(cfg in space for cfg in configs)
    assert {len(cfg["w"]) for cfg in configs} == {1, 2, 3, 4}


def test_a_space_without_float_or_integer_parameters_is_refused() -> None:
    space = hpdsl.loads("model ~ choice(a, b)\nif model == a then x ~ uniform(0, 1)\n")
    with pytest.raises(ConfigurationError, match="none"):
        cmaes.suggest(space, History.empty(2), np.random.default_rng(0), 1)


def test_without_the_cmaes_package_the_error_says_what_to_install(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cmaes", None)
    with pytest.raises(ConfigurationError, match=r"pip install 'hpdsl\[cmaes\]'"):
        cmaes.suggest(hpdsl.loads(MIXED), History.empty(3), np.random.default_rng(0), 1)
