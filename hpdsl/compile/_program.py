"""The compiled space: steps in dependency order, run over many rows at once.

`Program.run` is the one loop everything else uses: sampling draws coordinates
from the prior, decoding takes them from a matrix, enumeration from a finite
grid, defaults from the declared `default` values. Each step evaluates its
conditions, realizes its value from the coordinate and the bounds in force, and
the constraints mark rows as excluded at the end.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from ..analysis import ir
from ..analysis.evaluate import EXACT_INT
from ..analysis.ir import option_key
from ..errors import ConfigurationError
from ._dims import Dimension, decimals_of, dimension_for
from ._evaluate import (
    SHORT_TEXT,
    Column,
    Conjunctions,
    Env,
    Evaluator,
    compile_expr,
    full,
    holds,
)

# The most values (rows x coordinates) one run may hold. A run keeps about a dozen bytes
# a value in arrays, and configurations built from them about a hundred: 10 million
# values are some 100 MB of arrays, or 1 GB of dicts.
MAX_VALUES = 10_000_000


@dataclass
class Step:
    decl: ir.Decl
    cond: Evaluator | None
    args: dict[str, Evaluator]
    value: Evaluator | None
    dim: int | None
    options: np.ndarray | None  # option values in column dtype (choices only)
    decimals: int | None  # rounding of quantized values, when q is a decimal constant
    exact_int: bool = False  # a derived integer: inactive beyond 2**53, where floats round
    # the arguments' values when they read no name and are known (`Program.run` then
    # skips evaluating them for every batch); None otherwise
    const_args: dict[str, np.ndarray] | None = None
    # a static uniform (not log): clamping the coordinate to the dimension's domain
    # already keeps the value inside its constant bounds (`_realize` clamps once)
    clamped: bool = False

    @property
    def name(self) -> str:
        return self.decl.name


@dataclass
class CompiledConstraint:
    decl: ir.ConstraintDecl
    scope: Evaluator | None
    expr: Evaluator
    reads: set[str]  # names in the expression and the scope

    def excluded(self, env: Env) -> np.ndarray:
        applies = holds(self.scope, env)
        v, k = self.expr(env)
        v = full(v, env.n, bool)
        k = full(k, env.n)
        if self.decl.kind == "forbid":
            return applies & v & k
        return applies & ~v & k


@dataclass
class Batch:
    """The result of running the program over n rows."""

    env: Env
    X: np.ndarray  # (n, D) coordinates, NaN where inactive
    active: np.ndarray  # (n, D) bool
    # (n,) bool: every active coordinate finite (NaN or inf is no value: realized, it would
    # be NaN or a silent first option), bounds valid, and no constraint excludes the row
    feasible: np.ndarray
    valid: np.ndarray  # (n,) bool: every dependent range is non-empty
    index: dict[int, np.ndarray]  # step position -> option index (choices only)
    step_active: list[np.ndarray]  # per step


# coords(step, env, active, args) -> coordinate column for that step
CoordSource = Callable[[Step, Env, np.ndarray, dict[str, np.ndarray]], np.ndarray]


_NONE = np.zeros(0, dtype=bool)  # marks steps a partial run skipped
INT = frozenset({"int"})


def _constraint_reads(c: ir.ConstraintDecl) -> set[str]:
    out = ir.refs(c.expr)
    for cond in c.conditions:
        out |= ir.refs(cond)
    return out


def _column_dtype(values: tuple[ir.Value, ...]) -> np.ndarray:
    """Option values as a column: bool, float64, fixed-width str (fast to compare) for short
    strings, or object (long strings: a fixed-width column copies them into every row)."""
    if all(isinstance(v, bool) for v in values):
        return np.array(values, dtype=bool)
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.float64)
    if all(isinstance(v, str) and len(v) <= SHORT_TEXT for v in values):
        return np.array(values, dtype=str)
    arr = np.empty(len(values), dtype=object)
    arr[:] = list(values)
    return arr


class Program:
    def __init__(self, analysis: ir.Analysis) -> None:
        self.analysis = analysis
        # conditions are shared objects (every declaration of a branch holds the same
        # ones): compile each once
        self._compiled: dict[int, Evaluator] = {}
        self.conjunctions = Conjunctions(self.compile)
        by_key = {d.key: d for d in analysis.decls}
        self.steps: list[Step] = []
        self.dims: list[Dimension] = []
        for key in analysis.order:
            decl = by_key[key]
            dim = None
            options = None
            args: dict[str, Evaluator] = {}
            decimals = None
            if decl.dist is not None:
                dim = len(self.dims)
                self.dims.append(dimension_for(decl))
                args = {a: self.compile(e) for a, e in decl.dist.args.items()}
                if decl.dist.is_choice:
                    options = _column_dtype(decl.dist.options)
                q = decl.dist.args.get("q")
                if isinstance(q, ir.Const):
                    decimals = decimals_of(decl.dist.const("q"))
            const_args = _constant_args(decl, args)
            self.steps.append(Step(
                decl, self.conjunction(decl.conditions), args,
                self.compile(decl.value) if decl.value is not None else None,
                dim, options, decimals,
                decl.value is not None and analysis.types.get(decl.name) == INT,
                const_args, _bounded_by_domain(decl, const_args)))
        self.constraints = [
            CompiledConstraint(c, self.conjunction(c.conditions), self.compile(c.expr),
                               _constraint_reads(c))
            for c in analysis.constraints
        ]
        # each branch adds its own conditions to its parent's: evaluate them once per run
        self.branch_parent: list[int | None] = [b.parent for b in analysis.branches]
        self.branch_own: list[Evaluator | None] = []
        for b in analysis.branches:
            inherited = 0 if b.parent is None else len(analysis.branches[b.parent].conditions)
            self.branch_own.append(self.conjunction(b.conditions[inherited:]))
        # output names in source order, and the declarations of each
        self.names: list[str] = list(dict.fromkeys(d.name for d in analysis.decls))
        self.paths: dict[str, tuple[str | int, ...]] = {}
        for d in analysis.decls:
            self.paths.setdefault(d.name, d.path)
        self.steps_of: dict[str, list[int]] = {}
        for i, s in enumerate(self.steps):
            self.steps_of.setdefault(s.name, []).append(i)
        self.derived_names = {name for name, positions in self.steps_of.items()
                              if all(self.steps[i].dim is None for i in positions)}
        self.name_of_path = {p: n for n, p in self.paths.items()}
        self.path_prefixes = {p[:i] for p in self.name_of_path for i in range(1, len(p))}
        self.types = analysis.types

    def compile(self, expr: ir.RExpr) -> Evaluator:
        found = self._compiled.get(id(expr))
        if found is None:
            found = self._compiled[id(expr)] = compile_expr(expr)
        return found

    def conjunction(self, conds: tuple[ir.RExpr, ...]) -> Evaluator | None:
        """All of `conds` (None when empty), built from shared prefixes."""
        return self.conjunctions.of(conds)

    # --- running ------------------------------------------------------------------------
    @property
    def max_rows(self) -> int:
        """The most rows one run may hold: MAX_VALUES over the number of coordinates."""
        return max(1, MAX_VALUES // max(1, len(self.dims)))

    def check_rows(self, n: int) -> None:
        """Refuse, before allocating, a run of more than `max_rows` rows."""
        if n > self.max_rows:
            D = len(self.dims)
            raise ConfigurationError(
                f"{n:,} rows of {D:,} coordinates would be {n * D:,} values at once, above "
                f"the limit of {MAX_VALUES:,}: use at most {self.max_rows:,} rows at a time")

    def run(self, n: int, coords: CoordSource, only: Collection[int] | None = None) -> Batch:
        """Run the steps over n rows (only the positions in `only`, if given: it must be
        closed under what its steps read; constraints reading other names are skipped).
        Raises ConfigurationError beyond `max_rows`."""
        self.check_rows(n)
        env = Env(n)
        D = len(self.dims)
        X = np.full((n, D), np.nan)
        raw = np.zeros((n, D))  # the coordinates given, for the check that they are finite
        A = np.zeros((n, D), dtype=bool)
        bad = np.zeros(n, dtype=bool)
        index: dict[int, np.ndarray] = {}
        step_active: list[np.ndarray] = [_NONE] * len(self.steps)
        branch_cache: dict[int, np.ndarray] = {}
        positions = range(len(self.steps)) if only is None else sorted(only)
        # one errstate for every step: realized values may overflow or be NaN, and the
        # invalid rows say so
        with np.errstate(all="ignore"):
            for pos in positions:
                step = self.steps[pos]
                active = self._branch_holds(step.decl.branch, env, branch_cache)
                if step.value is not None:
                    values, known = self.derive(step, env)
                    active = active & known
                else:
                    argvals = step.const_args
                    if argvals is None:
                        argvals = {}
                        for a, ev in step.args.items():
                            v, k = ev(env)
                            argvals[a] = np.asarray(v, dtype=np.float64)  # 0-d when constant
                            active = active & k
                    x = np.asarray(coords(step, env, active, argvals), dtype=np.float64)
                    dim = self.dims[step.dim or 0]
                    values, invalid, idx = _realize(step, dim, x, argvals)
                    if invalid is not None:
                        bad |= active & invalid
                    assert step.dim is not None
                    X[:, step.dim] = canonical(dim, x, values, idx)
                    raw[:, step.dim] = x
                    A[:, step.dim] = active
                    if idx is not None:
                        index[pos] = idx
                step_active[pos] = active
                self._store(env, step.name, values, active)
        X[~A] = np.nan
        # an active parameter without a finite coordinate
        unset = (A & ~np.isfinite(raw)).any(axis=1)
        feasible = ~bad & ~unset
        for c in self.constraints:
            if only is None or c.reads <= env.columns.keys():
                feasible &= ~c.excluded(env)
        step_active = [a if a is not _NONE else np.zeros(n, dtype=bool) for a in step_active]
        return Batch(env, X, A, feasible, ~bad, index, step_active)

    @staticmethod
    def derive(step: Step, env: Env) -> tuple[np.ndarray, np.ndarray]:
        """A derived step's values and where they are known (a derived integer beyond
        2**53, where floats round, is not)."""
        assert step.value is not None
        v, k = step.value(env)
        values, known = full(v, env.n), full(k, env.n)
        if step.exact_int:
            with np.errstate(invalid="ignore"):
                known = known & (np.abs(values) <= EXACT_INT)
        return values, known

    def empty_ranges(self, batch: Batch) -> dict[int, np.ndarray]:
        """For each step whose bounds depend on other parameters, the rows where it is
        active but its range is empty or invalid (such rows are infeasible)."""
        return {pos: self.empty_rows(pos, batch) for pos, step in enumerate(self.steps)
                if step.dim is not None and self.dims[step.dim].dependent}

    def empty_rows(self, pos: int, batch: Batch) -> np.ndarray:
        step = self.steps[pos]
        assert step.dim is not None
        env = batch.env
        args = {a: np.asarray(ev(env)[0], dtype=np.float64) for a, ev in step.args.items()}
        with np.errstate(all="ignore"):
            invalid = realize(step, self.dims[step.dim], np.full(env.n, 0.5), args)[1]
        result: np.ndarray = batch.step_active[pos] & invalid
        return result

    def _branch_holds(self, branch: int | None, env: Env, cache: dict[int, np.ndarray]
                      ) -> np.ndarray:
        """Rows where every condition of `branch` (and its ancestors) holds: the array in
        `cache`, shared by every step of the branch (not to be modified)."""
        key = -1 if branch is None else branch
        mask = cache.get(key)
        if mask is None:
            if branch is None:
                mask = np.ones(env.n, dtype=bool)
            else:
                parent = self.branch_parent[branch]
                mask = (self._branch_holds(parent, env, cache)
                        & holds(self.branch_own[branch], env))
            cache[key] = mask
        return mask

    @staticmethod
    def _store(env: Env, name: str, values: np.ndarray, active: np.ndarray) -> None:
        old = env.columns.get(name)
        if old is None:
            env.columns[name] = Column(values, active)
            return
        if old.values.dtype != values.dtype:
            merged = np.where(active, values.astype(object), old.values.astype(object))
        else:
            merged = np.where(active, values, old.values)
        env.columns[name] = Column(merged, old.active | active)

    def sample_coords(self, rng: np.random.Generator) -> CoordSource:
        from ._dims import sample_prior

        def draw(step: Step, env: Env, active: np.ndarray, args: dict[str, np.ndarray]
                 ) -> np.ndarray:
            assert step.dim is not None
            return sample_prior(self.dims[step.dim], rng, env.n)
        return draw

    def matrix_coords(self, X: np.ndarray) -> CoordSource:
        def take(step: Step, env: Env, active: np.ndarray, args: dict[str, np.ndarray]
                 ) -> np.ndarray:
            assert step.dim is not None
            return X[:, step.dim]
        return take


def _constant_args(decl: ir.Decl, args: dict[str, Evaluator]
                   ) -> dict[str, np.ndarray] | None:
    """The values of a distribution's arguments when none reads a name and each is
    known (0-d float arrays, as `Program.run` passes them to `realize`), else None."""
    if decl.dist is None or any(ir.refs(e) for e in decl.dist.args.values()):
        return None
    values = {}
    for a, ev in args.items():
        v, k = ev(Env(1))
        value = np.asarray(v, dtype=np.float64)
        if value.ndim or not np.all(k):
            return None
        values[a] = value
    return values


def _bounded_by_domain(decl: ir.Decl, const_args: dict[str, np.ndarray] | None) -> bool:
    """`Step.clamped`: a static uniform, not log, whose constant bounds are its domain's."""
    dist = decl.dist
    return (dist is not None and const_args is not None and dist.kind in ir.UNIFORM_DISTS
            and dist.kind not in ir.LOG_DISTS and not dist.dependent
            and float(const_args["low"]) == dist.const("low")
            and float(const_args["high"]) == dist.const("high"))


def _quantize(v: np.ndarray, q: np.ndarray, lo: np.ndarray | None, hi: np.ndarray | None,
              decimals: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Round to multiples of q, kept inside [lo, hi]; also rows with no multiple in range.
    Call under np.errstate(all="ignore"), as `_realize` is."""
    k = np.rint(v / q)
    empty = np.zeros(np.shape(v), dtype=bool)
    if lo is not None and hi is not None:
        kmin = np.ceil(lo / q - 1e-9)
        kmax = np.floor(hi / q + 1e-9)
        empty = kmax < kmin
        k = np.minimum(np.maximum(k, kmin), np.maximum(kmin, kmax))
    out = k * q
    if decimals is not None and decimals <= 15:
        out = np.round(out, decimals)
    return out, empty


def _tidy(v: np.ndarray) -> np.ndarray:
    """Round to 15 significant digits, so that a value that went through log/exp or a
    fraction of its range comes back as written (0.01, not 0.010000000000000004).
    Call under np.errstate(all="ignore"): zeros and extremes give inf/nan scales and
    are kept as they are."""
    scale = 10.0 ** (14 - np.floor(np.log10(np.abs(v))))
    tidy = np.rint(v * scale) / scale
    return np.where(np.isfinite(tidy), tidy, v)


def canonical(dim: Dimension, x: np.ndarray, values: np.ndarray, idx: np.ndarray | None
              ) -> np.ndarray:
    """The coordinate of the value a row got: for a choice its option index, for a static
    integer or quantized distribution the coordinate of the rounded value (what `encode`
    gives), so that a trial's coordinates say what the objective saw. Continuous and
    dependent coordinates are returned as they are."""
    if idx is not None:
        return idx.astype(np.float64)
    if dim.dependent or (dim.kind != "int" and dim.q is None):
        return x
    if dim.log:
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log(values)
        return np.where(np.isfinite(logs), logs, x)  # qlognormal can round down to 0
    return values.astype(np.float64)


def realize(step: Step, dim: Dimension, x: np.ndarray, args: dict[str, np.ndarray]
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Values from coordinates: (values, invalid rows, option index or None)."""
    with np.errstate(all="ignore"):
        values, invalid, idx = _realize(step, dim, x, args)
    n = x.shape[0]
    return values, np.zeros(n, dtype=bool) if invalid is None else full(invalid, n), idx


def _realize(step: Step, dim: Dimension, x: np.ndarray, args: dict[str, np.ndarray]
             ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """`realize` for a caller already under np.errstate(all="ignore") (`Program.run`
    enters it once for all its steps), with invalid rows None where no row can be
    invalid (0-d where all rows are alike)."""
    dist = step.decl.dist
    assert dist is not None
    kind = dist.kind
    invalid: np.ndarray | None = None
    if dist.is_choice:
        assert step.options is not None
        # fmax turns NaN (an unset coordinate) into the first option
        idx = np.minimum(np.fmax(np.rint(x), 0.0), len(step.options) - 1).astype(np.int64)
        return step.options[idx], None, idx
    if kind == "randint":
        lo, hi = args["low"], args["high"]
        if dim.dependent:
            lo_i, hi_i = np.ceil(lo - 1e-9), np.floor(hi + 1e-9)
            u = np.clip(x, 0.0, 1.0)
            v = np.minimum(lo_i + np.floor(u * (hi_i - lo_i + 1)), hi_i)
            # bounds beyond 2**53 are refused as for constant bounds (HPS105)
            invalid = (~(hi_i >= lo_i) | ~(np.abs(lo_i) <= EXACT_INT)
                       | ~(np.abs(hi_i) <= EXACT_INT))
            return v, invalid, None
        return np.minimum(np.maximum(np.rint(x), lo), hi), None, None
    if kind in ir.UNIFORM_DISTS:
        lo, hi = args["low"], args["high"]
        log = kind in ir.LOG_DISTS
        if dim.dependent:
            u = np.clip(x, 0.0, 1.0)
            if log:
                invalid = ~(lo > 0) | ~(hi > lo)
                llo, lhi = np.log(np.where(lo > 0, lo, 1.0)), np.log(np.where(hi > 0, hi, 1.0))
                v = np.exp(llo + u * (lhi - llo))
            else:
                invalid = ~(hi > lo)
                v = lo + u * (hi - lo)
            v = np.clip(_tidy(v), lo, hi)
            invalid |= ~np.isfinite(lo) | ~np.isfinite(hi)
        else:
            v = np.minimum(np.maximum(x, dim.low), dim.high)
            if not step.clamped:
                v = np.minimum(np.maximum(_tidy(np.exp(v)) if log else v, lo), hi)
        if "q" in args:
            q = args["q"]
            v, empty = _quantize(v, q, lo, hi, step.decimals)
            invalid = empty | ~(q > 0) if invalid is None else invalid | empty | ~(q > 0)
        return v, invalid, None
    # the normal family
    mu, sigma = args["mu"], args["sigma"]
    z = mu + sigma * x if dim.dependent else x
    invalid = np.zeros(x.shape[0], dtype=bool)
    if dim.dependent:
        invalid = ~(sigma > 0) | ~np.isfinite(mu) | ~np.isfinite(sigma)
    v = _tidy(np.exp(z)) if kind in ir.LOG_DISTS else z
    if dim.dependent:
        v = _tidy(v)
    if "q" in args:
        q = args["q"]
        v, _ = _quantize(v, q, None, None, step.decimals)
        invalid |= ~(q > 0)
    invalid |= ~np.isfinite(v)
    return v, invalid, None


# --- single configurations: values to coordinates ----------------------------------------


def value_problem(step: Step, dim: Dimension, value: object, args: dict[str, float]
                  ) -> tuple[str | None, float]:
    """Check one value against its distribution; return (problem, coordinate)."""
    dist = step.decl.dist
    assert dist is not None
    if dist.is_choice:
        if not isinstance(value, int | float | str | bool | None):
            return f"{value!r} is not one of the options", math.nan
        key = option_key(value)
        for i, o in enumerate(dist.options):
            if option_key(o) == key:
                return None, float(i)
        shown = ", ".join(repr(o) for o in dist.options)
        return f"{value!r} is not one of the options ({shown})", math.nan
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{value!r} is not a number", math.nan
    v = float(value)
    if not math.isfinite(v):
        return f"{value!r} is not a finite number", math.nan
    kind = dist.kind
    tol = 1e-9 * max(1.0, abs(v))
    if (dist.integer or kind == "randint") and v != round(v):
        return f"{value!r} is not an integer", math.nan
    if "q" in args:
        q = args["q"]
        if abs(v / q - round(v / q)) > 1e-6:
            return f"{value!r} is not a multiple of {q:g}", math.nan
    if kind in ir.UNIFORM_DISTS or kind == "randint":
        lo, hi = args["low"], args["high"]
        if "q" in args:
            q = args["q"]
            lo_q, hi_q = math.ceil(lo / q - 1e-9) * q, math.floor(hi / q + 1e-9) * q
            if not lo_q - tol <= v <= hi_q + tol:
                return f"{value!r} is outside [{lo:g}, {hi:g}]", math.nan
        elif not lo - tol <= v <= hi + tol:
            return f"{value!r} is outside [{lo:g}, {hi:g}]", math.nan
        log = kind in ir.LOG_DISTS
        if not dim.dependent:
            return None, (math.log(v) if log else v)
        if kind == "randint":
            return None, (v - lo + 0.5) / (hi - lo + 1)
        if log:
            return None, (math.log(v) - math.log(lo)) / (math.log(hi) - math.log(lo))
        return None, (v - lo) / (hi - lo)
    # the normal family
    if kind in ir.LOG_DISTS:
        if v < 0 or (v == 0 and kind == "lognormal"):
            return f"{value!r} is not positive", math.nan
        z = math.log(max(v, (args.get("q", 0.0) or 0.0) / 4) or 1e-300)
    else:
        z = v
    if dim.dependent:
        return None, (z - args["mu"]) / args["sigma"]
    return None, z
