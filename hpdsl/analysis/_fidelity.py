"""Pass 2, fidelity: check `epochs ~ fidelity(min, max[, reduction_factor])`.

A fidelity is the resource a trial is trained for, which pruners hand out in rungs;
it is not searched. Its arguments must be constant integers, 1 <= min < max, the
reduction factor >= 2; it takes no default, and it stands outside every condition and
loop (a budget that exists only sometimes cannot be scheduled). One per space: the
check over the whole space is `duplicate_fidelities`.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic
from ..syntax import ast
from . import ir
from ._collect import RawDecl
from ._distributions import Resolving
from ._static import StaticError, static_value
from ._wording import show
from .evaluate import EXACT_INT

_ARGS = ("min", "max", "reduction_factor")
_FORM = "`fidelity(min, max)` or `fidelity(min, max, reduction_factor)`"


def resolve_fidelity(r: Resolving, raw: RawDecl, st: ast.Sample) -> ir.Fidelity | None:
    """The fidelity a declaration states, or None after reporting why it cannot be one."""
    d = st.dist
    ok = True
    if raw.conds or raw.scope.loop:
        where = "a loop" if raw.scope.loop else "a condition"
        name = raw.name.split("[")[0]  # a loop's items repeat one mistake: say it once
        r.report("HPS212", f"the fidelity `{name}` is declared inside {where}", d.span,
                 label="a budget that exists only sometimes cannot be scheduled",
                 help="declare the fidelity at the top level (a stage is fine), outside "
                 "every `if` and `for`")
        ok = False
    if st.default is not None:
        r.report("HPS118", "a fidelity takes no default: trials are trained up to its "
                 "maximum, pruned ones stop earlier", st.default.span)
        ok = False
    if not 2 <= len(d.args) <= 3 or any(a.weight is not None for a in d.args):
        r.report("HPS118", f"`fidelity` takes 2 or 3 arguments, got {len(d.args)}", d.span,
                 help=f"{_FORM}, e.g. `epochs ~ fidelity(1, 81, 3)`")
        return None
    values: list[int] = []
    for name, a in zip(_ARGS, d.args, strict=False):
        try:
            v = static_value(a.value, {})
        except StaticError:
            v = None
        if isinstance(v, float) and v.is_integer() and abs(v) <= EXACT_INT:
            v = int(v)
        if not isinstance(v, int) or isinstance(v, bool):
            r.report("HPS118", f"the fidelity's {name} must be a constant integer, got "
                     f"{show(v) if v is not None else 'an expression over parameters'}",
                     a.value.span, help=_FORM)
            return None
        values.append(v)
    low, high = values[0], values[1]
    if low < 1:
        r.report("HPS118", f"the fidelity's min must be at least 1, got {low}",
                 d.args[0].value.span, help="the smallest budget a trial is trained for, "
                 "e.g. 1 epoch")
        ok = False
    if low >= high:
        r.report("HPS118", f"the fidelity's min ({low}) must be below its max ({high})",
                 d.span, help="`fidelity(min, max)`: a trial trains for at most max, a "
                 "pruned one for at least min")
        ok = False
    factor = values[2] if len(values) == 3 else None
    if factor is not None and factor < 2:
        r.report("HPS118", f"the reduction factor must be at least 2, got {factor}",
                 d.args[2].value.span, help="each rung keeps 1 trial in reduction_factor; "
                 "3 is the usual choice")
        ok = False
    if not ok:
        return None
    return ir.Fidelity(raw.name, low, high, factor, d.span)


def duplicate_fidelities(decls: list[ir.Decl]) -> list[Diagnostic]:
    """A space has one fidelity at most: pruners schedule a single resource."""
    found = [d for d in decls if d.fidelity is not None]
    return [Diagnostic("HPS211", f"a second fidelity `{d.name}`: a space has one at most",
                       d.span, help=f"the fidelity is `{found[0].name}` (line "
                       f"{found[0].span.line}); derive other budgets from it, e.g. "
                       f"`{d.name.split('.')[-1]} = 2 * {found[0].name}`")
            for d in found[1:]]
