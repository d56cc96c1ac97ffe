"""Lark's parse tree to `hpdsl.syntax.ast`: a transformer, one per parse.

`Builder` follows Lark's Transformer protocol (a method per rule or alias of the grammar,
given the rule's children) with a walk of its own: without recursion, as Lark's
`Transformer_NonRecursive`, so a chain of 2,000 `+` is as safe as a short one (the depth
limits are checked on the AST afterwards, `_limits.py`), and without that class's
generality per node (wrappers, visits of tokens, wrapped errors), which cost a quarter of
the time of building the AST of 1,000 declarations.

The tree keeps every token, so spans come from the tokens: a node runs from the start of
its first child to the end of its last one, where a child in parentheses counts with them
(`_Paren`; Lark's `propagate_positions` would give the same, at a cost).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lark import Token, Tree

from ..diagnostics import Span
from . import ast


class _Paren:
    """`(expr)` while the tree is built: the expression, and the span with the parentheses
    (an expression around it starts or ends there). Never part of the AST."""

    __slots__ = ("expr", "span")

    def __init__(self, expr: ast.Expr, span: Span) -> None:
        self.expr = expr
        self.span = span


class _Junction:
    """An `and`/`or` chain while the tree is built: the rules nest to the left, and each
    appends its right operand here in place (building a node per rule copies N**2
    operands for N terms). `_expr` makes it a node. Never part of the AST."""

    __slots__ = ("kind", "operands", "span")

    def __init__(self, kind: type[ast.And | ast.Or], operands: list[ast.Expr],
                 span: Span) -> None:
        self.kind = kind
        self.operands = operands
        self.span = span


def _operands(node: ast.Expr, kind: type[ast.And | ast.Or]) -> tuple[ast.Expr, ...]:
    """`and`/`or` are associative: `a or (b or c)` is one `or` of three operands, so that
    every way of writing it (and `hpdsl fmt`'s, with fewer parentheses) is one tree."""
    if isinstance(node, kind):
        return node.operands
    return (node,)


def _unescape(body: str) -> str:
    out: list[str] = []
    it = iter(body)
    for ch in it:
        if ch != "\\":
            out.append(ch)
            continue
        nxt = next(it, "")
        out.append({"n": "\n", "t": "\t", "r": "\r", "0": "\0"}.get(nxt, nxt))
    return "".join(out)


def _number(text: str) -> int | float:
    clean = text.replace("_", "")
    if "." in clean or "e" in clean or "E" in clean:
        return float(clean)
    try:
        return int(clean)
    except ValueError:  # more digits than Python converts: as a float it is inf
        return float(clean)


class Builder:
    """The AST of one file's parse tree: `Builder(path).transform(tree)`."""

    def __init__(self, file: str) -> None:
        self.file = file

    def transform(self, tree: Tree[Token]) -> tuple[ast.Stmt, ...]:
        """The statements of `tree`, built from the leaves up."""
        order = []  # every tree and leaf, each parent before its children
        pending: list[Any] = [tree]
        while pending:
            node = pending.pop()
            order.append(node)
            if type(node) is Tree:
                pending += node.children
        rules: dict[str, Callable[[list[Any]], Any]] = {}
        values: list[Any] = []
        for node in reversed(order):
            if type(node) is not Tree:
                values.append(node)
                continue
            count = len(node.children)
            children = values[-count:] if count else []
            del values[len(values) - count:]
            rule = rules.get(node.data)
            if rule is None:
                rule = rules[node.data] = getattr(self, node.data)
            values.append(rule(children))
        body: tuple[ast.Stmt, ...]
        (body,) = values
        return body

    def _tspan(self, tok: Token) -> Span:
        return Span.from_token(self.file, tok)

    def _expr(self, value: Any) -> Any:
        """The expression of a child: a lone token made a node, parentheses dropped."""
        kind = type(value)
        if kind is Token:
            text = str(value)
            span = self._tspan(value)
            if value.type == "NAME":
                return ast.Name(text, span)
            if value.type == "NUMBER":
                return ast.Number(_number(text), span)
            if value.type == "STRING":
                return ast.String(_unescape(text[1:-1]), span)
            if text == "null":
                return ast.Null(span)
            return ast.Bool(text in ("true", "True"), span)  # true True false False
        if kind is _Paren:
            return value.expr
        if kind is _Junction:
            return value.kind(tuple(value.operands), value.span)
        return value

    def _target(self, value: Any) -> ast.Target:
        """A declaration's target: a lone name is a token."""
        if type(value) is Token:
            return ast.Target(str(value), None, self._tspan(value))
        target: ast.Target = value
        return target

    def _items(self, children: list[Any]) -> list[Any]:
        """The expressions of a comma-separated list (placeholders and commas dropped)."""
        return [self._expr(c) for c in children
                if c is not None and (type(c) is not Token or c.type != "COMMA")]

    def _span(self, first: Any, last: Any) -> Span:
        """From the start of `first` to the end of `last` (tokens, nodes or `_Paren`s)."""
        start = Span.from_token(self.file, first) if type(first) is Token else first.span
        end = Span.from_token(self.file, last) if type(last) is Token else last.span
        return start.to(end)

    # --- statements
    def start(self, children: list[Any]) -> tuple[ast.Stmt, ...]:
        return tuple(c for c in children if type(c) is not Token)

    block = start

    def indexed_target(self, children: list[Any]) -> ast.Target:
        name, _lsqb, index, rsqb = children
        return ast.Target(str(name), str(index), self._span(name, rsqb))

    def sample(self, children: list[Any]) -> ast.Sample:
        target, _tilde, dist, default = children
        last = dist if default is None else default
        default = None if default is None else self._expr(default)
        return ast.Sample(self._target(target), dist, default, self._span(target, last))

    def default(self, children: list[Any]) -> Any:
        return children[1]

    def assign(self, children: list[Any]) -> ast.Assign:
        target, _eq, value = children
        return ast.Assign(self._target(target), self._expr(value), self._span(target, value))

    def dist(self, children: list[Any]) -> ast.Dist:
        name, _lpar, args, rpar = children
        return ast.Dist(str(name), tuple(args or ()), self._span(name, rpar), self._tspan(name))

    def dist_args(self, children: list[Any]) -> list[ast.DistArg]:
        return [c if type(c) is ast.DistArg else ast.DistArg(c, None, c.span)
                for c in self._items(children)]

    def weighted(self, children: list[Any]) -> ast.DistArg:
        weight, _colon, value = children
        return ast.DistArg(self._expr(value), self._expr(weight), self._span(weight, value))

    def stage(self, children: list[Any]) -> ast.Stage:
        name, _lbrace, body, rbrace = children
        return ast.Stage(str(name), body, self._span(name, rbrace), self._tspan(name))

    def for_loop(self, children: list[Any]) -> ast.For:
        for_, var, _in, start, _dots, stop, _lbrace, body, rbrace = children
        return ast.For(str(var), self._expr(start), self._expr(stop), body,
                       self._span(for_, rbrace))

    def if_block(self, children: list[Any]) -> ast.If:
        if_, cond, _lbrace, body, rbrace, *rest = children
        cond = self._expr(cond)
        branches = [ast.Branch(cond, body, cond.span)]
        orelse = None
        end = rbrace
        for clause in rest:
            if clause is None:
                continue
            inner, end = clause
            if type(inner) is ast.Branch:
                branches.append(inner)
            else:
                orelse = inner
        return ast.If(tuple(branches), orelse, self._span(if_, end))

    def elif_clause(self, children: list[Any]) -> tuple[ast.Branch, Token]:
        _elif, cond, _lbrace, body, rbrace = children
        cond = self._expr(cond)
        return ast.Branch(cond, body, cond.span), rbrace

    def else_clause(self, children: list[Any]) -> tuple[tuple[ast.Stmt, ...], Token]:
        _else, _lbrace, body, rbrace = children
        return body, rbrace

    def if_then(self, children: list[Any]) -> ast.If:
        if_, cond, _then, stmt = children
        cond = self._expr(cond)
        branch = ast.Branch(cond, (stmt,), cond.span)
        return ast.If((branch,), None, self._span(if_, stmt), inline=True)

    def constraint(self, children: list[Any]) -> ast.Constraint:
        kind, expr = children
        assert ast.is_constraint_kind(text := str(kind))
        return ast.Constraint(text, self._expr(expr), self._span(kind, expr))

    def include(self, children: list[Any]) -> ast.Include:
        include, path = children
        return ast.Include(_unescape(str(path)[1:-1]), self._span(include, path))

    # --- expressions
    def or_(self, children: list[Any]) -> _Junction:
        left, _or, right = children
        return self._junction(ast.Or, left, right)

    def and_(self, children: list[Any]) -> _Junction:
        left, _and, right = children
        return self._junction(ast.And, left, right)

    def _junction(self, kind: type[ast.And | ast.Or], left: Any, right: Any) -> _Junction:
        span = self._span(left, right)
        more = _operands(self._expr(right), kind)
        if type(left) is _Junction and left.kind is kind:
            left.operands += more
            left.span = span
            return left
        return _Junction(kind, [*_operands(self._expr(left), kind), *more], span)

    def not_(self, children: list[Any]) -> ast.Not:
        not_, operand = children
        return ast.Not(self._expr(operand), self._span(not_, operand))

    def compare(self, children: list[Any]) -> ast.Compare:
        left, op, right = children
        assert ast.is_compare_op(text := str(op))
        return ast.Compare(text, self._expr(left), self._expr(right), self._span(left, right))

    def in_(self, children: list[Any]) -> ast.In:
        left, _in, (options, rbrace) = children
        return ast.In(self._expr(left), options, False, self._span(left, rbrace))

    def not_in(self, children: list[Any]) -> ast.In:
        left, _not, _in, (options, rbrace) = children
        return ast.In(self._expr(left), options, True, self._span(left, rbrace))

    def set_lit(self, children: list[Any]) -> tuple[tuple[ast.Expr, ...], Token]:
        return tuple(self._items(children[1:-1])), children[-1]

    def binop(self, children: list[Any]) -> ast.BinOp:
        left, op, right = children
        assert ast.is_arith_op(text := str(op))
        return ast.BinOp(text, self._expr(left), self._expr(right), self._span(left, right))

    def unop(self, children: list[Any]) -> ast.UnaryOp:
        op, operand = children
        assert ast.is_unary_op(text := str(op))
        return ast.UnaryOp(text, self._expr(operand), self._span(op, operand))

    def group(self, children: list[Any]) -> _Paren:
        lpar, expr, rpar = children
        return _Paren(self._expr(expr), self._span(lpar, rpar))

    def dotted(self, children: list[Any]) -> ast.Dotted:
        return ast.Dotted(tuple(str(c) for c in children[::2]),
                          self._span(children[0], children[-1]))

    def index(self, children: list[Any]) -> ast.Index:
        name, _lsqb, index, rsqb = children
        return ast.Index(str(name), self._expr(index), self._span(name, rsqb))

    def call(self, children: list[Any]) -> ast.Call:
        func, _lpar, args, rpar = children
        return ast.Call(str(func), tuple(args or ()), self._span(func, rpar), self._tspan(func))

    def call_args(self, children: list[Any]) -> list[ast.Expr]:
        return self._items(children)
