"""Values and resolved expressions back to `.hps` source: the one printer of values, used by
messages, `hpdsl show`, `hpdsl fmt` and the converters."""

from __future__ import annotations

import re

from . import ir

KEYWORDS = frozenset({"and", "default", "elif", "else", "false", "False", "for", "forbid",
                      "if", "in", "include", "not", "null", "or", "require", "then", "true",
                      "True"})
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ESCAPES = {"\\": r"\\", '"': r"\"", "\n": r"\n", "\r": r"\r", "\t": r"\t", "\0": r"\0"}

_PREC = {"or": 1, "and": 2, "not": 3, "cmp": 4, "+": 5, "-": 5, "*": 6, "/": 6, "//": 6,
         "neg": 7, "**": 8, "atom": 9}


def is_name(word: str) -> bool:
    """Whether `word` reads back as a name (or a bare label), not as a keyword."""
    return bool(_NAME.fullmatch(word)) and word not in KEYWORDS


def string_text(text: str) -> str:
    """`text` as a double-quoted string literal that reads back as `text`."""
    return '"' + "".join(_ESCAPES.get(c, c) for c in text) + '"'


def literal(v: ir.Value) -> str:
    """A constant as source: `true`/`false`, `null`, numbers as Python writes them, strings
    quoted."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return string_text(v)
    return repr(v)


def value_text(v: ir.Value) -> str:
    """A constant where a label may stand (an option, a default, a value compared with a
    choice): a string that is a name is written as a bare word."""
    return v if isinstance(v, str) and is_name(v) else literal(v)


def expr_text(e: ir.RExpr) -> str:
    return _text(e)[0]


def _wrap(e: ir.RExpr, prec: int) -> str:
    text, own = _text(e)
    return f"({text})" if own < prec else text


def _text(e: ir.RExpr) -> tuple[str, int]:
    if isinstance(e, ir.Const):
        return value_text(e.value), _PREC["atom"]
    if isinstance(e, ir.Ref):
        return e.name, _PREC["atom"]
    if isinstance(e, ir.BinOp):
        p = _PREC[e.op]
        right_p = p if e.op == "**" else p + 1
        left_p = p + 1 if e.op == "**" else p
        return f"{_wrap(e.left, left_p)} {e.op} {_wrap(e.right, right_p)}", p
    if isinstance(e, ir.UnaryOp):
        return f"-{_wrap(e.operand, _PREC['neg'])}", _PREC["neg"]
    if isinstance(e, ir.Call):
        return f"{e.func}({', '.join(_text(a)[0] for a in e.args)})", _PREC["atom"]
    if isinstance(e, ir.Compare):
        p = _PREC["cmp"]
        return f"{_wrap(e.left, p + 1)} {e.op} {_wrap(e.right, p + 1)}", p
    if isinstance(e, ir.In):
        opts = ", ".join(value_text(o) for o in e.options)
        kw = "not in" if e.negated else "in"
        return f"{_wrap(e.operand, _PREC['cmp'] + 1)} {kw} {{{opts}}}", _PREC["cmp"]
    if isinstance(e, ir.And):
        p = _PREC["and"]
        return " and ".join(_wrap(o, p + 1) for o in e.operands), p
    if isinstance(e, ir.Or):
        p = _PREC["or"]
        return " or ".join(_wrap(o, p + 1) for o in e.operands), p
    if isinstance(e, ir.Not):
        inner = e.operand
        if isinstance(inner, ir.Compare):  # `not a == b` reads better as `a != b`
            opposite = ir.NEGATED_COMPARE[inner.op]
            return _text(ir.Compare(opposite, inner.left, inner.right, inner.span))
        if isinstance(inner, ir.In):
            return _text(ir.In(inner.operand, inner.options, not inner.negated, inner.span))
        return f"not {_wrap(inner, _PREC['not'])}", _PREC["not"]
    raise TypeError(type(e).__name__)


def dist_text(d: ir.DistSpec) -> str:
    if d.kind == "choice":
        return f"choice({', '.join(value_text(o) for o in d.options)})"
    if d.kind == "pchoice":
        pairs = ", ".join(f"{w:g}: {value_text(o)}" for w, o in zip(d.weights, d.options,
                                                                    strict=True))
        return f"pchoice({pairs})"
    return f"{d.kind}({', '.join(expr_text(a) for a in d.args.values())})"


def fidelity_text(f: ir.Fidelity) -> str:
    """`fidelity(1, 81, 3)`, as written (the reduction factor only when given)."""
    args = [f.min, f.max] + ([] if f.reduction_factor is None else [f.reduction_factor])
    return f"fidelity({', '.join(str(a) for a in args)})"
