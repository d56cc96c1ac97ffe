"""Conversions: ConfigSpace both ways, hyperopt source, and the Optuna bridge."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import ConfigSpace as CS
import numpy as np
import pytest
from corpora import EXAMPLES, EXAMPLES_DIR

import hpdsl
from hpdsl.convert import (
    ConversionWarning,
    from_configspace,
    from_flat,
    from_hyperopt,
    optuna_suggest,
    to_configspace,
    to_configspace_json,
    to_hyperopt_source,
)
from hpdsl.errors import ConfigurationError

# Everything here is expressible in ConfigSpace: the round trip must keep it all.
PORTABLE = """\
preprocess {
    scaler  ~ choice(standard, minmax, none)
    use_pca ~ choice(true, false) default false
    if use_pca then n_components ~ uniform(0.5, 0.99)
}
model ~ pchoice(0.5: svm, 0.3: rf, 0.2: knn)
lr    ~ loguniform(1e-4, 1e-1) default 1e-3
if model == svm {
    C      ~ loguniform(1e-3, 1e3) default 1.0
    kernel ~ choice(linear, rbf, poly)
    if kernel in {rbf, poly} then gamma ~ loguniform(1e-4, 10)
    if kernel == poly then degree ~ randint(2, 5)
} elif model == rf {
    max_depth ~ randint(2, 32)
} else {
    n_neighbors ~ randint(1, 50)
}
forbid model == svm and kernel == poly and C > 100
require n_neighbors >= 3 or model != knn
"""

FINITE = """\
kind ~ choice(a, b, c)
if kind != c {
    depth ~ randint(1, 6)
    if depth > 3 then width ~ choice(8, 16, 32)
}
flag ~ choice(true, false)
forbid kind == b and not flag
forbid depth == 2 and width == 8
"""


def _number_text(text: str) -> str:
    """`10.0` and `10` are the same bound."""
    return re.sub(r"(\d)\.0\b", r"\1", text)


def _plain(values: Any) -> dict[str, Any]:
    return {k: v.item() if isinstance(v, np.generic) else v for k, v in dict(values).items()}


def _round_trip(text: str) -> tuple[hpdsl.Space, hpdsl.Space, Any, list[str]]:
    space = hpdsl.loads(text)
    warnings: list[str] = []
    cs = to_configspace(space, warnings)
    back = from_configspace(to_configspace_json(space, warnings), warnings)
    return space, hpdsl.loads(back), cs, warnings


def test_json_is_what_configspace_reads() -> None:
    for path in EXAMPLES:
        space = hpdsl.load(path)
        text = to_configspace_json(space, [])
        loaded = CS.ConfigurationSpace.from_json(io.StringIO(text))
        assert loaded == to_configspace(space, [])
        assert json.loads(text)["hyperparameters"]


def test_round_trip_keeps_a_portable_space() -> None:
    space, again, cs, warnings = _round_trip(PORTABLE)
    assert warnings == []
    assert {p.name: _number_text(p.distribution) for p in space.parameters} == \
        {p.name: _number_text(p.distribution) for p in again.parameters}
    assert {p.name: p.condition != "" for p in space.parameters} == \
        {p.name: p.condition != "" for p in again.parameters}
    assert again.default() == space.default()
    assert from_flat(space, _plain(cs.get_default_configuration())) == space.default()
    assert len(cs.conditions) == 7 and len(cs.forbidden_clauses) == 2
    # both directions: what one side samples, the other accepts
    for cfg in space.sample(0, 300):
        assert again.validate(cfg) == []
        CS.Configuration(cs, values=space.flatten(cfg))  # raises if ConfigSpace disagrees
    for cfg in again.sample(1, 300):
        assert space.validate(cfg) == []
    for config in cs.sample_configuration(300):
        flat = _plain(config)
        cfg = from_flat(space, flat)
        assert space.validate(cfg) == []
        again_flat = space.flatten(cfg)
        assert again_flat.keys() == flat.keys()
        assert all(again_flat[k] == pytest.approx(v) if isinstance(v, float) else
                   again_flat[k] == v for k, v in flat.items())


def test_round_trip_keeps_the_size_of_a_finite_space() -> None:
    space, again, cs, warnings = _round_trip(FINITE)
    assert warnings == []
    assert space.size() == again.size() == 38
    grid = [space.flatten(c) for c in space.grid()]
    assert sorted(repr(sorted(c.items())) for c in grid) == \
        sorted(repr(sorted(again.flatten(c).items())) for c in again.grid())
    for flat in grid:
        CS.Configuration(cs, values=flat)


def test_configspace_warnings() -> None:
    space = hpdsl.loads("""\
model ~ choice(a, b)
if model == a { depth ~ randint(1, 4) } else { depth ~ randint(1, 8) }
n = 4
size = 2 ** n
top ~ randint(1, 2 ** n)
w ~ normal(0, 1)
lw ~ lognormal(0, 1)
steps ~ quniform(0, 1, 0.25)
if size > 8 then extra ~ uniform(0, 1)
require w * 2 < 10
""")
    warnings: list[str] = []
    cs = to_configspace(space, warnings)
    text = "\n".join(warnings)
    for expected in ["`depth` is declared 2 times with different distributions",
                     "`size = 2 ** n`: derived values are not carried over",
                     "`top ~ randint(1, 2 ** n)`: bounds that depend on other parameters",
                     "`w ~ normal(0, 1)`: ConfigSpace normals are bounded",
                     "`lw ~ lognormal(0, 1)`: ConfigSpace has no log-normal",
                     "`steps ~ quniform(0, 1, 0.25)`: ConfigSpace has no quantization; "
                     "carried over as an ordinal of its 5 values",
                     "`extra`: condition `size > 8` is not carried over",
                     "`require w * 2 < 10` is not carried over"]:
        assert expected in text
    assert len(warnings) == 8
    excluded: list[str] = []
    to_configspace(hpdsl.loads("a ~ choice(x, y)\nforbid a == x\n"), excluded)
    assert excluded == ["the default configuration is excluded by the constraints; "
                        "ConfigSpace's defaults are taken from a sampled configuration"]
    assert set(cs) >= {"depth#1", "depth#2", "n", "steps"}  # the constant is carried
    with pytest.warns(ConversionWarning):
        to_configspace(space)


def test_from_configspace_warnings_and_names() -> None:
    cs = CS.ConfigurationSpace()
    cs.add([CS.BetaFloatHyperparameter("b", alpha=2, beta=3, lower=0, upper=1),
            CS.CategoricalHyperparameter("clf:svm:C", ["x", "y"]),
            CS.OrdinalHyperparameter("size", ["small", "large"]),
            CS.NormalFloatHyperparameter("lnorm", mu=5, sigma=1, lower=1, upper=50, log=True),
            CS.NormalFloatHyperparameter("norm", mu=0, sigma=1, lower=-2, upper=2)])
    warnings: list[str] = []
    text = from_configspace(cs, warnings)
    joined = "\n".join(warnings)
    assert "`b`: hpdsl has no a beta distribution" in joined
    assert "`clf:svm:C` is not an hpdsl name; renamed `clf_svm_C`" in joined
    assert "`size`: an ordinal of labels becomes a choice" in joined
    assert "`lnorm`: hpdsl has no a log-scaled normal" in joined
    space = hpdsl.loads(text)
    assert "require norm >= -2.0 and norm <= 2.0" in text
    assert all(-2 <= c["norm"] <= 2 for c in space.sample(0, 200))
    with pytest.raises(hpdsl.HpsError):
        from_configspace("{not json")


def _hyperopt_space(space: hpdsl.Space, warnings: list[str]) -> Any:
    namespace: dict[str, Any] = {}
    exec(to_hyperopt_source(space, warnings), namespace)  # our own generated code
    return namespace["space"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_hyperopt_samples_are_valid(path: Path) -> None:
    from hyperopt.pyll import stochastic

    space = hpdsl.load(path)
    hspace = _hyperopt_space(space, [])
    rng = np.random.default_rng(0)
    valid = 0
    for _ in range(200):
        sample = stochastic.sample(hspace, rng=rng)
        try:
            cfg = from_hyperopt(space, sample)
        except ConfigurationError as err:
            assert "excluded by" in str(err)  # only the constraints hyperopt cannot carry
            continue
        assert space.validate(cfg) == []
        valid += 1
    assert valid > 100


def test_hyperopt_structure_and_warnings() -> None:
    from hyperopt.pyll import stochastic

    space = hpdsl.loads(PORTABLE + "n = 3\nscaled = lr * n\nif lr > 0.01 then z ~ uniform(0, 1)"
                        "\ntop ~ randint(1, n * 2)\nstep ~ quniform(1, 10, 4)\n")
    warnings: list[str] = []
    source = to_hyperopt_source(space, warnings)
    assert "hp.pchoice('model', [" in source and "hp.randint('degree', 2, 6)" in source
    assert "hp.loguniform('C', math.log(0.001), math.log(1000.0))" in source
    joined = "\n".join(warnings)
    for expected in ["`forbid model == svm and kernel == poly and C > 100` is not carried over",
                     "`scaled = lr * n`: derived values are not part of the hyperopt space",
                     "`z`: condition `lr > 0.01` cannot be expressed in hyperopt",
                     "`top ~ randint(1, n * 2)`: hyperopt bounds are constants",
                     "`step ~ quniform(1, 10, 4)`: the bounds are not multiples of q"]:
        assert expected in joined
    hspace = _hyperopt_space(space, [])
    rng = np.random.default_rng(1)
    seen = set()
    for _ in range(300):
        try:
            cfg = from_hyperopt(space, stochastic.sample(hspace, rng=rng))
        except ConfigurationError:
            continue
        assert space.validate(cfg) == [] and 1 <= cfg["top"] <= 6
        seen.add(cfg["model"])
    assert seen == {"svm", "rf", "knn"}


def test_loops_unroll_into_nested_choices() -> None:
    from hyperopt.pyll import stochastic

    space = hpdsl.loads("n ~ randint(1, 3)\nfor i in 1..n {\n    u[i] ~ uniform(0, 1)\n}\n")
    warnings: list[str] = []
    hspace = _hyperopt_space(space, warnings)
    assert warnings == []
    rng = np.random.default_rng(2)
    lengths = {len(from_hyperopt(space, stochastic.sample(hspace, rng=rng))["u"])
               for _ in range(60)}
    assert lengths == {1, 2, 3}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_optuna_suggest(path: Path) -> None:
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = hpdsl.load(path)
    seen: list[dict[str, Any]] = []

    def objective(trial: Any) -> float:
        cfg = optuna_suggest(space, trial)
        assert space.validate(cfg) == []
        seen.append(cfg)
        return float(len(space.flatten(cfg)))

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=80)
    states = [t.state for t in study.trials]
    assert states.count(optuna.trial.TrialState.COMPLETE) == len(seen) > 40
    assert set(states) <= {optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED}
    tpe = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0, n_startup_trials=5))
    tpe.optimize(objective, n_trials=15)  # varying dependent bounds stay compatible


def test_optuna_prunes_excluded_configurations() -> None:
    """Through `space.suggest`, the documented alias of `optuna_suggest`."""
    import optuna
    space = hpdsl.loads("a ~ uniform(0, 1)\nforbid a > 0.5\n")
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=3))
    study.optimize(lambda t: space.suggest(t)["a"], n_trials=40)
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    assert pruned and all(t.params["a"] > 0.5 for t in pruned)
    assert all(t.params["a"] <= 0.5 for t in study.trials if t not in pruned)


def _hpdsl(*args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "hpdsl"
    return subprocess.run([str(exe), *args], capture_output=True, text=True, timeout=120)


def test_cli(tmp_path: Path) -> None:
    out = tmp_path / "space.json"
    result = _hpdsl("convert", str(EXAMPLES_DIR / "neural_net.hps"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "warning: `batch_size = 2 ** log2_batch`" in result.stderr
    CS.ConfigurationSpace.from_json(out)
    result = _hpdsl("convert", str(out))
    assert result.returncode == 0 and "n_layers ~ randint(1, 4)" in result.stdout
    result = _hpdsl("convert", "--to", "hyperopt", str(EXAMPLES_DIR / "classifier.hps"))
    assert result.returncode == 0 and result.stdout.count("hp.choice('model'") == 1
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    for args in (["convert", str(bad)], ["convert", "--to", "hyperopt", str(bad)],
                 ["convert", str(tmp_path / "nope.hps")]):
        result = _hpdsl(*args)
        assert result.returncode != 0 and "Traceback" not in result.stderr
        assert "internal error" not in result.stderr
    assert "examples:" in _hpdsl("convert", "--help").stdout
