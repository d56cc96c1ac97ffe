"""Numbers come back as written: integers exact up to 2**53 (and refused beyond), types in
every output the types sampling returns."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hpdsl
from hpdsl.cli import main

TOP = 2**53  # 9007199254740992: the last integer before floats skip some


def check(text: str) -> tuple[hpdsl.Space | None, list[hpdsl.Diagnostic]]:
    space, diags, _ = hpdsl.check_text(text)
    return space, diags


def test_integers_up_to_2_53_are_exact_through_sampling_and_validation() -> None:
    space, diags = check(f"k ~ randint({TOP - 12}, {TOP})\nm = {TOP}\nn = k - {TOP - 12}\n")
    assert space is not None and not diags
    cfgs = space.sample(0, 400)
    ks = {c["k"] for c in cfgs}
    assert ks == set(range(TOP - 12, TOP + 1))  # every value, none outside the bounds
    for c in cfgs:
        assert type(c["k"]) is int and c["m"] == TOP and c["n"] == c["k"] - (TOP - 12)
        assert space.validate(c) == []
    assert space.size() == 13 and len(list(space.grid())) == 13
    assert {c["k"] for c in space.grid()} == ks


def test_the_default_and_the_encoded_round_trip_are_exact() -> None:
    space, _ = check(f"k ~ randint({-TOP}, {TOP}) default {TOP - 1}\n")
    assert space is not None
    assert space.default() == {"k": TOP - 1}
    for value in (-TOP, TOP - 1, TOP):
        assert space.complete({"k": value}) == {"k": value}


@pytest.mark.parametrize(("text", "fragment"), [
    (f"k = {TOP + 1}\n", f"the integer {TOP + 1} is beyond 2**53"),
    (f"k ~ randint({10**17}, {10**17 + 10})\n", "beyond 2**53"),
    ("k ~ randint(0, 2 ** 53 + 1)\n", "beyond 2**53"),
    ("k ~ randint(0, 1e17)\n", "`randint` bounds must lie within +-2**53"),
    (f"k ~ quniform(0, {TOP + 2}, 2)\n", "beyond 2**53"),
    (f"c ~ choice(1, {TOP + 1})\n", "quote it"),
    (f"x ~ uniform(0, 1)\nif x > {-TOP - 1} then y ~ uniform(0, 1)\n", "beyond 2**53"),
])
def test_integers_beyond_2_53_are_refused_with_a_diagnostic(text: str, fragment: str) -> None:
    space, diags = check(text)
    assert space is None
    assert [d.code for d in diags] == ["HPS105"], [d.message for d in diags]
    assert fragment in diags[0].message + (diags[0].help or "")


def test_floats_beyond_2_53_are_fine() -> None:
    space, diags = check("x ~ uniform(0, 1e17)\nk = 1e17\n")
    assert space is not None and not diags
    assert space.sample(0)["k"] == 1e17


def test_a_derived_integer_beyond_2_53_is_inactive_like_a_non_finite_one() -> None:
    space, _ = check("n ~ randint(52, 54)\nk = 2 ** n\n")
    assert space is not None
    seen = set()
    for c in space.sample(0, 60):
        assert space.validate(c) == []
        seen.add((c["n"], c.get("k")))
    assert seen == {(52, 2**52), (53, 2**53), (54, None)}
    assert space.validate({"n": 54, "k": 2**54}) == [
        "`k` is set but inactive"]


def test_dependent_integer_bounds_beyond_2_53_leave_the_row_out() -> None:
    space, _ = check("e ~ randint(15, 16)\nk ~ randint(0, 10 ** e)\n")
    assert space is not None
    assert {c["e"] for c in space.sample(0, 50)} == {15}  # 10**16 > 2**53


def test_integers_near_2_53_survive_storage_and_the_command_line(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]
                                                               ) -> None:
    text = f"k ~ randint({TOP - 3}, {TOP})\nm = k - 1\n"
    path = tmp_path / "big.hps"
    path.write_text(text)
    trials = hpdsl.Trials(f"sqlite:///{tmp_path}/s.db", study="big")
    hpdsl.fmin(lambda c: float(c["k"] - TOP), str(path), algo=hpdsl.rand.suggest,
               max_evals=20, trials=trials, rstate=0, show_progressbar=False)
    reopened = hpdsl.Trials(f"sqlite:///{tmp_path}/s.db", study="big")
    space = hpdsl.load(path)
    got = set()
    for trial in reopened:
        cfg = trial.config
        assert type(cfg["k"]) is int and TOP - 3 <= cfg["k"] <= TOP
        assert cfg["m"] == cfg["k"] - 1 and space.validate(cfg) == []
        assert trial.loss == float(cfg["k"] - TOP)
        got.add(cfg["k"])
    assert got == set(range(TOP - 3, TOP + 1))

    assert main(["sample", str(path), "-n", "40", "--seed", "1"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {c["k"] for c in lines} == set(range(TOP - 3, TOP + 1))
    assert main(["show", "--format", "json", str(path)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["parameters"][0]["distribution"] == f"randint({TOP - 3}, {TOP})"
    assert shown["size"] == 4


SPACES = {
    "qloguniform": "q ~ qloguniform(4, 128, 1)\n",
    "float q": "q ~ quniform(0, 1, 0.25)\n",
    "qnormal": "q ~ qnormal(0, 10, 2)\nr ~ qlognormal(0, 1, 1)\n",
    "choices": "c ~ choice(1, 2)\nd ~ choice(a, 3)\ne ~ pchoice(0.5: true, 0.5: false)\n",
    "derived": "n ~ randint(1, 4)\nm = n * 2\nh = n / 2\nr = round(h)\n",
}


@pytest.mark.parametrize("name", list(SPACES))
def test_show_gives_the_type_sampling_returns(name: str, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.hps"
    path.write_text(SPACES[name])
    assert main(["show", "--format", "json", str(path)]) == 0
    shown = {p["name"]: p["type"] for p in json.loads(capsys.readouterr().out)["parameters"]}
    space = hpdsl.load(path)
    seen: dict[str, set[str]] = {}
    for cfg in space.sample(0, 300):
        for key, value in cfg.items():
            seen.setdefault(key, set()).add(type(value).__name__)
    for key, types in seen.items():
        assert types <= set(shown[key].split(" | ")), (key, types, shown[key])
    assert all(shown[key] == " | ".join(sorted(types)) for key, types in seen.items()
               if name != "choices")


def test_show_says_how_many_items_a_loop_has(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.hps"
    path.write_text("n ~ randint(1, 3)\nfor i in 0..n {\n    u[i] ~ uniform(0, 1)\n}\n"
                    "for j in 1..4 {\n    v[j] ~ uniform(0, 1)\n}\n")
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "for i in 0..n  2     n + 1: 2 to 4 (both ends included)" in out
    assert "for j in 1..4  5     4 (both ends included)" in out
    assert main(["show", "--format", "json", str(path)]) == 0
    loops = json.loads(capsys.readouterr().out)["loops"]
    assert loops[0] == {"line": 2, "variable": "i", "start": 0, "stop": "n", "items": "n + 1",
                        "fewest": 2, "most": 4}
    lengths = {len(c["u"]) for c in hpdsl.load(path).sample(0, 100)}
    assert lengths == {2, 3, 4}
