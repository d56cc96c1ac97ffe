"""Source text to AST: the grammar, the parser and the AST node types."""

from . import ast
from ._errors import SYNTAX_EXAMPLES
from ._grammar import grammar_text
from ._parser import MAX_SOURCE_BYTES, parse

__all__ = ["MAX_SOURCE_BYTES", "SYNTAX_EXAMPLES", "ast", "grammar_text", "parse"]
