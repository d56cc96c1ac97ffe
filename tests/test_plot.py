"""`hpdsl.plot` and `hpdsl plot`: the plots are drawn, written, and say the right thing."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pytest

import hpdsl
from hpdsl import plot

matplotlib.use("Agg")

HPDSL = shutil.which("hpdsl", path=str(Path(sys.executable).parent)) or "hpdsl"
PNG = b"\x89PNG\r\n\x1a\n"

SPACE = """\
signal ~ uniform(0, 1)
noise ~ uniform(0, 1)
kind ~ choice(a, b)
if kind == b then rate ~ loguniform(1e-4, 1)
"""


def objective(config: dict[str, object], trial: hpdsl.RunningTrial) -> float:
    """Three epochs converging to the loss; a signal above 0.85 is stopped after the first
    (pruned), above 0.95 fails there."""
    x = float(config["signal"])  # type: ignore[arg-type]
    loss = 10 * (x - 0.3) ** 2 + 0.001 * float(config["noise"])  # type: ignore[arg-type]
    for epoch in (1, 2, 3):
        trial.report(loss + 1.0 / epoch, epoch)
        if x > 0.95:
            raise ValueError("out of range")
        if x > 0.85:
            raise hpdsl.TrialPruned()
    return loss


@pytest.fixture(scope="module")
def stored(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, hpdsl.Trials]:
    directory = tmp_path_factory.mktemp("plots")
    url = f"sqlite:///{directory / 'p.db'}"
    trials = hpdsl.Trials(url, study="synthetic")
    hpdsl.fmin(objective, hpdsl.loads(SPACE), algo=hpdsl.rand.suggest, max_evals=60,
               trials=trials, rstate=3, show_progressbar=False, catch_eval_exceptions=True)
    return directory, trials


@pytest.mark.parametrize("method", ["forest", "variance"])
def test_importance_ranks_the_signal_above_the_noise(stored: tuple[Path, hpdsl.Trials],
                                                     method: str) -> None:
    shares = plot.parameter_importance(stored[1], method=method)
    assert set(shares) == {"signal", "noise", "kind", "rate"}
    assert list(shares)[0] == "signal"
    assert shares["signal"] > 5 * shares["noise"]
    assert math.isclose(sum(shares.values()), 1.0)


def test_importance_needs_trials_with_a_loss() -> None:
    with pytest.raises(ValueError, match="at least 2 trials"):
        plot.parameter_importance(hpdsl.Trials())


@pytest.mark.parametrize("kind", plot.KINDS)
def test_save_writes_a_png(stored: tuple[Path, hpdsl.Trials], kind: str) -> None:
    path = stored[0] / f"{kind}.png"
    plot.save(stored[1], kind, path)
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 5000


def test_functions_draw_on_given_axes(stored: tuple[Path, hpdsl.Trials]) -> None:
    from matplotlib.figure import Figure

    trials = stored[1]
    fig = Figure()
    ax = plot.history(trials, fig.add_subplot())
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "best so far" in labels and any(label.startswith("failed (") for label in labels)
    ax = plot.parallel(trials, Figure().add_subplot())
    assert [t.get_text() for t in ax.get_xticklabels()] == ["signal", "noise", "kind", "rate",
                                                          "loss"]
    assert plot.importance(trials, Figure().add_subplot()).get_title().startswith("Parameter")
    sliced = plot.slice(trials, Figure())
    assert sliced.axes[3].get_xscale() == "log"  # rate is log-uniform


def test_intermediate_draws_each_curve_and_mutes_the_pruned_ones(
        stored: tuple[Path, hpdsl.Trials]) -> None:
    from matplotlib.colors import to_rgba
    from matplotlib.figure import Figure

    trials = stored[1]
    pruned = [t for t in trials if t.state == hpdsl.TrialState.PRUNED]
    finished = [t for t in trials if t.state == hpdsl.TrialState.OK]
    assert pruned and finished
    ax = plot.intermediate(trials, Figure().add_subplot())
    grey = [line for line in ax.get_lines() if to_rgba(line.get_color()) == to_rgba("0.75")]
    assert sorted(tuple(line.get_xdata()) for line in grey) == [(1,)] * len(pruned)
    failed = [t for t in trials if t.state == hpdsl.TrialState.FAIL]
    dotted = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert failed and len(dotted) == len(failed)
    coloured = [line for line in ax.get_lines() if line not in grey and line not in dotted]
    assert len(coloured) == len(finished) + 1  # and the best again, on top
    assert all(tuple(line.get_xdata()) == (1, 2, 3) for line in coloured)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == f"pruned ({len(pruned)})" and f"finished ({len(finished)})" in labels
    assert f"failed or running ({len(failed)})" in labels
    with pytest.raises(ValueError, match="no trial reported intermediate values"):
        plot.intermediate(hpdsl.Trials())


def test_history_marks_pruned_trials_apart_from_failed_ones(
        stored: tuple[Path, hpdsl.Trials]) -> None:
    from matplotlib.figure import Figure

    trials = stored[1]
    states = [t.state for t in trials]
    ax = plot.history(trials, Figure().add_subplot())
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert f"pruned ({states.count(hpdsl.TrialState.PRUNED)}): last value" in labels
    assert f"failed ({states.count(hpdsl.TrialState.FAIL)})" in labels


def test_plot_command(stored: tuple[Path, hpdsl.Trials], tmp_path: Path) -> None:
    url = f"sqlite:///{stored[0] / 'p.db'}"
    for kind in plot.KINDS:
        out = tmp_path / f"{kind}.png"
        proc = subprocess.run([HPDSL, "plot", url, "--kind", kind, "--out", str(out)],
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        assert out.read_bytes().startswith(PNG) and out.stat().st_size > 5000
    bad = subprocess.run([HPDSL, "plot", url, "--out", str(tmp_path / "no" / "dir.png")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and bad.stderr.startswith("hpdsl: error: cannot write")
    assert "Traceback" not in bad.stderr


# Optuna's XGBoost example (examples/xgboost/xgboost_simple.py), ported: `booster`
# activates the tree parameters, and `dart` four more.
XGBOOST = """\
booster          ~ choice(gbtree, gblinear, dart)
lambda           ~ loguniform(1e-8, 1.0)
alpha            ~ loguniform(1e-8, 1.0)
subsample        ~ uniform(0.2, 1.0)
colsample_bytree ~ uniform(0.2, 1.0)
if booster in {gbtree, dart} {
    max_depth        ~ choice(3, 5, 7, 9)
    min_child_weight ~ randint(2, 10)
    eta              ~ loguniform(1e-8, 1.0)
    gamma            ~ loguniform(1e-8, 1.0)
    grow_policy      ~ choice(depthwise, lossguide)
}
if booster == dart {
    sample_type    ~ choice(uniform, weighted)
    normalize_type ~ choice(tree, forest)
    rate_drop      ~ loguniform(1e-8, 1.0)
    skip_drop      ~ loguniform(1e-8, 1.0)
}
"""


def test_importance_credits_the_choice_that_switches_subspaces() -> None:
    """`booster` alone explains most of the loss's variance; the parameters it activates
    must not take its credit (they did: booster got 0, eta most of it)."""
    noise = np.random.default_rng(5)

    def error(config: dict[str, Any]) -> float:
        loss = {"gbtree": 0.20, "dart": 0.21, "gblinear": 0.32}[config["booster"]]
        if "eta" in config:  # a real but smaller effect inside the tree boosters
            loss += 0.12 * ((math.log10(config["eta"]) + 1) / 7) ** 2
        return loss + 0.01 * float(noise.normal())

    trials = hpdsl.Trials()
    hpdsl.fmin(error, XGBOOST, algo=hpdsl.rand.suggest, max_evals=300, trials=trials,
               rstate=0, show_progressbar=False)
    losses = np.array(trials.losses())
    booster = np.array([t.config["booster"] for t in trials])
    between = sum((booster == b).mean() * (losses[booster == b].mean() - losses.mean()) ** 2
                  for b in set(booster))
    explained = between / losses.var()  # what booster alone explains: about 60%
    assert 0.5 < explained < 0.7

    shares = plot.parameter_importance(trials, method="forest")
    assert list(shares)[:2] == ["booster", "eta"], shares
    assert shares["booster"] == pytest.approx(explained, abs=0.1)
    assert all(shares[name] < 0.05 for name in shares if name not in ("booster", "eta"))
