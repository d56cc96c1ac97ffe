"""Source text to AST: Lark parses (`_grammar.py`), `Builder` builds (`_build.py`), the
limits are checked (`_limits.py`), syntax errors become diagnostics (`_errors.py`).

Lark is used through its public API only: `Lark` (options `parser="lalr"`,
`lexer="basic"`, `postlex`, `keep_all_tokens`, `maybe_placeholders`, `cache`), its
`lex` and `parse_interactive`; the `InteractiveParser` (`feed_token`, `feed_eof`,
`choices`, `accepts`); `Tree` (`data`, `children`); `Token` (`type`, `line`, `column`,
`end_line`, `end_column`, `start_pos`, `end_pos`); the post-lexer interface (`process`,
`always_accept`); `UnexpectedInput`, `UnexpectedToken` (`token`, `expected`, `accepts`,
`interactive_parser`) and `UnexpectedCharacters` (`line`, `column`, `pos_in_stream`).
`tests/test_lark_public_api.py` fails if the package reaches for anything else.

Each parse has its own builder; the only thing shared is the compiled parser, which a
parse does not change. A syntax error is parsed once: the parser's state at the error
is the one the friendly message is looked up with.
"""

from __future__ import annotations

from lark import UnexpectedInput

from ..diagnostics import Diagnostic, Span
from . import ast
from ._build import Builder
from ._errors import syntax_diagnostic
from ._grammar import parse_tree
from ._limits import MAX_EXPR_DEPTH, too_deep, too_nested
from ._postlex import MAX_NESTING, NestingTooDeep

MAX_SOURCE_BYTES = 4 * 1024 * 1024


def parse(text: str, path: str = "<string>") -> tuple[ast.Module | None, list[Diagnostic]]:
    """Parse source text. Returns the module (None on a syntax error) and diagnostics."""
    if len(text) > MAX_SOURCE_BYTES:
        span = Span.point(path, 1, 1)
        return None, [Diagnostic("HPS003", f"file is larger than the limit of "
                                 f"{MAX_SOURCE_BYTES // (1024 * 1024)} MiB", span,
                                 help="split the space into included files")]
    source = text if text.endswith("\n") else text + "\n"
    try:
        parsed = parse_tree(source)
    except UnexpectedInput as err:
        return None, [syntax_diagnostic(err, path, text)]
    except NestingTooDeep as err:
        return None, [Diagnostic("HPS003", f"blocks and brackets nested deeper than "
                                 f"{MAX_NESTING} levels", Span.from_token(path, err.token))]
    body: tuple[ast.Stmt, ...] = Builder(path).transform(parsed.tree)
    nested = too_nested(body)
    if nested is not None:
        return None, [Diagnostic("HPS003", f"blocks nested deeper than {MAX_NESTING} levels",
                                 nested.span)]
    # each level of an expression takes a token of its line: no line that long, no walk
    deep = too_deep(body) if parsed.widest > MAX_EXPR_DEPTH else None
    if deep is not None:
        return None, [Diagnostic("HPS003", f"expression nested deeper than {MAX_EXPR_DEPTH} "
                                 "levels", deep,
                                 help="split the expression with derived values (`x = ...`)")]
    comments = tuple(ast.Comment(str(t), Span.from_token(path, t)) for t in parsed.comments)
    return ast.Module(path, body, comments), []
