"""What a failed trial records: a one-line reason and a bounded traceback.

Both are built from whatever the objective raised, which may itself misbehave (an
exception whose `__str__` raises), so neither may raise.
"""

from __future__ import annotations

import os
import traceback as tb
from types import TracebackType

MAX_TRACEBACK = 8000  # characters kept: the end, where the error is
_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def describe(err: BaseException) -> str:
    """`Type: message`, or `Type` alone; never raises."""
    try:
        text = str(err)
    except Exception as inner:
        text = f"<its message could not be read: {type(inner).__name__}>"
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


def exit_reason(err: SystemExit) -> str:
    """The error of a trial whose objective called `sys.exit`."""
    try:
        code = "" if err.code is None else repr(err.code)
    except Exception:
        code = "..."
    return f"the objective called sys.exit({code})"


def traceback_text(err: BaseException) -> str:
    """The traceback of `err` from the first frame outside hpdsl (where the objective
    starts), its last MAX_TRACEBACK characters. A worker process's traceback is the
    one it sent back."""
    remote = err.__cause__
    remote_text = getattr(remote, "tb", None)
    if type(remote).__name__ == "_RemoteTraceback" and isinstance(remote_text, str):
        text = remote_text.removeprefix('\n"""\n').removesuffix('"""')
    else:
        try:
            text = "".join(tb.format_exception(type(err), err, _outside_hpdsl(err)))
        except Exception as inner:
            return f"{describe(err)}\n(its traceback could not be formatted: {describe(inner)})"
    if len(text) > MAX_TRACEBACK:
        cut = len(text) - MAX_TRACEBACK
        text = f"... ({cut} characters left out)\n{text[cut:]}"
    return text


def _outside_hpdsl(err: BaseException) -> TracebackType | None:
    """The traceback past hpdsl's own frames (the loop, a wrapper of the objective)."""
    frames = err.__traceback__
    while frames is not None and frames.tb_next is not None and \
            frames.tb_frame.f_code.co_filename.startswith(_PACKAGE):
        frames = frames.tb_next
    return frames


__all__ = ["describe", "exit_reason", "traceback_text"]
