"""hpdsl.search.pareto against fronts computed by hand, and against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from hpdsl.search import pareto


def brute_hypervolume(points: np.ndarray, ref: np.ndarray) -> float:
    """Exact by coordinate compression: sum the grid cells some point dominates."""
    axes = [np.unique(np.append(points[:, j], ref[j])) for j in range(points.shape[1])]
    total = 0.0
    for cell in itertools.product(*[range(len(a) - 1) for a in axes]):
        lo = np.array([a[i] for a, i in zip(axes, cell, strict=True)])
        hi = np.array([a[i + 1] for a, i in zip(axes, cell, strict=True)])
        if (hi <= ref).all() and (points <= lo).all(axis=1).any():
            total += float(np.prod(hi - lo))
    return total


def brute_ranks(points: np.ndarray) -> np.ndarray:
    def dominates(a: np.ndarray, b: np.ndarray) -> bool:
        return bool((a <= b).all() and (a < b).any())
    left, ranks, r = list(range(len(points))), np.zeros(len(points), dtype=int), 0
    while left:
        front = [i for i in left if not any(dominates(points[j], points[i]) for j in left)]
        ranks[front] = r
        left = [i for i in left if i not in front]
        r += 1
    return ranks


def test_ranks_of_a_hand_made_2d_set() -> None:
    values = [[1, 5], [2, 3], [4, 1], [2, 5], [3, 4], [5, 5], [2, 3]]
    # front 0: (1,5) (2,3) (4,1) and the repeated (2,3); front 1: (2,5) (3,4); then (5,5)
    assert pareto.non_dominated_ranks(values).tolist() == [0, 0, 0, 1, 1, 2, 0]


def test_ranks_of_a_hand_made_3d_set() -> None:
    values = [[1, 1, 1], [0, 2, 2], [2, 2, 2], [1, 1, 3], [3, 3, 3]]
    assert pareto.non_dominated_ranks(values).tolist() == [0, 0, 1, 1, 2]


def test_one_objective_ranks_are_the_order_of_the_distinct_values() -> None:
    assert pareto.non_dominated_ranks([[3.0], [1.0], [3.0], [2.0]]).tolist() == [2, 0, 2, 1]


@pytest.mark.parametrize("k", [2, 3, 4])
def test_ranks_agree_with_brute_force(k: int) -> None:
    rng = np.random.default_rng(k)
    for _ in range(20):
        points = rng.integers(0, 4, size=(int(rng.integers(1, 15)), k)).astype(float)
        ranks = brute_ranks(points)
        assert pareto.non_dominated_ranks(points).tolist() == ranks.tolist()
        assert pareto.non_dominated(points).tolist() == (ranks == 0).tolist()


def test_constrained_ranks_put_every_feasible_point_first() -> None:
    values = [[1, 1], [5, 5], [0, 0], [0, 0], [2, 0]]
    violation = [0.0, 0.0, 2.0, 0.5, 0.0]
    # feasible: (1,1) and (2,0) non-dominated, (5,5) next; then violations 0.5, 2.0
    assert pareto.non_dominated_ranks(values, violation).tolist() == [0, 1, 3, 2, 0]


def test_hypervolume_of_a_hand_made_2d_front() -> None:
    # boxes to (4,4): (1,3) -> 3x1, (2,2) adds 2x1 more, (3,1) adds 1x1 more; (3,3) nothing
    values = [[1, 3], [2, 2], [3, 1], [3, 3]]
    assert pareto.hypervolume(values, [4, 4]) == pytest.approx(6.0)
    # points beyond the reference in any objective add nothing
    assert pareto.hypervolume(values + [[0, 5]], [4, 4]) == pytest.approx(6.0)
    assert pareto.hypervolume(np.zeros((0, 2)), [4, 4]) == 0.0


def test_hypervolume_of_a_hand_made_3d_front() -> None:
    # boxes of 1x2x2 each; any two overlap in 1x1x2, all three in 1x1x1:
    # 8 - 2 = 6 for two, 12 - 3 * 2 + 1 = 7 for three
    assert pareto.hypervolume([[1, 0, 0], [0, 1, 0]], [2, 2, 2]) == pytest.approx(6.0)
    assert pareto.hypervolume([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [2, 2, 2]) == pytest.approx(7.0)


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_hypervolume_and_contributions_agree_with_brute_force(k: int) -> None:
    rng = np.random.default_rng(10 + k)
    ref = np.full(k, 4.0)
    for _ in range(12):
        points = rng.integers(0, 5, size=(int(rng.integers(1, 8)), k)).astype(float)
        whole = brute_hypervolume(points, ref)
        assert pareto.hypervolume(points, ref) == pytest.approx(whole)
        contributions = pareto.hypervolume_contributions(points, ref)
        for i in range(len(points)):
            rest = np.delete(points, i, axis=0)
            without = brute_hypervolume(rest, ref) if len(rest) else 0.0
            assert contributions[i] == pytest.approx(whole - without)


def test_crowding_distance_by_hand() -> None:
    values = [[0, 4], [1, 2], [3, 1], [4, 0]]
    d = pareto.crowding_distance(values)
    # inner points: (3 - 0)/4 + (4 - 1)/4 and (4 - 1)/4 + (2 - 0)/4
    assert d[0] == d[3] == np.inf
    assert d[1] == pytest.approx(1.5)
    assert d[2] == pytest.approx(1.25)


def test_greedy_order_takes_the_largest_gain_first() -> None:
    # to (4,4) each of the first three covers 4 alone: the tie goes to index 0, (3,0);
    # next (0,3) adds 3 and (2,2) only 2; then (2,2) adds 1 and (3,3) nothing
    values = [[3, 0], [2, 2], [0, 3], [3, 3]]
    assert pareto.greedy_hypervolume_order(values, [4, 4]).tolist() == [0, 2, 1, 3]
    assert pareto.greedy_hypervolume_order(values, [4, 4], count=2).tolist() == [0, 2]
    # a point that is far better than the others is picked first
    assert pareto.greedy_hypervolume_order([[3, 3], [1, 1], [2, 0]], [4, 4])[0] == 1


@pytest.mark.parametrize("bad", [np.array([1.0, 2.0]), np.array([[1.0, np.nan]])])
def test_bad_values_are_a_value_error(bad: np.ndarray) -> None:
    with pytest.raises(ValueError, match="values"):
        pareto.non_dominated_ranks(bad)
    with pytest.raises(ValueError, match="reference"):
        pareto.hypervolume([[1.0, 2.0]], [3.0])
