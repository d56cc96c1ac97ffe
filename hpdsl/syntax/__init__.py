"""Source text to AST: the grammar, the parser and the AST node types."""

from . import ast
from ._parser import MAX_SOURCE_BYTES, SYNTAX_EXAMPLES, grammar_text, parse

__all__ = ["MAX_SOURCE_BYTES", "SYNTAX_EXAMPLES", "ast", "grammar_text", "parse"]
