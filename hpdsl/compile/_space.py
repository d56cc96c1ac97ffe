"""`Space`: the compiled search space that users and search algorithms hold."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, overload

import networkx as nx
import numpy as np

from ..analysis import evaluate as scalar
from ..analysis import ir
from ..analysis._recorded import join_sources
from ..analysis.unparse import dist_text, expr_text, value_text
from ..diagnostics import Diagnostic
from ..errors import ConfigurationError, HpsError, SamplingError
from ._dims import Dimension, center
from ._enumerate import TooLarge, expand, full_domain, is_finite_dim
from ._evaluate import Env, full, holds
from ._output import configs, flatten
from ._program import Batch, Program, Step, value_problem

MAX_DRAWS_FLOOR = 200_000
MAX_DRAWS_PER_CONFIG = 2_000
COUNT_LIMIT = 5_000_000


@dataclass(frozen=True, slots=True)
class Parameter:
    """One declaration, as `hpdsl show` lists it."""

    key: str
    name: str
    kind: str  # "sampled" | "derived"
    distribution: str  # e.g. "loguniform(0.001, 1000)", or the derived expression
    condition: str  # "" when always active
    default: ir.Value | None
    dimension: Dimension | None


def _rng(seed: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


class Space:
    """A compiled search space.

    Sample it (`sample`), check configurations (`validate`, `in`), count it
    (`size`), enumerate it (`grid`), and move between configurations and the
    coordinate vectors search algorithms work in (`encode`, `decode`).
    """

    def __init__(self, program: Program, source: str, path: str,
                 warnings: list[Diagnostic] | None = None) -> None:
        self._program = program
        self.source = source
        self.path = path
        self.warnings: list[Diagnostic] = list(warnings or [])
        self.dimensions: tuple[Dimension, ...] = tuple(program.dims)

    # --- description --------------------------------------------------------------------
    @property
    def graph(self) -> nx.DiGraph:
        """Declarations as nodes; edges "condition" and "depends" from source to user."""
        graph: nx.DiGraph = self._program.analysis.graph
        return graph

    @property
    def names(self) -> list[str]:
        """Output names in source order (`"preprocess.scaler"`, `"units[2]"`)."""
        return list(self._program.names)

    @property
    def parameters(self) -> list[Parameter]:
        out = []
        for step in sorted(self._program.steps, key=lambda s: (s.decl.span.file,
                                                                s.decl.span.start)):
            d = step.decl
            cond = " and ".join(expr_text(c) for c in d.conditions)
            if d.dist is not None:
                out.append(Parameter(d.key, d.name, "sampled", dist_text(d.dist), cond,
                                     d.default, self._program.dims[step.dim or 0]))
            else:
                assert d.value is not None
                out.append(Parameter(d.key, d.name, "derived", expr_text(d.value), cond,
                                     None, None))
        return out

    @property
    def full_source(self) -> str:
        """The space's text followed by the text of every file it includes: what a study
        records, so that a change in an included file is noticed too."""
        base = os.path.dirname(self.path)
        # included files are named relative to the space, wherever it is loaded from
        return join_sources(self.source, ((os.path.relpath(path, base or "."), text)
                                          for path, text in self._program.analysis.sources.items()
                                          if path != self.path))

    def activation_groups(self) -> list[list[int]]:
        """Dimension indices grouped by identical activation conditions.

        Dimensions in one group are declared under exactly the same conditions, so
        they are active together (barring bounds that read an inactive parameter):
        the groups a multivariate search algorithm can model jointly.
        """
        groups: dict[tuple[object, ...], list[int]] = {}
        for step in self._program.steps:
            if step.dim is not None:
                groups.setdefault(step.decl.conditions, []).append(step.dim)
        return list(groups.values())

    @property
    def constraints(self) -> list[str]:
        return [c.decl.source for c in self._program.constraints]

    def __repr__(self) -> str:
        return (f"<Space {self.path!r}: {len(self.dimensions)} sampled, "
                f"{len(self._program.steps) - len(self.dimensions)} derived, "
                f"{len(self._program.constraints)} constraints>")

    # --- sampling ----------------------------------------------------------------------
    @overload
    def sample(self, rng: np.random.Generator | int | None = None) -> dict[str, Any]: ...

    @overload
    def sample(self, rng: np.random.Generator | int | None, n: int) -> list[dict[str, Any]]: ...

    def sample(self, rng: np.random.Generator | int | None = None,
               n: int | None = None) -> dict[str, Any] | list[dict[str, Any]]:
        """One configuration, or a list of `n`, drawn from the declared distributions.

        Configurations that a `forbid`/`require` excludes are never returned.
        """
        count = 1 if n is None else int(n)
        if count < 0:
            raise ConfigurationError("n must be >= 0")
        batch, rows = self.sample_batch(_rng(rng), count)
        out = configs(self._program, batch, rows)
        return out[0] if n is None else out

    def sample_batch(self, rng: np.random.Generator, n: int) -> tuple[Batch, np.ndarray]:
        """`n` feasible rows drawn from the prior, as a Batch and the row indices to use."""
        program = self._program
        if n == 0:
            batch = program.run(0, program.sample_coords(rng))
            return batch, np.empty(0, dtype=np.int64)
        max_draws = max(MAX_DRAWS_FLOOR, MAX_DRAWS_PER_CONFIG * n)
        draws = accepted = 0
        parts: list[Batch] = []
        want = n
        while accepted < n:
            rate = accepted / draws if draws else 1.0
            m = int(min(max(64 if draws else want, math.ceil((n - accepted) / max(rate, 1e-4)
                                                               * 1.2)), 1_000_000))
            if not draws:
                m = n
            batch = program.run(m, program.sample_coords(rng))
            draws += m
            ok = int(batch.feasible.sum())
            if ok:
                parts.append(batch)
                accepted += ok
            if accepted < n and draws >= max_draws:
                raise SamplingError(
                    f"the constraints rejected {draws - accepted} of {draws} sampled "
                    f"configurations; only {accepted} of the {n} requested passed. "
                    "Loosen the `forbid`/`require` constraints or narrow the distributions.")
        if len(parts) == 1:
            rows = np.flatnonzero(parts[0].feasible)[:n]
            return parts[0], rows
        merged = _concat([_take(b, np.flatnonzero(b.feasible)) for b in parts])
        return merged, np.arange(n)

    def decode(self, X: np.ndarray) -> tuple[list[dict[str, Any]], np.ndarray]:
        """Configurations from coordinate rows (n, D), and which rows are feasible.

        Coordinates of inactive parameters are ignored; every row gets a configuration,
        and `feasible[i]` says whether the constraints (and dependent bounds) allow it.
        """
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if X.shape[1] != len(self.dimensions):
            raise ConfigurationError(f"expected {len(self.dimensions)} coordinates per row, "
                                     f"got {X.shape[1]}")
        batch = self._program.run(X.shape[0], self._program.matrix_coords(X))
        return configs(self._program, batch, np.arange(X.shape[0])), batch.feasible.copy()

    def run(self, X: np.ndarray) -> Batch:
        """Decode without building dicts: the Batch (coordinates, active mask, feasibility)."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        return self._program.run(X.shape[0], self._program.matrix_coords(X))

    def configs(self, batch: Batch, rows: np.ndarray) -> list[dict[str, Any]]:
        """The configurations of some rows of a Batch."""
        return configs(self._program, batch, rows)

    def suggest(self, trial: Any) -> dict[str, Any]:
        """A configuration drawn through an Optuna trial's `suggest_*` methods, for use
        inside an Optuna objective; raises `optuna.TrialPruned` when the constraints
        exclude it. See `hpdsl.convert._optuna` for how each distribution is suggested."""
        from ..convert._optuna import suggest
        return suggest(self._program, trial)

    def flatten(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """A nested configuration as {name: value} under the space's names
        (`"preprocess.scaler"`, `"units[2]"`), for tables; unknown keys are left out."""
        return flatten(self._program, config)[0]

    def default(self) -> dict[str, Any]:
        """The configuration of declared defaults (centres of the ranges where none is given)."""
        program = self._program

        def coords(step: Step, env: Env, active: np.ndarray, args: dict[str, np.ndarray]
                   ) -> np.ndarray:
            assert step.dim is not None
            dim = program.dims[step.dim]
            if step.decl.default is None:
                return np.full(env.n, center(dim))
            problem, x = value_problem(step, dim, step.decl.default,
                                       {a: float(np.ravel(v)[0]) for a, v in args.items()})
            return np.full(env.n, center(dim) if problem else x)
        batch = program.run(1, coords)
        if not batch.feasible[0]:
            raise ConfigurationError("the default configuration is excluded by the constraints")
        return configs(program, batch, np.arange(1))[0]

    # --- checking ------------------------------------------------------------------------
    def validate(self, config: Mapping[str, Any]) -> list[str]:
        """Every reason `config` is not in the space (an empty list if it is)."""
        problems, _, _ = self._check(config)
        return problems

    def __contains__(self, config: object) -> bool:
        if not isinstance(config, Mapping):
            return False
        return not self.validate(config)

    def encode(self, config: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates and active mask of a configuration; raises ConfigurationError if
        the configuration is not in the space."""
        problems, x, mask = self._check(config)
        if problems:
            raise ConfigurationError("configuration is not in the space: " + "; ".join(problems))
        return x, mask

    def _check(self, config: Mapping[str, Any]) -> tuple[list[str], np.ndarray, np.ndarray]:
        program = self._program
        D = len(program.dims)
        x = np.full(D, np.nan)
        mask = np.zeros(D, dtype=bool)
        if not isinstance(config, Mapping):
            return [f"a configuration is a dict, not {type(config).__name__}"], x, mask
        flat, unknown = flatten(program, config)
        problems = [f"unknown key `{k}`" for k in unknown]
        values: dict[str, Any] = {}  # the active names' values, as the conditions see them
        active_names: dict[str, bool] = {}
        for step in program.steps:
            decl = step.decl
            name = step.name
            active = scalar.holds(decl.conditions, values)
            present = name in flat
            if decl.value is not None:
                value, known = scalar.evaluate(decl.value, values)
                active = active and known
                if active:
                    values[name] = value
                    if present and not _same(flat[name], value):
                        problems.append(f"`{name}` is {flat[name]!r} but is derived as "
                                        f"{_shown(value, program.types.get(name))!r}")
            else:
                assert step.dim is not None and decl.dist is not None
                args = {}
                for a, e in decl.dist.args.items():
                    v, known = scalar.evaluate(e, values)
                    active = active and known
                    args[a] = float(v) if known else math.nan
                if active and present:
                    problem, coord = value_problem(step, program.dims[step.dim], flat[name], args)
                    if problem:
                        problems.append(f"`{name}`: {problem}")
                    else:
                        x[step.dim] = coord
                        mask[step.dim] = True
                        values[name] = flat[name]
            active_names[name] = active_names.get(name, False) or active
        for name in program.names:
            present = name in flat
            if active_names.get(name) and not present and name not in program.derived_names:
                problems.append(f"`{name}` is missing")
            elif present and not active_names.get(name):
                why = self._why_inactive(name, values)
                problems.append(f"`{name}` is set but inactive" +
                                (f": `{why}` does not hold" if why else ""))
        if not problems:
            for c in program.constraints:
                if scalar.holds(c.decl.conditions, values):
                    v, known = scalar.evaluate(c.decl.expr, values)
                    if known and bool(v) == (c.decl.kind == "forbid"):
                        problems.append(f"excluded by `{c.decl.source}`")
        return problems, x, mask

    def _why_inactive(self, name: str, values: Mapping[str, Any]) -> str:
        """The conditions of `name`'s first declaration that do not hold."""
        step = self._program.steps[self._program.steps_of[name][0]]
        return " and ".join(expr_text(c) for c in step.decl.conditions
                            if not scalar.holds((c,), values))

    def complete(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The configuration as the space produces it: derived values filled in, keys in
        declaration order, ints as ints. Raises ConfigurationError if it is not in the space.
        """
        x, _ = self.encode(config)
        configs_, _ = self.decode(x[None, :])
        return configs_[0]

    # --- counting and enumerating ----------------------------------------------------------
    def size(self) -> int | float:
        """How many distinct configurations the space holds; `math.inf` if a continuous
        parameter can be active."""
        program = self._program
        try:
            batch = self._enumerate_structure()
        except _Infinite:
            return math.inf
        rows = np.flatnonzero(batch.feasible)
        if len(rows) == 0:
            return 0
        structural = self._structural_positions()
        total = 0
        factors: list[np.ndarray] = []
        for pos, step in enumerate(program.steps):
            if pos in structural or step.dim is None:
                continue
            dim = program.dims[step.dim]
            # `expand` skipped this step (it is not structural), so `batch.step_active` does
            # not know it: it is active where its condition holds and its bounds are known.
            active = holds(step.cond, batch.env)
            for ev in step.args.values():
                active &= full(ev(batch.env)[1], batch.env.n)
            act = active[rows]
            if not act.any():
                continue
            if not is_finite_dim(step, dim):
                return math.inf
            counts = np.ones(len(rows), dtype=object)
            act_rows = rows[act]
            args = {}
            for a, ev in step.args.items():
                v, k = ev(batch.env)
                args[a] = full(v, batch.env.n, np.float64)[act_rows]
            try:
                _, c = full_domain(step, dim, args, len(act_rows))
            except TooLarge:
                c = _count_only(step, dim, args)
            counts[act] = c.astype(object)
            factors.append(counts)
        for i in range(len(rows)):
            prod = 1
            for f in factors:
                prod *= int(f[i])
            total += prod
        return total

    def grid(self, resolution: int | None = None, limit: int = COUNT_LIMIT
             ) -> Iterator[dict[str, Any]]:
        """Every configuration of a finite space once, in a stable order.

        Continuous parameters need `resolution`: that many evenly spaced coordinates
        (log-spaced for log distributions, mu +- 2 sigma for normal ones, fractions of the
        bounds in force for dependent ones). Raises HpsError if a continuous parameter
        can be active without a resolution, or the grid is larger than `limit`.
        """
        batch = self._grid_batch(resolution, limit)
        yield from configs(self._program, batch, np.flatnonzero(batch.feasible))

    def grid_coordinates(self, resolution: int | None = None, limit: int = COUNT_LIMIT
                         ) -> np.ndarray:
        """The coordinates of `grid(resolution)`'s configurations, in the same order."""
        batch = self._grid_batch(resolution, limit)
        return batch.X[batch.feasible]

    def _grid_batch(self, resolution: int | None, limit: int) -> Batch:
        program = self._program
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

    def _structural_positions(self) -> set[int]:
        """Steps whose value something else reads (conditions, bounds, values, constraints)."""
        program = self._program
        read: set[str] = set()
        for s in program.steps:
            read |= s.decl.reads()
            for c in s.decl.conditions:
                read |= ir.refs(c)
        for con in program.constraints:
            read |= ir.refs(con.decl.expr)
            for cond in con.decl.conditions:
                read |= ir.refs(cond)
        return {i for i, s in enumerate(program.steps) if s.name in read or s.dim is None}

    def _enumerate_structure(self) -> Batch:
        program = self._program
        structural = self._structural_positions()
        for pos in structural:
            step = program.steps[pos]
            if step.dim is not None and not is_finite_dim(step, program.dims[step.dim]):
                raise _Infinite()
        try:
            return expand(program, full_domain, COUNT_LIMIT, structural)
        except TooLarge as err:
            raise HpsError("the space is too large to count exactly") from err


class _Infinite(HpsError):
    pass


def _evenly_spaced(dim: Dimension, resolution: int) -> np.ndarray:
    if dim.prior == "normal":
        lo, hi = dim.mu - 2 * dim.sigma, dim.mu + 2 * dim.sigma
    else:
        lo, hi = dim.low, dim.high
    if resolution == 1:
        return np.array([(lo + hi) / 2])
    return np.linspace(lo, hi, resolution)


def _count_only(step: Step, dim: Dimension, args: dict[str, np.ndarray]) -> np.ndarray:
    if dim.kind == "categorical":
        return np.full(len(next(iter(args.values()), [0])), len(dim.options))
    dist = step.decl.dist
    assert dist is not None
    if dist.kind == "randint" and not dim.dependent:
        return np.full(max(len(v) for v in args.values()), int(dim.high - dim.low + 1))
    if dist.kind == "randint":
        lo, hi = np.ceil(args["low"] - 1e-9), np.floor(args["high"] + 1e-9)
        return np.maximum(hi - lo + 1, 0).astype(np.int64)
    q, lo, hi = args["q"], args["low"], args["high"]
    return np.maximum(np.floor(hi / q + 1e-9) - np.ceil(lo / q - 1e-9) + 1, 0).astype(np.int64)


def _shown(value: Any, types: frozenset[str] | None) -> Any:
    """A derived value as the output shows it (an int-typed whole number as int)."""
    if types == frozenset({"int"}) and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _same(given: Any, expected: Any) -> bool:
    exp = _py(expected)
    if isinstance(exp, float) and isinstance(given, int | float) and not isinstance(given, bool):
        return math.isclose(float(given), exp, rel_tol=1e-9, abs_tol=1e-12)
    return bool(given == exp) and type(given) is not bool or given is exp


def _py(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def _take(batch: Batch, rows: np.ndarray) -> Batch:
    from ._evaluate import Column
    env = Env(len(rows))
    for name, col in batch.env.columns.items():
        env.columns[name] = Column(col.values[rows], col.active[rows])
    return Batch(env, batch.X[rows], batch.active[rows], batch.feasible[rows], batch.valid[rows],
                 {p: i[rows] for p, i in batch.index.items()},
                 [a[rows] for a in batch.step_active])


def _concat(batches: list[Batch]) -> Batch:
    from ._evaluate import Column
    n = sum(b.env.n for b in batches)
    env = Env(n)
    for name in batches[0].env.columns:
        cols = [b.env.columns[name] for b in batches]
        env.columns[name] = Column(np.concatenate([c.values for c in cols]),
                                   np.concatenate([c.active for c in cols]))
    return Batch(env, np.concatenate([b.X for b in batches]),
                 np.concatenate([b.active for b in batches]),
                 np.concatenate([b.feasible for b in batches]),
                 np.concatenate([b.valid for b in batches]),
                 {p: np.concatenate([b.index[p] for b in batches]) for p in batches[0].index},
                 [np.concatenate([b.step_active[i] for b in batches])
                  for i in range(len(batches[0].step_active))])


__all__ = ["Parameter", "Space", "value_text"]
