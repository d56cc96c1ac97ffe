"""`hpdsl run`, `trials`, `best`, `studies` end to end, through the console script."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from corpora import EXAMPLES_DIR

CLASSIFIER = EXAMPLES_DIR / "classifier.hps"
HPDSL = shutil.which("hpdsl", path=str(Path(sys.executable).parent)) or "hpdsl"

SPACE = """\
x ~ uniform(-2, 2)
kind ~ choice(a, b)
if kind == b then y ~ loguniform(1e-3, 1)
"""

OBJECTIVE = """\
import helper  # a module next to the file: its directory is on sys.path


def objective(config):
    return {"loss": helper.square(config["x"]), "doubled": 2 * config["x"]}


def failing(config):
    raise ValueError("no luck")


NOT_CALLABLE = 3
"""


def hpdsl_cli(*args: str | Path, cwd: Path, timeout: float = 300
              ) -> subprocess.CompletedProcess[str]:
    """Run the `hpdsl` console script; no run may show a traceback or an internal error."""
    env = {**os.environ, "PYTHONUTF8": "1"}
    proc = subprocess.run([HPDSL, *map(str, args)], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "space.hps").write_text(SPACE, encoding="utf-8")
    (tmp_path / "obj.py").write_text(OBJECTIVE, encoding="utf-8")
    (tmp_path / "helper.py").write_text("def square(x):\n    return x * x\n", encoding="utf-8")
    return tmp_path


def run_search(project: Path, *extra: str, max_evals: int = 8
               ) -> subprocess.CompletedProcess[str]:
    return hpdsl_cli("run", "space.hps", "--objective", "obj.py:objective", "--max-evals",
                     str(max_evals), "--storage", "sqlite:///runs/s.db", "--seed", "0",
                     *extra, cwd=project)


def best_config(stdout: str) -> dict[str, object]:
    config: dict[str, object] = json.loads(stdout[stdout.index("{"):])
    return config


def test_run_prints_the_best_and_stores_the_study(project: Path) -> None:
    proc = run_search(project)
    assert proc.returncode == 0, proc.stderr
    assert "study `space` in sqlite:///runs/s.db: 8 trials (8 ok, 0 failed)" in proc.stdout
    assert "best trial:" in proc.stdout and "doubled:" in proc.stdout
    assert "x" in best_config(proc.stdout)
    assert "trial" in proc.stderr  # the progress bar
    assert (project / "runs" / "s.db").is_file()


def test_run_resumes_the_study(project: Path) -> None:
    assert run_search(project, "--no-progress").returncode == 0
    again = run_search(project, "--no-progress")
    assert again.returncode == 0
    assert "already has 8 trials" in again.stderr
    assert "8 trials (8 ok" in again.stdout
    more = run_search(project, "--no-progress", max_evals=11)
    assert "11 trials (11 ok" in more.stdout
    studies = hpdsl_cli("studies", "sqlite:///runs/s.db", cwd=project)
    assert studies.stdout.splitlines()[1].split()[:2] == ["space", "11"]


def test_run_in_memory_with_other_algorithms(project: Path) -> None:
    for algo in ("rand", "anneal", "evolution", "nsga2", "qmc", "cmaes"):
        proc = hpdsl_cli("run", "space.hps", "--objective", "obj.py:objective", "--algo", algo,
                         "--max-evals", "5", "--no-progress", cwd=project)
        assert proc.returncode == 0, proc.stderr
        assert "the trials (in memory): 5 trials" in proc.stdout


def test_run_cmaes_names_the_parameters_it_leaves_to_the_fallback_in_one_line(
        project: Path) -> None:
    proc = hpdsl_cli("run", "space.hps", "--objective", "obj.py:objective", "--algo", "cmaes",
                     "--max-evals", "3", "--no-progress", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [
        "hpdsl: warning: cmaes searches the float and integer parameters that are always "
        "active; the others (kind, y) are drawn by the fallback (tpe)"]


def test_run_with_worker_processes_loads_the_file_objective(project: Path) -> None:
    proc = run_search(project, "--n-jobs", "2", "--trial-timeout", "60", "--no-progress",
                      max_evals=6)
    assert proc.returncode == 0, proc.stderr
    assert "6 trials (6 ok, 0 failed)" in proc.stdout


def test_run_the_classifier_example_with_plots(tmp_path: Path) -> None:
    proc = hpdsl_cli("run", CLASSIFIER, "--objective",
                     EXAMPLES_DIR / "classifier.py:objective", "--max-evals", "6",
                     "--storage", "sqlite:///demo.db", "--plots", "plots", "--seed", "1",
                     "--no-progress", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "6 trials (6 ok, 0 failed)" in proc.stdout
    assert "accuracy:" in proc.stdout and "fit_time:" in proc.stdout
    assert best_config(proc.stdout)["model"] in ("svm", "rf", "gbm", "knn")
    for kind in ("history", "importance", "parallel", "slice"):
        data = (tmp_path / "plots" / f"{kind}.png").read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000


def test_objective_module_form(project: Path) -> None:
    proc = hpdsl_cli("run", "space.hps", "--objective", "obj:objective", "--max-evals", "3",
                     "--no-progress", cwd=project)
    assert proc.returncode == 0, proc.stderr


def test_trials_formats(project: Path) -> None:
    assert run_search(project, "--no-progress", max_evals=5).returncode == 0
    table = hpdsl_cli("trials", "sqlite:///runs/s.db", cwd=project)
    assert table.returncode == 0
    lines = table.stdout.splitlines()
    assert lines[0].split()[:4] == ["number", "state", "loss", "duration"]
    assert len(lines) == 6
    rows = list(csv.DictReader(io.StringIO(
        hpdsl_cli("trials", "sqlite:///runs/s.db", "--format", "csv", cwd=project).stdout)))
    assert [r["number"] for r in rows] == ["0", "1", "2", "3", "4"]
    assert all(r["state"] == "OK" and float(r["loss"]) >= 0 for r in rows)
    assert "params.x" in rows[0] and "result.doubled" in rows[0]
    records = json.loads(hpdsl_cli("trials", "sqlite:///runs/s.db", "--study", "space",
                                   "--format", "json", cwd=project).stdout)
    assert len(records) == 5 and "x" in records[0]["params"]
    assert records[0]["result"]["doubled"] == pytest.approx(2 * records[0]["params"]["x"])


def test_best_formats(project: Path) -> None:
    assert run_search(project, "--no-progress", max_evals=5).returncode == 0
    text = hpdsl_cli("best", "sqlite:///runs/s.db", cwd=project)
    assert text.returncode == 0 and "study `space`: best of 5 trials" in text.stdout
    best = json.loads(hpdsl_cli("best", "sqlite:///runs/s.db", "--format", "json",
                                cwd=project).stdout)
    assert best["study"] == "space" and best["loss"] == pytest.approx(best["config"]["x"] ** 2)
    assert set(best) == {"study", "number", "loss", "result", "config"}


def test_several_studies_need_a_name(project: Path) -> None:
    assert run_search(project, "--no-progress", max_evals=2).returncode == 0
    assert run_search(project, "--no-progress", "--study", "other", max_evals=2).returncode == 0
    proc = hpdsl_cli("best", "sqlite:///runs/s.db", cwd=project)
    assert proc.returncode == 2
    assert "holds 2 studies (other, space): choose one with --study" in proc.stderr
    missing = hpdsl_cli("trials", "sqlite:///runs/s.db", "--study", "nope", cwd=project)
    assert missing.returncode == 2 and "no study `nope`" in missing.stderr
    names = [line.split()[0] for line in
             hpdsl_cli("studies", "sqlite:///runs/s.db", cwd=project).stdout.splitlines()[1:]]
    assert names == ["other", "space"]


@pytest.mark.parametrize(("objective", "message"), [
    ("missing.py:objective", "does not exist"),
    ("obj.py:nothing", "has no `nothing`; it defines: failing, objective"),
    ("obj.py:NOT_CALLABLE", "is not callable (it is a int)"),
    ("no_such_module:f", "cannot import module `no_such_module`"),
    ("objective", "must be FILE.py:FUNCTION or module:function"),
])
def test_objective_errors(project: Path, objective: str, message: str) -> None:
    proc = hpdsl_cli("run", "space.hps", "--objective", objective, "--max-evals", "2",
                     cwd=project)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_failing_objective_and_broken_inputs(project: Path) -> None:
    proc = hpdsl_cli("run", "space.hps", "--objective", "obj.py:failing", "--max-evals", "3",
                     "--no-progress", cwd=project)
    assert proc.returncode == 1
    assert "3 trials (0 ok, 3 failed)" in proc.stdout
    assert "no trial finished with a loss; the first error: ValueError: no luck" in proc.stderr
    (project / "bad.hps").write_text("x ~ uniform(1\n", encoding="utf-8")
    bad = hpdsl_cli("run", "bad.hps", "--objective", "obj.py:objective", cwd=project)
    assert bad.returncode == 1 and "error" in bad.stderr
    storage = hpdsl_cli("run", "space.hps", "--objective", "obj.py:objective",
                        "--storage", "postgres://db", cwd=project)
    assert storage.returncode == 2 and "unknown storage URL" in storage.stderr
    (project / "junk.db").write_text("not a database", encoding="utf-8")
    for command in (["studies", "sqlite:///junk.db"], ["trials", "sqlite:///absent.db"],
                    ["best", "sqlite:///junk.db"]):
        failed = hpdsl_cli(*command, cwd=project)
        assert failed.returncode == 2 and failed.stderr.startswith("hpdsl: error:")
    assert not (project / "absent.db").exists()


def test_changed_space_is_refused(project: Path) -> None:
    assert run_search(project, "--no-progress", max_evals=2).returncode == 0
    (project / "space.hps").write_text(SPACE.replace("(-2, 2)", "(-3, 3)"), encoding="utf-8")
    proc = run_search(project, "--no-progress", max_evals=4)
    assert proc.returncode == 2
    assert "was run on another space" in proc.stderr and "--allow-space-change" in proc.stderr
    allowed = run_search(project, "--no-progress", "--allow-space-change", max_evals=4)
    assert allowed.returncode == 0 and "4 trials" in allowed.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a process is POSIX")
def test_ctrl_c_prints_the_best_so_far(project: Path) -> None:
    (project / "slow.py").write_text(
        "import time\n\ndef objective(config):\n    time.sleep(0.2)\n    return config['x'] ** 2\n",
        encoding="utf-8")
    proc = subprocess.Popen([HPDSL, "run", "space.hps", "--objective", "slow.py:objective",
                             "--storage", "sqlite:///runs/s.db", "--no-progress"],
                            cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.monotonic() + 60
    db = project / "runs" / "s.db"
    while time.monotonic() < deadline:  # wait for a few trials to finish
        time.sleep(0.5)
        listed = hpdsl_cli("studies", "sqlite:///runs/s.db", cwd=project) if db.exists() else None
        if listed is not None and listed.returncode == 0 and int(
                listed.stdout.splitlines()[1].split()[1]) >= 3:
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    assert "best trial:" in out and "interrupted" in err


def stored_params(project: Path, url: str = "sqlite:///runs/s.db") -> list[object]:
    proc = hpdsl_cli("trials", url, "--format", "json", cwd=project)
    assert proc.returncode == 0, proc.stderr
    return [rec["params"] for rec in json.loads(proc.stdout)]


def test_a_resumed_seeded_run_continues_and_a_fresh_one_repeats(project: Path) -> None:
    assert run_search(project, "--no-progress", max_evals=5).returncode == 0
    assert run_search(project, "--no-progress", max_evals=10).returncode == 0
    resumed = stored_params(project)
    assert len(resumed) == 10 and resumed[5:] != resumed[:5]
    fresh = hpdsl_cli("run", "space.hps", "--objective", "obj.py:objective", "--max-evals",
                      "10", "--storage", "sqlite:///runs/t.db", "--seed", "0", "--no-progress",
                      cwd=project)
    assert fresh.returncode == 0
    assert stored_params(project, "sqlite:///runs/t.db") == resumed


def test_a_comment_or_fmt_does_not_block_resuming(project: Path) -> None:
    assert run_search(project, "--no-progress", max_evals=2).returncode == 0
    (project / "space.hps").write_text("# tuned nightly\n" + SPACE.replace(" ~ ", "   ~   "),
                                       encoding="utf-8")
    assert run_search(project, "--no-progress", max_evals=3).returncode == 0
    assert hpdsl_cli("fmt", "space.hps", cwd=project).returncode == 0
    assert "4 trials (4 ok" in run_search(project, "--no-progress", max_evals=4).stdout


def test_a_refused_space_change_leaves_the_study_resumable(project: Path) -> None:
    assert run_search(project, "--no-progress", max_evals=2).returncode == 0
    (project / "space.hps").write_text(SPACE + "z ~ uniform(0, 1)\n", encoding="utf-8")
    refused = run_search(project, "--no-progress", "--allow-space-change", max_evals=3)
    assert refused.returncode == 2 and "coordinates but the space has" in refused.stderr
    (project / "space.hps").write_text(SPACE, encoding="utf-8")
    assert "3 trials (3 ok" in run_search(project, "--no-progress", max_evals=3).stdout


NUMPY_OBJECTIVE = """\
import numpy as np


def objective(config):
    if config["kind"] == "b":
        return config["max_depth"]
    return {"loss": config["x"] ** 2, "folds": np.zeros(3), "best_iter": np.int64(7),
            "model": object()}
"""


def test_numpy_results_and_the_traceback_of_a_failed_trial(project: Path) -> None:
    (project / "np_obj.py").write_text(NUMPY_OBJECTIVE, encoding="utf-8")
    proc = hpdsl_cli("run", "space.hps", "--objective", "np_obj.py:objective", "--max-evals",
                     "8", "--storage", "sqlite:///runs/s.db", "--seed", "0", "--no-progress",
                     cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "best_iter: 7" in proc.stdout and "folds: [0.0, 0.0, 0.0]" in proc.stdout
    records = json.loads(hpdsl_cli("trials", "sqlite:///runs/s.db", "--format", "json",
                                   cwd=project).stdout)
    ok = next(r for r in records if r["state"] == "OK")
    assert ok["result"]["best_iter"] == 7 and "model" in ok["result"]["not_stored"]
    failed = next(r["number"] for r in records if r["state"] == "FAIL")
    shown = hpdsl_cli("trials", "sqlite:///runs/s.db", "--study", "space", "--number",
                      str(failed), cwd=project)
    assert shown.returncode == 0
    assert "error: KeyError: 'max_depth'" in shown.stdout
    assert 'np_obj.py", line 6, in objective' in shown.stdout
    assert 'return config["max_depth"]' in shown.stdout
    assert "_objective.py" not in shown.stdout  # it starts at the objective's own frame
    one = json.loads(hpdsl_cli("trials", "sqlite:///runs/s.db", "--number", str(failed),
                               "--format", "json", cwd=project).stdout)
    assert one["number"] == failed and one["traceback"].rstrip().endswith(
        "KeyError: 'max_depth'")
    missing = hpdsl_cli("trials", "sqlite:///runs/s.db", "--number", "99", cwd=project)
    assert missing.returncode == 2 and "no trial 99" in missing.stderr


def test_a_file_objective_that_takes_the_trial_gets_it_in_workers_too(project: Path) -> None:
    (project / "ckpt.py").write_text(
        "def objective(config, trial):\n"
        "    return {'loss': config['x'] ** 2, 'folder': f'{trial.study_name}/{trial.number}'}\n",
        encoding="utf-8")
    for jobs in ("1", "2"):
        proc = run_search(project, "--no-progress", "--n-jobs", jobs, "--objective",
                          "ckpt.py:objective", "--study", f"jobs{jobs}", max_evals=4)
        assert proc.returncode == 0, proc.stderr
        records = json.loads(hpdsl_cli("trials", "sqlite:///runs/s.db", "--study",
                                       f"jobs{jobs}", "--format", "json", cwd=project).stdout)
        assert [r["result"]["folder"] for r in records] == [f"jobs{jobs}/{n}" for n in range(4)]


def test_two_seeded_runs_on_one_study_draw_different_points(project: Path) -> None:
    (project / "slow.py").write_text(
        "import time\n\ndef objective(config):\n    time.sleep(0.05)\n"
        "    return config['x'] ** 2\n", encoding="utf-8")
    assert run_search(project, "--no-progress", max_evals=1).returncode == 0  # the file
    command = [HPDSL, "run", "space.hps", "--objective", "slow.py:objective", "--seed", "0",
               "--max-evals", "12", "--storage", "sqlite:///runs/s.db", "--no-progress"]
    procs = [subprocess.Popen(command, cwd=project, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    params = stored_params(project)
    assert len(params) == 12
    assert len({json.dumps(p, sort_keys=True) for p in params}) == 12


def test_hpdsl_warnings_are_one_line_each_and_others_stay_as_python_shows_them(
        project: Path) -> None:
    (project / "grad.py").write_text(
        "import warnings\n\n"
        "def objective(config):\n"
        "    warnings.warn('from the objective')\n"
        "    return {'loss': config['x'] ** 2, 'grad': {'x': 2 * config['x'], 'nope': 1.0}}\n",
        encoding="utf-8")
    proc = run_search(project, "--no-progress", "--objective", "grad.py:objective",
                      "--algo", "hypergrad", max_evals=4)
    assert proc.returncode == 0, proc.stderr
    ours = [line for line in proc.stderr.splitlines() if line.startswith("hpdsl: warning:")]
    assert ours == ["hpdsl: warning: the objective's `grad` is used in part: `nope` is not a "
                    "parameter of the space; ignored"]
    assert "GradientWarning" not in proc.stderr and "_fmin.py" not in proc.stderr
    assert "grad.py:4: UserWarning: from the objective" in proc.stderr
