"""Running `hpdsl` in process, for tests that try many variations of arguments.

`main` never raises; an internal error (exit status 3) fails the test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hpdsl.cli import main


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """Run `hpdsl ARGS` in process: the exit status, stdout and stderr."""
    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert "internal error" not in err, err
    assert status != 3
    return status, out, err
