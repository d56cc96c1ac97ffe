"""Gradients that objectives return, read into coordinates.

An objective may return `{"loss": L, "grad": {"alpha": dL/dalpha, ...}}`: the
derivatives of the loss with respect to the parameters' own values, by the names
`trial.params` uses (`model.C`, `units[2]`). They are stored with the trial's
result like any other key, and turned into derivatives with respect to the
coordinates (`hpdsl.compile.Dimension`) by the chain rule: for a log parameter
the coordinate is log(value), so dL/dcoordinate = dL/dvalue * value.

Only continuous parameters with fixed bounds have a coordinate gradient
(uniform, loguniform, normal, lognormal without `q`). What cannot be used is
reported, never fatal to the trial (which keeps its loss):
- a name that is not a searched parameter, a parameter inactive in the trial, a
  discrete, quantized or dependent-bounds parameter: that entry is ignored;
- a `grad` that is not a dict, a derivative that is not a number, or one that is
  NaN or infinite: the whole gradient is unusable (`failed`), and an algorithm
  that follows gradients treats the trial as a failed step.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..compile import Dimension, Space
from ..storage import TrialState

GRAD_KEY = "grad"


class GradientWarning(UserWarning):
    """An objective's `grad` could not be used in full; the message says why."""


def differentiable(dim: Dimension) -> bool:
    """Whether a coordinate takes a gradient: continuous, unquantized, fixed bounds."""
    return dim.kind == "float" and dim.q is None and not dim.dependent


def read_gradient(space: Space, x: np.ndarray, active: np.ndarray, grad: object
                  ) -> tuple[np.ndarray, bool, list[str]]:
    """(coordinate gradient (D,) NaN where none, failed, problems) of one trial."""
    dims = space.coords.dimensions
    g = np.full(len(dims), np.nan)
    if not isinstance(grad, Mapping):
        return g, True, [f"`{GRAD_KEY}` is a {type(grad).__name__}, not a dict of parameter "
                         "names to derivatives"]
    by_name: dict[str, list[int]] = {}
    for d, dim in enumerate(dims):
        by_name.setdefault(dim.name, []).append(d)
    problems: list[str] = []
    failed = False
    for name, value in grad.items():
        where = by_name.get(name) if isinstance(name, str) else None
        if where is None:
            close = difflib.get_close_matches(str(name), list(by_name), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            problems.append(f"`{name}` is not a parameter of the space{hint}; ignored")
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            problems.append(f"the derivative for `{name}` is a {type(value).__name__}, not a "
                            "number")
            failed = True
            continue
        v = float(value)
        if not math.isfinite(v):
            problems.append(f"the derivative for `{name}` is {v}")
            failed = True
            continue
        on = [d for d in where if active[d]]
        if not on:
            problems.append(f"`{name}` is inactive in this trial; its derivative is ignored")
            continue
        d = on[0]
        dim = dims[d]
        if not differentiable(dim):
            why = ("has bounds set by other parameters" if dim.dependent else
                   "is quantized" if dim.q is not None else "is discrete")
            problems.append(f"`{name}` {why}: its derivative is not used")
            continue
        g[d] = v * math.exp(x[d]) if dim.log else v
    if failed:
        g[:] = np.nan
    return g, failed, problems


def gradients(space: Space, trials: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """(m, D) coordinate gradients (NaN where none) and (m,) failed flags of OK trials
    whose result has a `grad`."""
    m, D = len(trials), len(space.coords.dimensions)
    G = np.full((m, D), np.nan)
    failed = np.zeros(m, dtype=bool)
    for i, t in enumerate(trials):
        if t.state == TrialState.OK and GRAD_KEY in t.result:
            g, bad, _ = read_gradient(space, np.asarray(t.x, dtype=np.float64),
                                      np.asarray(t.active, dtype=bool), t.result[GRAD_KEY])
            G[i], failed[i] = g, bad
    return G, failed


__all__ = ["GRAD_KEY", "GradientWarning", "differentiable", "gradients", "read_gradient"]
