"""Directions, several objectives and outcome constraints, as a user of `fmin`, `Study`
and `Trials` sees them (the CLI's side is in test_cli_multiobjective.py)."""

from __future__ import annotations

import functools
import math
import sqlite3
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hpdsl
from hpdsl import ConfigurationError, TrialState
from hpdsl.storage._schema import MIGRATIONS, SCHEMA_VERSION

rand = hpdsl.rand.suggest
SPACE = "x ~ uniform(0, 1)\nk ~ randint(0, 3)\n"


def two(cfg: dict[str, Any]) -> tuple[float, float]:
    """A trade-off: the first value falls as x grows, the second rises."""
    return cfg["x"] + cfg["k"], (1 - cfg["x"]) ** 2 + cfg["k"]


def run(fn: Any, **kw: Any) -> Any:
    kw.setdefault("algo", rand)
    kw.setdefault("show_progressbar", False)
    kw.setdefault("rstate", 0)
    return hpdsl.fmin(fn, kw.pop("space", SPACE), **kw)


def front_by_hand(points: list[tuple[float, ...]]) -> set[int]:
    """Indices of the points that no other point dominates (all minimized)."""
    return {i for i, p in enumerate(points)
            if not any(all(a <= b for a, b in zip(q, p, strict=True)) and q != p
                       for q in points)}


# --- one objective, maximized --------------------------------------------------------------
def test_maximize_returns_the_highest_and_algorithms_read_it_negated() -> None:
    trials = hpdsl.Trials()
    best = run(lambda c: c["x"], max_evals=12, trials=trials, direction="maximize",
               algo=None)
    values = [t.loss for t in trials]
    assert best["x"] == max(values) == trials.best_trial.loss  # type: ignore[union-attr]
    assert trials[0].values == (trials[0].loss,)  # kept as returned, not negated
    history = trials.history(hpdsl.loads(SPACE))
    assert history.losses.tolist() == [-v for v in values]
    assert history.values[:, 0].tolist() == history.losses.tolist()


def test_loss_threshold_of_a_maximized_objective_stops_at_or_above_it() -> None:
    trials = hpdsl.Trials()
    run(lambda c: c["x"], max_evals=200, trials=trials, direction="maximize",
        loss_threshold=0.9)
    assert trials[len(trials) - 1].loss >= 0.9  # type: ignore[operator]
    assert all(t.loss < 0.9 for t in list(trials)[:-1])  # type: ignore[operator]


# --- several objectives --------------------------------------------------------------------
def test_fmin_returns_the_pareto_optimal_configurations() -> None:
    trials = hpdsl.Trials()
    configs = run(two, max_evals=30, trials=trials, directions=("minimize", "minimize"))
    points = [t.values for t in trials]
    expected = front_by_hand(points)  # type: ignore[arg-type]
    front = trials.pareto_front()
    assert {t.number for t in front} == expected and len(expected) >= 2
    assert configs == [t.config for t in front] and trials.best_trials == front
    assert all(t.values == two(t.config) for t in front)
    with pytest.raises(ConfigurationError, match=r"pareto_front\(\)"):
        _ = trials.best_trial


def test_a_maximized_objective_among_several_is_not_negated_in_the_front() -> None:
    trials = hpdsl.Trials()
    run(lambda c: (c["x"], c["x"] ** 2 + c["k"]), max_evals=25, trials=trials,
        directions=["maximize", "minimize"])
    front = trials.pareto_front()
    expected = front_by_hand([(-t.values[0], t.values[1]) for t in trials])  # type: ignore[index]
    assert {t.number for t in front} == expected
    assert max(t.values[0] for t in trials) in [t.values[0] for t in front]  # type: ignore[index]


def test_objective_names_read_values_from_a_dict_and_name_the_directions() -> None:
    trials = hpdsl.Trials()
    run(lambda c: {"error": c["x"], "latency_ms": 10 * (1 - c["x"]), "note": "hi"},
        max_evals=5, trials=trials, objectives={"error": "minimize", "latency_ms": "minimize"})
    assert trials.objectives.names == ("error", "latency_ms")
    assert trials[0].values == (trials[0].config["x"], 10 * (1 - trials[0].config["x"]))
    assert trials.attachments[0]["note"] == "hi"


def test_study_ask_tell_takes_a_vector() -> None:
    study = hpdsl.Study(SPACE, rand, seed=1, directions=("minimize", "maximize"))
    for _ in range(6):
        trial = study.ask()
        study.tell(trial, [trial.config["x"], trial.config["x"] ** 2])
    assert all(t.state == TrialState.OK and len(t.values) == 2 for t in study.trials)  # type: ignore[arg-type]
    assert study.pareto_front() == study.trials.pareto_front() != []
    history = study.trials.history(study.space)
    assert history.values.shape == (6, 2)
    assert history.values[:, 1].tolist() == [-t.values[1] for t in study.trials]  # type: ignore[index]


def test_several_objectives_in_worker_processes() -> None:
    trials = hpdsl.Trials()
    configs = run(two, max_evals=6, trials=trials, directions=("minimize", "minimize"),
                  n_jobs=2)
    assert len(trials) == 6 and all(len(t.values) == 2 for t in trials)  # type: ignore[arg-type]
    assert configs == [t.config for t in trials.pareto_front()]


# --- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize(("value", "reason"), [
    ((0.1,), "returned 1 values for 2 objectives (value0 (minimize), value1 (minimize))"),
    ((0.1, 0.2, 0.3), "returned 3 values for 2 objectives"),
    (0.5, "returned 0.5 (float) for 2 objectives"),
    ((0.1, math.nan), "value 1 (`value1`) is nan"),
    ((0.1, "fast"), "value 1 (`value1`) is 'fast' (str), not a number"),
    ({"loss": [0.1, 0.2], "constraints": ["x"]}, "constraint 0 is 'x' (str), not a finite"),
    ({"loss": [0.1, 0.2], "constraints": [math.nan]}, "constraint 0 is nan"),
])
def test_a_bad_vector_fails_its_trial_with_the_reason(value: Any, reason: str) -> None:
    study = hpdsl.Study(SPACE, rand, seed=0, directions=("minimize", "minimize"))
    trial = study.tell(study.ask(), value)
    assert trial.state == TrialState.FAIL and reason in (trial.error or "")
    assert trial.values is None and trial.loss is None
    ok = study.tell(study.ask(), (1.0, 2.0))  # nothing lost: the study goes on
    assert ok.state == TrialState.OK and len(study.trials) == 2


@pytest.mark.parametrize(("kw", "message"), [
    ({"directions": ("minimize", "maximise")}, "unknown direction 'maximise'"),
    ({"direction": "up"}, "unknown direction 'up'"),
    ({"directions": "minimize"}, "not the string"),
    ({"direction": "minimize", "directions": ["minimize"]}, "not both"),
    ({"objectives": ("a", "a")}, "objective names repeat"),
    ({"objectives": ("a b",)}, "is not a name"),
    ({"objectives": ("a", "b"), "directions": ["minimize"]}, "2 objective names for 1"),
    ({"constraints": "latency < 20"}, "is not `name <= number`"),
    ({"directions": 5}, "directions is a list or tuple of words, not int 5"),
    ({"objectives": 5}, "objectives is a list or tuple of words, not int 5"),
])
def test_bad_directions_are_refused_before_anything_runs(kw: dict[str, Any],
                                                         message: str) -> None:
    calls: list[object] = []
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(")):
        run(calls.append, max_evals=3, **kw)
    assert calls == []


def users_algorithm(space: Any, history: Any, rng: Any, n: int = 1) -> Any:
    return hpdsl.rand.suggest(space, history, rng, n)


@pytest.mark.parametrize(("algo", "name"), [
    (hpdsl.anneal.suggest, "anneal.suggest"),
    (users_algorithm, "test_multiobjective.users_algorithm"),
    (functools.partial(hpdsl.anneal.suggest, shrink_coef=0.2), "anneal.suggest")])
def test_a_single_objective_algorithm_is_refused_several(algo: Any, name: str) -> None:
    with pytest.raises(ConfigurationError, match=rf"(?s)`{name}` optimizes one objective; "
                                                 r"this study has 2 .*hpdsl.rand.suggest"):
        run(two, algo=algo, max_evals=3, directions=("minimize", "minimize"))


def test_rand_and_grid_handle_several_objectives() -> None:
    assert run(two, max_evals=4, directions=("minimize", "minimize"))
    grid = functools.partial(hpdsl.grid.suggest, resolution=3)
    assert run(two, algo=grid, max_evals=4, directions=("minimize", "minimize"))


def test_best_config_and_argmin_of_several_objectives_point_at_the_front() -> None:
    study = hpdsl.Study(SPACE, rand, seed=0, directions=("minimize", "minimize"))
    study.tell(study.ask(), (1.0, 2.0))
    for get in (lambda: study.best_config, lambda: study.trials.argmin):
        with pytest.raises(ConfigurationError, match="pareto_front"):
            get()


# --- outcome constraints -------------------------------------------------------------------
def test_infeasible_trials_are_kept_but_never_best() -> None:
    trials = hpdsl.Trials()
    best = run(lambda c: {"loss": c["x"], "constraints": [0.5 - c["x"]]}, max_evals=20,
               trials=trials)
    feasible = [t for t in trials if t.config["x"] >= 0.5]
    assert best["x"] == min(t.config["x"] for t in feasible)
    infeasible = [t for t in trials if t.config["x"] < 0.5]
    assert infeasible and all(t.state == TrialState.OK and not t.feasible for t in infeasible)
    assert all(t.violation == pytest.approx(0.5 - t.config["x"]) for t in infeasible)
    history = trials.history(hpdsl.loads(SPACE))
    rows = [t.number for t in infeasible]
    assert np.isnan(history.losses[rows]).all() and (history.violation[rows] > 0).all()
    assert not np.isnan(history.values[rows, 0]).any()  # samplers may still read them


def test_a_declared_constraint_keeps_breaking_trials_off_the_front() -> None:
    trials = hpdsl.Trials()
    configs = run(lambda c: {"loss": [c["x"], c["k"]], "latency_ms": 40 * c["x"]},
                  max_evals=30, trials=trials, objectives=("error", "size"),
                  constraints=["latency_ms <= 20"])
    assert trials.objectives.bounds[0].limit == 20
    assert all(c["x"] <= 0.5 for c in configs) and configs
    assert all(t.feasible == (t.config["x"] <= 0.5) for t in trials)
    assert trials[0].constraints == (40 * trials[0].config["x"] - 20,)


def test_a_constraint_on_an_objective_and_one_missing_from_the_result() -> None:
    study = hpdsl.Study(SPACE, rand, seed=0, objectives=("error", "size"),
                        constraints=("size >= 1", "memory <= 3"))
    trial = study.tell(study.ask(), {"loss": [0.5, 0.0], "memory": 5})
    assert trial.constraints == (1.0, 2.0) and trial.violation == 3.0
    missing = study.tell(study.ask(), (0.5, 2.0))
    assert missing.state == TrialState.FAIL
    assert "the outcome constraint `memory <= 3` needs a number `memory`" in missing.error  # type: ignore[operator]


def test_no_feasible_trial_says_so() -> None:
    with pytest.raises(hpdsl.AllTrialsFailed, match="3 OK trials break the outcome"):
        run(lambda c: {"loss": c["x"], "constraints": 1.0}, max_evals=3)


# --- storage --------------------------------------------------------------------------------
def test_values_constraints_and_objectives_last_in_a_study_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    run(lambda c: {"loss": [c["x"], -c["k"]], "constraints": [c["x"] - 0.7]}, max_evals=8,
        trials=hpdsl.Trials(url), objectives={"error": "minimize", "k": "maximize"},
        constraints=["error <= 0.9"])
    again = hpdsl.Trials(url)
    assert again.objectives.names == ("error", "k")
    assert again.objectives.directions == ("minimize", "maximize")
    assert [str(b) for b in again.objectives.bounds] == ["error <= 0.9"]
    t = again[0]
    assert t.values == (t.config["x"], -t.config["k"])
    assert t.constraints == pytest.approx((t.config["x"] - 0.7, t.config["x"] - 0.9))
    run(lambda c: (c["x"], -c["k"]), max_evals=10, trials=again)  # resumed as recorded
    assert len(again) == 10 and again.objectives.k == 2


@pytest.mark.parametrize("kw", [{"directions": ("minimize", "minimize")},
                                {"direction": "maximize"},
                                {"constraints": ["loss <= 1"]}])
def test_resuming_with_other_objectives_is_refused(tmp_path: Path, kw: dict[str, Any]) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    run(lambda c: c["x"], max_evals=3, trials=hpdsl.Trials(url))
    with pytest.raises(ConfigurationError, match=r"was run with 1 objective: loss \(minimize\); "
                                                 r"this search has"):
        run(two, max_evals=5, trials=hpdsl.Trials(url), **kw)
    assert len(hpdsl.Trials(url)) == 3


def test_a_new_study_may_take_objectives_before_its_first_trial(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    hpdsl.Study(SPACE, trials=hpdsl.Trials(url))  # records one minimized objective
    run(two, max_evals=3, trials=hpdsl.Trials(url), directions=("minimize", "minimize"))
    assert hpdsl.Trials(url).objectives.k == 2


def _old_file(path: Path, version: int) -> None:
    """A study file of schema `version` with one OK trial of loss 0.25, as that version
    of hpdsl wrote it."""
    db = sqlite3.connect(path)
    for migrate in MIGRATIONS[:version]:
        migrate(db)
    db.execute("INSERT INTO studies (id, name, created, space_source, space_sha256) "
               "VALUES (1, 'old', '2024-01-02T03:04:05', ?, ?)", (SPACE, "0" * 64))
    db.execute("INSERT INTO trials (study_id, number, state, config, params, x, active, "
               "loss, result, error, attachments, started, finished) VALUES "
               "(1, 0, 1, ?, '{}', ?, ?, 0.25, ?, NULL, '{}', '2024-01-02T03:04:06', "
               "'2024-01-02T03:04:07')",
               ('{"x": 0.5, "k": 1}', np.array([0.5, 1.0]).tobytes(), bytes([1, 1]),
                '{"loss": 0.25, "status": "ok"}'))
    db.execute(f"PRAGMA user_version = {version}")
    db.execute("PRAGMA application_id = 1752196211")
    db.commit()
    db.close()


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_study_files_of_every_older_version_migrate(tmp_path: Path, version: int) -> None:
    path = tmp_path / f"v{version}.db"
    _old_file(path, version)
    trials = hpdsl.Trials(f"sqlite:///{path}", study="old")
    assert trials[0].values == (0.25,) and trials[0].constraints is None
    assert trials.objectives.directions == ("minimize",) and trials.best_trial is trials[0]
    with pytest.raises(ConfigurationError, match="was run with 1 objective"):
        hpdsl.Study(SPACE, trials=trials, direction="maximize")
    run(lambda c: c["x"], max_evals=3, trials=trials)
    assert len(trials) == 3 and trials[2].values == (trials[2].config["x"],)


# --- plots ----------------------------------------------------------------------------------
def test_importance_is_per_objective() -> None:
    pytest.importorskip("matplotlib")
    trials = hpdsl.Trials()
    run(lambda c: (c["x"], float(c["k"])), max_evals=30, trials=trials,
        objectives=("error", "size"))
    error = hpdsl.plot.parameter_importance(trials, objective="error", method="variance")
    size = hpdsl.plot.parameter_importance(trials, objective="size", method="variance")
    assert error["x"] > error["k"] and size["k"] > size["x"]


def test_the_pareto_plot_marks_the_front_and_the_infeasible_trials() -> None:
    pytest.importorskip("matplotlib")
    from matplotlib.figure import Figure

    trials = hpdsl.Trials()
    run(lambda c: {"loss": [c["x"], 1 - c["x"], float(c["k"])],
                   "constraints": [c["x"] - 0.8]}, max_evals=20, trials=trials,
        directions=("minimize", "maximize", "minimize"))
    fig = hpdsl.plot.pareto(trials, Figure())
    assert len(fig.axes) == 9  # a pairs plot of 3 objectives
    labels = [t.get_label() for ax in fig.axes for t in ax.collections]
    front = len(trials.pareto_front())
    infeasible = sum(not t.feasible for t in trials)
    assert f"Pareto front ({front})" in labels and f"infeasible ({infeasible})" in labels
    assert fig.axes[1].get_xlabel() == "value1 (max)"


# --- intermediate reports of several values -------------------------------------------------
def reports_vectors(cfg: dict[str, Any], trial: hpdsl.RunningTrial) -> tuple[float, float]:
    for step in range(3):
        trial.report((cfg["x"] * step, float(step)), step)
    return cfg["x"], float(cfg["k"])


def test_reports_of_one_value_per_objective_are_kept_whole(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/s.db"
    run(reports_vectors, max_evals=3, trials=hpdsl.Trials(url),
        directions=("minimize", "minimize"))
    for t in hpdsl.Trials(url):
        x = t.config["x"]
        assert t.intermediate_values == {s: (x * s, float(s)) for s in range(3)}
        assert t.intermediate == {s: x * s for s in range(3)}  # pruners read the first


@pytest.mark.parametrize("url", [None, "sqlite"])
@pytest.mark.parametrize(("value", "message"), [
    ((0.1, 0.2, 0.3), "reported 3 values at step 0 for 2 objectives"),
    ((0.1, math.nan), "reported nan at step 0"),
    ((0.1, "x"), "report a number, not str"),
])
def test_a_bad_vector_report_is_refused_and_nothing_is_stored(
        tmp_path: Path, url: str | None, value: Any, message: str) -> None:
    trials = hpdsl.Trials(f"sqlite:///{tmp_path}/s.db" if url else None)
    study = hpdsl.Study(SPACE, rand, seed=0, trials=trials, directions=("minimize", "minimize"))
    trial = study.ask()
    running = study.running_trial(trial)
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        running.report(value, 0)
    running.report((0.5, 1.5), 0)
    assert study.trials[0].intermediate_values == {0: (0.5, 1.5)}
