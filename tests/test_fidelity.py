"""`epochs ~ fidelity(min, max)`: the training budget, declared in the space.

It is not searched, every configuration holds its max (the budget the objective trains
to), `space.fidelity` carries it to the pruners, `hpdsl show` lists it, and the tools
that cannot express it say so. Lint's checks of it are fixtures in tests/fixtures/lint.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from run_cli import cli

import hpdsl
from hpdsl.convert import from_hyperopt, to_configspace, to_hyperopt_source
from hpdsl.format import format_source

SPACE = """\
lr ~ loguniform(1e-4, 1e-1)
train {
    epochs ~ fidelity(1, 81, 3)
}
warmup = train.epochs // 10
"""


def test_space_fidelity_gives_the_pruners_their_defaults() -> None:
    space = hpdsl.loads(SPACE)
    f = space.fidelity
    assert f is not None
    assert (f.name, f.min, f.max, f.reduction_factor) == ("train.epochs", 1, 81, 3)
    plain = hpdsl.loads("epochs ~ fidelity(2, 100)\nx ~ uniform(0, 1)").fidelity
    assert plain is not None and plain.reduction_factor is None
    assert hpdsl.loads("x ~ uniform(0, 1)").fidelity is None


def test_fidelity_is_not_searched() -> None:
    space = hpdsl.loads(SPACE)
    assert [d.name for d in space.coords.dimensions] == ["lr"]
    assert hpdsl.loads("epochs ~ fidelity(1, 9)\nk ~ randint(1, 3)").size() == 3
    for config in space.sample(0, 20):
        assert config["train"] == {"epochs": 81} and config["warmup"] == 8


def test_the_objective_receives_the_budget_to_train_to() -> None:
    seen: list[int] = []

    def objective(config: dict[str, object]) -> float:
        epochs = config["train"]["epochs"]  # type: ignore[index]
        seen.append(epochs)
        return float(config["lr"])  # type: ignore[arg-type]

    best = hpdsl.fmin(objective, hpdsl.loads(SPACE), max_evals=5, rstate=0,
                      show_progressbar=False)
    assert seen == [81] * 5
    assert best["train"]["epochs"] == 81


def test_show_lists_the_fidelity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "space.hps"
    path.write_text(SPACE)
    status, out, _ = cli(capsys, "show", path)
    assert status == 0
    assert "Parameters (1)" in out and "Derived values (1)" in out
    table = out[out.index("Fidelity"):].splitlines()
    assert table[1].split() == ["name", "min", "max", "reduction", "factor"]
    assert table[2].split() == ["train.epochs", "1", "81", "3"]
    status, out, _ = cli(capsys, "show", "--format", "json", path)
    shown = json.loads(out)
    assert shown["fidelity"] == {"name": "train.epochs", "min": 1, "max": 81,
                                 "reduction_factor": 3}
    epochs = next(p for p in shown["parameters"] if p["name"] == "train.epochs")
    assert (epochs["kind"], epochs["distribution"]) == ("fidelity", "fidelity(1, 81, 3)")


def test_format_keeps_the_fidelity() -> None:
    messy = "epochs~fidelity( 1,81 ,3 )\nlr ~ uniform(0,1)\n"
    formatted = format_source(messy)
    assert formatted.splitlines()[0] == "epochs ~ fidelity(1, 81, 3)"
    assert hpdsl.loads(formatted).fidelity == hpdsl.loads(messy).fidelity


def test_converters_say_the_fidelity_is_left_out() -> None:
    space = hpdsl.loads(SPACE)
    notes: list[str] = []
    cs = to_configspace(space, notes)
    assert list(cs.keys()) == ["lr"]
    assert any("`train.epochs ~ fidelity(1, 81, 3)`: ConfigSpace has no fidelity" in n
               for n in notes)
    notes = []
    source = to_hyperopt_source(space, notes)
    assert "epochs" not in source.split("space =")[1]
    assert any("from_hyperopt sets it to its max, 81" in n for n in notes)
    assert from_hyperopt(space, {"lr": 0.01}) == {"lr": 0.01, "train": {"epochs": 81},
                                                  "warmup": 8}


def test_a_misspelt_fidelity_is_suggested() -> None:
    result = hpdsl.check_text("epochs ~ fidelty(1, 81)")
    (diag,) = result.diagnostics
    assert diag.code == "HPS104" and diag.help == "did you mean `fidelity`?"
    result = hpdsl.check_text("epochs = fidelity(1, 81)")
    (diag,) = result.diagnostics
    assert diag.code == "HPS112" and diag.help == "write `epochs ~ fidelity(1, 81)`"
