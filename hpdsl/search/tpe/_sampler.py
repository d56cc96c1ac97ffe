"""TPE's suggestion step: split the history, fit l and g per group, pick the best candidate.

Which trials feed which density:
- for each dimension (group), the finished trials (state OK, finite loss) in
  which it was active are ranked by loss; the best `settings.n_good(n)` of
  those n form its good set, the rest are bad;
- failed trials (FAIL, or OK with a non-finite loss) are bad: their region is
  made less likely, and they never count as good;
- pruned trials are ranked after the finished ones, by the deepest step they
  reached, then by the value they reported there (see `_split`);
- pending trials (RUNNING) are bad too, a constant liar with the worst loss, so
  workers running in parallel, and the `n` rows of one call (each appended as
  pending before the next is chosen), are steered away from taken points.

Each dimension (or each activation group, in multivariate mode) sees only the
trials in which it (all of it) was active.

With several objectives, or outcome constraints that some trial broke, the good
trials are chosen by `_motpe.split` (MOTPE) instead of by loss.
"""

from __future__ import annotations

import weakref
from dataclasses import replace
from typing import Any

import numpy as np

from ...compile import Space
from ...storage import TrialState
from .. import qmc, rand
from .._base import History
from . import _motpe
from ._parzen import Mixtures, SpaceModel, spec_for
from ._settings import Settings

_RETRIES = 3  # candidate draws (each 4x larger) before falling back to prior samples

_models: weakref.WeakKeyDictionary[Space, dict[bool, SpaceModel]] = weakref.WeakKeyDictionary()


def _model(space: Space, multivariate: bool) -> SpaceModel:
    """The space's model arrays, one per grouping, cached for the space's lifetime."""
    cache = _models.setdefault(space, {})
    if multivariate not in cache:
        specs = [spec_for(d) for d in space.coords.dimensions]
        groups = (space.coords.activation_groups() if multivariate
                  else [[j] for j in range(len(specs))])
        cache[multivariate] = SpaceModel(specs, groups)
    return cache[multivariate]


def suggest(space: Space, history: History, rng: np.random.Generator, n: int = 1, *,
            settings: Settings | None = None, **overrides: Any) -> np.ndarray:
    """`n` feasible coordinate rows (NaN where inactive) for the next trials.

    Settings come as keywords (`functools.partial(tpe.suggest, gamma=0.2)`), as a
    `Settings` record, or both (keywords win); see `Settings` for their meaning.
    """
    s = replace(settings or Settings(), **overrides).resolved(history.values.shape[1])
    finished = int(np.count_nonzero(history.states != TrialState.RUNNING.value))
    if finished < s.n_startup_jobs or not space.coords.dimensions:
        start = qmc.suggest if s.startup == "sobol" else rand.suggest
        return start(space, history, rng, n)
    model = _model(space, bool(s.multivariate))  # resolved: never None here
    out = np.empty((n, len(space.coords.dimensions)))
    for i in range(n):
        x, active = _suggest_one(space, model, history, rng, s)
        out[i] = x
        if i + 1 < n:
            history = history.with_pending(x[None], active[None])
    return out


suggest.multi_objective = True  # type: ignore[attr-defined]  # MOTPE: see _motpe


def _split(history: History, on: np.ndarray, settings: Settings) -> np.ndarray:
    """(m, G) mask of the good trials of each group (`on`: (m, G), where each group is
    active); every other trial is bad.

    The split is made per group among the finished trials in which the group was
    active, so a branch's parameters learn from that branch's best trials even
    while another branch holds the overall best.

    Pruned trials rank too, by how far they got (as BOHB models the largest budget):
    a trial that finished ranks ahead of every pruned one, a pruned trial that reached
    a deeper step ahead of one pruned earlier, and trials that stopped at the same step
    by the value they reported there. So while few trials finished, the good set is
    filled with the trials that went furthest; the others are bad, as failures are.
    """
    ok = history.ok
    pruned = history.states == TrialState.PRUNED.value
    scored = (ok | pruned) & np.isfinite(history.losses)
    usable = on & scored[:, None]
    # one ranking of the trials serves every group: a group's good trials are the first
    # n_good of its usable trials in (deepest step, then loss) order
    losses = np.where(scored, history.losses, np.inf)
    if pruned.any():
        depth = np.where(ok, np.iinfo(np.int64).max, history.steps)
        order = np.lexsort((losses, np.where(scored, -depth, np.iinfo(np.int64).max)))
    else:  # every scored trial finished: by loss alone (the unscored last, as infinite)
        order = np.argsort(losses, kind="stable")
    # (`take` and a gather through the inverse order: faster here than fancy indexing)
    ranked = usable.take(order, axis=0)
    seen = np.cumsum(ranked, axis=0)
    n_good = np.array([settings.n_good(int(k)) for k in seen[-1]]) if len(order) else 0
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    good: np.ndarray = (ranked & (seen <= n_good)).take(rank, axis=0)
    return good


def _recent_bad(model: SpaceModel, good: np.ndarray, on: np.ndarray, s: Settings
                ) -> np.ndarray:
    """(m, G) mask of the bad trials each group's bad density is fitted to: the last
    `s.bad_window` of the group's trials that are not good (all, if None), or all of
    them in a group of choices only (`SpaceModel.windowed`)."""
    bad = ~good
    if s.bad_window is None or len(bad) <= s.bad_window:
        return bad
    bad &= on
    # bad trials from each row on, counted along a group's contiguous row of the transpose
    later = np.cumsum(np.ascontiguousarray(bad.T)[:, ::-1], axis=1)[:, ::-1].T
    result: np.ndarray = bad & ((later <= s.bad_window) | ~model.windowed)
    return result


def _suggest_one(space: Space, model: SpaceModel, history: History, rng: np.random.Generator,
                 s: Settings) -> tuple[np.ndarray, np.ndarray]:
    on = model.group_active(history.active)
    good = (_motpe.split if _motpe.applies(history) else _split)(history, on, s)
    mix = Mixtures(model, history.X, history.active, [good, _recent_bad(model, good, on, s)],
                   s.prior_weight, str(s.bandwidth), on=on)
    size = s.n_ei_candidates
    for _ in range(_RETRIES):
        batch = space.coords.run(mix.sample(rng, size))
        rows = np.flatnonzero(batch.feasible)
        if rows.size:
            break
        size *= 4
    else:
        batch, rows = space.coords.sample(rng, s.n_ei_candidates)
    X, active = batch.X[rows], batch.active[rows]
    dens = mix.log_pdf(X)
    G = len(model.groups)
    ratio = np.where(model.group_active(active), dens[:, :G] - dens[:, G:], 0.0)
    best = rows[np.argmax(ratio.sum(axis=1))]
    return batch.X[best], batch.active[best]
