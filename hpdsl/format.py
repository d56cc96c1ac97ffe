"""`format_source`: print a `.hps` file in the one canonical layout `hpdsl fmt` uses.

The layout:

- 4-space indentation; one statement per line (long statements are not wrapped);
- one space around `~`, `=`, `:` is followed by one space, binary operators and
  comparisons have one space on each side, `,` is followed by one;
- `} elif c {` and `} else {` on the closing brace's line; a one-line `if c then stmt`
  stays on one line; a one-line block `if c { x ~ ... }` is opened onto three lines;
- runs of consecutive declarations (no blank line or own-line comment between them)
  align their `~` / `=` in one column;
- blank lines between statements are kept, at most one; none after `{`, before `}`, at
  the start or at the end of the file;
- the fewest parentheses that keep the meaning (`a - (b - c)` keeps them, `(a * b) + c`
  loses them); numbers and strings are printed as written (`1e-3` stays `1e-3`, quotes
  are kept), `True` / `False` become `true` / `false`;
- comments stay where they are: an own-line comment before the statement that follows
  it (at that statement's indentation), a trailing comment after its line. A comment
  inside a statement that spans several lines moves to its own line after the statement,
  and one between `}` and `elif` / `else` to the end of the block it follows.

Formatting is idempotent and changes only layout: the formatted file parses to the same
statements, expressions and values.
"""

from __future__ import annotations

import re

from ._arguments import binary_problem, source_text
from .analysis.unparse import string_text
from .diagnostics import Span
from .errors import HpsError, SpaceError
from .syntax import ast, parse

__all__ = ["format_source"]

INDENT = "    "
_NUMBER = re.compile(r"(\d[\d_]*\.\d[\d_]*|\d[\d_]*)([eE][+-]?\d+)?")
_STRING = re.compile(r"\"([^\"\\\n]|\\.)*\"|'([^'\\\n]|\\.)*'")

# binding strength of each expression form, loosest first
_OR, _AND, _NOT, _CMP, _SUM, _PROD, _UNARY, _POW, _ATOM = range(1, 10)


def format_source(text: str, path: str = "<string>") -> str:
    """The canonical layout of `text`. Raises SpaceError if it does not parse."""
    text = source_text(text, "format_source")
    problem = binary_problem(text, path, "text")
    if problem is not None:
        raise SpaceError([problem], {path: text})
    module, diags = parse(text, path)
    if module is None:
        raise SpaceError(diags, {path: text})
    try:
        out = _Printer(text, module).run()
    except RecursionError as err:
        raise HpsError(f"{path}: nested too deeply to format") from err
    check, problems = parse(out, path)
    if check is None:  # a bug in the printer: never hand back a file that does not parse
        raise HpsError(f"{path}: formatting produced text that does not parse: "
                       f"{problems[0].message if problems else '?'}")
    return out


class _Printer:
    def __init__(self, text: str, module: ast.Module) -> None:
        self.src = text
        self.module = module
        self.comments = sorted(module.comments, key=lambda c: c.span.start)
        self.next_comment = 0
        self.out: list[str] = []
        self.last_line = 0  # source line of the last thing printed
        self.fresh = True  # at the start of the file or just after `{`: no blank line
        self.blank = {i + 1 for i, line in enumerate(text.split("\n")) if not line.strip()}

    def run(self) -> str:
        self.body(self.module.body, 0)
        self.flush(len(self.src) + 1, 0)
        return "\n".join(self.out).rstrip("\n") + "\n" if self.out else ""

    # --- lines and comments -------------------------------------------------------------
    def blank_between(self, first: int, last: int) -> bool:
        return any(line in self.blank for line in range(first + 1, last))

    def put(self, indent: int, text: str, first_line: int, closing: bool = False) -> None:
        if not (self.fresh or closing) and self.blank_between(self.last_line, first_line):
            self.out.append("")
        self.out.append(INDENT * indent + text)
        self.fresh = False

    def flush(self, before: int, indent: int) -> None:
        """Print the comments that start before offset `before`, each on its own line."""
        while self.next_comment < len(self.comments):
            c = self.comments[self.next_comment]
            if c.span.start >= before:
                return
            self.put(indent, c.text.rstrip(), c.span.line)
            self.last_line = c.span.line
            self.next_comment += 1

    def line(self, indent: int, text: str, start: int, end: int, first_line: int,
             last_line: int, closing: bool = False) -> None:
        """One output line standing for the source from `start` to `end`; comments before
        it come first, and a comment right after `end` on its line goes at its end.

        A `closing` line (`}`, `} elif c {`, `} else {`) ends a block: the comments before
        it stay inside the block, and no blank line precedes it."""
        self.flush(start, indent + 1 if closing else indent)
        self.put(indent, text, first_line, closing)
        self.last_line = last_line
        if self.next_comment < len(self.comments):
            c = self.comments[self.next_comment]
            if (c.span.line == last_line and c.span.start >= end
                    and not self.src[end:c.span.start].strip()):
                self.out[-1] += "  " + c.text.rstrip()
                self.next_comment += 1

    def skip(self, pos: int) -> int:
        """The offset of the next token at or after `pos` (past blanks and comments)."""
        src = self.src
        while pos < len(src):
            if src[pos] in " \t\r\n\f":
                pos += 1
            elif src[pos] == "#":
                nl = src.find("\n", pos)
                pos = len(src) if nl < 0 else nl
            else:
                break
        return pos

    def line_of(self, offset: int) -> int:
        return self.src.count("\n", 0, offset) + 1

    # --- statements ---------------------------------------------------------------------
    def body(self, stmts: tuple[ast.Stmt, ...], indent: int) -> None:
        widths = self.alignment(stmts)
        for stmt, width in zip(stmts, widths, strict=True):
            self.stmt(stmt, indent, width)

    def alignment(self, stmts: tuple[ast.Stmt, ...]) -> list[int]:
        """The target width of each statement: the widest in its run of declarations."""
        widths = [0] * len(stmts)
        run: list[int] = []

        def close() -> None:
            width = max((len(self.target(_decl(stmts[i]).target)) for i in run), default=0)
            for i in run:
                widths[i] = width
            run.clear()

        for i, stmt in enumerate(stmts):
            if not isinstance(stmt, ast.Sample | ast.Assign):
                close()
                continue
            if run and not self.adjacent(stmts[run[-1]], stmt):
                close()
            run.append(i)
        close()
        return widths

    def adjacent(self, prev: ast.Stmt, stmt: ast.Stmt) -> bool:
        """No blank line and no own-line comment between two statements."""
        if self.blank_between(prev.span.end_line, stmt.span.line):
            return False
        for c in self.comments:
            if prev.span.start < c.span.start < stmt.span.start and not (
                    c.span.line == prev.span.end_line and c.span.start >= prev.span.end):
                return False
        return True

    def stmt(self, stmt: ast.Stmt, indent: int, width: int = 0) -> None:
        span = stmt.span
        if isinstance(stmt, ast.If) and not stmt.inline:
            self.if_block(stmt, indent)
        elif isinstance(stmt, ast.Stage):
            self.block(stmt.name + " {", stmt.span, self.skip(stmt.name_span.end), stmt.body,
                       indent)
        elif isinstance(stmt, ast.For):
            head = f"for {stmt.var} in {self.expr(stmt.start)}..{self.expr(stmt.stop)} {{"
            self.block(head, stmt.span, self.skip(stmt.stop.span.end), stmt.body, indent)
        else:
            self.line(indent, self.simple(stmt, width), span.start, span.end, span.line,
                      span.end_line)

    def block(self, head: str, span: Span, brace: int, body: tuple[ast.Stmt, ...],
              indent: int) -> None:
        self.line(indent, head, span.start, brace + 1, span.line, self.line_of(brace))
        self.fresh = True
        self.body(body, indent + 1)
        self.close(span, indent)

    def close(self, span: Span, indent: int) -> None:
        self.line(indent, "}", span.end - 1, span.end, span.end_line, span.end_line,
                  closing=True)

    def if_block(self, stmt: ast.If, indent: int) -> None:
        span = stmt.span
        end = span.start
        for i, branch in enumerate(stmt.branches):
            cond = branch.condition
            brace = self.skip(cond.span.end)
            head = ("if " if i == 0 else "} elif ") + self.expr(cond) + " {"
            start = span.start if i == 0 else cond.span.start
            first = span.line if i == 0 else cond.span.line
            self.line(indent, head, start, brace + 1, first, self.line_of(brace),
                      closing=i > 0)
            self.fresh = True
            self.body(branch.body, indent + 1)
            end = self.skip(branch.body[-1].span.end if branch.body else brace + 1)
        if stmt.orelse is not None:
            else_kw = self.skip(end + 1)  # past the `}` of the last branch
            brace = self.skip(else_kw + len("else"))
            self.line(indent, "} else {", else_kw, brace + 1, self.line_of(else_kw),
                      self.line_of(brace), closing=True)
            self.fresh = True
            self.body(stmt.orelse, indent + 1)
        self.close(span, indent)

    def simple(self, stmt: ast.Stmt, width: int = 0) -> str:
        """A statement that fits on one line."""
        if isinstance(stmt, ast.Sample):
            dist = stmt.dist
            args = ", ".join(self.expr(a.value) if a.weight is None
                             else f"{self.expr(a.weight)}: {self.expr(a.value)}"
                             for a in dist.args)
            text = f"{self.target(stmt.target).ljust(width)} ~ {dist.name}({args})"
            return text + ("" if stmt.default is None else f" default {self.expr(stmt.default)}")
        if isinstance(stmt, ast.Assign):
            return f"{self.target(stmt.target).ljust(width)} = {self.expr(stmt.value)}"
        if isinstance(stmt, ast.Constraint):
            return f"{stmt.kind} {self.expr(stmt.expr)}"
        if isinstance(stmt, ast.Include):
            written = self.src[stmt.span.start:stmt.span.end]
            match = _STRING.search(written)
            return "include " + (match.group(0) if match else string_text(stmt.path))
        if isinstance(stmt, ast.If):
            branch = stmt.branches[0]
            return f"if {self.expr(branch.condition)} then {self.simple(branch.body[0])}"
        raise TypeError(f"not a one-line statement: {type(stmt).__name__}")

    @staticmethod
    def target(target: ast.Target) -> str:
        return target.name if target.index is None else f"{target.name}[{target.index}]"

    # --- expressions --------------------------------------------------------------------
    def expr(self, e: ast.Expr, at_least: int = _OR) -> str:
        text, level = self.node(e)
        return f"({text})" if level < at_least else text

    def node(self, e: ast.Expr) -> tuple[str, int]:
        if isinstance(e, ast.Number):
            written = self.src[e.span.start:e.span.end]
            return (written if _NUMBER.fullmatch(written) else repr(e.value)), _ATOM
        if isinstance(e, ast.String):
            written = self.src[e.span.start:e.span.end]
            return (written if _STRING.fullmatch(written) else string_text(e.value)), _ATOM
        if isinstance(e, ast.Bool):
            return ("true" if e.value else "false"), _ATOM
        if isinstance(e, ast.Null):
            return "null", _ATOM
        if isinstance(e, ast.Name):
            return e.name, _ATOM
        if isinstance(e, ast.Dotted):
            return ".".join(e.parts), _ATOM
        if isinstance(e, ast.Index):
            return f"{e.name}[{self.expr(e.index)}]", _ATOM
        if isinstance(e, ast.Call):
            return f"{e.func}({', '.join(self.expr(a) for a in e.args)})", _ATOM
        if isinstance(e, ast.BinOp):
            if e.op == "**":
                return f"{self.expr(e.left, _ATOM)} ** {self.expr(e.right, _UNARY)}", _POW
            level = _SUM if e.op in "+-" else _PROD
            return f"{self.expr(e.left, level)} {e.op} {self.expr(e.right, level + 1)}", level
        if isinstance(e, ast.UnaryOp):
            return f"{e.op}{self.expr(e.operand, _UNARY)}", _UNARY
        if isinstance(e, ast.Compare):
            return f"{self.expr(e.left, _SUM)} {e.op} {self.expr(e.right, _SUM)}", _CMP
        if isinstance(e, ast.In):
            options = ", ".join(self.expr(o) for o in e.options)
            keyword = "not in" if e.negated else "in"
            return f"{self.expr(e.left, _SUM)} {keyword} {{{options}}}", _CMP
        if isinstance(e, ast.And):  # `and` and `or` are associative: nested ones need no ()
            return " and ".join(self.expr(o, _AND if isinstance(o, ast.And) else _NOT)
                                for o in e.operands), _AND
        if isinstance(e, ast.Or):
            return " or ".join(self.expr(o, _OR if isinstance(o, ast.Or) else _AND)
                               for o in e.operands), _OR
        if isinstance(e, ast.Not):
            return f"not {self.expr(e.operand, _NOT)}", _NOT
        raise TypeError(f"unknown expression {type(e).__name__}")


def _decl(stmt: ast.Stmt) -> ast.Sample | ast.Assign:
    assert isinstance(stmt, ast.Sample | ast.Assign)
    return stmt

