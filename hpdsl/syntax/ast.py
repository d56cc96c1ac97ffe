"""The abstract syntax tree of a `.hps` file: frozen dataclasses, each with a span.

No Lark object leaves the syntax package; everything downstream sees only these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, TypeAlias, TypeGuard, get_args

from ..diagnostics import Span

ArithOp: TypeAlias = Literal["+", "-", "*", "/", "//", "**"]
UnaryOpName: TypeAlias = Literal["+", "-"]
CompareOp: TypeAlias = Literal["==", "!=", "<", "<=", ">", ">="]
ConstraintKind: TypeAlias = Literal["forbid", "require"]


# The grammar admits only these spellings; the builder narrows a token's text with them.
def is_arith_op(op: str) -> TypeGuard[ArithOp]:
    return op in get_args(ArithOp)


def is_unary_op(op: str) -> TypeGuard[UnaryOpName]:
    return op in get_args(UnaryOpName)


def is_compare_op(op: str) -> TypeGuard[CompareOp]:
    return op in get_args(CompareOp)


def is_constraint_kind(kind: str) -> TypeGuard[ConstraintKind]:
    return kind in get_args(ConstraintKind)


# --- expressions -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Number:
    value: int | float
    span: Span


@dataclass(frozen=True, slots=True)
class String:
    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool
    span: Span


@dataclass(frozen=True, slots=True)
class Null:
    """The literal `null`: None in Python, null in JSON."""

    span: Span
    value: None = None


@dataclass(frozen=True, slots=True)
class Name:
    """A bare word: a parameter, a loop variable or a label, decided by analysis."""

    name: str
    span: Span


@dataclass(frozen=True, slots=True)
class Dotted:
    """`stage.name` (any depth): a reference into a stage."""

    parts: tuple[str, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Index:
    """`units[i]`: an item of a loop."""

    name: str
    index: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Call:
    func: str
    args: tuple[Expr, ...]
    span: Span
    func_span: Span


@dataclass(frozen=True, slots=True)
class BinOp:
    op: ArithOp
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class UnaryOp:
    op: UnaryOpName
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class In:
    left: Expr
    options: tuple[Expr, ...]
    negated: bool
    span: Span


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Expr, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    span: Span


Expr: TypeAlias = (
    Number | String | Bool | Null | Name | Dotted | Index | Call | BinOp | UnaryOp | Compare | In
    | And | Or | Not
)

# --- statements ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """The left-hand side of a declaration: `name` or `name[i]` inside a loop."""

    name: str
    index: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class DistArg:
    """One argument of a distribution; `weight` is set only in `pchoice(0.7: x)`."""

    value: Expr
    weight: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class Dist:
    name: str
    args: tuple[DistArg, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class Sample:
    """`target ~ dist(args) [default V]`."""

    target: Target
    dist: Dist
    default: Expr | None
    span: Span


@dataclass(frozen=True, slots=True)
class Assign:
    """`target = expr`: a fixed or derived value."""

    target: Target
    value: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Branch:
    condition: Expr
    body: tuple[Stmt, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class If:
    """`if c {..} elif c {..} else {..}`, or the one-line `if c then stmt` (inline)."""

    branches: tuple[Branch, ...]
    orelse: tuple[Stmt, ...] | None
    span: Span
    inline: bool = False


@dataclass(frozen=True, slots=True)
class Stage:
    """`name { ... }`: a stage of a pipeline, nesting its parameters in the output."""

    name: str
    body: tuple[Stmt, ...]
    span: Span
    name_span: Span


@dataclass(frozen=True, slots=True)
class For:
    """`for var in start..stop { ... }`: items start..stop, both included."""

    var: str
    start: Expr
    stop: Expr
    body: tuple[Stmt, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Constraint:
    kind: ConstraintKind
    expr: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Include:
    path: str
    span: Span


Stmt: TypeAlias = Sample | Assign | If | Stage | For | Constraint | Include


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Module:
    """One parsed file. Comments are kept aside for tools that reprint the file."""

    path: str
    body: tuple[Stmt, ...]
    comments: tuple[Comment, ...]
