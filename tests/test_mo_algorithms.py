"""The multi-objective algorithms: MOTPE (`tpe.suggest` given several objectives or
outcome constraints) and NSGA-II (`nsga2.suggest`), as a user of `fmin` sees them, and
the choices inside them that the benchmarks depend on."""

from __future__ import annotations

import functools
import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from scipy import stats

import hpdsl
from hpdsl.search import History, TrialState, nsga2, pareto, rand, tpe
from hpdsl.search.tpe import _motpe

ZDT1_SPACE = "\n".join(f"x{i} ~ uniform(0, 1)" for i in range(6))


def zdt1(cfg: dict[str, Any]) -> tuple[float, float]:
    x = [cfg[f"x{i}"] for i in range(6)]
    g = 1 + 9 * sum(x[1:]) / 5
    return x[0], g * (1 - math.sqrt(x[0] / g))


def hypervolume_of_run(algo: Any, seed: int, n: int) -> float:
    trials = hpdsl.Trials()
    hpdsl.fmin(zdt1, ZDT1_SPACE, algo, max_evals=n, trials=trials, rstate=seed,
               directions=("minimize", "minimize"), show_progressbar=False)
    return pareto.hypervolume([t.values for t in trials], [1.1, 6.0])


ALGORITHMS = {"motpe": tpe.suggest, "nsga2": nsga2.suggest}


@pytest.mark.parametrize("name", ALGORITHMS)
def test_beats_random_search_on_zdt1(name: str) -> None:
    seeds = range(6)
    ours = [hypervolume_of_run(ALGORITHMS[name], s, 80) for s in seeds]
    random = [hypervolume_of_run(rand.suggest, s, 80) for s in seeds]
    assert stats.mannwhitneyu(ours, random, alternative="greater").pvalue < 0.01


# --- MOTPE's split ---------------------------------------------------------------------

def test_whole_fronts_first_then_the_largest_hypervolume_contributions() -> None:
    values = np.array([[0.0, 4.0], [4.0, 0.0],             # front 0
                       [1.0, 4.5], [2.0, 2.0], [4.5, 1.0],  # front 1: (2,2) adds the most
                       [5.0, 5.0]])                         # front 2
    chosen = _motpe.best_trials(values, np.zeros(6), 3)
    assert sorted(chosen.tolist()) == [0, 1, 3]
    assert sorted(_motpe.best_trials(values, np.zeros(6), 5).tolist()) == [0, 1, 2, 3, 4]


def test_feasible_trials_are_good_before_any_infeasible_one() -> None:
    values = np.array([[0.0, 0.0], [9.0, 9.0], [1.0, 1.0], [0.0, 1.0]])
    violation = np.array([0.5, 0.0, 0.1, 2.0])
    # the only feasible trial first, however bad; then the smallest violations
    assert _motpe.best_trials(values, violation, 1).tolist() == [1]
    assert _motpe.best_trials(values, violation, 3).tolist() == [1, 2, 0]


def history(space: hpdsl.Space, configs: list[dict[str, Any]], values: list[list[float]],
            violation: list[float] | None = None) -> History:
    enc = [space.coords.encode(c) for c in configs]
    v = np.array(values, dtype=float)
    viol = np.zeros(len(configs)) if violation is None else np.array(violation)
    return History(np.array([x for x, _ in enc]), np.array([a for _, a in enc]),
                   np.where(viol > 0, np.nan, v[:, 0]),
                   np.full(len(configs), int(TrialState.OK)), v, viol)


BRANCHES = """
model ~ choice(a, b)
if model == a { p ~ uniform(0, 1) } else { q ~ uniform(0, 1) }
"""


def test_each_branch_learns_from_its_own_best_trials() -> None:
    space = hpdsl.loads(BRANCHES)
    # branch a holds the whole front; branch b's best trials are still b's good ones
    configs = ([{"model": "a", "p": 0.1 * i} for i in range(10)]
               + [{"model": "b", "q": 0.1 * i} for i in range(10)])
    values = ([[i, 9 - i] for i in range(10)]
              + [[20 + i, 20 + i] for i in range(10)])
    h = history(space, configs, values)
    model = tpe._sampler._model(space, False)
    good = _motpe.split(h, model.group_active(h.active), tpe.Settings())
    q = [d.name for d in space.coords.dimensions].index("q")
    assert np.flatnonzero(good[:, model.group_of[q]]).tolist() == [10]  # b's best alone


def test_motpe_reaches_a_branch_whose_trade_off_is_better() -> None:
    space = hpdsl.loads(BRANCHES)

    def objective(cfg: dict[str, Any]) -> tuple[float, float]:
        if cfg["model"] == "a":
            return cfg["p"], 1.0 - cfg["p"] + 0.5
        return cfg["q"], (1.0 - cfg["q"]) ** 2

    trials = hpdsl.Trials()
    hpdsl.fmin(objective, space, tpe.suggest, max_evals=60, trials=trials, rstate=1,
               directions=("minimize", "minimize"), show_progressbar=False)
    late = [t.config["model"] for t in list(trials)[30:]]
    assert late.count("b") > late.count("a")


def test_several_rows_at_once_see_each_other_and_keep_every_objective() -> None:
    space = hpdsl.loads(ZDT1_SPACE)
    configs = space.sample(0, 30)
    h = history(space, configs, [list(zdt1(c)) for c in configs])
    X = tpe.suggest(space, h, np.random.default_rng(0), 4)
    assert X.shape == (4, 6) and space.coords.run(X).feasible.all()
    assert len({tuple(row) for row in X}) == 4
    again = tpe.suggest(space, h, np.random.default_rng(0), 4)
    assert np.array_equal(X, again)


def test_constraints_alone_switch_tpe_to_the_feasibility_first_split() -> None:
    space = hpdsl.loads("x ~ uniform(0, 1)")
    configs = [{"x": 0.1 * i} for i in range(10)]
    feasible = history(space, configs, [[c["x"]] for c in configs])
    assert not _motpe.applies(feasible)
    broken = history(space, configs, [[c["x"]] for c in configs], [0.0] * 9 + [1.0])
    assert _motpe.applies(broken)


def test_a_constrained_study_finds_feasible_points_and_reports_only_them() -> None:
    def objective(cfg: dict[str, Any]) -> dict[str, Any]:
        x, y = cfg["x0"], cfg["x1"]
        # feasible only in a corner that random search rarely hits
        return {"loss": [x, y], "constraints": [0.15 - x * y, x + y - 0.9]}

    trials = hpdsl.Trials()
    front = hpdsl.fmin(objective, ZDT1_SPACE, tpe.suggest, max_evals=60, trials=trials,
                       rstate=0, directions=("minimize", "minimize"),
                       show_progressbar=False)
    feasible = [t for t in trials if t.feasible]
    assert len(feasible) >= 10
    assert all(cfg["x0"] * cfg["x1"] >= 0.15 and cfg["x0"] + cfg["x1"] <= 0.9
               for cfg in front)


def test_the_default_for_several_objectives_is_measured_motpe() -> None:
    study = hpdsl.Study(ZDT1_SPACE, directions=("minimize", "minimize"))
    assert study.algo is tpe.suggest



# --- NSGA-II ----------------------------------------------------------------------------

CONDITIONAL = """
model ~ choice(linear, forest, net)
if model == linear {
    C ~ loguniform(1e-3, 1e3)
} elif model == forest {
    n_trees ~ qloguniform(10, 500, 10)
    depth   ~ randint(2, 12)
} else {
    n_layers ~ randint(1, 3)
    for i in 1..n_layers {
        units[i] ~ qloguniform(16, 256, 16)
    }
    lr ~ loguniform(1e-4, 1e-1)
}
forbid model == forest and n_trees * depth > 2000
require model != net or units[1] >= 32
"""


def test_children_of_parents_in_different_branches_are_valid() -> None:
    space = hpdsl.loads(CONDITIONAL)
    parents = [{"model": "linear", "C": 1.0},
               {"model": "forest", "n_trees": 200, "depth": 10},
               {"model": "net", "n_layers": 3, "units": [32, 64, 128], "lr": 0.01}]
    # three non-dominated parents: every child comes from two of them
    h = history(space, parents, [[0.0, 2.0], [1.0, 1.0], [2.0, 0.0]])
    X = nsga2.suggest(space, h, np.random.default_rng(0), 200, population_size=3)
    batch = space.coords.run(X)
    assert batch.feasible.all()
    children = space.coords.configs(batch, np.arange(len(X)))
    assert all(child in space for child in children)
    assert {c["model"] for c in children} == {"linear", "forest", "net"}
    # children really mix: a network may keep a parent's layers with a new learning rate
    nets = [c for c in children if c["model"] == "net"]
    assert any(c["units"] == [32, 64, 128] and c["lr"] != 0.01 for c in nets)


def test_selection_is_feasibility_first_then_fronts_then_crowding() -> None:
    values = np.array([[0.0, 0.0],                           # infeasible, however good
                       [0.0, 3.0], [1.0, 2.0], [1.5, 1.5],   # front 0 ...
                       [3.0, 0.0], [4.0, 4.0]])              # ... and front 1
    violation = np.array([1.0, 0, 0, 0, 0, 0])
    keep, rank, _ = nsga2.select(values, violation, 3)
    # the extremes of front 0 (infinite crowding), then its less crowded inner point:
    # (1.5,1.5) has gaps 2/3 + 2/3, (1,2) only 1/2 + 1/2
    assert sorted(keep.tolist()) == [1, 3, 4]
    assert rank.tolist() == [0, 0, 0]
    keep, rank, _ = nsga2.select(values, violation, 6)
    assert keep[-1] == 0 and rank[-1] == rank.max()


def test_the_same_seed_gives_the_same_study() -> None:
    def configs(seed: int) -> list[dict[str, Any]]:
        trials = hpdsl.Trials()
        hpdsl.fmin(zdt1, ZDT1_SPACE, nsga2.suggest, max_evals=40, trials=trials, rstate=seed,
                   directions=("minimize", "minimize"), show_progressbar=False)
        return [t.config for t in trials]
    assert configs(3) == configs(3) != configs(4)


def test_runs_asynchronously_with_pending_trials() -> None:
    space = hpdsl.loads(CONDITIONAL)

    def objective(cfg: dict[str, Any]) -> dict[str, Any]:
        cost = {"linear": 1.0, "forest": cfg.get("n_trees", 0) / 100,
                "net": sum(cfg.get("units", [])) / 32}[cfg["model"]]
        error = 1.0 / (1.0 + cost) + 0.01 * abs(math.log10(cfg.get("C", 1.0)))
        return {"loss": [error, cost], "constraints": [cost - 10.0]}

    trials = hpdsl.Trials()
    with ThreadPoolExecutor(2) as pool:
        hpdsl.fmin(objective, space, functools.partial(nsga2.suggest, population_size=8),
                   max_evals=30, trials=trials, executor=pool, rstate=0,
                   directions=("minimize", "minimize"), show_progressbar=False)
    assert len(trials) == 30 and all(t.state == TrialState.OK for t in trials)
    assert all(t.config in space for t in trials)
    pending = history(space, [t.config for t in trials][:10],
                      [list(t.values) for t in trials][:10])
    pending = pending.with_pending(pending.X[:3], pending.active[:3])
    X = nsga2.suggest(space, pending, np.random.default_rng(0), 5, population_size=8)
    assert space.coords.run(X).feasible.all()
