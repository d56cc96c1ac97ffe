"""Parzen estimators over a group of coordinates: weighted mixtures of product kernels.

One kernel per observation plus one prior component. Continuous coordinates get a
Gaussian truncated to the dimension's domain; integer and quantized coordinates the
same Gaussian integrated over the bucket of coordinates that decode to one value (so
the likelihood is a probability mass); categorical coordinates a kernel with mass
1 - b on the observed option and b spread by the prior weights. Densities are
evaluated as (candidates x components) matrices: no Python loop over observations.
Observations with identical kernels (repeated ints and options) share one component.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ...compile import Dimension

_SQRT2 = math.sqrt(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_MAX_REDRAWS = 100
_PROPOSALS = 8  # normal draws per rejected truncated draw, at once (`Mixtures.sample`)
# numeric dimensions from which a group's candidates take each coordinate from its own
# kernel (`Mixtures.sample`): a product kernel keeps every coordinate of a candidate next
# to one good trial, and in 20 dimensions (BBOB's Rosenbrock) that stopped the search
# short; drawing coordinates apart explores their combinations, which the joint density
# still scores. In groups of 4 to 6 it cost more than it gained (the ellipsoid, a tree)
_WIDE_GROUP = 8
# categorical kernels keep half their mass on the prior: with mass on the observed
# option only, a branch that is good early captures the choice and a better branch
# whose parameters are still untuned is never revisited (the conditional benchmark)
_CAT_SMOOTHING = 0.5
# how much more the prior weighs in a group of at most one numeric dimension: on
# hyperopt's "distractor" (a narrow minimum away from a broad slope, one dimension) the
# good density otherwise settles on the slope in a third of the runs, while in several
# dimensions a heavier prior only spends candidates on regions it rarely hits
_NARROW_PRIOR_SCALE = 2.0

Num = np.ndarray | float  # a scalar, or an array broadcast against the values


def _erfc_pos(z: np.ndarray) -> np.ndarray:
    """erfc(z) for z >= 0 with relative error < 1.2e-7 (the Chebyshev fit of Numerical
    Recipes' `erfcc`): numpy has no erf, and the relative accuracy in the tail is what
    keeps far-off bucket masses meaningful."""
    # beyond 26 erfc is below 1e-296: clamping keeps exp out of the subnormal range,
    # where it runs orders of magnitude slower
    z = np.minimum(z, 26.0)
    t = 1.0 / (1.0 + 0.5 * z)
    p = -0.82215223 + t * 0.17087277
    for c in (1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196,
              1.00002368, -1.26551223):
        p = c + t * p
    result: np.ndarray = t * np.exp(p - z * z)
    return result


def _tails(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Phi(x), 1 - Phi(x)) for the standard normal, each accurate where it is small."""
    e = 0.5 * _erfc_pos(np.abs(x) / _SQRT2)
    neg = x < 0
    return np.where(neg, e, 1.0 - e), np.where(neg, 1.0 - e, e)


def normal_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Phi(b) - Phi(a) for standardized a <= b, subtracting the small tails."""
    lo_a, up_a = _tails(a)
    lo_b, up_b = _tails(b)
    result: np.ndarray = np.maximum(np.where(a > 0, up_a - up_b, lo_b - lo_a), 0.0)
    return result


@dataclass(frozen=True)
class DimSpec:
    """How one coordinate is modelled.

    kind: "continuous", "discrete" (int or quantized: likelihood is the mass of a
    bucket) or "categorical". lo/hi: the kernel domain in coordinates (an int's
    domain reaches half a unit past its bounds, so every integer's bucket has width
    one). mu/sigma: the prior component. probs: prior option weights. q, log, vlo,
    vhi: the quantization step and the value bounds, for quantized floats.
    """

    kind: str
    lo: float
    hi: float
    mu: float
    sigma: float
    probs: tuple[float, ...] = ()
    q: float | None = None
    log: bool = False
    vlo: float = -math.inf
    vhi: float = math.inf

    @property
    def integer(self) -> bool:
        return self.kind == "discrete" and self.q is None

    def quantized_args(self) -> tuple[float, bool, float, float, float, float]:
        """(q, log, kmin, kmax, vlo, vhi) for `quantized_buckets`: the first and last
        multiples of q in the value bounds (infinite when there are none)."""
        assert self.q is not None
        q = self.q
        if not math.isfinite(self.vlo):
            return q, self.log, -math.inf, math.inf, self.vlo, self.vhi
        kmin, kmax = math.ceil(self.vlo / q - 1e-9), math.floor(self.vhi / q + 1e-9)
        return q, self.log, kmin, kmax, self.vlo, self.vhi


def quantized_buckets(x: np.ndarray, q: Num, log: np.ndarray | bool, kmin: Num, kmax: Num,
                      vlo: Num, vhi: Num) -> tuple[np.ndarray, np.ndarray]:
    """The coordinate interval [a, b] of the multiple of q each coordinate decodes to, for
    one quantized dimension (scalar arguments, see `DimSpec.quantized_args`) or several
    at once (one row of `x` and a column of each argument per dimension): the bucket
    half a step either side of the value, cut at the value bounds. Call under
    np.errstate(all="ignore")."""
    v = np.where(log, np.exp(x), x)
    k = np.minimum(np.maximum(np.rint(v / q), kmin), kmax)
    a = np.where(k <= kmin, vlo, (k - 0.5) * q)
    b = np.where(k >= kmax, vhi, (k + 0.5) * q)
    return (np.where(log, np.log(np.maximum(a, 0.0)), a),
            np.where(log, np.log(np.maximum(b, 0.0)), b))


def spec_for(dim: Dimension) -> DimSpec:
    """The model of a dimension in its natural coordinates (see `Dimension`)."""
    if dim.kind == "categorical":
        w = np.asarray(dim.weights or [1.0] * len(dim.options), dtype=np.float64)
        return DimSpec("categorical", 0.0, len(dim.options) - 1.0, 0.0, 1.0,
                       probs=tuple(w / w.sum()))
    if dim.prior == "normal":
        mu, sigma = (0.0, 1.0) if dim.dependent else (dim.mu, dim.sigma)
        if dim.q is not None and not dim.dependent:
            return DimSpec("discrete", -math.inf, math.inf, mu, sigma, q=dim.q, log=dim.log)
        return DimSpec("continuous", -math.inf, math.inf, mu, sigma)
    if dim.dependent:
        return DimSpec("continuous", 0.0, 1.0, 0.5, 1.0)
    mid, width = (dim.low + dim.high) / 2, dim.high - dim.low
    if dim.kind == "int":
        return DimSpec("discrete", dim.low - 0.5, dim.high + 0.5, mid, width + 1.0)
    if dim.q is not None:
        vlo, vhi = (math.exp(dim.low), math.exp(dim.high)) if dim.log else (dim.low, dim.high)
        return DimSpec("discrete", dim.low, dim.high, mid, width, q=dim.q, log=dim.log,
                       vlo=vlo, vhi=vhi)
    return DimSpec("continuous", dim.low, dim.high, mid, max(width, 1e-12))



def _log_z(mu: np.ndarray, sigma: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Log mass of N(mu, sigma) on [lo, hi]: the truncated kernel's normalizer."""
    with np.errstate(divide="ignore", invalid="ignore"):
        a, b = (lo - mu) / sigma, (hi - mu) / sigma
        if np.all(a <= 0.0) and np.all(b >= 0.0):
            # every kernel's centre inside its domain (observations and priors are): the
            # mass is 1 minus two outer tails, one erfc call; sigma <= the domain's width
            # keeps the mass above 0.38, so the subtraction loses nothing
            n = a.size
            tails = _erfc_pos(np.abs(np.concatenate([a, b])) / _SQRT2)
            result: np.ndarray = np.log1p(-0.5 * (tails[:n] + tails[n:]))
        else:
            result = np.log(normal_mass(a, b))
        return result


def _first_identical(dens: np.ndarray, comp: np.ndarray, pos: np.ndarray, mu: np.ndarray,
                     sigma: np.ndarray, mergeable: np.ndarray) -> np.ndarray:
    """For each component, the first `mergeable` component of its density with the same
    kernels (mu and sigma in every position `pos`), or itself."""
    first = np.arange(dens.size)
    cand = np.flatnonzero(mergeable)
    if cand.size < 2:
        return first
    slot = np.full(dens.size, -1)
    slot[cand] = np.arange(cand.size)
    e = np.flatnonzero(mergeable[comp])
    k = int(pos[e].max()) + 1
    keys = np.zeros((2 * k + 1, cand.size))
    keys[pos[e], slot[comp[e]]] = mu[e]
    keys[k + pos[e], slot[comp[e]]] = sigma[e]
    keys[-1] = dens[cand]
    order = np.lexsort(keys)  # stable: the first of equal keys has the lowest index
    srt = keys[:, order]
    new = np.r_[True, (srt[:, 1:] != srt[:, :-1]).any(axis=0)]
    first[cand[order]] = cand[order[new]][np.cumsum(new) - 1]
    return first


_CONT, _DISC, _CAT = 0, 1, 2
_KINDS = {"continuous": _CONT, "discrete": _DISC, "categorical": _CAT}


class SpaceModel:
    """Per-dimension model arrays of a space, computed once and shared by every fit."""

    def __init__(self, specs: Sequence[DimSpec], groups: Sequence[Sequence[int]]) -> None:
        self.specs = tuple(specs)
        self.kind = np.array([_KINDS[s.kind] for s in specs], dtype=np.int64)
        self.lo = np.array([s.lo for s in specs])
        self.hi = np.array([s.hi for s in specs])
        self.mu = np.array([s.mu for s in specs])
        self.sigma = np.array([s.sigma for s in specs])
        self.integer = np.array([s.integer for s in specs])
        self.numeric = np.flatnonzero(self.kind != _CAT)
        self.discrete = np.flatnonzero(self.kind == _DISC)
        self.categorical = np.flatnonzero(self.kind == _CAT)
        probs = [np.asarray(s.probs) for s in specs]
        self.p_offset = np.cumsum([0] + [len(p) for p in probs])[:-1]
        self.p_flat = np.concatenate(probs + [np.zeros(0)])
        # cumulative option weights shifted by the dimension's index: one searchsorted
        # draws from every categorical prior at once
        cats = [probs[j] for j in self.categorical]
        self.p_cum = np.concatenate([np.cumsum(p) / p.sum() + r for r, p in enumerate(cats)]
                                    + [np.zeros(0)])
        self.cum_offset = np.cumsum([0] + [len(p) for p in cats])[:-1]
        self.groups = [np.asarray(g, dtype=np.int64) for g in groups]
        self.perm = np.concatenate(self.groups)
        self.sizes = np.array([len(g) for g in self.groups])
        self.gstart = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])
        # the groups of one dimension and their dimensions, the groups of several
        # (`group_active`)
        self.single = np.flatnonzero(self.sizes == 1)
        self.single_dim = self.perm[self.gstart[self.single]]
        self.multiple = np.flatnonzero(self.sizes > 1).tolist()
        self.group_of = np.empty(len(specs), dtype=np.int64)
        self.group_of[self.perm] = np.repeat(np.arange(len(self.groups)), self.sizes)
        self.pos = np.empty(len(specs), dtype=np.int64)
        self.pos[self.perm] = np.arange(len(specs)) - np.repeat(self.gstart, self.sizes)
        self.n_numeric = np.array([np.count_nonzero(self.kind[g] != _CAT) for g in self.groups])
        # groups whose repeated observations have identical kernels (no continuous values)
        self.mergeable = np.array([not np.any(self.kind[g] == _CONT) for g in self.groups])
        # a group of at most one numeric dimension explores cheaply: its prior weighs
        # more and its edge kernels reach the domain's bounds (see `Mixtures._bandwidths`)
        self.narrow = self.n_numeric <= 1
        # groups whose bad density keeps only the recent bad trials (`bad_window`): not
        # those of choices only, whose repeated kernels merge into one component per
        # combination of options, so that their cost does not grow with the trials
        self.windowed = self.n_numeric > 0
        # the dimensions of groups whose candidates are drawn one coordinate at a time
        self.wide = np.flatnonzero(self.n_numeric[self.group_of] >= _WIDE_GROUP)
        self.prior_scale = np.where(self.narrow, _NARROW_PRIOR_SCALE, 1.0)
        # the bounds an edge kernel reaches (`Mixtures._bandwidths`); NaN: none
        narrow_dim = self.narrow[self.group_of]
        # the dimensions whose prior centre counts as a neighbour (`Mixtures._bandwidths`)
        self.centre_neighbour = narrow_dim & (self.kind == _DISC)
        self.reach_lo = np.where(narrow_dim & np.isfinite(self.lo), self.lo, np.nan)
        self.reach_hi = np.where(narrow_dim & np.isfinite(self.hi), self.hi, np.nan)
        # each dimension's column among its group's continuous dimensions, and among
        # the others (`Mixtures.cont_a`, `Mixtures.table_rows`)
        self.cont_slot = np.zeros(len(specs), dtype=np.int64)
        self.table_slot = np.zeros(len(specs), dtype=np.int64)
        for g in self.groups:
            cont = self.kind[g] == _CONT
            self.cont_slot[g] = np.cumsum(cont) - cont
            self.table_slot[g] = np.cumsum(~cont) - ~cont
        self.disc_row = np.zeros(len(specs), dtype=np.int64)
        self.disc_row[self.discrete] = np.arange(self.discrete.size)
        self.int_rows = np.flatnonzero(self.integer[self.discrete])
        # the quantized dimensions' rows among the discrete ones, and the arguments of
        # `quantized_buckets` for them all at once (one column each)
        self.quantized_rows = np.flatnonzero(~self.integer[self.discrete])
        q, log, kmin, kmax, vlo, vhi = np.array(
            [specs[j].quantized_args() for j in self.discrete[self.quantized_rows]],
            dtype=np.float64).reshape(-1, 6).T[:, :, None]
        self.quantized_args = (q, log.astype(bool), kmin, kmax, vlo, vhi)
        # the categorical kernels' table (`Mixtures.log_pdf`): per categorical dimension
        # one row for the prior, then one per observed option
        n_rows = [len(probs[j]) + 1 for j in self.categorical]
        self.cat_row = np.zeros(len(specs), dtype=np.int64)
        self.cat_row[self.categorical] = np.cumsum([0] + n_rows)[:-1]
        self.cat_table_dim = np.repeat(self.categorical, n_rows)
        self.cat_table_obs = np.concatenate([np.arange(-1, n - 1) for n in n_rows]
                                            + [np.zeros(0, dtype=np.int64)])
        self.cat_table_b = np.where(self.cat_table_obs < 0, 1.0, _CAT_SMOOTHING)

    def group_active(self, active: np.ndarray) -> np.ndarray:
        """(m, G): rows in which every dimension of the group is active."""
        if active.shape[0] < 256:  # reduceat across columns: its cost grows with the rows
            result: np.ndarray = np.logical_and.reduceat(active[:, self.perm], self.gstart,
                                                         axis=1)
            return result
        # a long history: one column operation per group of several dimensions
        out = np.empty((active.shape[0], len(self.groups)), dtype=bool)
        out[:, self.single] = active[:, self.single_dim]
        for g in self.multiple:
            out[:, g] = active[:, self.groups[g]].all(axis=1)
        return out


class Mixtures:
    """Parzen estimators for every (row mask, activation group) pair, fitted at once.

    Each density mixes its observations (weight 1 each) with the prior (weight
    `prior_weight`; with the "neighbor" rule doubled for groups of at most one numeric
    dimension: `SpaceModel`).

    Density `s * G + g` is fitted to the rows of `masks[s]` (an (m,) row mask or an
    (m, G) mask per group) in which group g is active. All densities live in flat
    arrays: components (one per distinct observed kernel plus one prior per density,
    in density order) and entries (one per component and dimension of its group), so
    fitting and evaluation take a fixed number of numpy calls whatever the number of
    trials. Observations whose kernels are identical (repeated values of a group
    without continuous dimensions) share one component carrying their summed weight:
    the density is the same, evaluated over a few distinct values instead of every
    trial.
    """

    def __init__(self, model: SpaceModel, X: np.ndarray, active: np.ndarray,
                 masks: Sequence[np.ndarray], prior_weight: float, bandwidth: str, *,
                 on: np.ndarray | None = None) -> None:
        self.model = md = model
        self.prior_weight = prior_weight
        G = len(md.groups)
        n_dens = len(masks) * G
        if on is None:  # the caller may have it already: `model.group_active(active)`
            on = md.group_active(active)
        # (S, G, m), density order: density s * G + g's observations are row s * G + g
        m_rows = on.shape[0]
        hit = np.empty((len(masks), G, m_rows), dtype=bool)
        for s, mask in enumerate(masks):
            hit[s] = ((mask if mask.ndim == 2 else mask[:, None]) & on).T
        obs_dens, rows = np.divmod(np.flatnonzero(hit), max(m_rows, 1))
        self.n_obs = np.bincount(obs_dens, minlength=n_dens)
        # each density's observations, then its prior
        dens = np.repeat(np.arange(n_dens), self.n_obs + 1)
        row = np.full(dens.size, -1)
        row[np.arange(obs_dens.size) + obs_dens] = rows
        prior = row < 0
        self.obs_start = np.concatenate([[0], np.cumsum(self.n_obs + 1)[:-1]])
        n_here = self.n_obs[dens].astype(np.float64)
        group = dens % G
        self.prior_scale = md.prior_scale if bandwidth == "neighbor" else np.ones(G)
        pw = prior_weight * self.prior_scale[group]
        logw = np.log(np.where(prior, pw, 1.0) / (n_here + pw))
        k = md.sizes[group]
        cstart = np.concatenate([[0], np.cumsum(k)[:-1]])
        comp = np.repeat(np.arange(dens.size), k)
        dim = md.perm[np.repeat(md.gstart[group] - cstart, k) + np.arange(comp.size)]
        e_prior = prior[comp]
        e_row = np.where(e_prior, 0, row[comp])
        val = X[e_row, dim] if X.shape[0] else np.zeros(comp.size)
        n_e = n_here[comp]
        kind, centre, width = md.kind[dim], md.mu[dim], md.sigma[dim]
        mu = np.where(e_prior, centre, val)
        h = self._bandwidths(val, dim, kind, centre, width, dens[comp], e_prior, n_e,
                             bandwidth)
        # the narrowest kernel: the prior's width over the number of observations (at most
        # 100); with "neighbor", in a group of at most one numeric dimension, the group's
        # observations in every density (good and bad alike), so the good density's
        # kernels sharpen as the dimension is explored, not only as good trials gather
        n_clip = n_e
        if bandwidth == "neighbor" and md.narrow.any():
            in_group = np.tile(self.n_obs.reshape(-1, G).sum(axis=0), len(masks))
            n_clip = np.where(md.narrow[group], in_group[dens], n_here)[comp]
        sigma = np.where(e_prior, width, np.minimum(np.maximum(
            h, width / np.minimum(100.0, n_clip + 1.0)), width))
        rep = _first_identical(dens, comp, md.pos[dim], mu, sigma,
                               ~prior & md.mergeable[group])
        keep = rep == np.arange(dens.size)
        # the index of each observation's (or prior's) component, for `sample`
        self.pick = (np.cumsum(keep) - 1)[rep]
        if not keep.all():
            logw = logw[keep] + np.log(np.bincount(rep, minlength=dens.size)[keep])
            dens, prior, k = dens[keep], prior[keep], k[keep]
            ek = keep[comp]
            comp, dim, mu, sigma = self.pick[comp[ek]], dim[ek], mu[ek], sigma[ek]
            kind, centre = kind[ek], centre[ek]
            cstart = np.concatenate([[0], np.cumsum(k)[:-1]])
        self.dens, self.logw, self.cstart = dens, logw, cstart
        self.dstart = np.concatenate([[0], np.cumsum(np.bincount(dens, minlength=n_dens))[:-1]])
        self.mu, self.sigma = mu, sigma
        n_comp = dens.size
        # continuous entries, as (component, slot) matrices: with x measured from the
        # prior's centre, log N(x; mu, sigma) - log Z = const - (a x - b)^2 where
        # a = 1 / (sqrt(2) sigma) and b = a (mu - centre); unused slots have a = b = 0
        i = np.flatnonzero(kind == _CONT)
        d, m_i, s_i_ = dim[i], mu[i], sigma[i]
        a = 1.0 / (_SQRT2 * s_i_)
        slot = md.cont_slot[d]
        shape = (n_comp, int(slot.max()) + 1 if i.size else 0)
        self.cont_dim = np.zeros(shape, dtype=np.int64)
        self.cont_a, self.cont_b = np.zeros(shape), np.zeros(shape)
        self.cont_dim[comp[i], slot] = d
        self.cont_a[comp[i], slot] = a
        self.cont_b[comp[i], slot] = (m_i - centre[i]) * a
        const = -_log_z(m_i, s_i_, md.lo[d], md.hi[d]) - np.log(s_i_) - _LOG_SQRT_2PI
        self.logw_const = logw + np.bincount(comp[i], weights=const, minlength=n_comp)
        # discrete entries: rows of a table of the distinct kernels' bucket masses
        i = np.flatnonzero(kind == _DISC)
        order = np.lexsort((sigma[i], mu[i], dim[i]))
        d, m_i, s_i_ = dim[i][order], mu[i][order], sigma[i][order]
        new = np.ones(i.size, dtype=bool)
        new[1:] = (d[1:] != d[:-1]) | (m_i[1:] != m_i[:-1]) | (s_i_[1:] != s_i_[:-1])
        table_row = np.zeros(comp.size, dtype=np.int64)
        table_row[i[order]] = 1 + np.cumsum(new) - 1  # row 0 of the table is all zeros
        d, m_i, s_i_ = d[new], m_i[new], s_i_[new]
        self.kern_row = md.disc_row[d]
        self.kern_mu, self.kern_sigma = m_i, s_i_
        self.kern_const = -_log_z(m_i, s_i_, md.lo[d], md.hi[d])[:, None]
        # categorical entries: mass 1 - b on the observed option, b by the prior weights;
        # a table row per (dimension, observed option or prior)
        i = np.flatnonzero(kind == _CAT)
        self.obs = np.full(comp.size, -1, dtype=np.int64)  # read at categorical entries only
        self.obs[i] = np.where(prior[comp[i]], -1, mu[i])
        self.b = np.where(prior[comp], 1.0, _CAT_SMOOTHING)
        table_row[i] = 1 + d.size + md.cat_row[dim[i]] + self.obs[i] + 1
        # the discrete and categorical entries of each component, as table rows (0: none)
        i = np.flatnonzero(kind != _CONT)
        slot = md.table_slot[dim[i]]
        self.table_rows = np.zeros((n_comp, int(slot.max()) + 1 if i.size else 0),
                                   dtype=np.int64)
        self.table_rows[comp[i], slot] = table_row[i]

    def _bandwidths(self, val: np.ndarray, dim: np.ndarray, kind: np.ndarray,
                    centre: np.ndarray, width: np.ndarray, dens: np.ndarray,
                    prior: np.ndarray, n_e: np.ndarray, rule: str) -> np.ndarray:
        """Unclipped kernel width of each numeric observation entry (entries of dimension
        `dim`, of that kind, prior centre and prior width)."""
        md = self.model
        use = ~prior & (kind != _CAT)
        x = np.where(use, val, 0.0)
        key = dens * len(md.specs) + dim
        if rule == "scott":
            n_keys = int(key.max()) + 1 if key.size else 0
            cnt = np.maximum(np.bincount(key, weights=use, minlength=n_keys), 1.0)
            mean = np.bincount(key, weights=x, minlength=n_keys) / cnt
            var = np.bincount(key, weights=x * x, minlength=n_keys) / cnt - mean ** 2
            k_num = md.n_numeric[md.group_of[dim]]
            scale = np.maximum(n_e, 1.0) ** (-1.0 / (k_num + 4.0))
            result: np.ndarray = 1.059 * np.sqrt(np.maximum(var[key], 0.0)) * scale
            return result
        # neighbor: the larger gap to the sorted neighbours within the same density and
        # dimension. In a group of one numeric dimension the domain's bounds count as
        # neighbours, so the outermost kernels stretch over the unexplored ends (what
        # finds a narrow minimum away from where the good trials are). For an integer or
        # quantized one the prior's centre counts too, so no kernel spans the centre to
        # reach the far bound: a lone good trial at a bound (k = 1 of a k-NN) would spread
        # its candidates evenly over every value and never be refined. (Continuous
        # parameters measured better with the longer reach.) In a group of several
        # dimensions neither counts: a kernel stretched to the bounds in every dimension
        # spreads its candidates over a volume that grows with the dimension
        at_centre = prior & md.centre_neighbour[dim]
        x = np.where(at_centre, centre, x)
        idx = np.flatnonzero(use | at_centre)
        if not idx.size:
            return np.zeros_like(val)
        # by key, then by value, in one stable sort: the value mapped into (0, 1) by an
        # increasing function and added to the key keeps the (key, value) order
        z = (x[idx] - centre[idx]) / width[idx]
        order = idx[np.argsort(key[idx] + 0.5 + np.arctan(z) / np.pi, kind="stable")]
        xs, ks, ds = x[order], key[order], dim[order]
        n = xs.size
        gaps = np.diff(xs)
        below, above = np.empty(n), np.empty(n)
        below[1:], above[:-1] = gaps, gaps
        # a run of one (density, dimension) ends where the key changes; its first and last
        # entries reach the domain's bounds in a narrow group (NaN elsewhere: no gap)
        cut = np.flatnonzero(ks[1:] != ks[:-1])
        first, last = np.concatenate([[0], cut + 1]), np.concatenate([cut, [n - 1]])
        below[first] = xs[first] - md.reach_lo[ds[first]]
        above[last] = md.reach_hi[ds[last]] - xs[last]
        h = np.zeros_like(val)
        h[order] = np.fmax(np.fmax(below, above), 0.0)  # fmax: NaN only where both are
        return h

    def log_pdf(self, X: np.ndarray) -> np.ndarray:
        """(c, S * G) log densities (log masses for discrete coordinates) of rows (c, D)."""
        md = self.model
        # row gathers below use `take`, three times faster than fancy indexing here
        raw = X.T.copy()  # (D, c)
        raw[np.isnan(raw)] = 0.0
        XT = raw - md.mu[:, None]  # from the priors' centres
        comp = np.empty((self.dens.size, X.shape[0]))
        comp[:] = self.logw_const[:, None]
        for d, a, b in zip(self.cont_dim.T, self.cont_a.T, self.cont_b.T, strict=True):
            z = XT.take(d, axis=0)
            z *= a[:, None]
            z -= b[:, None]
            z *= z
            comp -= z
        if self.table_rows.shape[1]:
            table = np.concatenate([np.zeros((1, X.shape[0])),
                                    self._bucket_log_masses(raw),
                                    self._categorical_log_masses(raw)])
            for rows in self.table_rows.T:
                comp += table.take(rows, axis=0)
        top = np.maximum.reduceat(comp, self.dstart, axis=0)
        comp -= top.take(self.dens, axis=0)
        # the floor at exp(-80) keeps exp out of the subnormal range (see `_erfc_pos`)
        np.maximum(comp, -80.0, out=comp)
        total = np.add.reduceat(np.exp(comp, out=comp), self.dstart, axis=0)
        result: np.ndarray = (top + np.log(total)).T
        return result

    def _categorical_log_masses(self, XT: np.ndarray) -> np.ndarray:
        """(rows, c): for each categorical dimension, the log mass of each candidate's
        option under the prior, then under the kernel of each observed option."""
        md = self.model
        x = XT[md.cat_table_dim].astype(np.int64)
        p = md.p_flat[md.p_offset[md.cat_table_dim][:, None] + x]
        b = md.cat_table_b[:, None]
        p *= b
        p += (1.0 - b) * (x == md.cat_table_obs[:, None])
        with np.errstate(divide="ignore"):
            result: np.ndarray = np.log(p, out=p)
        return result

    def _bucket_log_masses(self, XT: np.ndarray) -> np.ndarray:
        """(kernels, c) log mass of each distinct discrete kernel on each candidate's
        bucket: two normal tails per kernel and candidate, in one erfc call."""
        md = self.model
        c = XT.shape[1]
        edges = np.empty((2, md.discrete.size, c))  # lower edges, then upper edges
        r, j = md.int_rows, md.discrete[md.int_rows]  # integers: buckets of width one
        k = np.minimum(np.maximum(np.rint(XT[j]), md.lo[j, None] + 0.5), md.hi[j, None] - 0.5)
        edges[0, r], edges[1, r] = k - 0.5, k + 0.5
        if md.quantized_rows.size:
            r = md.quantized_rows
            with np.errstate(all="ignore"):
                edges[0, r], edges[1, r] = quantized_buckets(XT[md.discrete[r]],
                                                             *md.quantized_args)
        z = edges.take(self.kern_row, axis=1)  # (2, kernels, c)
        z -= self.kern_mu[:, None]
        z /= self.kern_sigma[:, None]
        tail = 0.5 * _erfc_pos(np.abs(z) / _SQRT2)
        (za, zb), (ta, tb) = z, tail
        # both edges right of mu: upper tails; both left: lower tails; else the middle
        mass = np.where(za > 0, ta - tb, np.where(zb < 0, tb - ta, 1.0 - ta - tb))
        result: np.ndarray = np.log(np.maximum(mass, 1e-300)) + self.kern_const
        return result

    def _components(self, rng: np.random.Generator, size: int, dens: np.ndarray
                    ) -> np.ndarray:
        """(size, len(dens)) components drawn by weight, one per row and density: each
        observation has weight (1 - w_prior) / n; the prior takes the rest."""
        n = self.n_obs[dens]
        pw = self.prior_weight * self.prior_scale[dens % len(self.model.groups)]
        w_prior = pw / (n + pw)
        u = rng.random((size, dens.size))
        pick = np.minimum(np.floor(u / np.maximum(1.0 - w_prior, 1e-300) * n), n)
        result: np.ndarray = self.pick[self.obs_start[dens] + pick.astype(np.int64)]
        return result

    def sample(self, rng: np.random.Generator, size: int, s: int = 0) -> np.ndarray:
        """(size, D) draws from the densities of mask `s`, one per group; each group's
        coordinates of a row come from one component (product kernels), except in a
        group of `_WIDE_GROUP` or more numeric dimensions, where each coordinate comes
        from a component of its own (the densities still score the rows jointly)."""
        md = self.model
        G = len(md.groups)
        dens = s * G + np.arange(G)
        comp = self._components(rng, size, dens)
        entry = self.cstart.take(comp.take(md.group_of, axis=1)) + md.pos  # (size, D)
        d = md.wide
        if d.size:
            wide = self._components(rng, size, dens[md.group_of[d]])
            entry[:, d] = self.cstart[wide] + md.pos[d]
        out = np.empty((size, len(md.specs)))
        j = md.numeric
        if j.size:
            e = entry[:, j]
            mu, sigma, lo, hi = self.mu.take(e), self.sigma.take(e), md.lo[j], md.hi[j]
            # mu + sigma z is what rng.normal(mu, sigma) draws, bit for bit, at half the cost
            x = mu + sigma * rng.standard_normal(mu.shape)
            bad = np.flatnonzero((x < lo) | (x > hi))
            x = x.reshape(-1)
            for _ in range(_MAX_REDRAWS):
                if not bad.size:
                    break
                # truncated draws by rejection, several proposals per draw at once: the
                # prior (as wide as the domain) and kernels at a bound lose half their draws
                # or more, and redrawing one at a time took ~10 rounds
                r, c = np.divmod(bad, j.size)
                m, s_, l_, h_ = mu[r, c][:, None], sigma[r, c][:, None], lo[c, None], hi[c, None]
                tries = m + s_ * rng.standard_normal((bad.size, _PROPOSALS))
                inside = (tries >= l_) & (tries <= h_)
                hit = inside.any(axis=1)
                x[bad[hit]] = tries[hit, np.argmax(inside[hit], axis=1)]
                bad = bad[~hit]
            x = np.clip(x.reshape(size, j.size), lo, hi)
            ints = md.integer[j]
            x[:, ints] = np.clip(np.round(x[:, ints]), lo[ints] + 0.5, hi[ints] - 0.5)
            out[:, j] = x
        j = md.categorical
        if j.size:
            e = entry[:, j]
            rank = np.arange(j.size)
            draw = np.searchsorted(md.p_cum, rank + rng.random(e.shape) * (1 - 1e-12))
            from_prior = draw - md.cum_offset
            keep = rng.random(e.shape) >= self.b.take(e)  # the prior's b is 1: never kept
            out[:, j] = np.where(keep, self.obs.take(e), from_prior)
        return out
