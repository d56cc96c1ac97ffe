"""`Space`: the compiled search space that users hold."""

from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, overload

import networkx as nx
import numpy as np

from ..analysis import ir, join_sources
from ..analysis.ir import type_name
from ..analysis.unparse import dist_text, expr_text, fidelity_text, value_text
from ..diagnostics import Diagnostic
from ..errors import ConfigurationError, HpsError
from ._coords import Coordinates
from ._dims import Dimension, center
from ._enumerate import COUNT_LIMIT, TooLarge, expand, full_domain, grid_batch, is_finite_dim
from ._evaluate import full, holds
from ._output import configs, flatten
from ._program import Batch, Program, Step
from ._validate import check


@dataclass(frozen=True, slots=True)
class Parameter:
    """One declaration, as `hpdsl show` lists it."""

    key: str
    name: str
    kind: str  # "sampled" | "derived" | "fidelity"
    distribution: str  # e.g. "loguniform(0.001, 1000)", the derived expression, "fidelity(1, 81)"
    condition: str  # "" when always active
    default: ir.Value | None
    dimension: Dimension | None
    type: str = ""  # the Python type of its values: "int", "float", "str", "bool", "int | str"
    has_default: bool = False  # `default` given (its value may be null)


def _rng(seed: np.random.Generator | int | None) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(seed)


class Space:
    """A compiled search space.

    Sample it (`sample`), check configurations (`validate`, `in`), count it
    (`size`), enumerate it (`grid`). Search algorithms and converters work through
    `coords`, the view of the space as coordinate vectors (`Coordinates`).
    """

    def __init__(self, program: Program, source: str, path: str,
                 warnings: list[Diagnostic] | None = None) -> None:
        self._program = program
        self.source = source
        self.path = path
        self.warnings: list[Diagnostic] = list(warnings or [])
        self.coords = Coordinates(program)

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
                                     d.default, self._program.dims[step.dim or 0],
                                     _value_type(d, self._program.types), d.has_default))
            elif d.fidelity is not None:
                out.append(Parameter(d.key, d.name, "fidelity", fidelity_text(d.fidelity), cond,
                                     None, None, "int"))
            else:
                assert d.value is not None
                out.append(Parameter(d.key, d.name, "derived", expr_text(d.value), cond,
                                     None, None, _value_type(d, self._program.types)))
        return out

    @property
    def fidelity(self) -> ir.Fidelity | None:
        """The declared fidelity (`epochs ~ fidelity(1, 81)`), or None: `name`, `min`,
        `max`, `reduction_factor` (None unless written). Not a searched dimension; every
        configuration holds its `max` under `name`, the budget to train to. Pruners take
        their resource and reduction factor defaults from it."""
        return self._program.analysis.fidelity

    @property
    def loops(self) -> list[ir.LoopInfo]:
        """The loops as written: `for i in A..B` has B - A + 1 items (both ends included)."""
        return list(self._program.analysis.loops)

    @property
    def full_source(self) -> str:
        """The space's text followed by the text of every file it includes: what a study
        records, so that a change in an included file is noticed too."""
        base = os.path.dirname(self.path)
        # included files are named relative to the space, wherever it is loaded from; a
        # recompiled recorded space names them so already (and asks for no working folder)
        return join_sources(self.source, ((os.path.relpath(path, base or ".")
                                           if os.path.isabs(path) else path, text)
                                          for path, text in self._program.analysis.sources.items()
                                          if path != self.path))

    @property
    def constraints(self) -> list[str]:
        return [c.decl.source for c in self._program.constraints]

    def __repr__(self) -> str:
        sampled = len(self._program.dims)
        return (f"<Space {self.path!r}: {sampled} sampled, "
                f"{len(self._program.steps) - sampled} derived, "
                f"{len(self._program.constraints)} constraints>")

    # --- sampling ----------------------------------------------------------------------
    @overload
    def sample(self, rng: np.random.Generator | int | None = None) -> dict[str, Any]: ...

    @overload
    def sample(self, rng: np.random.Generator | int | None, n: int) -> list[dict[str, Any]]: ...

    def sample(self, rng: np.random.Generator | int | None = None,
               n: int | None = None) -> dict[str, Any] | list[dict[str, Any]]:
        """One configuration, or a list of `n`, drawn from the declared distributions.

        Configurations that a `forbid`/`require` excludes are never returned. Raises
        ConfigurationError, before drawing, when `n` configurations would hold more than
        10 million values (n times the number of coordinates): sample in batches then.
        """
        count = 1 if n is None else int(n)
        if count < 0:
            raise ConfigurationError("n must be >= 0")
        batch, rows = self.coords.sample(_rng(rng), count)
        out = self.coords.configs(batch, rows)
        return out[0] if n is None else out

    def suggest(self, trial: Any) -> dict[str, Any]:
        """`hpdsl.convert.optuna_suggest(space, trial)`: a configuration drawn through an
        Optuna trial's `suggest_*` methods, for use inside an Optuna objective."""
        from ..convert import optuna_suggest  # when called: compile does not need convert

        return optuna_suggest(self, trial)

    def flatten(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """A nested configuration as {name: value} under the space's names
        (`"preprocess.scaler"`, `"units[2]"`), for tables; unknown keys are left out."""
        return flatten(self._program, config)[0]

    def default(self) -> dict[str, Any]:
        """The configuration of declared defaults (centres of the ranges where none is given)."""
        coords = self.coords

        def choose(decl: ir.Decl, dim: Dimension, bounds: dict[str, float]) -> float:
            if not decl.has_default:
                return center(dim)
            problem, x = coords.coordinate(dim, decl.default, bounds)
            return center(dim) if problem else x

        batch = coords.build_row(choose)
        if not batch.feasible[0]:
            raise ConfigurationError("the default configuration is excluded by the constraints")
        return coords.configs(batch, np.arange(1))[0]

    # --- checking ------------------------------------------------------------------------
    def validate(self, config: Mapping[str, Any]) -> list[str]:
        """Every reason `config` is not in the space (an empty list if it is)."""
        problems, _, _ = check(self._program, config)
        return problems

    def __contains__(self, config: object) -> bool:
        if not isinstance(config, Mapping):
            return False
        return not self.validate(config)

    def complete(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """The configuration as the space produces it: derived values filled in, keys in
        declaration order, ints as ints. Raises ConfigurationError if it is not in the space.
        """
        x, _ = self.coords.encode(config)
        configs_, _ = self.coords.decode(x[None, :])
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
            counts[act] = _count_only(step, dim, args, len(act_rows)).astype(object)
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
        batch = grid_batch(self._program, resolution, limit)
        yield from configs(self._program, batch, np.flatnonzero(batch.feasible))

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


def _value_type(decl: ir.Decl, types: Mapping[str, frozenset[str]]) -> str:
    """What sampling returns for a declaration, as Python type names."""
    dist = decl.dist
    if dist is None:
        kinds = set(types.get(decl.name, ()))
    elif dist.is_choice:
        kinds = {type_name(o) for o in dist.options}
    else:
        kinds = {"int" if dist.integer or dist.kind == "randint" else "float"}
    return " | ".join(sorted(kinds))


class _Infinite(HpsError):
    pass


def _count_only(step: Step, dim: Dimension, args: dict[str, np.ndarray], m: int) -> np.ndarray:
    """How many values a finite distribution has on each of `m` rows, by arithmetic
    (never listing them: `randint(0, 10**9)` counts as fast as `randint(0, 9)`)."""
    if dim.kind == "categorical":
        return np.full(m, len(dim.options))
    dist = step.decl.dist
    assert dist is not None
    if dist.kind == "randint" and not dim.dependent:
        return np.full(m, dim.size, dtype=object)
    if dist.kind == "randint":
        lo, hi = np.ceil(args["low"] - 1e-9), np.floor(args["high"] + 1e-9)
        result: np.ndarray = np.maximum(hi - lo + 1, 0).astype(np.int64)
        return result
    q, lo, hi = args["q"], args["low"], args["high"]
    return np.array([max(math.floor(b / qq + 1e-9) - math.ceil(a / qq - 1e-9) + 1, 0)
                     for a, b, qq in zip(lo.tolist(), hi.tolist(), q.tolist(), strict=True)],
                    dtype=object)  # Python ints: exact beyond 2**53


__all__ = ["Parameter", "Space", "value_text"]
