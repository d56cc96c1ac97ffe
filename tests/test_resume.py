"""A search in an SQLite file survives its process being killed (SIGKILL) at any moment:
resuming loses no finished trial, duplicates none, and ends at exactly `max_evals`."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

import hpdsl
from hpdsl import TrialState

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

MAX_EVALS = 80
SCRIPT = """
import sys, time
import hpdsl

def objective(cfg):
    time.sleep(0.004)
    return {"loss": (cfg["x"] - 1) ** 2 + cfg["k"], "seen": cfg["k"]}

trials = hpdsl.Trials(sys.argv[1], study="kill")
hpdsl.fmin(objective, "x ~ uniform(-5, 5)\\nk ~ randint(0, 3)\\n", max_evals=int(sys.argv[2]),
           trials=trials, show_progressbar=False)
"""


def finished(path: Path) -> dict[int, tuple[int, float | None, str, str]]:
    """number -> (state, loss, config, attachments) of the finished trials in the file."""
    with closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT number, state, loss, config, attachments FROM trials "
                          "WHERE state IN (?, ?)", (TrialState.OK, TrialState.FAIL))
        return {n: (s, loss, c, a) for n, s, loss, c, a in rows}


def start(script: Path, url: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(script), url, str(MAX_EVALS)],
                            stderr=subprocess.PIPE)


def test_killed_searches_resume_without_losing_or_repeating_trials(tmp_path: Path) -> None:
    script = tmp_path / "search.py"
    script.write_text(SCRIPT)
    path = tmp_path / "study.db"
    url = f"sqlite:///{path}"
    hpdsl.Trials(url, study="kill")  # the file exists before the first poll
    rnd = random.Random(0)
    before: dict[int, tuple[int, float | None, str, str]] = {}
    kills = 0
    while kills < 5:
        proc = start(script, url)
        target = len(before) + rnd.randint(1, 10)
        while proc.poll() is None and (not path.exists() or len(finished(path)) < target):
            time.sleep(rnd.uniform(0.001, 0.02))
        if proc.poll() is not None:
            break  # it finished before the kill: the checks below still apply
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        now = finished(path)
        assert before.items() <= now.items()  # nothing finished was lost or changed
        before = now
        with closing(sqlite3.connect(path)) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert kills == 5, "the search ended before it could be killed 5 times"

    proc = start(script, url)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    trials = hpdsl.Trials(url, study="kill")
    states = [t.state for t in trials]
    assert states.count(TrialState.OK) + states.count(TrialState.FAIL) == MAX_EVALS
    assert states.count(TrialState.RUNNING) == 0
    assert 1 <= states.count(TrialState.INTERRUPTED) <= kills  # at most one per kill
    assert [t.number for t in trials] == list(range(len(trials)))
    assert before.items() <= finished(path).items()
    assert all(t.error == "interrupted: the process running it stopped"
               for t in trials if t.state == TrialState.INTERRUPTED)
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
