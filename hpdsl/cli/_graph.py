"""`hpdsl graph`: the dependency graph of a space, for Graphviz, Mermaid or programs."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass

from ..analysis import ir
from ..analysis.unparse import dist_text, expr_text, fidelity_text
from ..compile import Space
from ._common import add_colour_argument, load_space

DESCRIPTION = """\
Print the dependency graph of a space: one node per declaration (its
distribution or derived expression as the label), an edge from each name to
the declarations that read it. A "condition" edge (solid) is labelled with the
conditions of the target that mention the source (`model == svm`); a "depends"
edge (dashed) with the bounds or value that read it. Stages are clusters (dot)
or subgraphs (mermaid).

If the file has errors they are reported as by `hpdsl lint` (on stderr) and
the exit status is 1 (2 if it cannot be read)."""
EPILOG = """\
examples:
  hpdsl graph examples/classifier.hps | dot -Tsvg > classifier.svg
  hpdsl graph --format mermaid examples/pipeline.hps
  hpdsl graph --format json examples/neural_net.hps | jq '.edges[] | select(.kind == "depends")'"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", help="the space file")
    parser.add_argument("--format", choices=("dot", "mermaid", "json"), default="dot",
                        help="dot: Graphviz (default); mermaid: a flowchart; json: nodes and "
                             "edges with their attributes")
    add_colour_argument(parser)


def run(args: argparse.Namespace) -> int:
    space, code = load_space(args.file, args.no_color)
    if space is None:
        return code
    graph = build(space)
    render = {"dot": to_dot, "mermaid": to_mermaid, "json": to_json}[args.format]
    print(render(graph, args.file))
    return 0


@dataclass(frozen=True, slots=True)
class Node:
    key: str
    name: str
    kind: str  # "param" | "derived"
    label: str  # `name ~ dist(...)` or `name = expr`
    stage: tuple[str, ...]  # the stages around it, outermost first
    conditions: tuple[str, ...]
    line: int


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    kind: str  # "condition" | "depends"
    label: str


@dataclass(frozen=True, slots=True)
class Graph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


def build(space: Space) -> Graph:
    """The nodes and labelled edges of `space.graph`, in source order."""
    decls = {d.key: d for d in space.coords.analysis.decls}
    nodes = []
    for key in space.graph.nodes:
        d = decls[key]
        text = (dist_text(d.dist) if d.dist is not None else
                fidelity_text(d.fidelity) if d.fidelity is not None else None)
        label = f"{d.name} ~ {text}" if text is not None else \
            f"{d.name} = {expr_text(d.value) if d.value is not None else '?'}"
        stage = tuple(p for p in d.path[:-1] if isinstance(p, str))
        if isinstance(d.path[-1], int):  # a loop item: its list's key is not a stage
            stage = stage[:-1]
        nodes.append(Node(key, d.name, "param" if d.sampled else "derived", label, stage,
                          tuple(expr_text(c) for c in d.conditions), d.span.line))
    edges = []
    for source, target, kind in space.graph.edges(data="kind"):
        edges.append(Edge(source, target, kind, _edge_label(decls[source].name, decls[target],
                                                            kind)))
    return Graph(tuple(nodes), tuple(edges))


def _edge_label(name: str, target: ir.Decl, kind: str) -> str:
    """The conditions of `target` that mention `name` (condition edges), or the arguments
    and value that read it (depends edges)."""
    if kind == "condition":
        return " and ".join(expr_text(c) for c in target.conditions if name in ir.refs(c))
    parts = []
    if target.dist is not None:
        parts = [f"{arg}: {expr_text(e)}" for arg, e in target.dist.args.items()
                 if name in ir.refs(e)]
    if target.value is not None and name in ir.refs(target.value):
        parts.append(f"= {expr_text(target.value)}")
    return ", ".join(parts)


# --- renderers ------------------------------------------------------------------------


def _dot_str(text: str) -> str:
    """A quoted DOT string: backslashes and quotes escaped, line breaks as `\\n`, other
    control characters as their escaped code, so that no name can end the string."""
    return '"' + "".join(_DOT_ESCAPES.get(c) or (c if c.isprintable() else
                                                ascii(c)[1:-1].replace("\\", "\\\\"))
                         for c in text) + '"'


_DOT_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n"}


def to_dot(graph: Graph, title: str) -> str:
    """Graphviz DOT: stages are clusters, depends edges dashed."""
    out = [f"digraph {_dot_str(title)} {{", "    rankdir=LR;",
           '    node [shape=box, fontname="Helvetica"];',
           '    edge [fontname="Helvetica", fontsize=10];']

    def emit(prefix: tuple[str, ...], depth: int) -> None:
        pad = "    " * depth
        for node in graph.nodes:
            if node.stage == prefix:
                style = "" if node.kind == "param" else ", style=rounded"
                out.append(f"{pad}{_dot_str(node.key)} [label={_dot_str(node.label)}{style}];")
        for child in _children(graph, prefix):
            out.append(f"{pad}subgraph {_dot_str('cluster_' + '.'.join(child))} {{")
            out.append(f"{pad}    label={_dot_str(child[-1])};")
            emit(child, depth + 1)
            out.append(f"{pad}}}")

    emit((), 1)
    for e in graph.edges:
        attrs = [f"label={_dot_str(e.label)}"] if e.label else []
        if e.kind == "depends":
            attrs.append("style=dashed")
        suffix = f" [{', '.join(attrs)}]" if attrs else ""
        out.append(f"    {_dot_str(e.source)} -> {_dot_str(e.target)}{suffix};")
    out.append("}")
    return "\n".join(out)


def _children(graph: Graph, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The stages directly inside `prefix`, in order of first appearance."""
    found = dict.fromkeys(n.stage[:len(prefix) + 1] for n in graph.nodes
                          if len(n.stage) > len(prefix) and n.stage[:len(prefix)] == prefix)
    return list(found)


_MERMAID_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                           " _.,:=+-*/()[]{}!~^|'%?@$")


def _mermaid_str(text: str) -> str:
    """A quoted Mermaid label: every character outside a plain set is an entity code
    (`#35;`), so no quote, newline, `<` or `#` in a name or string can end the label,
    start a statement or reach the rendered HTML."""
    return '"' + "".join(c if c in _MERMAID_PLAIN else f"#{ord(c)};" for c in text) + '"'


def to_mermaid(graph: Graph, title: str) -> str:
    """A Mermaid flowchart: stages are subgraphs, depends edges dotted."""
    ids = {n.key: f"n{i}" for i, n in enumerate(graph.nodes)}
    out = ["---", f"title: {json.dumps(title)}", "---", "flowchart LR"]
    stage_ids: dict[tuple[str, ...], str] = {}

    def emit(prefix: tuple[str, ...], depth: int) -> None:
        pad = "    " * depth
        for node in graph.nodes:
            if node.stage == prefix:
                shape = ("[", "]") if node.kind == "param" else ("(", ")")
                out.append(f"{pad}{ids[node.key]}{shape[0]}{_mermaid_str(node.label)}"
                           f"{shape[1]}")
        for child in _children(graph, prefix):
            sid = stage_ids.setdefault(child, f"s{len(stage_ids)}")
            out.append(f"{pad}subgraph {sid} [{_mermaid_str(child[-1])}]")
            emit(child, depth + 1)
            out.append(f"{pad}end")

    emit((), 1)
    for e in graph.edges:
        arrow = "-->" if e.kind == "condition" else "-.->"
        label = f"|{_mermaid_str(e.label)}|" if e.label else ""
        out.append(f"    {ids[e.source]} {arrow}{label} {ids[e.target]}")
    return "\n".join(out)


def to_json(graph: Graph, title: str) -> str:
    """Nodes and edges with every attribute, for programs."""
    return json.dumps({
        "file": title,
        "directed": True,
        "nodes": [{"id": n.key, "name": n.name, "kind": n.kind, "label": n.label,
                   "stage": ".".join(n.stage) or None, "conditions": list(n.conditions),
                   "line": n.line} for n in graph.nodes],
        "edges": [{"source": e.source, "target": e.target, "kind": e.kind, "label": e.label}
                  for e in graph.edges],
    }, indent=2)
