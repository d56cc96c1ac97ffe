"""The trials as columns the plots read: one numeric column per parameter, the losses.

With several objectives, `losses` holds the one chosen (`objective=`, by default the
first) and `values` all of them, as the objective returned them.

Each parameter becomes a float column with NaN where it is inactive: numbers as they
are (plots draw parameters with a log distribution on a log scale), categorical
parameters as the index of their option (`Column.options` gives the labels). The
kinds, log scales and option orders come from the space: the one given, else the one
the study recorded; if neither can be compiled they are guessed from the values
(strings and booleans are categorical, options in order of first appearance).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._load import load_recorded
from ..compile import Dimension, Space
from ..errors import HpsError
from ..search import Trial, Trials, TrialState
from ..storage import Objectives


@dataclass
class Column:
    """One parameter: `values` (float, NaN where inactive), categorical `options`, `log`."""

    name: str
    values: np.ndarray
    options: list[Any] = field(default_factory=list)
    log: bool = False

    @property
    def categorical(self) -> bool:
        return bool(self.options)

    @property
    def active(self) -> np.ndarray:
        result: np.ndarray = ~np.isnan(self.values)
        return result

    def label(self, code: float) -> str:
        """How an option index or a value reads on an axis."""
        if self.categorical:
            return str(self.options[int(round(code))])
        return f"{code:.3g}"


@dataclass
class Table:
    """Finished trials (OK, failed, pruned) in order: numbers, states, losses (the chosen
    objective's value, NaN unless OK), the last value each PRUNED trial reported (NaN
    for the others), `values` (n, k): every objective's, `feasible`: OK and within the
    outcome constraints."""

    numbers: np.ndarray
    states: list[TrialState]
    losses: np.ndarray
    columns: list[Column]
    space: Space | None = None  # the space the columns were read with, if any
    pruned_values: np.ndarray = field(default_factory=lambda: np.empty(0))
    values: np.ndarray = field(default_factory=lambda: np.empty((0, 1)))
    feasible: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=bool))
    objectives: Objectives = field(default_factory=Objectives)
    objective: int = 0  # which column of `values` is `losses`

    @property
    def label(self) -> str:
        """The chosen objective's name, as axes show it (`accuracy (max)`)."""
        name = self.objectives.names[self.objective]
        return f"{name} (max)" if self.maximized else name

    @property
    def maximized(self) -> bool:
        return self.objectives.directions[self.objective] == "maximize"

    @property
    def ok(self) -> np.ndarray:
        result: np.ndarray = ~np.isnan(self.losses)
        return result


def table(trials: Trials, space: Space | None = None, objective: str | None = None) -> Table:
    """The finished trials of `trials` as columns (running trials are left out);
    `objective`: the name of the one `losses` holds (default: the first)."""
    objectives = trials.objectives
    if objective is not None and objective not in objectives.names:
        raise ValueError(f"no objective {objective!r}: the study's are "
                         + ", ".join(objectives.names))
    chosen = 0 if objective is None else objectives.names.index(objective)
    done = [t for t in trials if t.state != TrialState.RUNNING]
    space = space if space is not None else _recorded_space(trials)
    dims = _dimensions(space)
    names: dict[str, None] = {}
    for t in done:
        names.update(dict.fromkeys(t.params))
    order = {name: i for i, name in enumerate(dims)}  # the space's order, then the others
    columns = [_column(name, [t.params.get(name) for t in done], dims.get(name))
               for name in sorted(names, key=lambda n: order.get(n, len(order)))]
    values = np.array([_values(t, objectives.k) for t in done],
                      dtype=float).reshape(len(done), objectives.k)
    feasible = np.array([t.state == TrialState.OK and t.feasible for t in done], dtype=bool)
    pruned = np.array([t.loss if t.state == TrialState.PRUNED and t.loss is not None
                       else np.nan for t in done], dtype=float)
    return Table(np.array([t.number for t in done], dtype=int), [t.state for t in done],
                 values[:, chosen].copy(), columns, space, pruned, values, feasible,
                 objectives, chosen)


def _values(t: Trial, k: int) -> tuple[float, ...]:
    """The trial's values, NaN unless OK (a trial stored without them: its loss)."""
    if t.state != TrialState.OK:
        return (np.nan,) * k
    if t.values is not None and len(t.values) == k:
        return t.values
    return (np.nan,) * k if t.loss is None or k != 1 else (t.loss,)


def _recorded_space(trials: Trials) -> Space | None:
    source = trials.storage.space_source()
    if source is None:
        return None
    try:
        return load_recorded(source)
    except HpsError:  # e.g. a study recorded by an older hpdsl, with other limits
        return None


def _dimensions(space: Space | None) -> dict[str, Dimension]:
    """The first sampled dimension of each name (a name may be declared in several
    exclusive branches)."""
    if space is None:
        return {}
    out: dict[str, Dimension] = {}
    for p in space.parameters:
        if p.dimension is not None and p.name not in out:
            out[p.name] = p.dimension
    return out


def _column(name: str, raw: list[Any], dim: Dimension | None) -> Column:
    present = [v for v in raw if v is not None]
    if dim is not None and dim.kind == "categorical":
        options = list(dim.options)
    elif dim is None and any(isinstance(v, str | bool) for v in present):
        options = list(dict.fromkeys(present))
    else:
        values = np.array([np.nan if v is None else float(v) for v in raw], dtype=float)
        log = dim.log if dim is not None else _looks_logarithmic(values)
        return Column(name, values, log=log)
    codes = [np.nan if v is None else float(_index(options, v)) for v in raw]
    return Column(name, np.array(codes, dtype=float), options=options)


def _index(options: list[Any], value: Any) -> int:
    """The option's index, telling True from 1 (which `list.index` does not)."""
    for i, option in enumerate(options):
        if option == value and type(option) is type(value):
            return i
    options.append(value)  # a value the space does not list (the space changed)
    return len(options) - 1


def _looks_logarithmic(values: np.ndarray) -> bool:
    """Without a space: positive values spanning more than two decades."""
    v = values[~np.isnan(values)]
    return bool(v.size) and bool(np.all(v > 0)) and float(v.max() / v.min()) > 100.0
