"""Rows an algorithm builds itself (hpdsl/compile/_coords.py `run`): a parameter that is
active in a row needs a finite coordinate, or the row is infeasible, so that a NaN
never becomes a configuration handed to the objective."""

from __future__ import annotations

import numpy as np
import pytest

import hpdsl
from hpdsl.errors import SamplingError
from hpdsl.search import History

SPACE = hpdsl.loads("""
model ~ choice(svm, forest)
if model == svm {
    C ~ loguniform(1e-3, 1e3)
    kernel ~ choice(linear, rbf)
} else {
    depth ~ randint(2, 12)
    leaf ~ uniform(1, depth)
    noise ~ normal(0, 1)
}
n ~ randint(1, 3)
for i in 1..n {
    width[i] ~ quniform(8, 256, 8)
}
""")

# configurations where each parameter below is active: through the choice (svm/forest
# branch), with bounds read from another parameter (leaf), through the loop length (width[3])
SVM = {"model": "svm", "C": 1.0, "kernel": "rbf", "n": 3, "width": [8, 16, 24]}
FOREST = {"model": "forest", "depth": 5, "leaf": 2.0, "noise": 0.5, "n": 1, "width": [64]}
ACTIVE = [("C", SVM), ("kernel", SVM), ("depth", FOREST), ("leaf", FOREST),
          ("noise", FOREST), ("width[3]", SVM), ("width[1]", FOREST), ("n", SVM)]


def dim_of(name: str) -> int:
    return next(d for d, dim in enumerate(SPACE.coords.dimensions) if dim.name == name)


def row_without(name: str, config: dict[str, object], value: float) -> np.ndarray:
    x, active = SPACE.coords.encode(config)
    assert active[dim_of(name)]
    x[dim_of(name)] = value
    return x[None, :]


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
@pytest.mark.parametrize(("name", "config"), ACTIVE)
def test_a_row_without_a_finite_value_for_an_active_parameter_is_infeasible(
        name: str, config: dict[str, object], value: float) -> None:
    X = row_without(name, config, value)
    assert not SPACE.coords.run(X).feasible[0]
    assert not SPACE.coords.decode(X)[1][0]


@pytest.mark.parametrize(("name", "config"), [("C", FOREST), ("depth", SVM), ("width[3]", FOREST)])
def test_nan_is_how_an_inactive_parameter_is_written(name: str, config: dict[str, object]
                                                     ) -> None:
    x, active = SPACE.coords.encode(config)
    assert not active[dim_of(name)]
    x[dim_of(name)] = np.nan
    batch = SPACE.coords.run(x[None, :])
    assert batch.feasible[0]
    assert SPACE.coords.configs(batch, np.arange(1))[0] == SPACE.complete(config)


def test_a_larger_loop_length_makes_the_rows_unset_items_infeasible() -> None:
    # the row of n == 1 (width[2], width[3] NaN) with n raised to 3, the items left unset
    x, _ = SPACE.coords.encode(FOREST)
    x[dim_of("n")] = 3
    assert not SPACE.coords.run(x[None, :]).feasible[0]
    x[[dim_of("width[2]"), dim_of("width[3]")]] = [32, 40]
    assert SPACE.coords.run(x[None, :]).feasible[0]


def test_the_objective_never_sees_a_nan_an_algorithm_left_in_an_active_parameter() -> None:
    def leaves_width_unset(space: hpdsl.Space, history: History, rng: np.random.Generator,
                           n: int = 1) -> np.ndarray:
        return np.repeat(row_without("width[3]", SVM, np.nan), n, axis=0)

    study = hpdsl.Study(SPACE, algo=leaves_width_unset, seed=0)
    with pytest.raises(SamplingError, match=r"finite coordinate for the active `width\[3\]`"):
        study.ask()
    assert len(study.trials) == 0


# every way a value is turned into Python: ints (beyond 2**63 too), derived ints and
# floats, options of several types (a long text is held as an object), and a name
# declared in two branches with different types
VALUES = hpdsl.loads("""
k ~ randint(1, 9)
n = k * 2
h = k / 2
z ~ qnormal(0, 1e30, 1)
f ~ uniform(0, 1)
c ~ choice(true, 3, "a", "an option long enough to be held as an object rather than a short text")
if c == 3 {
    w ~ randint(0, 5)
} else {
    w ~ uniform(0, 1)
}
""")
SPACES = [SPACE, VALUES] + [hpdsl.load(p) for p in sorted(
    __import__("pathlib").Path(__file__).parent.parent.joinpath("examples").glob("*.hps"))]


@pytest.mark.parametrize("space", SPACES, ids=lambda s: str(len(s.coords.dimensions)))
def test_running_the_rows_a_run_returned_gives_the_same_rows_and_configurations(
        space: hpdsl.Space) -> None:
    # the rows a run returns are canonical, which is what lets `run` answer the chosen row
    # of the last batch (the Study's check of an algorithm's row) from that batch
    rng = np.random.default_rng(3)
    D = len(space.coords.dimensions)
    X = rng.normal(0.3, 2.0, (60, D))  # anywhere, out of bounds and off the grid too
    first = space.coords.run(X)
    again = space.coords.run(first.X)
    np.testing.assert_array_equal(again.X, first.X)
    np.testing.assert_array_equal(again.feasible, first.feasible)
    rows = np.arange(len(X))
    assert space.coords.configs(again, rows) == space.coords.configs(first, rows)
    for r in range(0, len(X), 7):
        space.coords.run(first.X)  # the last batch holds row r: answered from it
        looked_up = space.coords.run(first.X[r])
        space.coords.run(X[:2] + 1.0)  # another last batch: row r is run afresh
        fresh = space.coords.run(first.X[r])
        for batch in (looked_up, fresh):
            np.testing.assert_array_equal(batch.X[0], first.X[r])
            assert batch.feasible[0] == first.feasible[r]
            assert space.coords.configs(batch, np.arange(1)) == space.coords.configs(
                first, np.array([r]))


@pytest.mark.parametrize("space", SPACES, ids=lambda s: str(len(s.coords.dimensions)))
def test_one_row_gets_the_configuration_the_whole_batch_gives_it(space: hpdsl.Space) -> None:
    # a search loop asks for one row at a time, which takes a shorter path: the same
    # dicts, keys in the same order, values of the same types (repr tells 3 from 3.0)
    batch, _ = space.coords.sample(np.random.default_rng(5), 40)
    together = space.coords.configs(batch, np.arange(40))
    alone = [space.coords.configs(batch, np.array([r]))[0] for r in range(40)]
    assert repr(alone) == repr(together)
