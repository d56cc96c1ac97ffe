"""What runs inside fmin's worker processes.

Kept apart from the rest of the package and free of heavy imports: a spawned worker
imports only this module (the package `__init__`s are lazy) and the objective's own
module, so it starts in a fraction of the time a full `import hpdsl` takes.
"""

from __future__ import annotations

import os
import pickle
import signal
from collections.abc import Callable
from typing import Any

Objective = Callable[..., object]

# The objective, unpickled once per worker process by `load_objective`.
_loaded: dict[str, Objective] = {}


def ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group: the driver handles it and stops the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def load_objective(payload: bytes) -> tuple[int, str | None]:
    """Unpickle the objective in this worker; return its pid and why loading failed."""
    try:
        _loaded["fn"] = pickle.loads(payload)
    except Exception as err:
        return os.getpid(), f"{type(err).__name__}: {err}"
    return os.getpid(), None


def call_loaded(config: dict[str, Any], *trial: object) -> object:
    """Call the loaded objective with the configuration (and the running trial, for an
    objective that takes it)."""
    fn = _loaded.get("fn")
    if fn is None:
        raise RuntimeError("the objective was not loaded in this worker process")
    return fn(config, *trial)
