"""Bounds that read other parameters: lint says where their range is empty, and sampling
blames the parameter whose range was empty, not the constraints."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hpdsl
from hpdsl.cli import main


def test_sampling_names_the_parameter_whose_range_was_empty() -> None:
    space, diags, _ = hpdsl.check_text("a ~ uniform(1, 10)\nb ~ uniform(a, a)\n")
    assert space is not None and [d.code for d in diags] == ["HPS208"]
    with pytest.raises(hpdsl.SamplingError) as info:
        space.sample(0)
    message = str(info.value)
    assert message.startswith("the range of `b` (uniform(a, a)) was empty in ")
    assert "constraints" not in message


def test_sampling_still_blames_constraints_when_they_reject() -> None:
    space, _, _ = hpdsl.check_text(
        "a ~ uniform(0, 10)\nb ~ uniform(a, 11)\nforbid a > 0.00001 and a < 10\n")
    assert space is not None
    with pytest.raises(hpdsl.SamplingError, match="the constraints rejected"):
        space.sample(0, 1000)


def test_a_partly_empty_range_reshapes_its_parent_as_lint_warns() -> None:
    """Documented behaviour: configurations whose range is empty are left out."""
    space, diags, _ = hpdsl.check_text("a ~ uniform(0, 10)\nb ~ uniform(a, 5)\n")
    assert space is not None
    assert [d.message for d in diags] == [
        "the range of `b ~ uniform(a, 5)` is empty when `a` is above 5 (49% of the "
        "configurations sampled where `b` is active)"]
    a = np.array([c["a"] for c in space.sample(0, 2000)])
    assert a.max() <= 5 and a.mean() == pytest.approx(2.5, abs=0.2)


def test_clamped_or_guarded_bounds_are_clean() -> None:
    for text in ("a ~ uniform(0, 10)\nb ~ uniform(min(a, 4), 5)\n",
                 "a ~ uniform(0, 10)\nif a < 5 then b ~ uniform(a, 5)\n",
                 "x ~ normal(0, 1)\ny ~ loguniform(exp(x), 100)\n",
                 "n ~ randint(1, 8)\nm ~ randint(1, n)\n"):
        space, diags, _ = hpdsl.check_text(text)
        assert space is not None and not diags, (text, [d.message for d in diags])


def test_lint_strict_fails_on_a_partly_empty_range(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.hps"
    path.write_text("x ~ normal(0, 1)\ny ~ loguniform(x, 10)\n")
    assert main(["lint", str(path)]) == 0
    assert main(["lint", "--strict", str(path)]) == 1
    assert "warning[HPS208]" in capsys.readouterr().out
