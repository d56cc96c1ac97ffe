"""`Coordinates`: a space as search algorithms and converters see it (`space.coords`).

Every sampled declaration is one coordinate (see `_dims.py` for the units). This view
moves between coordinate rows and configurations in bulk, draws rows from the prior,
enumerates a grid, and builds one row a parameter at a time for a converter that
chooses each value itself (the Optuna bridge, `hpdsl.convert.from_flat`,
`Space.default`). It is the only door into the compiled program for code outside `hpdsl.compile`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..analysis import ir
from ..analysis.unparse import dist_text
from ..errors import ConfigurationError, SamplingError
from ._dims import Dimension
from ._enumerate import COUNT_LIMIT, grid_batch
from ._evaluate import Column, Env
from ._output import configs
from ._program import Batch, Program, Step, value_problem
from ._validate import check

MAX_DRAWS_FLOOR = 200_000
MAX_DRAWS_PER_CONFIG = 2_000

# choose(decl, dim, bounds) -> the coordinate of one active parameter (see `build_row`)
Choose = Callable[[ir.Decl, Dimension, dict[str, float]], float]


class Coordinates:
    """The coordinate view of a compiled space.

    `dimensions` has one `Dimension` per coordinate. Rows are (n, D) float arrays, NaN
    where a parameter is inactive. A `Batch` is the result of running the space over
    rows: `X` (coordinates), `active` (n, D) and `feasible` (n,) (every active
    coordinate is a finite number, constraints and dependent bounds hold).
    """

    def __init__(self, program: Program) -> None:
        self._program = program
        self.dimensions: tuple[Dimension, ...] = tuple(program.dims)
        self._steps = {s.decl.key: s for s in program.steps if s.dim is not None}
        # the last Batch `run` or `sample` made: an algorithm checks its candidates with
        # `run`, then the Study runs the chosen row again; running a row of coordinates
        # that a run returned gives that run's row back (coordinates are canonical), so
        # the second run is a lookup
        self._last: Batch | None = None

    @property
    def analysis(self) -> ir.Analysis:
        """The resolved declarations, constraints and branches behind the coordinates."""
        return self._program.analysis

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

    # --- rows and configurations -----------------------------------------------------------
    def sample(self, rng: np.random.Generator, n: int) -> tuple[Batch, np.ndarray]:
        """`n` feasible rows drawn from the prior: a Batch and the indices of its rows to
        use. Raises SamplingError when the constraints reject nearly every draw, and
        ConfigurationError, before drawing, when `n` rows would exceed the program's
        budget of values (`Program.max_rows`)."""
        program = self._program
        program.check_rows(n)
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
                                                               * 1.2)), program.max_rows))
            if not draws:
                m = n
            batch = program.run(m, program.sample_coords(rng))
            draws += m
            ok = int(batch.feasible.sum())
            if ok:  # only the feasible rows are kept: memory is n rows, however many draws
                parts.append(batch if ok == m else _take(batch, np.flatnonzero(batch.feasible)))
                accepted += ok
            if accepted < n and draws >= max_draws:
                raise SamplingError(self._rejected(batch, draws, accepted, n))
        batch = self._last = parts[0] if len(parts) == 1 else _concat(parts)
        return batch, np.arange(n)

    def _rejected(self, batch: Batch, draws: int, accepted: int, n: int) -> str:
        """Why sampling gave up, judged on the last batch: the parameters whose dependent
        range was empty, or else the constraints."""
        program = self._program
        passed = f"only {accepted} of the {n} requested passed"
        empty = [(int(rows.sum()), pos) for pos, rows in program.empty_ranges(batch).items()
                 if rows.any()]
        rejected = int((~batch.feasible).sum())
        if empty and 2 * max(empty)[0] >= rejected:
            count, pos = max(empty)
            step = program.steps[pos]
            assert step.decl.dist is not None
            others = [f"`{program.steps[p].name}`" for c, p in sorted(empty, reverse=True)
                      if p != pos]
            also = f" (so was the range of {', '.join(others)})" if others else ""
            return (f"the range of `{step.name}` ({dist_text(step.decl.dist)}) was empty in "
                    f"{count} of the last {batch.env.n} sampled configurations{also}; "
                    f"{passed} after {draws} draws. Check its bounds: `hpdsl lint` shows for "
                    "which values of the parameters they read the range is empty.")
        return (f"the constraints rejected {draws - accepted} of {draws} sampled "
                f"configurations; {passed}. "
                "Loosen the `forbid`/`require` constraints or narrow the distributions.")

    def run(self, X: np.ndarray) -> Batch:
        """Run the space over coordinate rows (n, D) without building dicts.

        A row whose active parameter has a NaN or infinite coordinate is infeasible
        (inactive ones are ignored): `feasible` is what an algorithm checks its own rows with.
        """
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        last = self._last
        if last is not None and X.shape[0] == 1 and X.shape[1] == last.X.shape[1]:
            same = ((last.X == X) | (np.isnan(last.X) & np.isnan(X))).all(axis=1)
            if same.any():
                r = int(np.argmax(same))
                return _take(last, slice(r, r + 1))
        batch = self._last = self._program.run(X.shape[0], self._program.matrix_coords(X))
        return batch

    def configs(self, batch: Batch, rows: np.ndarray) -> list[dict[str, Any]]:
        """The configurations of some rows of a Batch."""
        return configs(self._program, batch, rows)

    def decode(self, X: np.ndarray) -> tuple[list[dict[str, Any]], np.ndarray]:
        """Configurations from coordinate rows (n, D), and which rows are feasible.

        Coordinates of inactive parameters are ignored; every row gets a configuration,
        and `feasible[i]` says whether it is one: every active coordinate finite, and the
        constraints (and dependent bounds) allow it.
        """
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        if X.shape[1] != len(self.dimensions):
            raise ConfigurationError(f"expected {len(self.dimensions)} coordinates per row, "
                                     f"got {X.shape[1]}")
        batch = self.run(X)
        return self.configs(batch, np.arange(X.shape[0])), batch.feasible.copy()

    def encode(self, config: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
        """Coordinates and active mask of a configuration; raises ConfigurationError if
        the configuration is not in the space."""
        problems, x, mask = check(self._program, config)
        if problems:
            raise ConfigurationError("configuration is not in the space: " + "; ".join(problems))
        return x, mask

    def grid(self, resolution: int | None = None, limit: int = COUNT_LIMIT) -> np.ndarray:
        """The coordinates of `space.grid(resolution)`'s configurations, in the same order."""
        batch = grid_batch(self._program, resolution, limit)
        result: np.ndarray = batch.X[batch.feasible]
        return result

    # --- one row, a parameter at a time -------------------------------------------------------
    def build_row(self, choose: Choose) -> Batch:
        """A Batch of one row whose coordinates `choose(decl, dim, bounds)` gives.

        It is called for each sampled declaration that is active in the row, in
        dependency order, with the bounds in force (low/high, mu/sigma, q), so that a
        choice can depend on the values chosen before it; inactive parameters get NaN.
        """
        program = self._program

        def coords(step: Step, env: Env, active: np.ndarray, args: dict[str, np.ndarray]
                   ) -> np.ndarray:
            if not active[0]:
                return np.full(1, np.nan)
            assert step.dim is not None
            bounds = {a: float(np.ravel(v)[0]) for a, v in args.items()}
            return np.full(1, choose(step.decl, program.dims[step.dim], bounds))

        return program.run(1, coords)

    def coordinate(self, dim: Dimension, value: object, bounds: dict[str, float]
                   ) -> tuple[str | None, float]:
        """The coordinate of `value` for `dim` under `bounds`, or why it cannot take it:
        (problem, coordinate), the problem None when the value fits."""
        return value_problem(self._steps[dim.key], dim, value, bounds)

    def excluded(self, batch: Batch, row: int = 0) -> list[str]:
        """The constraints, as written, that exclude a row of a Batch."""
        return [c.decl.source for c in self._program.constraints
                if c.excluded(batch.env)[row]]


def _take(batch: Batch, rows: np.ndarray | slice) -> Batch:
    X = batch.X[rows].copy()  # a slice would share them with `batch`: callers may write
    env = Env(X.shape[0])
    for name, col in batch.env.columns.items():
        env.columns[name] = Column(col.values[rows], col.active[rows])
    return Batch(env, X, batch.active[rows].copy(), batch.feasible[rows].copy(),
                 batch.valid[rows].copy(),
                 {p: i[rows] for p, i in batch.index.items()},
                 [a[rows] for a in batch.step_active])


def _concat(batches: list[Batch]) -> Batch:
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
