"""Storages: one conformance suite run against every backend, then what is particular
to SQLite files (URLs, several studies, schema versions, bad files)."""

from __future__ import annotations

import math
import pickle
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import hpdsl
from hpdsl import Study, TrialState
from hpdsl.storage import (
    SCHEMA_VERSION,
    InMemoryStorage,
    SpaceChangedError,
    SQLiteStorage,
    StorageError,
    list_studies,
    open_storage,
)
from hpdsl.storage._schema import MIGRATIONS

rand = hpdsl.rand.suggest

SPACE = """
n ~ randint(1, 2)
for i in 1..n {
    u[i] ~ choice(8, 16)
}
opt {
    kind ~ choice(sgd, adam)
    if kind == adam then beta ~ uniform(0.8, 0.99)
}
"""

# --- the conformance suite: every backend ---------------------------------------------------

Factory = Callable[..., hpdsl.Trials]


@pytest.fixture(params=["memory", "sqlite"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, Factory]:
    """(name, factory): the factory opens the same study each time it is called."""
    if request.param == "memory":
        studies: dict[str, InMemoryStorage] = {}
        return "memory", lambda study="s", **kw: hpdsl.Trials(
            studies.setdefault(study, InMemoryStorage()), **kw)
    url = f"sqlite:///{tmp_path}/runs/study.db"
    return "sqlite", lambda study="s", **kw: hpdsl.Trials(url, study=study, **kw)


def run(trials: hpdsl.Trials, n: int, fn: Callable[..., object] = lambda c: c["n"],
        space: str = SPACE) -> None:
    hpdsl.fmin(fn, space, algo=rand, max_evals=n, trials=trials, rstate=len(trials),
               show_progressbar=False)


def test_append_update_list_and_numbering(backend: tuple[str, Factory]) -> None:
    trials = backend[1]()
    study = Study(SPACE, algo=rand, seed=0, trials=trials)
    a, b = study.ask(), study.ask()
    assert (a.number, b.number) == (0, 1) and len(trials) == 2
    assert trials[0] is a and [t.number for t in trials] == [0, 1]
    study.tell(b, {"loss": 2.0, "epochs": 3})
    assert [t.state for t in trials] == [TrialState.RUNNING, TrialState.OK]
    study.tell(a, state=TrialState.FAIL, error="out of memory")
    assert trials[0].state == TrialState.FAIL and trials[0].error == "out of memory"
    assert study.ask().number == 2


def test_trials_round_trip_through_the_storage(backend: tuple[str, Factory]) -> None:
    open_trials = backend[1]
    run(open_trials(), 6, fn=lambda c: {"loss": c["n"] / 3, "note": "é", "curve": [1, 2.5],
                                          "nested": {"a": None, "b": True}})
    trials, again = open_trials(), open_trials()
    assert len(again) == 6
    for t, u in zip(trials, again, strict=True):
        assert (t.number, t.state, t.loss, t.config, t.params) == (u.number, u.state, u.loss,
                                                                   u.config, u.params)
        assert u.attachments == {"note": "é", "curve": [1, 2.5],
                                 "nested": {"a": None, "b": True}}
        assert u.result["loss"] == u.loss and u.started == t.started
        assert np.array_equal(t.x, u.x, equal_nan=True) and u.x.dtype == np.float64
        assert np.array_equal(t.active, u.active) and u.active.dtype == bool
        assert np.array_equal(np.isnan(u.x), ~u.active)
        assert u.duration is not None and u.duration >= 0


def test_attach_stores_an_attachment(backend: tuple[str, Factory]) -> None:
    trials = backend[1]()
    run(trials, 2)
    trials.attach(1, "model_path", "runs/1.pt")
    trials.attach(1, "score", np.float64(0.5))
    assert backend[1]().attachments[1] == {"model_path": "runs/1.pt", "score": 0.5}


def test_states_and_what_counts_toward_max_evals(backend: tuple[str, Factory]) -> None:
    trials = backend[1]()
    study = Study(SPACE, algo=rand, seed=0, trials=trials)
    ok, fail, running = study.ask(), study.ask(), study.ask()
    study.tell(ok, 1.0)
    study.tell(fail, "oops")
    assert trials.counted() == 3  # RUNNING trials count: they will finish
    again = backend[1]()
    assert [t.state for t in again] == [TrialState.OK, TrialState.FAIL, TrialState.RUNNING]
    assert again[1].error is not None and "not a loss" in again[1].error
    assert running.state == TrialState.RUNNING  # this process is alive: not interrupted


def test_max_trials_is_checked_when_the_trial_is_added(backend: tuple[str, Factory]) -> None:
    trials = backend[1]()
    study = Study(SPACE, algo=rand, seed=0, trials=trials)
    study.ask(max_trials=2)
    study.ask(max_trials=2)
    with pytest.raises(hpdsl.SearchExhausted, match="has 2 trials"):
        study.ask(max_trials=2)
    assert len(trials) == 2


def test_max_evals_resumes_to_the_total(backend: tuple[str, Factory]) -> None:
    run(backend[1](), 4)
    trials = backend[1]()
    run(trials, 7)
    assert len(trials) == 7 and [t.number for t in trials] == list(range(7))


def test_studies_are_isolated(backend: tuple[str, Factory]) -> None:
    open_trials = backend[1]
    run(open_trials(), 3)
    other = open_trials(study="other")
    run(other, 2, fn=lambda c: 7.0)
    assert len(open_trials()) == 3 and len(open_trials(study="other")) == 2
    assert [t.loss for t in open_trials(study="other")] == [7.0, 7.0]


def test_a_changed_space_is_refused_with_a_diff(backend: tuple[str, Factory]) -> None:
    run(backend[1](), 2)
    changed = SPACE.replace("uniform(0.8, 0.99)", "uniform(0.5, 0.99)")
    with pytest.raises(SpaceChangedError) as err:
        run(backend[1](), 4, space=changed)
    message = str(err.value)
    assert "another space" in message and "sha256" in message
    assert "-    if kind == adam then beta ~ uniform(0.8, 0.99)" in message
    assert "+    if kind == adam then beta ~ uniform(0.5, 0.99)" in message
    assert "allow_space_change=True" in message
    assert isinstance(err.value, hpdsl.HpsError)
    trials = backend[1](allow_space_change=True)
    run(trials, 4, space=changed)
    assert len(trials) == 4
    run(backend[1](), 5, space=changed)  # the changed space is the recorded one now


# --- SQLite files -----------------------------------------------------------------------


def test_urls_relative_and_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    relative = open_storage("sqlite:///runs/a.db", "x")
    assert isinstance(relative, SQLiteStorage)
    assert relative.path == tmp_path / "runs" / "a.db" and relative.path.exists()
    absolute = open_storage(f"sqlite:///{tmp_path}/b.db")  # sqlite:////abs/path
    assert absolute.path == tmp_path / "b.db"
    for bad in ("runs/a.db", "sqlite://runs/a.db", "sqlite:///", "postgresql://h/db"):
        with pytest.raises(hpdsl.ConfigurationError, match="unknown storage URL"):
            hpdsl.Trials(bad)
    with pytest.raises(TypeError, match="study"):
        hpdsl.Trials(InMemoryStorage(), study="x")


def test_list_studies(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    run(hpdsl.Trials(url, study="b"), 3)
    hpdsl.Trials(url, study="a")
    a, b = list_studies(url)
    assert (a.name, a.n_trials, a.space_source, a.space_sha256) == ("a", 0, None, None)
    assert (b.name, b.n_trials, b.space_source) == ("b", 3, SPACE)
    assert b.space_sha256 is not None and len(b.space_sha256) == 64
    assert b.metadata == {"direction": "minimize", "directions": ["minimize"],
                          "objectives": ["loss"], "constraints": []}
    assert b.created <= b.created.now()
    with pytest.raises(StorageError, match="no study file"):
        list_studies(f"sqlite:///{tmp_path}/missing.db")


class Model:
    """An object a study file cannot hold."""


def test_numpy_results_are_stored_as_numbers_and_lists(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    run(hpdsl.Trials(url), 2, fn=lambda c: {"loss": np.float32(0.5), "folds": np.zeros(3),
                                            "best_iter": np.int64(7),
                                            "curve": {"val": np.array([[1, 2]])}})
    for t in hpdsl.Trials(url):
        assert t.state == TrialState.OK and t.loss == 0.5
        assert t.result == {"loss": 0.5, "folds": [0.0, 0.0, 0.0],
                            "best_iter": 7, "curve": {"val": [[1, 2]]}}
        assert t.attachments == {"folds": [0.0, 0.0, 0.0], "best_iter": 7,
                                 "curve": {"val": [[1, 2]]}}
        assert type(t.result["best_iter"]) is int


def test_results_that_cannot_be_stored_are_dropped_with_a_note(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    deep: list[object] = []
    for _ in range(1000):
        deep = [deep]
    run(hpdsl.Trials(url), 2, fn=lambda c: {"loss": 1.0, "model": {"weights": Model()},
                                            "by_epoch": {1: 0.5}, "deep": deep, "kept": 3})
    for t in hpdsl.Trials(url):
        assert t.state == TrialState.OK and t.loss == 1.0 and t.result["kept"] == 3
        notes = t.result["not_stored"]
        assert set(notes) == {"model", "by_epoch", "deep"}
        assert "a Model at `model.weights` has no JSON form" in notes["model"]
        assert "the key 1 (int, not a string)" in notes["by_epoch"]
        assert "nested more than 100 deep" in notes["deep"]
        assert set(t.attachments) == {"kept"}
    trials = hpdsl.Trials(url)
    with pytest.raises(hpdsl.ConfigurationError, match=r"dict key 1 \(int, not str\)"):
        trials.attach(1, "by_epoch", {1: 0.5})
    assert trials[1].state == TrialState.OK and trials[1].attachments == {"kept": 3}
    with pytest.raises(hpdsl.ConfigurationError, match="nested more than 100 deep"):
        trials.attach(1, "deep", deep)
    assert trials[1].attachments == {"kept": 3}


def test_trials_pickle_by_reference(tmp_path: Path) -> None:
    trials = hpdsl.Trials(f"sqlite:///{tmp_path}/s.db", study="p")
    run(trials, 3)
    copy = pickle.loads(pickle.dumps(trials))
    assert [t.config for t in copy] == [t.config for t in trials]
    run(copy, 5)
    assert len(hpdsl.Trials(f"sqlite:///{tmp_path}/s.db", study="p")) == 5


def test_running_trials_of_a_dead_process_are_interrupted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    script = (f"import hpdsl\nt = hpdsl.Trials({url!r})\n"
              f"s = hpdsl.Study({SPACE!r}, algo=hpdsl.rand.suggest, trials=t)\n"
              "s.tell(s.ask(), 1.0)\ns.ask()\n")
    subprocess.run([sys.executable, "-c", script], check=True)
    trials = hpdsl.Trials(url)
    assert [t.state for t in trials] == [TrialState.OK, TrialState.INTERRUPTED]
    assert trials[1].error == "interrupted: the process running it stopped"
    assert trials[1].finished is not None and trials.counted() == 1
    run(trials, 3)
    assert [t.state for t in trials] == [TrialState.OK, TrialState.INTERRUPTED] + [
        TrialState.OK] * 2


def test_a_version_1_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    db = sqlite3.connect(path)
    MIGRATIONS[0](db)  # the v1 schema, as hpdsl 0.1 wrote it
    db.execute("INSERT INTO studies VALUES (1, 'old', '2024-01-02T03:04:05', ?, ?)",
               (SPACE, "0" * 64))
    x = np.array([1.0, 8.0, math.nan, 0.0, math.nan]).tobytes()
    db.execute("INSERT INTO trials VALUES (1, 0, 1, ?, '{}', ?, ?, 0.25, ?, NULL, '{}', "
               "'2024-01-02T03:04:06', '2024-01-02T03:04:07')",
               ('{"n": 1}', x, bytes([1, 1, 0, 1, 0]), '{"loss": 0.25, "status": "ok"}'))
    db.execute("PRAGMA user_version = 1")
    db.execute("PRAGMA application_id = 1752196211")
    db.commit()
    db.close()
    trials = hpdsl.Trials(f"sqlite:///{path}", study="old")
    assert len(trials) == 1 and trials[0].loss == 0.25 and trials[0].config == {"n": 1}
    assert list(trials[0].active) == [True, True, False, True, False]
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("SELECT metadata FROM studies").fetchone()[0] == (
        '{"direction": "minimize"}')
    run(trials, 3)
    assert db.execute("SELECT count(*), count(worker) FROM trials").fetchone() == (3, 2)


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    open_storage(f"sqlite:///{path}")
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(StorageError, match="newer hpdsl"):
        open_storage(f"sqlite:///{path}")


def test_foreign_and_corrupted_files_are_named(tmp_path: Path) -> None:
    foreign = tmp_path / "foreign.db"
    db = sqlite3.connect(foreign)
    db.execute("CREATE TABLE users (name TEXT)")
    db.close()
    with pytest.raises(StorageError, match=f"{foreign} is an SQLite database but not an "
                                           "hpdsl study file"):
        hpdsl.Trials(f"sqlite:///{foreign}")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(StorageError, match=f"{garbage} is not a readable hpdsl study file"):
        hpdsl.Trials(f"sqlite:///{garbage}")


def test_a_directory_that_cannot_be_made_gives_one_error(tmp_path: Path) -> None:
    """(A read-only directory: tests/test_storage_faults.py, with a real read-only mount.)"""
    (tmp_path / "file").write_text("")
    with pytest.raises(StorageError, match="cannot create the directory .*file/runs"):
        hpdsl.Trials(f"sqlite:///{tmp_path}/file/runs/s.db")


def test_a_change_in_an_included_file_is_a_changed_space(tmp_path) -> None:
    (tmp_path / "common.hps").write_text("lr ~ loguniform(1e-4, 1e-1)\n")
    (tmp_path / "main.hps").write_text('include "common.hps"\nx ~ uniform(0, 1)\n')
    url = f"sqlite:///{tmp_path / 'study.db'}"
    hpdsl.fmin(lambda c: c["x"], str(tmp_path / "main.hps"), algo=hpdsl.rand.suggest,
               max_evals=2, trials=hpdsl.Trials(url, study="s"), show_progressbar=False)
    (tmp_path / "common.hps").write_text("lr ~ loguniform(1e-5, 1e-1)\n")
    with pytest.raises(hpdsl.storage.SpaceChangedError, match="common.hps"):
        hpdsl.fmin(lambda c: c["x"], str(tmp_path / "main.hps"), algo=hpdsl.rand.suggest,
                   max_evals=4, trials=hpdsl.Trials(url, study="s"), show_progressbar=False)
