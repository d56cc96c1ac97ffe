"""Syntax errors as friendly diagnostics (HPS001).

A table of malformed examples (`SYNTAX_EXAMPLES`, lark's `match_examples` idea) maps the
parser state at an error to a message; the tokens the parser would have accepted become
the help. Unlike lark's `match_examples`, the depth of the parser stack is ignored, so a
mistake is recognised inside blocks and after the first statement too.
"""

from __future__ import annotations

import functools
from typing import Any

from lark import Lark, Token, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from ..diagnostics import Diagnostic, Span
from ._grammar import parse_tree, parser

# Friendly messages for common mistakes, matched against the parser state at the
# error. Each example is malformed in exactly one way.
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
    "`name=value` arguments do not exist: a log scale is its own distribution, "
    "e.g. `loguniform(1e-4, 1e-1)`": [
        "x ~ uniform(1, 10, log=true)\n", "x ~ randint(1, 9, step=2)\n",
    ],
    "write `elif` for `else if`": ["if a {\n} else if b {\n}\n", "if a {\n}\nelse if b {\n}\n"],
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
    "`name=value` arguments do not exist: a log scale is its own distribution, "
    "e.g. `loguniform(1e-4, 1e-1)`": {"EQUAL"},
    "write `elif` for `else if`": {"IF"},
}

_UNCLOSED_BLOCK = "unclosed block: expected `}`"


def _unclosed_brace(text: str) -> int | None:
    """The offset of the innermost `{` that no `}` closes (strings and comments skipped)."""
    opened: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif ch in "\"'":
            i += 1
            while i < n and text[i] not in (ch, "\n"):
                i += 2 if text[i] == "\\" else 1
        elif ch == "{":
            opened.append(i)
        elif ch == "}" and opened:
            opened.pop()
        i += 1
    return opened[-1] if opened else None


def _brace_span(file: str, text: str, offset: int) -> Span:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Span.point(file, line, column, offset)

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


def _where(err: UnexpectedToken) -> tuple[frozenset[Any], frozenset[str]]:
    """What identifies the parser state at `err`: the actions of its state (whatever the
    stack below it) and the tokens it accepts."""
    parser = err.interactive_parser
    return frozenset(parser.choices().items()), frozenset(err.accepts or ())


@functools.lru_cache(maxsize=1)
def _example_errors(lalr: Lark) -> dict[tuple[frozenset[Any], frozenset[str]],
                                        list[tuple[str, str]]]:
    """(message, token type) of the SYNTAX_EXAMPLES that fail in each state of `lalr`
    (the parser in use: `parse_tree` parses with it).

    Each example also counts after a leading blank line: a file that starts with a
    comment reaches different parser states at the top level.
    """
    out: dict[tuple[frozenset[Any], frozenset[str]], list[tuple[str, str]]] = {}
    for message, examples in SYNTAX_EXAMPLES.items():
        for example in (*examples, *("\n" + e for e in examples)):
            try:
                parse_tree(example)
            except UnexpectedToken as err:
                out.setdefault(_where(err), []).append((message, err.token.type))
    return out


def _match_example(err: UnexpectedToken) -> str | None:
    """The message of the example that fails in the same state with the same accepted
    tokens (preferring one that fails on the same kind of token)."""
    matches = _example_errors(parser()).get(_where(err), [])
    same = next((message for message, token in matches if token == err.token.type), None)
    return same or next((message for message, _ in matches), None)


def _end_span(file: str, text: str) -> Span:
    lines = text.split("\n")
    if lines and lines[-1] == "" and len(lines) > 1:
        lines.pop()
    line = max(len(lines), 1)
    col = len(lines[-1]) + 1 if lines else 1
    return Span.point(file, line, col, len(text))


def _char_help(ch: str) -> str | None:
    if ch in "@$`;\\":
        return "expressions use only numbers, names, + - * / // ** and min max log exp round"
    if ch == "%":
        return "there is no modulo operator; use `//` and `*`"
    if ch in "“”‘’":
        return "use straight quotes (\" or ') around strings"
    return None


def _character_diagnostic(err: UnexpectedCharacters, file: str, text: str) -> Diagnostic:
    line, col, pos = err.line, err.column, err.pos_in_stream or 0
    ch = text[pos] if pos < len(text) else ""
    return Diagnostic("HPS001", f"unexpected character {ch!r}",
                      Span.point(file, line, col, pos),
                      label="not part of the language", help=_char_help(ch))


def syntax_diagnostic(err: UnexpectedInput, file: str, text: str) -> Diagnostic:
    """The diagnostic of a syntax error of `parse_tree` on `text` (the file as read)."""
    if isinstance(err, UnexpectedCharacters):
        return _character_diagnostic(err, file, text)
    assert isinstance(err, UnexpectedToken)
    tok: Token = err.token
    if tok.type == "$END":
        span = _end_span(file, text)
        found = "end of file"
    elif tok.type == "_NL":
        span = Span.point(file, tok.line or 1, tok.column or 1, tok.start_pos or 0)
        found = "end of line"
    else:
        span = Span.from_token(file, tok)
        found = f"`{tok}`"
    accepted = err.accepts or err.expected or set()
    expected = sorted({_describe(e) for e in accepted if not e.startswith("__ANON")})
    message = _match_example(err)
    if message in _NEEDS_TOKEN and tok.type not in _NEEDS_TOKEN[message]:
        message = None
    help_text = None
    if expected:
        shown = expected[:8]
        more = "" if len(expected) <= 8 else f" (or {len(expected) - 8} more)"
        help_text = "expected " + ", ".join(shown) + more
    brace = _unclosed_brace(text) if message == _UNCLOSED_BLOCK else None
    if brace is not None:  # point at the brace that was opened, not at the end of the file
        return Diagnostic("HPS001", _UNCLOSED_BLOCK, _brace_span(file, text, brace),
                          label="this `{` is never closed",
                          help=f"close it with `}}`; the file ends at line {span.line}")
    return Diagnostic("HPS001", message or f"unexpected {found}", span,
                      label=f"unexpected {found}", help=help_text)
