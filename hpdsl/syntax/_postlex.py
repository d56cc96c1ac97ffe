"""The token stream: a fast lexer, and fix-ups between it and the parser.

`Lexer` is Lark's basic lexer (same terminals, order, keywords, callbacks and
errors) in one tight loop.

The grammar treats a newline as the end of a statement. `Layout` makes the
layout forgiving where users expect it to be: newlines inside parentheses,
brackets and `in {...}` sets are dropped, a newline before `elif` / `else` is
dropped, runs of newlines become one. It also enforces the nesting limit, so a
pathological file is refused instead of exhausting the stack later.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lark import Token
from lark.common import LexerConf
from lark.exceptions import UnexpectedCharacters
from lark.lexer import Lexer as LarkLexer
from lark.lexer import LexerState, PatternRE, PatternStr

MAX_NESTING = 256

_OPEN = {"LPAR": "RPAR", "LSQB": "RSQB"}
_CLOSE = {"RPAR", "RSQB", "RBRACE"}


class NestingTooDeep(Exception):
    def __init__(self, token: Token) -> None:
        super().__init__(f"nesting deeper than {MAX_NESTING} levels")
        self.token = token


class Lexer(LarkLexer):
    """Lark's basic lexer, as a tighter loop over one compiled pattern.

    Like Lark's: terminals are tried by priority, then longest possible match, then
    name; a string terminal that a regexp terminal of the same priority also matches
    (a keyword such as `if` for NAME) is found by that terminal and then retyped;
    ignored terminals are dropped after their callback, if any.
    """

    __future_interface__ = 2

    def __init__(self, conf: LexerConf) -> None:
        terminals = sorted(conf.terminals, key=lambda t: (
            -t.priority, -t.pattern.max_width, -len(t.pattern.value), t.name))
        re_, flags = conf.re_module, conf.g_regex_flags
        self._keywords: dict[str, dict[str, str]] = {}
        embedded = set()
        for rt in terminals:
            if not isinstance(rt.pattern, PatternRE):
                continue
            for st in terminals:
                text = st.pattern.value
                if not isinstance(st.pattern, PatternStr) or st.priority != rt.priority:
                    continue
                match = re_.match(rt.pattern.to_regexp(), text, flags)
                if match and match.group(0) == text:
                    self._keywords.setdefault(rt.name, {})[text] = st.name
                    if set(st.pattern.flags) <= set(rt.pattern.flags):
                        embedded.add(st.name)
        scanned = [t for t in terminals if t.name not in embedded]
        self._pattern = re_.compile("|".join(
            f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in scanned), flags)
        self._ignore = frozenset(conf.ignore)
        self._callbacks = conf.callbacks
        self._allowed = {t.name for t in scanned} - self._ignore or {"<END-OF-FILE>"}
        self._terminals_by_name = conf.terminals_by_name

    def lex(self, lexer_state: LexerState, parser_state: Any) -> Iterator[Token]:
        text: Any = lexer_state.text  # a TextSlice since lark 1.2, a str before
        return self.scan(getattr(text, "text", text), parser_state)

    def scan(self, source: str, parser_state: Any = None) -> Iterator[Token]:
        """The tokens of the whole `source`."""
        pos, line, line_start, end = 0, 1, 0, len(source)
        match, keywords, callbacks, ignore = (
            self._pattern.match, self._keywords, self._callbacks, self._ignore)
        last = None
        while pos < end:
            m = match(source, pos, end)
            if m is None:
                raise UnexpectedCharacters(
                    source, pos, line, pos - line_start + 1, allowed=self._allowed,
                    state=parser_state, token_history=last and [last],
                    terminals_by_name=self._terminals_by_name)
            kind = m.lastgroup
            value = m.group()
            stop = m.end()
            start_line, column = line, pos - line_start + 1
            newlines = value.count("\n")
            if newlines:
                line += newlines
                line_start = pos + value.rindex("\n") + 1
            ignored = kind in ignore
            callback = callbacks.get(kind)
            if kind in keywords and value in keywords[kind]:
                kind, callback = keywords[kind][value], None
            if not ignored or callback is not None:
                tok = Token(kind, value, pos, start_line, column, line, stop - line_start + 1,
                            stop)
                if callback is not None:
                    tok = callback(tok)
                if not ignored:
                    last = tok
                    yield tok
            pos = stop


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
