"""Pathological spaces load and sample, or are refused by name.

No time is asserted here (speed belongs to benchmarks): the time and peak memory of each
limit are measured by `benchmarks/bench_limits.py` and recorded in tests/README.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hpdsl
from hpdsl.diagnostics import Diagnostic


def check(text: str) -> tuple[hpdsl.Space | None, list[Diagnostic]]:
    space, diags, _ = hpdsl.check_text(text)
    return space, diags


def refused_by_name(diags: list[Diagnostic], code: str, words: str) -> None:
    assert any(d.code == code and words in d.message for d in diags), [
        (d.code, d.message) for d in diags]


def test_ten_thousand_parameters_load_and_sample() -> None:
    text = "".join(f"p{i} ~ uniform(0, {i + 1})\n" for i in range(10_000))
    space, diags = check(text)
    assert space is not None, diags
    assert len(space.coords.dimensions) == 10_000
    cfg = space.sample(0)
    assert len(cfg) == 10_000 and space.validate(cfg) == []


def nested_blocks(depth: int) -> str:
    return ("".join(f"{'    ' * i}s{i} {{\n" for i in range(depth)) + "    " * depth
            + "x ~ uniform(0, 1)\n" + "".join(f"{'    ' * i}}}\n" for i in reversed(range(depth))))


def test_two_hundred_nested_blocks_work() -> None:
    """Blocks count against their own limit (256), not the expression depth limit."""
    space, diags = check(nested_blocks(200))
    assert space is not None, [(d.code, d.message) for d in diags]
    assert space.sample(0) != {}


def test_three_hundred_nested_blocks_are_refused_by_name() -> None:
    space, diags = check(nested_blocks(300))
    assert space is None
    refused_by_name(diags, "HPS003", "nested deeper than 256 levels")


def test_a_loop_over_ten_thousand_items_loads_and_samples() -> None:
    text = "for i in 1..10000 {\n    u[i] ~ uniform(0, i)\n}\n"
    space, diags = check(text)
    assert space is not None, diags
    cfgs = space.sample(0, 100)
    assert len(cfgs) == 100 and len(cfgs[0]["u"]) == 10_000
    _, diags = check(text.replace("10000", "10001"))
    refused_by_name(diags, "HPS003", "exceeds the limit of 10000")


def test_a_constraint_that_rejects_nearly_everything() -> None:
    text = "x ~ uniform(0, 1)\ny ~ uniform(0, 1)\nrequire x < 0.01 and y < 0.01\n"
    space, diags = check(text)
    assert space is not None
    assert "HPS205" in {d.code for d in diags}  # lint warns
    try:
        cfg = space.sample(0)
        assert cfg["x"] < 0.01 and cfg["y"] < 0.01
    except hpdsl.SamplingError as err:
        assert "constraints rejected" in str(err)
    impossible = hpdsl.loads("x ~ uniform(0, 1)\nrequire x < 1e-9\n")
    with pytest.raises(hpdsl.SamplingError, match="Loosen the"):
        impossible.sample(0, 10)


WORKS = {
    "uniform(0, 1e308)": "x ~ uniform(0, 1e308)\n",
    "loguniform(1e-300, 1e300)": "x ~ loguniform(1e-300, 1e300)\n",
    "randint(0, 2**53)": "k ~ randint(0, 2**53)\n",
    "normal(0, 1e308)": "x ~ normal(0, 1e308)\n",
    "exp(uniform(700, 800))": "k ~ uniform(700, 800)\nx = exp(k)\n",
    "dependent randint to 10**40": "k ~ randint(1, 4)\ny ~ randint(0, 10 ** (k * 10))\n",
    "quniform to 1e300": "x ~ quniform(0, 1e300, 1)\n",
    "qnormal(0, 1e300, 1)": "x ~ qnormal(0, 1e300, 1)\n",
}

REFUSED = {
    "randint(0, 10**30)": ("k ~ randint(0, 10**30)\n", "beyond 2**53"),
    "randint(-10**30, 0)": ("k ~ randint(-10**30, 0)\n", "beyond 2**53"),
    "randint(0, 1e30)": ("k ~ randint(0, 1e30)\n", "within +-2**53"),
    "quniform to 10**300": ("x ~ quniform(0, 10**300, 1)\n", "beyond 2**53"),
    "2 ** 10000": ("x = 2 ** 10000\n", "power too large"),
    "10 ** 400": ("x = 10 ** 400\n", "larger than 1.8e+308"),
    "a 401-digit literal": ("x = 1" + "0" * 400 + "\n", "number too large"),
    "uniform(-1e308, 1e308)": ("x ~ uniform(-1e308, 1e308)\n", "wider than the largest"),
    "quniform(0, 1e308, 1e-300)": ("x ~ quniform(0, 1e308, 1e-300)\n", "too small"),
    "uniform(0, 1e400)": ("x ~ uniform(0, 1e400)\n", "finite"),
}


@pytest.mark.parametrize("name", list(WORKS))
def test_huge_numbers_sample_valid_values(name: str) -> None:
    space, diags = check(WORKS[name])
    assert space is not None, [(d.code, d.message) for d in diags]
    with np.errstate(all="raise"):
        cfgs = space.sample(0, 20)
    for cfg in cfgs:
        assert space.validate(cfg) == [], cfg
        for value in cfg.values():
            assert isinstance(value, int | float) and value == value
            assert not isinstance(value, int) or value != -(2**63), "int64 wrapped"


@pytest.mark.parametrize("name", list(REFUSED))
def test_huge_numbers_are_refused_with_a_diagnostic(name: str) -> None:
    text, words = REFUSED[name]
    space, diags = check(text)
    assert space is None
    refused_by_name(diags, "HPS105", words)


def include_chain(tmp_path: Path, length: int) -> Path:
    for i in range(length):
        (tmp_path / f"f{i}.hps").write_text(f'include "f{i + 1}.hps"\nx{i} ~ uniform(0, 1)\n')
    (tmp_path / f"f{length}.hps").write_text("last ~ uniform(0, 1)\n")
    return tmp_path / "f0.hps"


def test_an_include_chain_of_a_hundred_files_works(tmp_path: Path) -> None:
    top = include_chain(tmp_path, 100)
    space = hpdsl.load(top)
    assert len(space.sample(0)) == 101


def test_an_include_chain_of_two_hundred_files_is_refused_by_name(tmp_path: Path) -> None:
    top = include_chain(tmp_path, 200)
    space, diags, _ = hpdsl.check_file(str(top))
    assert space is None
    refused_by_name(diags, "HPS003", "includes nested deeper than 128")
