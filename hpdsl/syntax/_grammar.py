"""The grammar, and the one Lark parser per process compiled from it.

Compiling grammar/hps.lark into LALR tables takes Lark ~50 ms, paid by every process
that parses. Lark's `cache=` keeps the compiled parser in the user's cache directory
(`$XDG_CACHE_HOME/hpdsl`, else `~/.cache/hpdsl`: never next to the package, which may be
installed read-only), so later processes load it in a few ms. If that directory cannot be
made or written, Lark compiles the grammar each time, silently (it logs on its own logger,
which is quiet unless asked). The cache is a pickle: it lives in a directory of the user's
own, as their other configuration does. Lark checks the grammar, its options, its own
version and Python's against the cache before using it.

The parser is built without a transformer, so it holds no state of a parse: it is
shared by every parse and thread.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import lark

from ._postlex import Layout


def grammar_text() -> str:
    """The grammar, from the installed wheel or from a source checkout."""
    packaged = resources.files("hpdsl").joinpath("grammar", "hps.lark")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    checkout = Path(__file__).resolve().parents[2] / "grammar" / "hps.lark"
    return checkout.read_text(encoding="utf-8")


def cache_file(text: str) -> str | None:
    """Where the compiled parser of `text` is cached, or None without a usable cache
    directory. One file per grammar, Lark and Python version, so that checkouts and
    environments side by side do not overwrite each other's."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    directory = Path(base, "hpdsl")
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return None
    if not os.access(directory, os.W_OK | os.X_OK):
        return None
    key = f"{text}\0{lark.__version__}\0{sys.version_info[:2]}".encode()
    return str(directory / f"grammar-{hashlib.sha256(key).hexdigest()[:16]}.lark")


@functools.lru_cache(maxsize=1)
def parser() -> lark.Lark:
    """The LALR parser of the grammar: a tree per parse, every token kept."""
    text = grammar_text()
    return lark.Lark(text, parser="lalr", lexer="basic", postlex=Layout(),
                     keep_all_tokens=True, maybe_placeholders=True,
                     cache=cache_file(text) or False)


class Parsed(NamedTuple):
    """A parse tree, the comments beside it, and the most tokens on one line of it (no
    expression nests deeper than that: each level has an operator, a call or an index)."""

    tree: lark.Tree[lark.Token]
    comments: list[lark.Token]
    widest: int


def parse_tree(source: str) -> Parsed:
    """The parse tree of `source`.

    Lark's lexer and the post-lexer feed Lark's interactive parser, comments taken out on
    the way. Raises lark's `UnexpectedCharacters`, or its `UnexpectedToken` with
    `interactive_parser` at the error (as `Lark.parse` gives it), and `NestingTooDeep`.
    """
    lalr = parser()
    state = lalr.parse_interactive()
    feed = state.feed_token
    comments = []
    last = None
    widest = on_line = 0
    try:
        for tok in lalr.lex(source):
            kind = tok.type
            if kind == "COMMENT":
                comments.append(tok)
                continue
            if kind == "_NL":
                widest = max(widest, on_line)
                on_line = 0
            else:
                on_line += 1
            feed(tok)
            last = tok
        tree: lark.Tree[lark.Token] = state.feed_eof(last)
    except lark.UnexpectedToken as err:
        err.interactive_parser = state
        raise
    return Parsed(tree, comments, max(widest, on_line))
