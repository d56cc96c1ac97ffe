"""Mutation and crossover on coordinate rows (hpdsl/search/_operators.py): whatever the
space (conditions, loops, constraints, dependent bounds), every row they return is a
configuration of the space, and a mutation changes something."""

from __future__ import annotations

import math

import numpy as np
import pytest
from corpora import EXAMPLES
from hypothesis import given, settings
from hypothesis import strategies as st

import hpdsl
from hpdsl.search._operators import crossover, mutate

STRUCTURED = {
    "branches": """
model ~ choice(svm, forest, knn)
if model == svm {
    C ~ loguniform(1e-3, 1e3)
    kernel ~ choice(linear, rbf)
    if kernel == rbf then gamma ~ loguniform(1e-4, 1)
} elif model == forest {
    trees ~ qloguniform(10, 1000, 10)
    depth ~ randint(2, 12)
} else {
    k ~ randint(1, 50)
}
""",
    "loops": """
n ~ randint(1, 5)
for i in 1..n {
    width[i] ~ quniform(8, 256, 8)
    drop[i] ~ uniform(0, 0.5)
}
lr ~ lognormal(-7, 2)
""",
    "constraints": """
a ~ uniform(0, 10)
b ~ uniform(0, 10)
mode ~ choice(fast, slow)
if mode == slow then steps ~ randint(1, 100)
require a + b <= 8
forbid mode == slow and a > 6
""",
    "dependent": """
low ~ uniform(0, 5)
high ~ uniform(low, 10)
n ~ randint(1, 3)
m ~ randint(n, 6)
""",
}

SPACES = {**{p.stem: p for p in EXAMPLES}, **STRUCTURED}


def space_of(name: str) -> hpdsl.Space:
    source = SPACES[name]
    return hpdsl.load(source) if not isinstance(source, str) else hpdsl.loads(source)


def parents(space: hpdsl.Space, seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    batch, rows = space.coords.sample(np.random.default_rng(seed), n)
    return batch.X[rows], batch.active[rows]


def assert_in_space(space: hpdsl.Space, X: np.ndarray) -> None:
    batch = space.coords.run(X)
    assert batch.feasible.all()
    # the rows are canonical: NaN exactly where a parameter is inactive
    assert np.array_equal(np.isnan(X), ~batch.active)
    for cfg in space.coords.configs(batch, np.arange(len(X))):
        assert cfg in space


def differs(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    result: np.ndarray = (~((a == b) | (np.isnan(a) & np.isnan(b)))).any(axis=1)
    return result


@pytest.mark.parametrize("name", SPACES)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rate=st.sampled_from([0.0, 0.3, 1.0]),
       scale=st.sampled_from([0.01, 0.2, 2.0]))
def test_mutants_are_configurations_of_the_space_and_differ(name: str, seed: int, rate: float,
                                                            scale: float) -> None:
    space = space_of(name)
    X, active = parents(space, seed, 8)
    M = mutate(space, X, active, np.random.default_rng(seed), rate=rate, scale=scale)
    assert M.shape == X.shape
    assert_in_space(space, M)
    assert differs(M, X).all()


@pytest.mark.parametrize("name", SPACES)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), by=st.sampled_from(["group", "coordinate"]))
def test_children_are_configurations_of_the_space(name: str, seed: int, by: str) -> None:
    space = space_of(name)
    A, _ = parents(space, seed, 8)
    B, _ = parents(space, seed + 1, 8)
    C = crossover(space, A, B, np.random.default_rng(seed), by=by)  # type: ignore[arg-type]
    assert C.shape == A.shape
    assert_in_space(space, C)


def test_one_coordinate_changes_by_default() -> None:
    space = hpdsl.loads("a ~ uniform(0, 1)\nb ~ uniform(0, 1)\nc ~ uniform(0, 1)")
    X, active = parents(space, 0, 200)
    M = mutate(space, X, active, np.random.default_rng(1))
    changed = (M != X).sum(axis=1)
    assert (changed == 1).all()
    # with rate=1 every coordinate moves
    assert ((mutate(space, X, active, np.random.default_rng(1), rate=1.0) != X).sum(1) == 3).all()


def test_a_flipped_choice_activates_a_branch_sampled_fresh() -> None:
    space = space_of("branches")
    knn = space.coords.encode({"model": "knn", "k": 7})
    x, active = knn
    rng = np.random.default_rng(0)
    M = mutate(space, np.tile(x, (300, 1)), np.tile(active, (300, 1)), rng)
    cfgs = space.coords.decode(M)[0]
    models = {c["model"] for c in cfgs}
    assert models == {"svm", "forest", "knn"}
    forests = [c for c in cfgs if c["model"] == "forest"]
    # the new branch's parameters are drawn from their prior, not one fixed value
    assert len({c["depth"] for c in forests}) > 3 and all("k" not in c for c in forests)
    # when the choice stays, the other coordinate (k) moves by at least one
    stay = [c for c in cfgs if c["model"] == "knn"]
    assert stay and all(c["k"] != 7 for c in stay)


def test_loops_change_length_with_new_items_drawn_fresh() -> None:
    space = space_of("loops")
    cfg = {"n": 2, "width": [64, 128], "drop": [0.1, 0.2], "lr": 0.001}
    x, active = space.coords.encode(cfg)
    M = mutate(space, np.tile(x, (400, 1)), np.tile(active, (400, 1)),
               np.random.default_rng(0))
    cfgs = space.coords.decode(M)[0]
    lengths = {len(c["width"]) for c in cfgs}
    assert {1, 3} <= lengths
    longer = [c for c in cfgs if len(c["width"]) > 2]
    assert all(c["width"][:2] == [64, 128] for c in longer)
    assert len({c["width"][2] for c in longer}) > 3


def test_numeric_steps_respect_kinds() -> None:
    space = hpdsl.loads("lr ~ loguniform(1e-5, 1)\nq ~ quniform(0, 100, 5)\n"
                        "n ~ randint(1, 3)\nz ~ normal(0, 1)")
    x, active = space.coords.encode({"lr": 1e-3, "q": 50, "n": 2, "z": 0.0})
    rng = np.random.default_rng(0)
    M = mutate(space, np.tile(x, (400, 1)), np.tile(active, (400, 1)), rng, scale=0.1)
    cfgs = space.coords.decode(M)[0]
    lrs = [c["lr"] for c in cfgs if c["lr"] != 1e-3]
    # a step of 0.1 of the log range: factors, not additions (1e-3 * e^(+-1.15) typical)
    ratios = np.log10(np.array(lrs) / 1e-3)
    assert 0.2 < np.std(ratios) < 1.0 and min(lrs) < 5e-4
    assert all(c["q"] % 5 == 0 and 0 <= c["q"] <= 100 for c in cfgs)
    assert {c["n"] for c in cfgs} <= {1, 2, 3} and any(c["n"] != 2 for c in cfgs)
    assert all(math.isfinite(c["z"]) for c in cfgs)


def test_constraints_hold_by_retrying_and_a_hopeless_row_falls_back_to_a_fresh_sample() -> None:
    # every small step from the parent breaks the constraint (a == b holds only there)
    space = hpdsl.loads("a ~ uniform(0, 10)\nb ~ uniform(0, 10)\nrequire a == b or a < 5")
    x, active = space.coords.encode({"a": 9.0, "b": 9.0})
    X = np.tile(x, (20, 1))
    M = mutate(space, X, np.tile(active, (20, 1)), np.random.default_rng(0), scale=0.01)
    assert_in_space(space, M)
    assert (M[:, 0] < 5).all()  # fresh samples: the prior's feasible rows
    # with room to move, the retries find a feasible neighbour
    x, active = space.coords.encode({"a": 4.9, "b": 9.0})
    M = mutate(space, np.tile(x, (50, 1)), np.tile(active, (50, 1)), np.random.default_rng(0),
               scale=0.01)
    assert_in_space(space, M)
    assert (np.abs(M - np.array([4.9, 9.0])).max(axis=1) < 0.5).all()


def test_crossover_of_parents_in_different_branches_is_valid_and_inherits() -> None:
    space = space_of("branches")
    a, _ = space.coords.encode({"model": "svm", "C": 10.0, "kernel": "rbf", "gamma": 0.01})
    b, _ = space.coords.encode({"model": "forest", "trees": 100, "depth": 4})
    C = crossover(space, np.tile(a, (100, 1)), np.tile(b, (100, 1)), np.random.default_rng(0))
    assert_in_space(space, C)
    cfgs = space.coords.decode(C)[0]
    expected = [{"model": "svm", "C": 10.0, "kernel": "rbf", "gamma": 0.01},
                {"model": "forest", "trees": 100, "depth": 4}]
    # the branch's own parameters come with it: each child is one of the parents here
    assert all(c in expected for c in cfgs) and len({c["model"] for c in cfgs}) == 2


def test_same_seed_same_rows() -> None:
    space = space_of("branches")
    X, active = parents(space, 4, 10)
    a = mutate(space, X, active, np.random.default_rng(9))
    b = mutate(space, X, active, np.random.default_rng(9))
    assert np.array_equal(a, b, equal_nan=True)
    c = crossover(space, X[:5], X[5:], np.random.default_rng(9))
    d = crossover(space, X[:5], X[5:], np.random.default_rng(9))
    assert np.array_equal(c, d, equal_nan=True)


def test_a_single_row_keeps_its_shape() -> None:
    space = space_of("branches")
    X, active = parents(space, 0, 2)
    assert mutate(space, X[0], active[0], np.random.default_rng(0)).shape == X[0].shape
    assert crossover(space, X[0], X[1], np.random.default_rng(0)).shape == X[0].shape
