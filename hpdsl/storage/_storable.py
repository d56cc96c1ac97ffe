"""Results as a study file can hold them: what the objective returned, made JSON.

Objectives return what their libraries give them: numpy scalars and arrays, nested
dicts, sometimes a model object. A study file holds JSON, so numpy values become
numbers and lists, and a result key whose value still cannot be stored (an object,
a dict with non-string keys, nesting too deep, a value that raises when read) is
dropped; the trial keeps its state and loss, and `result["not_stored"]` says which
key was dropped and why.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._base import Trial

NOT_STORED = "not_stored"
MAX_DEPTH = 100  # nesting of lists and dicts in a stored value


class _Unstorable(Exception):
    """A value that cannot be stored; the message says what and where."""


def keep_storable(trial: Trial) -> None:
    """Make the trial's result storable, in place; drop from its attachments the keys
    dropped from its result (the objective's extra keys are in both)."""
    notes = trial.result.get(NOT_STORED)
    dropped: dict[str, str] = dict(notes) if isinstance(notes, dict) else {}
    result: dict[str, Any] = {}
    for key, value in trial.result.items():
        if key == NOT_STORED:
            continue
        name = key if isinstance(key, str) else _shown(key)
        try:
            if not isinstance(key, str):
                raise _Unstorable(f"its key is a {type(key).__name__}, not a string")
            result[key] = storable(value, key)
        except _Unstorable as err:
            dropped[name] = str(err)
    if dropped:
        result[NOT_STORED] = dropped
    attachments = {}
    for key, value in trial.attachments.items():
        if isinstance(key, str) and key in dropped and trial.result.get(key) is value:
            continue
        try:
            attachments[key] = storable(value, key) if isinstance(key, str) else value
        except _Unstorable:
            attachments[key] = value  # not from the result: to_json says why it is refused
    trial.result, trial.attachments = result, attachments


def storable(value: Any, where: str, depth: int = 0) -> Any:
    """`value` with numpy scalars and arrays as Python numbers and lists;
    _Unstorable if JSON cannot hold it."""
    if depth > MAX_DEPTH:
        raise _Unstorable(f"it is nested more than {MAX_DEPTH} deep (at `{where}`)")
    try:
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value)
        if isinstance(value, np.generic | np.ndarray):
            item = value.item() if isinstance(value, np.generic) else value.tolist()
            if isinstance(item, np.generic | np.ndarray):  # e.g. datetime64, void
                raise _Unstorable(f"a numpy {value.dtype} at `{where}` has no JSON form")
            return storable(item, where, depth)
        if isinstance(value, list | tuple):
            return [storable(v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value)]
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if not isinstance(k, str):
                    raise _Unstorable(f"`{where}` has the key {_shown(k)} "
                                      f"({type(k).__name__}, not a string)")
                out[k] = storable(v, f"{where}.{k}", depth + 1)
            return out
    except _Unstorable:
        raise
    except Exception as err:  # __int__, __float__, tolist... that raise
        raise _Unstorable(f"reading `{where}` raised {type(err).__name__}") from None
    raise _Unstorable(f"a {type(value).__name__} at `{where}` has no JSON form (store numbers, "
                      "strings, booleans, None, lists, dicts; save other objects to a file "
                      "and return the path)")


def _shown(key: Any) -> str:
    try:
        text = repr(key)
    except Exception:
        text = f"<{type(key).__name__}>"
    return text if len(text) <= 40 else text[:37] + "..."


__all__ = ["NOT_STORED", "keep_storable", "storable"]
