"""Lark (LALR) over grammar/hps.lark, building `hpdsl.syntax.ast` as it parses.

Lark compiles the grammar and its LALR table; `_Driver` runs that table with the
`_Builder` callbacks, so the AST is built as the parser reduces (no parse tree, no
second pass, no recursion: a long operator chain or deep nesting is cheap here). On a
syntax error, lark's own parser runs again to raise the error that is reported.
"""

from __future__ import annotations

import functools
import threading
from importlib import resources
from itertools import chain
from pathlib import Path
from typing import Any, cast

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from ..diagnostics import Diagnostic, Span
from . import ast
from ._postlex import MAX_NESTING, Layout, Lexer, NestingTooDeep

MAX_SOURCE_BYTES = 4 * 1024 * 1024
MAX_EXPR_DEPTH = 200


def grammar_text() -> str:
    """The grammar, from the installed wheel or from a source checkout."""
    packaged = resources.files("hpdsl").joinpath("grammar", "hps.lark")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[2] / "grammar" / "hps.lark"
    return checkout.read_text(encoding="utf-8")


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


class _Builder(Transformer):
    """Builds AST nodes inline, as the LALR parser reduces: no parse tree, no second pass.

    The parser keeps every token (`keep_all_tokens`), so spans come from the children: a
    node runs from the start of its first child to the end of its last one, where a child
    in parentheses counts with them (`_groups`), as lark's `propagate_positions` did.
    `_heights` holds each node's height (by id; leaves have none), so the depth limit is
    checked without another walk. The state is per parse: use it under `_LOCK`.
    """

    def __init__(self) -> None:
        super().__init__(visit_tokens=False)
        self.reset("<string>")

    def reset(self, file: str) -> None:
        """Start a parse of `file`."""
        self.file = file
        self.comments: list[Token] = []
        self._groups: dict[int, Span] = {}
        self._heights: dict[int, int] = {}
        self._nesting: dict[int, int] = {}  # blocks (if/stage/for) around and in a statement

    def comment(self, tok: Token) -> Token:
        """Lexer callback: keep the comment for `Module.comments`."""
        self.comments.append(tok)
        return tok

    def height(self, body: tuple[ast.Stmt, ...]) -> int:
        """The height of the tallest statement in `body`."""
        get = self._heights.get
        return max((get(id(s), 0) for s in body), default=0)

    def too_nested(self, body: tuple[ast.Stmt, ...]) -> ast.Stmt | None:
        """The first statement holding blocks nested deeper than MAX_NESTING, if any
        (one-line `if ... then` counts as a block, as braces do in the post-lexer)."""
        get = self._nesting.get
        return next((s for s in body if get(id(s), 0) > MAX_NESTING), None)

    def _block(self, node: Any, *bodies: tuple[ast.Stmt, ...]) -> Any:
        """Record how deeply blocks nest in `node`; return it."""
        get = self._nesting.get
        self._nesting[id(node)] = 1 + max((get(id(s), 0) for b in bodies for s in b), default=0)
        return node

    def tspan(self, tok: Token) -> Span:
        return Span(self.file, tok.line or 1, tok.column or 1, tok.end_line or 1,
                    tok.end_column or 1, tok.start_pos or 0, tok.end_pos or 0)

    def _span(self, first: Any, last: Any) -> Span:
        """From the start of `first` to the end of `last` (tokens or nodes)."""
        if type(first) is Token:
            line, column, start = first.line or 1, first.column or 1, first.start_pos or 0
        else:
            outer = self._groups.get(id(first)) or first.span
            line, column, start = outer.line, outer.column, outer.start
        if type(last) is Token:
            end_line, end_column, end = last.end_line or 1, last.end_column or 1, last.end_pos or 0
        else:
            outer = self._groups.get(id(last)) or last.span
            end_line, end_column, end = outer.end_line, outer.end_column, outer.end
        return Span(self.file, line, column, end_line, end_column, start, end)

    def _node(self, node: Any, *children: Any) -> Any:
        """Record the expression height of `node` above its node `children` (None ignored);
        return it. Only expressions add a level: blocks have their own limit (MAX_NESTING)."""
        get = self._heights.get
        own = 1 if type(node) in _EXPRESSIONS else 0
        self._heights[id(node)] = own + max([get(id(c), 0) for c in children if c is not None])
        return node

    def _tall(self, node: Any, children: tuple[Any, ...]) -> Any:
        """`_node` for children in a tuple, which may be empty (then the node is a leaf)."""
        if children:
            self._node(node, *children)
        return node

    # --- statements
    def start(self, children: list[Any]) -> tuple[ast.Stmt, ...]:
        return tuple(c for c in children if type(c) is not Token)

    block = start

    def plain_target(self, children: list[Any]) -> ast.Target:
        return ast.Target(str(children[0]), None, self.tspan(children[0]))

    def indexed_target(self, children: list[Any]) -> ast.Target:
        name, _lsqb, index, rsqb = children
        return ast.Target(str(name), str(index), self._span(name, rsqb))

    def sample(self, children: list[Any]) -> ast.Sample:
        target, _tilde, dist, default = children
        node = ast.Sample(target, dist, default, self._span(target, default or dist))
        return self._node(node, target, dist, default)

    def default(self, children: list[Any]) -> ast.Expr:
        return children[1]

    def assign(self, children: list[Any]) -> ast.Assign:
        target, _eq, value = children
        return self._node(ast.Assign(target, value, self._span(target, value)), target, value)

    def dist(self, children: list[Any]) -> ast.Dist:
        name, _lpar, args, rpar = children
        args = tuple(args or ())
        return self._tall(ast.Dist(str(name), args, self._span(name, rpar), self.tspan(name)),
                          args)

    def dist_args(self, children: list[Any]) -> list[ast.DistArg]:
        out = []
        for c in children:
            if type(c) is Token:
                continue
            if type(c) is not ast.DistArg:
                c = self._node(ast.DistArg(c, None, c.span), c)
            out.append(c)
        return out

    def weighted(self, children: list[Any]) -> ast.DistArg:
        weight, _colon, value = children
        return self._node(ast.DistArg(value, weight, self._span(weight, value)), value, weight)

    def stage(self, children: list[Any]) -> ast.Stage:
        name, _lbrace, body, rbrace = children
        node = ast.Stage(str(name), body, self._span(name, rbrace), self.tspan(name))
        return self._block(self._tall(node, body), body)

    def for_loop(self, children: list[Any]) -> ast.For:
        for_, var, _in, start, _dots, stop, _lbrace, body, rbrace = children
        node = ast.For(str(var), start, stop, body, self._span(for_, rbrace))
        return self._block(self._node(node, start, stop, *body), body)

    def if_block(self, children: list[Any]) -> ast.If:
        if_, cond, _lbrace, body, rbrace, *rest = children
        branches = [self._node(ast.Branch(cond, body, cond.span), cond, *body)]
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
        node = ast.If(tuple(branches), orelse, self._span(if_, end))
        return self._block(self._node(node, *branches, *(orelse or ())),
                           *(b.body for b in branches), orelse or ())

    def elif_clause(self, children: list[Any]) -> tuple[ast.Branch, Token]:
        _elif, cond, _lbrace, body, rbrace = children
        return self._node(ast.Branch(cond, body, cond.span), cond, *body), rbrace

    def else_clause(self, children: list[Any]) -> tuple[tuple[ast.Stmt, ...], Token]:
        _else, _lbrace, body, rbrace = children
        return body, rbrace

    def if_then(self, children: list[Any]) -> ast.If:
        if_, cond, _then, stmt = children
        branch = self._node(ast.Branch(cond, (stmt,), cond.span), cond, stmt)
        node = ast.If((branch,), None, self._span(if_, stmt), inline=True)
        return self._block(self._node(node, branch), (stmt,))

    def constraint(self, children: list[Any]) -> ast.Constraint:
        kind, expr = children
        return self._node(ast.Constraint(str(kind), expr, self._span(kind, expr)), expr)

    def include(self, children: list[Any]) -> ast.Include:
        include, path = children
        return ast.Include(_unescape(str(path)[1:-1]), self._span(include, path))

    # --- expressions
    def or_(self, children: list[Any]) -> ast.Or:
        left, _or, right = children
        span = self._span(left, right)
        operands = (*self._operands(left, ast.Or), *self._operands(right, ast.Or))
        return self._node(ast.Or(operands, span), *operands)

    def and_(self, children: list[Any]) -> ast.And:
        left, _and, right = children
        span = self._span(left, right)
        operands = (*self._operands(left, ast.And), *self._operands(right, ast.And))
        return self._node(ast.And(operands, span), *operands)

    def _operands(self, node: ast.Expr, kind: type) -> tuple[ast.Expr, ...]:
        """`and`/`or` are associative: `a or (b or c)` is one `or` of three operands, so
        that every way of writing it (and `hpdsl fmt`'s, with fewer parentheses) is one
        tree."""
        if isinstance(node, ast.And | ast.Or) and type(node) is kind:
            return self._drop(node)
        return (node,)

    def _drop(self, node: ast.And | ast.Or) -> tuple[ast.Expr, ...]:
        """Forget `node` (flattened into its parent, so its id may be reused); its operands."""
        self._groups.pop(id(node), None)
        del self._heights[id(node)]
        return node.operands

    def not_(self, children: list[Any]) -> ast.Not:
        not_, operand = children
        return self._node(ast.Not(operand, self._span(not_, operand)), operand)

    def compare(self, children: list[Any]) -> ast.Compare:
        left, op, right = children
        return self._node(ast.Compare(str(op), left, right, self._span(left, right)), left, right)

    def in_(self, children: list[Any]) -> ast.In:
        left, _in, (options, rbrace) = children
        return self._node(ast.In(left, options, False, self._span(left, rbrace)), left, *options)

    def not_in(self, children: list[Any]) -> ast.In:
        left, _not, _in, (options, rbrace) = children
        return self._node(ast.In(left, options, True, self._span(left, rbrace)), left, *options)

    def set_lit(self, children: list[Any]) -> tuple[tuple[ast.Expr, ...], Token]:
        return tuple(c for c in children[1:-1] if c is not None and type(c) is not Token), \
            children[-1]

    def binop(self, children: list[Any]) -> ast.BinOp:
        left, op, right = children
        return self._node(ast.BinOp(str(op), left, right, self._span(left, right)), left, right)

    def unop(self, children: list[Any]) -> ast.UnaryOp:
        op, operand = children
        return self._node(ast.UnaryOp(str(op), operand, self._span(op, operand)), operand)

    def group(self, children: list[Any]) -> ast.Expr:
        lpar, expr, rpar = children
        self._groups[id(expr)] = self._span(lpar, rpar)
        return expr

    def number(self, children: list[Any]) -> ast.Number:
        return ast.Number(_number(str(children[0])), self.tspan(children[0]))

    def string(self, children: list[Any]) -> ast.String:
        return ast.String(_unescape(str(children[0])[1:-1]), self.tspan(children[0]))

    def true(self, children: list[Any]) -> ast.Bool:
        return ast.Bool(True, self.tspan(children[0]))

    def false(self, children: list[Any]) -> ast.Bool:
        return ast.Bool(False, self.tspan(children[0]))

    def name(self, children: list[Any]) -> ast.Name:
        return ast.Name(str(children[0]), self.tspan(children[0]))

    def dotted(self, children: list[Any]) -> ast.Dotted:
        return ast.Dotted(tuple(str(c) for c in children[::2]),
                          self._span(children[0], children[-1]))

    def index(self, children: list[Any]) -> ast.Index:
        name, _lsqb, index, rsqb = children
        return self._node(ast.Index(str(name), index, self._span(name, rsqb)), index)

    def call(self, children: list[Any]) -> ast.Call:
        func, _lpar, args, rpar = children
        args = tuple(args or ())
        node = ast.Call(str(func), args, self._span(func, rpar), self.tspan(func))
        return self._tall(node, args)

    def call_args(self, children: list[Any]) -> list[ast.Expr]:
        return [c for c in children if type(c) is not Token]


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


_BUILDER = _Builder()
_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(grammar_text(), parser="lalr", lexer=Lexer, postlex=Layout(),
                keep_all_tokens=True, maybe_placeholders=True, transformer=_BUILDER,
                lexer_callbacks={"COMMENT": _BUILDER.comment})


class _Driver:
    """Lark's LALR table and callbacks, run by a leaner loop than lark's own.

    The same table and the same callbacks (so the same AST); a unit rule (`?rule` with
    one child, which lark passes through) only changes state. Syntax errors are left to
    lark's parser (see `_build`).
    """

    def __init__(self, lark: Lark) -> None:
        # lark's internals, not its public API: `_driver` falls back to lark's own loop
        # if a lark release moves them
        from lark.grammar import Rule
        from lark.parse_tree_builder import ExpandSingleChild
        from lark.parsers.lalr_analysis import Shift

        parser = lark.parser.parser.parser  # lark's LALR _Parser: parse_table, callbacks
        table = parser.parse_table
        reductions = {}
        for rule, callback in parser.callbacks.items():
            if isinstance(rule, Rule):
                unit = isinstance(callback, ExpandSingleChild) and len(rule.expansion) == 1
                reductions[rule] = (len(rule.expansion), None if unit else callback,
                                    str(rule.origin.name))
        self._states = {
            state: {str(symbol): (True, arg) if action is Shift else (False, reductions[arg])
                    for symbol, (action, arg) in row.items()}
            for state, row in table.states.items()
        }
        self._start = table.start_states["start"]
        self._end = table.end_states["start"]
        self._lexer = Lexer(lark.lexer_conf)
        self._layout = Layout()

    def run(self, source: str) -> tuple[ast.Stmt, ...] | None:
        """The statements of `source`, or None at the first token the table rejects."""
        states, end = self._states, self._end
        state_stack = [self._start]
        value_stack: list[Any] = []
        for tok in chain(self._layout.process(self._lexer.scan(source)), (_END,)):
            kind = tok.type
            while True:
                action = states[state_stack[-1]].get(kind)
                if action is None:
                    return None
                shift, arg = action
                if shift:
                    state_stack.append(arg)
                    value_stack.append(tok)
                    break
                size, callback, origin = arg
                if callback is None:
                    del state_stack[-1]
                else:
                    value = callback(value_stack[-size:] if size else [])
                    if size:
                        del state_stack[-size:]
                        del value_stack[-size:]
                    value_stack.append(value)
                state_stack.append(states[state_stack[-1]][origin][1])
                if state_stack[-1] == end:
                    body: tuple[ast.Stmt, ...] = value_stack[-1]
                    return body
        return None  # not reached: the table never shifts the end token


_END = Token("$END", "")


@functools.lru_cache(maxsize=1)
def _driver() -> _Driver | None:
    """The fast loop, or None (use lark's own parser) if lark's internals differ."""
    try:
        return _Driver(_lark())
    except (ImportError, AttributeError, KeyError, TypeError):
        return None


def _build(source: str, file: str) -> tuple[ast.Stmt, ...]:
    """Parse `source` into statements; the builder keeps the rest. Call under `_LOCK`.

    On a syntax error, lark's parser runs again to raise it, with the parser state that
    the friendly messages need.
    """
    _BUILDER.reset(file)
    driver = _driver()
    try:
        body = driver.run(source) if driver is not None else None
    except UnexpectedCharacters:
        body = None
    if body is not None:
        return body
    _BUILDER.reset(file)
    return cast("tuple[ast.Stmt, ...]", _lark().parse(source))


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
                with _LOCK:
                    _build(example, "<example>")
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
    try:
        with _LOCK:
            body = _build(source, path)
            height = _BUILDER.height(body)
            nested = _BUILDER.too_nested(body)
            comments = tuple(ast.Comment(str(t), _BUILDER.tspan(t)) for t in _BUILDER.comments)
    except UnexpectedInput as err:
        return None, [_syntax_diagnostic(err, path, text)]
    except NestingTooDeep as err:
        tok = err.token
        span = Span(path, tok.line or 1, tok.column or 1, tok.end_line or 1,
                    tok.end_column or 1, tok.start_pos or 0, tok.end_pos or 0)
        return None, [Diagnostic("HPS003", f"blocks and brackets nested deeper than "
                                 f"{MAX_NESTING} levels", span)]
    if nested is not None:
        return None, [Diagnostic("HPS003", f"blocks nested deeper than {MAX_NESTING} levels",
                                 nested.span)]
    too_deep = _too_deep(body) if height > MAX_EXPR_DEPTH else None
    if too_deep is not None:
        return None, [Diagnostic("HPS003", f"expression nested deeper than {MAX_EXPR_DEPTH} "
                                 "levels", too_deep,
                                 help="split the expression with derived values (`x = ...`)")]
    return ast.Module(path, body, comments), []


_EXPRESSIONS = frozenset({ast.BinOp, ast.UnaryOp, ast.Compare, ast.In, ast.And, ast.Or, ast.Not,
                          ast.Call, ast.Index})


def _too_deep(body: tuple[ast.Stmt, ...]) -> Span | None:
    """The span of the first expression nested deeper than MAX_EXPR_DEPTH, if any.

    Iterative, so that it is safe on exactly the inputs it exists to refuse. Only run
    when the builder found a statement that tall, to tell which node to report.
    """
    stack: list[tuple[Any, int]] = [(stmt, 0) for stmt in body]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, tuple):
            stack.extend((child, depth) for child in node if not isinstance(child, str))
            continue
        if depth > MAX_EXPR_DEPTH:
            return node.span
        below = depth + 1 if type(node) in _EXPRESSIONS else depth
        for name in getattr(node, "__slots__", ()):
            child = getattr(node, name)
            if isinstance(child, tuple) or hasattr(child, "__slots__"):
                if not isinstance(child, Span | str):
                    stack.append((child, below))
    return None
