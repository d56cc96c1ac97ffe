"""CMA-ES's state, rebuilt from the history alone.

hpdsl's algorithms are functions of the history, so the optimizer is not kept
between calls: it is replayed. Trial positions define the generations:

- the first `n_startup_trials` trials (and whatever the study holds before them)
  come before CMA-ES; the finished ones warm-start it (`initial`);
- from there, a run with population size lambda takes the next lambda trials as
  one generation, whatever proposed them; once all of them are finished
  (failed, interrupted and pruned trials rank last) the generation is told, in
  trial order, and the next lambda trials are the next generation;
- when a run stops (the cmaes package's `should_stop`), the next trial starts a
  new run (IPOP or BIPOP). The random means and sizes of restarts are drawn from
  a generator seeded by the trials the stopped run consumed.

A generation with a pending trial stops the replay there: until it finishes,
new points come from the last told state (with n_jobs > 1, the first points of a
generation come from the state one generation old). Telling does not use
randomness, so the state after the same finished trials is the same in any
process: a resumed study proposes what the uninterrupted one would have.

Integers are told as their integer values (the raw continuous sample that CMA-ES
with margin drew is not in the history).

Replaying is cheap but grows with the history; the last state reached for each
space and settings is cached with a digest of the trials it consumed, so a call
whose history extends those trials continues from it. The cache changes no
result: a call with no usable entry replays from the start.
"""

from __future__ import annotations

import copy
import hashlib
import math
import weakref
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ...compile import Space
from ...errors import ConfigurationError
from .._base import History
from ._layout import Layout
from ._settings import Settings

WARM_START_GAMMA = 0.1  # the best tenth of the earlier trials shapes the warm start
WARM_START_ALPHA = 0.1  # the prior spread of that estimate, in units of each range


@dataclass
class State:
    """A run of CMA-ES and the restart bookkeeping. `position`: the first trial not yet
    told (the next generation starts there)."""

    optimizer: Any
    popsize: int
    position: int
    runs: int = 1
    large_popsize: int = 0
    large_evals: int = 0
    small_evals: int = 0
    small_regime: bool = False
    asking: Any = field(default=None, repr=False)

    def for_asking(self) -> Any:
        """A copy of the optimizer to draw points from: drawing caches an eigendecomposition
        of the covariance (and rewrites it from that), which the next `tell` must not see."""
        if self.asking is None:
            self.asking = copy.deepcopy(self.optimizer)
        return self.asking


@dataclass
class _Checkpoint:
    settings: Settings
    digest: bytes
    state: State


_cache: weakref.WeakKeyDictionary[Space, _Checkpoint] = weakref.WeakKeyDictionary()


def cmaes_package() -> Any:
    """The cmaes package, or a ConfigurationError saying how to install it."""
    try:
        import cmaes
    except ImportError:
        raise ConfigurationError("hpdsl.cmaes needs the cmaes package: "
                                 "pip install 'hpdsl[cmaes]'") from None
    return cmaes


def replay(space: Space, layout: Layout, history: History, s: Settings) -> State:
    """The state after every generation of `history` that can be told."""
    saved = _cache.get(space)
    if (saved is not None and saved.settings == s and saved.state.position <= len(history)
            and _digest(history, saved.state.position) == saved.digest):
        if _next_generation(saved.state, history) is None:
            return saved.state  # nothing new to tell: draw from the cached state
        state = copy.deepcopy(saved.state)
    else:
        saved, state = None, initial(layout, history, s)
    told = state.position
    while (rows := _next_generation(state, history)) is not None:
        _tell(state, layout, history, rows)
        if state.optimizer.should_stop():
            _restart(state, layout, s, _digest(history, state.position))
        # the form a cached copy has: a copy drops the eigendecomposition and keeps one
        # triangle of the covariance, which changes the next steps in their last bits
        state.optimizer = copy.deepcopy(state.optimizer)
    if state.position != told or saved is None:
        _cache[space] = _Checkpoint(s, _digest(history, state.position),
                                    copy.deepcopy(state))
    return state


def _next_generation(state: State, history: History) -> np.ndarray | None:
    """The trials of the generation to tell next, if they are all there and finished."""
    rows = np.arange(state.position, state.position + state.popsize)
    if rows[-1] >= len(history) or history.pending[rows].any():
        return None
    return rows


def initial(layout: Layout, history: History, s: Settings) -> State:
    """The first run: from the centre, or warm-started by the trials before it."""
    k = len(layout.dims)
    start = s.n_startup_trials
    popsize = s.popsize or _default_popsize(k)
    mean = np.full(k, 0.5)
    sigma, cov = s.sigma0, None
    earlier = np.arange(min(start, len(history)))
    ok = earlier[history.ok[earlier] & np.isfinite(history.losses[earlier])]
    if s.warm_start and len(ok):
        U = _filled(layout.to_unit(history.X[ok]), mean)
        losses = history.losses[ok]
        if len(ok) * WARM_START_GAMMA >= 1:
            package = cmaes_package()
            solutions = [(u, float(v)) for u, v in zip(U, losses, strict=True)]
            mean, sigma, cov = package.get_warm_start_mgd(solutions, WARM_START_GAMMA,
                                                          WARM_START_ALPHA)
            mean = np.clip(mean, layout.bounds[:, 0], layout.bounds[:, 1])
        else:
            mean = U[int(np.argmin(losses))]
    optimizer = copy.deepcopy(_optimizer(layout, s, mean, sigma, popsize, cov))
    return State(optimizer, popsize, start, large_popsize=popsize)


def _default_popsize(k: int) -> int:
    return 4 + math.floor(3 * math.log(k))


def _optimizer(layout: Layout, s: Settings, mean: np.ndarray, sigma: float, popsize: int,
               cov: np.ndarray | None = None) -> Any:
    package = cmaes_package()
    if s.with_margin and layout.integer.any():
        return package.CMAwM(mean, sigma, layout.bounds, layout.steps, seed=0,
                             population_size=popsize, cov=cov)
    return package.CMA(mean, sigma, layout.bounds, seed=0, population_size=popsize, cov=cov)


def _tell(state: State, layout: Layout, history: History, rows: np.ndarray) -> None:
    """Tell one generation: its points in CMA-ES's box, failures ranked last."""
    U = _filled(layout.to_unit(history.X[rows]), np.asarray(state.optimizer.mean))
    usable = history.ok[rows] & np.isfinite(history.losses[rows])
    values = np.where(usable, history.losses[rows], math.inf)
    state.optimizer.tell([(u, float(v)) for u, v in zip(U, values, strict=True)])
    state.asking = None
    state.position += len(rows)
    if state.small_regime:
        state.small_evals += len(rows)
    else:
        state.large_evals += len(rows)


def _restart(state: State, layout: Layout, s: Settings, seed: bytes) -> None:
    """Start the next run at `state.position` (IPOP, BIPOP, or the same run again)."""
    rng = np.random.default_rng(int.from_bytes(seed[:8], "little"))
    k = len(layout.dims)
    bounded = np.isfinite(layout.bounds[:, 0])
    mean = np.where(bounded, rng.random(k), rng.normal(0.5, 0.25, k))
    sigma = s.sigma0
    default = s.popsize or _default_popsize(k)
    state.runs += 1
    if s.restart is None:
        popsize = default
    elif s.restart == "ipop" or state.large_evals <= state.small_evals:
        state.large_popsize *= s.inc_popsize
        popsize, state.small_regime = state.large_popsize, False
    else:
        r = rng.random()
        popsize = max(2, math.floor(default * (0.5 * state.large_popsize / default) ** (r**2)))
        sigma = s.sigma0 * 10 ** (-2 * r)
        state.small_regime = True
    state.optimizer, state.asking = _optimizer(layout, s, mean, sigma, popsize), None
    state.popsize = popsize


def _filled(U: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """Inactive coordinates (NaN) of told points at the mean: they move nothing."""
    result: np.ndarray = np.where(np.isnan(U), mean, U)
    return result


def _digest(history: History, stop: int) -> bytes:
    """A digest of the first `stop` trials: their coordinates, losses and states."""
    h = hashlib.blake2b(digest_size=16)
    h.update(np.nan_to_num(history.X[:stop], nan=-0.0).astype("<f8").tobytes())
    h.update(np.nan_to_num(history.losses[:stop], nan=-0.0).astype("<f8").tobytes())
    h.update(np.asarray(history.states[:stop]).astype("<i8").tobytes())
    return h.digest()
