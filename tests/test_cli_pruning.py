"""Pruning on the command line: `hpdsl run --pruner`, the step and the intermediate values
in `hpdsl trials`, `hpdsl best` ignoring pruned trials."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from run_cli import cli

import hpdsl
from hpdsl import TrialState

SPACE = "lr ~ loguniform(1e-4, 1)\n"

# Learning curves that keep their order: the closer lr is to 0.1, the lower at every epoch.
OBJECTIVE = """\
import hpdsl


def objective(config, trial):
    for epoch in range(1, 11):
        loss = abs(config["lr"] - 0.1) + 1.0 / epoch
        trial.report(loss, epoch)
        if trial.should_prune():
            raise hpdsl.TrialPruned()
    return loss


def plain(config):
    return config["lr"]
"""


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "space.hps").write_text(SPACE, encoding="utf-8")
    (tmp_path / "curves.py").write_text(OBJECTIVE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *extra: str, objective: str = "objective"
        ) -> tuple[int, str, str]:
    return cli(capsys, "run", "space.hps", "--objective", f"curves.py:{objective}",
               "--max-evals", "12", "--storage", "sqlite:///runs/s.db", "--seed", "0",
               "--algo", "rand", "--no-progress", *extra)


def test_run_with_a_pruner_stops_trials_early_and_trials_shows_where(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    status, out, err = run(capsys, "--pruner", "median:n_startup_trials=2")
    assert status == 0, err
    trials = list(hpdsl.Trials("sqlite:///runs/s.db", study="space"))
    pruned = [t for t in trials if t.state == TrialState.PRUNED]
    ok = [t for t in trials if t.state == TrialState.OK]
    assert pruned and ok and len(pruned) + len(ok) == 12
    assert f"12 trials ({len(ok)} ok, 0 failed, {len(pruned)} pruned)" in out
    trained = sum(t.last_step for t in trials)
    assert (f"pruning: {len(pruned)} of 12 trials stopped early; {trained} steps trained of "
            f"the 120 that 10 for every trial would take ({1 - trained / 120:.0%} saved)"
            ) in out

    status, out, _ = cli(capsys, "trials", "sqlite:///runs/s.db")
    header, *rows = [line.split() for line in out.splitlines()]
    assert status == 0 and header[:4] == ["number", "state", "step", "loss"]
    for t, row in zip(trials, rows, strict=True):
        assert row[1] == t.state.name and int(row[2]) == t.last_step
        assert (int(row[2]) < 10) == (t.state == TrialState.PRUNED)
        assert float(row[3]) == pytest.approx(t.intermediate[t.last_step], rel=1e-5)

    _, out, _ = cli(capsys, "trials", "sqlite:///runs/s.db", "--format", "csv")
    assert [r["step"] for r in csv.DictReader(io.StringIO(out))] == [
        str(t.last_step) for t in trials]
    _, out, _ = cli(capsys, "trials", "sqlite:///runs/s.db", "--format", "json")
    assert [r["step"] for r in json.loads(out)] == [t.last_step for t in trials]


def test_trials_number_prints_the_intermediate_values(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    assert run(capsys, "--pruner", "median:n_startup_trials=2")[0] == 0
    trials = list(hpdsl.Trials("sqlite:///runs/s.db", study="space"))
    pruned = next(t for t in trials if t.state == TrialState.PRUNED)
    status, out, _ = cli(capsys, "trials", "sqlite:///runs/s.db", "--study", "space",
                         "--number", str(pruned.number))
    assert status == 0 and "state: PRUNED" in out
    curve = out[out.index("intermediate values:"):].splitlines()[1:]
    assert curve[0].split() == ["step", "value"]
    assert [(int(s), float(v)) for s, v in (line.split() for line in curve[1:])] == [
        (step, pytest.approx(value, rel=1e-5)) for step, value in pruned.intermediate.items()]

    finished = next(t for t in trials if t.state == TrialState.OK)
    _, out, _ = cli(capsys, "trials", "sqlite:///runs/s.db", "--number",
                    str(finished.number), "--format", "json")
    record = json.loads(out)
    assert [(p["step"], p["value"]) for p in record["intermediate"]] == list(
        finished.intermediate.items())
    assert [p["step"] for p in record["intermediate"]] == list(range(1, 11))
    _, out, _ = cli(capsys, "trials", "sqlite:///runs/s.db", "--number",
                    str(finished.number), "--format", "csv")
    reader = csv.DictReader(io.StringIO(out))
    row = next(reader)
    _, listed, _ = cli(capsys, "trials", "sqlite:///runs/s.db", "--format", "csv")
    assert reader.fieldnames == [*next(csv.reader(io.StringIO(listed))), "intermediate",
                                 "traceback"]  # the list's columns, step among them
    assert row["step"] == "10" and row["state"] == "OK"
    assert json.loads(row["intermediate"]) == {str(k): v for k, v in
                                               finished.intermediate.items()}


def test_best_ignores_a_pruned_trial_with_a_lower_value(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 's.db'}"
    study = hpdsl.Study(SPACE, trials=hpdsl.Trials(url, study="s"), seed=0)
    finished = study.ask()
    study.running_trial(finished).report(5.0, 1)
    study.tell(finished, 5.0)
    stopped = study.ask()
    study.running_trial(stopped).report(0.5, 1)  # lower, but judged after one step only
    study.tell(stopped, state=TrialState.PRUNED)
    status, out, _ = cli(capsys, "best", url, "--format", "json")
    assert status == 0
    assert json.loads(out)["number"] == finished.number and json.loads(out)["loss"] == 5.0

    only_pruned = hpdsl.Study(SPACE, trials=hpdsl.Trials(url, study="p"), seed=0)
    t = only_pruned.ask()
    only_pruned.running_trial(t).report(0.5, 1)
    only_pruned.tell(t, state=TrialState.PRUNED)
    status, _, err = cli(capsys, "best", url, "--study", "p")
    assert status == 1 and "no trial with a loss yet" in err


@pytest.mark.parametrize(("pruner", "message"), [
    ("medain", "unknown pruner 'medain': use one of none, median, percentile"),
    ("median:warmup", "'warmup' is not KEY=VALUE (e.g. median:n_warmup_steps=5)"),
    ("none:x=1", "`none` takes no settings"),
    ("median:warmup=3", "--pruner median takes n_startup_trials, n_warmup_steps, "
                        "interval_steps, n_min_trials, not warmup"),
    ("median:n_warmup_steps=-1", "n_warmup_steps must be an int >= 0, not -1"),
    ("median:n_warmup_steps=two", "n_warmup_steps must be an int >= 0, not 'two'"),
    ("percentile", "--pruner percentile needs percentile, e.g. "
                   "--pruner percentile:percentile=..."),
])
def test_a_bad_pruner_is_a_usage_error_before_any_trial_runs(
        capsys: pytest.CaptureFixture[str], project: Path, pruner: str, message: str) -> None:
    status, _, err = run(capsys, "--pruner", pruner)
    assert status == 2 and message in err
    assert not (project / "runs").exists()


def test_a_pruner_for_an_objective_that_cannot_report_is_a_warning(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    status, out, err = run(capsys, "--pruner", "median", objective="plain")
    assert status == 0 and "12 trials (12 ok, 0 failed)" in out
    assert "warning: --pruner median: the objective takes no second parameter" in err


def test_pruner_none_prunes_nothing(capsys: pytest.CaptureFixture[str], project: Path) -> None:
    status, out, err = run(capsys, "--pruner", "none")
    assert status == 0 and "12 trials (12 ok, 0 failed)" in out, err


def test_run_plots_learning_curves_only_when_trials_reported(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    status, _, err = run(capsys, "--pruner", "median:n_startup_trials=2", "--plots", "plots")
    assert status == 0, err
    assert (project / "plots" / "intermediate.png").read_bytes().startswith(b"\x89PNG")
    assert "intermediate" in err.splitlines()[-1]  # "plots written to plots: ..."
    status, _, err = cli(capsys, "run", "space.hps", "--objective", "curves.py:plain",
                         "--max-evals", "3", "--no-progress", "--plots", "flat")
    assert status == 0 and (project / "flat" / "history.png").exists()
    assert not (project / "flat" / "intermediate.png").exists() and "intermediate" not in err


def test_the_pruning_example_runs_and_counts_epochs_by_its_fidelity(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    examples = Path(__file__).resolve().parents[1] / "examples"
    status, out, err = cli(capsys, "run", examples / "pruning.hps", "--objective",
                           f"{examples / 'pruning.py'}:objective", "--max-evals", "5",
                           "--pruner", "median:n_startup_trials=1", "--seed", "1",
                           "--storage", f"sqlite:///{tmp_path / 'p.db'}", "--no-progress")
    assert status == 0, err
    trials = list(hpdsl.Trials(f"sqlite:///{tmp_path / 'p.db'}", study="pruning"))
    assert trials[0].state == TrialState.OK and trials[0].last_step == 27
    assert any(t.state == TrialState.PRUNED for t in trials)
    assert f"epochs trained of the {27 * 5} that 27 for every trial would take" in out


def test_plotting_curves_of_a_study_that_reported_none_is_an_error_line(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    assert run(capsys, objective="plain")[0] == 0
    status, _, err = cli(capsys, "plot", "sqlite:///runs/s.db", "--kind", "intermediate",
                         "--out", "curves.png")
    assert status == 1 and not (project / "curves.png").exists()
    assert err.startswith("hpdsl: error: cannot draw the intermediate plot: no trial "
                          "reported intermediate values")


def test_worker_processes_report_and_prune_from_the_command_line(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    status, out, err = run(capsys, "--pruner", "median:n_startup_trials=2", "--n-jobs", "2")
    assert status == 0, err
    trials = list(hpdsl.Trials("sqlite:///runs/s.db", study="space"))
    assert all(t.intermediate for t in trials)
    assert any(t.state == TrialState.PRUNED for t in trials) and "pruned" in out


FIDELITY_SPACE = "epochs ~ fidelity(1, 9, 3)\nlr ~ loguniform(1e-4, 1)\n"

BUDGETED = """\
import hpdsl


def objective(config, trial):
    for epoch in range(1, config["epochs"] + 1):
        loss = abs(config["lr"] - 0.1) + 1.0 / epoch
        trial.report(loss, epoch)
        if trial.should_prune():
            raise hpdsl.TrialPruned()
    return loss
"""


def test_hyperband_on_the_command_line_takes_its_resources_from_the_fidelity(
        capsys: pytest.CaptureFixture[str], project: Path) -> None:
    (project / "budget.hps").write_text(FIDELITY_SPACE, encoding="utf-8")
    (project / "budget.py").write_text(BUDGETED, encoding="utf-8")
    command = ["run", "budget.hps", "--objective", "budget.py:objective", "--max-evals", "20",
               "--storage", "sqlite:///runs/b.db", "--seed", "0", "--no-progress"]
    status, out, err = cli(capsys, *command, "--pruner", "hyperband")
    assert status == 0, err
    trials = list(hpdsl.Trials("sqlite:///runs/b.db", study="budget"))
    stopped = {t.last_step for t in trials if t.state == TrialState.PRUNED}
    assert stopped and stopped <= {1, 3}  # the rungs of fidelity(1, 9, 3)
    assert all(t.last_step == 9 for t in trials if t.state == TrialState.OK)
    assert "epochs trained of the 180 that 9 for every trial would take" in out

    status, _, err = cli(capsys, *command, "--study", "other", "--pruner",
                         "hyperband:min_resource=20")
    assert status == 2 and "min_resource" in err
