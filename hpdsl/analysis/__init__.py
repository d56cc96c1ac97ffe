"""Source to resolved declarations: includes, loops, names, types, the dependency graph.

`analyse_text` and `analyse_file` return an `Analysis`, the diagnostics found so
far; semantic checks that need to evaluate the space run after compilation
(`hpdsl.compile`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from .._arguments import binary_problem
from ..diagnostics import Diagnostic, Span
from ..syntax import parse
from ..syntax.ast import Module
from . import ir
from ._collect import Collector, read_source
from ._distributions import default_problem
from ._fidelity import duplicate_fidelities
from ._graph import build_graph, cycle_diagnostics, sampling_order
from ._recorded import join_sources, split_sources
from ._resolve import Resolver
from .ir import type_name

__all__ = ["analyse_file", "analyse_text", "default_problem", "ir", "join_sources", "read_source",
           "split_sources", "type_name"]


@contextmanager
def _deep_recursion() -> Iterator[None]:
    """Analysis recurses over nested blocks; allow the depths the parser admits."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old, 20_000))
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


Result = tuple["ir.Analysis | None", list[Diagnostic], dict[str, str]]


def analyse_text(text: str, path: str = "<string>", base_dir: str | None = None,
                 real_path: str | None = None,
                 recorded: Mapping[str, str] | None = None) -> Result:
    """Analyse source text: the Analysis (None when errors prevent building it), the
    diagnostics, and the text of every file read (included ones too), for rendering.

    With `recorded` (included texts by path, as a study records them), includes are
    looked up there and no file is read."""
    if text.startswith("\ufeff"):  # a byte order mark is not part of the text
        text = text[1:]
    problem = binary_problem(text, path, "text" if real_path is None else "file")
    if problem is not None:
        return None, [problem], {path: text}
    module, diags = parse(text, path)
    if module is None:
        return None, diags, {path: text}
    # a recorded space never asks the filesystem, not even for the working directory
    base = base_dir or ("" if recorded is not None else os.getcwd())
    try:
        with _deep_recursion():
            return _analyse(module, text, Collector(base, recorded), real_path)
    except RecursionError:
        return None, [Diagnostic("HPS003", "the space is nested too deeply to analyse",
                                 Span.point(path, 1, 1))], {path: text}


def analyse_file(path: str) -> Result:
    text, problem = read_source(path)
    if problem is not None:
        return None, [problem], {}
    assert text is not None
    return analyse_text(text, path, os.path.dirname(os.path.abspath(path)), path)


def _analyse(module: Module, text: str, collector: Collector, real_path: str | None
             ) -> Result:
    collected = collector.module(module, text, real_path)
    diags = list(collected.diagnostics)
    if collector.over_limit:  # what was collected is cut short: checking it says nothing
        return None, list(dict.fromkeys(diags)), collected.sources
    resolver = Resolver(collected)
    decls, constraints, branches = resolver.run()
    diags += resolver.diags
    diags += _name_conflicts(decls)
    diags += duplicate_fidelities(decls)
    analysis = ir.Analysis(module.path, decls, constraints, branches, collected.sources,
                           types=resolver.types, loops=collected.loops)
    graph = build_graph(decls)
    diags += cycle_diagnostics(graph, decls)
    diags = list(dict.fromkeys(diags))  # a loop body repeats its mistakes once per item
    if any(d.is_error for d in diags):
        return None, diags, collected.sources
    analysis.graph = graph
    analysis.order = sampling_order(graph, decls)
    return analysis, diags, collected.sources


def _name_conflicts(decls: list[ir.Decl]) -> list[Diagnostic]:
    """A path that is both a value and a container (stage or list) of other values."""
    leaves: dict[tuple[str | int, ...], ir.Decl] = {}
    for d in decls:
        leaves.setdefault(d.path, d)
    out = []
    reported: set[tuple[str | int, ...]] = set()
    for d in decls:
        for cut in range(1, len(d.path)):
            prefix = d.path[:cut]
            if prefix in leaves and prefix not in reported:
                reported.add(prefix)
                other = leaves[prefix]
                kind = "list" if isinstance(d.path[cut], int) else "stage"
                out.append(Diagnostic("HPS115", f"`{other.name}` is a value and also a {kind} "
                                      f"holding `{d.name}`", other.span,
                                      help="rename one of them"))
    return out
