"""Benchmark: compiling a large space, and sampling a typical conditional one.

    .venv/bin/python benchmarks/bench_space.py [--quick]

(a) compile time (`hpdsl.loads`: parse, analysis, compile and every lint check) of a
    generated 1,000-declaration space with stages, choices, nested conditions, dependent
    bounds, derived values and constraints; median of several runs; target < 0.5 s.
(b) configurations per second for a 20-parameter conditional space: vectorized
    (`space.sample(rng, 100_000)`), one at a time (`space.sample(rng)` in a loop), the
    numeric part alone (`space.coords.sample`, no dicts built), and for
    comparison hyperopt's `pyll.stochastic.sample` on the equivalent `hp` space (if hyperopt
    is installed) and a hand-written random sampler in plain Python (no library at all).
    Target: >= 100,000 configurations/s vectorized.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import hpdsl

COMPILE_TARGET_S = 0.5
SAMPLE_TARGET_PER_S = 100_000


# --- (a) a large generated space ---------------------------------------------------------


def large_space(n_params: int = 1000, n_stages: int = 5, seed: int = 0) -> str:
    """A `.hps` text with about `n_params` declarations spread over stages.

    Each stage picks an algorithm (a choice); each algorithm has its own block of
    parameters of mixed kinds, some with nested conditions on a local choice, some with
    bounds that depend on an earlier parameter, a derived value, and a local constraint.
    A global constraint ties two stages together.
    """
    rnd = random.Random(seed)
    per_stage = n_params // n_stages
    algos = 4
    lines: list[str] = [f"# generated: {n_params} declarations, {n_stages} stages"]
    for s in range(n_stages):
        lines.append(f"stage{s} {{")
        lines.append("    algo ~ choice(" + ", ".join(f"a{j}" for j in range(algos)) + ")")
        for j in range(algos):
            count = (per_stage - 1) // algos + (j < (per_stage - 1) % algos)
            if j == algos - 1:
                lines.append("    } else {")
            else:
                lines.append(f"    {'if' if j == 0 else '} elif'} algo == a{j} {{")
            lines.extend(_algo_block(rnd, f"p{j}_", count))
        lines.append("    }")
        lines.append("}")
    lines.append("forbid stage0.algo == a0 and stage1.algo == a0 and stage0.p0_0 > 0.99")
    return "\n".join(lines) + "\n"


def _algo_block(rnd: random.Random, prefix: str, count: int) -> list[str]:
    """`count` declarations for one algorithm's branch (8 spaces of indent)."""
    out: list[str] = []
    ind = " " * 8
    i = 0

    def name() -> str:
        nonlocal i
        i += 1
        return f"{prefix}{i - 1}"

    first = name()
    out.append(f"{ind}{first} ~ uniform(0, 1)")
    depth = name()
    out.append(f"{ind}{depth} ~ randint(2, 12)")
    out.append(f"{ind}{name()} ~ randint(1, 2 ** min({depth}, 6))")  # dependent bound
    out.append(f"{ind}{name()} = {depth} * 2")  # derived value
    mode = name()
    out.append(f"{ind}{mode} ~ choice(fast, exact, approx)")
    kinds = [
        "uniform(0, 1)", "loguniform(1e-5, 1e-1)", "randint(1, 100)", "quniform(0, 1, 0.05)",
        "qloguniform(8, 1024, 8)", "normal(0, 1)", "choice(x, y, z)",
        "pchoice(0.6: on, 0.4: off)", "lognormal(0, 1)",
    ]
    while i < count - 1:
        left = count - 1 - i
        if left >= 4 and rnd.random() < 0.25:  # a nested conditional group
            m = rnd.choice(["fast", "exact", "approx"])
            out.append(f"{ind}if {mode} == {m} {{")
            for _ in range(3):
                out.append(f"{ind}    {name()} ~ {rnd.choice(kinds)}")
            out.append(f"{ind}}}")
        else:
            out.append(f"{ind}{name()} ~ {rnd.choice(kinds)}")
    out.append(f"{ind}{name()} ~ uniform(0, {first} + 1)")
    out.append(f"{ind}forbid {first} > 0.995 and {depth} == 12")
    return out


def bench_compile(runs: int) -> dict[str, float]:
    """Median seconds of `hpdsl.loads` (wall clock, and CPU time: the figure to read on a
    shared machine), of its two halves and of parsing alone, and the declaration count."""
    from hpdsl.analysis import analyse_text
    from hpdsl.compile import compile_space
    from hpdsl.syntax import parse

    text = large_space()
    times: dict[str, list[float]] = {"loads": [], "loads, CPU time": [], "parse + analysis": [],
                                     "compile + checks": [], "parse alone": []}
    space = None
    for _ in range(runs):
        t0, cpu = time.perf_counter(), time.process_time()
        space = hpdsl.loads(text)
        t1 = time.perf_counter()
        times["loads, CPU time"].append(time.process_time() - cpu)
        analysis, _, _ = analyse_text(text)
        t2 = time.perf_counter()
        assert analysis is not None
        compile_space(analysis, text)
        t3 = time.perf_counter()
        times["loads"].append(t1 - t0)
        times["parse + analysis"].append(t2 - t1)
        times["compile + checks"].append(t3 - t2)
        parse(text)
        times["parse alone"].append(time.perf_counter() - t3)
    assert space is not None
    out = {k: statistics.median(v) for k, v in times.items()}
    out["declarations"] = len(space.parameters)
    return out


# --- (b) a 20-parameter conditional space --------------------------------------------------

SPACE_20 = """
model   ~ choice(a, b, c)
lr      ~ loguniform(1e-5, 1e-1)
wd      ~ loguniform(1e-6, 1e-2)
dropout ~ uniform(0, 0.5)
batch   ~ qloguniform(16, 512, 16)
layers  ~ randint(1, 4)
act     ~ choice(relu, tanh, gelu)
if model == a {
    a1 ~ uniform(0, 1)
    a2 ~ randint(1, 10)
    a3 ~ choice(x, y)
    if a3 == x {
        a4 ~ loguniform(1e-3, 1)
        a5 ~ choice(u, v)
        if a5 == u then a6 ~ quniform(0, 100, 5)
    }
} elif model == b {
    b1 ~ lognormal(0, 1)
    b2 ~ quniform(1, 100, 1)
    b3 ~ pchoice(0.7: p, 0.3: q)
    if b3 == p then b4 ~ uniform(-1, 1)
} else {
    c1 ~ loguniform(1e-4, 10)
    c2 ~ randint(2, 20)
    c3 ~ normal(0, 1)
}
"""


def hyperopt_space() -> Any:
    """The same space in hyperopt's `hp` terms (log bounds are logs there)."""
    from hyperopt import hp
    from hyperopt.pyll import scope

    log = math.log
    return {
        "lr": hp.loguniform("lr", log(1e-5), log(1e-1)),
        "wd": hp.loguniform("wd", log(1e-6), log(1e-2)),
        "dropout": hp.uniform("dropout", 0, 0.5),
        "batch": scope.int(hp.qloguniform("batch", log(16), log(512), 16)),
        "layers": hp.randint("layers", 1, 5),
        "act": hp.choice("act", ["relu", "tanh", "gelu"]),
        "model": hp.choice("model", [
            {"model": "a", "a1": hp.uniform("a1", 0, 1), "a2": hp.randint("a2", 1, 11),
             "a3": hp.choice("a3", [
                 {"a3": "x", "a4": hp.loguniform("a4", log(1e-3), 0),
                  "a5": hp.choice("a5", [{"a5": "u", "a6": hp.quniform("a6", 0, 100, 5)},
                                         {"a5": "v"}])},
                 {"a3": "y"}])},
            {"model": "b", "b1": hp.lognormal("b1", 0, 1), "b2": hp.quniform("b2", 1, 100, 1),
             "b3": hp.pchoice("b3", [(0.7, {"b3": "p", "b4": hp.uniform("b4", -1, 1)}),
                                     (0.3, {"b3": "q"})])},
            {"model": "c", "c1": hp.loguniform("c1", log(1e-4), log(10)),
             "c2": hp.randint("c2", 2, 21), "c3": hp.normal("c3", 0, 1)},
        ]),
    }


def plain_python(rnd: random.Random) -> dict[str, Any]:
    """The same space sampled by hand: the floor for one-at-a-time sampling in Python."""
    def logu(lo: float, hi: float) -> float:
        return math.exp(rnd.uniform(math.log(lo), math.log(hi)))

    cfg: dict[str, Any] = {
        "model": rnd.choice("abc"), "lr": logu(1e-5, 1e-1), "wd": logu(1e-6, 1e-2),
        "dropout": rnd.uniform(0, 0.5), "batch": max(16, min(512, round(logu(16, 512) / 16) * 16)),
        "layers": rnd.randint(1, 4), "act": rnd.choice(["relu", "tanh", "gelu"]),
    }
    if cfg["model"] == "a":
        cfg.update(a1=rnd.random(), a2=rnd.randint(1, 10), a3=rnd.choice("xy"))
        if cfg["a3"] == "x":
            cfg.update(a4=logu(1e-3, 1), a5=rnd.choice("uv"))
            if cfg["a5"] == "u":
                cfg["a6"] = round(rnd.uniform(0, 100) / 5) * 5
    elif cfg["model"] == "b":
        cfg.update(b1=rnd.lognormvariate(0, 1), b2=round(rnd.uniform(1, 100)),
                   b3="p" if rnd.random() < 0.7 else "q")
        if cfg["b3"] == "p":
            cfg["b4"] = rnd.uniform(-1, 1)
    else:
        cfg.update(c1=logu(1e-4, 10), c2=rnd.randint(2, 20), c3=rnd.gauss(0, 1))
    return cfg


def rate(fn: Callable[[], int], runs: int) -> float:
    """Best-of-`runs` configurations per second; `fn` returns how many it made."""
    best = 0.0
    for _ in range(runs):
        t0 = time.perf_counter()
        n = fn()
        best = max(best, n / (time.perf_counter() - t0))
    return best


def bench_sampling(n_vec: int, n_loop: int, runs: int) -> list[tuple[str, float | None]]:
    space = hpdsl.loads(SPACE_20)
    assert len(space.coords.dimensions) == 20
    rng = np.random.default_rng(0)
    space.sample(rng, 1000)  # warm up
    rows: list[tuple[str, float | None]] = [
        (f"hpdsl space.sample(rng, {n_vec:,})", rate(lambda: len(space.sample(rng, n_vec)), runs)),
        ("hpdsl space.sample(rng) in a loop",
         rate(lambda: len([space.sample(rng) for _ in range(n_loop)]), runs)),
        (f"hpdsl space.coords.sample(rng, {n_vec:,}), no dicts",
         rate(lambda: len(space.coords.sample(rng, n_vec)[1]), runs)),
    ]
    try:
        from hyperopt.pyll.stochastic import sample
    except ImportError:
        rows.append(("hyperopt pyll.stochastic.sample (not installed)", None))
    else:
        hspace = hyperopt_space()
        hrng = np.random.default_rng(0)
        rows.append(("hyperopt pyll.stochastic.sample in a loop",
                     rate(lambda: len([sample(hspace, rng=hrng) for _ in range(n_loop)]), runs)))
    rnd = random.Random(0)
    rows.append(("plain Python by hand, in a loop",
                 rate(lambda: len([plain_python(rnd) for _ in range(n_loop)]), runs)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and smaller runs")
    args = parser.parse_args()
    runs = 3 if args.quick else 7

    figures = bench_compile(runs)
    seconds = figures["loads"]
    verdict = "ok" if seconds < COMPILE_TARGET_S else "MISSED"
    print(f"(a) compile a {figures['declarations']:.0f}-declaration space (hpdsl.loads, "
          f"median of {runs}): {seconds * 1000:.0f} ms  "
          f"[target < {COMPILE_TARGET_S * 1000:.0f} ms: {verdict}]")
    for part in ("loads, CPU time", "parse + analysis", "compile + checks", "parse alone"):
        print(f"    {part:<18} {figures[part] * 1000:.0f} ms")

    rows = bench_sampling(20_000 if args.quick else 100_000, 500 if args.quick else 2_000,
                          max(2, runs // 2))
    print("\n(b) sampling the 20-parameter conditional space (best of runs)")
    print(f"    {'sampler':<48} {'configs/s':>12} {'vs loop':>9}")
    loop = rows[1][1]
    for label, per_s in rows:
        if per_s is None:
            print(f"    {label:<48} {'-':>12} {'-':>9}")
            continue
        ratio = f"{per_s / loop:.1f}x" if loop else "-"
        print(f"    {label:<48} {per_s:>12,.0f} {ratio:>9}")
    vec = rows[0][1] or 0.0
    verdict = "ok" if vec >= SAMPLE_TARGET_PER_S else "MISSED"
    print(f"    vectorized target >= {SAMPLE_TARGET_PER_S:,}/s: {verdict}")
    hyperopt = rows[3][1]
    if hyperopt:
        print(f"    vectorized / hyperopt: {vec / hyperopt:,.0f}x; "
              f"loop / hyperopt: {(loop or 0) / hyperopt:.1f}x")


if __name__ == "__main__":
    main()
