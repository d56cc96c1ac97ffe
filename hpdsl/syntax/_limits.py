"""The depth limits of a parsed file, checked on its AST.

Analysis and compilation walk the AST recursively: an expression nested deeper than
MAX_EXPR_DEPTH, or blocks (`if`, `for`, stages; a one-line `if ... then` counts as a block)
nested deeper than MAX_NESTING, is refused here with a diagnostic instead of exhausting
the stack there. (Brackets and braces nested deeper than MAX_NESTING are refused earlier,
by the post-lexer.) Both walks are iterative, so that they are safe on exactly the inputs
they exist to refuse.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..diagnostics import Span
from . import ast
from ._postlex import MAX_NESTING

MAX_EXPR_DEPTH = 200

_EXPRESSIONS = frozenset({ast.BinOp, ast.UnaryOp, ast.Compare, ast.In, ast.And, ast.Or, ast.Not,
                          ast.Call, ast.Index})


def _inner(stmt: ast.Stmt) -> Iterable[ast.Stmt] | None:
    """The statements directly inside `stmt`, or None if it is not a block."""
    if isinstance(stmt, ast.Stage | ast.For):
        return stmt.body
    if isinstance(stmt, ast.If):
        return [s for branch in stmt.branches for s in branch.body] + list(stmt.orelse or ())
    return None


def _nesting(stmt: ast.Stmt) -> int:
    """How many blocks nest in `stmt`, itself included (0 for a declaration)."""
    deepest = 0
    stack = [(stmt, 0)]
    while stack:
        node, around = stack.pop()
        inner = _inner(node)
        if inner is None:
            continue
        level = around + 1
        deepest = max(deepest, level)
        stack.extend((s, level) for s in inner)
    return deepest


def too_nested(body: tuple[ast.Stmt, ...]) -> ast.Stmt | None:
    """The first statement of `body` holding blocks nested deeper than MAX_NESTING."""
    return next((s for s in body if _nesting(s) > MAX_NESTING), None)


def too_deep(body: tuple[ast.Stmt, ...]) -> Span | None:
    """The span of the first expression nested deeper than MAX_EXPR_DEPTH, if any."""
    stack: list[tuple[Any, int]] = [(stmt, 0) for stmt in body]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, tuple):
            stack.extend((child, depth) for child in node if not isinstance(child, str))
            continue
        if depth > MAX_EXPR_DEPTH:
            span: Span = node.span
            return span
        below = depth + 1 if type(node) in _EXPRESSIONS else depth
        for name in getattr(node, "__slots__", ()):
            child = getattr(node, name)
            if isinstance(child, tuple) or hasattr(child, "__slots__"):
                if not isinstance(child, Span | str):
                    stack.append((child, below))
    return None
