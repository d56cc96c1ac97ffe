"""Statistical acceptance tests for sampling.

For each example space, 10,000 configurations drawn at a fixed seed must all be
in the space, have exactly the active parameters the conditions call for (the
expected set is computed here from the example's known structure, not by the
library), and follow the declared distributions: a KS test against the exact
CDF for continuous parameters, a chi-square test against exact probabilities
for discrete ones (quantized values included), each on the sub-sample where the
parameter is active. Constraints are rejection sampling, so where one applies
the expected law is the prior conditioned on the constraint, worked out by hand.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pytest
from corpora import EXAMPLES_DIR
from scipy import stats

import hpdsl

N = 10_000
SEED = 20240607
ALPHA = 1e-3
Cdf = Callable[[np.ndarray], np.ndarray]


# --- exact laws ----------------------------------------------------------------------------


def uniform(lo: float, hi: float) -> Cdf:
    return stats.uniform(lo, hi - lo).cdf


def loguniform(lo: float, hi: float) -> Cdf:
    return stats.loguniform(lo, hi).cdf


def normal(mu: float, sigma: float) -> Cdf:
    return stats.norm(mu, sigma).cdf


def lognormal(mu: float, sigma: float) -> Cdf:
    return stats.lognorm(s=sigma, scale=math.exp(mu)).cdf


def quantized(cdf: Cdf, q: float, lo: float, hi: float) -> dict[float, float]:
    """Law of clip(round(x / q), ceil(lo / q), floor(hi / q)) * q for x in [lo, hi]."""
    kmin, kmax = math.ceil(lo / q - 1e-9), math.floor(hi / q + 1e-9)
    out = {}
    for k in range(kmin, kmax + 1):
        a = lo if k == kmin else max(lo, (k - 0.5) * q)
        b = hi if k == kmax else min(hi, (k + 0.5) * q)
        out[round(k * q, 9)] = float(cdf(np.array(b)) - cdf(np.array(a)))
    return out


def quantized_unbounded(cdf: Cdf, q: float, kmin: int, kmax: int) -> dict[float, float]:
    """Law of round(x / q) * q for k in [kmin, kmax]; the rest of the mass is 'other'."""
    return {round(k * q, 9): float(cdf(np.array((k + 0.5) * q)) - cdf(np.array((k - 0.5) * q)))
            for k in range(kmin, kmax + 1)}


def even(values: Iterable[Any]) -> dict[Any, float]:
    values = list(values)
    return {v: 1 / len(values) for v in values}


def weighted(weights: Mapping[Any, float]) -> dict[Any, float]:
    total = sum(weights.values())
    return {v: w / total for v, w in weights.items()}


# --- tests of fit --------------------------------------------------------------------------


def assert_continuous(values: Iterable[float], cdf: Cdf, what: str = "") -> None:
    x = np.asarray(list(values), dtype=float)
    assert len(x) >= 200, f"{what}: only {len(x)} values"
    result = stats.kstest(x, cdf)
    assert result.pvalue > ALPHA, f"{what}: KS p = {result.pvalue:.2e} (D = {result.statistic:.4f})"


def assert_discrete(values: Iterable[Any], probs: Mapping[Any, float], what: str = "") -> None:
    """Chi-square against exact probabilities; mass outside `probs` goes to one extra bin.

    Values are compared after rounding floats to 9 decimals. Bins expecting fewer than 5
    observations are pooled.
    """
    def key(v: Any) -> Any:
        return round(v, 9) if isinstance(v, float) else v
    counts = Counter(key(v) for v in values)
    n = sum(counts.values())
    assert n >= 100, f"{what}: only {n} values"
    rest = 1.0 - sum(probs.values())
    assert rest > -1e-9, f"{what}: probabilities sum to {1 - rest}"
    strays = {v: c for v, c in counts.items() if v not in probs}
    if rest < 1e-12:
        assert not strays, f"{what}: values outside the support: {sorted(strays, key=str)[:5]}"
    observed = [counts.get(v, 0) for v in probs] + [sum(strays.values())]
    expected = [p * n for p in probs.values()] + [max(rest, 0.0) * n]
    obs, exp, pool_o, pool_e = [], [], 0, 0.0
    for o, e in zip(observed, expected, strict=True):
        if e < 5:
            pool_o, pool_e = pool_o + o, pool_e + e
        else:
            obs.append(o)
            exp.append(e)
    if pool_e > 0:
        obs.append(pool_o)
        exp.append(pool_e)
    assert pool_o <= max(5.0, 10 * pool_e), f"{what}: {pool_o} values where {pool_e:.2f} expected"
    if len(obs) < 2:
        return
    exp_arr = np.asarray(exp) * sum(obs) / sum(exp)
    result = stats.chisquare(obs, exp_arr)
    assert result.pvalue > ALPHA, f"{what}: chi-square p = {result.pvalue:.2e}"


def fraction_int(values: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                 rng: np.random.Generator) -> np.ndarray:
    """Randomized PIT for an integer uniform on [lo, hi]: exactly U(0, 1) if the law holds."""
    return (values - lo + rng.uniform(size=len(values))) / (hi - lo + 1)


# --- configurations ------------------------------------------------------------------------


def flatten(cfg: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """{"a": {"b": 1}, "u": [3, 4]} -> {"a.b": 1, "u[1]": 3, "u[2]": 4}."""
    out: dict[str, Any] = {}
    for k, v in cfg.items():
        name = prefix + k
        if isinstance(v, dict):
            out.update(flatten(v, name + "."))
        elif isinstance(v, list):
            assert None not in v, f"{name}: inactive item inside the list {v}"
            out.update({f"{name}[{i}]": item for i, item in enumerate(v, start=1)})
        else:
            out[name] = v
    return out


def column(rows: list[dict[str, Any]], name: str,
           where: Callable[[dict[str, Any]], bool] = lambda r: True) -> list[Any]:
    return [r[name] for r in rows if name in r and where(r)]


def check_types(rows: list[dict[str, Any]], ints: set[str], floats: set[str]) -> None:
    for r in rows:
        for name, v in r.items():
            base = name.split("[")[0]
            if base in ints:
                assert type(v) is int, f"{name} = {v!r} is not an int"
            elif base in floats:
                assert type(v) is float, f"{name} = {v!r} is not a float"


class Sampled:
    """A space, N configurations from it, and their flattened forms."""

    def __init__(self, name: str) -> None:
        self.space = hpdsl.load(EXAMPLES_DIR / name)
        self.configs = self.space.sample(SEED, N)
        self.rows = [flatten(c) for c in self.configs]


@pytest.fixture(scope="module")
def neural_net() -> Sampled:
    return Sampled("neural_net.hps")


@pytest.fixture(scope="module")
def pipeline() -> Sampled:
    return Sampled("pipeline.hps")


@pytest.fixture(scope="module")
def boosting() -> Sampled:
    return Sampled("gradient_boosting.hps")


@pytest.fixture(scope="module")
def classifier() -> Sampled:
    return Sampled("classifier.hps")


@pytest.mark.parametrize("fixture", ["neural_net", "pipeline", "boosting", "classifier"])
def test_every_sample_is_in_the_space(fixture: str, request: pytest.FixtureRequest) -> None:
    sampled: Sampled = request.getfixturevalue(fixture)
    assert len(sampled.configs) == N
    bad = [c for c in sampled.configs if c not in sampled.space]
    assert not bad, sampled.space.validate(bad[0])


# --- neural_net.hps (with common/optimizer.hps) ---------------------------------------------


def neural_net_active(r: dict[str, Any]) -> set[str]:
    names = {"optimizer", "learning_rate", "n_layers", "activation", "batch_norm", "log2_batch",
             "batch_size", "weight_decay", "epochs"}
    names |= {"sgd": {"momentum", "nesterov"}, "adam": {"beta1", "one_minus_beta2", "beta2"},
              "rmsprop": {"rho"}}[r["optimizer"]]
    for i in range(1, r["n_layers"] + 1):
        names |= {f"units[{i}]", f"dropout[{i}]"}
    if 2 ** r["log2_batch"] >= 128:
        names.add("warmup_epochs")
    return names


def test_neural_net_active_sets(neural_net: Sampled) -> None:
    for r in neural_net.rows:
        assert set(r) == neural_net_active(r), r
        assert r["batch_size"] == 2 ** r["log2_batch"]
        if "beta2" in r:
            assert r["beta2"] == pytest.approx(1 - r["one_minus_beta2"])
    check_types(neural_net.rows,
                ints={"n_layers", "units", "log2_batch", "batch_size", "epochs", "warmup_epochs"},
                floats={"learning_rate", "dropout", "weight_decay", "momentum", "beta1",
                        "one_minus_beta2", "beta2", "rho"})


def test_neural_net_optimizer_under_the_constraint(neural_net: Sampled) -> None:
    # forbid sgd and lr < 1e-4 keeps 3 of the 4 decades of loguniform(1e-5, 1e-1) for sgd
    rows = neural_net.rows
    assert_discrete(column(rows, "optimizer"),
                    weighted({"adam": 0.5, "sgd": 0.3 * 3 / 4, "rmsprop": 0.2}), "optimizer")
    sgd = column(rows, "learning_rate", lambda r: r["optimizer"] == "sgd")
    other = column(rows, "learning_rate", lambda r: r["optimizer"] != "sgd")
    assert_continuous(sgd, loguniform(1e-4, 1e-1), "learning_rate | sgd")
    assert_continuous(other, loguniform(1e-5, 1e-1), "learning_rate | not sgd")


def test_neural_net_distributions(neural_net: Sampled) -> None:
    rows = neural_net.rows
    assert_discrete(column(rows, "n_layers"), even(range(1, 5)), "n_layers")
    for i in range(1, 5):
        assert_discrete(column(rows, f"units[{i}]"), quantized(loguniform(16, 512), 16, 16, 512),
                        f"units[{i}]")
        assert_continuous(column(rows, f"dropout[{i}]"), uniform(0, 0.5), f"dropout[{i}]")
    assert_discrete(column(rows, "activation"), even(["relu", "gelu", "tanh"]), "activation")
    assert_discrete(column(rows, "batch_norm"), even([True, False]), "batch_norm")
    assert_discrete(column(rows, "log2_batch"), even(range(4, 10)), "log2_batch")
    assert_continuous(column(rows, "weight_decay"), lognormal(-9, 2), "weight_decay")
    assert_discrete(column(rows, "epochs"), quantized(uniform(10, 100), 5, 10, 100), "epochs")
    assert_discrete(column(rows, "warmup_epochs"), even(range(1, 6)), "warmup_epochs")
    assert_continuous(column(rows, "momentum"), uniform(0, 0.99), "momentum")
    assert_discrete(column(rows, "nesterov"), even([True, False]), "nesterov")
    assert_continuous(column(rows, "beta1"), uniform(0.8, 0.99), "beta1")
    assert_continuous(column(rows, "one_minus_beta2"), loguniform(1e-4, 1e-2), "one_minus_beta2")
    assert_continuous(column(rows, "rho"), uniform(0.8, 0.99), "rho")


# --- pipeline.hps ------------------------------------------------------------------------


def pipeline_active(r: dict[str, Any]) -> set[str]:
    names = {"preprocess.imputer", "preprocess.scaler", "preprocess.use_pca",
             "features.selector", "model.kind"}
    if r["preprocess.scaler"] == "robust":
        names.add("preprocess.quantile_low")
    if r["preprocess.use_pca"]:
        names.add("preprocess.pca_variance")
    if r["features.selector"] == "kbest":
        names |= {"features.k", "features.score"}
    if r["features.selector"] == "model_based":
        names.add("features.threshold")
    kind = r["model.kind"]
    if kind == "logreg":
        names |= {"model.C", "model.penalty"}
    if kind == "svm":
        names |= {"model.C", "model.kernel"}
        if r["model.kernel"] in {"rbf", "poly"}:
            names.add("model.gamma")
        if r["model.kernel"] == "poly":
            names.add("model.degree")
    if kind == "mlp":
        names |= {"model.hidden", "model.alpha"}
        if r["preprocess.scaler"] == "none":
            names.add("model.batch_norm")
    return names


def test_pipeline_active_sets(pipeline: Sampled) -> None:
    for r in pipeline.rows:
        assert set(r) == pipeline_active(r), r
    check_types(pipeline.rows, ints={"features.k", "model.degree", "model.hidden"},
                floats={"preprocess.quantile_low", "preprocess.pca_variance", "model.C",
                        "model.gamma", "model.alpha"})


def test_pipeline_cross_stage_constraint(pipeline: Sampled) -> None:
    # (kind, scaler) is uniform on the 12 pairs, minus the forbidden (svm, none)
    pairs = [(r["model.kind"], r["preprocess.scaler"]) for r in pipeline.rows]
    allowed = [(k, s) for k in ("logreg", "svm", "mlp")
               for s in ("standard", "robust", "minmax", "none") if (k, s) != ("svm", "none")]
    assert_discrete(pairs, even(allowed), "(model.kind, preprocess.scaler)")


def test_pipeline_distributions(pipeline: Sampled) -> None:
    rows = pipeline.rows
    kind = lambda k: (lambda r: r["model.kind"] == k)  # noqa: E731
    assert_discrete(column(rows, "preprocess.imputer"), even(["mean", "median", "most_frequent"]))
    assert_continuous(column(rows, "preprocess.quantile_low"), uniform(5, 30), "quantile_low")
    assert_discrete(column(rows, "preprocess.use_pca"), even([True, False]), "use_pca")
    assert_continuous(column(rows, "preprocess.pca_variance"), uniform(0.8, 0.99))
    assert_discrete(column(rows, "features.selector"), even(["none", "kbest", "model_based"]))
    assert_discrete(column(rows, "features.k"), even(range(5, 51)), "k")
    assert_discrete(column(rows, "features.score"), even(["f_classif", "mutual_info"]))
    assert_discrete(column(rows, "features.threshold"), even(["mean", "median"]))
    # one output name, two declarations: each branch keeps its own law
    assert_continuous(column(rows, "model.C", kind("logreg")), loguniform(1e-4, 1e2), "C|logreg")
    assert_continuous(column(rows, "model.C", kind("svm")), loguniform(1e-3, 1e3), "C|svm")
    assert_discrete(column(rows, "model.penalty"), even(["l1", "l2"]), "penalty")
    assert_discrete(column(rows, "model.kernel"), even(["linear", "rbf", "poly"]), "kernel")
    assert_continuous(column(rows, "model.gamma"), loguniform(1e-4, 10), "gamma")
    assert_discrete(column(rows, "model.degree"), even(range(2, 6)), "degree")
    assert_discrete(column(rows, "model.hidden"), quantized(loguniform(32, 256), 32, 32, 256),
                    "hidden")
    assert_continuous(column(rows, "model.alpha"), loguniform(1e-6, 1e-2), "alpha")
    assert_discrete(column(rows, "model.batch_norm"), even([True, False]), "batch_norm")


# --- gradient_boosting.hps --------------------------------------------------------------


def boosting_active(r: dict[str, Any]) -> set[str]:
    names = {"booster", "n_estimators", "learning_rate", "max_depth", "max_leaves", "n_rows",
             "leaf_cap", "min_child_samples", "subsample", "colsample_bytree", "reg_lambda",
             "use_l1"}
    if r["use_l1"]:
        names.add("reg_alpha")
    if r["booster"] == "dart":
        names |= {"rate_drop", "skip_drop"}
    return names


def test_boosting_active_sets(boosting: Sampled) -> None:
    for r in boosting.rows:
        assert set(r) == boosting_active(r), r
        assert r["n_rows"] == 20000
        assert r["leaf_cap"] == min(200, 20000 // r["max_leaves"])
        assert 2 <= r["max_leaves"] <= 2 ** r["max_depth"]
        assert 1 <= r["min_child_samples"] <= r["leaf_cap"]
        assert r["learning_rate"] * r["n_estimators"] >= 2
    check_types(boosting.rows,
                ints={"n_estimators", "max_depth", "max_leaves", "n_rows", "leaf_cap",
                      "min_child_samples"},
                floats={"learning_rate", "subsample", "colsample_bytree", "reg_lambda",
                        "reg_alpha", "rate_drop", "skip_drop"})


def test_boosting_require(boosting: Sampled) -> None:
    """require lr * n >= 2: n's prior reweighted by P(lr >= 2 / n), lr | n truncated below."""
    lo, hi = 0.005, 0.3

    def floor_of(n: float) -> float:
        return min(max(lo, 2 / n), hi)
    prior = quantized(loguniform(50, 2000), 50, 50, 2000)
    accept = {n: math.log(hi / floor_of(n)) / math.log(hi / lo) for n in prior}
    rows = boosting.rows
    assert_discrete(column(rows, "n_estimators"),
                    weighted({n: p * accept[n] for n, p in prior.items()}), "n_estimators")
    pit = [math.log(r["learning_rate"] / floor_of(r["n_estimators"]))
           / math.log(hi / floor_of(r["n_estimators"])) for r in rows]
    assert_continuous(pit, uniform(0, 1), "learning_rate | n_estimators")


def test_boosting_dependent_bounds(boosting: Sampled) -> None:
    rows = boosting.rows
    rng = np.random.default_rng(1)
    depth = np.array(column(rows, "max_depth"), dtype=float)
    leaves = np.array(column(rows, "max_leaves"), dtype=float)
    assert_discrete(depth.tolist(), even(float(d) for d in range(2, 11)), "max_depth")
    assert_continuous(fraction_int(leaves, np.full_like(leaves, 2), 2 ** depth, rng),
                      uniform(0, 1), "max_leaves fraction")
    # both ends of the dependent range are reached
    assert_discrete(leaves[depth == 2].tolist(), even([2.0, 3.0, 4.0]), "max_leaves | depth 2")
    assert_discrete(leaves[depth == 3].tolist(), even(float(v) for v in range(2, 9)),
                    "max_leaves | depth 3")
    child = np.array(column(rows, "min_child_samples"), dtype=float)
    cap = np.array(column(rows, "leaf_cap"), dtype=float)
    assert_continuous(fraction_int(child, np.ones_like(cap), cap, rng), uniform(0, 1),
                      "min_child_samples fraction")


def test_boosting_distributions(boosting: Sampled) -> None:
    rows = boosting.rows
    assert_discrete(column(rows, "booster"), even(["gbdt", "dart"]), "booster")
    assert_continuous(column(rows, "subsample"), uniform(0.5, 1.0), "subsample")
    assert_discrete(column(rows, "colsample_bytree"), quantized(uniform(0.3, 1.0), 0.1, 0.3, 1.0),
                    "colsample_bytree")
    assert_continuous(column(rows, "reg_lambda"), lognormal(0, 1), "reg_lambda")
    assert_discrete(column(rows, "use_l1"), even([True, False]), "use_l1")
    assert_continuous(column(rows, "reg_alpha"), loguniform(1e-8, 10), "reg_alpha")
    assert_continuous(column(rows, "rate_drop"), uniform(0, 0.3), "rate_drop")
    assert_continuous(column(rows, "skip_drop"), uniform(0, 0.5), "skip_drop")


# --- classifier.hps ----------------------------------------------------------------------


def classifier_active(r: dict[str, Any]) -> set[str]:
    names = {"preprocess.scaler", "preprocess.use_pca", "model"}
    if r["preprocess.use_pca"]:
        names.add("preprocess.n_components")
    names |= {"svm": {"C", "kernel"}, "rf": {"n_estimators", "max_depth", "max_features"},
              "gbm": {"learning_rate", "n_estimators", "max_depth"},
              "knn": {"n_neighbors", "weights"}}[r["model"]]
    if r["model"] == "svm" and r["kernel"] in {"rbf", "poly"}:
        names.add("gamma")
    if r["model"] == "svm" and r["kernel"] == "poly":
        names.add("degree")
    return names


def test_classifier(classifier: Sampled) -> None:
    rows = classifier.rows
    for r in rows:
        assert set(r) == classifier_active(r), r
    # forbid svm and poly and C > 100: P(C <= 100) = 5/6 for loguniform(1e-3, 1e3)
    assert_discrete(column(rows, "model"),
                    weighted({"svm": 1 - 1 / 3 * 1 / 6, "rf": 1, "gbm": 1, "knn": 1}), "model")
    svm = lambda k: (lambda r: r["model"] == "svm" and r["kernel"] == k)  # noqa: E731
    assert_continuous(column(rows, "C", svm("poly")), loguniform(1e-3, 100), "C | poly")
    assert_continuous(column(rows, "C", svm("rbf")), loguniform(1e-3, 1e3), "C | rbf")
    assert_discrete(column(rows, "kernel"), weighted({"linear": 1, "rbf": 1, "poly": 5 / 6}))
    assert_discrete(column(rows, "max_depth", lambda r: r["model"] == "rf"), even(range(2, 33)))
    assert_discrete(column(rows, "max_depth", lambda r: r["model"] == "gbm"), even(range(1, 9)))
    assert_discrete(column(rows, "n_estimators"), quantized(loguniform(10, 500), 10, 10, 500))
    assert_discrete(column(rows, "n_neighbors"), even(range(1, 51)))
    assert_continuous(column(rows, "preprocess.n_components"), uniform(0.5, 0.99))


# --- every distribution kind, on small inline spaces ---------------------------------------

KINDS = """
u   ~ uniform(-2, 3)
lu  ~ loguniform(1e-3, 10)
qu  ~ quniform(0.25, 2.2, 0.5)
qui ~ quniform(0, 20, 4)
qlu ~ qloguniform(1, 100, 5)
n   ~ normal(1, 2)
ln  ~ lognormal(0.5, 0.75)
qn  ~ qnormal(0, 3, 1)
qln ~ qlognormal(2, 0.5, 1)
ri  ~ randint(1, 3)
ch  ~ choice(a, "b c", 3, true)
pc  ~ pchoice(0.7: x, 0.2: y, 0.1: z)
"""


@pytest.fixture(scope="module")
def kinds() -> list[dict[str, Any]]:
    return hpdsl.loads(KINDS).sample(np.random.default_rng(SEED), N)


@pytest.mark.parametrize(("name", "cdf"), [
    ("u", uniform(-2, 3)), ("lu", loguniform(1e-3, 10)), ("n", normal(1, 2)),
    ("ln", lognormal(0.5, 0.75)),
])
def test_continuous_kinds(kinds: list[dict[str, Any]], name: str, cdf: Cdf) -> None:
    assert all(type(r[name]) is float for r in kinds)
    assert_continuous(column(kinds, name), cdf, name)


@pytest.mark.parametrize(("name", "probs"), [
    ("qu", quantized(uniform(0.25, 2.2), 0.5, 0.25, 2.2)),  # 0.5 .. 2.0, ends absorb the rest
    ("qui", quantized(uniform(0, 20), 4, 0, 20)),
    ("qlu", quantized(loguniform(1, 100), 5, 1, 100)),  # 5 takes all of [1, 7.5)
    ("qn", quantized_unbounded(normal(0, 3), 1, -15, 15)),
    ("qln", quantized_unbounded(lognormal(2, 0.5), 1, 0, 60)),
    ("ri", even([1, 2, 3])),
    ("ch", even(["a", "b c", 3, True])),
    ("pc", {"x": 0.7, "y": 0.2, "z": 0.1}),
])
def test_discrete_kinds(kinds: list[dict[str, Any]], name: str,
                        probs: dict[Any, float]) -> None:
    assert_discrete(column(kinds, name), probs, name)


def test_kind_value_types(kinds: list[dict[str, Any]]) -> None:
    assert {type(r["qui"]) for r in kinds} == {int}
    assert {type(r["qlu"]) for r in kinds} == {int}
    assert {type(r["ri"]) for r in kinds} == {int}
    assert {type(r["qu"]) for r in kinds} == {float}
    assert {r["ri"] for r in kinds} == {1, 2, 3}  # both ends included
    assert {type(r["ch"]) for r in kinds} == {str, int, bool}


def test_dependent_continuous_bounds() -> None:
    """A dependent bound samples the fraction of the range in force uniformly."""
    space = hpdsl.loads("hi ~ uniform(1, 10)\nx ~ uniform(0, hi)\ny ~ loguniform(1e-3, hi)\n"
                        "z ~ quniform(0, hi, 0.5)")
    rows = space.sample(SEED, N)
    hi = np.array(column(rows, "hi"))
    assert_continuous(np.array(column(rows, "x")) / hi, uniform(0, 1), "x / hi")
    y = np.array(column(rows, "y"))
    assert_continuous(np.log(y / 1e-3) / np.log(hi / 1e-3), uniform(0, 1), "log fraction of y")
    z = np.array(column(rows, "z"))
    assert np.all(z <= hi) and np.allclose(z * 2, np.round(z * 2))


def test_dependent_randint_reaches_both_ends() -> None:
    space = hpdsl.loads("k ~ randint(1, 3)\nj ~ randint(k, 2 * k)")
    rows = space.sample(SEED, N)
    for k in (1, 2, 3):
        assert_discrete(column(rows, "j", lambda r, k=k: r["k"] == k), even(range(k, 2 * k + 1)),
                        f"j | k = {k}")
