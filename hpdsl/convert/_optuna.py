"""The Optuna bridge: sample an hpdsl space inside an Optuna objective.

`optuna_suggest(space, trial)` (also `space.suggest(trial)`) builds one row of the space
in dependency order (`Coordinates.build_row`) and asks the trial for each active
parameter, so conditions see the values drawn so far, dependent bounds are computed
from them, and derived values follow:

- Optuna parameter names are the declaration keys (`C`, or `C#2` for the second
  declaration of `C` in an exclusive branch; `units[2]`; `preprocess.scaler`), so every
  name keeps one distribution kind across trials.
- `choice`/`pchoice` use `suggest_categorical` (Optuna has no prior weights: a `pchoice`'s
  weights are not used by Optuna's samplers); `randint` uses `suggest_int` with both ends
  included; `uniform`/`loguniform` use `suggest_float` (with `log=True`); `quniform` uses
  `suggest_float`/`suggest_int` with `step=q` over the multiples of q inside the bounds;
  `qloguniform` suggests a log-scaled value that hpdsl rounds to a multiple of q.
- Bounds that depend on other parameters are computed from the values drawn so far and
  passed to `suggest_*` as the trial's bounds.
- Optuna has no normal distribution: the normal family is suggested as its quantile in
  (0, 1) (`suggest_float(name, 1e-9, 1 - 1e-9)`), mapped through the normal's inverse
  CDF, so that Optuna's random sampler draws from exactly the declared normal.
- Constraints: a trial's parameters cannot be redrawn once suggested, so a configuration
  that a `forbid`/`require` excludes (or whose dependent range is empty) raises
  `optuna.TrialPruned`; the study goes on with the next trial.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np

from ..analysis import ir
from ..compile import Coordinates, Dimension, Space, decimals_of

_STANDARD = NormalDist()
_EDGE = 1e-9


def optuna_suggest(space: Space, trial: Any) -> dict[str, Any]:
    """A configuration of `space` drawn through an Optuna trial's `suggest_*` methods,
    for use inside an Optuna objective.

    Raises `optuna.TrialPruned` when the constraints exclude what was drawn.
    """
    import optuna

    coords = space.coords
    batch = coords.build_row(
        lambda decl, dim, bounds: _coordinate(coords, decl, dim, trial, bounds))
    if not batch.feasible[0]:
        raise optuna.TrialPruned("the configuration is excluded by the space's constraints")
    return coords.configs(batch, np.arange(1))[0]


def _coordinate(coords: Coordinates, decl: ir.Decl, dim: Dimension, trial: Any,
                args: dict[str, float]) -> float:
    dist = decl.dist
    assert dist is not None
    name = decl.key
    kind = dist.kind
    value: Any
    if dist.is_choice:
        value = trial.suggest_categorical(name, list(dist.options))
    elif kind in ir.NORMAL_DISTS:
        u = trial.suggest_float(name, _EDGE, 1 - _EDGE)
        z = _STANDARD.inv_cdf(min(max(u, _EDGE), 1 - _EDGE))
        # the coordinate of a static normal is mu + sigma * z; a dependent one is z itself
        return z if dim.dependent else args["mu"] + args["sigma"] * z
    elif kind == "randint":
        first, last = math.ceil(args["low"] - 1e-9), math.floor(args["high"] + 1e-9)
        value = trial.suggest_int(name, first, max(first, last))
    else:
        low, high = args["low"], args["high"]
        log = kind in ir.LOG_DISTS
        if kind == "quniform" and args["q"] > 0:
            q = args["q"]
            kmin, kmax = math.ceil(low / q - 1e-9), math.floor(high / q + 1e-9)
            if dist.integer:
                value = trial.suggest_int(name, int(kmin * q), int(max(kmin, kmax) * q),
                                          step=int(q))
            else:
                places = decimals_of(q)
                digits = places if places is not None and places <= 15 else 15
                value = trial.suggest_float(name, round(kmin * q, digits),
                                            round(max(kmin, kmax) * q, digits), step=q)
        elif high > low and (low > 0 or not log):
            value = trial.suggest_float(name, low, high, log=log)
        else:  # an empty dependent range: the row is infeasible whatever the coordinate
            return math.nan
    problem, x = coords.coordinate(dim, value, args)
    if problem is not None:  # between multiples of q (qloguniform): hpdsl rounds it
        return _unquantized(dim, value, args)
    return x


def _unquantized(dim: Dimension, value: float, args: dict[str, float]) -> float:
    """The coordinate of a value before hpdsl rounds it to a multiple of q."""
    if not dim.dependent:
        return math.log(value) if dim.log else value
    low, high = args["low"], args["high"]
    if dim.log:
        return (math.log(value) - math.log(low)) / (math.log(high) - math.log(low))
    return (value - low) / (high - low)
