"""docs/migrating.md: its scripts run, each hpdsl version beside its original, and the
hyperopt script's post-processing is the same text in both versions."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parent.parent / "docs" / "migrating.md"
MARK = "# post-processing"


def scripts() -> list[tuple[str, str]]:
    """(library, code) of every Python block, named by its first line (`# hpdsl`)."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return [(code.splitlines()[0].lstrip("# ").strip(), code) for code in blocks]


def run(code: str, tmp_path: Path) -> str:
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_the_doc_has_a_hyperopt_and_an_optuna_script_each_with_an_hpdsl_version() -> None:
    assert [lib for lib, _ in scripts()] == ["hyperopt", "hpdsl", "optuna", "hpdsl"]


@pytest.mark.parametrize("index", range(4))
def test_each_script_runs(index: int, tmp_path: Path) -> None:
    library, code = scripts()[index]
    out = run(code, tmp_path)
    assert "best" in out
    if library == "hpdsl":
        assert not (tmp_path / "runs").exists()  # nothing written unless asked


def test_hyperopt_post_processing_runs_unchanged_on_hpdsl(tmp_path: Path) -> None:
    (_, original), (_, ported) = scripts()[:2]
    assert original[original.index(MARK):].splitlines()[1:] == \
        ported[ported.index(MARK):].splitlines()[1:]
    theirs, ours = run(original, tmp_path), run(ported, tmp_path)
    labels = [re.sub(r"\d+", "N", line.split(":")[0]) for line in theirs.splitlines()]
    assert [re.sub(r"\d+", "N", line.split(":")[0]) for line in ours.splitlines()] == labels
    assert "statuses: ['ok']" in ours
