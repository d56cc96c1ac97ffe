"""Parameter importance: how much of the variation of the loss each parameter explains.

With scikit-learn (`method="forest"`, the default when it is installed), an
fANOVA-style main-effect decomposition on a random-forest surrogate:

1. Fit a `RandomForestRegressor` (100 trees) to the losses of the OK trials. Each
   parameter is a feature: numbers as they are (the log of the value for log
   distributions), categorical parameters as option indices (trees split on codes,
   which separates any subset of options given enough splits); where a parameter
   is inactive the feature holds a value below all of its values, so trees can
   tell "inactive" apart.
2. The main effect of parameter p is its marginal prediction m(v): the forest's mean
   prediction over the trials where p is active, with p set to v (a partial
   dependence), for v over p's observed values (at most 20 quantiles for numbers).
   The parameters that depend on p in the space's graph (those it activates, or whose
   bounds it sets) are not held fixed while p changes, since they cannot be: each
   trial takes theirs from a trial whose p is v (or nearest v), so that setting
   `booster` to `gblinear` also makes its tree parameters inactive, and the effect of
   switching subspaces is credited to the choice that switches them, not to a
   parameter it activates. Its variance over the observed distribution of v, divided
   by the variance of the forest's predictions over all trials, is the fraction of
   variance p explains on its own, as in fANOVA (which averages over the uniform
   space instead of the trials sampled).
3. A conditional parameter counts on the trials where it is active only, so its
   fraction is weighted by the share of trials where it is active.

Without scikit-learn (`method="variance"`), the same weighting over a simpler
statistic: the share of the loss's variance between groups of trials (the parameter's
option, or its decile for numbers) on the trials where it is active, corrected for the
share that groups of random values would explain (epsilon squared, clipped at 0).

Both are rescaled to sum to 1 (shares of the explained variance, not of the total).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..compile import Space
from ..search import Trials
from ._data import Column, table
from ._mpl import new_axes

GRID = 20
TREES = 100


def parameter_importance(trials: Trials, *, space: Space | None = None,
                         method: str = "auto", seed: int = 0,
                         objective: str | None = None) -> dict[str, float]:
    """The importance of each parameter, largest first, summing to 1 (all 0 when the
    losses do not vary). method: "forest", "variance", or "auto" (forest if
    scikit-learn is installed). With several objectives, `objective` names the one
    explained (default: the first). Needs two OK trials."""
    data = table(trials, space, objective)
    ok = data.ok
    if ok.sum() < 2:
        raise ValueError(f"parameter importance needs at least 2 trials with a loss, "
                         f"not {int(ok.sum())}")
    columns = [Column(c.name, c.values[ok], c.options, c.log) for c in data.columns]
    losses = data.losses[ok]
    if method == "auto":
        method = "forest" if _has_sklearn() else "variance"
    if method == "forest":
        raw = _forest(columns, losses, seed, _dependents(data.space, columns))
    elif method == "variance":
        raw = {c.name: _eta_squared(c, losses) for c in columns}
    else:
        raise ValueError(f"unknown importance method {method!r}: use forest or variance")
    total = float(sum(raw.values()))
    shares = {k: (float(v) / total if total > 0 else 0.0) for k, v in raw.items()}
    return dict(sorted(shares.items(), key=lambda kv: -kv[1]))


def importance(trials: Trials, ax: Any = None, *, space: Space | None = None,
               method: str = "auto", objective: str | None = None) -> Any:
    """A horizontal bar chart of `parameter_importance`, largest on top. Returns the axes."""
    shares = parameter_importance(trials, space=space, method=method, objective=objective)
    ax = new_axes(ax, (7, 1.5 + 0.35 * len(shares)))
    names = list(shares)[::-1]
    ax.barh(names, [shares[n] for n in names], color="tab:blue")
    ax.set_xlabel("importance (share of explained variance)")
    chosen = method if method != "auto" else ("forest" if _has_sklearn() else "variance")
    what = f" for {objective}" if objective is not None else ""
    ax.set_title(f"Parameter importance{what} ({chosen})")
    ax.grid(axis="x", alpha=0.3)
    return ax


def _has_sklearn() -> bool:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        return False
    return True


def _features(columns: list[Column]) -> np.ndarray:
    """One feature per column: log values for log columns, a value below the column's
    range where the parameter is inactive."""
    out = []
    for c in columns:
        v = np.log10(c.values) if c.log else c.values.copy()
        active = ~np.isnan(v)
        lo, hi = (float(v[active].min()), float(v[active].max())) if active.any() else (0, 0)
        v[~active] = lo - (hi - lo) - 1.0
        out.append(v)
    return np.column_stack(out)


def _dependents(space: Space | None, columns: list[Column]) -> dict[int, list[int]]:
    """For each column, the columns of the parameters that depend on it in the space's
    graph, through conditions or bounds (none without a space)."""
    if space is None:
        return {}
    import networkx as nx

    graph = space.graph
    index = {c.name: j for j, c in enumerate(columns)}
    keys: dict[str, list[str]] = {}
    for key, attrs in graph.nodes(data=True):
        keys.setdefault(attrs["name"], []).append(key)
    out = {}
    for name, j in index.items():
        below = {graph.nodes[k]["name"] for key in keys.get(name, ())
                 for k in nx.descendants(graph, key)}
        found = sorted(index[n] for n in below if n in index and n != name)
        if found:
            out[j] = found
    return out


def _forest(columns: list[Column], losses: np.ndarray, seed: int,
            dependents: dict[int, list[int]]) -> dict[str, float]:
    from sklearn.ensemble import RandomForestRegressor

    rng = np.random.default_rng(seed)
    F = _features(columns)
    forest = RandomForestRegressor(n_estimators=TREES, min_samples_leaf=2, random_state=seed,
                                   n_jobs=1).fit(F, losses)
    total = float(np.var(forest.predict(F)))
    out: dict[str, float] = {}
    for j, c in enumerate(columns):
        active = c.active
        if total <= 0 or active.sum() < 2:
            out[c.name] = 0.0
            continue
        rows = F[active]
        grid, weights = _grid(rows[:, j], c.categorical)
        below = dependents.get(j, [])
        marginal = []
        for value in grid:
            probe = rows.copy()
            probe[:, j] = value
            if below:  # their values as they come with p = value, from such trials
                distance = np.abs(rows[:, j] - value)
                donors = np.flatnonzero(distance == distance.min())
                probe[:, below] = rows[rng.choice(donors, len(rows))][:, below]
            marginal.append(float(forest.predict(probe).mean()))
        m = np.array(marginal)
        mean = float(np.average(m, weights=weights))
        variance = float(np.average((m - mean) ** 2, weights=weights))
        out[c.name] = variance / total * active.mean()
    return out


def _grid(values: np.ndarray, categorical: bool) -> tuple[np.ndarray, np.ndarray]:
    """The values to set a parameter to, with the weight of each (their frequency)."""
    unique, counts = np.unique(values, return_counts=True)
    if categorical or len(unique) <= GRID:
        return unique, counts.astype(float)
    return np.quantile(values, (np.arange(GRID) + 0.5) / GRID), np.ones(GRID)


def _eta_squared(c: Column, losses: np.ndarray) -> float:
    """Epsilon squared of the loss grouped by the parameter, on the active trials,
    weighted by the share of trials where the parameter is active."""
    active = c.active
    y = losses[active]
    if len(y) < 2 or float(np.var(y)) == 0.0:
        return 0.0
    v = c.values[active]
    if c.categorical or len(np.unique(v)) <= 10:
        groups = v
    else:
        edges = np.quantile(v, np.linspace(0, 1, 11)[1:-1])
        groups = np.searchsorted(edges, v).astype(float)
    groups_seen = np.unique(groups)
    total = len(y) * float(np.var(y))
    between = sum(float((groups == g).sum()) * (float(y[groups == g].mean()) - y.mean()) ** 2
                  for g in groups_seen)
    if len(groups_seen) >= len(y):
        return 0.0
    within_mean_square = (total - between) / (len(y) - len(groups_seen))
    corrected = between - (len(groups_seen) - 1) * within_mean_square
    return max(0.0, float(corrected / total)) * float(active.mean())
