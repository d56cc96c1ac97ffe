"""hpdsl spaces as hyperopt `hp` expressions (Python source), and samples back.

The conditional structure becomes nested `hp.choice`: a choice (or a `randint` with
at most MAX_GATE values) that other declarations' conditions test becomes a choice
between dicts, one per option, each holding the declarations active under that option.
Every dict uses hpdsl's output names as keys (`"preprocess.scaler"`, `"units[2]"`), so
`from_hyperopt` can flatten the nested sample and rebuild the configuration.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ..analysis import ir
from ..analysis.evaluate import evaluate
from ..analysis.unparse import dist_text, expr_text, fidelity_text
from ..compile import Space
from ._common import Notes, from_flat, python_value

MAX_GATE = 64
_PAD = "    "


def to_hyperopt_source(space: Space, warnings: list[str] | None = None) -> str:
    """Python source that defines `space`, a hyperopt search space for `space`.

    What hyperopt cannot express is reported (appended to `warnings`, or as a
    `ConversionWarning` when it is None): constraints, derived values (computed by
    `from_hyperopt`), conditions that are not tests of a choice, and dependent bounds
    (sampled as the fraction of the range in force, mapped back by `from_hyperopt`).
    """
    return _ToHyperopt(space, Notes(warnings)).run()


def from_hyperopt(space: Space, sample: Mapping[str, Any]) -> dict[str, Any]:
    """The hpdsl configuration for a sample of `to_hyperopt_source`'s space.

    Raises ConfigurationError when a constraint hyperopt could not carry excludes it.
    """
    flat: dict[str, Any] = {}

    def walk(node: Mapping[str, Any]) -> None:
        for key, value in node.items():
            if isinstance(value, Mapping):
                walk(value)
            else:
                flat[key] = python_value(value)

    walk(sample)
    return from_flat(space, flat, fractions=True)


class _ToHyperopt:
    def __init__(self, space: Space, notes: Notes) -> None:
        self.space = space
        self.notes = notes
        analysis = space.coords.analysis
        self.decls = [d for d in analysis.decls if d.sampled]
        for d in analysis.decls:
            if d.fidelity is not None:
                self.notes.add(f"`{d.name} ~ {fidelity_text(d.fidelity)}`: hyperopt has no "
                               "fidelity and no pruning; it is not part of the hyperopt space, "
                               "and hpdsl.convert.from_hyperopt sets it to its max, "
                               f"{d.fidelity.max}")
            elif not d.sampled:
                self.notes.add(f"`{d.name} = {expr_text(d.value) if d.value else ''}`: "
                               "derived values are not part of the hyperopt space; "
                               "hpdsl.convert.from_hyperopt computes them")
        for c in analysis.constraints:
            self.notes.add(f"`{c.source}` is not carried over: hyperopt has no constraints; "
                           "hpdsl.convert.from_hyperopt raises ConfigurationError for the "
                           "samples it excludes")
        self.labels: dict[str, int] = {}

    def run(self) -> str:
        body = self.branch(self.decls, {}, 0)
        source = _in_docstring(repr(str(self.space.path)))
        return (f'"""A hyperopt search space, converted by hpdsl from {source}.\n\n'
                "Keys are hpdsl names; map a sample back to an hpdsl configuration with\n"
                "`hpdsl.convert.from_hyperopt(space, sample)`.\n"
                '"""\n\nimport math\n\nfrom hyperopt import hp\nfrom hyperopt.pyll import scope\n'
                f"\nspace = {body}\n")

    def label(self, key: str) -> str:
        """A unique hyperopt label: the key, suffixed when a declaration is repeated in
        several branches."""
        n = self.labels.get(key, 0) + 1
        self.labels[key] = n
        return repr(key if n == 1 else f"{key}/{n}")

    def branch(self, decls: list[ir.Decl], fixed: dict[str, ir.Value], depth: int,
             first: tuple[str, str] | None = None) -> str:
        status = {d.key: _all(d.conditions, fixed) for d in decls}
        here = [d for d in decls if status[d.key] is True]
        gates = {d.name: d for d in here if _gateable(d)}
        groups: dict[str, list[ir.Decl]] = {}
        for d in decls:
            if status[d.key] is not None:
                continue
            unknown = [c for c in d.conditions if not evaluate(c, fixed)[1]]
            gate = next((n for c in unknown for n in _ordered_refs(c) if n in gates), None)
            if gate is None:
                self.notes.add(f"`{d.name}`: condition `{' and '.join(map(expr_text, unknown))}`"
                               " cannot be expressed in hyperopt (it tests no choice that is "
                               "available there); the parameter is sampled whenever its other "
                               "conditions hold")
                here.append(d)
            else:
                groups.setdefault(gate, []).append(d)
        here.sort(key=lambda d: (d.span.file, d.span.start))
        pad = _PAD * (depth + 1)
        items = [f"{pad}{first[0]}: {first[1]}"] if first else []
        for d in here:
            if d.name in groups:
                expr = self.gate(d, groups[d.name], fixed, depth + 1)
            else:
                expr = self.distribution(d)
            items.append(f"{pad}{d.name!r}: {expr}")
        if not items:
            return "{}"
        return "{\n" + ",\n".join(items) + f",\n{_PAD * depth}}}"

    def gate(self, d: ir.Decl, group: list[ir.Decl], fixed: dict[str, ir.Value],
             depth: int) -> str:
        """A choice whose options are dicts of what each option activates."""
        dist = d.dist
        assert dist is not None
        values = list(dist.options) if dist.is_choice else list(
            range(int(dist.const("low")), int(dist.const("high")) + 1))
        pad = _PAD * (depth + 1)
        options = [self.branch(group, {**fixed, d.name: v}, depth + 1, (repr(d.name), repr(v)))
                   for v in values]
        if dist.kind == "pchoice":
            body = ",\n".join(f"{pad}({w!r}, {o})" for w, o in zip(dist.weights, options,
                                                                    strict=True))
            return f"hp.pchoice({self.label(d.key)}, [\n{body},\n{_PAD * depth}])"
        body = ",\n".join(f"{pad}{o}" for o in options)
        return f"hp.choice({self.label(d.key)}, [\n{body},\n{_PAD * depth}])"

    def distribution(self, d: ir.Decl) -> str:
        dist = d.dist
        assert dist is not None
        label = self.label(d.key)
        kind = dist.kind
        if dist.is_choice:
            if kind == "pchoice":
                pairs = ", ".join(f"({w!r}, {o!r})" for w, o in zip(dist.weights, dist.options,
                                                                    strict=True))
                return f"hp.pchoice({label}, [{pairs}])"
            return f"hp.choice({label}, {list(dist.options)!r})"
        if dist.dependent:
            normal = kind in ir.NORMAL_DISTS
            what = "a standard normal deviate" if normal else "the fraction of the range in force"
            self.notes.add(f"`{d.name} ~ {dist_text(dist)}`: hyperopt bounds are constants; "
                           f"hyperopt samples {what} and hpdsl.convert.from_hyperopt maps it "
                           "to the value")
            return f"hp.normal({label}, 0, 1)" if normal else f"hp.uniform({label}, 0, 1)"
        if kind == "randint":  # hyperopt's upper bound is exclusive
            return f"hp.randint({label}, {int(dist.const('low'))}, {int(dist.const('high')) + 1})"
        if kind in ("uniform", "loguniform"):
            lo, hi = dist.const("low"), dist.const("high")
            if kind == "uniform":
                return f"hp.uniform({label}, {lo!r}, {hi!r})"
            return f"hp.loguniform({label}, math.log({lo!r}), math.log({hi!r}))"
        if kind in ("quniform", "qloguniform"):
            lo, hi, q = dist.const("low"), dist.const("high"), dist.const("q")
            kmin, kmax = math.ceil(lo / q - 1e-9), math.floor(hi / q + 1e-9)
            if not (math.isclose(lo, kmin * q) and math.isclose(hi, kmax * q)):
                self.notes.add(f"`{d.name} ~ {dist_text(dist)}`: the bounds are not multiples "
                               f"of q; hyperopt samples between {kmin * q:g} and {kmax * q:g}")
            lo, hi = _clean(kmin * q), _clean(kmax * q)
            bounds = f"{lo!r}, {hi!r}" if kind == "quniform" else \
                f"math.log({lo!r}), math.log({hi!r})"
            expr = f"hp.{kind}({label}, {bounds}, {_clean(q)!r})"
        else:
            args = ", ".join(repr(dist.const(a)) for a in ir.DISTRIBUTIONS[kind])
            expr = f"hp.{kind}({label}, {args})"
        return f"scope.int({expr})" if dist.integer else expr


def _in_docstring(text: str) -> str:
    """`text` (a `repr`, so one line of printable characters) made safe inside a
    triple-quoted string: no quote can end it and no backslash can start an escape."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _clean(x: float) -> float | int:
    return int(round(x)) if math.isclose(x, round(x), abs_tol=1e-12) else x


def _all(conditions: tuple[ir.RExpr, ...], fixed: Mapping[str, ir.Value]) -> bool | None:
    """Whether every condition holds given `fixed`: True, False, or None when it depends on
    names not fixed yet (a condition still unknown with all its names fixed is false, as
    hpdsl decides it: `x ** 2000 > 1` overflows)."""
    unknown = False
    for c in conditions:
        v, known = evaluate(c, fixed)
        if not known and ir.refs(c) <= fixed.keys():
            return False
        if not known:
            unknown = True
        elif not v:
            return False
    return None if unknown else True


def _gateable(d: ir.Decl) -> bool:
    dist = d.dist
    if dist is None or dist.dependent:
        return False
    if dist.is_choice:
        return True
    return dist.kind == "randint" and dist.const("high") - dist.const("low") < MAX_GATE


def _ordered_refs(e: ir.RExpr) -> list[str]:
    """The names an expression reads, in the order they are written."""
    return sorted(ir.refs(e), key=lambda n: _first_position(e, n))


def _first_position(e: ir.RExpr, name: str) -> int:
    best = math.inf
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ir.Ref) and node.name == name:
            best = min(best, node.span.start)
        for attr in ("left", "right", "operand"):
            child = getattr(node, attr, None)
            if child is not None:
                stack.append(child)
        stack += list(getattr(node, "operands", ())) + list(getattr(node, "args", ()))
    return int(best) if best != math.inf else 0
