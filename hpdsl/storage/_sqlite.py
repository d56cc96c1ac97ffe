"""A study in an SQLite file (standard library `sqlite3`), shared by processes.

Every write is one short `BEGIN IMMEDIATE` transaction, committed before the call
returns: a trial is in the file before the next one is suggested. Trial numbers are
allocated inside the transaction that inserts the trial, so processes never share
one. Each storage keeps the trials it has read; `refresh` reads only the trials
numbered past the last one seen, plus those that were running (to see them finish).
Results, attachments and configurations are stored as JSON, never pickled: reading
a study file cannot run code.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..errors import ConfigurationError
from ._base import (
    ListedStorage,
    NumberTaken,
    Report,
    StorageError,
    Trial,
    TrialState,
    check_report,
    keep_report,
    sha256,
)
from ._objectives import Objectives, is_number
from ._schema import connect, connect_readonly
from ._storable import MAX_DEPTH, keep_storable

T = TypeVar("T")

RETRY_DEADLINE_S = 60.0  # on top of SQLite's own busy timeout
INTERRUPTED_ERROR = "interrupted: the process running it stopped"

_COLUMNS = ("number, state, config, params, x, active, loss, result, error, attachments, "
            "started, finished, worker, traceback, objective_values, constraint_values")


@dataclass(frozen=True)
class StudyInfo:
    """One study in a file, as `list_studies` reports it."""

    name: str
    created: datetime
    space_sha256: str | None
    space_source: str | None
    metadata: dict[str, Any]
    n_trials: int


class SQLiteStorage(ListedStorage):
    """The trials of study `study` in the SQLite file `path` (created if missing).

    `readonly`: only read the file (which may then be read-only), never create or
    change it; the study must exist. Trials of processes that died show as
    INTERRUPTED without being marked so in the file.
    """

    def __init__(self, path: str | os.PathLike[str], study: str = "default", *,
                 readonly: bool = False) -> None:
        self._open(Path(path).absolute(), study, readonly)

    def _open(self, path: Path, study: str, readonly: bool) -> None:
        self.path, self.study, self.readonly = path, study, readonly
        self.label = f"study `{study}` in {path}"
        self.study_name, self.url = study, f"sqlite:///{path}"
        self._lock = threading.RLock()  # one transaction at a time on the connection
        self._db = connect_readonly(path) if readonly else connect(path)
        self._identity = None if readonly else _identity(path)
        self._worker = _worker_id()
        self._trials = []
        self._own_running: set[int] = set()  # started here, not finished yet
        self._others_running: dict[int, str] = {}  # number -> worker, to watch
        self._reports_seen = 0  # the rowid of the last intermediate value read
        if readonly:
            self._study_id: int = self._read(lambda db: _existing_study_id(db, study, path))
        else:
            now = datetime.now().isoformat()
            self._study_id = self._write(lambda db: _study_id(db, study, now))
        self.refresh()

    # pickled by reference: the copy reopens the file
    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "study": self.study, "readonly": self.readonly}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._open(state["path"], state["study"], state.get("readonly", False))

    def close(self) -> None:
        self._db.close()

    # --- the interface ------------------------------------------------------------------
    def append(self, trial: Trial) -> None:
        self._insert(trial, None, None)

    def append_within(self, trial: Trial, max_trials: int | None,
                      number: int | None = None) -> bool:
        return self._insert(trial, max_trials, number)

    def update(self, trial: Trial) -> None:
        keep_storable(trial)
        try:
            values = _encode_outcome(trial)
        except ConfigurationError as err:
            if trial.number not in self._own_running:
                raise
            # A trial that finished with a result the file cannot hold is stored as
            # failed, so that it does not stay RUNNING; then the caller learns why.
            trial.state, trial.loss, trial.error = TrialState.FAIL, None, (
                f"its result could not be stored: {err}")
            trial.result, trial.attachments = {"status": "fail"}, {}
            self.update(trial)
            raise

        def write(db: sqlite3.Connection) -> None:
            db.execute("UPDATE trials SET state = ?, loss = ?, result = ?, error = ?, "
                       "attachments = ?, finished = ?, traceback = ?, objective_values = ?, "
                       "constraint_values = ? "
                       "WHERE study_id = ? AND number = ?",
                       (*values, self._study_id, trial.number))

        with self._lock:
            self._write(write)
            if trial.state != TrialState.RUNNING:
                self._own_running.discard(trial.number)
            if trial.number < len(self._trials):
                self._trials[trial.number] = trial

    def refresh(self) -> None:
        """Read new trials and the trials of other processes that were running; mark
        INTERRUPTED those whose process has died."""
        self._check_identity()
        with self._lock:
            rows, reports = self._read(self._select_new)
            self._merge(rows)
            self._merge_reports(reports)
            dead = [n for n, worker in self._others_running.items() if not _alive(worker)]
            if dead:
                self._interrupt(dead)

    def report(self, number: int, step: int, value: float | Sequence[float]) -> None:
        """Store the value in one transaction, checked against the file (another process
        may have finished the trial meanwhile)."""

        def write(db: sqlite3.Connection) -> tuple[int, Report]:
            row = db.execute("SELECT state, (SELECT max(step) FROM intermediate WHERE "
                             "study_id = ?1 AND number = ?2) FROM trials WHERE study_id = ?1 "
                             "AND number = ?2", (self._study_id, number)).fetchone()
            if row is None:
                raise ConfigurationError(f"{self.label} has no trial {number}")
            k = None  # for a vector: the number of objectives the study records
            if type(value) is not float and not is_number(value):
                k = len(_metadata(db, self._study_id).get("directions") or [None])
            checked = check_report(number, TrialState(row[0]), row[1], step, value, k)
            stored_step, stored = checked
            vector = _numbers_json(stored) if isinstance(stored, tuple) else None
            first = stored[0] if isinstance(stored, tuple) else stored
            db.execute("INSERT INTO intermediate (study_id, number, step, value, vector) "
                       "VALUES (?, ?, ?, ?, ?)",
                       (self._study_id, number, stored_step, first, vector))
            return checked

        with self._lock:
            checked = self._write(write)
            if number < len(self._trials):
                keep_report(self._trials[number], *checked)

    def intermediate(self, number: int) -> dict[int, float]:
        """The trial's values as the file holds them (other processes may have reported
        them), kept in this storage's copy of the trial too."""
        rows = self._read(lambda db: db.execute(
            "SELECT rowid, number, step, value, vector FROM intermediate WHERE study_id = ? "
            "AND number = ? ORDER BY step", (self._study_id, number)).fetchall())
        with self._lock:
            if number >= len(self._trials):
                self.refresh()
            seen = self._reports_seen
            self._merge_reports(rows)  # the same rows read again later change nothing
            self._reports_seen = seen
            return dict(self.get(number).intermediate)

    def space_source(self) -> str | None:
        source: str | None = self._read(lambda db: db.execute(
            "SELECT space_source FROM studies WHERE id = ?", (self._study_id,)).fetchone()[0])
        return source

    def set_space_source(self, source: str,
                         check: Callable[[list[Trial]], None] | None = None) -> None:
        digest = sha256(source)

        def write(db: sqlite3.Connection) -> None:
            if check is not None:
                self._merge(_select(db, self._study_id, len(self._trials), ()))
                check(self.list_trials())
            db.execute("UPDATE studies SET space_source = ?, space_sha256 = ? WHERE id = ?",
                       (source, digest, self._study_id))

        with self._lock:
            self._write(write)

    def objectives(self) -> Objectives | None:
        """The objectives in the study's metadata (a file of an older version: its one
        `direction`); None while the study has neither trials nor recorded objectives."""
        metadata, n = self._read(lambda db: (_metadata(db, self._study_id), db.execute(
            "SELECT count(*) FROM trials WHERE study_id = ?", (self._study_id,)).fetchone()[0]))
        if "directions" not in metadata and n == 0:
            return None
        try:
            return Objectives.from_metadata(metadata)
        except (ConfigurationError, TypeError) as err:
            raise StorageError(f"{self.label}: its recorded objectives cannot be read "
                               f"({err}); the file was edited or is corrupted") from None

    def set_objectives(self, objectives: Objectives) -> None:
        def write(db: sqlite3.Connection) -> None:
            metadata = {**_metadata(db, self._study_id), **objectives.to_metadata()}
            db.execute("UPDATE studies SET metadata = ? WHERE id = ?",
                       (json.dumps(metadata), self._study_id))

        with self._lock:
            self._write(write)

    # --- internals ----------------------------------------------------------------------
    def _insert(self, trial: Trial, max_trials: int | None, expected: int | None) -> bool:
        fixed = _encode_fixed(trial)
        keep_storable(trial)
        outcome = _encode_outcome(trial)

        def write(db: sqlite3.Connection) -> bool:
            rows = _select(db, self._study_id, len(self._trials), ())
            self._merge(rows)
            number = len(self._trials)
            if expected is not None and number != expected:
                raise NumberTaken(f"{self.label}: trial {expected} exists already")
            if max_trials is not None:
                interrupted = db.execute(
                    "SELECT count(*) FROM trials WHERE study_id = ? AND state = ?",
                    (self._study_id, int(TrialState.INTERRUPTED))).fetchone()[0]
                if number - interrupted >= max_trials:
                    return False
            db.execute(f"INSERT INTO trials (study_id, {_COLUMNS}) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (self._study_id, number, int(trial.state), *fixed[:4], outcome[1],
                        outcome[2], outcome[3], outcome[4], fixed[4], outcome[5],
                        self._worker, outcome[6], outcome[7], outcome[8]))
            return True

        with self._lock:
            added = self._write(write)
            if added:
                trial.number = len(self._trials)
                self._trials.append(trial)
                if trial.state == TrialState.RUNNING:
                    self._own_running.add(trial.number)
        return added

    def _merge(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Add new rows to the cache; refresh the watched ones in place (a Trial object
        keeps its identity)."""
        for row in rows:
            try:
                fresh, worker = _decode(row)
            except BadRow as err:
                raise StorageError(f"{self.label}: trial {row[0]} cannot be read ({err}); "
                                   "the file was edited or is corrupted") from err
            width = len(self._trials[0].x) if self._trials else len(fresh.x)
            if len(fresh.x) != width:
                raise StorageError(f"{self.label}: trial {row[0]} cannot be read (column `x`: "
                                   f"{len(fresh.x)} coordinates where trial 0 has {width}); "
                                   "the file was edited or is corrupted")
            if fresh.state == TrialState.RUNNING and fresh.number not in self._own_running:
                self._others_running[fresh.number] = worker or ""
            else:
                self._others_running.pop(fresh.number, None)
            if fresh.number < len(self._trials):
                old = self._trials[fresh.number]
                for name in ("state", "loss", "result", "error", "attachments", "finished",
                             "values", "constraints"):
                    setattr(old, name, getattr(fresh, name))
            elif fresh.number == len(self._trials):
                self._trials.append(fresh)
            else:
                raise StorageError(f"{self.label}: trial {len(self._trials)} is missing "
                                   f"(found {fresh.number}); the file was edited")

    def _select_new(self, db: sqlite3.Connection
                    ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The new and watched trials, and the new intermediate values, read from one
        snapshot: a trial seen finished comes with all its values."""
        db.execute("BEGIN")
        try:
            rows = _select(db, self._study_id, len(self._trials), self._others_running)
            reports = db.execute("SELECT rowid, number, step, value, vector FROM intermediate "
                                 "WHERE rowid > ? AND study_id = ? ORDER BY rowid",
                                 (self._reports_seen, self._study_id)).fetchall()
        finally:
            db.execute("COMMIT")
        return rows, reports

    def _merge_reports(self, rows: list[tuple[Any, ...]]) -> None:
        for rowid, number, step, value, vector in rows:
            try:
                values = _numbers(vector, "vector")
            except BadRow:
                values = ()
            if not (isinstance(number, int) and 0 <= number < len(self._trials)
                    and isinstance(step, int) and isinstance(value, float)
                    and (values is None or (values and values[0] == value))):
                raise StorageError(f"{self.label}: intermediate value {rowid} cannot be read "
                                   f"(trial {number!r:.20}, step {step!r:.20}, value "
                                   f"{value!r:.20}, vector {vector!r:.20}); the file was "
                                   "edited or is corrupted")
            keep_report(self._trials[number], step, value if values is None else values)
            self._reports_seen = rowid

    def _interrupt(self, numbers: list[int]) -> None:
        """Mark INTERRUPTED the running trials of processes that died."""
        now = datetime.now()

        def write(db: sqlite3.Connection) -> None:
            for n in numbers:
                db.execute("UPDATE trials SET state = ?, error = ?, finished = ? "
                           "WHERE study_id = ? AND number = ? AND state = ?",
                           (int(TrialState.INTERRUPTED), INTERRUPTED_ERROR, now.isoformat(),
                            self._study_id, n, int(TrialState.RUNNING)))

        if not self.readonly:
            self._write(write)
        for n in numbers:
            t = self._trials[n]
            t.state, t.error, t.finished = TrialState.INTERRUPTED, INTERRUPTED_ERROR, now
            del self._others_running[n]

    def _check_identity(self) -> None:
        """StorageError if the file at `path` is no longer the one opened: deleted or
        replaced, the connection would go on writing to a file nobody can open again."""
        if self._identity is None:
            return
        try:
            now = _identity(self.path)
        except FileNotFoundError:
            now = None
        if now != self._identity:
            what = "deleted or moved" if now is None else "replaced by another file"
            raise StorageError(f"{self.label}: the study file was {what} while in use; "
                               "trials can no longer be saved to it")

    def _read(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            with self._lock:
                return fn(self._db)
        except sqlite3.DatabaseError as err:
            raise StorageError(f"cannot read {self.label}: {err}") from err

    def _write(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run `fn` in one write transaction; retry with backoff while another process
        holds the lock, so that "database is locked" does not reach the user."""
        self._check_identity()
        deadline = time.monotonic() + RETRY_DEADLINE_S
        delay = 0.001
        while True:
            try:
                with self._lock:
                    return self._transaction(fn)
            except sqlite3.OperationalError as err:
                busy = "locked" in str(err) or "busy" in str(err)
                if not busy or time.monotonic() > deadline:
                    raise StorageError(f"cannot write to {self.label}: {err}") from err
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 0.1)
            except sqlite3.DatabaseError as err:
                raise StorageError(f"cannot write to {self.label}: {err}") from err

    def _transaction(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            out = fn(self._db)
            self._db.execute("COMMIT")
        except BaseException:
            # SQLite has already rolled back after some errors (a full disk at COMMIT):
            # a second ROLLBACK would hide the real error behind "no transaction is active".
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise
        return out



# --- rows ---------------------------------------------------------------------------------
def _study_id(db: sqlite3.Connection, name: str, created: str) -> int:
    db.execute("INSERT OR IGNORE INTO studies (name, created) VALUES (?, ?)", (name, created))
    row = db.execute("SELECT id FROM studies WHERE name = ?", (name,)).fetchone()
    return int(row[0])


def _metadata(db: sqlite3.Connection, study_id: int) -> dict[str, Any]:
    text = db.execute("SELECT metadata FROM studies WHERE id = ?", (study_id,)).fetchone()[0]
    try:
        return _json_object(text, "metadata")
    except BadRow:
        return {}


def _identity(path: Path) -> tuple[int, int]:
    """What tells a file apart from another one at the same path: device and inode."""
    info = path.stat()
    return info.st_dev, info.st_ino


def _existing_study_id(db: sqlite3.Connection, name: str, path: Path) -> int:
    row = db.execute("SELECT id FROM studies WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise StorageError(f"no study `{name}` in {path}")
    return int(row[0])


def _select(db: sqlite3.Connection, study_id: int, after: int,
            watched: Iterable[int]) -> list[tuple[Any, ...]]:
    """Rows numbered `after` or more, and the rows `watched`, by number."""
    watched = list(watched)
    marks = ", ".join("?" * len(watched))
    extra = f" OR number IN ({marks})" if watched else ""
    return db.execute(f"SELECT {_COLUMNS} FROM trials WHERE study_id = ? "
                      f"AND (number >= ?{extra}) ORDER BY number",
                      (study_id, after, *watched)).fetchall()


def _encode_fixed(t: Trial) -> tuple[str, str, bytes, bytes, str]:
    """What does not change after a trial starts: config, params, x, active, started."""
    x = np.ascontiguousarray(t.x, dtype="<f8").tobytes()
    active = np.ascontiguousarray(t.active, dtype=np.uint8).tobytes()
    return (to_json(t.config, f"trial {t.number}: the configuration"),
            to_json(t.params, f"trial {t.number}: the parameters"), x, active,
            t.started.isoformat())


def _encode_outcome(t: Trial) -> tuple[int, float | None, str, str | None, str, str | None,
                                        str | None, str | None, str | None]:
    """What `update` rewrites: state, loss, result, error, attachments, finished,
    traceback, objective values, constraint values."""
    return (int(t.state), t.loss, to_json(t.result, f"trial {t.number}: the result"), t.error,
            to_json(t.attachments, f"trial {t.number}: the attachments"),
            t.finished.isoformat() if t.finished is not None else None, t.traceback,
            _numbers_json(t.values), _numbers_json(t.constraints))


def _numbers_json(values: tuple[float, ...] | None) -> str | None:
    return None if values is None else json.dumps([float(v) for v in values])


def _numbers(text: Any, column: str) -> tuple[float, ...] | None:
    """A JSON list of numbers (None stays None)."""
    if text is None:
        return None
    try:
        value = json.loads(text) if isinstance(text, str) else None
    except (ValueError, RecursionError):
        raise BadRow(column, "not JSON") from None
    if not isinstance(value, list) or not all(is_number(v) for v in value):
        raise BadRow(column, f"not a JSON list of numbers: {text!r:.40}")
    return tuple(float(v) for v in value)


def _decode(row: tuple[Any, ...]) -> tuple[Trial, str | None]:
    """The trial of a row, and the worker that started it.

    Every column is checked for the type hpdsl writes; a row edited or crafted
    otherwise raises BadRow naming the column, so that no reader trips over it later.
    """
    (number, state, config, params, x, active, loss, result, error, attachments, started,
     finished, worker, traceback, objective_values, constraint_values) = row
    if not isinstance(number, int):
        raise BadRow("number", f"not an integer: {number!r:.40}")
    if not isinstance(x, bytes) or len(x) % 8:
        raise BadRow("x", "not float64 coordinates")
    if not isinstance(active, bytes) or len(active) * 8 != len(x):
        raise BadRow("active", f"not one byte for each of the {len(x) // 8} coordinates")
    if loss is not None and (not isinstance(loss, int | float) or isinstance(loss, bool)):
        raise BadRow("loss", f"not a number: {loss!r:.40}")
    if error is not None and not isinstance(error, str):
        raise BadRow("error", f"not text: {error!r:.40}")
    if traceback is not None and not isinstance(traceback, str):
        raise BadRow("traceback", f"not text: {traceback!r:.40}")
    if worker is not None and not _WORKER.fullmatch(str(worker)):
        raise BadRow("worker", f"not host:pid:start: {worker!r:.40}")
    try:
        trial_state = TrialState(state)
    except ValueError:
        raise BadRow("state", f"not a trial state: {state!r:.40}") from None
    trial = Trial(number, _json_object(config, "config"),
                  np.frombuffer(x, dtype="<f8").copy(),
                  np.frombuffer(active, dtype=np.uint8).astype(bool),
                  _json_object(params, "params"), trial_state, loss,
                  _json_object(result, "result"), error, _date(started, "started"),
                  _date(finished, "finished") if finished is not None else None,
                  _json_object(attachments, "attachments"), traceback,
                  _numbers(objective_values, "objective_values"),
                  _numbers(constraint_values, "constraint_values"))
    if trial.values is None and loss is not None and trial_state == TrialState.OK:
        trial.values = (float(loss),)  # a row of an older version: its one value
    return trial, worker


class BadRow(ValueError):
    """A column of a stored row does not hold what hpdsl writes there."""

    def __init__(self, column: str, problem: str) -> None:
        super().__init__(f"column `{column}`: {problem}")


_WORKER = re.compile(r".*:\d+:\d*", re.DOTALL)


def _json_object(text: Any, column: str) -> dict[str, Any]:
    try:
        value = json.loads(text) if isinstance(text, str | bytes) else None
    except (ValueError, RecursionError):
        raise BadRow(column, "not JSON") from None
    if not isinstance(value, dict):
        raise BadRow(column, f"not a JSON object: {text!r:.40}")
    return value


def _date(text: Any, column: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except (TypeError, ValueError):
        raise BadRow(column, f"not a date: {text!r:.40}") from None


def to_json(value: Any, what: str) -> str:
    """`value` as JSON; ConfigurationError naming the first value JSON cannot hold."""
    problem = _not_json(value, "")
    if problem is not None:
        where, kind = problem
        raise ConfigurationError(
            f"{what} holds a {kind} at `{where or '.'}`, which a study file cannot keep: "
            "results and attachments are stored as JSON (numbers, strings, booleans, None, "
            "lists, dicts with string keys); convert it (an array: `.tolist()`) or save it "
            "to a file and attach the path")
    return json.dumps(value, default=_numpy_scalar, separators=(",", ":"))


def _not_json(value: Any, where: str, depth: int = 0) -> tuple[str, str] | None:
    if depth > MAX_DEPTH:
        return where, f"list or dict nested more than {MAX_DEPTH} deep"
    if value is None or isinstance(value, str | int | float | bool | np.bool_ | np.integer
                                            | np.floating):
        return None
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = _not_json(item, f"{where}[{i}]", depth + 1)
            if found is not None:
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"{where}", f"dict key {key!r} ({type(key).__name__}, not str)"
            found = _not_json(item, f"{where}.{key}" if where else key, depth + 1)
            if found is not None:
                return found
        return None
    return where, type(value).__name__


def _numpy_scalar(value: Any) -> Any:
    return value.item()  # only numpy scalars get here: _not_json let them through


# --- which process runs a trial -------------------------------------------------------------
_HAS_PROC = os.path.exists("/proc/self/stat")


def _worker_id() -> str:
    """host:pid:start time of this process (the start time tells a reused pid apart)."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_proc_start(pid) or ''}"


def _proc_start(pid: int) -> str | None:
    """A process's start time in clock ticks since boot ("" without /proc, on macOS);
    None if it has exited or is a zombie (killed, not yet reaped)."""
    if not _HAS_PROC:
        return ""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return None
    return None if fields[0] in ("Z", "X") else fields[19]


def _alive(worker: str) -> bool:
    """Whether the process that wrote `worker` may still run. Processes on other hosts,
    and any on Windows, are taken to be alive: their trials stay RUNNING."""
    if not worker:
        return False
    host, pid_text, start = worker.rsplit(":", 2)
    if host != socket.gethostname() or os.name == "nt":
        return True
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive, another user's
    now = _proc_start(pid)
    return now is not None and (not start or not now or now == start)


def list_studies(path: str | os.PathLike[str]) -> list[StudyInfo]:
    """The studies in the file at `path`, by name."""
    path = Path(path).absolute()
    db = connect_readonly(path)
    try:
        rows = db.execute(
            "SELECT name, created, space_sha256, space_source, metadata, "
            "(SELECT count(*) FROM trials WHERE study_id = s.id) FROM studies s ORDER BY name"
        ).fetchall()
    except sqlite3.DatabaseError as err:
        raise StorageError(f"cannot read {path}: {err}") from err
    finally:
        db.close()
    studies = []
    for name, created, digest, source, metadata, n in rows:
        try:
            if not isinstance(source, str | None) or not isinstance(digest, str | None):
                raise BadRow("space_source", "not text")
            studies.append(StudyInfo(str(name), _date(created, "created"), digest, source,
                                     _json_object(metadata, "metadata"), n))
        except BadRow as err:
            raise StorageError(f"study `{name}` in {path} cannot be read ({err}); the file "
                               "was edited or is corrupted") from None
    return studies


__all__ = ["SQLiteStorage", "StudyInfo", "list_studies", "to_json"]
