"""`hpdsl.fmin`: what a user of the hyperopt-style loop sees."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hpdsl
from hpdsl import STATUS_FAIL, STATUS_OK, TrialState

rand = hpdsl.rand.suggest

NESTED = """
n_layers ~ randint(1, 3)
for i in 1..n_layers {
    units[i] ~ qloguniform(16, 256, 16)
}
optimizer {
    kind ~ choice(sgd, adam)
    lr ~ loguniform(1e-4, 1e-1)
}
"""

SIMPLE = "x ~ uniform(-5, 5)\nk ~ randint(0, 3)\n"


def quadratic(cfg: dict[str, Any]) -> float:
    return float((cfg["x"] - 1) ** 2 + cfg["k"])


def run(fn: Any = quadratic, space: Any = SIMPLE, **kw: Any) -> dict[str, Any]:
    kw.setdefault("algo", rand)
    kw.setdefault("show_progressbar", False)
    return hpdsl.fmin(fn, space, **kw)


def test_returns_the_best_configuration_as_the_user_sees_it() -> None:
    trials = hpdsl.Trials()
    best = run(lambda c: c["optimizer"]["lr"] * len(c["units"]), NESTED, max_evals=15,
               trials=trials, rstate=1)
    assert best == trials.best_trial.config  # type: ignore[union-attr]
    assert isinstance(best["n_layers"], int)
    assert isinstance(best["units"], list) and len(best["units"]) == best["n_layers"]
    assert all(isinstance(u, int) and u % 16 == 0 for u in best["units"])
    assert best["optimizer"]["kind"] in ("sgd", "adam")
    losses = [loss for loss in trials.losses() if loss is not None]
    assert trials.best_trial.loss == min(losses)  # type: ignore[union-attr]


def test_best_is_a_copy_that_the_caller_may_change() -> None:
    trials = hpdsl.Trials()
    best = run(max_evals=5, trials=trials, rstate=0)
    best["x"] = "changed"
    assert trials.best_trial.config["x"] != "changed"  # type: ignore[union-attr]


def test_space_may_be_a_path_a_str_path_or_source_text(tmp_path: Path) -> None:
    path = tmp_path / "s.hps"
    path.write_text(SIMPLE)
    results = [run(space=s, max_evals=4, rstate=3) for s in (path, str(path), SIMPLE,
                                                            hpdsl.loads(SIMPLE))]
    assert all(r == results[0] for r in results)


def test_a_missing_hps_path_is_an_error_not_source_text() -> None:
    with pytest.raises(hpdsl.SpaceError, match="HPS002"):
        run(space="no/such/space.hps", max_evals=1)


def test_a_space_is_searched_as_given() -> None:
    space = hpdsl.loads(SIMPLE)
    assert hpdsl.Study(space).space is space


def test_a_str_naming_an_existing_file_is_a_path_whatever_it_looks_like(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "space.txt").write_text("y ~ uniform(0, 1)\n")
    (tmp_path / "x ~ uniform(0, 1)").write_text("z ~ uniform(0, 1)\n")
    assert list(hpdsl.Study("space.txt").space.sample(0)) == ["y"]
    assert list(hpdsl.Study("x ~ uniform(0, 1)").space.sample(0)) == ["z"]


@pytest.mark.parametrize("text", ["x ~ uniform(0, 1)", "  lr~loguniform(1e-4, 1e-1)",
                                  "n = 3"])
def test_a_str_starting_with_a_declaration_is_source_text(text: str) -> None:
    assert hpdsl.Study(text).space.source == text


def test_a_one_line_source_with_errors_reports_them() -> None:
    with pytest.raises(hpdsl.SpaceError, match="HPS114"):
        hpdsl.Study("units[i] ~ randint(1, 3)")


@pytest.mark.parametrize("text", ["no_such_space", "spaces/missing.txt", "", "# a comment",
                                  "forbid x > 1", "x == 1"])
def test_a_str_that_is_neither_a_file_nor_clearly_source_is_refused(text: str) -> None:
    hint = r"`hpdsl\.load\(path\)`.*`hpdsl\.loads\(text\)`"
    with pytest.raises(hpdsl.ConfigurationError, match=hint):
        hpdsl.Study(text)
    with pytest.raises(hpdsl.ConfigurationError, match=hint):
        run(space=text, max_evals=1)


def test_a_space_of_another_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="not int"):
        hpdsl.Study(42)  # type: ignore[arg-type]


def test_same_seed_same_trials_and_other_seed_other_trials() -> None:
    def configs(seed: Any) -> list[dict[str, Any]]:
        trials = hpdsl.Trials()
        run(max_evals=6, trials=trials, rstate=seed)
        return [t.config for t in trials]

    assert configs(7) == configs(7)
    assert configs(7) == configs(np.random.default_rng(7))
    assert configs(7) != configs(8)


def test_max_evals_counts_earlier_trials_so_calling_again_resumes() -> None:
    trials = hpdsl.Trials()
    run(max_evals=4, trials=trials, rstate=0)
    first = [t.config for t in trials]
    run(max_evals=4, trials=trials, rstate=0)
    assert len(trials) == 4
    run(max_evals=7, trials=trials, rstate=1)
    assert len(trials) == 7
    assert [t.config for t in trials][:4] == first
    assert [t.number for t in trials] == list(range(7))


@pytest.mark.parametrize("returned, reason", [
    (math.nan, "nan"),
    (math.inf, "inf"),
    (None, "not a loss"),
    ("0.5", "not a loss"),
    (True, "not a loss"),
    ({"status": STATUS_OK}, "no `loss`"),
    ({"loss": math.nan}, "nan"),
    ({"loss": 1.0, "status": "maybe"}, "unknown status"),
    ({"loss": 1.0, "status": STATUS_FAIL}, "status 'fail'"),
    ({"status": STATUS_FAIL, "error": "diverged"}, "diverged"),
])
def test_a_result_that_is_not_a_loss_makes_a_failed_trial(returned: object, reason: str) -> None:
    trials = hpdsl.Trials()
    calls = iter([returned, 3.0])
    run(lambda c: next(calls), max_evals=2, trials=trials, rstate=0)
    failed, ok = trials[0], trials[1]
    assert failed.state == TrialState.FAIL and failed.loss is None
    assert failed.error is not None and reason in failed.error
    assert ok.state == TrialState.OK and ok.loss == 3.0
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.OK]
    assert trials.losses() == [None, 3.0]


def test_numpy_losses_are_accepted_as_floats() -> None:
    trials = hpdsl.Trials()
    run(lambda c: np.float32(0.25), max_evals=1, trials=trials)
    assert trials[0].loss == 0.25 and type(trials[0].loss) is float


def test_an_exception_is_recorded_then_propagates() -> None:
    trials = hpdsl.Trials()

    def boom(cfg: dict[str, Any]) -> float:
        if len(trials) == 3:
            raise ValueError("boom")
        return 1.0

    with pytest.raises(ValueError, match="boom"):
        run(boom, max_evals=10, trials=trials)
    assert len(trials) == 3
    assert trials[2].state == TrialState.FAIL and trials[2].error == "ValueError: boom"


def test_catch_eval_exceptions_keeps_going() -> None:
    trials = hpdsl.Trials()

    def flaky(cfg: dict[str, Any]) -> float:
        if len(trials) % 2:
            raise RuntimeError("flaky")
        return cfg["x"]

    best = run(flaky, max_evals=6, trials=trials, catch_eval_exceptions=True, rstate=0)
    assert len(trials) == 6
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.OK] * 3
    assert best == trials.best_trial.config  # type: ignore[union-attr]


def test_when_every_trial_fails_there_is_no_best() -> None:
    with pytest.raises(hpdsl.AllTrialsFailed, match="ZeroDivisionError"):
        run(lambda c: 1 / 0, max_evals=3, catch_eval_exceptions=True)


def test_extra_result_keys_are_kept() -> None:
    trials = hpdsl.Trials()
    run(lambda c: {"loss": 0.5, "status": STATUS_OK, "accuracy": 0.9, "model": [1, 2]},
        max_evals=2, trials=trials)
    t = trials[0]
    assert t.result == {"loss": 0.5, "status": "ok", "accuracy": 0.9, "model": [1, 2]}
    assert t.attachments == {"accuracy": 0.9, "model": [1, 2]}
    assert trials.attachments[1]["accuracy"] == 0.9


def test_ctrl_c_keeps_finished_trials_and_returns_the_best_so_far() -> None:
    trials = hpdsl.Trials()

    def objective(cfg: dict[str, Any]) -> float:
        if len(trials) == 4:
            raise KeyboardInterrupt
        return quadratic(cfg)

    best = run(objective, max_evals=50, trials=trials, rstate=0)
    assert len(trials) == 4
    assert [t.state for t in trials][:3] == [TrialState.OK] * 3
    assert trials[3].state == TrialState.INTERRUPTED and trials[3].error == "interrupted"
    assert best == trials.best_trial.config  # type: ignore[union-attr]
    run(max_evals=6, trials=trials, rstate=0)  # and the search can resume
    # the interrupted trial did not finish, so it does not count towards max_evals
    assert trials.counted() == 6 and len(trials) == 7


def test_declared_defaults_run_first_then_points_to_evaluate() -> None:
    space = "x ~ uniform(-5, 5) default 2.5\nk ~ randint(0, 3) default 1\n"
    trials = hpdsl.Trials()
    point = {"x": -1.0, "k": 3}
    run(space=space, max_evals=4, trials=trials, points_to_evaluate=[point], rstate=0)
    assert trials[0].config == {"x": 2.5, "k": 1}
    assert trials[1].config == point
    run(space=space, max_evals=6, trials=trials, points_to_evaluate=[point], rstate=0)
    assert [t.config for t in trials].count(point) == 1  # not tried again on resume


def test_no_default_trial_when_the_space_declares_none() -> None:
    trials = hpdsl.Trials()
    run(max_evals=3, trials=trials, points_to_evaluate=[{"x": 0.5, "k": 2}])
    assert trials[0].config == {"x": 0.5, "k": 2}


def test_points_to_evaluate_are_checked_before_anything_runs() -> None:
    trials = hpdsl.Trials()
    with pytest.raises(hpdsl.ConfigurationError) as err:
        run(max_evals=3, trials=trials,
            points_to_evaluate=[{"x": 0.0, "k": 1}, {"x": 9.0, "k": 1, "y": 2}])
    message = str(err.value)
    assert "points_to_evaluate[1]" in message
    assert "outside [-5, 5]" in message and "unknown key `y`" in message
    assert len(trials) == 0


def test_no_progress_loss_stops_a_search_that_stalls() -> None:
    trials = hpdsl.Trials()
    losses = iter([5.0, 4.0, 4.5, 4.2, 3.99, 4.1, 4.3, 4.4, 1.0])
    run(lambda c: next(losses), max_evals=50, trials=trials,
        early_stop_fn=hpdsl.early_stop.no_progress_loss(3))
    assert trials.losses() == [5.0, 4.0, 4.5, 4.2, 3.99, 4.1, 4.3, 4.4]


def test_no_progress_loss_with_min_delta_and_percent_increase() -> None:
    for rule in (hpdsl.early_stop.no_progress_loss(2, min_delta=0.5),
                 hpdsl.early_stop.no_progress_loss(2, percent_increase=10)):
        trials = hpdsl.Trials()
        losses = iter([5.0, 4.8, 4.6, 1.0])
        run(lambda c, it=losses: next(it), max_evals=10, trials=trials, early_stop_fn=rule)
        assert len(trials) == 3


def test_early_stop_fn_may_return_a_bool_or_hyperopts_pair() -> None:
    trials = hpdsl.Trials()
    run(max_evals=20, trials=trials, early_stop_fn=lambda t: len(t) >= 5)
    assert len(trials) == 5

    seen = []

    def hyperopt_style(t: hpdsl.Trials, count: int = 0) -> tuple[bool, list[int]]:
        seen.append(count)
        return count + 1 >= 3, [count + 1]

    trials = hpdsl.Trials()
    run(max_evals=20, trials=trials, early_stop_fn=hyperopt_style)
    assert seen == [0, 1, 2] and len(trials) == 3


def test_loss_threshold_stops_once_reached() -> None:
    trials = hpdsl.Trials()
    losses = iter([3.0, 2.0, 0.5, 0.1, 0.0])
    run(lambda c: next(losses), max_evals=5, trials=trials, loss_threshold=0.5)
    assert trials.losses() == [3.0, 2.0, 0.5]


def test_timeout_starts_no_trial_once_spent() -> None:
    trials = hpdsl.Trials()
    run(max_evals=3, trials=trials, rstate=0)
    best = run(max_evals=10, trials=trials, timeout=0)
    assert len(trials) == 3 and best == trials.best_trial.config  # type: ignore[union-attr]


def test_progress_bar_shows_trials_and_best_loss(capsys: pytest.CaptureFixture[str]) -> None:
    run(lambda c: 0.125, max_evals=3, show_progressbar=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "best loss: 0.125" in err
    run(lambda c: 0.125, max_evals=3, show_progressbar=False)
    assert capsys.readouterr().err == ""


def test_grid_search_stops_when_every_configuration_was_tried() -> None:
    trials = hpdsl.Trials()
    space = hpdsl.loads("a ~ choice(x, y, z)\nb ~ randint(1, 2)\nforbid a == z and b == 2")
    best = run(lambda c: c["b"] + (c["a"] == "y"), space, algo=hpdsl.grid.suggest,
               max_evals=100, trials=trials)
    assert len(trials) == 5 == space.size()
    assert best == {"a": "x", "b": 1}


def test_the_default_algorithm_is_tpe() -> None:
    assert hpdsl.tpe is hpdsl.search.tpe
    trials = hpdsl.Trials()
    hpdsl.fmin(quadratic, SIMPLE, max_evals=3, trials=trials, rstate=0, show_progressbar=False)
    assert len(trials) == 3
