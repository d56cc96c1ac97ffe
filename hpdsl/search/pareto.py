"""Pareto fronts of minimized objective vectors: ranks, crowding and hypervolume.

    >>> import numpy as np
    >>> from hpdsl.search import pareto
    >>> values = np.array([[1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [3.0, 3.0]])
    >>> pareto.non_dominated_ranks(values)
    array([0, 0, 0, 1])
    >>> pareto.hypervolume(values, reference=[4.0, 4.0])
    6.0

Every function takes an (n, k) array of values to minimize (negate maximized
objectives first), finite. The multi-objective algorithms (MOTPE's good/bad split,
NSGA-II's selection) and the benchmarks use these; they are public so that a user
can score a front with the same code.

Hypervolume is exact: a sweep for 2 and 3 objectives (O(n log n) and O(n^2)), slicing
along the last objective down to the 3-objective sweep for more (exponential in k,
fine for the fronts of a tuning run).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right

import numpy as np
from numpy.typing import ArrayLike

_BLOCK = 512  # rows compared at once in the O(n^2) comparisons
_GREEDY_BATCH = 16  # gains brought up to date at once by greedy_hypervolume_order


def _values(values: ArrayLike) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2:
        raise ValueError(f"values must be an (n, k) array, got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError("values must be finite (leave out failed or pending trials)")
    return v


def non_dominated(values: ArrayLike) -> np.ndarray:
    """(n,) bool: the points no other point dominates (no worse in every objective and
    better in one); equal points are all kept."""
    v = _values(values)
    if v.shape[1] == 1:
        result: np.ndarray = v[:, 0] == v[:, 0].min(initial=np.inf)
        return result
    if v.shape[1] == 2:
        return _front_2d(v)
    keep = np.ones(v.shape[0], dtype=bool)
    for s in range(0, v.shape[0], _BLOCK):  # bounded temporaries: (block, n, k)
        a = v[s:s + _BLOCK, None, :]
        beaten = np.all(v[None] <= a, axis=2) & np.any(v[None] < a, axis=2)
        keep[s:s + _BLOCK] = ~np.any(beaten, axis=1)
    return keep


def _front_2d(v: np.ndarray) -> np.ndarray:
    """Sorted by (f1, f2), a point is dominated exactly when a point before its group of
    equal points has an f2 no larger than its own."""
    order = np.lexsort((v[:, 1], v[:, 0]))
    f1, f2 = v[order, 0], v[order, 1]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (f1[1:] != f1[:-1]) | (f2[1:] != f2[:-1])
    starts = np.flatnonzero(new)
    before = np.full(len(order), np.inf)  # the smallest f2 before each point's group
    before[starts[1:]] = np.minimum.accumulate(f2[starts[:-1]])
    before = np.maximum.accumulate(np.where(new, -before, -np.inf))  # spread over groups
    keep = np.empty(len(order), dtype=bool)
    keep[order] = f2 < -before
    return keep


def non_dominated_ranks(values: ArrayLike, violation: ArrayLike | None = None) -> np.ndarray:
    """(n,) int: 0 for the non-dominated points, 1 for those dominated only by rank-0
    points, and so on (Deb's non-dominated sorting). Equal points share a rank.

    With `violation` ((n,), 0 where feasible), constrained domination: every feasible
    point ranks before every infeasible one, and infeasible points rank by violation
    alone (equal violations share a rank).
    """
    v = _values(values)
    if violation is None:
        return _ranks(v)
    viol = np.asarray(violation, dtype=np.float64)
    if viol.shape != (v.shape[0],) or np.isnan(viol).any():
        raise ValueError("violation must be an (n,) array without NaN")
    feasible = viol <= 0.0
    ranks = np.empty(v.shape[0], dtype=np.int64)
    ranks[feasible] = _ranks(v[feasible])
    top = int(ranks[feasible].max()) + 1 if feasible.any() else 0
    ranks[~feasible] = top + np.unique(viol[~feasible], return_inverse=True)[1]
    return ranks


def _ranks(v: np.ndarray) -> np.ndarray:
    if v.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    # equal points share a rank: sort the distinct ones
    unique, inverse = np.unique(v, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    if unique.shape[1] == 1:
        ranks = np.arange(unique.shape[0])
    elif unique.shape[1] == 2:
        ranks = _ranks_2d(unique)
    else:
        ranks = _ranks_by_counts(unique)
    result: np.ndarray = ranks[inverse].astype(np.int64)
    return result


def _ranks_2d(u: np.ndarray) -> np.ndarray:
    """Distinct points sorted by (f1, f2) (np.unique's order): a point is dominated by an
    earlier one exactly when that one's f2 is not larger, so it joins the first front
    whose smallest f2 is larger than its own (fronts' smallest f2 never decrease)."""
    ranks = np.empty(u.shape[0], dtype=np.int64)
    lowest: list[float] = []
    for i, f2 in enumerate(u[:, 1].tolist()):
        r = bisect_right(lowest, f2)
        if r == len(lowest):
            lowest.append(f2)
        else:
            lowest[r] = f2
        ranks[i] = r
    return ranks


def _ranks_by_counts(u: np.ndarray) -> np.ndarray:
    """Distinct points in any number of objectives: count each point's dominators, peel
    off the points with none, subtract what they dominated, repeat."""
    n = u.shape[0]
    dominates = np.empty((n, n), dtype=bool)
    for s in range(0, n, _BLOCK):  # bounded temporaries: (block, n, k)
        a = u[s:s + _BLOCK, None, :]
        dominates[s:s + _BLOCK] = (a <= u[None]).all(axis=2) & (a < u[None]).any(axis=2)
    count = dominates.sum(axis=0)
    ranks = np.full(n, -1, dtype=np.int64)
    front = np.flatnonzero(count == 0)
    r = 0
    while front.size:
        ranks[front] = r
        count[front] = -1
        count -= dominates[front].sum(axis=0)
        front = np.flatnonzero(count == 0)
        r += 1
    return ranks


def crowding_distance(values: ArrayLike) -> np.ndarray:
    """(n,) crowding distance of points of one front (NSGA-II): the sum over objectives
    of the gap between each point's neighbours, divided by the objective's range; the
    extreme points of each objective get infinity."""
    v = _values(values)
    n, k = v.shape
    dist = np.zeros(n)
    if n <= 2:
        dist[:] = np.inf
        return dist
    for j in range(k):
        order = np.argsort(v[:, j], kind="stable")
        col = v[order, j]
        span = col[-1] - col[0]
        dist[order[[0, -1]]] = np.inf
        if span > 0:
            dist[order[1:-1]] += (col[2:] - col[:-2]) / span
    return dist


def _reference(reference: ArrayLike, k: int) -> np.ndarray:
    ref = np.asarray(reference, dtype=np.float64)
    if ref.shape != (k,) or not np.isfinite(ref).all():
        raise ValueError(f"reference must be {k} finite numbers, got {reference!r}")
    return ref


def hypervolume(points: ArrayLike, reference: ArrayLike) -> float:
    """The volume dominated by `points` and bounded by `reference` (minimization):
    the measure of the union of the boxes [p, reference]. Points that do not dominate
    the reference strictly add nothing."""
    p = _values(points)
    ref = _reference(reference, p.shape[1])
    p = p[(p < ref).all(axis=1)]
    if p.shape[0] == 0:
        return 0.0
    return _hv(p, ref)


def _hv(p: np.ndarray, ref: np.ndarray) -> float:
    """Hypervolume of points that all dominate `ref` strictly."""
    k = p.shape[1]
    if k == 1:
        return float(ref[0] - p[:, 0].min())
    if k == 2:
        return float(_hv_2d(p[None], ref)[0])
    if k == 3:
        return _hv_3d(p, ref)
    # slice along the last objective: between consecutive values of it, the dominated
    # region is the (k-1)-volume of the points at or below the slice
    p = p[np.argsort(p[:, -1], kind="stable")]
    bounds = np.append(p[1:, -1], ref[-1])
    total = 0.0
    for i in range(p.shape[0]):
        height = bounds[i] - p[i, -1]
        if height > 0:
            total += height * _hv(p[:i + 1, :-1], ref[:-1])
    return total


def _hv_2d(p: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """(b,) areas of b sets of 2-D points (b, s, 2) that dominate `ref` strictly, any of
    them dominated or repeated: sorted by f1, each point covers up to the next point's f1,
    down from the lowest f2 seen so far."""
    order = np.argsort(p[:, :, 0], axis=1, kind="stable")
    f1 = np.take_along_axis(p[:, :, 0], order, axis=1)
    f2 = np.minimum.accumulate(np.take_along_axis(p[:, :, 1], order, axis=1), axis=1)
    width = np.diff(f1, axis=1, append=ref[0])
    result: np.ndarray = (width * (ref[1] - f2)).sum(axis=1)
    return result


def _hv_3d_many(p: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """(b,) volumes of b small sets of 3-D points (b, s, 3) at or below `ref`: sorted by
    f3, the area of each prefix (the others moved to the reference) times the height up
    to the next point."""
    b, s, _ = p.shape
    p = np.take_along_axis(p, np.argsort(p[:, :, 2], axis=1)[:, :, None], axis=1)
    prefix = np.tri(s, dtype=bool)  # prefix[j, i]: point i is in the j-th prefix
    flat = np.where(prefix[None, :, :, None], p[:, None, :, :2], ref[:2])
    areas = _hv_2d(flat.reshape(b * s, s, 2), ref[:2]).reshape(b, s)
    heights = np.diff(p[:, :, 2], axis=1, append=np.full((b, 1), ref[2]))
    result: np.ndarray = (areas * heights).sum(axis=1)
    return result


def _hv_3d(p: np.ndarray, ref: np.ndarray) -> float:
    """Sweep up the third objective, keeping the 2-D front of the points seen (sorted by
    f1, f2 decreasing) and its area, updated as each point comes in."""
    p = p[np.lexsort((p[:, 1], p[:, 0], p[:, 2]))]
    xs: list[float] = []  # the front's f1, increasing
    ys: list[float] = []  # its f2, decreasing
    area = 0.0
    total = 0.0
    rx, ry = float(ref[0]), float(ref[1])
    z = p[:, 2].tolist()
    for i, (x, y) in enumerate(p[:, :2].tolist()):
        pos = bisect_left(xs, x)
        # dominated in 2-D by the point before it (smaller f1, f2 <= y) or at its f1
        dominated = (pos > 0 and ys[pos - 1] <= y) or (pos < len(xs) and xs[pos] == x
                                                         and ys[pos] <= y)
        if not dominated:
            # the points it dominates are the ones from pos on with f2 >= y
            end = pos
            while end < len(xs) and ys[end] >= y:
                end += 1
            # area gained over [x, right): its box, less the steps down of the tops of
            # the columns the dominated points covered
            right = xs[end] if end < len(xs) else rx
            top = ys[pos - 1] if pos > 0 else ry
            gained = (right - x) * (top - y)
            for j in range(pos, end):
                gained -= (right - xs[j]) * (top - ys[j])
                top = ys[j]
            area += gained
            xs[pos:end] = [x]
            ys[pos:end] = [y]
        nz = z[i + 1] if i + 1 < len(z) else float(ref[2])
        total += area * (nz - z[i])
    return total


def hypervolume_contributions(points: ArrayLike, reference: ArrayLike) -> np.ndarray:
    """(n,) the hypervolume each point alone adds to the others': its box [p, reference]
    less the part the other points cover. Dominated and repeated points add 0."""
    p = _values(points)
    ref = _reference(reference, p.shape[1])
    n = p.shape[0]
    out = np.zeros(n)
    for i in range(n):
        others = np.delete(p, i, axis=0)
        out[i] = _exclusive(p[i], others, ref)
    return out


def _exclusive(x: np.ndarray, others: np.ndarray, ref: np.ndarray) -> float:
    """Volume of the box [x, ref] not covered by `others`: the box less the hypervolume of
    the others clipped into it (each other point moved up to x where x is worse)."""
    if not (x < ref).all():
        return 0.0
    box = float(np.prod(ref - x))
    if others.shape[0] == 0:
        return box
    limited = np.maximum(others, x)
    limited = limited[(limited < ref).all(axis=1)]
    return box - (_hv(limited, ref) if limited.shape[0] else 0.0)


def greedy_hypervolume_order(points: ArrayLike, reference: ArrayLike,
                             count: int | None = None) -> np.ndarray:
    """Indices of `count` points (all by default) picked one at a time, each the point
    that adds the most hypervolume to those picked before it (the greedy solution of the
    hypervolume subset selection problem; ties go to the lower index). Points that add
    nothing come last, in index order."""
    p = _values(points)
    ref = _reference(reference, p.shape[1])
    n = p.shape[0]
    count = n if count is None else min(max(count, 0), n)
    # lazy greedy: a point's gain can only shrink as points are picked, so a gain computed
    # earlier bounds it; the points with the largest bounds are brought up to date (a
    # batch at once) until the largest is up to date
    bound = _gains(p, p[:0], ref)
    fresh = np.zeros(n, dtype=np.int64)  # how many points were picked when bound was made
    left = np.flatnonzero(bound > 0)
    picked: list[int] = []
    while left.size and len(picked) < count:
        order = left[np.lexsort((left, -bound[left]))]
        stale = order[fresh[order] != len(picked)]
        if fresh[order[0]] == len(picked):
            picked.append(int(order[0]))
            left = left[left != order[0]]
            continue
        batch = stale[:_GREEDY_BATCH]
        bound[batch] = _gains(p[batch], p[picked], ref)
        fresh[batch] = len(picked)
        left = left[bound[left] > 0]
    rest = np.setdiff1d(np.arange(n), picked)[:count - len(picked)]
    return np.array(picked + rest.tolist(), dtype=np.int64)


def _gains(cand: np.ndarray, picked: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """(c,) hypervolume each candidate adds to the picked points."""
    box = np.prod(np.clip(ref - cand, 0.0, None), axis=1)
    if picked.shape[0] == 0:
        result: np.ndarray = box
        return result
    if cand.shape[1] <= 3:
        limited = np.minimum(np.maximum(picked[None], cand[:, None]), ref)  # (c, s, k)
        result = box - (_hv_2d(limited, ref) if cand.shape[1] == 2 else _hv_3d_many(limited, ref))
    else:
        result = np.array([_exclusive(c, picked, ref) for c in cand])
    return result
