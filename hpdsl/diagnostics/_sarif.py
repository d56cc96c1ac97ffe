"""Diagnostics as SARIF 2.1.0, the format code-scanning services read."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from ._codes import CODES
from ._model import Diagnostic, Span

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"


def _uri(path: str) -> str:
    """A file path as a SARIF artifact URI: relative paths stay relative."""
    if os.path.isabs(path):
        return Path(path).as_uri()
    return quote(path.replace(os.sep, "/"))


def _location(span: Span) -> dict[str, object]:
    return {"physicalLocation": {
        "artifactLocation": {"uri": _uri(span.file)},
        "region": {"startLine": span.line, "startColumn": span.column,
                   "endLine": span.end_line, "endColumn": span.end_column},
    }}


def render_sarif(diags: Iterable[Diagnostic], version: str) -> str:
    """One SARIF log with one run: every code as a rule, every diagnostic as a result."""
    codes = sorted(CODES)
    index = {code: i for i, code in enumerate(codes)}
    rules = [{
        "id": c.code, "name": c.name,
        "shortDescription": {"text": c.summary},
        "fullDescription": {"text": c.explanation},
        "defaultConfiguration": {"level": str(c.severity)},
    } for c in (CODES[code] for code in codes)]
    results = []
    for d in diags:
        text = d.message + (f"\nhelp: {d.help}" if d.help else "")
        result: dict[str, object] = {
            "ruleId": d.code, "level": str(d.severity), "message": {"text": text},
            "locations": [_location(d.span)],
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        if d.notes:
            result["relatedLocations"] = [
                {**_location(n.span), "id": i, "message": {"text": n.message}}
                for i, n in enumerate(d.notes)]
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA, "version": SARIF_VERSION,
        "runs": [{
            "tool": {"driver": {"name": "hpdsl", "version": version, "rules": rules}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2)
