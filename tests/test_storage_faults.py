"""Storage faults give one clear StorageError naming the file, never a raw sqlite3
traceback, and never cost a finished trial.

The read-only directory and the full disk are real when the tests run as root and may
mount (a read-only bind mount, a 256 KiB tmpfs); otherwise the same SQLite errors are
injected.
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzz_harness import fuzz
from hypothesis import given
from hypothesis import strategies as st

import hpdsl
from hpdsl import TrialState
from hpdsl.storage import StorageError, _schema, _sqlite

SPACE = "x ~ uniform(0, 1)\n"


def url(path: Path) -> str:
    return f"sqlite:///{path}"


def search(path: Path, max_evals: int, fn: Any = None) -> hpdsl.Trials:
    trials = hpdsl.Trials(url(path))
    hpdsl.fmin(fn or (lambda c: c["x"]), SPACE, algo=hpdsl.rand.suggest, max_evals=max_evals,
               trials=trials, show_progressbar=False, rstate=0)
    return trials


def mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Path]:
    """A directory to mount on; unmounted afterwards. Skips where mounting is not allowed."""
    folder = tmp_path / "mnt"
    folder.mkdir()
    yield folder
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def test_a_read_only_directory(mounted: Path) -> None:
    search(mounted / "s.db", 3)
    if not (mount("--bind", str(mounted), str(mounted))
            and mount("-o", "remount,ro,bind", str(mounted))):
        pytest.skip("cannot bind-mount read-only here (see the injected test below)")
    for name in ("s.db", "new.db"):
        with pytest.raises(StorageError, match=f"the directory {mounted} is read-only"):
            hpdsl.Trials(url(mounted / name))


def test_a_read_only_database_found_while_writing(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    trials = search(tmp_path / "s.db", 2)

    def readonly(self: Any, fn: Any) -> Any:
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(_sqlite.SQLiteStorage, "_transaction", readonly)
    with pytest.raises(StorageError, match=f"cannot write to study `default` in "
                                           f"{tmp_path / 's.db'}: attempt to write a readonly"):
        hpdsl.fmin(lambda c: c["x"], SPACE, algo=hpdsl.rand.suggest, max_evals=4,
                   trials=trials, show_progressbar=False)


def test_a_missing_directory_is_created(tmp_path: Path) -> None:
    search(tmp_path / "a" / "b" / "c" / "s.db", 2)
    assert len(hpdsl.Trials(url(tmp_path / "a" / "b" / "c" / "s.db"))) == 2


@pytest.fixture
def short_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_schema, "BUSY_TIMEOUT_S", 0.2)
    monkeypatch.setattr(_sqlite, "RETRY_DEADLINE_S", 0.5)


def test_a_database_locked_past_the_timeout(tmp_path: Path, short_timeouts: None) -> None:
    path = tmp_path / "s.db"
    trials = search(path, 2)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        start = time.monotonic()
        with pytest.raises(StorageError, match=f"cannot write to .*{path}: database is locked"):
            hpdsl.fmin(lambda c: c["x"], SPACE, algo=hpdsl.rand.suggest, max_evals=4,
                       trials=trials, show_progressbar=False)
        assert time.monotonic() - start < 10
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert [t.state for t in hpdsl.Trials(url(path))] == [TrialState.OK] * 2


def test_a_lock_released_within_the_retries(tmp_path: Path, short_timeouts: None) -> None:
    path = tmp_path / "s.db"
    trials = search(path, 2)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    threading.Timer(0.3, lambda: other.execute("ROLLBACK")).start()
    hpdsl.fmin(lambda c: c["x"], SPACE, algo=hpdsl.rand.suggest, max_evals=4, trials=trials,
               show_progressbar=False)
    other.close()
    assert len(hpdsl.Trials(url(path))) == 4


def test_a_new_file_locked_while_it_is_created(tmp_path: Path, short_timeouts: None) -> None:
    path = tmp_path / "s.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StorageError, match=str(path)):
            hpdsl.Trials(url(path))
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.mark.parametrize("damage", ["truncate", "garbage", "zero_header"])
def test_a_corrupted_study_file(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "s.db"
    search(path, 20, lambda c: {"loss": c["x"], "note": "n" * 2000})
    for extra in ("-wal", "-shm"):
        Path(f"{path}{extra}").unlink(missing_ok=True)
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[:len(data) // 2]
    elif damage == "garbage":
        data[4096:len(data)] = b"\xde\xad\xbe\xef" * ((len(data) - 4096) // 4)
    else:
        data[:100] = b"\0" * 100
    path.write_bytes(bytes(data))
    try:
        trials = hpdsl.Trials(url(path))
        list(trials)
        hpdsl.storage.list_studies(url(path))
    except StorageError as err:
        assert str(path) in str(err)


def test_a_foreign_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE trials (id INTEGER)")
    db.commit()
    db.close()
    for open_it in (lambda: hpdsl.Trials(url(path)),
                    lambda: hpdsl.storage.list_studies(url(path))):
        with pytest.raises(StorageError, match=f"{path} is an SQLite database but not an hpdsl"):
            open_it()


def big_result(cfg: dict[str, Any]) -> dict[str, Any]:
    return {"loss": cfg["x"], "log": "x" * 20_000}


def test_a_full_disk(mounted: Path) -> None:
    if not mount("-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mounted)):
        pytest.skip("cannot mount a tmpfs here (see the injected test below)")
    path = mounted / "s.db"
    trials = hpdsl.Trials(url(path))
    with pytest.raises(StorageError, match=f"cannot write to .*{path}: database or disk is full"):
        hpdsl.fmin(big_result, SPACE, algo=hpdsl.rand.suggest, max_evals=500, trials=trials,
                   show_progressbar=False)
    ok = [t.number for t in trials if t.state == TrialState.OK]
    assert ok
    trials.storage.close()  # type: ignore[attr-defined]
    assert mount("-o", "remount,size=8m", str(mounted))
    again = hpdsl.Trials(url(path))
    assert [t.number for t in again if t.state == TrialState.OK] == ok  # none lost
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    db.close()
    hpdsl.fmin(big_result, SPACE, algo=hpdsl.rand.suggest, max_evals=len(again) + 2,
               trials=again, show_progressbar=False)  # and the study goes on


def test_a_full_disk_injected_at_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.db"
    trials = search(path, 3)
    real = _sqlite.SQLiteStorage._transaction

    def full(self: Any, fn: Any) -> Any:
        def then_fail(db: sqlite3.Connection) -> Any:
            fn(db)
            db.execute("ROLLBACK")  # as SQLite does when COMMIT finds the disk full
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, then_fail)

    monkeypatch.setattr(_sqlite.SQLiteStorage, "_transaction", full)
    with pytest.raises(StorageError, match="database or disk is full"):
        hpdsl.fmin(lambda c: c["x"], SPACE, algo=hpdsl.rand.suggest, max_evals=6,
                   trials=trials, show_progressbar=False)
    monkeypatch.undo()
    assert [t.state for t in hpdsl.Trials(url(path))] == [TrialState.OK] * 3


ESCAPES = "\x1b[2J\x1b]0;owned\x07\r\u202e\u2028\x9b"


def hostile_objective(cfg: dict[str, Any]) -> dict[str, Any]:
    if cfg["kind"] == "bad":
        raise ValueError(f"boom{ESCAPES}")
    return {"loss": cfg["x"], f"key{ESCAPES}": f"value{ESCAPES}"}


@pytest.mark.parametrize("command", [["trials"], ["best"], ["studies"],
                                     ["trials", "--study", f"none{ESCAPES}"],
                                     ["best", "--study", f"none{ESCAPES}"]])
def test_control_characters_are_escaped_in_human_readable_output(
        tmp_path: Path, command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Study names, error messages, result keys and string values reach the terminal
    with their control characters escaped (`\\x1b`), in the table and text formats."""
    from hpdsl.cli import main

    space = f'x ~ uniform(0, 1)\nkind ~ choice("bad", "ok{ESCAPES}")\n'
    trials = hpdsl.Trials(url(tmp_path / "s.db"), study=f"study{ESCAPES}")
    hpdsl.fmin(hostile_objective, space, algo=hpdsl.rand.suggest, max_evals=8, trials=trials,
               show_progressbar=False, rstate=1, catch_eval_exceptions=True)
    assert {t.state for t in trials} == {TrialState.OK, TrialState.FAIL}
    trials.storage.close()  # type: ignore[attr-defined]
    main([*command[:1], url(tmp_path / "s.db"), *command[1:]])
    out, err = capsys.readouterr()
    for text in (out, err):
        assert all(c.isprintable() or c == "\n" for c in text), repr(text)
    assert "\\x1b[2J" in out + err


def test_control_characters_in_a_space_are_escaped_by_show(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from hpdsl.cli import main

    path = tmp_path / f"s{ESCAPES[:4]}.hps"
    path.write_text(f'kind ~ choice("bad", "ok{ESCAPES}")\nforbid kind == "ok{ESCAPES}"\n',
                    encoding="utf-8")
    main(["show", str(path)])
    out, err = capsys.readouterr()
    assert all(c.isprintable() or c == "\n" for c in out + err), repr(out + err)
    assert "\\x1b[2J" in out


def cli(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """`hpdsl ARGS` in process: never an internal error."""
    from hpdsl.cli import main

    status = main([str(a) for a in args])
    out, err = capsys.readouterr()
    assert status != 3 and "internal error" not in err, err
    return status, out, err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


READERS = (["trials"], ["trials", "--format", "json"], ["best"], ["studies"])


def test_a_300_character_file_name_is_one_error_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long = url(tmp_path / ("a" * 300 + ".db"))
    with pytest.raises(StorageError, match="File name too long"):
        hpdsl.Trials(long)
    for command in READERS:
        status, _, err = cli(capsys, *command[:1], long, *command[1:])
        assert status == 2 and "File name too long" in err and err.count("\n") == 1


def test_sqlite_memory_is_a_storage_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """As SQLAlchemy reads it: no file named `:memory:`; read commands say it holds
    nothing."""
    monkeypatch.chdir(tmp_path)
    trials = hpdsl.Trials("sqlite:///:memory:")
    hpdsl.fmin(lambda c: c["x"], SPACE, max_evals=3, trials=trials, show_progressbar=False)
    assert len(trials) == 3
    assert list(tmp_path.iterdir()) == []
    for command in READERS:
        status, _, err = cli(capsys, *command[:1], "sqlite:///:memory:", *command[1:])
        assert status == 2 and "in memory" in err
    assert list(tmp_path.iterdir()) == []


def test_read_commands_never_write(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A 0-byte file stays 0 bytes (and reads as no study); a study file, an old-schema
    file and the folder around them are byte for byte the same after every read command:
    no schema written, no migration, no -wal or -shm left."""
    empty = tmp_path / "empty" / "s.db"
    empty.parent.mkdir()
    empty.touch()
    assert cli(capsys, "studies", url(empty))[0] == 0
    for command in READERS[:3]:
        status, _, err = cli(capsys, *command[:1], url(empty), *command[1:])
        assert status == 2 and "holds no study" in err
    assert snapshot(empty.parent) == {"s.db": b""}

    full = tmp_path / "full" / "s.db"
    search(full, 3).storage.close()  # type: ignore[attr-defined]
    old = tmp_path / "old" / "s.db"
    old.parent.mkdir()
    db = sqlite3.connect(old)
    _schema.MIGRATIONS[0](db)  # the version 1 schema
    db.execute("INSERT INTO studies VALUES (1, 'old', '2024-01-02T03:04:05', NULL, NULL)")
    db.execute("INSERT INTO trials VALUES (1, 0, 1, '{\"x\": 0.5}', '{\"x\": 0.5}', ?, ?, 0.5, "
               "'{\"loss\": 0.5}', NULL, '{}', '2024-01-02T03:04:06', '2024-01-02T03:04:07')",
               (b"\0" * 8, b"\1"))
    db.execute("PRAGMA user_version = 1")
    db.execute(f"PRAGMA application_id = {_schema.APPLICATION_ID}")
    db.commit()
    db.close()
    for path in (full, old):
        before = snapshot(path.parent)
        for command in READERS:
            status, out, err = cli(capsys, *command[:1], url(path), *command[1:])
            assert status == 0, err
            assert "0.5" in out or path == full
        assert snapshot(path.parent) == before


def test_a_read_only_study_is_readable(mounted: Path, capsys: pytest.CaptureFixture[str]
                                       ) -> None:
    """Only writers need write access: on a read-only mount (real, as root) the read
    commands work, and a writer gets one clear error."""
    search(mounted / "s.db", 3).storage.close()  # type: ignore[attr-defined]
    (mounted / "s.db").chmod(0o444)
    if not (mount("--bind", str(mounted), str(mounted))
            and mount("-o", "remount,ro,bind", str(mounted))):
        pytest.skip("cannot bind-mount read-only here")
    for command in READERS:
        status, out, err = cli(capsys, *command[:1], url(mounted / "s.db"), *command[1:])
        assert status == 0 and out, err
    with pytest.raises(StorageError, match="read-only"):
        hpdsl.Trials(url(mounted / "s.db"))


def test_an_infinite_trial_timeout_is_no_limit(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "obj.py").write_text("def f(c):\n    return c['x']\n")
    (tmp_path / "space.hps").write_text(SPACE)
    status, out, err = cli(capsys, "run", tmp_path / "space.hps", "--objective",
                           f"{tmp_path / 'obj.py'}:f", "--max-evals", "2", "--no-progress",
                           "--trial-timeout", "inf", "--timeout", "inf")
    assert status == 0 and "2 trials (2 ok" in out, err


# (SQL that edits trial 1 or the study, the column a reader must name; None: valid data)
CRAFTED_ROWS = {
    "started not a date": ("UPDATE trials SET started = 'yesterday' WHERE number = 1",
                           "started"),
    "finished a number": ("UPDATE trials SET finished = 12 WHERE number = 1", "finished"),
    "worker malformed": ("UPDATE trials SET worker = 'garbage', state = 0 WHERE number = 1",
                         "worker"),
    "params a string": ("UPDATE trials SET params = '\"x\"' WHERE number = 1", "params"),
    "params not JSON": ("UPDATE trials SET params = '{x' WHERE number = 1", "params"),
    "config a list": ("UPDATE trials SET config = '[1, 2]' WHERE number = 1", "config"),
    "loss as text": ("UPDATE trials SET loss = 'low' WHERE number = 1", "loss"),
    "result null": ("UPDATE trials SET result = 'null' WHERE number = 1", "result"),
    "result deeply nested": ("UPDATE trials SET result = ? WHERE number = 1", "result"),
    "attachments a number": ("UPDATE trials SET attachments = '3' WHERE number = 1",
                             "attachments"),
    "x of the wrong width": ("UPDATE trials SET x = zeroblob(16), active = zeroblob(2) "
                             "WHERE number = 1", "x"),
    "x and active disagree": ("UPDATE trials SET active = zeroblob(5) WHERE number = 1",
                              "active"),
    "x as text": ("UPDATE trials SET x = 'abc' WHERE number = 1", "x"),
    "state unknown": ("UPDATE trials SET state = 42 WHERE number = 1", "state"),
    "error a blob": ("UPDATE trials SET error = x'00ff' WHERE number = 1", "error"),
    "number as text": ("UPDATE trials SET number = 'one' WHERE number = 2", "number"),
    "study created not a date": ("UPDATE studies SET created = 'once'", "created"),
    "study metadata a list": ("UPDATE studies SET metadata = '[]'", "metadata"),
    "nested JSON config": ("UPDATE trials SET config = '{\"x\": {\"a\": [1, {\"b\": "
                           "[[[]]]}]}}' WHERE number = 1", None),
}


@pytest.mark.parametrize("case", sorted(CRAFTED_ROWS))
def test_crafted_rows_are_reported_by_every_reader(tmp_path: Path, case: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Each reader (trials, best, studies, plot, resuming run) either reads the file or
    refuses it with one line naming the study, the trial and the column; never exit 3."""
    path = tmp_path / "s.db"
    search(path, 3).storage.close()  # type: ignore[attr-defined]
    sql, column = CRAFTED_ROWS[case]
    db = sqlite3.connect(path)
    db.execute(sql, ("[" * 100_000 + "]" * 100_000,) if "?" in sql else ())
    db.commit()
    db.close()
    (tmp_path / "obj.py").write_text("def f(c):\n    return c['x']\n")
    (tmp_path / "default.hps").write_text(SPACE)
    commands = [*READERS, ["plot", "--kind", "history", "--out", str(tmp_path / "h.png")],
                ["run", tmp_path / "default.hps", "--objective", f"{tmp_path / 'obj.py'}:f",
                 "--max-evals", "5", "--no-progress", "--allow-space-change", "--storage"]]
    for command in commands:
        args = ([*command, url(path)] if command[0] == "run"
                else [command[0], url(path), *command[1:]])
        status, _, err = cli(capsys, *args)
        if column is None or (command[0] == "run" and column in ("created", "metadata")):
            assert status == 0, err  # valid data, or a column the run does not read
            continue
        assert status == 2, (command, err)
        assert err.startswith("hpdsl: error: ") and err.count("\n") == 1, err
        assert f"column `{column}`" in err and str(path) in err, err
        assert "study `default`" in err or column in ("created", "metadata"), err
        assert "trial 1" in err or column in ("created", "metadata", "number"), err


COLUMNS = ("number", "state", "config", "params", "x", "active", "loss", "result", "error",
           "attachments", "started", "finished", "worker")
JSONISH = st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=5),
                       lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=8)


@pytest.fixture(scope="module")
def study_bytes(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A study file of three trials, as bytes to copy."""
    path = tmp_path_factory.mktemp("template") / "s.db"
    search(path, 3).storage.close()  # type: ignore[attr-defined]
    return path.read_bytes()


@fuzz(60)
@given(column=st.sampled_from(COLUMNS),
       value=st.none() | st.integers() | st.floats() | st.text(max_size=20)
       | st.binary(max_size=24) | JSONISH.map(json.dumps))
def test_any_edited_cell_is_read_or_refused_in_one_line(
        tmp_path_factory: pytest.TempPathFactory, study_bytes: bytes, column: str,
        value: object) -> None:
    """Fuzzing the crafted-row shapes: any value in any column of a row."""
    from hpdsl.cli import main

    path = tmp_path_factory.mktemp("cell") / "s.db"
    path.write_bytes(study_bytes)
    db = sqlite3.connect(path)
    try:
        db.execute(f"UPDATE trials SET {column} = ? WHERE number = 1", (value,))
        db.commit()
    except sqlite3.IntegrityError:
        return  # NOT NULL or a duplicate number: SQLite itself refuses the edit
    finally:
        db.close()
    for command in READERS:
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            status = main([command[0], url(path), *command[1:]])
        assert status in (0, 2), err.getvalue()
        assert status == 0 or err.getvalue().count("\n") == 1, err.getvalue()


@pytest.mark.parametrize("how", ["deleted", "moved", "replaced"])
def test_a_study_file_that_goes_away_during_a_run_stops_it(tmp_path: Path, how: str) -> None:
    """The file deleted, moved or replaced by another while a search writes to it: the
    search stops with an error that says so (it used to report every trial done while
    nothing was on disk)."""
    path = tmp_path / "s.db"
    other = tmp_path / "other.db"
    search(other, 1).storage.close()  # type: ignore[attr-defined]
    calls = []

    def objective(cfg: dict[str, Any]) -> float:
        calls.append(1)
        if len(calls) == 3:
            if how == "deleted":
                path.unlink()
            elif how == "moved":
                path.rename(tmp_path / "elsewhere.db")
            else:
                other.replace(path)
        return float(cfg["x"])

    what = "replaced by another file" if how == "replaced" else "deleted or moved"
    with pytest.raises(StorageError, match=f"study file was {what} while in use"):
        search(path, 30, objective)
    assert len(calls) == 3


def test_hpdsl_run_with_workers_stops_when_the_study_file_is_deleted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "space.hps").write_text(SPACE)
    (tmp_path / "obj.py").write_text(
        "import os, pathlib, uuid\n\n\n"
        "def f(cfg):  # the fourth call deletes the study file\n"
        f"    calls = pathlib.Path({str(tmp_path / 'calls')!r})\n"
        "    calls.mkdir(exist_ok=True)\n"
        "    (calls / uuid.uuid4().hex).touch()\n"
        "    if len(list(calls.iterdir())) >= 4:\n"
        "        try:\n"
        f"            os.mkdir({str(tmp_path / 'deleted')!r})\n"
        f"            os.remove({str(tmp_path / 's.db')!r})\n"
        "        except FileExistsError:\n"
        "            pass\n"
        "    return cfg['x']\n")
    status, out, err = cli(capsys, "run", tmp_path / "space.hps", "--objective",
                           f"{tmp_path / 'obj.py'}:f", "--max-evals", "30", "--n-jobs", "2",
                           "--no-progress", "--storage", url(tmp_path / "s.db"))
    assert status == 2 and "the study file was deleted or moved while in use" in err, (out, err)
    assert "30 trials" not in out
