"""Lark (LALR) over grammar/hps.lark, transformed into `hpdsl.syntax.ast`.

The transformer is Lark's non-recursive one, so a long operator chain or deep
nesting costs no Python recursion here.
"""

from __future__ import annotations

import functools
import threading
from importlib import resources
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer_NonRecursive, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..diagnostics import Diagnostic, Span
from . import ast
from ._postlex import MAX_NESTING, Layout, NestingTooDeep

MAX_SOURCE_BYTES = 4 * 1024 * 1024
MAX_EXPR_DEPTH = 200


def grammar_text() -> str:
    """The grammar, from the installed wheel or from a source checkout."""
    packaged = resources.files("hpdsl").joinpath("grammar", "hps.lark")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[2] / "grammar" / "hps.lark"
    return checkout.read_text(encoding="utf-8")


class _Comments:
    def __init__(self) -> None:
        self.tokens: list[Token] = []

    def __call__(self, tok: Token) -> Token:
        self.tokens.append(tok)
        return tok


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
    if any(c in clean for c in ".eE"):
        return float(clean)
    try:
        return int(clean)
    except ValueError:  # more digits than Python converts: as a float it is inf
        return float(clean)


class _ToAst(Transformer_NonRecursive):
    """Builds AST nodes as the parser reduces. `file` is set per parse."""

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.file = "<string>"

    def span(self, meta: Any) -> Span:
        return Span(self.file, meta.line, meta.column, meta.end_line, meta.end_column,
                    meta.start_pos, meta.end_pos)

    def tspan(self, tok: Token) -> Span:
        return Span(self.file, tok.line or 1, tok.column or 1, tok.end_line or 1,
                    tok.end_column or 1, tok.start_pos or 0, tok.end_pos or 0)

    # --- statements
    def start(self, children: list[Any]) -> tuple[ast.Stmt, ...]:
        return tuple(children)

    def block(self, children: list[Any]) -> tuple[ast.Stmt, ...]:
        return tuple(children)

    @v_args(meta=True)
    def plain_target(self, meta: Any, children: list[Any]) -> ast.Target:
        return ast.Target(str(children[0]), None, self.span(meta))

    @v_args(meta=True)
    def indexed_target(self, meta: Any, children: list[Any]) -> ast.Target:
        return ast.Target(str(children[0]), str(children[1]), self.span(meta))

    @v_args(meta=True)
    def sample(self, meta: Any, children: list[Any]) -> ast.Sample:
        target, dist, default = children
        return ast.Sample(target, dist, default, self.span(meta))

    def default(self, children: list[Any]) -> ast.Expr:
        return children[0]

    @v_args(meta=True)
    def assign(self, meta: Any, children: list[Any]) -> ast.Assign:
        return ast.Assign(children[0], children[1], self.span(meta))

    @v_args(meta=True)
    def dist(self, meta: Any, children: list[Any]) -> ast.Dist:
        name, args = children
        return ast.Dist(str(name), tuple(args or ()), self.span(meta), self.tspan(name))

    def dist_args(self, children: list[Any]) -> list[ast.DistArg]:
        out = []
        for c in children:
            if isinstance(c, ast.DistArg):
                out.append(c)
            else:
                out.append(ast.DistArg(c, None, _expr_span(c)))
        return out

    @v_args(meta=True)
    def weighted(self, meta: Any, children: list[Any]) -> ast.DistArg:
        return ast.DistArg(children[1], children[0], self.span(meta))

    @v_args(meta=True)
    def stage(self, meta: Any, children: list[Any]) -> ast.Stage:
        name, body = children
        return ast.Stage(str(name), body, self.span(meta), self.tspan(name))

    @v_args(meta=True)
    def for_loop(self, meta: Any, children: list[Any]) -> ast.For:
        var, start, _dots, stop, body = children
        return ast.For(str(var), start, stop, body, self.span(meta))

    @v_args(meta=True)
    def if_block(self, meta: Any, children: list[Any]) -> ast.If:
        cond, body, *rest = children
        first = ast.Branch(cond, body, _expr_span(cond))
        branches = [first]
        orelse = None
        for r in rest:
            if isinstance(r, ast.Branch):
                branches.append(r)
            elif r is not None:
                orelse = r
        return ast.If(tuple(branches), orelse, self.span(meta))

    @v_args(meta=True)
    def elif_clause(self, meta: Any, children: list[Any]) -> ast.Branch:
        return ast.Branch(children[0], children[1], _expr_span(children[0]))

    def else_clause(self, children: list[Any]) -> tuple[ast.Stmt, ...]:
        return children[0]

    @v_args(meta=True)
    def if_then(self, meta: Any, children: list[Any]) -> ast.If:
        cond, stmt = children
        return ast.If((ast.Branch(cond, (stmt,), _expr_span(cond)),), None, self.span(meta),
                      inline=True)

    @v_args(meta=True)
    def constraint(self, meta: Any, children: list[Any]) -> ast.Constraint:
        return ast.Constraint(str(children[0]), children[1], self.span(meta))

    @v_args(meta=True)
    def include(self, meta: Any, children: list[Any]) -> ast.Include:
        return ast.Include(_unescape(str(children[0])[1:-1]), self.span(meta))

    # --- expressions
    @v_args(meta=True)
    def or_(self, meta: Any, children: list[Any]) -> ast.Or:
        left, right = children
        ops = left.operands if isinstance(left, ast.Or) else (left,)
        return ast.Or((*ops, right), self.span(meta))

    @v_args(meta=True)
    def and_(self, meta: Any, children: list[Any]) -> ast.And:
        left, right = children
        ops = left.operands if isinstance(left, ast.And) else (left,)
        return ast.And((*ops, right), self.span(meta))

    @v_args(meta=True)
    def not_(self, meta: Any, children: list[Any]) -> ast.Not:
        return ast.Not(children[0], self.span(meta))

    @v_args(meta=True)
    def compare(self, meta: Any, children: list[Any]) -> ast.Compare:
        left, op, right = children
        return ast.Compare(str(op), left, right, self.span(meta))

    @v_args(meta=True)
    def in_(self, meta: Any, children: list[Any]) -> ast.In:
        return ast.In(children[0], children[1], False, self.span(meta))

    @v_args(meta=True)
    def not_in(self, meta: Any, children: list[Any]) -> ast.In:
        return ast.In(children[0], children[1], True, self.span(meta))

    def set_lit(self, children: list[Any]) -> tuple[ast.Expr, ...]:
        return tuple(c for c in children if c is not None)

    @v_args(meta=True)
    def binop(self, meta: Any, children: list[Any]) -> ast.BinOp:
        left, op, right = children
        return ast.BinOp(str(op), left, right, self.span(meta))

    @v_args(meta=True)
    def unop(self, meta: Any, children: list[Any]) -> ast.UnaryOp:
        return ast.UnaryOp(str(children[0]), children[1], self.span(meta))

    @v_args(meta=True)
    def number(self, meta: Any, children: list[Any]) -> ast.Number:
        return ast.Number(_number(str(children[0])), self.span(meta))

    @v_args(meta=True)
    def string(self, meta: Any, children: list[Any]) -> ast.String:
        return ast.String(_unescape(str(children[0])[1:-1]), self.span(meta))

    @v_args(meta=True)
    def true(self, meta: Any, children: list[Any]) -> ast.Bool:
        return ast.Bool(True, self.span(meta))

    @v_args(meta=True)
    def false(self, meta: Any, children: list[Any]) -> ast.Bool:
        return ast.Bool(False, self.span(meta))

    @v_args(meta=True)
    def name(self, meta: Any, children: list[Any]) -> ast.Name:
        return ast.Name(str(children[0]), self.span(meta))

    @v_args(meta=True)
    def dotted(self, meta: Any, children: list[Any]) -> ast.Dotted:
        return ast.Dotted(tuple(str(c) for c in children), self.span(meta))

    @v_args(meta=True)
    def index(self, meta: Any, children: list[Any]) -> ast.Index:
        return ast.Index(str(children[0]), children[1], self.span(meta))

    @v_args(meta=True)
    def call(self, meta: Any, children: list[Any]) -> ast.Call:
        func, args = children
        return ast.Call(str(func), tuple(args or ()), self.span(meta), self.tspan(func))

    def call_args(self, children: list[Any]) -> list[ast.Expr]:
        return children


def _expr_span(node: Any) -> Span:
    return node.span


# Friendly messages for common mistakes, matched against the parser state at the
# error (lark's match_examples). Each example is malformed in exactly one way.
SYNTAX_EXAMPLES: dict[str, list[str]] = {
    "expected a distribution such as `uniform(0, 1)` after `~`": [
        "x ~\n", "x ~ 3\n", "x ~ \"a\"\n",
    ],
    "expected a value after `=`": ["x =\n", "x = \n"],
    "expected `~` or `=` after the parameter name": [
        "x uniform(0, 1)\n", "x\n", "x 3\n", "x == 3\n",
    ],
    "expected `{` or `then` after the condition": [
        "if x == 1\n", "if x == 1 x ~ uniform(0, 1)\n",
    ],
    "expected a statement after `then`": ["if x == 1 then\n", "if a then }\n"],
    "unclosed parenthesis: expected `,` or `)`": [
        "x ~ uniform(0, 1\n", "x ~ uniform(0 1)\n", "x = max(1, 2\n",
    ],
    "unclosed block: expected `}`": ["a {\n", "if a {\n", "a {\nx = 1\n", "if a {\nx = 1\n"],
    "expected a condition after `if`": ["if {\n", "if then\n", "if\n"],
    "`}` without a matching `{`": ["}\n", "x = 1\n}\n"],
    "expected a loop range like `1..n_layers`": [
        "for i in n {\n", "for i in 1 to 3 {\n", "for i 1..3 {\n",
    ],
    "expected a value or expression": ["x = 1 +\n", "x = (\n", "x = *\n", "x = 1 + )\n"],
    "one statement per line: put a newline between statements": [
        "x = 1 y = 2\n", "x ~ uniform(0, 1) y ~ uniform(0, 1)\n", "a {\nx = 1 y = 2\n}\n",
        "a {\nx ~ uniform(0, 1) y = 2\n}\n",
    ],
    "`elif` and `else` must follow the `}` of an `if` block": [
        "elif a {\n", "else {\n", "x = 1\nelif a {\n", "x = 1\nelse {\n",
        "x ~ uniform(0, 1)\nelif a {\n", "x ~ uniform(0, 1)\nelse {\n",
    ],
}

# Examples whose state is shared with other mistakes only apply to these tokens.
_NEEDS_TOKEN: dict[str, set[str]] = {
    "one statement per line: put a newline between statements": {
        "NAME", "IF", "FOR", "FORBID", "REQUIRE", "INCLUDE"},
    "`}` without a matching `{`": {"RBRACE"},
    "`elif` and `else` must follow the `}` of an `if` block": {"ELIF", "ELSE"},
}

_TOKEN_NAMES = {
    "_NL": "end of line", "_LBRACE": "`{`", "RBRACE": "`}`", "LPAR": "`(`", "RPAR": "`)`",
    "LSQB": "`[`", "RSQB": "`]`", "COMMA": "`,`", "COLON": "`:`", "TILDE": "`~`",
    "EQUAL": "`=`", "NAME": "a name", "NUMBER": "a number", "STRING": "a string",
    "COMP_OP": "a comparison", "ADD_OP": "`+` or `-`", "MUL_OP": "`*`, `/` or `//`",
    "POW_OP": "`**`", "DOTDOT": "`..`", "DOT": "`.`", "$END": "end of file",
}


def _describe(name: str) -> str:
    if name in _TOKEN_NAMES:
        return _TOKEN_NAMES[name]
    if name.startswith("__ANON"):
        return "a symbol"
    return f"`{name.lower()}`"


@functools.lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(grammar_text(), parser="lalr", lexer="basic", postlex=Layout(),
                propagate_positions=True, maybe_placeholders=True,
                lexer_callbacks={"COMMENT": _COMMENT_SINK})


class _CommentSink:
    """Lexer callback collecting comments for the parse that is running."""

    def __init__(self) -> None:
        self.current: _Comments | None = None

    def __call__(self, tok: Token) -> Token:
        if self.current is not None:
            self.current(tok)
        return tok


_COMMENT_SINK = _CommentSink()
_TRANSFORMER = _ToAst()
_LOCK = threading.Lock()


def _end_span(file: str, text: str) -> Span:
    lines = text.split("\n")
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()
    line = max(len(lines), 1)
    col = len(lines[-1]) + 1 if lines else 1
    return Span(file, line, col, line, col + 1, len(text), len(text) + 1)


@functools.lru_cache(maxsize=1)
def _example_errors() -> tuple[tuple[str, int, frozenset[str], str], ...]:
    """(message, LALR state, accepted tokens, token type) of each SYNTAX_EXAMPLES error.

    Each example also counts after a leading blank line: a file that starts with a
    comment reaches different parser states at the top level.
    """
    out = []
    for message, examples in SYNTAX_EXAMPLES.items():
        for example in (*examples, *("\n" + e for e in examples)):
            try:
                _lark().parse(example)
            except UnexpectedInput as ex:
                out.append((message, ex.state.position, frozenset(getattr(ex, "accepts", ()) or ()),
                            getattr(getattr(ex, "token", None), "type", "$END")))
    return tuple(out)


def _match_example(err: UnexpectedInput, token_type: str) -> str | None:
    """The message of the example that fails in the same LALR state with the same
    accepted tokens (preferring one that fails on the same kind of token).

    Unlike lark's `match_examples`, the depth of the parser stack is ignored, so a
    mistake is recognised inside blocks and after the first statement too.
    """
    state = getattr(err, "state", None)
    if state is None:
        return None
    accepts = frozenset(getattr(err, "accepts", ()) or ())
    fallback = None
    for message, position, ex_accepts, ex_token in _example_errors():
        if position == state.position and ex_accepts == accepts:
            if ex_token == token_type:
                return message
            fallback = fallback or message
    return fallback


def _syntax_diagnostic(err: UnexpectedInput, file: str, text: str) -> Diagnostic:
    if isinstance(err, UnexpectedEOF) or (
        isinstance(err, UnexpectedToken) and err.token.type == "$END"
    ):
        span = _end_span(file, text)
        found = "end of file"
    elif isinstance(err, UnexpectedToken):
        tok = err.token
        span = Span(file, tok.line or 1, tok.column or 1, tok.end_line or 1,
                    tok.end_column or 1, tok.start_pos or 0, tok.end_pos or 0)
        found = "end of line" if tok.type == "_NL" else f"`{tok}`"
        if tok.type == "_NL":
            span = Span(file, span.line, span.column, span.line, span.column + 1,
                        span.start, span.start + 1)
    else:
        assert isinstance(err, UnexpectedCharacters)
        line, col, pos = err.line, err.column, err.pos_in_stream or 0
        span = Span(file, line, col, line, col + 1, pos, pos + 1)
        ch = text[pos] if pos < len(text) else ""
        return Diagnostic("HPS001", f"unexpected character {ch!r}", span,
                          label="not part of the language",
                          help=_char_help(ch))
    accepted = getattr(err, "accepts", None) or getattr(err, "expected", None) or set()
    expected = sorted({_describe(e) for e in accepted if not e.startswith("__ANON")})
    token_type = getattr(getattr(err, "token", None), "type", "$END")
    message = _match_example(err, token_type)
    if message in _NEEDS_TOKEN and token_type not in _NEEDS_TOKEN[message]:
        message = None
    if not message:
        message = f"unexpected {found}"
    help_text = None
    if expected:
        shown = expected[:8]
        more = "" if len(expected) <= 8 else f" (or {len(expected) - 8} more)"
        help_text = "expected " + ", ".join(shown) + more
    return Diagnostic("HPS001", message, span, label=f"unexpected {found}", help=help_text)


def _char_help(ch: str) -> str | None:
    if ch in "@$`;\\":
        return "expressions use only numbers, names, + - * / // ** and min max log exp round"
    if ch == "%":
        return "there is no modulo operator; use `//` and `*`"
    if ch in "“”‘’":
        return "use straight quotes (\" or ') around strings"
    return None


def parse(text: str, path: str = "<string>") -> tuple[ast.Module | None, list[Diagnostic]]:
    """Parse source text. Returns the module (None on a syntax error) and diagnostics."""
    if len(text) > MAX_SOURCE_BYTES:
        span = Span(path, 1, 1, 1, 2, 0, 1)
        return None, [Diagnostic("HPS003", f"file is larger than the limit of "
                                 f"{MAX_SOURCE_BYTES // (1024 * 1024)} MiB", span,
                                 help="split the space into included files")]
    source = text if text.endswith("\n") else text + "\n"
    transformer = _TRANSFORMER
    comments = _Comments()
    try:
        with _LOCK:
            transformer.file = path
            _COMMENT_SINK.current = comments
            body = _TRANSFORMER.transform(_lark().parse(source))
    except UnexpectedInput as err:
        return None, [_syntax_diagnostic(err, path, text)]
    except NestingTooDeep as err:
        tok = err.token
        span = Span(path, tok.line or 1, tok.column or 1, tok.end_line or 1,
                    tok.end_column or 1, tok.start_pos or 0, tok.end_pos or 0)
        return None, [Diagnostic("HPS003", f"blocks and brackets nested deeper than "
                                 f"{MAX_NESTING} levels", span)]
    except RecursionError:
        span = Span(path, 1, 1, 1, 2, 0, 1)
        return None, [Diagnostic("HPS003", "expression nested too deeply to parse", span)]
    finally:
        _COMMENT_SINK.current = None
    too_deep = _too_deep(body)
    if too_deep is not None:
        return None, [Diagnostic("HPS003", f"expression nested deeper than {MAX_EXPR_DEPTH} "
                                 "levels", too_deep,
                                 help="split the expression with derived values (`x = ...`)")]
    module_comments = tuple(
        ast.Comment(str(t), transformer.tspan(t)) for t in comments.tokens
    )
    return ast.Module(path, body, module_comments), []



def _too_deep(body: tuple[ast.Stmt, ...]) -> Span | None:
    """The span of the first expression nested deeper than MAX_EXPR_DEPTH, if any.

    Iterative, so that it is safe on exactly the inputs it exists to refuse.
    """
    stack: list[tuple[Any, int]] = [(stmt, 0) for stmt in body]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, tuple):
            stack.extend((child, depth) for child in node if not isinstance(child, str))
            continue
        if depth > MAX_EXPR_DEPTH:
            return node.span
        for name in getattr(node, "__slots__", ()):
            child = getattr(node, name)
            if isinstance(child, tuple) or hasattr(child, "__slots__"):
                if not isinstance(child, Span | str):
                    stack.append((child, depth + 1))
    return None
