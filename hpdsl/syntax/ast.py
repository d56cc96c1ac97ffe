"""The abstract syntax tree of a `.hps` file: frozen dataclasses, each with a span.

No Lark object leaves the syntax package; everything downstream sees only these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from ..diagnostics import Span

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
    op: str  # + - * / // **
    left: Expr
    right: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class UnaryOp:
    op: str  # + -
    operand: Expr
    span: Span


@dataclass(frozen=True, slots=True)
class Compare:
    op: str  # == != < <= > >=
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
    Number | String | Bool | Name | Dotted | Index | Call | BinOp | UnaryOp | Compare | In
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
    kind: str  # "forbid" | "require"
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
