"""Gradient-based search (hpdsl.hypergrad) and the gradients objectives return
(hpdsl/search/_gradients.py): the chain rule into coordinates, projected L-BFGS
steps, and what bad gradients get."""

from __future__ import annotations

import importlib.util
import math
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from corpora import EXAMPLES_DIR
from run_cli import cli
from scipy.optimize import minimize

import hpdsl
from hpdsl.search import GradientWarning, History, TrialState
from hpdsl.search._gradients import read_gradient

TWO = """
x ~ uniform(-5, 5) default 4
c ~ loguniform(1e-3, 1e3) default 1
"""


def two(cfg: dict[str, Any]) -> dict[str, Any]:
    """Minimum at x = 1, c = 20 (a quadratic in log c): needs the chain rule."""
    lc = math.log(cfg["c"])
    return {"loss": (cfg["x"] - 1) ** 2 + (lc - math.log(20)) ** 2,
            "grad": {"x": 2 * (cfg["x"] - 1), "c": 2 * (lc - math.log(20)) / cfg["c"]}}


def run(objective: Any, space: str, evals: int, **kw: Any) -> hpdsl.Trials:
    trials = kw.pop("trials", None)
    trials = hpdsl.Trials() if trials is None else trials
    hpdsl.fmin(objective, space, algo=hpdsl.hypergrad.suggest, max_evals=evals, trials=trials,
               rstate=0, show_progressbar=False, **kw)
    return trials


def best(trials: hpdsl.Trials) -> float:
    assert trials.best_trial is not None and trials.best_trial.loss is not None
    return trials.best_trial.loss


def test_the_chain_rule_turns_value_derivatives_into_coordinate_ones() -> None:
    space = hpdsl.loads(TWO)
    x, active = space.coords.encode({"x": 2.0, "c": 10.0})
    g, failed, problems = read_gradient(space, x, active, {"x": 3.0, "c": 0.5})
    assert not failed and problems == []
    assert g == pytest.approx([3.0, 0.5 * 10.0])  # dL/dlog(c) = dL/dc * c


def test_converges_from_the_defaults_in_few_trials() -> None:
    trials = run(two, TWO, 15)
    assert trials[0].config == {"x": 4, "c": 1}
    assert best(trials) < 1e-8
    assert trials.best_trial is not None
    assert trials.best_trial.config["c"] == pytest.approx(20, rel=1e-4)


def test_steps_stay_inside_the_bounds_and_stop_at_them() -> None:
    space = "x ~ uniform(0, 1) default 0.5\ny ~ uniform(0, 1) default 0.5"

    def objective(cfg: dict[str, Any]) -> dict[str, Any]:  # minimum at x = 2 (outside)
        return {"loss": (cfg["x"] - 2) ** 2 + (cfg["y"] - 0.3) ** 2,
                "grad": {"x": 2 * (cfg["x"] - 2), "y": 2 * (cfg["y"] - 0.3)}}

    trials = run(objective, space, 12)
    assert all(0 <= t.config["x"] <= 1 for t in trials)
    assert trials.best_trial is not None
    assert trials.best_trial.config["x"] == 1.0
    assert trials.best_trial.config["y"] == pytest.approx(0.3, abs=1e-6)


def test_steps_grow_while_the_loss_keeps_falling_as_steeply() -> None:
    """On a slope (no curvature), a full step that ends as steep as it began is doubled,
    as a line search that extrapolates does, until the bound."""
    trials = run(lambda cfg: {"loss": -cfg["x"], "grad": {"x": -1.0}},
                 "x ~ uniform(0, 100) default 0", 6)
    assert [t.config["x"] for t in trials][:5] == pytest.approx([0, 10, 30, 70, 100])


def test_parameters_without_a_gradient_are_held_at_the_incumbent() -> None:
    space = """
x ~ uniform(-5, 5) default 3
kind ~ choice(a, b) default b
n ~ randint(1, 9) default 4
"""

    def objective(cfg: dict[str, Any]) -> dict[str, Any]:
        penalty = (cfg["kind"] == "b") + abs(cfg["n"] - 2)
        return {"loss": (cfg["x"] + 1) ** 2 + penalty, "grad": {"x": 2 * (cfg["x"] + 1)}}

    trials = run(objective, space, 60)
    configs = [t.config for t in trials]
    converged = next(i for i, c in enumerate(configs) if abs(c["x"] + 1) < 1e-6)
    assert {(c["kind"], c["n"]) for c in configs[:converged + 1]} == {("b", 4)}
    # once converged, mutations of the incumbent search the held parameters too
    assert trials.best_trial is not None
    assert trials.best_trial.config == {"x": pytest.approx(-1, abs=1e-6), "kind": "a", "n": 2}


def test_an_objective_without_gradients_is_a_clear_error_and_keeps_its_trials() -> None:
    trials = hpdsl.Trials()
    with pytest.raises(hpdsl.ConfigurationError, match="hypergrad needs gradients"):
        run(lambda cfg: (cfg["x"] - 1) ** 2, TWO, 5, trials=trials)
    assert [t.state for t in trials] == [TrialState.OK]


def test_a_space_without_continuous_parameters_is_refused() -> None:
    with pytest.raises(hpdsl.ConfigurationError, match="continuous parameter"):
        run(lambda cfg: 0.0, "n ~ randint(1, 5)\nk ~ choice(a, b)", 3)


def test_unknown_and_inactive_names_are_ignored_with_a_warning() -> None:
    space = TWO + "mode ~ choice(on, off) default off\nif mode == on then z ~ uniform(0, 1)\n"

    def objective(cfg: dict[str, Any]) -> dict[str, Any]:
        result = two(cfg)
        result["grad"] = {**result["grad"], "z": 1.0, "xx": 2.0}
        return result

    with pytest.warns(GradientWarning) as caught:
        trials = run(objective, space, 15)
    text = " ".join(str(w.message) for w in caught)
    assert "`xx` is not a parameter of the space (did you mean `x`?)" in text
    assert "`z` is inactive in this trial" in text
    assert best(trials) < 1e-8  # the usable derivatives are used


@pytest.mark.parametrize("bad", [float("nan"), "0.5", [1.0], None])
def test_a_nan_or_mistyped_gradient_is_a_failed_step(bad: object) -> None:
    """Beyond x = 2 the gradient is bad: the trial keeps its loss, and the next step goes
    back towards the incumbent."""
    space = "x ~ uniform(-10, 10) default -2"

    def objective(cfg: dict[str, Any]) -> dict[str, Any]:
        x = cfg["x"]
        grad = {"x": 2 * (x - 5)} if x < 2 else ({"x": bad} if bad is not None else bad)
        return {"loss": (x - 5) ** 2, "grad": grad}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GradientWarning)
        trials = run(objective, space, 25)
    assert all(t.state == TrialState.OK and t.loss is not None for t in trials)
    xs = [t.config["x"] for t in trials]
    first_bad = next(i for i, x in enumerate(xs) if x >= 2)
    incumbent = max(x for x in xs[:first_bad] if x < 2)
    assert incumbent < xs[first_bad + 1] < xs[first_bad]
    # the descent goes on from the best points with a gradient, towards x = 2
    assert max(x for x in xs if x < 2) > 1.9
    assert best(trials) == 0.0  # x = 5, whose gradient was bad: its loss counts all the same


def test_the_warning_names_what_is_wrong() -> None:
    space = hpdsl.loads(TWO)
    x, active = space.coords.encode({"x": 2.0, "c": 10.0})
    for grad, says in [([1, 2], "`grad` is a list, not a dict"),
                       ({"x": "1"}, "the derivative for `x` is a str, not a number"),
                       ({"x": math.inf}, "the derivative for `x` is inf")]:
        g, failed, problems = read_gradient(space, x, active, grad)
        assert failed and np.isnan(g).all()
        assert says in problems[0]


def test_gradients_survive_sqlite_storage_and_the_search_resumes(tmp_path: Path) -> None:
    whole = run(two, TWO, 14)
    url = f"sqlite:///{tmp_path / 'hg.db'}"
    run(two, TWO, 6, trials=hpdsl.Trials(url))
    stored = hpdsl.Trials(url)
    assert stored[3].result["grad"] == two(stored[3].config)["grad"]
    resumed = run(two, TWO, 14, trials=stored)
    assert [t.config for t in resumed] == [t.config for t in whole]
    history = resumed.history(hpdsl.loads(TWO))
    assert np.isfinite(history.grads).all()


def test_several_rows_at_once_try_shorter_steps() -> None:
    space = hpdsl.loads(TWO)
    x, active = space.coords.encode({"x": 4.0, "c": 1.0})
    g, _, _ = read_gradient(space, x, active, two({"x": 4.0, "c": 1.0})["grad"])
    history = History(x[None, :], active[None, :], np.array([two({"x": 4, "c": 1})["loss"]]),
                      np.array([int(TrialState.OK)]), grads=g[None, :])
    X = hpdsl.hypergrad.suggest(space, history, np.random.default_rng(0), 3)
    steps = X - x
    assert (steps @ g < 0).all()  # all downhill, along one direction, shorter each time
    lengths = np.linalg.norm(steps, axis=1)
    assert lengths[0] > lengths[1] > lengths[2] > 0


def test_parallel_workers_still_converge() -> None:
    trials = hpdsl.Trials()
    with ThreadPoolExecutor(3) as pool:
        run(two, TWO, 30, trials=trials, executor=pool)
    assert len(trials) == 30 and all(t.state == TrialState.OK for t in trials)
    assert best(trials) < 1e-6


def load_example() -> Any:
    spec = importlib.util.spec_from_file_location("ridge_hypergrad",
                                                  EXAMPLES_DIR / "ridge_hypergrad.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ridge_hypergrad"] = module
    spec.loader.exec_module(module)
    return module


def test_the_ridge_example_gradient_is_exact() -> None:
    ridge = load_example()
    lam = np.array([0.1, 1.0, 10.0, 100.0, 3.0, 0.5])
    _, grad = ridge.loss_and_grad(lam)
    for g in range(6):
        h = lam[g] * 1e-6
        up, down = lam.copy(), lam.copy()
        up[g] += h
        down[g] -= h
        numeric = (ridge.loss_and_grad(up)[0] - ridge.loss_and_grad(down)[0]) / (2 * h)
        assert grad[g] == pytest.approx(numeric, rel=1e-4, abs=1e-9)


def test_the_ridge_example_matches_lbfgsb_and_beats_tpe(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    ridge = load_example()
    found = ridge.main(evals=30)
    out = capsys.readouterr().out
    assert "hypergrad: best validation loss" in out and "tpe: best validation loss" in out

    def f(z: np.ndarray) -> tuple[float, np.ndarray]:
        loss, grad = ridge.loss_and_grad(np.exp(z))
        return loss, grad * np.exp(z)

    reference = minimize(f, np.zeros(6), jac=True, method="L-BFGS-B",
                         bounds=[(math.log(1e-4), math.log(1e4))] * 6,
                         options={"maxfun": 30}).fun
    assert found["hypergrad"] <= reference * 1.02
    assert found["hypergrad"] < found["tpe"]


def test_the_command_line_runs_hypergrad_and_explains_a_missing_gradient(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = cli(capsys, "run", EXAMPLES_DIR / "ridge.hps", "--objective",
                           f"{EXAMPLES_DIR / 'ridge_hypergrad.py'}:objective", "--algo",
                           "hypergrad", "--max-evals", "20", "--no-progress")
    assert status == 0, err
    assert "best trial" in out
    (tmp_path / "obj.py").write_text("def objective(cfg):\n    return sum(cfg['penalty'])\n")
    status, out, err = cli(capsys, "run", EXAMPLES_DIR / "ridge.hps", "--objective",
                           f"{tmp_path / 'obj.py'}:objective", "--algo", "hypergrad",
                           "--max-evals", "5", "--no-progress")
    assert status == 2
    assert "hypergrad needs gradients" in err and "Traceback" not in err
