"""The language as users see it: what sampled configurations, sizes and checks look like."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import hpdsl

N = 2000


def space_of(text: str, **kw: Any) -> hpdsl.Space:
    """Compile `text`, failing on any diagnostic (warnings included)."""
    space, diags, _ = hpdsl.check_text(text, **kw)
    assert space is not None and not diags, [f"{d.code} {d.message}" for d in diags]
    return space


def values(space: hpdsl.Space, rng: np.random.Generator, key: str, n: int = N) -> list[Any]:
    return [cfg[key] for cfg in space.sample(rng, n) if key in cfg]


# --- distributions -----------------------------------------------------------------------


def test_uniform_is_a_float_within_its_bounds(rng: np.random.Generator) -> None:
    xs = values(space_of("x ~ uniform(-2, 3)"), rng, "x")
    assert all(type(x) is float and -2 <= x <= 3 for x in xs)
    assert np.mean(xs) == pytest.approx(0.5, abs=0.15)


def test_loguniform_bounds_are_the_values_not_their_logs(rng: np.random.Generator) -> None:
    xs = np.array(values(space_of("x ~ loguniform(1e-3, 1e3)"), rng, "x"))
    assert ((xs >= 1e-3) & (xs <= 1e3)).all()
    # Uniform on a log scale: half the mass below the geometric midpoint 1.
    assert np.mean(xs < 1) == pytest.approx(0.5, abs=0.05)
    assert np.mean(xs < 1e-2) == pytest.approx(1 / 6, abs=0.04)


@pytest.mark.parametrize(("dist", "low", "high", "q"), [
    ("quniform(0, 10, 2)", 0, 10, 2),
    ("qloguniform(10, 1000, 10)", 10, 1000, 10),
    ("quniform(-5, 5, 5)", -5, 5, 5),
])
def test_integer_quantized_values_are_ints_and_multiples_of_q(
        rng: np.random.Generator, dist: str, low: int, high: int, q: int) -> None:
    xs = values(space_of(f"x ~ {dist}"), rng, "x")
    assert all(type(x) is int for x in xs)
    assert all(low <= x <= high and x % q == 0 for x in xs)


def test_float_quantized_values_are_multiples_of_q(rng: np.random.Generator) -> None:
    xs = values(space_of("x ~ quniform(0, 1, 0.25)"), rng, "x")
    assert set(xs) == {0.0, 0.25, 0.5, 0.75, 1.0}


def test_randint_includes_both_ends_and_gives_ints(rng: np.random.Generator) -> None:
    xs = values(space_of("k ~ randint(1, 3)"), rng, "k")
    assert all(type(x) is int for x in xs)
    assert set(xs) == {1, 2, 3}


def test_normal_family(rng: np.random.Generator) -> None:
    space = space_of("n ~ normal(2, 3)\nl ~ lognormal(0, 0.5)\nqn ~ qnormal(0, 10, 5)\n"
                     "ql ~ qlognormal(2, 0.5, 2)")
    cfgs = space.sample(rng, 5000)
    n = np.array([c["n"] for c in cfgs])
    assert n.mean() == pytest.approx(2, abs=0.2) and n.std() == pytest.approx(3, abs=0.2)
    log_l = np.log([c["l"] for c in cfgs])
    assert log_l.mean() == pytest.approx(0, abs=0.05)
    assert log_l.std() == pytest.approx(0.5, abs=0.05)
    assert all(type(c["qn"]) is int and c["qn"] % 5 == 0 for c in cfgs)
    assert all(type(c["ql"]) is int and c["ql"] % 2 == 0 and c["ql"] >= 0 for c in cfgs)


def test_choice_returns_values_not_indices(rng: np.random.Generator) -> None:
    xs = values(space_of('c ~ choice(label, "text", 3, 0.5, true)'), rng, "c")
    seen = {(type(x), x) for x in xs}
    assert seen == {(str, "label"), (str, "text"), (int, 3), (float, 0.5), (bool, True)}


def test_pchoice_frequencies_follow_the_weights(rng: np.random.Generator) -> None:
    counts = Counter(values(space_of("p ~ pchoice(0.7: a, 0.2: b, 0.1: c)"), rng, "p", 20000))
    assert counts["a"] / 20000 == pytest.approx(0.7, abs=0.015)
    assert counts["b"] / 20000 == pytest.approx(0.2, abs=0.015)
    assert counts["c"] / 20000 == pytest.approx(0.1, abs=0.015)


def test_default_uses_declared_defaults() -> None:
    space = space_of("lr ~ loguniform(1e-3, 1e3) default 0.01\nopt ~ choice(adam, sgd) "
                     "default sgd\nk ~ randint(1, 9) default 7\n"
                     "if opt == sgd then momentum ~ uniform(0, 1) default 0.9")
    assert space.default() == {"lr": pytest.approx(0.01, rel=1e-12), "opt": "sgd", "k": 7,
                               "momentum": 0.9}


def test_declared_log_default_is_returned_exactly() -> None:
    assert space_of("lr ~ loguniform(1e-4, 1e-1) default 0.01").default() == {"lr": 0.01}
    assert space_of("lr ~ loguniform(1e-5, 1e-1) default 1e-3").default() == {"lr": 0.001}
    assert space_of("x ~ lognormal(0, 1) default 2.5").default() == {"x": 2.5}


def test_encode_decode_round_trips_declared_values_exactly() -> None:
    space = space_of("n ~ randint(1, 10)\nx ~ uniform(0, n) default 0.3\n"
                     "y ~ loguniform(0.1, 1) default 0.7")
    cfg = space.default()
    assert cfg == {"n": 5, "x": 0.3, "y": 0.7}
    x, _ = space.coords.encode(cfg)
    assert space.coords.decode(x[None, :])[0][0] == cfg


def test_default_without_declared_defaults_is_in_the_space(examples_dir: Path) -> None:
    space = hpdsl.load(examples_dir / "classifier.hps")
    cfg = space.default()
    assert cfg["C"] == 1.0 and cfg["preprocess"]["use_pca"] is False
    assert space.validate(cfg) == []


def test_derived_power_of_two_is_an_int(rng: np.random.Generator) -> None:
    space = space_of("log2_batch ~ randint(4, 8)\nbatch_size = 2 ** log2_batch\n"
                     "half = batch_size / 2\nwarmup = max(10, batch_size // 4)")
    for cfg in space.sample(rng, 200):
        assert type(cfg["batch_size"]) is int and cfg["batch_size"] == 2 ** cfg["log2_batch"]
        assert cfg["half"] == cfg["batch_size"] / 2
        assert cfg["warmup"] == max(10, cfg["batch_size"] // 4)


# --- conditions --------------------------------------------------------------------------

CONDITIONS: dict[str, tuple[str, Callable[[dict[str, Any]], bool]]] = {
    "eq": ("k == 3", lambda c: c["k"] == 3),
    "ne": ("k != 3", lambda c: c["k"] != 3),
    "lt": ("x < 0.5", lambda c: c["x"] < 0.5),
    "le": ("k <= 2", lambda c: c["k"] <= 2),
    "gt": ("x > 0.5", lambda c: c["x"] > 0.5),
    "ge": ("k >= 4", lambda c: c["k"] >= 4),
    "in_set": ("m in {a, b}", lambda c: c["m"] in {"a", "b"}),
    "not_in_set": ("m not in {a, b}", lambda c: c["m"] not in {"a", "b"}),
    "and_": ("m == a and k > 2", lambda c: c["m"] == "a" and c["k"] > 2),
    "or_": ("m == a or k > 2", lambda c: c["m"] == "a" or c["k"] > 2),
    "not_": ("not m == a", lambda c: c["m"] != "a"),
    "parens": ("(m == a or m == b) and not (k > 3 or x < 0.2)",
               lambda c: c["m"] in "ab" and not (c["k"] > 3 or c["x"] < 0.2)),
    "flag_alone": ("flag", lambda c: c["flag"] is True),
    "not_flag": ("not flag", lambda c: c["flag"] is False),
    "numbers_on_both_sides": ("2 * k - 1 >= x + 4", lambda c: 2 * c["k"] - 1 >= c["x"] + 4),
}


def test_every_condition_form(rng: np.random.Generator) -> None:
    lines = ["x ~ uniform(0, 1)", "k ~ randint(1, 5)", "m ~ choice(a, b, c)",
             "flag ~ choice(true, false)"]
    lines += [f"if {cond} then {name} ~ uniform(0, 1)"
              for name, (cond, _) in CONDITIONS.items()]
    space = space_of("\n".join(lines))
    for cfg in space.sample(rng, N):
        for name, (cond, predicate) in CONDITIONS.items():
            assert (name in cfg) == predicate(cfg), (cond, cfg)


def test_block_if_elif_else_activates_exactly_one_branch(rng: np.random.Generator) -> None:
    space = space_of("k ~ randint(1, 4)\n"
                     "if k == 1 {\n    one ~ uniform(0, 1)\n}\n"
                     "elif k == 2 {\n    two ~ uniform(0, 1)\n}\n"
                     "else {\n    other ~ uniform(0, 1)\n}\n")
    for cfg in space.sample(rng, 500):
        expected = {1: "one", 2: "two"}.get(cfg["k"], "other")
        assert set(cfg) == {"k", expected}


def test_elif_on_the_same_line_as_the_brace(rng: np.random.Generator) -> None:
    space = space_of("k ~ randint(1, 3)\nif k == 1 { a = 1 } elif k == 2 { b = 2 } else { c = 3 }")
    for cfg in space.sample(rng, 100):
        assert set(cfg) - {"k"} == {{1: "a", 2: "b", 3: "c"}[cfg["k"]]}


def test_one_line_if_then_nests(rng: np.random.Generator) -> None:
    space = space_of("x ~ uniform(0, 1)\nif x > 0.3 then if x < 0.6 then y ~ uniform(0, 1)")
    for cfg in space.sample(rng, 500):
        assert ("y" in cfg) == (0.3 < cfg["x"] < 0.6)


@pytest.mark.parametrize("depth", [5, 8])
def test_blocks_nest_to_any_depth(rng: np.random.Generator, depth: int) -> None:
    lines = [f"f{i} ~ choice(true, false)" for i in range(depth)]
    lines += [f"{'    ' * i}if f{i} {{" for i in range(depth)]
    lines += [f"{'    ' * depth}deep ~ uniform(0, 1)"]
    lines += [f"{'    ' * i}}}" for i in reversed(range(depth))]
    space = space_of("\n".join(lines))
    cfgs = space.sample(rng, 4000)
    for cfg in cfgs:
        assert ("deep" in cfg) == all(cfg[f"f{i}"] for i in range(depth))
    assert any("deep" in cfg for cfg in cfgs)


def test_inactive_parameters_are_absent_not_none(rng: np.random.Generator) -> None:
    space = space_of("m ~ choice(a, b)\nif m == a then x ~ uniform(0, 1)")
    cfgs = space.sample(rng, 200)
    assert {"x" in c for c in cfgs} == {True, False}
    assert all(v is not None for c in cfgs for v in c.values())


def test_a_condition_on_an_inactive_parameter_is_false(rng: np.random.Generator) -> None:
    space = space_of("m ~ choice(a, b)\nif m == a then x ~ uniform(0, 1)\n"
                     "if x < 2 then always_if_x ~ uniform(0, 1)\n"
                     "if x != 5 then ne_if_x ~ uniform(0, 1)\n"
                     "if not (x > 2) then not_if_x ~ uniform(0, 1)\n"
                     "if x < 2 or m == b then either ~ uniform(0, 1)")
    for cfg in space.sample(rng, 300):
        has_x = "x" in cfg
        assert ("always_if_x" in cfg) == has_x
        assert ("ne_if_x" in cfg) == has_x
        assert ("not_if_x" in cfg) == has_x
        assert "either" in cfg


def test_same_name_in_exclusive_branches_is_one_key(rng: np.random.Generator) -> None:
    space = space_of("model ~ choice(rf, gbm, knn)\n"
                     "if model == rf {\n    max_depth ~ randint(10, 20)\n}\n"
                     "elif model == gbm {\n    max_depth ~ randint(1, 3)\n}\n")
    seen = set()
    for cfg in space.sample(rng, 500):
        seen.add(cfg["model"])
        if cfg["model"] == "rf":
            assert 10 <= cfg["max_depth"] <= 20
        elif cfg["model"] == "gbm":
            assert 1 <= cfg["max_depth"] <= 3
        else:
            assert "max_depth" not in cfg
    assert seen == {"rf", "gbm", "knn"}


# --- stages, loops, dependent bounds -------------------------------------------------------


def test_stage_nests_the_output_and_is_referenced_from_outside(
        rng: np.random.Generator) -> None:
    space = space_of("preprocess {\n    scaler ~ choice(standard, none)\n"
                     "    pca {\n        keep ~ uniform(0.5, 0.99)\n    }\n}\n"
                     "if preprocess.scaler == none then clip ~ choice(true, false)\n"
                     "scaled_keep = preprocess.pca.keep * 100")
    for cfg in space.sample(rng, 200):
        assert set(cfg["preprocess"]) == {"scaler", "pca"}
        assert set(cfg["preprocess"]["pca"]) == {"keep"}
        assert ("clip" in cfg) == (cfg["preprocess"]["scaler"] == "none")
        assert cfg["scaled_keep"] == pytest.approx(cfg["preprocess"]["pca"]["keep"] * 100)


def test_inside_a_stage_bare_names_resolve_to_the_stage(rng: np.random.Generator) -> None:
    space = space_of("n = 100\npre {\n    n ~ randint(1, 3)\n    twice = 2 * n\n}")
    for cfg in space.sample(rng, 50):
        assert cfg["pre"]["twice"] == 2 * cfg["pre"]["n"]


def test_loop_items_follow_the_number_of_layers(rng: np.random.Generator) -> None:
    space = space_of("n_layers ~ randint(1, 4)\nfor i in 1..n_layers {\n"
                     "    units[i] ~ qloguniform(16, 512, 16)\n"
                     "    dropout[i] ~ uniform(0.0, 0.5)\n}")
    lengths = set()
    for cfg in space.sample(rng, 500):
        n = cfg["n_layers"]
        lengths.add(n)
        assert isinstance(cfg["units"], list) and len(cfg["units"]) == n
        assert len(cfg["dropout"]) == n
        assert all(type(u) is int and u % 16 == 0 and 16 <= u <= 512 for u in cfg["units"])
    assert lengths == {1, 2, 3, 4}


def test_loop_items_read_the_previous_item(rng: np.random.Generator) -> None:
    space = space_of("n ~ randint(1, 3)\nfor i in 1..n {\n    units[i] ~ randint(1, 100)\n"
                     "    if i > 1 then ratio[i] = units[i] / units[i - 1]\n}")
    for cfg in space.sample(rng, 300):
        units = cfg["units"]
        assert len(units) == cfg["n"]
        if cfg["n"] == 1:
            assert "ratio" not in cfg
        else:
            ratio = cfg["ratio"]
            assert len(ratio) == cfg["n"] and ratio[0] is None
            for i in range(1, cfg["n"]):
                assert ratio[i] == pytest.approx(units[i] / units[i - 1])


def test_loop_item_active_iff_count_reaches_it() -> None:
    space = space_of("n ~ randint(1, 3)\nfor i in 1..n {\n    u[i] ~ choice(a, b)\n}")
    assert space.validate({"n": 2, "u": ["a", "b"]}) == []
    assert any("missing" in p for p in space.validate({"n": 2, "u": ["a"]}))
    assert any("inactive" in p for p in space.validate({"n": 1, "u": ["a", "b"]}))


def test_constant_loop_makes_a_fixed_length_list(rng: np.random.Generator) -> None:
    space = space_of("for i in 0..2 {\n    w[i] ~ uniform(0, 1)\n}")
    assert all(len(cfg["w"]) == 3 for cfg in space.sample(rng, 20))


def test_dependent_bounds_stay_within_the_current_bound(rng: np.random.Generator) -> None:
    space = space_of("n_features ~ randint(2, 12)\nmax_depth ~ randint(1, n_features)\n"
                     "frac ~ uniform(0, n_features / 24)")
    depths: dict[int, set[int]] = {}
    for cfg in space.sample(rng, 3000):
        assert 1 <= cfg["max_depth"] <= cfg["n_features"]
        assert 0 <= cfg["frac"] <= cfg["n_features"] / 24
        depths.setdefault(cfg["n_features"], set()).add(cfg["max_depth"])
    assert depths[3] == {1, 2, 3}
    assert space.graph.edges["n_features", "max_depth"]["kind"] == "depends"


def test_graph_has_condition_edges() -> None:
    space = space_of("m ~ choice(a, b)\nif m == a then x ~ uniform(0, 1)")
    assert set(space.graph.nodes) == {"m", "x"}
    assert space.graph.edges["m", "x"]["kind"] == "condition"


# --- constraints ---------------------------------------------------------------------------


def test_forbid_and_require_are_never_violated(rng: np.random.Generator) -> None:
    space = space_of("a ~ randint(1, 5)\nb ~ randint(1, 5)\nx ~ uniform(0, 1)\n"
                     "forbid a == b\nrequire a + b >= 4 or x < 0.1")
    for cfg in space.sample(rng, N):
        assert cfg["a"] != cfg["b"]
        assert cfg["a"] + cfg["b"] >= 4 or cfg["x"] < 0.1


def test_a_constraint_applies_only_inside_its_block(rng: np.random.Generator) -> None:
    space = space_of("m ~ choice(a, b)\nx ~ uniform(0, 1)\nif m == a {\n    require x < 0.5\n}")
    cfgs = space.sample(rng, N)
    assert all(c["x"] < 0.5 for c in cfgs if c["m"] == "a")
    assert any(c["x"] >= 0.5 for c in cfgs if c["m"] == "b")


def test_a_constraint_on_an_inactive_parameter_does_not_apply(
        rng: np.random.Generator) -> None:
    space = space_of("m ~ choice(a, b)\nif m == a then x ~ uniform(0, 1)\nforbid x < 2")
    cfgs = space.sample(rng, 200)
    assert cfgs and all(c["m"] == "b" for c in cfgs)


# --- includes ------------------------------------------------------------------------------


def test_includes_are_relative_nested_and_work_inside_stages(
        fixtures_dir: Path, rng: np.random.Generator) -> None:
    space = hpdsl.load(fixtures_dir / "include" / "main.hps")
    assert not space.warnings
    cfgs = space.sample(rng, 500)
    for cfg in cfgs:
        assert 1e-4 <= cfg["lr"] <= 1e-1                    # common/lr.hps, via optimizer.hps
        assert ("momentum" in cfg) == (cfg["optimizer"] == "sgd")
        assert cfg["preprocess"]["scaler"] in {"standard", "minmax"}  # inside the stage
        assert ("clip" in cfg["preprocess"]) == (cfg["preprocess"]["scaler"] == "minmax")
        assert ("units" in cfg) == (cfg["model"] == "mlp")  # include inside an `if`
    assert any(len(c.get("units", ())) == 3 for c in cfgs)


def test_loads_resolves_includes_against_base_dir(fixtures_dir: Path) -> None:
    space = hpdsl.loads('include "common/optimizer.hps"',
                        base_dir=str(fixtures_dir / "include"))
    assert set(space.sample(0)) >= {"lr", "optimizer"}


def test_including_the_same_file_twice_where_both_are_active_is_a_duplicate(
        fixtures_dir: Path) -> None:
    diags = hpdsl.check_text('include "common/lr.hps"\ninclude "common/lr.hps"',
                             base_dir=str(fixtures_dir / "include")).diagnostics
    assert [d.code for d in diags] == ["HPS201"]


# --- size and grid -------------------------------------------------------------------------

SIZES = {
    "a ~ choice(x, y, z)\nb ~ randint(1, 4)": 12,
    "x ~ quniform(0, 1, 0.25)": 5,
    "m ~ choice(p, q)\nif m == p {\n    k ~ randint(1, 3)\n} else {\n"
    "    j ~ choice(true, false)\n}": 3 + 2,
    "a ~ randint(1, 3)\nb ~ randint(1, 3)\nforbid a == b": 9 - 3,
    "n ~ randint(1, 3)\nfor i in 1..n {\n    u[i] ~ choice(a, b)\n}": 2 + 4 + 8,
    "n ~ randint(1, 3)\nd ~ randint(1, n)": 1 + 2 + 3,
    "m ~ choice(a, b)\nif m == a then k ~ randint(1, 10)\nforbid m == a and k > 7": 7 + 1,
    "k ~ randint(0, 4)\nsq = k * k\nrequire sq < 10": 4,
    "x = 3": 1,
}


@pytest.mark.parametrize(("text", "size"), list(SIZES.items()), ids=list(map(str, SIZES.values())))
def test_size_of_finite_spaces_is_exact(text: str, size: int) -> None:
    assert space_of(text).size() == size


@pytest.mark.parametrize(("text", "size"), list(SIZES.items()), ids=list(map(str, SIZES.values())))
def test_grid_yields_size_distinct_valid_configurations(text: str, size: int) -> None:
    space = space_of(text)
    grid = list(space.grid())
    assert len(grid) == size
    assert len({repr(sorted(_flat(c).items())) for c in grid}) == size
    assert all(space.validate(c) == [] for c in grid)


@pytest.mark.parametrize("text", [
    "x ~ uniform(0, 1)",
    "m ~ choice(a, b)\nif m == a then x ~ normal(0, 1)",
    "k ~ randint(1, 3)\nx ~ loguniform(1, k + 1)",
])
def test_size_of_continuous_spaces_is_infinite(text: str) -> None:
    space = space_of(text)
    assert space.size() == math.inf
    with pytest.raises(hpdsl.HpsError):
        list(space.grid())


def test_a_continuous_parameter_in_a_dead_end_keeps_the_size_finite() -> None:
    space = space_of("m ~ choice(a, b)\nif m == a then x ~ uniform(0, 1)\nforbid m == a")
    assert space.size() == 1


def _flat(cfg: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in cfg.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            out.update({f"{prefix}{key}[{i}]": v for i, v in enumerate(value)})
        else:
            out[f"{prefix}{key}"] = value
    return out


# --- validate, encode, decode -------------------------------------------------------------

VALIDATE_SPACE = """\
model ~ choice(svm, rf)
if model == svm {
    C ~ loguniform(1e-3, 1e3)
} else {
    n_estimators ~ qloguniform(10, 500, 10)
}
depth ~ randint(1, 8)
forbid model == rf and depth > 6
"""


@pytest.mark.parametrize(("config", "fragment"), [
    ({"model": "svm", "depth": 3}, "`C` is missing"),
    ({"model": "svm", "C": 1.0, "depth": 3, "n_estimators": 100}, "`n_estimators` is set but "
     "inactive"),
    ({"model": "svm", "C": 1e4, "depth": 3}, "outside"),
    ({"model": "rf", "n_estimators": 105, "depth": 3}, "multiple of 10"),
    ({"model": "svm", "C": 1.0, "depth": 3, "gamma": 0.1}, "unknown key `gamma`"),
    ({"model": "rf", "n_estimators": 100, "depth": 7}, "excluded by"),
    ({"model": "lr", "depth": 3}, "not one of the options"),
    ({"model": "svm", "C": 1.0, "depth": 2.5}, "depth"),
])
def test_validate_says_why(config: dict[str, Any], fragment: str) -> None:
    space = space_of(VALIDATE_SPACE)
    problems = space.validate(config)
    assert any(fragment in p for p in problems), problems
    assert config not in space
    with pytest.raises(hpdsl.ConfigurationError):
        space.coords.encode(config)


def test_validate_accepts_samples_and_rejects_non_dicts(rng: np.random.Generator) -> None:
    space = space_of(VALIDATE_SPACE)
    for cfg in space.sample(rng, 200):
        assert space.validate(cfg) == [] and cfg in space
    assert 3 not in space  # type: ignore[operator]
    assert space.validate([1, 2]) != []  # type: ignore[arg-type]


def test_encode_decode_round_trip(rng: np.random.Generator, examples_dir: Path) -> None:
    space = hpdsl.load(examples_dir / "classifier.hps")
    for cfg in space.sample(rng, 200):
        x, active = space.coords.encode(cfg)
        assert x.shape == active.shape == (len(space.coords.dimensions),)
        assert np.isnan(x[~active]).all() and not np.isnan(x[active]).any()
        (back,), feasible = space.coords.decode(x[None, :])
        assert feasible[0]
        flat_back, flat_cfg = _flat(back), _flat(cfg)
        assert flat_back.keys() == flat_cfg.keys()
        for key, value in flat_cfg.items():
            assert type(flat_back[key]) is type(value), key
            if isinstance(value, float):
                assert flat_back[key] == pytest.approx(value, rel=1e-9), key
            else:
                assert flat_back[key] == value, key


def test_check_text_names_what_it_found() -> None:
    clean = hpdsl.check_text("x ~ uniform(0, 1)\n", "a.hps")
    assert clean.space is not None and clean.diagnostics == []
    assert clean.sources == {"a.hps": "x ~ uniform(0, 1)\n"}
    broken = hpdsl.check_text("x ~ uniform(1, 0)\n", "a.hps")
    assert broken.space is None and [d.code for d in broken.diagnostics] == ["HPS106"]


def test_a_byte_order_mark_is_ignored_in_source_text() -> None:
    space, diagnostics, _ = hpdsl.check_text("\ufeffx ~ randint(1, 3)\n")
    assert diagnostics == []
    assert space is not None and set(space.sample(0)) == {"x"}
