"""Gradient descent on hyperparameters, with the gradients the objective returns.

    >>> import hpdsl
    >>> def objective(cfg):
    ...     return {"loss": (cfg["x"] - 1) ** 2, "grad": {"x": 2 * (cfg["x"] - 1)}}
    >>> best = hpdsl.fmin(objective, "x ~ uniform(-5, 5)", algo=hpdsl.hypergrad.suggest,
    ...                   max_evals=8, show_progressbar=False)
    >>> round(best["x"], 3)
    1.0

The objective returns `{"loss": L, "grad": {"name": dL/dvalue, ...}}` (see
`_gradients.py`: derivatives with respect to the values, turned into derivatives
with respect to the coordinates, so log parameters move in log units). Each new
trial is a step of projected L-BFGS from the incumbent, the best trial with a
usable gradient, kept inside the bounds of the space:

- The first trial is the space's default configuration (declared defaults, the
  middle of each range elsewhere); `Study` asks it first anyway when defaults are
  declared.
- The direction: L-BFGS (the last `memory` pairs of successive incumbents) over
  the coordinates with a gradient at the incumbent, not pushed against a bound.
  With no curvature pair yet, the first step moves the coordinate with the
  largest derivative by `first_step` times its range. A step is projected onto
  the bounds (coordinates that reach one stop there) when that still goes
  downhill, else shortened as a whole to end inside them. When the full step that
  reached the incumbent left the loss falling about as steeply as before (Wolfe's
  curvature condition fails), the next step is that step again, twice as long.
- The line search (backtracking): a trial that does not improve on the
  incumbent, fails, or returns a NaN or unusable gradient is a rejected step;
  the next trial lies between the incumbent and it (a quadratic fit, kept within
  [0.1, 0.5] of the way), at most `max_backtracks` times. Only trials on the
  ray of the incumbent's step count; pending ones (parallel workers) count as
  rejected until they finish, so workers try a ladder of shorter steps, and
  trials proposed from an earlier incumbent do not shorten the new one's steps.
- Parameters without a gradient (choices, integers, quantized or dependent
  ones, and continuous ones the objective leaves out) are held at the incumbent's
  values. When the descent has converged (a step shorter than `tol` of the
  ranges, `max_backtracks` rejected steps, or a projected gradient of zero), the
  next trial is a mutation of the incumbent (`_operators.mutate`), which also
  moves the held parameters; if it is better, the descent goes on from there.

The algorithm keeps no state besides the history, so a resumed study continues
where it stood. An objective that returns no gradient at all is a
ConfigurationError on the next proposal (the finished trials are kept); see
`_gradients.py` for what happens to gradients that cannot be used.
"""

from __future__ import annotations

import numpy as np

from ..compile import Space
from ..errors import ConfigurationError
from ..storage import TrialState
from . import rand
from ._base import History
from ._gradients import GRAD_KEY, differentiable
from ._operators import mutate

CURVATURE = 0.9  # Wolfe's c2: a step after which the slope kept this much is extended
EXPAND = 2.0  # by this factor of itself


def suggest(space: Space, history: History, rng: np.random.Generator, n: int = 1, *,
            memory: int = 10, first_step: float = 0.1, max_backtracks: int = 10,
            tol: float = 1e-7) -> np.ndarray:
    """`n` feasible coordinate rows: projected L-BFGS steps from the incumbent."""
    dims = space.coords.dimensions
    if not any(differentiable(d) for d in dims):
        raise ConfigurationError("hypergrad needs a continuous parameter with fixed bounds "
                                 "(uniform, loguniform, normal, lognormal without q); this "
                                 "space has none")
    out = np.empty((n, len(dims)))
    for i in range(n):
        out[i] = _one(space, history, rng, memory, first_step, max_backtracks, tol)
        batch = space.coords.run(out[i:i + 1])
        history = history.with_pending(batch.X, batch.active)
    return out


def _one(space: Space, history: History, rng: np.random.Generator, memory: int,
         first_step: float, max_backtracks: int, tol: float) -> np.ndarray:
    dims = space.coords.dimensions
    finite = history.ok & np.isfinite(history.losses)
    usable = finite & ~history.grad_failed & np.isfinite(history.grads).any(axis=1)
    if not usable.any():
        return _start(space, history, rng, finite)
    candidates = np.flatnonzero(usable)
    inc = int(candidates[np.argmin(history.losses[candidates])])
    x0, g0, a0 = history.X[inc], history.grads[inc], history.active[inc]
    free = np.isfinite(g0) & a0 & np.array([differentiable(d) for d in dims])
    low = np.array([d.low for d in dims])
    high = np.array([d.high for d in dims])
    width = np.where(np.isfinite(high - low), high - low,
                     np.array([2 * d.sigma for d in dims]))
    # coordinates pressed against a bound by the gradient do not move
    free &= ~((x0 <= low) & (g0 > 0)) & ~((x0 >= high) & (g0 < 0))
    if not free.any() or np.max(np.abs(g0[free]) * width[free]) <= 1e-12:
        return mutate(space, x0, a0, rng)

    # the step from the incumbent (the same whenever it is computed: it depends on the
    # trials up to the incumbent only), and the trials since then on its ray: the line search
    full = np.zeros(len(dims))
    d = _direction(history, inc, usable, free, g0, width, memory, first_step)
    full[free] = _inside(x0[free], d, g0[free], low[free], high[free])
    if not np.any(full[free]):
        return mutate(space, x0, a0, rng)
    held = ~free
    same = (history.active == a0).all(axis=1) & (
        (history.X[:, held] == x0[held]) | np.isnan(x0[held])).all(axis=1)
    later = np.flatnonzero((np.arange(len(history)) > inc) & same)
    later = later[_on_ray(history.X[later][:, free] - x0[free], full[free])]
    if later.size >= max_backtracks:  # the line search gave up: converged here
        return mutate(space, x0, a0, rng)
    if later.size:  # the last step on the ray was rejected (or is pending): shorten it
        ref = int(later[-1])
        step = history.X[ref] - x0
        step[held] = 0.0
        step *= _shrink(history, ref, float(history.losses[inc]), float(g0[free] @ step[free]))
    else:
        step = full
    if np.max(np.abs(step[free]) / width[free]) < tol:
        return mutate(space, x0, a0, rng)
    for _ in range(8):  # a proposal that a constraint excludes: a shorter step
        x: np.ndarray = x0.copy()
        x[free] = np.clip(x0[free] + step[free], low[free], high[free])
        if space.coords.run(x[None, :]).feasible[0]:
            return x
        step *= 0.5
    return mutate(space, x0, a0, rng)


def _on_ray(S: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Which steps (rows of S) point the way p does: the points of its line search, not
    trials proposed from elsewhere (another incumbent, a worker's earlier proposal)."""
    norms = np.linalg.norm(S, axis=1) * np.linalg.norm(p)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = (S @ p) / norms
    result: np.ndarray = (norms > 0) & (cos > 1 - 1e-9)
    return result


def _inside(x: np.ndarray, d: np.ndarray, g: np.ndarray, low: np.ndarray, high: np.ndarray
            ) -> np.ndarray:
    """The step d kept inside the bounds: projected onto them (coordinates that reach a
    bound stop there, the others go on) if that still goes downhill along g, else
    shortened as a whole, so that it keeps its direction."""
    projected: np.ndarray = np.clip(x + d, low, high) - x
    if float(g @ projected) < 0:
        return projected
    d = np.where(((x <= low) & (d < 0)) | ((x >= high) & (d > 0)), 0.0, d)
    with np.errstate(divide="ignore", invalid="ignore"):
        room = np.where(d > 0, (high - x) / d, np.where(d < 0, (low - x) / d, np.inf))
    t = min(1.0, float(room.min())) if room.size else 1.0
    result: np.ndarray = d * t
    return result


def _start(space: Space, history: History, rng: np.random.Generator, finite: np.ndarray
           ) -> np.ndarray:
    """Before any trial has a usable gradient: the default configuration, then (pending
    trials, failed gradients) samples from the prior; an error if the objective returns
    no gradient at all."""
    if finite.any() and not history.grad_failed.any():
        raise ConfigurationError(
            f"hypergrad needs gradients: none of the {int(finite.sum())} finished trials "
            f"returned a usable `{GRAD_KEY}`; return {{'loss': L, '{GRAD_KEY}': {{'name': "
            "dL/dvalue, ...}}}} with derivatives for continuous parameters, or use another "
            "algorithm (the trials so far are kept)")
    try:
        x, _ = space.coords.encode(space.default())
    except ConfigurationError:  # the constraints exclude the default configuration
        x = np.full(len(space.coords.dimensions), np.nan)
    tried = (np.isclose(history.X, x) | (np.isnan(history.X) & np.isnan(x))).all(axis=1)
    if not np.isnan(x).all() and not tried.any():
        return x
    result: np.ndarray = rand.suggest(space, history, rng, 1)[0]
    return result


def _shrink(history: History, ref: int, f0: float, slope: float) -> float:
    """How far along a rejected step to go next: the minimum of the quadratic through
    f(0) = f0, f'(0) = slope and f(1), within [0.1, 0.5]; 0.5 when f(1) is unknown or
    the step did not go down."""
    f1 = float(history.losses[ref])
    if not (history.states[ref] == TrialState.OK and np.isfinite(f1)) or slope >= 0:
        return 0.5
    curvature = f1 - f0 - slope
    if curvature <= 0:
        return 0.5
    return float(np.clip(-slope / (2 * curvature), 0.1, 0.5))


def _direction(history: History, inc: int, usable: np.ndarray, free: np.ndarray,
               g0: np.ndarray, width: np.ndarray, memory: int, first_step: float
               ) -> np.ndarray:
    """-H g over the free coordinates: L-BFGS's two loops on the pairs of successive
    incumbents (trials each better than every usable trial before them)."""
    records = []
    best = np.inf
    for i in np.flatnonzero(usable[: inc + 1]):
        if history.losses[i] < best:
            best = history.losses[i]
            records.append(int(i))
    pairs = []
    for a, b in zip(records[:-1], records[1:], strict=True):
        s = history.X[b, free] - history.X[a, free]
        y = history.grads[b, free] - history.grads[a, free]
        if np.isfinite(s).all() and np.isfinite(y).all() and s @ y > 1e-10 * (
                np.linalg.norm(s) * np.linalg.norm(y)):
            pairs.append((s, y))
    pairs = pairs[-memory:]
    g = g0[free]
    if len(records) >= 2 and records[-2] == inc - 1:
        # the full step that reached the incumbent left the loss still falling steeply
        # (the curvature condition of Wolfe's line search fails): go on further along it
        s = history.X[inc, free] - history.X[records[-2], free]
        before = float(history.grads[records[-2], free] @ s)
        if before < 0 and float(g @ s) < CURVATURE * before:
            result: np.ndarray = EXPAND * s
            return result
    steepest: np.ndarray = -g / np.max(np.abs(g) / width[free]) * first_step
    if not pairs:
        return steepest
    q = g.copy()
    alphas = []
    for s, y in reversed(pairs):
        a = (s @ q) / (y @ s)
        alphas.append(a)
        q -= a * y
    s, y = pairs[-1]
    q *= (s @ y) / (y @ y)
    for (s, y), a in zip(pairs, reversed(alphas), strict=True):
        b = (y @ q) / (y @ s)
        q += (a - b) * s
    d: np.ndarray = -q
    if d @ g >= 0:  # not a descent direction (curvature from far away): steepest descent
        return steepest
    return d


__all__ = ["suggest"]
