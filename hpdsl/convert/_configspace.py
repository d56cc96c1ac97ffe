"""hpdsl spaces to ConfigSpace objects (and so its JSON), and ConfigSpace back to `.hps`."""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..analysis import ir
from ..analysis.evaluate import Undefined, compare
from ..analysis.unparse import KEYWORDS, dist_text, expr_text, is_name, literal, value_text
from ..compile import Space, decimals_of
from ..errors import ConfigurationError, HpsError
from ._common import Notes

MAX_ORDINAL = 1000  # q-distributions with more values lose their q instead
NORMAL_WIDTH = 6.0  # ConfigSpace normals need bounds: mu +- 6 sigma

_FLIP: dict[ir.CompareOp, ir.CompareOp] = {
    "<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!=",
}


def _cs() -> Any:
    try:
        import ConfigSpace
    except ImportError as err:
        raise HpsError("ConfigSpace is not installed (pip install ConfigSpace)") from err
    return ConfigSpace


def to_configspace(space: Space, warnings: list[str] | None = None) -> Any:
    """The space as a `ConfigSpace.ConfigurationSpace`.

    What ConfigSpace cannot express is reported, one message each, by appending to
    `warnings` (or, when it is None, as a `ConversionWarning`): bounds that depend on
    other parameters, derived values, quantization, the normal family's missing bounds,
    conditions and constraints over expressions.
    """
    return _ToConfigSpace(space, Notes(warnings)).run()


def to_configspace_json(space: Space, warnings: list[str] | None = None) -> str:
    """`to_configspace`, serialized as ConfigSpace itself writes it."""
    buf = io.StringIO()
    to_configspace(space, warnings).to_json(buf, indent=2)
    return buf.getvalue()


class _ToConfigSpace:
    def __init__(self, space: Space, notes: Notes) -> None:
        self.CS = _cs()
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
                values = [v for v in _choices(parent) if _holds(op, v, const.value)]
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
        values = [v for v in _choices(parent)
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
            values = [v for v in _choices(hp) if _holds(op, v, const.value)]
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


def _choices(hp: Any) -> list[Any]:
    return list(hp.choices if hasattr(hp, "choices") else hp.sequence)


def _holds(op: ir.CompareOp, a: Any, b: ir.Value) -> bool:
    """Whether `a op b` is known to be true, as hpdsl decides it."""
    try:
        return compare(op, _plain(a), b)
    except Undefined:
        return False


# --- ConfigSpace to .hps ----------------------------------------------------------------------



def from_configspace(cs_or_json: Any, warnings: list[str] | None = None) -> str:
    """`.hps` source for a ConfigurationSpace, its JSON text, or the parsed JSON dict.

    What `.hps` cannot express (beta distributions, ConfigSpace's log-scaled normals,
    names that are not identifiers) is reported as `to_configspace` reports it.
    """
    CS = _cs()
    cs = cs_or_json
    if isinstance(cs, Mapping) and not isinstance(cs, CS.ConfigurationSpace):
        cs = json.dumps(cs)
    if isinstance(cs, str):
        try:
            cs = CS.ConfigurationSpace.from_json(io.StringIO(cs))
        except Exception as err:  # ConfigSpace raises many kinds of errors on bad input
            raise HpsError(f"not a ConfigSpace JSON document: {type(err).__name__}: "
                           f"{err}") from err
    if not isinstance(cs, CS.ConfigurationSpace):
        raise HpsError(f"expected a ConfigurationSpace or its JSON, not {type(cs).__name__}")
    if not len(cs):
        raise HpsError("the ConfigSpace space has no hyperparameters: nothing to convert")
    return _FromConfigSpace(cs, Notes(warnings)).run()


class _FromConfigSpace:
    def __init__(self, cs: Any, notes: Notes) -> None:
        self.cs = cs
        self.notes = notes
        self.names: dict[str, tuple[str, ...]] = {}
        for hp in cs.values():
            self.names[hp.name] = self.path_for(hp.name)

    def path_for(self, name: str) -> tuple[str, ...]:
        parts = name.split(".")
        if all(is_name(p) for p in parts):
            path = tuple(parts)
        else:
            clean = re.sub(r"\W", "_", name)
            clean = clean if is_name(clean) or clean in KEYWORDS else "_" + clean
            clean = clean + "_" if clean in KEYWORDS else clean
            path = (clean,)
            taken = set(self.names.values())
            while path in taken:
                path = (path[0] + "_",)
            self.notes.add(f"`{name}` is not an hpdsl name; renamed `{path[0]}`")
        return path

    def ref(self, name: str, stage: tuple[str, ...]) -> str:
        path = self.names[name]
        return path[-1] if path[:-1] == stage and stage else ".".join(path)

    def run(self) -> str:
        stages: dict[tuple[str, ...], list[str]] = {}
        for hp in self.cs.values():
            stage = self.names[hp.name][:-1]
            stages.setdefault(stage, []).extend(self.declaration(hp, stage))
        out: list[str] = ["# converted from ConfigSpace by hpdsl convert"]
        out += stages.pop((), [])
        for stage, lines in stages.items():
            out += self.stage(stage, lines)
        forbids = [self.forbidden(f) for f in self.cs.forbidden_clauses]
        if forbids:
            out.append("")
            out += [f"forbid {f}" for f in forbids if f]
        return "\n".join(out) + "\n"

    def stage(self, stage: tuple[str, ...], lines: list[str]) -> list[str]:
        out, pad = [""], ""
        for part in stage:
            out.append(f"{pad}{part} {{")
            pad += "    "
        out += [pad + line for line in lines]
        for _ in stage:
            pad = pad[:-4]
            out.append(f"{pad}}}")
        return out

    def declaration(self, hp: Any, stage: tuple[str, ...]) -> list[str]:
        name = self.names[hp.name][-1]
        text, extra = self.distribution(hp, name)
        cond = self.cs.conditions_dict.get(hp.name) if hasattr(self.cs, "conditions_dict") \
            else None
        if cond is None:
            cond = next((c for c in self.cs.conditions if _child_name(c) == hp.name), None)
        lines = [f"{name} {text}"] + [f"require {x}" for x in extra]
        if cond is None:
            return lines
        cond_text = self.condition(cond, stage)
        if len(lines) == 1:
            return [f"if {cond_text} then {lines[0]}"]
        return [f"if {cond_text} {{"] + ["    " + line for line in lines] + ["}"]

    def distribution(self, hp: Any, name: str) -> tuple[str, list[str]]:
        """`~ dist(...) [default v]` or `= value`, and constraints it needs."""
        kind = type(hp).__name__
        default = getattr(hp, "default_value", None)
        extra: list[str] = []
        if kind == "Constant":
            return f"= {literal(_plain(hp.value))}", []
        if kind in ("CategoricalHyperparameter", "OrdinalHyperparameter"):
            options = [_plain(v) for v in _choices(hp)]
            if kind == "OrdinalHyperparameter" and not all(
                    isinstance(v, int | float) and not isinstance(v, bool) for v in options):
                self.notes.add(f"`{hp.name}`: an ordinal of labels becomes a choice; its order "
                               "is not kept")
            weights = getattr(hp, "weights", None)
            if weights is not None and len(set(weights)) > 1:
                total = float(sum(weights))
                probs = [float(w) / total for w in weights]
                body = ", ".join(f"{p!r}: {value_text(v)}" for p, v in zip(probs, options,
                                                                       strict=True))
                text = f"~ pchoice({body})"
            else:
                text = f"~ choice({', '.join(value_text(v) for v in options)})"
            return text + self.default(default, options[0]), []
        lo, hi = _plain(getattr(hp, "lower", None)), _plain(getattr(hp, "upper", None))
        log = bool(getattr(hp, "log", False))
        if kind == "UniformFloatHyperparameter":
            mid = math.sqrt(lo * hi) if log else (lo + hi) / 2
            return f"~ {'log' if log else ''}uniform({lo!r}, {hi!r})" + self.default(
                default, mid), []
        if kind == "UniformIntegerHyperparameter":
            text = f"~ qloguniform({lo}, {hi}, 1)" if log else f"~ randint({lo}, {hi})"
            return text + self.default(default, None if log else (lo + hi) // 2), []
        if kind.startswith("Normal") and not log:
            mu, sigma = _plain(hp.mu), _plain(hp.sigma)
            text = f"~ normal({mu!r}, {sigma!r})" if kind == "NormalFloatHyperparameter" \
                else f"~ qnormal({mu!r}, {sigma!r}, 1)"
            extra = [f"{name} >= {lo!r} and {name} <= {hi!r}"]
            return text + self.default(default, mu), extra
        if kind.startswith(("Normal", "Beta")):
            what = "a log-scaled normal" if kind.startswith("Normal") else "a beta distribution"
            self.notes.add(f"`{hp.name}`: hpdsl has no {what}; carried over as "
                           f"{'loguniform' if log else 'uniform'} over [{lo!r}, {hi!r}]")
            if "Integer" in kind:
                text = f"~ qloguniform({lo}, {hi}, 1)" if log else f"~ randint({lo}, {hi})"
            else:
                text = f"~ {'log' if log else ''}uniform({lo!r}, {hi!r})"
            return text + self.default(default, None), []
        raise HpsError(f"`{hp.name}`: ConfigSpace hyperparameter {kind} is not supported")

    @staticmethod
    def default(value: Any, implicit: Any) -> str:
        value = _plain(value)
        if value is None:
            return ""
        if implicit is not None and type(value) is type(implicit) and (
                value == implicit or (isinstance(value, float) and math.isclose(
                    value, implicit, rel_tol=1e-9))):
            return ""
        return f" default {value_text(value)}"

    def condition(self, cond: Any, stage: tuple[str, ...]) -> str:
        kind = type(cond).__name__
        if kind in ("AndConjunction", "OrConjunction"):
            word = " and " if kind == "AndConjunction" else " or "
            parts = [self.condition(c, stage) for c in cond.components]
            if kind == "AndConjunction":
                parts = [f"({p})" if " or " in p else p for p in parts]
            return word.join(parts)
        parent = self.ref(cond.parent.name, stage)
        if kind == "InCondition":
            return f"{parent} in {{{', '.join(literal(_plain(v)) for v in cond.values)}}}"
        op = {"EqualsCondition": "==", "NotEqualsCondition": "!=", "LessThanCondition": "<",
              "GreaterThanCondition": ">"}[kind]
        return f"{parent} {op} {literal(_plain(cond.value))}"

    def forbidden(self, f: Any) -> str:
        kind = type(f).__name__
        if kind in ("ForbiddenAndConjunction", "ForbiddenOrConjunction"):
            word = " and " if kind == "ForbiddenAndConjunction" else " or "
            parts = [self.forbidden(c) for c in f.components]
            if word == " and ":
                parts = [f"({p})" if " or " in p else p for p in parts]
            return word.join(parts)
        if "Relation" in kind:
            op = {"Equals": "==", "LessThan": "<", "GreaterThan": ">", "LessThanEquals": "<=",
                  "GreaterThanEquals": ">="}[kind[len("Forbidden"):-len("Relation")]]
            return f"{self.ref(f.left.name, ())} {op} {self.ref(f.right.name, ())}"
        name = self.ref(f.hyperparameter.name, ())
        if kind == "ForbiddenInClause":
            return f"{name} in {{{', '.join(literal(_plain(v)) for v in f.values)}}}"
        op = {"ForbiddenEqualsClause": "==", "ForbiddenLessThanClause": "<",
              "ForbiddenGreaterThanClause": ">", "ForbiddenLessThanEqualsClause": "<=",
              "ForbiddenGreaterThanEqualsClause": ">="}[kind]
        return f"{name} {op} {literal(_plain(f.value))}"


def _child_name(cond: Any) -> str:
    return str(cond.child.name)


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v

