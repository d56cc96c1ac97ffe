"""Parzen estimators over a group of coordinates: weighted mixtures of product kernels.

One kernel per observation plus one prior component. Continuous coordinates get a
Gaussian truncated to the dimension's domain; integer and quantized coordinates the
same Gaussian integrated over the bucket of coordinates that decode to one value (so
the likelihood is a probability mass); categorical coordinates a kernel with mass
1 - b on the observed option and b spread by the prior weights. Densities are
evaluated as (candidates x components) matrices: no Python loop over observations.
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
# categorical kernels keep half their mass on the prior: with mass on the observed
# option only, a branch that is good early captures the choice and a better branch
# whose parameters are still untuned is never revisited (the conditional benchmark)
_CAT_SMOOTHING = 0.5


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
    return t * np.exp(p - z * z)


def _tails(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(Phi(x), 1 - Phi(x)) for the standard normal, each accurate where it is small."""
    e = 0.5 * _erfc_pos(np.abs(x) / _SQRT2)
    neg = x < 0
    return np.where(neg, e, 1.0 - e), np.where(neg, 1.0 - e, e)


def normal_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Phi(b) - Phi(a) for standardized a <= b, subtracting the small tails."""
    lo_a, up_a = _tails(a)
    lo_b, up_b = _tails(b)
    return np.maximum(np.where(a > 0, up_a - up_b, lo_b - lo_a), 0.0)


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

    def buckets(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Coordinate interval [a, b] of the value each coordinate in `x` decodes to."""
        if self.q is None:
            k = np.clip(np.round(x), self.lo + 0.5, self.hi - 0.5)
            return k - 0.5, k + 0.5
        q = self.q
        v = np.exp(x) if self.log else x
        with np.errstate(invalid="ignore"):
            k = np.round(v / q)
            if math.isfinite(self.vlo):
                kmin, kmax = math.ceil(self.vlo / q - 1e-9), math.floor(self.vhi / q + 1e-9)
                k = np.clip(k, kmin, kmax)
                a = np.where(k <= kmin, self.vlo, (k - 0.5) * q)
                b = np.where(k >= kmax, self.vhi, (k + 0.5) * q)
            else:
                a, b = (k - 0.5) * q, (k + 0.5) * q
            if self.log:
                with np.errstate(divide="ignore"):
                    a = np.log(np.maximum(a, 0.0))
                    b = np.log(np.maximum(b, 0.0))
        return a, b


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
        self.group_of = np.empty(len(specs), dtype=np.int64)
        self.group_of[self.perm] = np.repeat(np.arange(len(self.groups)), self.sizes)
        self.pos = np.empty(len(specs), dtype=np.int64)
        self.pos[self.perm] = np.arange(len(specs)) - np.repeat(self.gstart, self.sizes)
        self.n_numeric = np.array([np.count_nonzero(self.kind[g] != _CAT) for g in self.groups])

    def group_active(self, active: np.ndarray) -> np.ndarray:
        """(m, G): rows in which every dimension of the group is active."""
        return np.logical_and.reduceat(active[:, self.perm], self.gstart, axis=1)


class Mixtures:
    """Parzen estimators for every (row mask, activation group) pair, fitted at once.

    Density `s * G + g` is fitted to the rows of `masks[s]` (an (m,) row mask or an
    (m, G) mask per group) in which group g is active. All densities live in flat
    arrays: components (one per observation plus one prior per density, in density
    order) and entries (one per component and
    dimension of its group), so fitting and evaluation take a fixed number of numpy
    calls whatever the number of trials.
    """

    def __init__(self, model: SpaceModel, X: np.ndarray, active: np.ndarray,
                 masks: Sequence[np.ndarray], prior_weight: float, bandwidth: str) -> None:
        self.model = md = model
        G = len(md.groups)
        S = len(masks)
        on = md.group_active(active)
        hit = np.stack([(m if m.ndim == 2 else m[:, None]) & on for m in masks])
        hit = hit.transpose(0, 2, 1)  # (S, G, m)
        s_i, g_i, rows = np.nonzero(hit)
        n_dens = S * G
        self.n_obs = np.bincount(s_i * G + g_i, minlength=n_dens)
        dens = np.concatenate([s_i * G + g_i, np.arange(n_dens)])
        row = np.concatenate([rows, np.full(n_dens, -1)])
        order = np.argsort(dens, kind="stable")  # observations, then the prior, per density
        dens, row = dens[order], row[order]
        prior = row < 0
        self.dstart = np.concatenate([[0], np.cumsum(self.n_obs + 1)[:-1]])
        n_here = self.n_obs[dens].astype(np.float64)
        self.logw = np.log(np.where(prior, prior_weight, 1.0) / (n_here + prior_weight))
        self.dens = dens
        group = dens % G
        k = md.sizes[group]
        self.cstart = np.concatenate([[0], np.cumsum(k)[:-1]])
        comp = np.repeat(np.arange(len(dens)), k)
        dim = md.perm[np.repeat(md.gstart[group], k) + np.arange(comp.size)
                      - np.repeat(self.cstart, k)]
        e_prior = prior[comp]
        e_row = np.where(e_prior, 0, row[comp])
        val = X[e_row, dim] if X.shape[0] else np.zeros(comp.size)
        n_e = self.n_obs[dens[comp]].astype(np.float64)
        self.comp, self.dim = comp, dim
        kind = md.kind[dim]
        # numeric entries: truncated Gaussians
        mu = np.where(e_prior, md.mu[dim], val)
        width = md.sigma[dim]
        h = self._bandwidths(val, dim, dens[comp], e_prior, n_e, bandwidth)
        sigma = np.where(e_prior, width, np.clip(h, width / np.minimum(100.0, n_e + 1.0),
                                                 width))
        lo, hi = md.lo[dim], md.hi[dim]
        with np.errstate(divide="ignore", invalid="ignore"):
            log_z = np.log(normal_mass((lo - mu) / sigma, (hi - mu) / sigma))
        self.mu, self.sigma = mu, sigma
        self.i_cont = np.flatnonzero(kind == _CONT)
        self.i_cat = np.flatnonzero(kind == _CAT)
        self.const = -log_z
        self.const[self.i_cont] -= np.log(sigma[self.i_cont]) + _LOG_SQRT_2PI
        # categorical entries: mass 1 - b on the observed option, b by the prior weights
        self.obs = np.where(e_prior, -1, np.nan_to_num(val)).astype(np.int64)
        self.b = np.where(e_prior, 1.0, _CAT_SMOOTHING)

    def _bandwidths(self, val: np.ndarray, dim: np.ndarray, dens: np.ndarray,
                    prior: np.ndarray, n_e: np.ndarray, rule: str) -> np.ndarray:
        """Unclipped kernel width of each numeric observation entry."""
        md = self.model
        use = ~prior & (md.kind[dim] != _CAT)
        x = np.where(use, val, 0.0)
        key = dens * len(md.specs) + dim
        if rule == "scott":
            n_keys = int(key.max()) + 1 if key.size else 0
            cnt = np.maximum(np.bincount(key, weights=use, minlength=n_keys), 1.0)
            mean = np.bincount(key, weights=x, minlength=n_keys) / cnt
            var = np.bincount(key, weights=x * x, minlength=n_keys) / cnt - mean ** 2
            k_num = md.n_numeric[md.group_of[dim]]
            scale = np.maximum(n_e, 1.0) ** (-1.0 / (k_num + 4.0))
            return 1.059 * np.sqrt(np.maximum(var[key], 0.0)) * scale
        # neighbor: the larger gap to the sorted neighbours within the same density and
        # dimension (the bounds count as neighbours)
        idx = np.flatnonzero(use)
        order = idx[np.lexsort((x[idx], key[idx]))]
        xs, ks = x[order], key[order]
        lo, hi = md.lo[dim[order]], md.hi[dim[order]]
        first = np.r_[True, ks[1:] != ks[:-1]]
        last = np.r_[ks[1:] != ks[:-1], True]
        prev = np.where(first, np.where(np.isfinite(lo), lo, xs), np.r_[xs[:1], xs[:-1]])
        nxt = np.where(last, np.where(np.isfinite(hi), hi, xs), np.r_[xs[1:], xs[-1:]])
        h = np.zeros_like(val)
        h[order] = np.maximum(xs - prev, nxt - xs)
        return h

    def log_pdf(self, X: np.ndarray) -> np.ndarray:
        """(c, S * G) log densities (log masses for discrete coordinates) of rows (c, D)."""
        # entries x candidates: every gather and scatter below moves whole rows
        XT = np.ascontiguousarray(np.nan_to_num(X).T)
        LK = np.empty((self.comp.size, X.shape[0]))
        i = self.i_cont
        if i.size:
            z = (XT[self.dim[i]] - self.mu[i, None]) / self.sigma[i, None]
            LK[i] = self.const[i, None] - 0.5 * z * z
        for j in self.model.discrete:
            self._discrete(XT[j], int(j), LK)
        i = self.i_cat
        if i.size:
            d = self.dim[i]
            x = XT[d].astype(np.int64)
            p = self.model.p_flat[self.model.p_offset[d, None] + x]
            b = self.b[i, None]
            with np.errstate(divide="ignore"):
                LK[i] = np.log(b * p + (1.0 - b) * (x == self.obs[i, None]))
        comp = LK if LK.shape[0] == self.dens.size else np.add.reduceat(LK, self.cstart, axis=0)
        comp += self.logw[:, None]
        top = np.maximum.reduceat(comp, self.dstart, axis=0)
        # floors at exp(-700) and 1e-300 keep every value normal (see `_erfc_pos`)
        total = np.add.reduceat(np.exp(np.maximum(comp - top[self.dens], -700.0)),
                                self.dstart, axis=0)
        return (top + np.log(total)).T

    def _discrete(self, x: np.ndarray, j: int, LK: np.ndarray) -> None:
        """Fill LK's entries of discrete dimension j: log bucket masses, from the normal
        tails at the distinct bucket edges only (few: candidates share buckets)."""
        md = self.model
        a, b = md.specs[j].buckets(x)
        edges, inv = np.unique(np.concatenate([a, b]), return_inverse=True)
        ia, ib = inv[: x.size], inv[x.size:]
        k = int(md.sizes[md.group_of[j]])
        for dens in range(md.group_of[j], self.n_obs.size, len(md.groups)):
            start = self.cstart[self.dstart[dens]] + md.pos[j]
            cols = slice(start, start + k * (self.n_obs[dens] + 1), k)
            mu, sigma = self.mu[cols, None], self.sigma[cols, None]
            lo, up = _tails((edges - mu) / sigma)
            right = edges[ia] > mu
            mass = np.where(right, up[:, ia] - up[:, ib], lo[:, ib] - lo[:, ia])
            LK[cols] = np.log(np.maximum(mass, 1e-300)) + self.const[cols, None]

    def sample(self, rng: np.random.Generator, size: int, s: int = 0) -> np.ndarray:
        """(size, D) draws from the densities of mask `s`, one per group; each group's
        coordinates of a row come from one component (product kernels)."""
        md = self.model
        G = len(md.groups)
        dens = s * G + np.arange(G)
        n = self.n_obs[dens]
        w_prior = np.exp(self.logw[self.dstart[dens] + n])  # the prior's weight
        u = rng.random((size, G))
        # each observation has weight (1 - w_prior) / n; the prior takes the rest
        pick = np.minimum(np.floor(u / np.maximum(1.0 - w_prior, 1e-300) * n), n)
        comp = self.dstart[dens] + pick.astype(np.int64)
        entry = self.cstart[comp[:, md.group_of]] + md.pos  # (size, D)
        out = np.empty((size, len(md.specs)))
        j = md.numeric
        if j.size:
            e = entry[:, j]
            mu, sigma, lo, hi = self.mu[e], self.sigma[e], md.lo[j], md.hi[j]
            x = rng.normal(mu, sigma)
            bad = (x < lo) | (x > hi)
            for _ in range(_MAX_REDRAWS):
                if not bad.any():
                    break
                x[bad] = rng.normal(mu[bad], sigma[bad])
                bad = (x < lo) | (x > hi)
            x = np.clip(x, lo, hi)
            ints = md.integer[j]
            x[:, ints] = np.clip(np.round(x[:, ints]), lo[ints] + 0.5, hi[ints] - 0.5)
            out[:, j] = x
        j = md.categorical
        if j.size:
            e = entry[:, j]
            rank = np.arange(j.size)
            draw = np.searchsorted(md.p_cum, rank + rng.random(e.shape) * (1 - 1e-12))
            from_prior = draw - md.cum_offset
            keep = rng.random(e.shape) >= self.b[e]  # the prior's b is 1: never kept
            out[:, j] = np.where(keep, self.obs[e], from_prior)
        return out
