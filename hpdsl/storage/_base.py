"""The trial record and its states, the interface every storage implements, the in-memory one.

A storage holds the trials of one study. `Trials` (in `hpdsl.search`) reads and
writes them only through this interface, so that the in-memory list and the
SQLite file behave the same; `tests/test_storage.py` checks every backend against
the same suite.
"""

from __future__ import annotations

import abc
import difflib
import enum
import hashlib
import math
import numbers
from collections.abc import Callable, Mapping, Reversible, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

import numpy as np

from ..errors import ConfigurationError, HpsError
from ._objectives import Objectives, violation


class TrialState(enum.IntEnum):
    """RUNNING: started, no result yet. OK: finished with a loss. FAIL: finished
    without one (the objective raised or returned no loss; Ctrl-C). INTERRUPTED: its
    process stopped (killed, crashed) while running it; found when a persistent
    storage is reopened, not counted by `max_evals`, and read like FAIL by algorithms.
    PRUNED: stopped early by a pruner (the objective raised `hpdsl.TrialPruned`); its
    loss is its last reported value (None if it reported none); counted by `max_evals`,
    never the best."""

    RUNNING = 0
    OK = 1
    FAIL = 2
    INTERRUPTED = 3
    PRUNED = 4


class StorageError(HpsError, RuntimeError):
    """A storage cannot be opened, read or written; the message names the file."""


class NumberTaken(StorageError):
    """Another process took the trial number a seeded proposal was drawn for."""


class SpaceChangedError(ConfigurationError):
    """A study is resumed on a space whose source differs from the one it was run on."""


@dataclass(eq=False)
class Trial:
    """One evaluation of the objective.

    config: the configuration as the objective received it. loss: set when the state
    is OK, and for PRUNED trials that reported (their last value). result: what the
    objective returned, as a dict. error: why a FAIL or INTERRUPTED trial has no loss;
    traceback: where the objective raised (text, bounded). x / active: its
    coordinates, for the search algorithms. params: the configuration flattened to the
    space's names, for tables. attachments: extra results (the objective's extra keys,
    or anything user code stores there).
    values: the value of each objective, as returned (in the user's directions), set
    when OK; `loss` is the first one. constraints: the outcome constraint values, the
    returned ones then the declared ones (c <= 0 is feasible); None without any.
    intermediate: the values the objective reported while running, by step (steps
    increasing); read it, write through `TrialStorage.report`. intermediate_values: the
    reports that gave one value per objective, whole (`intermediate` holds the first).
    """

    number: int
    config: dict[str, Any]
    x: np.ndarray = field(repr=False)
    active: np.ndarray = field(repr=False)
    params: dict[str, Any] = field(default_factory=dict, repr=False)
    state: TrialState = TrialState.RUNNING
    loss: float | None = None
    result: dict[str, Any] = field(default_factory=dict, repr=False)
    error: str | None = None
    started: datetime = field(default_factory=datetime.now, repr=False)
    finished: datetime | None = field(default=None, repr=False)
    attachments: dict[str, Any] = field(default_factory=dict, repr=False)
    traceback: str | None = field(default=None, repr=False)
    values: tuple[float, ...] | None = None
    constraints: tuple[float, ...] | None = field(default=None, repr=False)
    intermediate: dict[int, float] = field(default_factory=dict, repr=False)
    intermediate_values: dict[int, tuple[float, ...]] = field(default_factory=dict,
                                                              repr=False)

    def __getitem__(self, key: str) -> Any:
        """hyperopt's dict form of the trial (`trial["result"]["loss"]`,
        `trial["misc"]["vals"]`), for scripts written against hyperopt."""
        from ._hyperopt_view import hyperopt_trial  # it imports this module

        return hyperopt_trial(self)[key]

    @property
    def violation(self) -> float:
        """The total outcome-constraint violation: the sum of the positive constraint
        values; 0.0 when feasible (or without constraints)."""
        return violation(self.constraints)

    @property
    def feasible(self) -> bool:
        return self.violation == 0.0

    @property
    def last_step(self) -> int | None:
        """The deepest step the trial reported; None if it reported nothing."""
        return last_key(self.intermediate)

    @property
    def duration(self) -> float | None:
        """Seconds from start to finish; None while running."""
        if self.finished is None:
            return None
        return (self.finished - self.started).total_seconds()


class TrialStorage(abc.ABC):
    """Where the trials of one study live. Trials are numbered 0, 1, 2... in the order
    appended.

    A storage implements `append`, `update`, `list_trials` and `__len__`. The other
    methods have defaults that fit a storage private to one process; a storage that
    several processes share (SQLite) overrides them.
    """

    label = "these trials"  # how error messages name the study
    study_name: str | None = None  # the study's name in a storage that holds several
    url: str | None = None  # how another process opens this storage (None: it cannot)
    _space_source: str | None = None
    _objectives: Objectives | None = None

    @abc.abstractmethod
    def append(self, trial: Trial) -> None:
        """Store a new trial. Its number is the count of trials stored before it: a
        shared storage allocates it while inserting and sets `trial.number`."""

    @abc.abstractmethod
    def update(self, trial: Trial) -> None:
        """Store a trial again after its state, result or attachments changed."""

    @abc.abstractmethod
    def list_trials(self) -> list[Trial]:
        """Every trial, by number."""

    @abc.abstractmethod
    def __len__(self) -> int: ...

    def get(self, number: int) -> Trial:
        return self.list_trials()[number]

    def append_within(self, trial: Trial, max_trials: int | None,
                      number: int | None = None) -> bool:
        """Append unless the study already has `max_trials` trials that count (all but
        INTERRUPTED ones); False if it has. With `number`: raise NumberTaken unless the
        trial gets that number. Shared storages check both atomically."""
        if number is not None and len(self) != number:
            raise NumberTaken(f"{self.label}: trial {number} exists already")
        if max_trials is not None and self.counted() >= max_trials:
            return False
        self.append(trial)
        return True

    def report(self, number: int, step: int, value: float | Sequence[float]) -> None:
        """Store the intermediate value of running trial `number` at `step`.

        ConfigurationError, with nothing stored, unless the trial is RUNNING, `step` is
        an int past every step it reported, and `value` a finite number (or, in a study
        with several objectives, a sequence of one finite number per objective).
        """
        trial = self.get(number)
        k = None if type(value) is float else (self.objectives() or Objectives()).k
        checked = check_report(number, trial.state, trial.last_step, step, value, k)
        keep_report(trial, *checked)

    def intermediate(self, number: int) -> dict[int, float]:
        """The values trial `number` reported, by step."""
        return dict(self.get(number).intermediate)

    def counted(self) -> int:
        """How many trials count toward `max_trials`: all but INTERRUPTED ones."""
        return sum(t.state != TrialState.INTERRUPTED for t in self.list_trials())

    def refresh(self) -> None:  # noqa: B027 (a no-op unless overridden, on purpose)
        """Read what other processes wrote since the last call (a no-op when unshared)."""

    def space_source(self) -> str | None:
        """The source text of the space the study runs on; None until one is set."""
        return self._space_source

    def set_space_source(self, source: str,
                         check: Callable[[list[Trial]], None] | None = None) -> None:
        """Record the space's source; `check(trials)` first, which may raise to refuse
        (shared storages check and write in one transaction)."""
        if check is not None:
            check(self.list_trials())
        self._space_source = source

    def objectives(self) -> Objectives | None:
        """The objectives the study records; None until a search records them."""
        return self._objectives

    def set_objectives(self, objectives: Objectives) -> None:
        self._objectives = objectives


class ListedStorage(TrialStorage):
    """A storage that keeps (a copy of) its trials in a Python list, by number."""

    _trials: list[Trial]

    def list_trials(self) -> list[Trial]:
        return list(self._trials)

    def __len__(self) -> int:
        return len(self._trials)

    def get(self, number: int) -> Trial:
        return self._trials[number]


class InMemoryStorage(ListedStorage):
    """Trials in a Python list; updates happen in place. The default storage."""

    def __init__(self) -> None:
        self._trials = []
        self._interrupted: set[int] = set()  # so that `counted` reads no trial

    def append(self, trial: Trial) -> None:
        trial.number = len(self._trials)
        self._trials.append(trial)
        self._note_state(trial)

    def update(self, trial: Trial) -> None:
        self._trials[trial.number] = trial
        self._note_state(trial)

    def _note_state(self, trial: Trial) -> None:
        if trial.state == TrialState.INTERRUPTED:
            self._interrupted.add(trial.number)
        else:
            self._interrupted.discard(trial.number)

    def counted(self) -> int:
        return len(self._trials) - len(self._interrupted)


def last_steps(values: Mapping[int, float], k: int = 1) -> list[int]:
    """The last `k` steps (fewer if there are not as many) of values stored in increasing
    step order, as reports are: O(k) for a dict or a mappingproxy, which keep that order."""
    try:
        newest = iter(reversed(cast(Reversible[int], values)))
    except TypeError:  # a mapping that cannot be reversed
        return sorted(values)[-k:]
    return [step for step, _ in zip(newest, range(k), strict=False)][::-1]


def last_key(values: Mapping[int, float]) -> int | None:
    """The last step reported; None if none was."""
    steps = last_steps(values)
    return steps[0] if steps else None


Report = float | tuple[float, ...]  # one value, or one per objective


def check_report(number: int, state: TrialState, last: int | None, step: object,
                 value: object, n_objectives: int | None = None) -> tuple[int, Report]:
    """(step, value) as stored for trial `number` in `state` whose last reported step is
    `last`, or the ConfigurationError that says why they cannot be stored. A sequence
    of values (several objectives) must have `n_objectives` items, when given."""
    # `type(...) is` first: the ABC checks cost more than the rest of a report
    if type(step) is not int and (isinstance(step, bool)
                                  or not isinstance(step, numbers.Integral)) or step < 0:
        raise ConfigurationError(f"trial {number}: the step must be a non-negative int (an epoch, "
                                 f"an iteration), not {step!r:.40}")
    if type(value) is float or not isinstance(value, list | tuple | np.ndarray):
        stored: Report = _reported(number, step, value)
    else:
        items = list(np.ravel(value)) if isinstance(value, np.ndarray) else list(value)
        if not items or (n_objectives is not None and len(items) != n_objectives):
            raise ConfigurationError(f"trial {number}: reported {len(items)} values at step "
                                     f"{step} for {n_objectives or 'some'} objectives")
        checked = tuple(_reported(number, step, v) for v in items)
        stored = checked[0] if len(checked) == 1 else checked
    if state != TrialState.RUNNING:
        raise ConfigurationError(f"trial {number} is already finished ({state.name}): it can no "
                                 "longer report")
    if last is not None and step <= last:
        said = "was reported already" if step == last else "goes backwards"
        raise ConfigurationError(f"trial {number}: step {step} {said} (the last step reported is "
                                 f"{last}); report each step once, in increasing order")
    return int(step), stored


def _reported(number: int, step: object, value: object) -> float:
    """One reported value, checked (the first test is the fast path of a float)."""
    if type(value) is not float and (isinstance(value, bool)
                                     or not isinstance(value, numbers.Real)):
        raise ConfigurationError(f"trial {number}: report a number, not {type(value).__name__} "
                                 f"{value!r:.40}")
    checked = float(value)
    if not math.isfinite(checked):
        raise ConfigurationError(
            f"trial {number}: reported {checked} at step {step}; only finite values can be "
            "compared (to stop a diverging trial, raise hpdsl.TrialPruned())")
    return checked


def keep_report(trial: Trial, step: int, value: Report) -> None:
    """Put a checked report in the trial: the value (the first, of several) in
    `intermediate`, a vector whole in `intermediate_values`."""
    if isinstance(value, tuple):
        trial.intermediate_values[step] = value
        trial.intermediate[step] = value[0]
    else:
        trial.intermediate[step] = value


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def space_diff(old: str, new: str, limit: int = 40) -> str:
    """A short unified diff from the recorded space source to the new one."""
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "recorded space",
                                      "this space", n=1, lineterm=""))
    if len(lines) > limit:
        lines = lines[:limit] + [f"... ({len(lines) - limit} more lines)"]
    return "\n".join(lines)


def space_changed(label: str, old: str, new: str) -> SpaceChangedError:
    return SpaceChangedError(
        f"{label} was run on another space: its source changed (sha256 {sha256(old)[:12]} "
        f"-> {sha256(new)[:12]}):\n{space_diff(old, new)}\n"
        "help: resume with the space it was run on, use a new study name, or pass "
        "`allow_space_change=True` to `Trials` to go on with the changed space")


__all__ = ["InMemoryStorage", "NumberTaken", "SpaceChangedError", "StorageError", "Trial",
           "TrialStorage", "Report", "check_report", "keep_report", "last_key", "last_steps",
           "sha256", "space_changed"]
