"""Several processes run `fmin` on one SQLite study at once.

`max_evals` is the study's total: every process stops once the study holds that many
trials (checked in the transaction that adds a trial), so four processes with
max_evals=200 end with exactly 200 trials between them.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import hpdsl
from hpdsl import TrialState

N_PROCESSES = 4
MAX_EVALS = 200
SCRIPT = """
import json, sys, time
import hpdsl

seen = []

def algo(space, history, rng, n=1):
    seen.append(len(history))  # how many trials this process knows of when it suggests
    return hpdsl.rand.suggest(space, history, rng, n)

def objective(cfg):
    time.sleep(0.002)
    return (cfg["x"] - 1) ** 2 + cfg["k"]

trials = hpdsl.Trials(sys.argv[1], study="shared")
hpdsl.fmin(objective, "x ~ uniform(-5, 5)\\nk ~ randint(0, 3)\\n", algo=algo,
           max_evals=int(sys.argv[2]), trials=trials, show_progressbar=False)
print(json.dumps(seen))
"""


def test_four_processes_share_one_study(tmp_path: Path) -> None:
    script = tmp_path / "search.py"
    script.write_text(SCRIPT)
    path = tmp_path / "study.db"
    url = f"sqlite:///{path}"
    hpdsl.Trials(url, study="shared")  # the file exists before they race (not required)
    procs = [subprocess.Popen([sys.executable, str(script), url, str(MAX_EVALS)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(N_PROCESSES)]
    outputs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outputs, strict=True):
        assert p.returncode == 0, err.decode()
        assert b"locked" not in err

    trials = hpdsl.Trials(url, study="shared")
    assert len(trials) == MAX_EVALS
    assert [t.state for t in trials] == [TrialState.OK] * MAX_EVALS
    assert [t.number for t in trials] == list(range(MAX_EVALS))
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        workers = [w for (w,) in db.execute("SELECT worker FROM trials")]
    assert len(set(workers)) >= 2  # the trials were shared out
    for p, (out, _) in zip(procs, outputs, strict=True):
        own = sum(f":{p.pid}:" in w for w in workers)
        seen = json.loads(out)
        assert own <= len(seen) <= own + 1  # the last suggestion may find the study full
        if 0 < own < MAX_EVALS:  # it suggested knowing of the others' trials too
            assert max(seen) > own
