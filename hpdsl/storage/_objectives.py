"""What a study optimizes: its objectives' names and directions, and the outcome
constraints declared on the values trials return.

It lives with the storage because a study file records it: a resumed study, `hpdsl
trials` and the plots read the directions from there. Values are kept as the objective
returned them (in the user's directions); `minimized` turns them into the minimization
every algorithm reads.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigurationError

DIRECTIONS = ("minimize", "maximize")
_NAME = re.compile(r"[A-Za-z_][\w.]*")
_BOUND = re.compile(r"\s*([A-Za-z_][\w.]*)\s*(<=|>=)\s*(\S+)\s*")


@dataclass(frozen=True)
class Bound:
    """A declared outcome constraint `name <= limit` (or `>=`) on a returned value: an
    objective's, or a key of the result dict. Its constraint value is `value - limit`
    (`limit - value` for `>=`): feasible when <= 0."""

    name: str
    op: str
    limit: float

    def __str__(self) -> str:
        shown = f"{self.limit:g}"
        if float(shown) != self.limit:
            shown = repr(self.limit)
        return f"{self.name} {self.op} {shown}"

    def value(self, got: float) -> float:
        return got - self.limit if self.op == "<=" else self.limit - got


@dataclass(frozen=True)
class Objectives:
    """The objectives of a study: one name and one direction each, and the declared
    outcome constraints (`Bound`s)."""

    names: tuple[str, ...] = ("loss",)
    directions: tuple[str, ...] = ("minimize",)
    bounds: tuple[Bound, ...] = ()

    @property
    def k(self) -> int:
        return len(self.directions)

    @property
    def multi(self) -> bool:
        return self.k > 1

    def minimized(self, values: Sequence[float]) -> tuple[float, ...]:
        """`values` (in the user's directions) as minimizations: maximized ones negated."""
        return tuple(-v if d == "maximize" else v for v, d in zip(values, self.directions,
                                                                  strict=True))

    def better(self, a: float, b: float) -> bool:
        """Whether value `a` of the single objective is better than `b`."""
        return a > b if self.directions[0] == "maximize" else a < b

    def describe(self) -> str:
        """`error (minimize), latency_ms (minimize)`: for messages."""
        return ", ".join(f"{n} ({d})" for n, d in zip(self.names, self.directions, strict=True))

    def to_metadata(self) -> dict[str, Any]:
        """The study file's metadata entries (`direction` kept for older readers)."""
        return {"direction": self.directions[0], "directions": list(self.directions),
                "objectives": list(self.names), "constraints": [str(b) for b in self.bounds]}

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any]) -> Objectives:
        """The objectives a study file records (files of older versions: one, with its
        `direction`)."""
        directions = metadata.get("directions") or [metadata.get("direction", "minimize")]
        return make_objectives(directions=directions, objectives=metadata.get("objectives"),
                               constraints=metadata.get("constraints") or ())


def make_objectives(direction: str | None = None, directions: Sequence[str] | None = None,
                    objectives: Sequence[str] | Mapping[str, str] | None = None,
                    constraints: Sequence[str] | str = ()) -> Objectives:
    """The `Objectives` from what `fmin`, `Study` and the CLI take.

    direction: "minimize" or "maximize" (one objective). directions: one word per
    objective. objectives: their names, or a mapping name -> direction. constraints:
    declarations such as "latency_ms <= 20". ConfigurationError on anything else.
    """
    if direction is not None and directions is not None:
        raise ConfigurationError("give `direction` (one objective) or `directions` "
                                 "(several), not both")
    if isinstance(objectives, Mapping):
        if directions is not None or direction is not None:
            raise ConfigurationError("`objectives` given as a mapping name -> direction "
                                     "already says the directions")
        directions = list(objectives.values())
        objectives = list(objectives)
    if direction is not None:
        directions = [direction]
    words = _directions(directions)
    names = _names(objectives, words)
    if words is None:
        words = ("minimize",) * len(names)
    if len(words) != len(names):
        raise ConfigurationError(f"{len(names)} objective names for {len(words)} directions")
    return Objectives(names, words, _bounds(constraints))


def _directions(directions: Sequence[str] | None) -> tuple[str, ...] | None:
    if directions is None:
        return None
    if isinstance(directions, str):
        raise ConfigurationError(f"directions is a list of words such as "
                                 f"('minimize', 'maximize'), not the string {directions!r}; "
                                 "use `direction=` for one objective")
    _check_iterable(directions, "directions")
    words = tuple(directions)
    if not words:
        raise ConfigurationError("directions is empty: give one word per objective")
    for word in words:
        if word not in DIRECTIONS:
            shown = repr(word) if isinstance(word, str) else type(word).__name__
            raise ConfigurationError(f"unknown direction {shown:.60}: use 'minimize' or "
                                     "'maximize'")
    return words


def _check_iterable(value: object, what: str) -> None:
    """A number (or anything else that is not a list) given for a list of words is a
    ConfigurationError, not the TypeError of `tuple(5)`."""
    if not isinstance(value, Iterable):
        raise ConfigurationError(f"{what} is a list or tuple of words, not "
                                 f"{type(value).__name__} {value!r:.60}")


def _names(objectives: Sequence[str] | None, words: tuple[str, ...] | None
           ) -> tuple[str, ...]:
    if objectives is None:
        k = 1 if words is None else len(words)
        return ("loss",) if k == 1 else tuple(f"value{i}" for i in range(k))
    if isinstance(objectives, str):
        raise ConfigurationError(f"objectives is a list of names, not the string "
                                 f"{objectives!r}")
    _check_iterable(objectives, "objectives")
    names = tuple(objectives)
    if not names:
        raise ConfigurationError("objectives is empty: give one name per objective")
    for name in names:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ConfigurationError(f"objective name {name!r:.60} is not a name (letters, "
                                     "digits, `_` and `.`, not starting with a digit)")
    if len(set(names)) != len(names):
        raise ConfigurationError(f"objective names repeat: {', '.join(names)}")
    return names


def _bounds(constraints: Sequence[str] | str) -> tuple[Bound, ...]:
    if isinstance(constraints, str):
        constraints = [constraints]
    bounds = []
    for text in constraints:
        match = _BOUND.fullmatch(text) if isinstance(text, str) else None
        limit = _number(match.group(3)) if match else None
        if match is None or limit is None:
            raise ConfigurationError(f"constraint {text!r:.80} is not `name <= number` or "
                                     "`name >= number` (e.g. 'latency_ms <= 20')")
        bounds.append(Bound(match.group(1), match.group(2), limit))
    return tuple(bounds)


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def violation(constraints: Sequence[float] | None) -> float:
    """The total violation: the sum of the constraint values above 0 (0.0: feasible)."""
    return float(sum(c for c in constraints or () if c > 0))


def is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


__all__ = ["DIRECTIONS", "Bound", "Objectives", "is_number", "make_objectives", "violation"]
