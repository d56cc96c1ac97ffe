"""The SQLite schema, its versions, and opening a study file safely.

The version lives in `PRAGMA user_version`; `PRAGMA application_id` marks the file as
hpdsl's, so that another program's database is refused rather than written to.
`MIGRATIONS[i]` takes a database from version i to i + 1; a new file runs them all,
so the path an old file takes is the path every file takes.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import urllib.parse
from collections.abc import Callable
from pathlib import Path

from ._base import StorageError

APPLICATION_ID = 0x68706473  # "hpds"
BUSY_TIMEOUT_S = 30.0


def _create_v1(db: sqlite3.Connection) -> None:
    """Version 1: studies with their space; trials with coordinates and JSON results."""
    db.execute("""
        CREATE TABLE studies (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created TEXT NOT NULL,              -- ISO 8601, local time
            space_source TEXT,                  -- NULL until a search starts
            space_sha256 TEXT
        )""")
    db.execute("""
        CREATE TABLE trials (
            study_id INTEGER NOT NULL REFERENCES studies(id),
            number INTEGER NOT NULL,            -- 0, 1, 2... within the study
            state INTEGER NOT NULL,             -- TrialState
            config TEXT NOT NULL,               -- JSON
            params TEXT NOT NULL,               -- JSON, flattened names
            x BLOB NOT NULL,                    -- float64, little-endian, NaN if inactive
            active BLOB NOT NULL,               -- one byte per dimension
            loss REAL,
            result TEXT NOT NULL,               -- JSON
            error TEXT,
            attachments TEXT NOT NULL,          -- JSON
            started TEXT NOT NULL,
            finished TEXT,
            PRIMARY KEY (study_id, number)
        ) WITHOUT ROWID""")


def _v1_to_v2(db: sqlite3.Connection) -> None:
    """Version 2: study metadata (direction...) as JSON; which process runs a trial,
    so that trials of a process that died can be told from live ones; an index to
    find running trials without a scan."""
    db.execute("ALTER TABLE studies ADD COLUMN metadata TEXT NOT NULL "
               "DEFAULT '{\"direction\": \"minimize\"}'")
    db.execute("ALTER TABLE trials ADD COLUMN worker TEXT")
    db.execute("CREATE INDEX trials_state ON trials (study_id, state)")


def _v2_to_v3(db: sqlite3.Connection) -> None:
    """Version 3: the traceback of a trial whose objective raised (text, bounded)."""
    db.execute("ALTER TABLE trials ADD COLUMN traceback TEXT")


def _v3_to_v4(db: sqlite3.Connection) -> None:
    """Version 4: several objectives. Each trial's objective values (a JSON list, in the
    user's directions; NULL in older rows, whose one value is `loss`) and outcome
    constraint values (a JSON list, NULL without constraints). The study's directions,
    objective names and declared constraints go in its metadata."""
    db.execute("ALTER TABLE trials ADD COLUMN objective_values TEXT")
    db.execute("ALTER TABLE trials ADD COLUMN constraint_values TEXT")


def _v4_to_v5(db: sqlite3.Connection) -> None:
    """Version 5: the values trials report while they run (for pruning), one row per
    step; rows are only ever added, so readers fetch the rows past the last rowid seen."""
    db.execute("""
        CREATE TABLE intermediate (
            study_id INTEGER NOT NULL REFERENCES studies(id),
            number INTEGER NOT NULL,            -- the trial's number
            step INTEGER NOT NULL,
            value REAL NOT NULL,
            UNIQUE (study_id, number, step)
        )""")


def _v5_to_v6(db: sqlite3.Connection) -> None:
    """Version 6: a report of one value per objective keeps them all (a JSON list; NULL
    for a single value); `value` holds the first, which is what pruners read."""
    db.execute("ALTER TABLE intermediate ADD COLUMN vector TEXT")


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_create_v1, _v1_to_v2,
                                                                 _v2_to_v3, _v3_to_v4,
                                                                 _v4_to_v5, _v5_to_v6)
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path) -> sqlite3.Connection:
    """An open, migrated connection to the study file at `path` (created if missing)."""
    try:
        _check_writable(path)
    except OSError as err:  # e.g. a name too long for the file system
        raise StorageError(f"cannot open the study file {path}: {err.strerror or err}") from err
    try:
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                             check_same_thread=False)
    except sqlite3.Error as err:
        raise StorageError(f"cannot open the study file {path}: {err}") from err
    try:
        app_id, version, tables = _header(db)
        _check_header(path, app_id, version, tables)
        # WAL: readers never block the writer, and a commit is one append to the log.
        # synchronous=NORMAL syncs the log at checkpoints, not at each commit: a killed
        # process loses nothing (the commit is in the OS's cache); only a power loss or
        # OS crash may drop the last commits, and it cannot corrupt the file.
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        if version < SCHEMA_VERSION:
            _migrate(db)
    except sqlite3.DatabaseError as err:
        db.close()
        raise StorageError(f"{path} is not a readable hpdsl study file: {err}") from err
    except StorageError:
        db.close()
        raise
    return db


def connect_readonly(path: Path) -> sqlite3.Connection:
    """A connection to the study file at `path` that never writes to it.

    For the commands that only read (`trials`, `best`, `studies`, `plot`): they work on
    a read-only file or directory, and leave an empty or older file as it was. A file
    of an older schema is copied into memory and migrated there; an empty file reads
    as a file with no study.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise StorageError(f"no study file {path}") from None
    except OSError as err:  # e.g. a name too long for the file system
        raise StorageError(f"cannot open the study file {path}: {err.strerror or err}") from err
    if not stat.S_ISREG(info.st_mode):
        raise StorageError(f"{path} is not a regular file: not an hpdsl study file")
    if info.st_size == 0:
        return _in_memory(None)
    # Without a -wal file no process has the study open for writing: read it as an
    # immutable file, which creates no -wal and -shm beside it (and needs no writable
    # directory). With one, read through SQLite's locks, as a writer's peer.
    wal = path.with_name(path.name + "-wal").exists()
    uri = "file:" + urllib.parse.quote(str(path)) + ("?mode=ro" if wal else "?immutable=1")
    try:
        db = _open_uri(uri)
        app_id, version, tables = _header(db)
        _check_header(path, app_id, version, tables)
        if version < SCHEMA_VERSION:
            old, db = db, _in_memory(db)
            old.close()
    except sqlite3.DatabaseError as err:
        raise StorageError(f"{path} is not a readable hpdsl study file: {err}") from err
    return db


def _open_uri(uri: str) -> sqlite3.Connection:
    return sqlite3.connect(uri, uri=True, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                           check_same_thread=False)


def _in_memory(source: sqlite3.Connection | None) -> sqlite3.Connection:
    """A migrated in-memory copy of `source` (an empty study file when None)."""
    db = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    if source is not None:
        source.backup(db)
    _migrate(db)
    return db


def _check_header(path: Path, app_id: int, version: int, tables: int) -> None:
    if app_id != APPLICATION_ID and (app_id != 0 or tables):
        raise StorageError(f"{path} is an SQLite database but not an hpdsl study file "
                           "(it has other tables); give a new file name")
    if version > SCHEMA_VERSION:
        raise StorageError(f"{path} was written by a newer hpdsl (schema version "
                           f"{version}, this one reads up to {SCHEMA_VERSION}); "
                           "upgrade hpdsl")


def _header(db: sqlite3.Connection) -> tuple[int, int, int]:
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    return app_id, version, tables


def _migrate(db: sqlite3.Connection) -> None:
    """Bring the file to SCHEMA_VERSION, one step per transaction; safe when several
    processes open a new or old file at once (each re-reads the version under lock)."""
    while True:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version >= SCHEMA_VERSION:
                db.execute("COMMIT")
                return
            MIGRATIONS[version](db)
            db.execute(f"PRAGMA user_version = {version + 1}")
            db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise


def _check_writable(path: Path) -> None:
    """One clear error when the file or its directory cannot be written (SQLite would
    report "unable to open database file" or "attempt to write a readonly database")."""
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StorageError(f"cannot create the directory {folder} for the study file "
                           f"{path.name}: {err.strerror or err}") from err
    if not os.access(folder, os.W_OK | os.X_OK):
        raise StorageError(f"the directory {folder} is read-only: the study file "
                           f"{path.name} needs it writable (SQLite keeps a -wal and a "
                           "-shm file next to it)")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise StorageError(f"the study file {path} is read-only (or not readable)")


__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "connect", "connect_readonly"]
