"""`hpdsl graph`: DOT, Mermaid and JSON renderings of the dependency graph."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from corpora import EXAMPLES, EXAMPLES_DIR

import hpdsl
from hpdsl.cli import _graph


def _hpdsl(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "hpdsl"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=60)


def _check_dot(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    """A small structural check of DOT: balanced braces outside strings, statements
    ending in `;`, and the declared nodes and edges."""
    assert text.startswith("digraph ")
    depth = 0
    for ch in re.sub(r'"(\\.|[^"\\])*"', '""', text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
    string = r'"((?:\\.|[^"\\])*)"'
    nodes = {m.group(1) for m in re.finditer(rf"^\s*{string} \[label=", text, re.M)}
    edges = {(a, b) for a, b in re.findall(rf"^\s*{string} -> {string}", text, re.M)}
    for line in text.splitlines()[1:-1]:
        stripped = line.strip()
        assert stripped.endswith((";", "{", "}")), line
    return nodes, edges


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_dot_is_structurally_valid(path: Path) -> None:
    space = hpdsl.load(path)
    nodes, edges = _check_dot(_graph.to_dot(_graph.build(space), str(path)))
    assert nodes == set(space.graph.nodes)
    assert edges == set(space.graph.edges)


def test_dot_clusters_and_labels() -> None:
    space = hpdsl.load(EXAMPLES_DIR / "classifier.hps")
    dot = _graph.to_dot(_graph.build(space), "classifier")
    assert 'subgraph "cluster_preprocess" {' in dot
    assert '"model" -> "C" [label="model == svm"];' in dot
    assert '"kernel" -> "gamma" [label="kernel in {rbf, poly}"];' in dot
    assert '"C" [label="C ~ loguniform(0.001, 1000.0)"];' in dot
    gb = hpdsl.load(EXAMPLES_DIR / "gradient_boosting.hps")
    dot = _graph.to_dot(_graph.build(gb), "gb")
    assert '"max_depth" -> "max_leaves" [label="high: 2 ** max_depth", style=dashed];' in dot


def test_pydot_parses_the_dot_output() -> None:
    import pydot
    space = hpdsl.load(EXAMPLES_DIR / "pipeline.hps")
    (graph,) = pydot.graph_from_dot_data(_graph.to_dot(_graph.build(space), "p"))
    assert graph.get_subgraph('"cluster_model"')


def test_mermaid_structure() -> None:
    space = hpdsl.load(EXAMPLES_DIR / "pipeline.hps")
    text = _graph.to_mermaid(_graph.build(space), "pipeline")
    lines = text.splitlines()
    assert lines[3] == "flowchart LR"
    opened = sum(1 for ln in lines if ln.strip().startswith("subgraph "))
    assert opened == 3 and opened == sum(1 for ln in lines if ln.strip() == "end")
    ids = dict(re.findall(r'^\s*(n\d+)[\[(]"([^"]*)"[\])]$', text, re.M))
    assert len(ids) == space.graph.number_of_nodes()
    arrows = re.findall(r"^\s*(n\d+) (-->|-\.->)(?:\|\"[^\"]*\"\|)? (n\d+)$", text, re.M)
    assert len(arrows) == space.graph.number_of_edges()
    assert '-->|"features.selector == kbest"|' in text


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_json_round_trip(path: Path) -> None:
    space = hpdsl.load(path)
    data = json.loads(_graph.to_json(_graph.build(space), str(path)))
    rebuilt = nx.DiGraph()
    for node in data["nodes"]:
        rebuilt.add_node(node["id"], name=node["name"])
    for edge in data["edges"]:
        rebuilt.add_edge(edge["source"], edge["target"], kind=edge["kind"])
    original = space.graph
    assert set(rebuilt.nodes) == set(original.nodes)
    assert nx.utils.edges_equal(rebuilt.edges(data="kind"), original.edges(data="kind"))
    assert all(rebuilt.nodes[n]["name"] == original.nodes[n]["name"] for n in original)


def test_cli_formats_and_errors(tmp_path: Path) -> None:
    path = str(EXAMPLES_DIR / "classifier.hps")
    assert _hpdsl("graph", path).stdout.startswith("digraph")
    assert "flowchart LR" in _hpdsl("graph", "--format", "mermaid", path).stdout
    assert json.loads(_hpdsl("graph", "--format", "json", path).stdout)["directed"]
    bad = tmp_path / "bad.hps"
    bad.write_text("a ~ uniform(0, b)\n")
    result = _hpdsl("graph", str(bad))
    assert result.returncode == 1 and "HPS101" in result.stderr and not result.stdout
    assert "Traceback" not in result.stderr
    assert "examples:" in _hpdsl("graph", "--help").stdout
