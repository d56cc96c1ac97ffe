"""The running trial: what an objective that takes a second argument receives.

    def objective(config, trial):
        folder = f"checkpoints/{trial.study_name}/{trial.number}"

It is a small picklable value with no open connection (the storage is named by its
URL), so the same object is handed to the objective serially, in `n_jobs` worker
processes and on Dask workers, and `Study.running_trial` gives it to ask/tell loops.
Reporting intermediate values and pruning are meant to be methods of this class that
open the storage from `storage` in whatever process the objective runs.

Kept free of heavy imports: worker processes unpickle it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RunningTrial:
    """number: the trial's number in its study (0, 1, ...). config: a copy of the
    configuration being evaluated. study_name: the study's name in its storage (None
    in memory). storage: the storage's URL, e.g. `sqlite:////abs/runs/s.db` (None in
    memory)."""

    number: int
    config: dict[str, Any] = field(repr=False)
    study_name: str | None = None
    storage: str | None = None


def takes_trial(fn: Callable[..., object]) -> bool:
    """Whether `fn` has two or more positional parameters without defaults: it is then
    called as `fn(config, trial)`, otherwise as `fn(config)`."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins and other callables without a signature
        return False
    required = [p for p in signature.parameters.values()
                if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                and p.default is p.empty]
    return len(required) >= 2


__all__ = ["RunningTrial", "takes_trial"]
