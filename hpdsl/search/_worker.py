"""What runs inside fmin's worker processes.

Kept apart from the rest of the package and free of heavy imports: a spawned worker
imports only this module (the package `__init__`s are lazy) and the objective's own
module, so it starts in a fraction of the time a full `import hpdsl` takes.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

Objective = Callable[..., object]

# The objective, unpickled once per worker process by `load_objective`.
_loaded: dict[str, Objective] = {}


#: the signals a worker leaves to its driver: Ctrl-C and `kill` reach the whole process
#: group, and the driver records the trials in flight before it stops the workers
DRIVER_SIGNALS = (signal.SIGINT, signal.SIGTERM)

# How often a worker checks that its driver is still there.
_WATCH_S = 0.2


def start_worker(driver: int) -> None:
    """Set up a worker process of the driver whose pid is `driver`.

    The signals the driver handles are ignored here (the driver starts the process with
    them blocked, so that a Ctrl-C while it starts cannot print a traceback), and a
    thread ends the process as soon as the driver is gone: killed with SIGKILL, the
    driver cannot stop its workers itself, and they would live on forever.
    """
    for signum in DRIVER_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, DRIVER_SIGNALS)
    threading.Thread(target=_exit_without, args=(driver,), daemon=True,
                     name="hpdsl-watch-driver").start()


def _exit_without(driver: int) -> None:
    while os.getppid() == driver:
        time.sleep(_WATCH_S)
    os._exit(1)


def load_objective(payload: bytes) -> tuple[int, str | None]:
    """Unpickle the objective in this worker; return its pid and why loading failed."""
    try:
        _loaded["fn"] = pickle.loads(payload)
    except Exception as err:
        return os.getpid(), f"{type(err).__name__}: {err}"
    return os.getpid(), None


def call_loaded(config: dict[str, Any], *trial: Any) -> object:
    """Call the loaded objective with the configuration (and the running trial, for an
    objective that takes it)."""
    fn = _loaded.get("fn")
    if fn is None:
        raise RuntimeError("the objective was not loaded in this worker process")
    return call(fn, config, *trial)


def call(fn: Objective, config: dict[str, Any], *trial: Any) -> object:
    """`fn(config, *trial)`; then wait until the trial's reports are stored, so that
    the study records the trial's outcome after all its intermediate values."""
    try:
        return fn(config, *trial)
    finally:
        for running in trial:
            link = running.link
            if link is not None:
                try:
                    link.flush()
                except (OSError, EOFError):
                    pass  # the driver is gone: nothing waits for this trial any more
