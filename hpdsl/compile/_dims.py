"""Coordinates: how each sampled parameter appears to a search algorithm.

Each sampled declaration (each loop item, each branch's own copy of a name) has
one coordinate. Static distributions live in their natural unit: the value for
uniform and randint, its logarithm for log distributions, the option index for
choices. A distribution whose bounds depend on other parameters is sampled as a
fraction in [0, 1] (or a standard normal deviate for the normal family) that is
mapped into the bounds in force for that configuration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np

from ..analysis import ir

DimensionKind: TypeAlias = Literal["float", "int", "categorical"]
Prior: TypeAlias = Literal["uniform", "normal"]


@dataclass(frozen=True, slots=True)
class Dimension:
    """One coordinate of the encoded space.

    kind: "float" (continuous, possibly quantized), "int" (every integer in
    [low, high]) or "categorical" (option index). low/high are in coordinate units
    (infinite for the normal family). prior is "uniform" or "normal" (mu, sigma in
    coordinate units). log: the coordinate is the logarithm of the value. q: the
    quantization step in value units. weights: prior probabilities of the options.
    dependent: the coordinate is a fraction of bounds that other parameters set.
    """

    key: str
    name: str
    kind: DimensionKind
    low: float
    high: float
    prior: Prior = "uniform"
    mu: float = 0.0
    sigma: float = 1.0
    log: bool = False
    q: float | None = None
    integer: bool = False
    options: tuple[ir.Value, ...] = ()
    weights: tuple[float, ...] = ()
    dependent: bool = False
    distribution: ir.DistKind | Literal[""] = ""

    @property
    def size(self) -> int | None:
        """How many distinct values the coordinate can take, if finite and static."""
        if self.kind == "categorical":
            return len(self.options)
        if self.kind == "int":
            return int(self.high) - int(self.low) + 1  # exact, as the bounds are
        return None


def dimension_for(decl: ir.Decl) -> Dimension:
    dist = decl.dist
    assert dist is not None
    kind = dist.kind
    key, name, integer = decl.key, decl.name, dist.integer
    if dist.is_choice:
        return Dimension(key, name, kind="categorical", low=0, high=len(dist.options) - 1,
                         options=dist.options, weights=dist.weights, integer=integer,
                         distribution=kind)
    log = kind in ir.LOG_DISTS
    if dist.dependent:
        if kind in ir.NORMAL_DISTS:
            return Dimension(key, name, kind="float", low=-math.inf, high=math.inf,
                             prior="normal", log=log, dependent=True, integer=integer,
                             distribution=kind)
        return Dimension(key, name, kind="float", low=0.0, high=1.0, log=log, dependent=True,
                         integer=integer, distribution=kind)
    q = dist.const("q") if "q" in dist.args else None
    if kind == "randint":
        return Dimension(key, name, kind="int", low=dist.const("low"), high=dist.const("high"),
                         integer=integer, distribution=kind)
    if kind in ir.NORMAL_DISTS:
        return Dimension(key, name, kind="float", low=-math.inf, high=math.inf, prior="normal",
                         mu=dist.const("mu"), sigma=dist.const("sigma"), log=log, q=q,
                         integer=integer, distribution=kind)
    lo, hi = dist.const("low"), dist.const("high")
    if log:
        lo, hi = math.log(lo), math.log(hi)
    return Dimension(key, name, kind="float", low=lo, high=hi, log=log, q=q, integer=integer,
                     distribution=kind)


def sample_prior(dim: Dimension, rng: np.random.Generator, n: int) -> np.ndarray:
    """Coordinates drawn from the declared distribution."""
    if dim.kind == "categorical":
        k = len(dim.options)
        if len(set(dim.weights)) <= 1:
            return rng.integers(0, k, n).astype(np.float64)
        return rng.choice(k, n, p=np.asarray(dim.weights)).astype(np.float64)
    if dim.kind == "int":
        return rng.integers(int(dim.low), int(dim.high) + 1, n).astype(np.float64)
    if dim.prior == "normal":
        return rng.normal(dim.mu, dim.sigma, n)
    return rng.uniform(dim.low, dim.high, n)


def center(dim: Dimension) -> float:
    """A representative coordinate: the middle of the range, the mean, the first option."""
    if dim.kind == "categorical":
        return 0.0
    if dim.prior == "normal":
        return dim.mu
    mid = (dim.low + dim.high) / 2
    return float(math.floor(mid)) if dim.kind == "int" else mid


def decimals_of(q: float) -> int | None:
    """Decimal places of a quantization step written in decimal (0.05 -> 2)."""
    text = repr(float(q))
    if "e" in text:
        mant, exp = text.split("e")
        places = len(mant.split(".")[1].rstrip("0")) if "." in mant else 0
        return max(places - int(exp), 0)
    frac = text.split(".")[1].rstrip("0")
    return len(frac)
