"""CMA-ES's suggestion step: replay the state, draw points, fill in the other parameters.

Each point is drawn from the replayed state with a seed taken from `rng`, so the
same history and generator give the same rows. The parameters CMA-ES does not
search are filled by the fallback (TPE or the prior), once per point; a point the
constraints exclude is drawn again (up to `_DRAWS` times, the fallback's part
redrawn every `_DRAWS_PER_FILL`), and after that the prior supplies the row.
"""

from __future__ import annotations

import warnings
import weakref
from dataclasses import replace
from typing import Any

import numpy as np

from ...compile import Space, sample_prior
from ...errors import ConfigurationError
from .. import qmc, rand, tpe
from .._base import History
from ._layout import Layout, layout_for
from ._replay import cmaes_package, replay
from ._settings import Settings

_DRAWS = 32
_DRAWS_PER_FILL = 8

_layouts: weakref.WeakKeyDictionary[Space, Layout] = weakref.WeakKeyDictionary()
_warned: weakref.WeakSet[Space] = weakref.WeakSet()


def suggest(space: Space, history: History, rng: np.random.Generator, n: int = 1, *,
            settings: Settings | None = None, **overrides: Any) -> np.ndarray:
    """`n` feasible coordinate rows (NaN where inactive) for the next trials.

    Settings come as keywords (`functools.partial(cmaes.suggest, restart="bipop")`), as a
    `Settings` record, or both (keywords win); see `Settings` for their meaning.
    """
    s = replace(settings or Settings(), **overrides)
    layout = _layout(space)
    if not len(layout.dims):
        raise ConfigurationError(
            "cmaes searches float and integer parameters that are always active; this "
            "space has none (use hpdsl.tpe.suggest)")
    cmaes_package()
    if len(history) < s.n_startup_trials or n == 0:
        start = qmc.suggest if s.startup == "sobol" else rand.suggest
        return start(space, history, rng, n)
    if len(layout.others) and space not in _warned:
        _warned.add(space)
        names = ", ".join(space.coords.dimensions[d].name for d in layout.others[:6])
        more = f" and {len(layout.others) - 6} more" if len(layout.others) > 6 else ""
        warnings.warn(f"cmaes searches the float and integer parameters that are always "
                      f"active; the others ({names}{more}) are drawn by the fallback "
                      f"({s.fallback})", UserWarning, stacklevel=2)
    state = replay(space, layout, history, s)
    out = np.empty((n, len(space.coords.dimensions)))
    for i in range(n):
        out[i] = _point(space, layout, history, rng, state.for_asking(), s)
        batch = space.coords.run(out[i:i + 1])
        history = history.with_pending(batch.X, batch.active)
    return out


def _layout(space: Space) -> Layout:
    if space not in _layouts:
        _layouts[space] = layout_for(space)
    return _layouts[space]


def _point(space: Space, layout: Layout, history: History, rng: np.random.Generator,
           optimizer: Any, s: Settings) -> np.ndarray:
    """One feasible row: a CMA-ES point, the rest from the fallback."""
    row = np.zeros(len(space.coords.dimensions))
    for draw in range(_DRAWS):
        if len(layout.others) and draw % _DRAWS_PER_FILL == 0:
            row = _fill(space, history, rng, s)
        optimizer.reseed_rng(int(rng.integers(2**31)))
        asked = optimizer.ask()
        u = asked[0] if isinstance(asked, tuple) else asked  # CMAwM: (encoded, raw)
        row[layout.dims] = layout.from_unit(u[None, :])[0]
        if space.coords.run(row[None, :]).feasible[0]:
            return row
    result: np.ndarray = rand.suggest(space, history, rng, 1)[0]
    return result


def _fill(space: Space, history: History, rng: np.random.Generator, s: Settings
          ) -> np.ndarray:
    """A row from the fallback, its inactive coordinates drawn from the prior: CMA-ES's
    values (an integer that sets a loop's length, say) may activate them."""
    algo = tpe.suggest if s.fallback == "tpe" else rand.suggest
    row: np.ndarray = algo(space, history, rng, 1)[0]
    for d in np.flatnonzero(np.isnan(row)):
        row[d] = sample_prior(space.coords.dimensions[d], rng, 1)[0]
    return row
