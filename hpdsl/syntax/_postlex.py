"""Token-stream fix-ups between Lark's lexer and parser.

The grammar treats a newline as the end of a statement. This pass makes the
layout forgiving where users expect it to be: newlines inside parentheses,
brackets and `in {...}` sets are dropped, a newline before `elif` / `else` is
dropped, runs of newlines become one. It also enforces the nesting limit, so a
pathological file is refused instead of exhausting the stack later.
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
    """A Lark post-lexer (see module docstring)."""

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        stack: list[str] = []  # "(" / "[" / "set" / "block"
        pending_nl: Token | None = None
        previous: str | None = None
        for tok in stream:
            kind = tok.type
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
