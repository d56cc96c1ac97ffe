"""Fix-ups between Lark's lexer and its parser: a Lark post-lexer (`postlex=`).

The grammar treats a newline as the end of a statement. `Layout` makes the
layout forgiving where users expect it to be: newlines inside parentheses,
brackets and `in {...}` sets are dropped, a newline before `elif` / `else` is
dropped, runs of newlines become one. It also enforces the nesting limit, so a
pathological file is refused instead of exhausting the stack later.

Comments pass through untouched: the parser's driver takes them out of the stream
(for `Module.comments`) before the parser sees it.
"""

from __future__ import annotations

from collections.abc import Iterator

from lark import Token

MAX_NESTING = 256

_OPEN = {"LPAR": "RPAR", "LSQB": "RSQB"}
_CLOSE = {"RPAR", "RSQB", "RBRACE"}


class NestingTooDeep(Exception):
    def __init__(self, token: Token) -> None:
        super().__init__(f"nesting deeper than {MAX_NESTING} levels")
        self.token = token


class Layout:
    """A Lark post-lexer (see module docstring). Holds no state between parses."""

    # no rule uses COMMENT: listing it here keeps Lark from dropping the terminal
    always_accept = ("COMMENT",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        stack: list[str] = []  # "(" / "[" / "set" / "block"
        pending_nl: Token | None = None
        previous: str | None = None
        for tok in stream:
            kind = tok.type
            if kind == "COMMENT":
                yield tok
                continue
            if kind == "_NL":
                if stack and stack[-1] != "block":
                    continue
                if pending_nl is None:
                    pending_nl = tok
                continue
            if pending_nl is not None:
                if kind not in ("ELIF", "ELSE"):
                    yield pending_nl
                pending_nl = None
            if kind in _OPEN:
                stack.append(kind)
            elif kind == "_LBRACE":
                stack.append("set" if previous == "IN" else "block")
            elif kind in _CLOSE and stack:
                stack.pop()
            if len(stack) > MAX_NESTING:
                raise NestingTooDeep(tok)
            previous = kind
            yield tok
        if pending_nl is not None:
            yield pending_nl
