"""Semantic checks that need to evaluate the space: dead branches, overlapping
declarations, references to inactive parameters, over-tight constraints.

Each check enumerates only the declarations its conditions involve, over
telling points: every value of a small finite distribution; for a continuous
one its bounds, the constants it is compared with and the midpoints between
them. Comparisons with constants are therefore decided exactly. When the
enumeration would be too large, a check falls back to random samples and only
reports what it can prove.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import SupportsFloat

import networkx as nx
import numpy as np

from ..analysis import ir
from ..analysis.unparse import dist_text, expr_text
from ..diagnostics import Diagnostic, Note, Span
from ._dims import Dimension
from ._enumerate import TooLarge, expand, full_domain
from ._evaluate import Evaluator, holds
from ._program import Batch, Program, Step
from ._ranges import always_empty, empty_where, name_intervals

ENUMERATION_LIMIT = 200_000
SAMPLES = 4_000
SMALL_DOMAIN = 64
RESTRICTIVE = 0.01
CHECKS_PER_SPAN = 50


class Checker:
    def __init__(self, program: Program, rng_seed: int = 0) -> None:
        self.p = program
        self.graph: nx.DiGraph = program.analysis.graph
        self.pos = {s.decl.key: i for i, s in enumerate(program.steps)}
        self.keys_of: dict[str, list[str]] = defaultdict(list)
        for s in program.steps:
            self.keys_of[s.name].append(s.decl.key)
        self.constants = _compared_constants(program)
        self.rng = np.random.default_rng(rng_seed)
        self._sample: Batch | None = None
        self._arms: dict[int, dict[int, int]] = {}
        self._refs: dict[int, set[str]] = {}
        self._enumerated: tuple[frozenset[int], Batch | None] | None = None
        self.diags: list[Diagnostic] = []

    # --- infrastructure ------------------------------------------------------------------
    def involved(self, names: Iterable[str]) -> set[int]:
        keys: set[str] = set()
        for n in names:
            keys.update(self.keys_of.get(n, ()))
        closure = set(keys)
        for k in keys:
            closure |= nx.ancestors(self.graph, k)
        return {self.pos[k] for k in closure}

    def domain(self, step: Step, dim: Dimension, args: dict[str, np.ndarray], m: int
               ) -> tuple[np.ndarray, np.ndarray]:
        size = dim.size
        if size is not None and size <= SMALL_DOMAIN:
            return full_domain(step, dim, args, m)
        points = self.points(step, dim)
        return np.tile(points, m), np.full(m, len(points), dtype=np.int64)

    def points(self, step: Step, dim: Dimension) -> np.ndarray:
        if dim.dependent:
            return np.array([-2.0, 0.0, 2.0] if dim.prior == "normal" else [0.0, 0.5, 1.0])
        consts = sorted(self.constants.get(step.name, ()))
        if dim.prior == "normal":
            lo, hi = dim.mu - 3 * dim.sigma, dim.mu + 3 * dim.sigma
        else:
            lo, hi = dim.low, dim.high
        coords = [lo, hi]
        for c in consts:
            if dim.log:
                if c <= 0:
                    continue
                c = math.log(c)
            if lo <= c <= hi:
                coords.append(c)
                if dim.kind == "int":
                    coords += [c - 1, c + 1, math.floor(c), math.ceil(c)]
        pts = sorted(set(coords))
        mids = [(a + b) / 2 for a, b in zip(pts, pts[1:], strict=False)]
        out = np.array(sorted(set(pts + mids)))
        out = out[(out >= lo) & (out <= hi)]
        if dim.kind == "int":
            out = np.unique(np.round(out))
        return out

    def refs(self, expr: ir.RExpr) -> set[str]:
        """Names a condition reads, found once per (shared) condition."""
        found = self._refs.get(id(expr))
        if found is None:
            found = self._refs[id(expr)] = ir.refs(expr)
        return found

    def enumerate(self, names: Iterable[str]) -> Batch | None:
        """The telling points of the declarations `names` involve; the last answer is kept
        (the branches of a chain ask about the same names in turn)."""
        involved = frozenset(self.involved(names))
        if self._enumerated is None or self._enumerated[0] != involved:
            try:
                batch = expand(self.p, self.domain, ENUMERATION_LIMIT, set(involved))
            except TooLarge:
                batch = None
            self._enumerated = (involved, batch)
        return self._enumerated[1]

    def sample(self) -> Batch:
        """Random configurations of the whole space (for checks that cannot enumerate)."""
        if self._sample is None:
            rows = min(SAMPLES, self.p.max_rows)  # fewer for very wide spaces
            self._sample = self.p.run(rows, self.p.sample_coords(self.rng))
        return self._sample

    def possible(self, names: Iterable[str], predicate: Callable[[Batch], np.ndarray]
                 ) -> bool | None:
        """Whether some configuration satisfies the predicate (None: could not decide)."""
        batch = self.enumerate(names)
        if batch is not None:
            return bool(predicate(batch).any())
        if predicate(self.sample()).any():
            return True
        return None

    # --- the checks ------------------------------------------------------------------------
    def run(self) -> list[Diagnostic]:
        self.dead_branches()
        self.overlapping_declarations()
        self.inactive_references()
        self.dependent_ranges()
        self.constraints()
        return self.diags

    def dead_branches(self) -> None:
        """Report each branch (by source location) whose conditions never hold together.

        A branch inside a loop has one instance per item; it is dead only if every
        instance is. A branch inside a dead branch is not reported again.
        """
        branches = self.p.analysis.branches
        dead: set[int] = set()
        by_span: dict[Span, list[int]] = defaultdict(list)
        for i, b in enumerate(branches):
            by_span[b.span].append(i)
        for span, members in by_span.items():
            verdicts = []
            for i in members[:CHECKS_PER_SPAN]:
                b = branches[i]
                if b.parent is not None and b.parent in dead:
                    verdicts.append("inherited")
                    continue
                ev = self.p.conjunction(b.conditions)
                names: set[str] = set()
                for c in b.conditions:
                    names |= self.refs(c)
                def reached(batch: Batch, ev: Evaluator | None = ev) -> np.ndarray:
                    return holds(ev, batch.env)
                ok = self.possible(names, reached)
                verdicts.append("dead" if ok is False else "alive")
                if ok is not False:
                    break
            if "alive" in verdicts:
                continue
            dead.update(members)
            if "dead" in verdicts:
                cond = branches[members[0]].conditions
                self.diags.append(Diagnostic(
                    "HPS203", "this branch can never be active", span,
                    label="its conditions contradict each other",
                    help=("conditions in force: " + " and ".join(expr_text(c) for c in cond))
                    if cond else None))

    def arms(self, branch: int | None) -> dict[int, int]:
        """The `if` branches a declaration sits in: {which `if`: which branch}."""
        if branch is None:
            return {}
        if branch not in self._arms:
            info = self.p.analysis.branches[branch]
            own = {} if info.arm is None else {info.arm[0]: info.arm[1]}
            self._arms[branch] = {**self.arms(info.parent), **own}
        return self._arms[branch]

    def overlapping_declarations(self) -> None:
        """HPS201. Declarations in different branches of one `if` exclude each other by
        construction and are never evaluated: an `elif` chain redeclaring a name in every
        branch costs one pass over the branches, not a check of every pair."""
        for name, keys in self.keys_of.items():
            if len(keys) < 2:
                continue
            steps = [self.p.steps[self.pos[k]] for k in keys]
            arms = [self.arms(s.decl.branch) for s in steps]
            if _one_if_apart(arms):
                continue
            for j in range(1, len(steps)):
                for i in range(j):
                    if _apart(arms[i], arms[j]):
                        continue
                    a, b = steps[i], steps[j]
                    names = set()
                    for c in (*a.decl.conditions, *b.decl.conditions):
                        names |= ir.refs(c)

                    def both(batch: Batch, a: Step = a, b: Step = b) -> np.ndarray:
                        result: np.ndarray = holds(a.cond, batch.env) & holds(b.cond, batch.env)
                        return result
                    if self.possible(names, both):
                        self.diags.append(Diagnostic(
                            "HPS201", f"`{name}` is declared twice where both can be active",
                            b.decl.span, label="second declaration",
                            help="declare it once, or only in branches that exclude each other",
                            notes=(Note(a.decl.span, "first declared here"),)))
                        break
                else:
                    continue
                break

    def inactive_references(self) -> None:
        per_span: dict[Span, int] = defaultdict(int)
        reported: set[tuple[Span, str]] = set()
        for step in self.p.steps:
            reads = step.decl.reads()
            if not reads:
                continue
            span = step.decl.span
            per_span[span] += 1
            if per_span[span] > CHECKS_PER_SPAN:
                continue
            names = set(reads)
            for c in step.decl.conditions:
                names |= ir.refs(c)
            for r in sorted(reads):
                if (span, r) in reported:
                    continue

                def missing(batch: Batch, step: Step = step, r: str = r) -> np.ndarray:
                    col = batch.env.columns.get(r)
                    if col is None:
                        return np.zeros(batch.env.n, dtype=bool)
                    result: np.ndarray = holds(step.cond, batch.env) & ~col.active
                    return result
                if self.possible(names, missing):
                    reported.add((span, r))
                    self.diags.append(Diagnostic(
                        "HPS207", f"`{step.name}` uses `{r}`, which can be inactive when "
                        f"`{step.name}` is active", span,
                        label=f"`{step.name}` is then inactive too",
                        help=f"declare `{r}` under the same conditions, or guard `{step.name}`"))

    def dependent_ranges(self) -> None:
        """Ranges that bounds over other parameters leave empty: always (an error), or for
        part of what they read (a warning: sampling leaves those configurations out)."""
        known = name_intervals(self.p)
        per_span: dict[Span, int] = defaultdict(int)
        reported: set[Span] = set()
        for pos, step in enumerate(self.p.steps):
            dist = step.decl.dist
            if dist is None or step.dim is None or not self.p.dims[step.dim].dependent:
                continue
            span = dist.span or step.decl.span
            per_span[span] += 1
            if span in reported or per_span[span] > CHECKS_PER_SPAN:
                continue
            parents = sorted(step.decl.reads())
            what = f"`{step.name} ~ {dist_text(dist)}`"
            reason = always_empty(dist, known)
            if reason is not None:
                reported.add(span)
                self.diags.append(Diagnostic(
                    "HPS116", f"the range of {what} is empty for every value of "
                    f"{_names(parents)}: {reason}", span,
                    label="no value can ever be drawn",
                    help="check the bounds: each must leave room for a value whatever the "
                    "parameters they read hold"))
                continue
            part = self._empty_part(pos, step, parents)
            if part is not None:
                reported.add(span)
                self.diags.append(Diagnostic(
                    "HPS208", f"the range of {what} is empty {part}", span,
                    label="sampling leaves these configurations out",
                    help=f"so {_names(parents)} no longer follow{'s' if len(parents) == 1 else ''}"
                    " the declared distribution; clamp the bounds with min/max or guard "
                    f"`{step.name}` with an `if`"))

    def _empty_part(self, pos: int, step: Step, parents: list[str]) -> str | None:
        """Where the step's range is empty, in words (None if no configuration tried is)."""
        names = set(parents)
        for c in step.decl.conditions:
            names |= ir.refs(c)
        batches = [b for b in (self.enumerate(names), self.sample()) if b is not None]
        empty_values: list[dict[str, object]] = []
        fine: list[float] = []
        sampled = empty_sampled = 0
        for batch in batches:
            active = batch.step_active[pos]
            empty = self.p.empty_rows(pos, batch)
            cols = {p: batch.env.columns[p].values for p in parents}
            empty_values += [{p: cols[p][i] for p in parents} for i in np.flatnonzero(empty)]
            if len(parents) == 1:
                fine += [float(v) for v in cols[parents[0]][active & ~empty]]
            if batch is self._sample:
                sampled, empty_sampled = int(active.sum()), int(empty.sum())
        if not empty_values:
            return None
        share = (f" ({100 * empty_sampled / sampled:.0f}% of the configurations sampled where "
                 f"`{step.name}` is active)") if sampled and empty_sampled else ""
        if len(parents) == 1:
            where = self._threshold(step, parents[0], [v[parents[0]] for v in empty_values],
                                    fine)
            if where is not None:
                return where + share
        example = ", ".join(f"{p} = {_value(v)}" for p, v in empty_values[0].items())
        return f"for some values of {_names(parents)} (e.g. {example}){share}"

    def _threshold(self, step: Step, parent: str, empty: list[object], fine: list[float]
                   ) -> str | None:
        """`when `a` >= 5`: where a one-sided part begins, found by bisection."""
        if self.p.types.get(parent) not in (frozenset({"int"}), frozenset({"float"})):
            return None
        numbers = [v for v in empty if isinstance(v, SupportsFloat)]  # all, by the types
        bad = [float(v) for v in numbers]
        if all(s.decl.dist is not None and s.decl.dist.is_choice
               for s in (self.p.steps[i] for i in self.p.steps_of[parent])):
            shown = " or ".join(_value(v) for v in sorted(set(numbers), key=float))
            return f"when `{parent}` is {shown}"
        if not fine:
            return f"for every value of `{parent}` tried (from {min(bad):g} to {max(bad):g})"
        integer = self.p.types.get(parent) == frozenset({"int"})
        if min(bad) > max(fine):
            ok, no, op = max(fine), min(bad), ">="
        elif max(bad) < min(fine):
            ok, no, op = min(fine), max(bad), "<="
        else:
            return None
        for _ in range(200):  # bisection between a value that works and one that does not
            if (abs(no - ok) <= 1) if integer else (abs(no - ok) <= 1e-9 * max(1.0, abs(no))):
                break
            mid = (ok + no) / 2
            if integer:
                mid = math.floor(mid) if op == ">=" else math.ceil(mid)
            if empty_where(step, self.p, {parent: mid}):
                no = mid
            else:
                ok = mid
        if integer:
            return f"when `{parent}` {op} {int(no)}"
        return f"when `{parent}` is {'above' if op == '>=' else 'below'} {_roundest(ok, no):g}"

    def constraints(self) -> None:
        cons = self.p.constraints
        if not cons:
            return
        names: set[str] = set()
        for c in cons:
            names |= c.reads
        sample = self.p.run(min(SAMPLES, self.p.max_rows), self.p.sample_coords(self.rng),
                            self.involved(names))
        valid = sample.valid
        passed = int((sample.feasible & valid).sum())
        total = int(valid.sum()) or 1
        rate = passed / total
        if rate >= RESTRICTIVE:
            return
        worst = max(cons, key=lambda c: int((c.excluded(sample.env) & valid).sum()))
        span = worst.decl.span
        notes = tuple(Note(c.decl.span, f"`{c.decl.source}`") for c in cons if c is not worst)
        if passed == 0:
            batch = self.enumerate(names)
            if batch is not None and not batch.feasible.any():
                self.diags.append(Diagnostic(
                    "HPS204", "the constraints exclude every configuration", span,
                    label="rejects what the other constraints leave", notes=notes,
                    help="loosen or remove a `forbid`/`require`"))
                return
        self.diags.append(Diagnostic(
            "HPS205", f"the constraints exclude nearly every configuration "
            f"({passed} of {total} random samples pass)", span,
            label="rejects the most samples", notes=notes,
            help="sampling will be slow; narrow the distributions instead where you can"))


def _apart(a: dict[int, int], b: dict[int, int]) -> bool:
    """Whether two declarations sit in different branches of one `if`."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return any(large.get(which, arm) != arm for which, arm in small.items())


def _one_if_apart(arms: list[dict[int, int]]) -> bool:
    """Whether one `if` holds every declaration, each in a branch of its own."""
    common = set(arms[0]).intersection(*arms[1:])
    return any(len({a[which] for a in arms}) == len(arms) for which in common)


def _compared_constants(program: Program) -> dict[str, set[float]]:
    """Numbers each name is compared with anywhere, for choosing telling points."""
    out: dict[str, set[float]] = defaultdict(set)
    exprs: list[ir.RExpr] = []
    for s in program.steps:
        exprs += list(s.decl.conditions)
        if s.decl.value is not None:
            exprs.append(s.decl.value)
    for c in program.constraints:
        exprs.append(c.decl.expr)
        exprs += list(c.decl.conditions)
    stack = exprs
    seen: set[int] = set()  # conditions are shared by the declarations of a branch
    while stack:
        e = stack.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, ir.Compare):
            for a, b in ((e.left, e.right), (e.right, e.left)):
                if isinstance(a, ir.Ref) and isinstance(b, ir.Const) and isinstance(
                        b.value, int | float) and not isinstance(b.value, bool):
                    out[a.name].add(float(b.value))
            stack += [e.left, e.right]
        elif isinstance(e, ir.In):
            if isinstance(e.operand, ir.Ref):
                for o in e.options:
                    if isinstance(o, int | float) and not isinstance(o, bool):
                        out[e.operand.name].add(float(o))
            stack.append(e.operand)
        elif isinstance(e, ir.And | ir.Or):
            stack += list(e.operands)
        elif isinstance(e, ir.Not | ir.UnaryOp):
            stack.append(e.operand)
        elif isinstance(e, ir.BinOp):
            stack += [e.left, e.right]
        elif isinstance(e, ir.Call):
            stack += list(e.args)
    return out


def _names(names: list[str]) -> str:
    quoted = [f"`{n}`" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _roundest(a: float, b: float) -> float:
    """The number with the fewest significant digits between a and b (a bisection's
    bracket of a threshold such as 0 or 5)."""
    lo, hi = min(a, b), max(a, b)
    if lo <= 0 <= hi:
        return 0.0
    for digits in range(1, 17):
        for candidate in (float(f"{lo:.{digits}g}"), float(f"{hi:.{digits}g}")):
            if lo <= candidate <= hi:
                return candidate
    return hi


def _value(v: object) -> str:
    if isinstance(v, float | np.floating):
        return f"{float(v):.4g}"
    return str(v)


def check(program: Program) -> list[Diagnostic]:
    return Checker(program).run()


