"""Pass 2, distributions: check a distribution call and its default.

The name must be known, the arguments as many as it takes, constant bounds in
order (positive for log scales), steps and scales positive, choice options
constant and distinct, weights a probability distribution, and a default a value
the distribution can produce. Names and types are resolved by `_resolve`.
"""

from __future__ import annotations

import math
from typing import Protocol

from ..diagnostics import Span
from ..syntax import ast
from . import ir
from ._collect import RawDecl, Scope
from ._static import StaticError, static_value
from ._wording import did_you_mean, num, show
from .evaluate import EXACT_INT, FLOAT_MAX, inexact_int

_WEIGHT_TOLERANCE = 1e-6
_LOG_FLOAT_MAX = math.log(FLOAT_MAX)
_LOG_SMALLEST = math.log(5e-324)  # below, exp gives 0
_OVERFLOW_SIGMAS = 4.0  # one value in 30,000 lies beyond
_ALIASES = {"randn": "normal", "uniformint": "randint", "categorical": "choice",
            "int": "randint", "loguniform_int": "qloguniform", "bool": "choice",
            "budget": "fidelity", "resource": "fidelity"}


class Resolving(Protocol):
    """What the checks need from the resolver: expressions, names and a place to report."""

    def report(self, code: str, message: str, span: Span, *, label: str | None = None,
               help: str | None = None) -> None: ...

    def value(self, e: ast.Expr, scope: Scope) -> ir.RExpr | None: ...

    def need_numeric(self, r: ir.RExpr, span: Span, what: str) -> None: ...

    def option_value(self, expr: ast.Expr, scope: Scope) -> ir.Value: ...

    def lookup(self, parts: tuple[str, ...], scope: Scope) -> str | None: ...

    def inexact(self, value: int, span: Span, alternative: str = "") -> None: ...


def resolve_dist(r: Resolving, raw: RawDecl, st: ast.Sample) -> ir.DistSpec | None:
    """The distribution of a sampled declaration, or None after reporting why not."""
    d = st.dist
    if d.name not in ir.DISTRIBUTIONS:
        known = [*ir.DISTRIBUTIONS, ir.FIDELITY]
        hint = (f"did you mean `{_ALIASES[d.name]}`?" if d.name in _ALIASES
                else did_you_mean(d.name, known))
        r.report("HPS104", f"unknown distribution `{d.name}`", d.name_span,
                help=hint or "known: " + ", ".join(known))
        return None
    if d.name in ir.CHOICE_DISTS:
        return _choice(r, raw, d)
    params = ir.DISTRIBUTIONS[d.name]
    for a in d.args:
        if a.weight is not None:
            r.report("HPS105", f"`{d.name}` takes no `weight: value` pairs", a.span,
                    help="weights belong in `pchoice(0.7: a, 0.3: b)`")
            return None
    if len(d.args) != len(params):
        extra = ""
        if d.name == "randint" and len(d.args) == 1:
            extra = ("; unlike hyperopt's randint(upper), both bounds are given: "
                     "randint(0, n - 1)")
        r.report("HPS105", f"`{d.name}` takes {len(params)} arguments "
                f"({', '.join(params)}), got {len(d.args)}", d.span,
                help=f"`{d.name}({', '.join(params)})`{extra}")
        return None
    args: dict[str, ir.RExpr] = {}
    for pname, a in zip(params, d.args, strict=True):
        resolved = r.value(a.value, raw.scope)
        if resolved is None:
            return None
        r.need_numeric(resolved, a.span, f"`{d.name}`")
        args[pname] = resolved
    if not _check_args(r, d, args, raw.name):
        return None
    integer = d.name == "randint"
    if d.name in ir.Q_DISTS:
        q = args["q"]
        loc = [args[p] for p in ("low", "high", "mu") if p in args and d.name != "qlognormal"]
        integer = (isinstance(q, ir.Const) and ir.type_name(q.value) == "int"
                   and all(isinstance(x, ir.Const) and ir.type_name(x.value) == "int"
                           for x in loc))
    return ir.DistSpec(d.name, args, integer=integer, span=d.span)


def _check_args(r: Resolving, d: ast.Dist, args: dict[str, ir.RExpr], name: str) -> bool:
    def const(p: str) -> float | None:
        node = args.get(p)
        if isinstance(node, ir.Const) and isinstance(node.value, int | float):
            return float(node.value)
        return None

    def span(p: str) -> Span:
        return args[p].span

    ok = True
    lo, hi = const("low"), const("high")
    if lo is not None and not math.isfinite(lo) or hi is not None and not math.isfinite(hi):
        r.report("HPS105", "bounds must be finite numbers", d.span)
        return False
    if d.name == "randint":
        for p, v in (("low", lo), ("high", hi)):
            if v is not None and abs(v) > EXACT_INT:
                r.report("HPS105", f"`randint` bounds must lie within +-2**53 "
                        f"({EXACT_INT}), got {show(v)}", span(p))
                return False
            if v is not None and v != int(v):
                r.report("HPS105", f"`randint` bounds must be integers, got {show(v)}", span(p))
                ok = False
        if ok and lo is not None and hi is not None and lo > hi:
            r.report("HPS106", f"empty range: low ({num(lo)}) is above high ({num(hi)})",
                    d.span, help="randint(low, high) includes both ends; swap them")
            ok = False
    elif lo is not None and hi is not None and lo >= hi:
        r.report("HPS106", f"empty range: low ({num(lo)}) must be below high ({num(hi)})",
                d.span, help="swap the bounds" if lo > hi else
                "for a fixed value write `name = value`")
        ok = False
    if d.name in ("loguniform", "qloguniform"):
        for p, v in (("low", lo), ("high", hi)):
            if v is not None and v <= 0:
                r.report("HPS107", f"log-scaled bound {p} must be positive, got {num(v)}",
                        span(p), help="bounds are the values themselves (not their logs),"
                        " e.g. loguniform(1e-5, 1e-1)")
                ok = False
    for p in ("q", "sigma"):
        v = const(p)
        if v is not None and (v <= 0 or not math.isfinite(v)):
            r.report("HPS108", f"`{p}` must be positive, got {num(v)}", span(p))
            ok = False
    if ok and lo is not None and hi is not None and not math.isfinite(hi - lo):
        r.report("HPS105", f"the range from {num(lo)} to {num(hi)} is wider than the "
                f"largest number ({FLOAT_MAX:.3g})", d.span)
        return False
    q = const("q")
    if ok and q is not None and lo is not None and hi is not None and d.name in (
            "quniform", "qloguniform"):
        if not (math.isfinite(hi / q) and math.isfinite(lo / q)):
            r.report("HPS105", f"q={num(q)} is too small for [{num(lo)}, {num(hi)}]: "
                    "the number of multiples overflows", span("q"))
            return False
        if math.floor(hi / q + 1e-9) < math.ceil(lo / q - 1e-9):
            r.report("HPS106", f"no multiple of q={num(q)} lies in [{num(lo)}, {num(hi)}]",
                    d.span)
            ok = False
        else:
            _off_grid(r, d, args, name, lo, hi, q)
    if ok and d.name in ("lognormal", "qlognormal"):
        ok = _fits_a_float(r, d, const("mu"), const("sigma"), q)
    return ok


def _fits_a_float(r: Resolving, d: ast.Dist, mu: float | None, sigma: float | None,
                  q: float | None) -> bool:
    """A log-normal is `exp(x)` for a normal x: once x passes log(FLOAT_MAX) (709.8) the
    value is infinite, and `qlognormal` overflows sooner, dividing by a small q. Values
    within _OVERFLOW_SIGMAS deviations of mu must be finite numbers."""
    if mu is None or sigma is None:
        return True
    bottom = mu - _OVERFLOW_SIGMAS * sigma
    if d.name == "lognormal" and bottom < _LOG_SMALLEST:  # exp underflows to 0: not positive
        r.report("HPS117", f"`{d.name}({num(mu)}, {num(sigma)})` underflows a float: its "
                 f"values reach exp({num(bottom)}), which is 0, below the smallest positive "
                 "number (5e-324)", d.span,
                 help=f"mu - {_OVERFLOW_SIGMAS:g} * sigma must stay above {num(_LOG_SMALLEST)}")
        return False
    top = mu + _OVERFLOW_SIGMAS * sigma
    limit = _LOG_FLOAT_MAX + (min(0.0, math.log(q)) if q is not None and q > 0 else 0.0)
    if top <= limit:
        return True
    args = ", ".join(num(v) for v in (mu, sigma, q) if v is not None)
    r.report("HPS117", f"`{d.name}({args})` overflows a float: its values reach "
             f"exp({num(top)}){' / q' if q is not None and q < 1 else ''}, above the largest "
             f"number ({FLOAT_MAX:.3g})", d.span,
             help=f"mu + {_OVERFLOW_SIGMAS:g} * sigma must stay below {num(limit)}; "
             "mu and sigma are the mean and deviation of the value's logarithm, e.g. "
             "lognormal(0, 1) for values around 1")
    return False



def _off_grid(r: Resolving, d: ast.Dist, args: dict[str, ir.RExpr], name: str, lo: float,
              hi: float, q: float) -> None:
    """Warn about a bound that is not a multiple of q: the values are the multiples of q
    inside the bounds (quniform(3, 9, 2) gives 4, 6, 8), so it is never produced."""
    off = [p for p, v in (("low", lo), ("high", hi)) if abs(v / q - round(v / q)) > 1e-9]
    if not off:
        return
    first, last = math.ceil(lo / q - 1e-9), math.floor(hi / q + 1e-9)
    values = _listed([k * q for k in range(first, min(last, first + 3) + 1)], last - first + 1,
                     last * q)
    steps = int(math.floor((hi - lo) / q + 1e-9)) + 1
    from_low = [num(round(lo + k * q, 12)) for k in range(min(steps, 9))]
    alternative = (f"`{name} ~ choice({', '.join(from_low)})`" if steps <= 8 else
                   f"a derived value: `k ~ randint(0, {steps - 1})` and "
                   f"`{name} = {num(lo)} + {num(q)} * k`")
    not_given = " or ".join(num(v) for p, v in (("low", lo), ("high", hi)) if p in off)
    if "low" in off:
        help = (f"the grid is the multiples of q, not steps from low; for "
                f"{_listed([lo + k * q for k in range(4)], steps, lo + (steps - 1) * q)} "
                f"write {alternative}")
    else:
        help = f"the largest value is {num(round(last * q, 12))}: write it as the upper bound"
    r.report("HPS209", f"`{d.name}` gives the multiples of q={num(q)} inside the bounds: "
             f"{values} (never {not_given})", args[off[0]].span,
             label=f"not a multiple of {num(q)}", help=help)


def _listed(values: list[float], count: int, last: float) -> str:
    """`4, 6, 8`, or `4, 6, 8, ..., 20` for longer runs."""
    shown = ", ".join(num(round(v, 12)) for v in values[:min(count, 4)])
    if count > 4:
        shown += f", ..., {num(round(last, 12))}"
    return shown


def _choice(r: Resolving, raw: RawDecl, d: ast.Dist) -> ir.DistSpec | None:
    if not d.args:
        r.report("HPS105", f"`{d.name}` needs at least one option", d.span)
        return None
    options: list[ir.Value] = []
    weights: list[float] = []
    seen: dict[tuple[str, object], Span] = {}
    ok = True
    for a in d.args:
        if d.name == "choice" and a.weight is not None:
            r.report("HPS105", "`choice` options have no weights", a.span,
                    help="use `pchoice(0.7: a, 0.3: b)` for weighted options")
            return None
        if d.name == "pchoice":
            if a.weight is None:
                r.report("HPS105", "every `pchoice` option needs a weight", a.span,
                        help="write `weight: option`, e.g. `pchoice(0.7: a, 0.3: b)`")
                return None
            try:
                w = static_value(a.weight, raw.scope.bindings())
            except StaticError:
                w = None
            if not isinstance(w, int | float) or isinstance(w, bool) or not math.isfinite(w):
                r.report("HPS109", "a weight must be a constant number", a.weight.span)
                return None
            if w < 0:
                r.report("HPS109", f"weight {num(w)} is negative", a.weight.span)
                ok = False
            weights.append(float(w))
        try:
            value = r.option_value(a.value, raw.scope)
        except StaticError:
            r.report("HPS105", "choice options must be constants or bare-word labels",
                    a.value.span, help="bounds that depend on parameters belong in "
                    "numeric distributions such as randint(1, n)")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            r.report("HPS105", "choice options must be finite", a.value.span)
            return None
        if isinstance(value, int) and inexact_int(value):
            r.inexact(value, a.value.span, f', or quote it ("{value}") as a label')
            return None
        key = ir.option_key(value)
        if key in seen:
            r.report("HPS110", f"option {show(value)} is listed twice", a.value.span,
                    help="remove the repeat; use pchoice to give an option more weight")
            ok = False
        seen[key] = a.value.span
        options.append(value)
        if isinstance(a.value, ast.Name) and isinstance(value, str):
            shadow = r.lookup((value,), raw.scope)
            if shadow is not None:
                r.report("HPS206", f"`{value}` is a label here but also the parameter "
                       f"`{shadow}`", a.value.span, label="read as a label",
                       help=f'quote it ("{value}") or rename the parameter')
    _none_labels(r, d, options)
    if d.name == "pchoice" and ok and abs(sum(weights) - 1.0) > _WEIGHT_TOLERANCE:
        r.report("HPS109", f"weights sum to {sum(weights):g}, not 1", d.span,
                help="each weight is a probability; make them add up to 1")
        ok = False
    if not ok:
        return None
    if d.name == "choice":
        weights = [1.0 / len(options)] * len(options)
    kind: ir.DistKind = "pchoice" if d.name == "pchoice" else "choice"
    return ir.DistSpec(kind, {}, tuple(options), tuple(weights), span=d.span)


def _none_labels(r: Resolving, d: ast.Dist, options: list[ir.Value]) -> None:
    """`choice(None, 3)`: the bare word is the string "None", almost surely meant as null."""
    if not any(ir.type_name(o) in ir.NUMERIC for o in options):
        return
    for a in d.args:
        if isinstance(a.value, ast.Name) and a.value.name in ("None", "none"):
            r.report("HPS210", f"`{a.value.name}` is the label \"{a.value.name}\" here, a string, "
                     "not Python's None", a.value.span, label="read as a string",
                     help="write `null` for None (null in JSON)")


def resolve_default(r: Resolving, st: ast.Sample, dist: ir.DistSpec,
                    scope: Scope) -> ir.Value | None:
    """The `default V` of a sampled declaration, or None (absent, or reported as wrong)."""
    if st.default is None:
        return None
    e = st.default
    if isinstance(e, ast.Name) and dist.is_choice and e.name not in scope.bindings():
        value: ir.Value = e.name
    else:
        try:
            value = static_value(e, scope.bindings())
        except StaticError:
            r.report("HPS111", "a default must be a constant", e.span)
            return None
    problem = default_problem(dist, value)
    if problem is not None:
        r.report("HPS111", f"default {show(value)} {problem}", e.span)
        return None
    return value


def default_problem(dist: ir.DistSpec, value: ir.Value) -> str | None:
    """Why `value` cannot come from `dist` (None if it can, or if bounds are not constant)."""
    if dist.is_choice:
        keys = {ir.option_key(o) for o in dist.options}
        if ir.option_key(value) not in keys:
            return "is not one of the options"
        return None
    if isinstance(value, str | bool | None):
        return "is not a number"
    if dist.dependent:
        return None
    assert isinstance(value, int | float)
    v = float(value)
    kind = dist.kind
    if kind in ir.UNIFORM_DISTS or kind == "randint":
        lo, hi = dist.const("low"), dist.const("high")
        if not lo <= v <= hi:
            return f"is outside [{num(lo)}, {num(hi)}]"
    if kind == "randint" and v != int(v):
        return "is not an integer"
    if kind == "lognormal" and v <= 0:
        return "is not positive"
    if kind in ir.Q_DISTS:
        q = dist.const("q")
        if abs(v / q - round(v / q)) > 1e-9:
            return f"is not a multiple of q={num(q)}"
    return None
