"""hpdsl.qmc: scrambled Sobol points over the coordinates, one sequence across calls,
valid on conditional and constrained spaces; and TPE's Sobol start."""

from __future__ import annotations

import functools
import sys

import numpy as np
import pytest
from scipy.stats import qmc as scipy_qmc

import hpdsl
from hpdsl.errors import ConfigurationError
from hpdsl.search import History, Suggest, TrialState, qmc, tpe

CUBE = "a ~ uniform(0, 1)\nb ~ loguniform(1e-3, 1e3)\nc ~ randint(0, 63)\n"

CONDITIONAL = """
a ~ uniform(0, 10)
b ~ uniform(0, 10)
mode ~ choice(fast, slow, steady)
if mode == slow then steps ~ randint(1, 100)
if mode == steady {
    rate ~ lognormal(0, 1)
    frac ~ uniform(0, a)
}
require a + b <= 12
"""


def grow(space: hpdsl.Space, algo: Suggest, m: int, seed: int = 0, n: int = 1) -> History:
    """The history of `m` trials proposed `n` at a time (losses all 0)."""
    D = len(space.coords.dimensions)
    h = History.empty(D)
    while len(h) < m:
        rng = np.random.default_rng([seed, len(h)])
        X = algo(space, h, rng, n)
        batch = space.coords.run(X)
        assert batch.feasible.all()
        h = History(np.vstack([h.X, batch.X]), np.vstack([h.active, batch.active]),
                    np.append(h.losses, np.zeros(n)),
                    np.append(h.states, np.full(n, int(TrialState.OK))))
    return h


def unit(space: hpdsl.Space, X: np.ndarray) -> np.ndarray:
    """The points of CUBE back in the unit cube (integers at the middle of their share)."""
    dims = space.coords.dimensions
    return np.column_stack([(X[:, d] - dim.low + (0.5 if dim.kind == "int" else 0.0))
                            / (dim.high - dim.low + (1.0 if dim.kind == "int" else 0.0))
                            for d, dim in enumerate(dims)])


def test_sobol_points_spread_more_evenly_than_random_draws() -> None:
    space = hpdsl.loads(CUBE)
    sobol = [scipy_qmc.discrepancy(unit(space, grow(space, qmc.suggest, 64, seed).X))
             for seed in range(5)]
    random = [scipy_qmc.discrepancy(unit(space, grow(space, hpdsl.rand.suggest, 64, seed).X))
              for seed in range(5)]
    assert max(sobol) < min(random) / 3


def test_proposals_at_once_continue_the_same_sequence_as_one_at_a_time() -> None:
    # (no constraint: rows it excludes are replaced by random draws)
    space = hpdsl.loads(CONDITIONAL.replace("require a + b <= 12", ""))
    for algo in (qmc.suggest, functools.partial(qmc.suggest, seed=7)):
        one = grow(space, algo, 12, n=1)
        start = History(one.X[:4], one.active[:4], one.losses[:4], one.states[:4])
        several = space.coords.run(algo(space, start, np.random.default_rng(1), 8)).X
        assert np.array_equal(several, one.X[4:], equal_nan=True)


def test_every_row_is_valid_on_a_conditional_space_with_a_constraint() -> None:
    space = hpdsl.loads(CONDITIONAL)
    h = grow(space, qmc.suggest, 60, n=5)
    configs = space.coords.configs(space.coords.run(h.X), np.arange(len(h)))
    assert all(cfg in space for cfg in configs)
    modes = {cfg["mode"] for cfg in configs}
    assert modes == {"fast", "slow", "steady"}
    assert all(isinstance(cfg["steps"], int) for cfg in configs if cfg["mode"] == "slow")


def test_a_seeded_study_is_reproducible_and_resumes_its_sequence() -> None:
    def run(seed: int, trials: hpdsl.Trials, until: int) -> list[dict[str, object]]:
        study = hpdsl.Study(CUBE, algo=qmc.suggest, seed=seed, trials=trials)
        while len(trials) < until:
            study.tell(study.ask(), 0.0)
        return [t.config for t in trials]

    whole = run(3, hpdsl.Trials(), 16)
    resumed = hpdsl.Trials()
    run(3, resumed, 9)
    assert run(3, resumed, 16) == whole
    assert run(4, hpdsl.Trials(), 16) != whole


def test_without_scipy_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "scipy.stats", None)
    space = hpdsl.loads(CUBE)
    with pytest.raises(ConfigurationError, match=r"pip install 'hpdsl\[qmc\]'"):
        qmc.suggest(space, History.empty(3), np.random.default_rng(0), 2)


def test_tpe_can_start_from_the_sobol_sequence() -> None:
    space = hpdsl.loads(CUBE)
    algo = functools.partial(tpe.suggest, n_startup_jobs=8, startup="sobol")
    started = grow(space, algo, 8)
    assert np.array_equal(started.X, grow(space, qmc.suggest, 8).X)
    with pytest.raises(ValueError, match="startup"):
        tpe.Settings(startup="halton")
