"""How analysis messages show values and suggest the name that was probably meant."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    match = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean `{match[0]}`?" if match else None


def num(v: float) -> str:
    return f"{v:g}"


def show(v: object) -> str:
    """A value as the language writes it: `true`, a label in backticks, `0.001`."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f"`{v}`"
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)
