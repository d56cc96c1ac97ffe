"""hpdsl spaces to ConfigSpace objects, and so to ConfigSpace's JSON."""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from ..analysis import ir
from ..analysis.evaluate import Undefined, compare
from ..analysis.unparse import dist_text, expr_text, fidelity_text
from ..compile import Space, decimals_of
from ..errors import ConfigurationError, HpsError
from ._common import Notes, choices_of, configspace, python_value

MAX_ORDINAL = 1000  # q-distributions with more values lose their q instead
NORMAL_WIDTH = 6.0  # ConfigSpace normals need bounds: mu +- 6 sigma

_FLIP: dict[ir.CompareOp, ir.CompareOp] = {
    "<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!=",
}


def to_configspace(space: Space, warnings: list[str] | None = None) -> Any:
    """The space as a `ConfigSpace.ConfigurationSpace`.

    What ConfigSpace cannot express is reported, one message each, by appending to
    `warnings` (or, when it is None, as a `ConversionWarning`): bounds that depend on
    other parameters, derived values, the fidelity (left out), quantization, the normal
    family's missing bounds, conditions and constraints over expressions.
    """
    return _ToConfigSpace(space, Notes(warnings)).run()


def to_configspace_json(space: Space, warnings: list[str] | None = None) -> str:
    """`to_configspace`, serialized as ConfigSpace itself writes it."""
    buf = io.StringIO()
    to_configspace(space, warnings).to_json(buf, indent=2)
    return buf.getvalue()


class _ToConfigSpace:
    def __init__(self, space: Space, notes: Notes) -> None:
        self.CS = configspace()
        self.space = space
        self.notes = notes
        self.decls = space.coords.analysis.decls
        self.hps: dict[str, Any] = {}  # output name -> hyperparameter (when unambiguous)
        try:
            self.defaults = space.flatten(space.default())
        except ConfigurationError:
            # ConfigSpace needs a default that no forbidden clause excludes
            self.defaults = space.flatten(space.sample(0))
            notes.add("the default configuration is excluded by the constraints; "
                      "ConfigSpace's defaults are taken from a sampled configuration")

    def run(self) -> Any:
        CS = self.CS
        cs = CS.ConfigurationSpace(name=self.space.path)
        by_name: dict[str, list[ir.Decl]] = {}
        for d in self.decls:
            by_name.setdefault(d.name, []).append(d)
        placed: list[tuple[Any, list[ir.Decl]]] = []
        for name, decls in by_name.items():
            same = len({self.signature(d) for d in decls}) == 1
            if not same:
                self.notes.add(f"`{name}` is declared {len(decls)} times with different "
                               "distributions; ConfigSpace gets one hyperparameter per "
                               f"declaration: {', '.join(f'`{d.key}`' for d in decls)}")
            groups = [decls] if same else [[d] for d in decls]
            for group in groups:
                hp = self.hyperparameter(group[0], name if same else group[0].key)
                if hp is not None:
                    placed.append((hp, group))
                    if same:
                        self.hps[name] = hp
        if not placed:
            raise HpsError("nothing could be converted to ConfigSpace")
        cs.add([hp for hp, _ in placed])
        for hp, group in placed:
            cond = self.condition_of(hp, group)
            if cond is not None:
                cs.add(cond)
        for c in self.space.coords.analysis.constraints:
            self.add_forbidden(cs, c)
        return cs

    @staticmethod
    def signature(d: ir.Decl) -> str:
        if d.dist is not None:
            return f"~ {dist_text(d.dist)} default {d.default!r}"
        return f"= {expr_text(d.value) if d.value is not None else ''}"

    # --- hyperparameters ----------------------------------------------------------------
    def hyperparameter(self, d: ir.Decl, name: str) -> Any:
        CS = self.CS
        if d.fidelity is not None:
            self.notes.add(f"`{d.name} ~ {fidelity_text(d.fidelity)}`: ConfigSpace has no "
                           "fidelity; it is left out (give the budget to your multi-fidelity "
                           f"optimizer, e.g. SMAC's min_budget={d.fidelity.min}, "
                           f"max_budget={d.fidelity.max})")
            return None
        if d.dist is None:
            if isinstance(d.value, ir.Const) and not isinstance(d.value.value, bool):
                return CS.Constant(name, d.value.value)
            self.notes.add(f"`{d.name} = {expr_text(d.value) if d.value else ''}`: derived "
                           "values are not carried over (ConfigSpace has none); compute it "
                           "from the configuration")
            return None
        dist = d.dist
        if dist.dependent:
            self.notes.add(f"`{d.name} ~ {dist_text(dist)}`: bounds that depend on other "
                           "parameters are not carried over; the parameter is left out")
            return None
        default = _default_of(d, self.defaults.get(d.name))
        kw = {} if default is None else {"default_value": default}
        kind = dist.kind
        if dist.is_choice:
            weights = list(dist.weights) if kind == "pchoice" else None
            return CS.CategoricalHyperparameter(name, list(dist.options), weights=weights, **kw)
        if kind == "randint":
            return CS.UniformIntegerHyperparameter(name, int(dist.const("low")),
                                                   int(dist.const("high")), **kw)
        if kind in ("uniform", "loguniform"):
            return CS.UniformFloatHyperparameter(name, dist.const("low"), dist.const("high"),
                                                 log=kind == "loguniform", **kw)
        if kind in ("quniform", "qloguniform"):
            return self.quantized(d, name, kw)
        mu, sigma = dist.const("mu"), dist.const("sigma")
        if kind == "normal" or (kind == "qnormal" and dist.integer and dist.const("q") == 1):
            self.notes.add(f"`{d.name} ~ {dist_text(dist)}`: ConfigSpace normals are bounded; "
                           f"truncated to mu +- {NORMAL_WIDTH:g} sigma")
            lo, hi = mu - NORMAL_WIDTH * sigma, mu + NORMAL_WIDTH * sigma
            if kind == "qnormal":
                return CS.NormalIntegerHyperparameter(name, mu, sigma, math.floor(lo),
                                                      math.ceil(hi), **kw)
            return CS.NormalFloatHyperparameter(name, mu, sigma, lo, hi, **kw)
        if kind == "qnormal":
            self.notes.add(f"`{d.name} ~ {dist_text(dist)}`: ConfigSpace has no quantization;"
                           f" carried over as a normal without q, truncated to mu +- "
                           f"{NORMAL_WIDTH:g} sigma")
            return CS.NormalFloatHyperparameter(name, mu, sigma, mu - NORMAL_WIDTH * sigma,
                                                mu + NORMAL_WIDTH * sigma, **kw)
        lo, hi = math.exp(mu - 3 * sigma), math.exp(mu + 3 * sigma)
        self.notes.add(f"`{d.name} ~ {dist_text(dist)}`: ConfigSpace has no log-normal"
                       f"{' and no quantization' if kind == 'qlognormal' else ''}; carried "
                       f"over as loguniform({lo:.6g}, {hi:.6g}) (exp(mu +- 3 sigma))")
        kw = kw if default is not None and lo <= default <= hi else {}
        return CS.UniformFloatHyperparameter(name, lo, hi, log=True, **kw)

    def quantized(self, d: ir.Decl, name: str, kw: dict[str, Any]) -> Any:
        CS = self.CS
        dist = d.dist
        assert dist is not None
        lo, hi, q = dist.const("low"), dist.const("high"), dist.const("q")
        kmin, kmax = math.ceil(lo / q - 1e-9), math.floor(hi / q + 1e-9)
        log = dist.kind == "qloguniform"
        if kmax - kmin + 1 <= MAX_ORDINAL:
            decimals = decimals_of(q)
            values = [k * q for k in range(kmin, kmax + 1)]
            if dist.integer:
                values = [int(round(v)) for v in values]
            elif decimals is not None and decimals <= 15:
                values = [float(np.round(v, decimals)) for v in values]
            self.notes.add(f"`{d.name} ~ {dist_text(dist)}`: ConfigSpace has no quantization;"
                           f" carried over as an ordinal of its {len(values)} values"
                           + (" (uniform over them, not log-spaced)" if log else ""))
            if "default_value" in kw:
                kw = {"default_value": min(values, key=lambda v: abs(v - kw["default_value"]))}
            return CS.OrdinalHyperparameter(name, values, **kw)
        self.notes.add(f"`{d.name} ~ {dist_text(dist)}`: ConfigSpace has no quantization; "
                       f"q = {q:g} is dropped")
        if dist.integer:
            return CS.UniformIntegerHyperparameter(name, int(lo), int(hi), log=log, **kw)
        return CS.UniformFloatHyperparameter(name, lo, hi, log=log, **kw)

    # --- conditions ---------------------------------------------------------------------
    def condition_of(self, hp: Any, group: list[ir.Decl]) -> Any:
        """One condition for the declarations of one hyperparameter (an OR of each one's
        conditions), keeping the parts ConfigSpace can express."""
        CS = self.CS
        alternatives = []
        for d in group:
            parts = []
            for c in d.conditions:
                cond = self.condition(hp, c, False)
                if cond is None:
                    self.notes.add(f"`{d.name}`: condition `{expr_text(c)}` is not carried "
                                   "over; in ConfigSpace the parameter is active whenever its "
                                   "other conditions hold")
                else:
                    parts.append(cond)
            if not parts:
                return None  # active unconditionally in one declaration
            alternatives.append(parts[0] if len(parts) == 1 else CS.AndConjunction(*parts))
        return alternatives[0] if len(alternatives) == 1 else CS.OrConjunction(*alternatives)

    def condition(self, child: Any, e: ir.RExpr, negate: bool) -> Any:
        CS = self.CS
        if isinstance(e, ir.Not):
            return self.condition(child, e.operand, not negate)
        if isinstance(e, ir.And | ir.Or):
            parts = [self.condition(child, o, negate) for o in e.operands]
            if any(p is None for p in parts):
                return None
            conj = CS.OrConjunction if isinstance(e, ir.Or) != negate else CS.AndConjunction
            return parts[0] if len(parts) == 1 else conj(*parts)
        if isinstance(e, ir.Ref):
            e = ir.Compare("==", e, ir.Const(True, e.span), e.span)
        if isinstance(e, ir.In) and isinstance(e.operand, ir.Ref):
            parent = self.hps.get(e.operand.name)
            if parent is None:
                return None
            values = self.legal(parent, e.options, e.negated != negate)
            return None if values is None else CS.InCondition(child, parent, values)
        if isinstance(e, ir.Compare):
            op, ref, const = _ref_const(e)
            if ref is None or const is None:
                return None
            parent = self.hps.get(ref.name)
            if parent is None:
                return None
            op = ir.NEGATED_COMPARE[op] if negate else op
            if _is_discrete(parent):
                values = [v for v in choices_of(parent) if _holds(op, v, const.value)]
                return CS.InCondition(child, parent, values) if values else None
            if op == "==":
                return CS.EqualsCondition(child, parent, const.value)
            if op == "!=":
                return CS.NotEqualsCondition(child, parent, const.value)
            if op in ("<", ">"):
                cls = CS.LessThanCondition if op == "<" else CS.GreaterThanCondition
                return cls(child, parent, const.value)
            cls = CS.LessThanCondition if op == "<=" else CS.GreaterThanCondition
            return CS.OrConjunction(cls(child, parent, const.value),
                                    CS.EqualsCondition(child, parent, const.value))
        return None

    def legal(self, parent: Any, options: tuple[ir.Value, ...], complement: bool
              ) -> list[Any] | None:
        if not _is_discrete(parent):
            return None
        values = [v for v in choices_of(parent)
                  if any(_holds("==", v, o) for o in options) != complement]
        return values or None

    # --- forbidden clauses ----------------------------------------------------------------
    def add_forbidden(self, cs: Any, c: ir.ConstraintDecl) -> None:
        CS = self.CS
        parts = [self.forbidden(cond, False) for cond in c.conditions]
        parts.append(self.forbidden(c.expr, c.kind == "require"))
        source = c.source or f"{c.kind} {expr_text(c.expr)}"
        if any(p is None for p in parts):
            self.notes.add(f"`{source}` is not carried over: ConfigSpace forbidden clauses "
                           "compare parameters with constants or with each other only")
            return
        clause = parts[0] if len(parts) == 1 else CS.ForbiddenAndConjunction(*parts)
        try:
            cs.add(clause)
        except Exception as err:  # ConfigSpace refuses clauses the default violates, ...
            self.notes.add(f"`{source}` is not carried over: ConfigSpace refused it "
                           f"({type(err).__name__}: {err})")

    def forbidden(self, e: ir.RExpr, negate: bool) -> Any:
        CS = self.CS
        if isinstance(e, ir.Not):
            return self.forbidden(e.operand, not negate)
        if isinstance(e, ir.And | ir.Or):
            parts = [self.forbidden(o, negate) for o in e.operands]
            if any(p is None for p in parts):
                return None
            if len(parts) == 1:
                return parts[0]
            if isinstance(e, ir.Or) != negate:
                return CS.ForbiddenOrConjunction(*parts)
            return CS.ForbiddenAndConjunction(*parts)
        if isinstance(e, ir.Ref):
            e = ir.Compare("==", e, ir.Const(True, e.span), e.span)
        if isinstance(e, ir.In) and isinstance(e.operand, ir.Ref):
            hp = self.hps.get(e.operand.name)
            values = None if hp is None else self.legal(hp, e.options, e.negated != negate)
            return None if values is None else CS.ForbiddenInClause(hp, values)
        if not isinstance(e, ir.Compare):
            return None
        op = ir.NEGATED_COMPARE[e.op] if negate else e.op
        if isinstance(e.left, ir.Ref) and isinstance(e.right, ir.Ref):
            left, right = self.hps.get(e.left.name), self.hps.get(e.right.name)
            if left is None or right is None:
                return None
            if op == "!=":
                return CS.ForbiddenOrConjunction(CS.ForbiddenLessThanRelation(left, right),
                                                 CS.ForbiddenGreaterThanRelation(left, right))
            return _RELATIONS[op](CS)(left, right)
        _, ref, const = _ref_const(e)
        if ref is None or const is None:
            return None
        op = _ref_const(ir.Compare(op, e.left, e.right, e.span))[0]
        hp = self.hps.get(ref.name)
        if hp is None:
            return None
        if _is_discrete(hp):
            values = [v for v in choices_of(hp) if _holds(op, v, const.value)]
            return CS.ForbiddenInClause(hp, values) if values else None
        if op == "!=":
            return CS.ForbiddenOrConjunction(CS.ForbiddenLessThanClause(hp, const.value),
                                             CS.ForbiddenGreaterThanClause(hp, const.value))
        return _CLAUSES[op](CS)(hp, const.value)


def _default_of(d: ir.Decl, in_default_config: Any) -> Any:
    """The value hpdsl's default configuration gives `d` (ConfigSpace refuses forbidden
    clauses that exclude its default): the value in `space.default()` when `d` is active
    there, else its declared default, else the centre hpdsl would take for a randint
    (ConfigSpace rounds the middle up, hpdsl down; elsewhere the two agree)."""
    if in_default_config is not None and not isinstance(in_default_config, list | dict):
        return in_default_config
    if d.default is not None:
        return d.default
    dist = d.dist
    if dist is not None and dist.kind == "randint":
        return math.floor((dist.const("low") + dist.const("high")) / 2)
    return None


_RELATIONS = {
    "==": lambda CS: CS.ForbiddenEqualsRelation,
    "<": lambda CS: CS.ForbiddenLessThanRelation,
    ">": lambda CS: CS.ForbiddenGreaterThanRelation,
    "<=": lambda CS: CS.ForbiddenLessThanEqualsRelation,
    ">=": lambda CS: CS.ForbiddenGreaterThanEqualsRelation,
}
_CLAUSES = {
    "==": lambda CS: CS.ForbiddenEqualsClause,
    "<": lambda CS: CS.ForbiddenLessThanClause,
    ">": lambda CS: CS.ForbiddenGreaterThanClause,
    "<=": lambda CS: CS.ForbiddenLessThanEqualsClause,
    ">=": lambda CS: CS.ForbiddenGreaterThanEqualsClause,
}


def _ref_const(e: ir.Compare) -> tuple[ir.CompareOp, ir.Ref | None, ir.Const | None]:
    """`ref op const` (flipping `const op ref`), or Nones."""
    if isinstance(e.left, ir.Ref) and isinstance(e.right, ir.Const):
        return e.op, e.left, e.right
    if isinstance(e.right, ir.Ref) and isinstance(e.left, ir.Const):
        return _FLIP[e.op], e.right, e.left
    return e.op, None, None


def _is_discrete(hp: Any) -> bool:
    return hasattr(hp, "choices") or hasattr(hp, "sequence")


def _holds(op: ir.CompareOp, a: Any, b: ir.Value) -> bool:
    """Whether `a op b` is known to be true, as hpdsl decides it."""
    try:
        return compare(op, python_value(a), b)
    except Undefined:
        return False
