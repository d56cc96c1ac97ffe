"""Diagnostics: data (`Diagnostic`, `Span`), the code table, and renderers."""

from ._codes import CODES, Code, Severity, explain
from ._model import Diagnostic, Note, Span, sort_key
from ._render import render_concise, render_json, render_text, summary
from ._sarif import render_sarif

__all__ = [
    "CODES", "Code", "Diagnostic", "Note", "Severity", "Span", "explain", "render_concise",
    "render_json", "render_sarif", "render_text", "sort_key", "summary",
]
