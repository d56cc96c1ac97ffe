"""The command line with directions, several objectives and outcome constraints."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from run_cli import cli

SPACE = "x ~ uniform(0, 1)\nk ~ randint(0, 3)\n"
OBJECTIVES = """\
def two(config):
    return {"loss": [config["x"] + config["k"], (1 - config["x"]) ** 2 + config["k"]],
            "latency_ms": 40 * config["x"]}


def one(config):
    return config["x"]


def short(config):
    return (config["x"],)
"""
TWO = ("--directions", "minimize,minimize", "--objectives", "error,size")


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "space.hps").write_text(SPACE, encoding="utf-8")
    (tmp_path / "obj.py").write_text(OBJECTIVES, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def search(capsys: pytest.CaptureFixture[str], fn: str, *extra: str, max_evals: int = 12
           ) -> tuple[int, str, str]:
    return cli(capsys, "run", "space.hps", "--objective", f"obj.py:{fn}", "--max-evals",
               str(max_evals), "--storage", "sqlite:///s.db", "--seed", "0", "--algo", "rand",
               "--no-progress", *extra)


def test_run_prints_the_front_and_best_shows_it_in_every_format(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = search(capsys, "two", *TWO, "--constraint", "latency_ms <= 30")
    assert status == 0
    assert "Pareto front: " in out and "error (minimize), size (minimize)" in out
    lines = out.splitlines()
    header = lines.index(next(line for line in lines if line.startswith("number")))
    assert lines[header].split() == ["number", "error", "size"]
    status, table_out, _ = cli(capsys, "best", "sqlite:///s.db")
    assert status == 0 and "Pareto front of 12 trials" in table_out
    status, json_out, _ = cli(capsys, "best", "sqlite:///s.db", "--format", "json")
    doc = json.loads(json_out)
    assert doc["objectives"] == [{"name": "error", "direction": "minimize"},
                                 {"name": "size", "direction": "minimize"}]
    assert doc["constraints"] == ["latency_ms <= 30"]
    front = doc["front"]
    assert front and all(f["config"]["x"] * 40 <= 30 for f in front)
    assert all(f["values"]["error"] == f["config"]["x"] + f["config"]["k"] for f in front)
    status, csv_out, _ = cli(capsys, "best", "sqlite:///s.db", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(csv_out)))
    assert [int(r["number"]) for r in rows] == [f["number"] for f in front]
    assert [float(r["size"]) for r in rows] == [f["values"]["size"] for f in front]
    _, studies, _ = cli(capsys, "studies", "sqlite:///s.db")
    assert f"front of {len(front)}" in studies


def test_trials_show_each_value_and_the_violation(project: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    search(capsys, "two", *TWO, "--constraint", "latency_ms <= 30", max_evals=6)
    status, out, _ = cli(capsys, "trials", "sqlite:///s.db", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and len(rows) == 6
    assert list(rows[0])[:5] == ["number", "state", "values.error", "values.size", "violation"]
    for r in rows:
        x = float(r["params.x"])
        assert float(r["violation"]) == pytest.approx(max(0.0, 40 * x - 30))
    _, out, _ = cli(capsys, "trials", "sqlite:///s.db", "--format", "json")
    assert set(json.loads(out)[0]["values"]) == {"error", "size"}
    _, out, _ = cli(capsys, "trials", "sqlite:///s.db", "--number", "0")
    assert "values:\n  error: " in out and "constraints: " in out


def test_run_maximize_reports_the_highest(project: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = search(capsys, "one", "--direction", "maximize")
    assert status == 0
    _, csv_out, _ = cli(capsys, "trials", "sqlite:///s.db", "--format", "csv")
    best = max(float(r["loss"]) for r in csv.DictReader(io.StringIO(csv_out)))
    assert f"loss {best:.6g}" in out
    _, best_out, _ = cli(capsys, "best", "sqlite:///s.db", "--format", "json")
    assert json.loads(best_out)["loss"] == best


@pytest.mark.parametrize(("extra", "message"), [
    (("--directions", "minimize,upward"), "unknown direction 'upward'"),
    (("--directions", "minimize,,maximize"), "a comma-separated list of words"),
    (("--constraint", "latency_ms < 3"), "is not `name <= number`"),
    (("--objectives", "a,b", "--directions", "minimize"), "2 objective names for 1"),
    (("--directions", "minimize,minimize", "--algo", "anneal"),
     "`anneal.suggest` optimizes one objective"),
])
def test_bad_objective_arguments_exit_2_with_the_reason(
        project: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...],
        message: str) -> None:
    args = ["run", "space.hps", "--objective", "obj.py:two", "--max-evals", "3",
            "--no-progress", *extra]
    status, out, err = cli(capsys, *args)
    assert status == 2 and message in err and "Traceback" not in err


def test_a_single_objective_algo_is_refused_with_the_algos_to_use(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = cli(capsys, "run", "space.hps", "--objective", "obj.py:two",
                         "--max-evals", "3", "--no-progress", "--directions",
                         "minimize,minimize", "--algo", "cmaes")
    assert status == 2
    assert "help: use --algo tpe, rand, grid, nsga2 or qmc" in err
    assert "hpdsl.nsga2.suggest" not in err  # the library's advice, not the command's


def test_resuming_with_other_directions_is_refused(project: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    search(capsys, "one", max_evals=3)
    status, _, err = search(capsys, "two", *TWO, max_evals=6)
    assert status == 2
    assert "was run with 1 objective: loss (minimize); this search has 2 objectives" in err
    _, out, _ = cli(capsys, "trials", "sqlite:///s.db", "--format", "csv")
    assert len(out.splitlines()) == 4  # nothing lost, nothing added


def test_the_wrong_number_of_values_fails_every_trial_with_the_reason(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = search(capsys, "short", *TWO, max_evals=3)
    assert status == 1
    assert "the first error: the objective returned 1 values for 2 objectives" in err


def png(path: Path) -> bytes:
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000
    return data


def test_plots_of_several_objectives(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    search(capsys, "two", *TWO, "--constraint", "latency_ms <= 30", "--plots", "plots")
    for kind in ("history", "importance", "parallel", "slice", "pareto"):
        png(project / "plots" / f"{kind}.png")
    status, _, err = cli(capsys, "plot", "sqlite:///s.db", "--kind", "slice", "--objective",
                         "size", "--out", "size.png")
    assert status == 0 and png(project / "size.png") != png(project / "plots" / "slice.png")
    status, _, err = cli(capsys, "plot", "sqlite:///s.db", "--kind", "slice", "--objective",
                         "speed", "--out", "x.png")
    assert status == 1 and "no objective 'speed': the study's are error, size" in err


def test_a_pareto_plot_of_one_objective_says_why_not(
        project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    search(capsys, "one", "--plots", "plots", max_evals=4)
    assert not (project / "plots" / "pareto.png").exists()
    status, _, err = cli(capsys, "plot", "sqlite:///s.db", "--kind", "pareto", "--out", "p.png")
    assert status == 1 and "a Pareto front needs at least 2 objectives" in err


def test_the_tradeoff_example_runs_with_its_constraint(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    from corpora import EXAMPLES_DIR
    from test_cli_run import hpdsl_cli

    proc = hpdsl_cli("run", EXAMPLES_DIR / "tradeoff.hps", "--objective",
                     EXAMPLES_DIR / "tradeoff.py:objective", "--objectives",
                     "accuracy,latency_ms", "--directions", "maximize,minimize",
                     "--constraint", "latency_ms <= 5", "--max-evals", "6", "--seed", "0",
                     "--storage", "sqlite:///t.db", "--plots", "plots", "--no-progress",
                     cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "6 trials (6 ok, 0 failed)" in proc.stdout
    assert "accuracy (maximize), latency_ms (minimize)" in proc.stdout
    png(tmp_path / "plots" / "pareto.png")
    best = hpdsl_cli("best", "sqlite:///t.db", "--format", "json", cwd=tmp_path)
    front = json.loads(best.stdout)["front"]
    assert front and all(f["values"]["latency_ms"] <= 5 for f in front)
    assert all(0 < f["values"]["accuracy"] <= 1 for f in front)
