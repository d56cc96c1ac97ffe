"""Pass 3: the dependency graph, its cycles and a sampling order."""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from ..diagnostics import Diagnostic, Note
from . import ir


def build_graph(decls: list[ir.Decl]) -> nx.DiGraph:
    """Declarations as nodes (by key); edges from what is read to what reads it.

    Edge attribute `kind` is "condition" (the target is conditioned on the source)
    or "depends" (the target's bounds or value use the source).
    """
    graph = nx.DiGraph()
    keys_of: dict[str, list[str]] = defaultdict(list)
    for d in decls:
        keys_of[d.name].append(d.key)
        graph.add_node(d.key, name=d.name, kind="param" if d.sampled else "derived",
                       dist=d.dist.kind if d.dist else None, span=d.span)
    refs: dict[int, set[str]] = {}  # conditions are shared by the declarations of a branch
    for d in decls:
        cond_names: set[str] = set()
        for c in d.conditions:
            if id(c) not in refs:
                refs[id(c)] = ir.refs(c)
            cond_names |= refs[id(c)]
        for name in cond_names:
            for src in keys_of.get(name, []):
                graph.add_edge(src, d.key, kind="condition")
        for name in d.reads():
            for src in keys_of.get(name, []):
                if graph.has_edge(src, d.key):
                    graph.edges[src, d.key]["kind"] = "depends"
                else:
                    graph.add_edge(src, d.key, kind="depends")
    return graph


def cycle_diagnostics(graph: nx.DiGraph, decls: list[ir.Decl]) -> list[Diagnostic]:
    """One diagnostic per strongly connected group of declarations that read each other."""
    by_key = {d.key: d for d in decls}
    out = []
    for comp in nx.strongly_connected_components(graph):
        if len(comp) == 1:
            (only,) = comp
            if not graph.has_edge(only, only):
                continue
            cycle = [only, only]
        else:
            sub = graph.subgraph(comp)
            edges = nx.find_cycle(sub)
            # edges run from what is read to what reads it; show "depends on" order
            cycle = [edges[0][0]] + [e[0] for e in reversed(edges)]
        names = [by_key[k].name for k in cycle]
        first = by_key[cycle[0]]
        notes = tuple(Note(by_key[k].span, f"`{by_key[k].name}` is declared here")
                      for k in dict.fromkeys(cycle[1:-1]))
        out.append(Diagnostic("HPS202", "dependency cycle: " + " -> ".join(f"`{n}`" for n in names),
                              first.span, label="depends on itself through the cycle",
                              help="each name uses the next one in its bounds, value or "
                              "condition; break one of these links",
                              notes=notes))
    return out


def sampling_order(graph: nx.DiGraph, decls: list[ir.Decl]) -> list[str]:
    """Keys in an order where everything a declaration reads comes before it.

    Ties keep source order so that the order (and so the coordinates) are stable.
    """
    position = {d.key: i for i, d in enumerate(decls)}
    return list(nx.lexicographical_topological_sort(graph, key=lambda k: position[k]))
