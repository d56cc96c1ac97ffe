"""The shipped example spaces: they lint clean, load from anywhere, and mean what they say."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest
from corpora import ALL_EXAMPLES, EXAMPLES_DIR

import hpdsl

MAIN = ["classifier.hps", "neural_net.hps", "pipeline.hps", "gradient_boosting.hps",
        "pruning.hps"]


def test_the_examples_are_there() -> None:
    names = {p.relative_to(EXAMPLES_DIR).as_posix() for p in ALL_EXAMPLES}
    assert set(MAIN) | {"common/optimizer.hps"} <= names


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: p.relative_to(EXAMPLES_DIR).as_posix())
def test_lints_clean(path: Path) -> None:
    space, diagnostics, sources = hpdsl.check_file(str(path))
    assert diagnostics == []
    assert space is not None
    assert space.warnings == []
    assert str(path) in sources


@pytest.mark.parametrize("name", MAIN)
def test_loads_and_samples(name: str) -> None:
    space = hpdsl.load(EXAMPLES_DIR / name)
    assert space.size() == math.inf
    assert space.default() in space
    for cfg in space.sample(0, 50):
        assert space.validate(cfg) == []


def test_an_example_uses_include() -> None:
    assert 'include "common/optimizer.hps"' in (EXAMPLES_DIR / "neural_net.hps").read_text()
    space, _, sources = hpdsl.check_file(str(EXAMPLES_DIR / "neural_net.hps"))
    assert space is not None
    assert any(Path(p).name == "optimizer.hps" for p in sources)
    assert {"optimizer", "learning_rate", "momentum"} <= set(space.names)


@pytest.mark.parametrize("name", MAIN)
def test_load_from_another_working_directory(name: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Includes resolve against the including file, not the working directory."""
    monkeypatch.chdir(tmp_path)
    by_absolute = hpdsl.load(EXAMPLES_DIR / name)
    by_relative = hpdsl.load(Path(os.path.relpath(EXAMPLES_DIR / name, tmp_path)))
    assert by_absolute.names == by_relative.names
    assert by_absolute.sample(7, 20) == by_relative.sample(7, 20)


def test_loads_resolves_includes_against_base_dir(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    text = (EXAMPLES_DIR / "neural_net.hps").read_text()
    space = hpdsl.loads(text, base_dir=str(EXAMPLES_DIR))
    assert "optimizer" in space.names
    with pytest.raises(hpdsl.SpaceError):
        hpdsl.loads(text)  # the include is not next to the working directory


def test_neural_net_structure() -> None:
    space = hpdsl.load(EXAMPLES_DIR / "neural_net.hps")
    units = [d for d in space.coords.dimensions if d.name.startswith("units[")]
    assert [d.name for d in units] == [f"units[{i}]" for i in range(1, 5)]
    assert all(d.log and d.q == 16 for d in units)
    cfg = space.default()
    assert cfg["batch_size"] == 2 ** cfg["log2_batch"] == 64
    assert len(cfg["units"]) == cfg["n_layers"] == 2


def test_pipeline_structure() -> None:
    space = hpdsl.load(EXAMPLES_DIR / "pipeline.hps")
    edges = {(a, b): d["kind"] for a, b, d in space.graph.edges(data=True)}
    assert edges[("preprocess.scaler", "model.batch_norm")] == "condition"
    assert any("preprocess.scaler" in c for c in space.constraints)
    cfg = space.default()
    assert set(cfg) == {"preprocess", "features", "model"}
    bad = {**cfg, "model": {"kind": "svm", "C": 1.0, "kernel": "linear"},
           "preprocess": {**cfg["preprocess"], "scaler": "none"}}
    assert any("excluded" in p for p in space.validate(bad))


def test_gradient_boosting_structure() -> None:
    space = hpdsl.load(EXAMPLES_DIR / "gradient_boosting.hps")
    edges = {(a, b): d["kind"] for a, b, d in space.graph.edges(data=True)}
    assert edges[("max_depth", "max_leaves")] == "depends"
    assert edges[("leaf_cap", "min_child_samples")] == "depends"
    assert [d.dependent for d in space.coords.dimensions if d.name == "max_leaves"] == [True]
    cfg = space.default()
    assert cfg["leaf_cap"] == min(200, 20000 // cfg["max_leaves"])
    too_many_leaves = {**cfg, "max_depth": 3, "max_leaves": 9}
    assert any("max_leaves" in p for p in space.validate(too_many_leaves))
    few_steps = {**cfg, "learning_rate": 0.005, "n_estimators": 50}
    assert any("excluded" in p for p in space.validate(few_steps))
