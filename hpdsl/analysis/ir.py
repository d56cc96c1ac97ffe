"""The resolved form of a space: declarations with their conditions, as analysis leaves it.

Expressions here are resolved: every reference names a declared output name
(`"units[2]"`, `"preprocess.scaler"`), labels are string constants, loop
variables are substituted. The compile stage turns these into vectorized code.
Nodes that stand for an AST construct carry the AST's name (`ast.BinOp` resolves to
`ir.BinOp`, `ast.And` to `ir.And`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

from ..diagnostics import Span
from ..syntax.ast import ArithOp as ArithOp
from ..syntax.ast import CompareOp as CompareOp
from ..syntax.ast import ConstraintKind as ConstraintKind

Value: TypeAlias = int | float | str | bool | None  # None: the literal `null`
NUMERIC = frozenset({"int", "float"})

FuncName: TypeAlias = Literal["min", "max", "log", "exp", "round"]
DistKind: TypeAlias = Literal[
    "uniform", "loguniform", "quniform", "qloguniform", "normal", "lognormal", "qnormal",
    "qlognormal", "randint", "choice", "pchoice",
]
NEGATED_COMPARE: dict[CompareOp, CompareOp] = {
    "==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">",
}


def type_name(value: Value) -> str:
    """The language's name for the type of `value`: bool, int, float, str or null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    return "str"


def option_key(value: Value) -> tuple[str, object]:
    """Options compare as values, but `true` is not `1` and `"1"` is not `1`."""
    kind = type_name(value)
    return ("num" if kind in NUMERIC else kind, value)


@dataclass(frozen=True, slots=True)
class Const:
    value: Value
    span: Span


@dataclass(frozen=True, slots=True)
class Ref:
    """A parameter or derived value, by output name."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class BinOp:
    op: ArithOp
    left: RExpr
    right: RExpr
    span: Span


@dataclass(frozen=True, slots=True)
class UnaryOp:
    """Arithmetic negation `-x` (resolution drops a unary `+`)."""

    operand: RExpr
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    func: FuncName
    args: tuple[RExpr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: RExpr
    right: RExpr
    span: Span


@dataclass(frozen=True, slots=True)
class In:
    """`x in {a, b}` / `x not in {...}` with constant options."""

    operand: RExpr
    options: tuple[Value, ...]
    negated: bool
    span: Span


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[RExpr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[RExpr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Not:
    operand: RExpr
    span: Span


RExpr: TypeAlias = Const | Ref | BinOp | UnaryOp | Call | Compare | In | And | Or | Not


def refs(expr: RExpr) -> set[str]:
    """Names an expression reads."""
    out: set[str] = set()
    stack: list[RExpr] = [expr]
    while stack:
        e = stack.pop()
        if isinstance(e, Ref):
            out.add(e.name)
        elif isinstance(e, BinOp | Compare):
            stack += [e.left, e.right]
        elif isinstance(e, UnaryOp | Not):
            stack.append(e.operand)
        elif isinstance(e, In):
            stack.append(e.operand)
        elif isinstance(e, Call):
            stack += list(e.args)
        elif isinstance(e, And | Or):
            stack += list(e.operands)
    return out


# --- distributions ---------------------------------------------------------------

LOG_DISTS: frozenset[DistKind] = frozenset({"loguniform", "qloguniform", "lognormal", "qlognormal"})
Q_DISTS: frozenset[DistKind] = frozenset({"quniform", "qloguniform", "qnormal", "qlognormal"})
NORMAL_DISTS: frozenset[DistKind] = frozenset({"normal", "lognormal", "qnormal", "qlognormal"})
UNIFORM_DISTS: frozenset[DistKind] = frozenset({"uniform", "loguniform", "quniform", "qloguniform"})
CHOICE_DISTS: frozenset[DistKind] = frozenset({"choice", "pchoice"})
DISTRIBUTIONS: dict[DistKind, tuple[str, ...]] = {
    "uniform": ("low", "high"),
    "loguniform": ("low", "high"),
    "quniform": ("low", "high", "q"),
    "qloguniform": ("low", "high", "q"),
    "normal": ("mu", "sigma"),
    "lognormal": ("mu", "sigma"),
    "qnormal": ("mu", "sigma", "q"),
    "qlognormal": ("mu", "sigma", "q"),
    "randint": ("low", "high"),
    "choice": (),
    "pchoice": (),
}


@dataclass(frozen=True, slots=True)
class DistSpec:
    """A resolved distribution. `args` maps argument names (low, high, q, mu, sigma) to
    expressions; choices carry constant `options` and `weights` instead."""

    kind: DistKind
    args: dict[str, RExpr]
    options: tuple[Value, ...] = ()
    weights: tuple[float, ...] = ()
    integer: bool = False  # values come back as int
    span: Span | None = None

    @property
    def is_choice(self) -> bool:
        return self.kind in CHOICE_DISTS

    @property
    def dependent(self) -> bool:
        """True if some argument refers to another parameter."""
        return any(not isinstance(a, Const) for a in self.args.values())

    def const(self, arg: str) -> float:
        node = self.args[arg]
        assert isinstance(node, Const) and isinstance(node.value, int | float)
        return float(node.value)


FIDELITY = "fidelity"  # `epochs ~ fidelity(1, 81)`: the budget pruners hand out, not searched


@dataclass(frozen=True, slots=True)
class Fidelity:
    """The resource a trial trains for (epochs, iterations, samples), declared as
    `name ~ fidelity(min, max[, reduction_factor])`. Not a searched dimension: the
    objective receives `max` under `name`, the budget to train to, and pruners take their
    minimum and maximum resource (and reduction factor) from it. Bounds are integers,
    1 <= min < max; the reduction factor an integer >= 2, or None when not given."""

    name: str
    min: int
    max: int
    reduction_factor: int | None = None
    span: Span | None = field(default=None, compare=False, repr=False)


# --- declarations ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decl:
    """One declaration of an output name: sampled (`dist`) or derived (`value`).

    `key` is unique across the space: the name itself, or `name#k` when the name is
    declared k > 1 times (in branches that exclude each other). `path` is where the
    value goes in the nested output (stage keys as strings, loop items as ints).
    `conditions` must all hold for the declaration to be active.
    """

    key: str
    name: str
    path: tuple[str | int, ...]
    conditions: tuple[RExpr, ...]
    span: Span
    dist: DistSpec | None = None
    value: RExpr | None = None
    default: Value | None = None
    has_default: bool = False  # `default V` given (V may be null)
    branch: int | None = None  # index into Analysis.branches of the innermost branch
    fidelity: Fidelity | None = None  # a fidelity: `value` is its maximum, a constant

    @property
    def sampled(self) -> bool:
        return self.dist is not None

    def reads(self) -> set[str]:
        """Names this declaration's value or bounds read (not its conditions)."""
        out: set[str] = set()
        if self.dist is not None:
            for a in self.dist.args.values():
                out |= refs(a)
        if self.value is not None:
            out |= refs(self.value)
        return out


@dataclass(frozen=True, slots=True)
class ConstraintDecl:
    kind: ConstraintKind
    expr: RExpr
    conditions: tuple[RExpr, ...]
    span: Span
    source: str = ""  # the constraint as written, for messages


@dataclass(frozen=True, slots=True)
class BranchInfo:
    """A branch of an `if` (or the body of a loop item): its cumulative conditions."""

    conditions: tuple[RExpr, ...]
    span: Span
    parent: int | None
    # (which `if`, which of its branches): branches of one `if` exclude each other
    arm: tuple[int, int] | None = None


@dataclass
class Analysis:
    """Everything analysis learned about one space."""

    path: str
    decls: list[Decl]
    constraints: list[ConstraintDecl]
    branches: list[BranchInfo]
    sources: dict[str, str]
    types: dict[str, frozenset[str]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)  # decl keys, dependencies first
    graph: Any = None  # networkx.DiGraph, set by the graph pass
    loops: list[LoopInfo] = field(default_factory=list)

    @property
    def fidelity(self) -> Fidelity | None:
        """The space's fidelity declaration, if it has one (lint allows one at most)."""
        return next((d.fidelity for d in self.decls if d.fidelity is not None), None)


@dataclass(frozen=True, slots=True)
class LoopInfo:
    """A loop as written, for `hpdsl show`: `for var in start..stop` gives stop - start + 1
    items, between `fewest` and `most` of them."""

    var: str
    start: int
    stop: str  # the end as written: a constant or a parameter
    fewest: int
    most: int
    span: Span
