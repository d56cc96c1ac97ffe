"""How `RunningTrial.report` and `should_prune` reach the study, wherever the objective runs.

A link carries a trial's reports to the study's storage and asks the pruner:

- `LocalLink`: in the process that holds the study (serial `fmin`, ask/tell, threads).
  A report is one storage write (a dict entry in memory, one SQLite transaction).
- `StoredLink`: in another process, for a study in a file: the worker opens the file
  (once per process) and writes there; `should_prune` reads what the other processes
  wrote (at most every `SNAPSHOT_S` seconds) and asks the pruner in the worker. A
  LocalLink pickles as a StoredLink when its storage has a URL.
- `HubLink`: in another process, for a study in memory. Reports go one way over a
  socket to the `ReportHub` thread in the driver (no reply awaited), in batches sent at
  most every `SNAPSHOT_S` seconds; `should_prune` judges from a snapshot of the other
  trials that it refreshes from the hub as often, plus the trial's own reports. When the objective
  returns, `flush` waits for the hub to have stored every report, so that a trial is
  told only once its values are in.

The pruner decides from the values and states it is shown (never from a clock), so a
decision is the same serially, with workers, and after a resume, given the same data.
It is shown values to minimize: a maximized study's reports are negated (`sign`).
Kept free of heavy imports at module level: worker processes unpickle these links.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from multiprocessing.connection import Client, Connection, Listener
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..errors import ConfigurationError
from ..storage import TrialState, check_report, last_key

if TYPE_CHECKING:
    from ..pruners import BasePruner, PrunerView, ReportedTrial
    from ..storage import Report, TrialStorage

#: how old what a pruner knows of the other trials may be when `should_prune` is asked
#: (what other processes reported; the trial's own reports are always current)
SNAPSHOT_S = 0.05

Row = tuple[int, TrialState, Mapping[int, float]]  # number, state, values by step
_NONE: Mapping[int, float] = MappingProxyType({})


class Views:
    """Builds what a pruner sees; keeps the finished trials' part, which cannot change."""

    def __init__(self) -> None:
        self._finished: dict[int, ReportedTrial] = {}

    def judge(self, pruner: BasePruner | None, rows: Iterable[Row], number: int,
              sign: float = 1.0, own: Mapping[int, float] | None = None) -> bool:
        """Ask `pruner` about trial `number`: False without a pruner or a report.
        `own`: the trial's values, when `rows` may hold older ones."""
        if pruner is None:
            return False
        study, trial = self.build(rows, number, sign, own)
        return trial.last_step is not None and bool(pruner.prune(study, trial))

    def build(self, rows: Iterable[Row], number: int, sign: float = 1.0,
              own: Mapping[int, float] | None = None) -> tuple[PrunerView, ReportedTrial]:
        """The view of the other trials and the trial `number`, values times `sign`."""
        from ..pruners import PrunerView, ReportedTrial

        def shown(values: Mapping[int, float]) -> MappingProxyType[int, float]:
            return MappingProxyType({k: sign * v for k, v in values.items()} if sign != 1.0
                                    else dict(values))

        others = []
        me = ReportedTrial(number, TrialState.RUNNING, MappingProxyType({}))
        for n, state, values in rows:
            if n == number:  # reported by this thread: nothing changes it meanwhile
                values = values if own is None else own
                me = ReportedTrial(n, state, MappingProxyType(values) if sign == 1.0
                                   else shown(values))
                continue
            seen = self._finished.get(n)
            if seen is not None:
                others.append(seen)
                continue
            reported = ReportedTrial(n, state, shown(values))
            if state != TrialState.RUNNING:
                self._finished[n] = reported
            others.append(reported)
        return PrunerView(tuple(others)), me


def storage_rows(storage: TrialStorage) -> list[Row]:
    return [(t.number, t.state, t.intermediate) for t in storage.list_trials()]


class LocalLink:
    """Reports written to the storage of the study in this process; the pruner asked here."""

    def __init__(self, storage: TrialStorage, pruner: BasePruner | None,
                 sign: float = 1.0) -> None:
        self.storage, self.pruner, self.sign = storage, pruner, sign
        self._views = Views()
        self._lock = threading.Lock()  # threads of one executor share the link
        self._refreshed = -float("inf")

    def __reduce__(self) -> tuple[Any, ...]:
        url = self.storage.url
        if url is not None:
            return StoredLink, (url, self.storage.study_name, self.pruner, self.sign)
        return DetachedLink, (self.pruner,)

    def report(self, number: int, step: int, value: float | Sequence[float]) -> None:
        self.storage.report(number, step, value)

    def should_prune(self, number: int) -> bool:
        return self.judge(self.pruner, number, self.sign)

    def judge(self, pruner: BasePruner | None, number: int, sign: float) -> bool:
        """Ask `pruner` about trial `number`, having read what other processes wrote
        unless that was done less than SNAPSHOT_S ago and the trial is known."""
        if pruner is None:
            return False
        with self._lock:
            if (time.monotonic() - self._refreshed > SNAPSHOT_S
                    or number >= len(self.storage)):
                self.storage.refresh()
                self._refreshed = time.monotonic()
            return self._views.judge(pruner, storage_rows(self.storage), number, sign)

    def flush(self) -> None:
        """Nothing waits: every report is stored when `report` returns."""


# the storages workers opened, by (url, study): one per process
_opened: dict[tuple[str, str | None], LocalLink] = {}


class StoredLink:
    """A study file opened in this process (once) by its URL."""

    def __init__(self, url: str, study: str | None, pruner: BasePruner | None,
                 sign: float = 1.0) -> None:
        self.url, self.study, self.pruner, self.sign = url, study, pruner, sign

    def __reduce__(self) -> tuple[Any, ...]:
        return StoredLink, (self.url, self.study, self.pruner, self.sign)

    def _local(self) -> LocalLink:
        link = _opened.get((self.url, self.study))
        if link is None:
            from ..storage import open_storage

            link = LocalLink(open_storage(self.url, self.study or "default"), None)
            _opened[(self.url, self.study)] = link
        return link

    def report(self, number: int, step: int, value: float | Sequence[float]) -> None:
        self._local().report(number, step, value)

    def should_prune(self, number: int) -> bool:
        return self._local().judge(self.pruner, number, self.sign)

    def flush(self) -> None:
        """Nothing waits: every report is committed when `report` returns."""


class DetachedLink:
    """A trial of a study in memory, pickled into another process by the caller: there
    is no way back to the study."""

    def __init__(self, pruner: BasePruner | None) -> None:
        self.pruner = pruner

    def report(self, number: int, step: int, value: float | Sequence[float]) -> None:
        raise ConfigurationError(
            f"trial {number} belongs to a study in memory in another process: its reports "
            "cannot reach it; keep the study in a file (hpdsl.Trials('sqlite:///...')) to "
            "report from other processes, or let fmin(n_jobs=...) run the workers")

    def should_prune(self, number: int) -> bool:
        self.report(number, 0, 0.0)  # raises, with the reason
        return False

    def flush(self) -> None:
        """Nothing was sent."""


# --- an in-memory study's reports from worker processes -------------------------------------
class ReportHub:
    """In the driver: a listening socket on the loopback interface and a thread per
    worker connection that stores the reports it receives and answers snapshot and
    flush requests. Connections are authenticated with a random key."""

    def __init__(self, storage: TrialStorage) -> None:
        self.storage = storage
        self._authkey = secrets.token_bytes(32)
        self._listener = Listener(("127.0.0.1", 0), authkey=self._authkey)
        self._lock = threading.Lock()
        # every value stored, in order: (number, step, value); snapshots send the tail
        self._log: list[tuple[int, int, float]] = [
            (t.number, step, value) for t in storage.list_trials()
            for step, value in t.intermediate.items()]
        self._connections: list[Connection] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True, name="hpdsl-report-hub").start()

    def link(self, local: LocalLink) -> HubLink:
        """The link workers use for the study whose link in this process is `local`."""
        return HubLink(self._listener.address, self._authkey, local.pruner, local.sign)

    def close(self) -> None:
        """Stop listening and end every connection (a worker's next report is dropped)."""
        self._closed = True
        try:  # wake the thread blocked in accept(), which then sees `_closed`
            socket.create_connection(self._listener.address, timeout=1.0).close()
        except OSError:
            pass
        self._listener.close()
        for conn in list(self._connections):
            try:  # wakes the reader blocked in recv(), which closes it (closing from
                # here alone may not wake it); fromfd works on a duplicate of the socket
                with socket.fromfd(conn.fileno(), socket.AF_INET, socket.SOCK_STREAM) as dup:
                    dup.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _accept(self) -> None:
        while not self._closed:
            try:
                conn = self._listener.accept()
            except Exception:  # closed, or a client that failed authentication
                continue
            self._connections.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True,
                             name="hpdsl-report-reader").start()

    def _serve(self, conn: Connection) -> None:
        try:
            while True:
                message = conn.recv()
                if message[0] == "reports":
                    self._store(message[1])
                elif message[0] == "snapshot":
                    conn.send(self._snapshot(message[1]))
                else:  # "flush": every earlier message on this connection is handled
                    conn.send(None)
        except (EOFError, OSError):
            pass
        finally:
            conn.close()

    def _store(self, reports: list[tuple[int, int, Report]]) -> None:
        with self._lock:
            for number, step, value in reports:
                try:
                    self.storage.report(number, step, value)
                except ConfigurationError:
                    continue  # the trial finished meanwhile (it timed out): nothing to keep
                self._log.append((number, step,
                                  value[0] if isinstance(value, tuple) else value))

    def _snapshot(self, seen: int) -> tuple[int, list[tuple[int, int, float]], list[int]]:
        with self._lock:
            states = [int(t.state) for t in self.storage.list_trials()]
            return len(self._log), self._log[seen:], states


class _HubSide:
    """A worker's connection to a hub and what it learnt from it (one per thread)."""

    def __init__(self, address: Any, authkey: bytes) -> None:
        self.conn = Client(address, authkey=authkey)
        self.seen = 0  # log entries received
        self.values: dict[int, dict[int, float]] = {}
        self.rows: list[Row] = []  # every trial as the last snapshot showed it
        self.fetched = -float("inf")
        self.views = Views()
        self.pending: list[tuple[int, int, Report]] = []  # reports not sent yet
        self.sent = time.monotonic()

    def send_pending(self) -> None:
        if self.pending:
            self.conn.send(("reports", self.pending))
            self.pending = []
        self.sent = time.monotonic()

    def refresh(self) -> None:
        self.send_pending()
        self.conn.send(("snapshot", self.seen))
        self.seen, tail, states = self.conn.recv()
        for number, step, value in tail:
            self.values.setdefault(number, {})[step] = value
        self.rows = [(n, TrialState(state), self.values.get(n, _NONE))
                     for n, state in enumerate(states)]
        self.fetched = time.monotonic()


_hubs = threading.local()


class HubLink:
    """A worker's end of a `ReportHub`: the hub's address and key, and the pruner."""

    def __init__(self, address: Any, authkey: bytes, pruner: BasePruner | None,
                 sign: float = 1.0) -> None:
        self.address, self.authkey, self.pruner, self.sign = address, authkey, pruner, sign
        self._own: dict[int, dict[int, float]] = {}  # this process's trials' reports

    def __reduce__(self) -> tuple[Any, ...]:
        return HubLink, (self.address, self.authkey, self.pruner, self.sign)

    def _side(self) -> _HubSide:
        sides: dict[Any, _HubSide] = _hubs.__dict__.setdefault("sides", {})
        side = sides.get(self.address)
        if side is None:
            try:
                side = sides[self.address] = _HubSide(self.address, self.authkey)
            except OSError as err:
                raise ConfigurationError(
                    f"cannot reach the study in the driver at {self.address} ({err}): "
                    "a worker on another machine cannot report to a study in memory") from err
        return side

    def report(self, number: int, step: int, value: float | Sequence[float]) -> None:
        own = self._own.setdefault(number, {})
        step, checked = check_report(number, TrialState.RUNNING, last_key(own), step, value)
        own[step] = checked[0] if isinstance(checked, tuple) else checked
        side = self._side()
        side.pending.append((number, step, checked))
        if time.monotonic() - side.sent > SNAPSHOT_S:
            side.send_pending()

    def should_prune(self, number: int) -> bool:
        if self.pruner is None:
            return False
        side = self._side()
        if time.monotonic() - side.fetched > SNAPSHOT_S or number >= len(side.rows):
            side.refresh()
        return side.views.judge(self.pruner, side.rows, number, self.sign,
                                self._own.get(number, _NONE))

    def flush(self) -> None:
        """Wait until the hub has stored this trial's reports."""
        sides: dict[Any, _HubSide] = _hubs.__dict__.get("sides", {})
        side = sides.get(self.address)
        if side is not None:
            side.send_pending()
            side.conn.send(("flush",))
            side.conn.recv()


Link = LocalLink | StoredLink | DetachedLink | HubLink

__all__ = ["DetachedLink", "HubLink", "Link", "LocalLink", "ReportHub", "StoredLink",
           "Views"]
