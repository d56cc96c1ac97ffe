"""`hpdsl show`: what a space contains, as the compiler understood it."""

from __future__ import annotations

import argparse
import json
import math

from ..analysis.ir import Fidelity, LoopInfo
from ..analysis.unparse import value_text
from ..compile import Parameter, Space
from ..errors import HpsError
from ._common import add_colour_argument, load_space, printable

DESCRIPTION = """\
Describe a space as hpdsl compiled it: each parameter with its distribution,
default and the condition under which it is active; derived values; the
fidelity (the budget pruners hand out, not searched); constraints; and the
number of configurations (exact when every parameter is discrete). A name
declared in several exclusive branches is listed once per declaration.

If the file has errors they are reported as by `hpdsl lint` (on stderr) and
the exit status is 1 (2 if it cannot be read)."""
EPILOG = """\
examples:
  hpdsl show examples/classifier.hps
  hpdsl show --format json space.hps | jq '.parameters[].name'"""

INFINITE = "infinite (continuous parameters)"
TOO_LARGE = "too large to count"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the space file")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text for people (default), json for programs")
    add_colour_argument(parser)


def run(args: argparse.Namespace) -> int:
    space, code = load_space(args.file, args.no_color)
    if space is None:
        return code
    size = _size(space)
    if args.format == "json":
        print(json.dumps(_as_json(args.file, space, size), indent=2, allow_nan=False))
    else:
        print(_as_text(args.file, space, size))
    return 0


def _size(space: Space) -> int | str:
    """The exact count, or why there is none."""
    try:
        size = space.size()
    except HpsError:
        return TOO_LARGE
    return INFINITE if size == math.inf else int(size)


def _size_text(size: int | str) -> str:
    if isinstance(size, str):
        return size
    return f"{size:,} configuration" + ("" if size == 1 else "s")


def _as_json(path: str, space: Space, size: int | str) -> dict[str, object]:
    return {
        "file": path,
        "parameters": [
            {"key": p.key, "name": p.name, "kind": p.kind,
             "type": p.type,
             "distribution": p.distribution, "default": p.default,
             "condition": p.condition or None}
            for p in space.parameters
        ],
        "loops": [{"line": loop.span.line, "variable": loop.var, "start": loop.start,
                   "stop": loop.stop, "items": _items(loop), "fewest": loop.fewest,
                   "most": loop.most} for loop in space.loops],
        "fidelity": None if space.fidelity is None else {
            "name": space.fidelity.name, "min": space.fidelity.min, "max": space.fidelity.max,
            "reduction_factor": space.fidelity.reduction_factor},
        "constraints": space.constraints,
        "size": size if isinstance(size, int) else None,
        "size_text": _size_text(size),
    }


def _as_text(path: str, space: Space, size: int | str) -> str:
    params = space.parameters
    sampled = [p for p in params if p.kind == "sampled"]
    derived = [p for p in params if p.kind == "derived"]
    out = [f"space {printable(path)}", ""]
    out += _table(f"Parameters ({len(sampled)})",
                  ("name", "distribution", "default", "active when"),
                  [(p.name, p.distribution, _default(p), p.condition or "always")
                   for p in sampled])
    if derived:
        out += _table(f"Derived values ({len(derived)})", ("name", "value", "active when"),
                      [(p.name, p.distribution, p.condition or "always") for p in derived])
    if space.fidelity is not None:
        out += _table("Fidelity (not searched; the objective receives the max)",
                      ("name", "min", "max", "reduction factor"),
                      [_fidelity_row(space.fidelity)])
    if space.loops:
        out += _table(f"Loops ({len(space.loops)})", ("loop", "line", "items"),
                      [(f"for {loop.var} in {loop.start}..{loop.stop}", str(loop.span.line),
                        _items_text(loop)) for loop in space.loops])
    if space.constraints:
        out += [f"Constraints ({len(space.constraints)})"]
        out += [f"  {printable(c)}" for c in space.constraints] + [""]
    out.append(f"Size: {_size_text(size)}")
    return "\n".join(out)


def _fidelity_row(f: Fidelity) -> tuple[str, ...]:
    factor = "pruner's default" if f.reduction_factor is None else str(f.reduction_factor)
    return (f.name, str(f.min), str(f.max), factor)


def _items(loop: LoopInfo) -> str:
    """How many items a loop has: both ends are included."""
    if loop.fewest == loop.most:
        return str(loop.most)
    return f"{loop.stop} + {1 - loop.start}" if loop.start < 1 else (
        f"{loop.stop} - {loop.start - 1}" if loop.start > 1 else loop.stop)


def _items_text(loop: LoopInfo) -> str:
    count = _items(loop)
    if loop.fewest == loop.most:
        return f"{count} (both ends included)"
    return f"{count}: {loop.fewest} to {loop.most} (both ends included)"


def _default(p: Parameter) -> str:
    return value_text(p.default) if p.has_default else ""


def _table(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    """A titled, left-aligned table; the last column is not padded; control characters
    escaped."""
    if not rows:
        return [title, "  (none)", ""]
    rows = [tuple(printable(cell) for cell in row) for row in rows]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    lines = [title]
    for row in [header, *rows]:
        cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=False)] + [row[-1]]
        lines.append(("  " + "  ".join(cells)).rstrip())
    return lines + [""]
