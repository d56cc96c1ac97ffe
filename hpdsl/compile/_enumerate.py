"""Enumerate a space (or part of it) row by row: exact sizes, grids, reachability.

Steps run in dependency order; each sampled step multiplies the rows where it
is active by its domain (inactive rows are kept once, so no configuration is
counted twice). Domains come from a callback: every value of a finite
distribution for counting and grids, or a few telling points of a continuous
one (bounds, the constants it is compared with, midpoints) for the lint checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection

import numpy as np

from ..analysis.unparse import dist_text
from ..errors import HpsError
from ._dims import Dimension
from ._evaluate import Column, Env, full, holds
from ._program import Batch, Program, Step, realize

COUNT_LIMIT = 5_000_000  # rows an exact count or a grid may expand to
# The most values a domain may list: the largest enumeration a caller asks for (counting
# and grids: COUNT_LIMIT). Larger domains are counted arithmetically, never listed.
MAX_DOMAIN_ROWS = COUNT_LIMIT


class TooLarge(HpsError):
    """Enumeration would need more rows than allowed."""


# domain(step, dim, args on the active rows, number of active rows)
#   -> (the coordinates of every active row, concatenated; how many each row has)
Domain = Callable[[Step, Dimension, dict[str, np.ndarray], int], tuple[np.ndarray, np.ndarray]]


def expand(program: Program, domain: Domain, limit: int,
           only: Collection[int] | None = None) -> Batch:
    """All rows reachable through the steps in `only` (all steps if None).

    Steps outside `only` are skipped entirely (their names stay undefined), so
    `only` must be closed under what its steps read.
    """
    env = Env(1)
    D = len(program.dims)
    X = np.full((1, D), np.nan)
    A = np.zeros((1, D), dtype=bool)
    bad = np.zeros(1, dtype=bool)
    index: dict[int, np.ndarray] = {}
    step_active: dict[int, np.ndarray] = {}
    positions = range(len(program.steps)) if only is None else sorted(only)
    for pos in positions:
        step = program.steps[pos]
        active = holds(step.cond, env)
        if step.value is not None:
            values, known = program.derive(step, env)
            active = active & known
            step_active[pos] = active
            program._store(env, step.name, values, active)
            continue
        args = {}
        for a, ev in step.args.items():
            v, k = ev(env)
            args[a] = full(v, env.n, np.float64)
            active = active & full(k, env.n)
        assert step.dim is not None
        dim = program.dims[step.dim]
        act_rows = np.flatnonzero(active)
        coords_flat, counts_active = domain(step, dim, {a: v[act_rows] for a, v in args.items()},
                                            len(act_rows))
        counts = np.ones(env.n, dtype=np.int64)
        counts[act_rows] = counts_active
        total = int(counts.sum())
        if total > min(limit, program.max_rows):  # checked before the rows are made
            raise TooLarge(f"more than {min(limit, program.max_rows)} rows")
        rep = np.repeat(np.arange(env.n), counts)
        env = _repeat_env(env, rep)
        X, A, bad = X[rep], A[rep], bad[rep]
        index = {p: i[rep] for p, i in index.items()}
        step_active = {p: s[rep] for p, s in step_active.items()}
        new_active = active[rep]
        x = np.full(total, np.nan)
        x[new_active] = coords_flat
        new_args = {a: v[rep] for a, v in args.items()}
        values, invalid, idx = realize(step, dim, np.nan_to_num(x), new_args)
        bad |= new_active & invalid
        X[:, step.dim] = np.where(new_active, x, np.nan)
        A[:, step.dim] = new_active
        if idx is not None:
            index[pos] = idx
        step_active[pos] = new_active
        program._store(env, step.name, values, new_active)
    n = env.n
    none = np.zeros(n, dtype=bool)
    feasible = ~bad
    for c in program.constraints:
        if c.reads <= env.columns.keys():
            feasible &= ~c.excluded(env)
    return Batch(env, X, A, feasible, ~bad, index,
                 [step_active.get(p, none) for p in range(len(program.steps))])


def _repeat_env(env: Env, rep: np.ndarray) -> Env:
    out = Env(len(rep))
    for name, col in env.columns.items():
        out.columns[name] = Column(col.values[rep], col.active[rep])
    return out


def full_domain(step: Step, dim: Dimension, args: dict[str, np.ndarray], m: int
                ) -> tuple[np.ndarray, np.ndarray]:
    """Every value of a finite distribution; raises TooLarge for continuous ones, and
    before allocating anything when the values of `m` rows would exceed MAX_DOMAIN_ROWS."""
    if dim.kind == "categorical":
        _room(len(dim.options) * m)
        return _tile(np.arange(len(dim.options), dtype=np.float64), m)
    if dim.kind == "int":
        _room((dim.size or 0) * m)
        return _tile(np.arange(int(dim.low), int(dim.high) + 1).astype(np.float64), m)
    dist = step.decl.dist
    assert dist is not None
    if dist.kind == "randint":  # dependent bounds: fractions that hit each integer
        lo_i = np.ceil(args["low"] - 1e-9)
        hi_i = np.floor(args["high"] + 1e-9)
        counts = np.where(hi_i >= lo_i, hi_i - lo_i + 1, 1).astype(np.int64)
        _room(float(np.sum(counts, dtype=np.float64)))
        parts = [(np.arange(c) + 0.5) / c for c in counts.tolist()]
        return (np.concatenate(parts) if parts else np.empty(0)), counts
    if dist.kind in ("quniform", "qloguniform") and not dim.dependent:
        q = dist.const("q")
        lo, hi = dist.const("low"), dist.const("high")
        first, last = math.ceil(lo / q - 1e-9), math.floor(hi / q + 1e-9)
        _room((last - first + 1) * m)
        vals = np.arange(first, last + 1) * q
        coords = np.log(vals) if dim.log else vals
        return _tile(coords, m)
    if dist.kind in ("quniform", "qloguniform"):
        qs, los, his = args["q"], args["low"], args["high"]
        kmin = np.ceil(los / qs - 1e-9)
        kmax = np.floor(his / qs + 1e-9)
        counts = np.where(kmax >= kmin, kmax - kmin + 1, 1)
        _room(float(np.sum(counts, dtype=np.float64)))
        counts = counts.astype(np.int64)
        parts = []
        for a, b, qq, c in zip(los.tolist(), his.tolist(), qs.tolist(), counts.tolist(),
                               strict=True):
            vals = (math.ceil(a / qq - 1e-9) + np.arange(c)) * qq
            if dim.log:
                parts.append((np.log(vals) - math.log(a)) / (math.log(b) - math.log(a)))
            else:
                parts.append((vals - a) / (b - a) if b > a else np.zeros(c))
        return (np.concatenate(parts) if parts else np.empty(0)), counts
    raise TooLarge(f"`{step.name}` is continuous")


def _room(rows: float) -> None:
    """Refuse, before allocating, a domain of more than MAX_DOMAIN_ROWS values."""
    if rows > MAX_DOMAIN_ROWS:
        raise TooLarge(f"more than {MAX_DOMAIN_ROWS} values")


def _tile(values: np.ndarray, rows: int) -> tuple[np.ndarray, np.ndarray]:
    return np.tile(values, rows), np.full(rows, len(values), dtype=np.int64)


def is_finite_dim(step: Step, dim: Dimension) -> bool:
    dist = step.decl.dist
    assert dist is not None
    return dim.kind in ("categorical", "int") or dist.kind in (
        "randint", "quniform", "qloguniform")


def grid_batch(program: Program, resolution: int | None, limit: int = COUNT_LIMIT) -> Batch:
    """Every configuration of a finite space (continuous parameters at `resolution`
    evenly spaced coordinates), as one Batch whose feasible rows are the grid."""
    if resolution is None:
        for step in program.steps:
            if step.dim is not None and not is_finite_dim(step, program.dims[step.dim]):
                assert step.decl.dist is not None
                raise HpsError(
                    f"`{step.name}` is continuous ({dist_text(step.decl.dist)}); a grid "
                    "needs finite parameters or a resolution for the continuous ones")
    elif resolution < 1:
        raise HpsError("resolution must be at least 1")

    def domain(step: Step, dim: Dimension, args: dict[str, np.ndarray], m: int
               ) -> tuple[np.ndarray, np.ndarray]:
        if resolution is None or is_finite_dim(step, dim):
            return full_domain(step, dim, args, m)
        points = _evenly_spaced(dim, resolution)
        return np.tile(points, m), np.full(m, len(points), dtype=np.int64)

    try:
        return expand(program, domain, limit)
    except TooLarge as err:
        raise HpsError(f"the grid has more than {limit} configurations") from err


def _evenly_spaced(dim: Dimension, resolution: int) -> np.ndarray:
    if dim.prior == "normal":
        lo, hi = dim.mu - 2 * dim.sigma, dim.mu + 2 * dim.sigma
    else:
        lo, hi = dim.low, dim.high
    if resolution == 1:
        return np.array([(lo + hi) / 2])
    return np.linspace(lo, hi, resolution)
