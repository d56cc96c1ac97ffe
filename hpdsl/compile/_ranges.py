"""Dependent bounds: where the range a parameter is drawn from can be empty.

`b ~ uniform(a, 5)` has no value when `a >= 5`, and sampling leaves such
configurations out, which reshapes `a`'s prior. Interval arithmetic over the
range of every name proves a range empty for every value of what it reads
(HPS116); configurations that the lint checks enumerate or sample show where
it is empty for part of it (HPS208), and a bisection on the one parameter it
reads says from which value on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from ..analysis import evaluate as scalar
from ..analysis import ir
from ._program import Program, Step, realize

Interval = tuple[float, float]
ANYTHING: Interval = (-math.inf, math.inf)


def _hull(a: Interval | None, b: Interval) -> Interval:
    return b if a is None else (min(a[0], b[0]), max(a[1], b[1]))


def _clean(lo: float, hi: float) -> Interval:
    return ANYTHING if math.isnan(lo) or math.isnan(hi) else (lo, hi)


def _corners(op: str, a: Interval, b: Interval) -> Interval:
    with np.errstate(all="ignore"):
        xs = np.array([a[0], a[1]], dtype=np.float64)[:, None]
        ys = np.array([b[0], b[1]], dtype=np.float64)[None, :]
        if op == "*":
            vals = xs * ys
        elif op == "**":
            vals = np.power(xs, ys)
        else:
            vals = xs / ys
    if np.isnan(vals).any():
        return ANYTHING
    return float(vals.min()), float(vals.max())


def interval(expr: ir.RExpr, known: Mapping[str, Interval]) -> Interval:
    """An interval holding every value `expr` can take (wider is allowed, never narrower)."""
    if isinstance(expr, ir.Const):
        v = expr.value
        if not isinstance(v, int | float) or isinstance(v, bool):
            return ANYTHING
        return float(v), float(v)
    if isinstance(expr, ir.Ref):
        return known.get(expr.name, ANYTHING)
    if isinstance(expr, ir.UnaryOp):
        lo, hi = interval(expr.operand, known)
        return -hi, -lo
    if isinstance(expr, ir.BinOp):
        a, b = interval(expr.left, known), interval(expr.right, known)
        if expr.op == "+":
            return _clean(a[0] + b[0], a[1] + b[1])
        if expr.op == "-":
            return _clean(a[0] - b[1], a[1] - b[0])
        if expr.op == "*":
            return _corners("*", a, b)
        if expr.op in ("/", "//"):
            if b[0] <= 0 <= b[1]:
                return ANYTHING
            lo, hi = _corners("/", a, b)
            return (math.floor(lo), math.floor(hi)) if expr.op == "//" and math.isfinite(
                lo) and math.isfinite(hi) else (lo, hi)
        if a[0] > 0:  # `**` of a positive base is monotone in each argument
            return _corners("**", a, b)
        return ANYTHING
    if isinstance(expr, ir.Call):
        args = [interval(x, known) for x in expr.args]
        if expr.func == "min":
            return min(x[0] for x in args), min(x[1] for x in args)
        if expr.func == "max":
            return max(x[0] for x in args), max(x[1] for x in args)
        lo, hi = args[0]
        with np.errstate(all="ignore"):
            if expr.func == "log":
                return (float(np.log(lo)) if lo > 0 else -math.inf,
                        float(np.log(hi)) if hi > 0 else -math.inf)
            if expr.func == "exp":
                return float(np.exp(lo)), float(np.exp(hi))
        return float(np.floor(lo)), float(np.ceil(hi))  # round
    return ANYTHING


def name_intervals(program: Program) -> dict[str, Interval]:
    """The values each name can take, over all its declarations (steps run in dependency
    order, so what a step reads is known before it)."""
    out: dict[str, Interval] = {}
    for step in program.steps:
        out[step.name] = _hull(out.get(step.name), _step_interval(step, out))
    return out


def _step_interval(step: Step, known: Mapping[str, Interval]) -> Interval:
    decl = step.decl
    if decl.value is not None:
        return interval(decl.value, known)
    dist = decl.dist
    assert dist is not None
    if dist.is_choice:
        nums = [float(o) for o in dist.options
                if isinstance(o, int | float) and not isinstance(o, bool)]
        return (min(nums), max(nums)) if nums else ANYTHING
    if dist.kind in ir.NORMAL_DISTS:
        return (0.0, math.inf) if dist.kind in ir.LOG_DISTS else ANYTHING
    return interval(dist.args["low"], known)[0], interval(dist.args["high"], known)[1]


def always_empty(dist: ir.DistSpec, known: Mapping[str, Interval]) -> str | None:
    """Why `dist`'s range is empty whatever the names it reads hold (None: it may not be)."""
    args = {a: interval(e, known) for a, e in dist.args.items()}
    for p in ("q", "sigma"):
        if p in args and args[p][1] <= 0:
            return f"`{p}` is never positive (at most {args[p][1]:g})"
    if "low" not in args:
        return None
    (lo_min, lo_max), hi_max = args["low"], args["high"][1]
    if dist.kind in ("loguniform", "qloguniform"):
        for p, top in (("low", lo_max), ("high", hi_max)):
            if top <= 0:
                return f"the log-scaled bound {p} is never positive (at most {top:g})"
    if dist.kind == "randint":
        if math.floor(hi_max) < math.ceil(lo_min):
            return (f"no integer lies between them: high is at most {hi_max:g}, "
                    f"low at least {lo_min:g}")
    elif hi_max <= lo_min:
        return f"high is at most {hi_max:g}, never above low (at least {lo_min:g})"
    return None


def empty_where(step: Step, program: Program, values: Mapping[str, float]) -> bool:
    """Whether the step's range is empty when the names it reads hold `values`."""
    args = {}
    assert step.decl.dist is not None
    for a, e in step.decl.dist.args.items():
        v, known = scalar.evaluate(e, values)
        if not known:
            return False
        args[a] = np.array([float(v)])
    assert step.dim is not None
    with np.errstate(all="ignore"):
        return bool(realize(step, program.dims[step.dim], np.array([0.5]), args)[1][0])
