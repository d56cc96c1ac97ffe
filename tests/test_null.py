"""`null`: Python's None (JSON's null), in choices and derived values, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import hpdsl
from hpdsl.cli import main

SPACE = """\
max_depth    ~ choice(null, 3, 5, 7) default null
class_weight ~ choice(null, balanced)
extra        = null
if max_depth != null then leaves = 2 ** max_depth
"""


def test_null_samples_as_none_and_validates() -> None:
    space, diags, _ = hpdsl.check_text(SPACE)
    assert space is not None and not diags
    cfgs = space.sample(0, 200)
    assert {c["max_depth"] for c in cfgs} == {None, 3, 5, 7}
    assert {c["class_weight"] for c in cfgs} == {None, "balanced"}
    for c in cfgs:
        assert c["extra"] is None
        assert ("leaves" in c) == (c["max_depth"] is not None)
        assert space.validate(c) == []
        assert space.complete(c) == c
    assert space.default() == {"max_depth": None, "class_weight": None, "extra": None}
    assert space.size() == 8


def test_null_is_not_a_string_nor_false_nor_zero() -> None:
    space = hpdsl.loads(SPACE)
    for wrong in ("None", "null", False, 0):
        assert space.validate({"max_depth": wrong, "class_weight": None}) != []
    assert space.validate({"max_depth": None, "class_weight": "balanced"}) == []


def test_a_default_of_null_is_a_default() -> None:
    space = hpdsl.loads("k ~ choice(3, null) default null\n")
    assert space.default() == {"k": None}
    assert space.parameters[0].has_default


def test_null_survives_storage_fmt_show_and_sample(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.hps"
    path.write_text(SPACE)
    url = f"sqlite:///{tmp_path}/s.db"
    hpdsl.fmin(lambda c: 1.0 if c["max_depth"] is None else 0.0, str(path),
               algo=hpdsl.rand.suggest, max_evals=12, trials=hpdsl.Trials(url, study="s"),
               rstate=1, show_progressbar=False)
    stored = [t.config for t in hpdsl.Trials(url, study="s")]
    assert None in {c["max_depth"] for c in stored}
    assert all(c["extra"] is None for c in stored)

    assert hpdsl.format_source(SPACE) == SPACE
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "max_depth     choice(null, 3, 5, 7)   null     always" in out
    assert "extra   null" in out
    assert main(["show", "--format", "json", str(path)]) == 0
    types = {p["name"]: p["type"] for p in json.loads(capsys.readouterr().out)["parameters"]}
    assert types["max_depth"] == "int | null" and types["extra"] == "null"
    assert main(["sample", str(path), "-n", "30", "--seed", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any('"max_depth": null' in line for line in lines)


def test_null_converts_to_none_and_back() -> None:
    from hpdsl.convert import (
        from_configspace,
        from_hyperopt,
        to_configspace_json,
        to_hyperopt_source,
    )

    space = hpdsl.loads(SPACE)
    warnings: list[str] = []  # derived values are not carried over: said here, not raised
    assert "hp.choice('max_depth', [None, 3, 5, 7])" in to_hyperopt_source(space, warnings)
    back = from_configspace(to_configspace_json(space, warnings), warnings)
    assert "max_depth ~ choice(null, 3, 5, 7)" in back
    assert hpdsl.loads(back).sample(0)["extra"] is None
    assert from_hyperopt(space, {"max_depth": None, "class_weight": None})["extra"] is None


def test_a_label_spelled_null_stays_a_string() -> None:
    space = hpdsl.loads('k ~ choice("null", a)\n')
    assert {c["k"] for c in space.sample(0, 50)} == {"null", "a"}
    assert space.parameters[0].distribution == 'choice("null", a)'


def test_a_null_loop_item_validates() -> None:
    space = hpdsl.loads("n ~ randint(1, 3)\nfor i in 1..n {\n    u[i] ~ choice(null, 1)\n}\n")
    cfgs = space.sample(0, 60)
    assert any(c["u"][0] is None for c in cfgs)
    assert all(space.validate(c) == [] for c in cfgs)
    assert space.validate({"n": 1, "u": [1, None]}) == []  # the place of an inactive item
    assert space.validate({"n": 2, "u": [1]}) == ["`u[2]` is missing"]
