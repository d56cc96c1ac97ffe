"""Pass 2: resolve names and labels, and check types.

Distribution calls and defaults are checked by `_distributions`, which this pass
calls for each sampled declaration.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable

from ..diagnostics import Diagnostic, Span
from ..syntax import ast
from . import ir
from ._collect import Collected, LoopCond, RawCond, RawDecl, Scope
from ._distributions import resolve_default, resolve_dist
from ._fidelity import resolve_fidelity
from ._static import StaticError, exact, static_value, too_large
from ._wording import did_you_mean, show
from .evaluate import (
    EXACT_INT,
    FLOAT_MAX,
    FUNC_ARITY,
    Undefined,
    arith,
    call,
    compare,
    inexact_int,
)
from .ir import NUMERIC, option_key, type_name


class _Label:
    """A bare word that is not a parameter: a label if the context allows one."""

    __slots__ = ("word", "span")

    def __init__(self, word: str, span: Span) -> None:
        self.word = word
        self.span = span


class Resolver:
    def __init__(self, collected: Collected) -> None:
        self.c = collected
        self.diags: list[Diagnostic] = []
        self.by_name: dict[str, list[RawDecl]] = defaultdict(list)
        for d in collected.decls:
            self.by_name[d.name].append(d)
        self.options: dict[str, list[ir.Value]] = {}
        self.types: dict[str, frozenset[str]] = {}
        self.deferred: list[Callable[[], None]] = []
        self._cond_cache: dict[int, ir.RExpr | None] = {}
        self._derived_exprs: dict[str, list[ir.RExpr]] = defaultdict(list)
        self._typing: set[str] = set()

    def report(self, code: str, message: str, span: Span, *, label: str | None = None,
               help: str | None = None) -> None:
        self.diags.append(Diagnostic(code, message, span, label=label, help=help))

    # --- names ---------------------------------------------------------------------
    def lookup(self, parts: tuple[str, ...], scope: Scope) -> str | None:
        for depth in range(len(scope.stage), -1, -1):
            cand = ".".join((*scope.stage[:depth], *parts))
            if cand in self.by_name:
                return cand
        return None

    def _is_list_base(self, parts: tuple[str, ...], scope: Scope) -> str | None:
        for depth in range(len(scope.stage), -1, -1):
            cand = ".".join((*scope.stage[:depth], *parts))
            if cand in self.c.list_bases:
                return cand
        return None

    def _visible(self, scope: Scope) -> list[str]:
        out = list(scope.bindings())
        for name in self.by_name:
            out.append(name)
            for depth in range(len(scope.stage), 0, -1):
                prefix = ".".join(scope.stage[:depth]) + "."
                if name.startswith(prefix):
                    out.append(name[len(prefix):])
        return out

    # --- pre-pass: what every name can hold ----------------------------------------------
    def prepass(self) -> None:
        for name, decls in self.by_name.items():
            opts: list[ir.Value] = []
            for d in decls:
                if isinstance(d.stmt, ast.Sample) and d.stmt.dist.name in ir.CHOICE_DISTS:
                    for arg in d.stmt.dist.args:
                        try:
                            opts.append(self.option_value(arg.value, d.scope))
                        except StaticError:
                            pass
            if opts:
                self.options[name] = opts

    def option_value(self, expr: ast.Expr, scope: Scope) -> ir.Value:
        """An option of a choice: a bare word is a label; raises StaticError if it is not a
        constant."""
        if isinstance(expr, ast.Name) and expr.name not in scope.bindings():
            return expr.name
        return static_value(expr, scope.bindings())

    # --- expressions --------------------------------------------------------------------
    def value(self, e: ast.Expr, scope: Scope) -> ir.RExpr | None:
        """Resolve an expression whose bare words must all be parameters."""
        r = self._expr(e, scope)
        if isinstance(r, _Label):
            self._unknown(r, scope)
            return None
        return r

    def _unknown(self, label: _Label, scope: Scope) -> None:
        self.report("HPS101", f"unknown name `{label.word}`", label.span,
                   label="not a parameter, loop variable or label",
                   help=did_you_mean(label.word, self._visible(scope)))

    def _expr(self, e: ast.Expr, scope: Scope) -> ir.RExpr | _Label | None:
        if isinstance(e, ast.Number | ast.String | ast.Bool | ast.Null):
            return self._const(e.value, e.span)
        if isinstance(e, ast.Name):
            bindings = scope.bindings()
            if e.name in bindings:
                return ir.Const(bindings[e.name], e.span)
            found = self.lookup((e.name,), scope)
            if found is not None:
                return ir.Ref(found, e.span)
            base = self._is_list_base((e.name,), scope)
            if base is not None:
                self.report("HPS114", f"`{e.name}` is a list of loop items; refer to one item",
                           e.span, help=f"for example `{e.name}[i]` or `{e.name}[1]`")
                return None
            return _Label(e.name, e.span)
        if isinstance(e, ast.Dotted):
            found = self.lookup(e.parts, scope)
            if found is None:
                shown = ".".join(e.parts)
                self.report("HPS101", f"unknown name `{shown}`", e.span,
                           help=did_you_mean(shown, self.by_name))
                return None
            return ir.Ref(found, e.span)
        if isinstance(e, ast.Index):
            return self._index(e, scope)
        if isinstance(e, ast.UnaryOp):
            inner = self.value(e.operand, scope)
            if inner is None:
                return None
            self.need_numeric(inner, e.span, f"`{e.op}`")
            if e.op == "+":
                return inner
            if isinstance(inner, ir.Const) and isinstance(inner.value, int | float):
                return ir.Const(-inner.value, e.span)
            return ir.UnaryOp(inner, e.span)
        if isinstance(e, ast.BinOp):
            left, right = self.value(e.left, scope), self.value(e.right, scope)
            if left is None or right is None:
                return None
            self.need_numeric(left, e.span, f"`{e.op}`")
            self.need_numeric(right, e.span, f"`{e.op}`")
            if isinstance(left, ir.Const) and isinstance(right, ir.Const):
                try:
                    folded = arith(e.op, left.value, right.value)
                    return self._const(exact(e.op, left.value, right.value, folded), e.span)
                except Undefined as err:
                    if "non-number" not in str(err):
                        self.report("HPS105", f"cannot compute `{e.op}` on these constants: {err}",
                                   e.span)
                        return None
            return ir.BinOp(e.op, left, right, e.span)
        if isinstance(e, ast.Call):
            return self._call(e, scope)
        if isinstance(e, ast.Compare):
            return self._compare(e, scope)
        if isinstance(e, ast.In):
            return self._member(e, scope)
        if isinstance(e, ast.And | ast.Or):
            ops = [self.cond(o, scope) for o in e.operands]
            if any(o is None for o in ops):
                return None
            node = ir.And if isinstance(e, ast.And) else ir.Or
            return node(tuple(o for o in ops if o is not None), e.span)
        if isinstance(e, ast.Not):
            inner_c = self.cond(e.operand, scope)
            return None if inner_c is None else ir.Not(inner_c, e.span)
        return None

    def _const(self, value: ir.Value, span: Span) -> ir.Const | None:
        """A constant, refused when no float holds it (sampling runs on floats)."""
        if too_large(value):
            self.report("HPS105", f"number too large: the largest is about {FLOAT_MAX:.3g}", span)
            return None
        if isinstance(value, int) and inexact_int(value):
            self.inexact(value, span)
            return None
        return ir.Const(value, span)

    def inexact(self, value: int, span: Span, alternative: str = "") -> None:
        """Report an integer beyond 2**53, which floats would round."""
        self.report("HPS105", f"the integer {value} is beyond 2**53 ({EXACT_INT}), where numbers "
                    "lose their last digits", span, label="integers must lie within +-2**53",
                    help=f"write it as a float ({float(value):.6g}) if an approximate value will "
                    f"do{alternative}")

    def _index(self, e: ast.Index, scope: Scope) -> ir.RExpr | None:
        try:
            item = static_value(e.index, scope.bindings())
        except StaticError:
            self.report("HPS114", f"the index of `{e.name}[...]` must be a loop variable or a "
                       "constant", e.index.span, help="for example `units[i]` or `units[i - 1]`")
            return None
        if not isinstance(item, int) or isinstance(item, bool):
            self.report("HPS114", f"the index of `{e.name}[...]` must be an integer", e.index.span)
            return None
        found = self.lookup((f"{e.name}[{item}]",), scope)
        if found is None:
            base = self._is_list_base((e.name,), scope)
            if base is None:
                self.report("HPS101", f"unknown name `{e.name}`", e.span,
                           help=did_you_mean(e.name, self.c.list_bases))
            else:
                items = sorted(int(n[len(base) + 1:-1]) for n in self.by_name
                               if n.startswith(base + "[") and n.endswith("]"))
                self.report("HPS114", f"`{e.name}[{item}]` does not exist", e.span,
                           label=f"items are {items[0]}..{items[-1]}" if items else None)
            return None
        return ir.Ref(found, e.span)

    def _call(self, e: ast.Call, scope: Scope) -> ir.RExpr | None:
        if e.func in ir.DISTRIBUTIONS:
            self.report("HPS112", f"`{e.func}` is a distribution, not a function", e.func_span,
                        label="distributions are sampled, not called",
                        help=f"declare a sampled parameter with `~`: `name ~ {e.func}(...)`; "
                        "a bound or derived value can then read it by name")
            return None
        if e.func not in FUNC_ARITY:
            self.report("HPS112", f"unknown function `{e.func}`", e.func_span,
                       label="not allowed in a space file",
                       help=did_you_mean(e.func, FUNC_ARITY) or
                       "expressions may use only + - * / // ** min max log exp round")
            return None
        lo, hi = FUNC_ARITY[e.func]
        if len(e.args) < lo or (hi is not None and len(e.args) > hi):
            want = f"{lo}" if lo == hi else f"at least {lo}"
            self.report("HPS105", f"`{e.func}` takes {want} argument{'s' if lo != 1 else ''}, "
                       f"got {len(e.args)}", e.span)
            return None
        args = [self.value(a, scope) for a in e.args]
        if any(a is None for a in args):
            return None
        resolved = tuple(a for a in args if a is not None)
        for a in resolved:
            self.need_numeric(a, e.span, f"`{e.func}`")
        if all(isinstance(a, ir.Const) for a in resolved):
            try:
                values = [a.value for a in resolved if isinstance(a, ir.Const)]
                if not any(isinstance(v, str | bool | None) for v in values):
                    return self._const(call(e.func, values), e.span)
            except Undefined as err:
                self.report("HPS105", f"`{e.func}` cannot take these arguments: {err}", e.span)
                return None
        return ir.Call(e.func, resolved, e.span)

    def cond(self, e: ast.Expr, scope: Scope) -> ir.RExpr | None:
        """Resolve a condition: an expression that must be true or false."""
        r = self._expr(e, scope)
        if isinstance(r, _Label):
            self._unknown(r, scope)
            return None
        if r is None:
            return None
        if isinstance(r, ir.Ref):
            name = r.name
            span = r.span

            def check() -> None:
                t = self.type_of(ir.Ref(name, span))
                if t and t != frozenset({"bool"}):
                    self.report("HPS103", f"`{name}` is not true/false and cannot be a condition "
                               "on its own", span,
                               help=f"compare it, e.g. `{name} == ...`")
            self.deferred.append(check)
        elif isinstance(r, ir.Const) and not isinstance(r.value, bool):
            self.report("HPS103", "a constant that is not true/false cannot be a condition", r.span)
            return None
        elif isinstance(r, ir.BinOp | ir.UnaryOp | ir.Call):
            self.report("HPS103", "an arithmetic expression is not a condition", r.span,
                       help="compare it with something, e.g. `... > 0`")
            return None
        return r

    def _labels_of(self, r: ir.RExpr | _Label | None) -> list[ir.Value] | None:
        if isinstance(r, ir.Ref) and r.name in self.options:
            return self.options[r.name]
        return None

    def _as_label(self, side: ir.RExpr | _Label | None, raw: ast.Expr,
                  options: list[ir.Value] | None) -> ir.RExpr | _Label | None:
        """A bare word that names an option of the other side is that option."""
        if options is None or not isinstance(raw, ast.Name):
            return side
        labels = [o for o in options if isinstance(o, str)]
        if raw.name in labels or (isinstance(side, _Label) and labels):
            return ir.Const(raw.name, raw.span)
        return side

    def _check_option(self, ref: ir.Ref, value: ir.Value, span: Span) -> bool:
        options = self.options.get(ref.name)
        if options is None:
            return True
        keys = {option_key(o) for o in options}
        if option_key(value) in keys:
            return True
        kinds = {type_name(o) for o in options}
        vkind = type_name(value)
        if vkind == "str" and kinds <= NUMERIC | {"bool"} or vkind != "str" and kinds == {"str"}:
            self.report("HPS103", f"`{ref.name}` is a {_kinds(kinds)} choice, compared with "
                       f"the {_kinds({vkind})} {show(value)}", span,
                       help=f"options are {', '.join(show(o) for o in options)}")
            return False
        self.report("HPS102", f"{show(value)} is not an option of `{ref.name}`", span,
                   label=f"options are {', '.join(show(o) for o in options)}",
                   help=did_you_mean(str(value), [str(o) for o in options]))
        return False

    def _compare(self, e: ast.Compare, scope: Scope) -> ir.RExpr | None:
        left = self._expr(e.left, scope)
        right = self._expr(e.right, scope)
        left = self._as_label(left, e.left, self._labels_of(right))
        right = self._as_label(right, e.right, self._labels_of(left))
        for side in (left, right):
            if isinstance(side, _Label):
                self._unknown(side, scope)
                return None
        if left is None or right is None:
            return None
        assert not isinstance(left, _Label) and not isinstance(right, _Label)
        for ref, other in ((left, right), (right, left)):
            if isinstance(ref, ir.Ref) and isinstance(other, ir.Const) and e.op in ("==", "!="):
                if not self._check_option(ref, other.value, other.span):
                    return None
        if isinstance(left, ir.Const) and isinstance(right, ir.Const):
            try:
                return ir.Const(compare(e.op, left.value, right.value), e.span)
            except Undefined:
                pass
        node = ir.Compare(e.op, left, right, e.span)
        op = e.op

        def check() -> None:
            lt, rt = self.type_of(left), self.type_of(right)
            if not lt or not rt:
                return
            if op in ("<", "<=", ">", ">="):
                for t, side in ((lt, left), (rt, right)):
                    if not _numeric(t):
                        self.report("HPS103", f"`{op}` needs numbers, but {_describe(side)} is "
                                   f"a {_kinds(t)}", side.span)
                        return
            elif not _compatible(lt, rt):
                self.report("HPS103", f"comparing {_describe(left)} ({_kinds(lt)}) with "
                           f"{_describe(right)} ({_kinds(rt)})", e.span,
                           label="these can never be equal")
        self.deferred.append(check)
        return node

    def _member(self, e: ast.In, scope: Scope) -> ir.RExpr | None:
        left = self.value(e.left, scope)
        if left is None:
            return None
        labels = self._labels_of(left)
        values: list[ir.Value] = []
        ok = True
        for raw in e.options:
            r = self._as_label(self._expr(raw, scope), raw, labels)
            if isinstance(r, _Label):
                self._unknown(r, scope)
                ok = False
                continue
            if r is None:
                ok = False
                continue
            if not isinstance(r, ir.Const):
                self.report("HPS105", "the options of `in {...}` must be constants or labels",
                           raw.span)
                ok = False
                continue
            if isinstance(left, ir.Ref) and not self._check_option(left, r.value, r.span):
                ok = False
                continue
            values.append(r.value)
        if not ok:
            return None
        if isinstance(left, ir.Ref) and left.name not in self.options:
            vals = [ir.Const(v, e.span) for v in values]

            def check() -> None:
                lt = self.type_of(left)
                for v in vals:
                    if lt and not _compatible(lt, frozenset({type_name(v.value)})):
                        self.report("HPS103", f"{_describe(left)} ({_kinds(lt)}) can never be "
                                   f"{show(v.value)}", e.span)
                        return
            self.deferred.append(check)
        return ir.In(left, tuple(values), e.negated, e.span)

    def need_numeric(self, r: ir.RExpr, span: Span, what: str) -> None:
        if isinstance(r, ir.Const):
            if isinstance(r.value, str | bool | None):
                self.report("HPS103", f"{what} needs numbers, not {show(r.value)}", r.span)
            return

        def check() -> None:
            t = self.type_of(r)
            if t and not _numeric(t):
                self.report("HPS103", f"{what} needs numbers, but {_describe(r)} is a "
                           f"{_kinds(t)}", r.span)
        self.deferred.append(check)

    # --- types ------------------------------------------------------------------------
    def type_of(self, r: ir.RExpr) -> frozenset[str]:
        if isinstance(r, ir.Const):
            return frozenset({type_name(r.value)})
        if isinstance(r, ir.Ref):
            return self.name_type(r.name)
        if isinstance(r, ir.BinOp):
            lt, rt = self.type_of(r.left), self.type_of(r.right)
            if r.op == "/" or "float" in lt or "float" in rt:
                return frozenset({"float"})
            return frozenset({"int"})
        if isinstance(r, ir.UnaryOp):
            return self.type_of(r.operand)
        if isinstance(r, ir.Call):
            if r.func in ("log", "exp"):
                return frozenset({"float"})
            if r.func == "round":
                return frozenset({"int"})
            out: frozenset[str] = frozenset()
            for a in r.args:
                out |= self.type_of(a)
            return frozenset({"float"}) if "float" in out else frozenset({"int"})
        return frozenset({"bool"})

    def name_type(self, name: str) -> frozenset[str]:
        if name in self.types:
            return self.types[name]
        if name in self._typing:
            return frozenset()  # a cycle; reported by the graph pass
        self._typing.add(name)
        out: set[str] = set()
        for d in self.by_name.get(name, []):
            st = d.stmt
            if isinstance(st, ast.Sample):
                kind = st.dist.name
                if kind in ir.CHOICE_DISTS:
                    out |= {type_name(v) for v in self.options.get(name, [])}
                elif kind in ("randint", ir.FIDELITY) or self._integer_q.get(name):
                    out.add("int")
                else:
                    out.add("float")
        for r in self._derived_exprs.get(name, []):
            out |= self.type_of(r)
        self._typing.discard(name)
        self.types[name] = frozenset(out)
        return self.types[name]

    # --- declarations -----------------------------------------------------------------
    def conditions(self, conds: tuple[RawCond | LoopCond, ...]) -> tuple[ir.RExpr, ...] | None:
        out: list[ir.RExpr] = []
        for c in conds:
            key = id(c)
            if key not in self._cond_cache:
                self._cond_cache[key] = self._condition(c)
            r = self._cond_cache[key]
            if r is None:
                return None
            out.append(r)
        return tuple(out)

    def _condition(self, c: RawCond | LoopCond) -> ir.RExpr | None:
        if isinstance(c, LoopCond):
            stop = self.value(c.stop, c.scope)
            if stop is None:
                return None
            return ir.Compare(">=", stop, ir.Const(c.item, c.stop.span), c.stop.span)
        r = self.cond(c.expr, c.scope)
        if r is None:
            return None
        return ir.Not(r, r.span) if c.negated else r

    _integer_q: dict[str, bool]

    def run(self) -> tuple[list[ir.Decl], list[ir.ConstraintDecl], list[ir.BranchInfo]]:
        self._integer_q = {}
        self.prepass()
        counts = {name: len(ds) for name, ds in self.by_name.items()}
        seen: dict[str, int] = defaultdict(int)
        decls: list[ir.Decl] = []
        for raw in self.c.decls:
            seen[raw.name] += 1
            key = raw.name if counts[raw.name] == 1 else f"{raw.name}#{seen[raw.name]}"
            conds = self.conditions(raw.conds)
            decl = self._decl(raw, key, conds)
            if decl is not None:
                decls.append(decl)
        constraints = []
        for rc in self.c.constraints:
            conds = self.conditions(rc.conds)
            expr = self.cond(rc.stmt.expr, rc.scope)
            if conds is None or expr is None:
                continue
            text = self.c.sources.get(rc.stmt.span.file, "")
            src = text[rc.stmt.span.start:rc.stmt.span.end] if text else rc.stmt.kind
            constraints.append(ir.ConstraintDecl(rc.stmt.kind, expr, conds, rc.stmt.span, src))
        branches = []
        for b in self.c.branches:
            conds = self.conditions(b.conds)
            branches.append(ir.BranchInfo(conds or (), b.span, b.parent, b.arm))
        for check in self.deferred:
            check()
        for name in self.by_name:
            self.name_type(name)
        return decls, constraints, branches

    def _decl(self, raw: RawDecl, key: str,
              conds: tuple[ir.RExpr, ...] | None) -> ir.Decl | None:
        st = raw.stmt
        if isinstance(st, ast.Assign) and isinstance(st.value, ast.Call) and (
                st.value.func in ir.DISTRIBUTIONS or st.value.func == ir.FIDELITY):
            # `lr = loguniform(...)`: meant `~`
            written = self.c.sources.get(st.span.file, "")[st.value.span.start:st.value.span.end]
            self.report("HPS112", f"`{st.value.func}` is a distribution: a sampled parameter "
                        "is declared with `~`, not `=`", st.value.func_span,
                        label="`=` declares a fixed or derived value",
                        help=f"write `{raw.name.split('.')[-1]} ~ {written or st.value.func}`")
            return None
        if isinstance(st, ast.Assign):
            value = self.value(st.value, raw.scope)
            if value is None or conds is None:
                return None
            if isinstance(value, ir.Const) and isinstance(value.value, float) and not math.isfinite(
                    value.value):
                self.report("HPS105", f"`{raw.name}` is not a finite number", st.value.span,
                           help="derived values must be finite")
                return None
            self._derived_exprs[raw.name].append(value)
            return ir.Decl(key, raw.name, raw.path, conds, st.span, value=value,
                           branch=raw.branch)
        if st.dist.name == ir.FIDELITY:
            fidelity = resolve_fidelity(self, raw, st)
            if fidelity is None or conds is None:
                return None
            return ir.Decl(key, raw.name, raw.path, conds, st.span,
                           value=ir.Const(fidelity.max, st.dist.span), branch=raw.branch,
                           fidelity=fidelity)
        dist = resolve_dist(self, raw, st)
        if dist is None or conds is None:
            return None
        if dist.kind in ir.Q_DISTS:
            self._integer_q[raw.name] = self._integer_q.get(raw.name, False) or dist.integer
        default = resolve_default(self, st, dist, raw.scope)
        return ir.Decl(key, raw.name, raw.path, conds, st.span, dist=dist, default=default,
                       has_default=st.default is not None, branch=raw.branch)


def _numeric(t: frozenset[str]) -> bool:
    """Numbers, or numbers and null (`choice(null, 3, 5)`): arithmetic or an ordering on
    null is unknown, so the derived value or condition reading it is inactive or false."""
    return bool(t - {"null"}) and t - {"null"} <= NUMERIC


def _compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    def norm(t: frozenset[str]) -> set[str]:
        return {"num" if x in NUMERIC else x for x in t}
    return bool(norm(a) & norm(b))


def _kinds(kinds: Iterable[str]) -> str:
    names = {"int": "number", "float": "number", "str": "string", "bool": "boolean"}
    return " or ".join(sorted({names.get(k, k) for k in kinds}))


def _describe(r: ir.RExpr) -> str:
    if isinstance(r, ir.Ref):
        return f"`{r.name}`"
    if isinstance(r, ir.Const):
        return show(r.value)
    return "the expression"
