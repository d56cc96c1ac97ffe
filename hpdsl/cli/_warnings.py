"""hpdsl's warnings on the command line: `hpdsl: warning: MESSAGE` lines, not Python's
`file.py:249: GradientWarning: ...` pointing into hpdsl's source."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from ._common import printable

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _ours(category: type[Warning], filename: str) -> bool:
    """A warning hpdsl gives: of a category hpdsl defines (GradientWarning,
    ConversionWarning) or raised at a line of hpdsl (its stack level points into it)."""
    return (category.__module__.partition(".")[0] == "hpdsl"
            or os.path.abspath(filename).startswith(_PACKAGE))


@contextmanager
def warnings_as_lines() -> Iterator[None]:
    """Within: each distinct hpdsl warning is one `hpdsl: warning:` line on stderr, once;
    the warnings of other libraries and of the user's objective show as Python shows them.
    The warning filters (-W, PYTHONWARNINGS) still decide what is shown."""
    seen: set[str] = set()
    with warnings.catch_warnings():
        python_shows = warnings.showwarning

        def show(message: Warning | str, category: type[Warning], filename: str,
                 lineno: int, file: TextIO | None = None, line: str | None = None) -> None:
            if not _ours(category, filename):
                python_shows(message, category, filename, lineno, file, line)
                return
            text = str(message)
            if text not in seen:
                seen.add(text)
                print(f"hpdsl: warning: {printable(text, keep=chr(10))}", file=sys.stderr)

        warnings.showwarning = show
        yield
