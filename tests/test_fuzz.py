"""Fuzzing: no input, however malformed, makes the pipeline raise or hang.

Hypothesis runs derandomized, so CI sees the same examples every time. Inputs
that once broke something stay here as nasty inputs and as lint fixtures
(`tests/fixtures/lint/*_regression_*.hps`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz_harness import (
    check,
    check_outputs_escape,
    fuzz,
    hostile_space,
    hostile_strings,
    mutated,
    samples_validate,
    spaces,
)
from hypothesis import given
from hypothesis import strategies as st
from run_cli import cli

import hpdsl

# --- (a) grammar-aware generation ----------------------------------------------------------
#
# Mostly valid spaces: typed base parameters that conditions test with the right types,
# fresh names for everything declared in blocks, valid distribution arguments, bounds
# that depend on `k`. Some spaces still have dead branches or over-tight constraints.

@fuzz(80)
@given(text=spaces(), seed=st.integers(0, 2**16))
def test_generated_spaces_check_and_sample(text: str, seed: int) -> None:
    space = check(text)
    if space is not None:
        samples_validate(space, seed)
        size = space.size()
        assert size == float("inf") or (isinstance(size, int) and size >= 0)


def test_the_generator_mostly_makes_valid_spaces() -> None:
    """Guards the property above against a generator that only makes broken spaces."""
    valid = []

    @fuzz(15)
    @given(text=spaces())
    def collect(text: str) -> None:
        valid.append(check(text) is not None)

    collect()
    assert sum(valid) >= 0.6 * len(valid), f"{sum(valid)} of {len(valid)} valid"


# --- (b) mutation of real files ------------------------------------------------------------

@fuzz(300)
@given(case=mutated(), seed=st.integers(0, 2**16))
def test_mutated_files_never_raise(case: tuple[str, str], seed: int) -> None:
    text, base_dir = case
    space = check(text, base_dir)
    if space is not None:
        samples_validate(space, seed)


# --- (c) nasty inputs ----------------------------------------------------------------------

NASTY_TEXT = {
    "empty": "",
    "only_comments": "# nothing here\n   # still nothing\n",
    "only_newlines": "\n\n\r\n\n",
    "nul": "x = 1\x00\n",
    "bom": "\ufeffx ~ uniform(0, 1)\n",
    "deep_parens": "x = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n",
    "deep_unclosed_parens": "x = " + "(" * 10_000 + "\n",
    "deep_brackets": "x = " + "a[" * 5_000 + "\n",
    "chained_plus": "x = " + " + ".join(["1"] * 2_000) + "\n",
    "chained_and": "a ~ randint(0, 9)\nif " + " and ".join(["a > 1"] * 2_000) + " then b = 1\n",
    "chained_power": "x = " + " ** ".join(["2"] * 2_000) + "\n",
    "chained_not": "a ~ choice(true, false)\nif " + "not " * 2_000 + "a then b = 1\n",
    "chained_minus": "x = " + "-" * 5_000 + "1\n",
    "nested_blocks": "".join(f"s{i} {{\n" for i in range(300)) + "x = 1\n" + "}\n" * 300,
    "nested_ifs": "a ~ choice(true, false)\n" + "if a {\n" * 300 + "x = 1\n" + "}\n" * 300,
    "nested_if_then": "a ~ choice(true, false)\n" + "if a then " * 2_000 + "x = 1\n",
    "import": 'evil = __import__("os").system("echo hi")\n',
    "eval": 'x = eval("1 + 1")\n',
    "python": "import os\n\ndef f(x):\n    return os.system(x)\n\nclass A:\n    pass\n",
    "dunder": "x = ().__class__.__bases__[0].__subclasses__()\n",
    "huge_number": "x ~ uniform(0, 1" + "0" * 5_000 + ")\n",
    "huge_exponent": "x ~ uniform(0, 1e99999999)\nk ~ randint(0, 10 ** 10 ** 10)\n",
    "huge_power": "x = 10 ** 10 ** 10 ** 10\n",
    "huge_loop": "for i in 1..1000000000000 {\n    u[i] ~ uniform(0, 1)\n}\n",
    "negative_loop": "for i in 5..1 {\n    u[i] ~ uniform(0, 1)\n}\n",
    "many_params": "".join(f"p{i} ~ uniform(0, 1)\n" for i in range(3_000)),
    "long_line": "x = " + "a" * 1_000_000 + "\n",
    "long_string": 'x = "' + "s" * 1_000_000 + '"\n',
    "ten_megabytes": "x ~ uniform(0, 1)\n" * (10 * 1024 * 1024 // 18),
    "division_by_zero": "x = 1 / 0\ny ~ uniform(0, 1 // 0)\nz = log(0)\nw = exp(1000)\n",
    "self_reference": "x ~ uniform(0, x)\n",
    "include_absolute": 'include "/etc/passwd.hps"\n',
    "include_dir": 'include "."\ninclude "..hps"\n',
    "control_chars": "x = 1\x0b\x0c\x1b[31m\n",
    "lone_surrogate": 'x = "\ud800"\n',
    "weird_unicode": "\u00e9t\u00e9 ~ uniform(0, 1)\n\u2028x = 1\u00a0\n",
}

NASTY_BYTES = {
    "binary": bytes(range(256)) * 4,
    "invalid_utf8": b"x ~ uniform(0, 1)\ny = \xff\xfe\n",
    "latin1": "caf\u00e9 = 1\n".encode("latin-1"),
    "utf16": "x ~ uniform(0, 1)\n".encode("utf-16"),
    "nul_byte": b"x = 1\x00\n",
    "truncated_utf8": b"x = '\xe2\x82'\n",
}


@pytest.mark.parametrize("name", list(NASTY_TEXT))
def test_nasty_text_gets_an_answer(name: str) -> None:
    check(NASTY_TEXT[name])


def test_ten_megabytes_is_refused_with_a_limit_diagnostic() -> None:
    diags = hpdsl.check_text(NASTY_TEXT["ten_megabytes"]).diagnostics
    assert [d.code for d in diags] == ["HPS003"]


def test_empty_and_comment_only_files_are_empty_spaces() -> None:
    for name in ("empty", "only_comments", "only_newlines"):
        space = check(NASTY_TEXT[name])
        assert space is not None and space.sample(0) == {} and space.size() == 1


@pytest.mark.parametrize("name", ["import", "eval", "python", "dunder"])
def test_there_is_no_way_to_run_python(name: str) -> None:
    diags = hpdsl.check_text(NASTY_TEXT[name]).diagnostics
    assert diags and {d.code for d in diags} <= {"HPS001", "HPS101", "HPS112"}


@pytest.mark.parametrize("name", list(NASTY_BYTES))
def test_nasty_bytes_are_reported_not_raised(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.hps"
    path.write_bytes(NASTY_BYTES[name])
    space, diags, _ = hpdsl.check_file(str(path))
    assert space is None and diags
    assert diags[0].code in {"HPS001", "HPS002"}


def test_nasty_paths_are_reported_not_raised(tmp_path: Path) -> None:
    for path in [tmp_path / "missing.hps", tmp_path, tmp_path / ("x" * 300 + ".hps")]:
        space, diags, _ = hpdsl.check_file(str(path))
        assert space is None and [d.code for d in diags] == ["HPS002"]


def test_include_of_itself(tmp_path: Path) -> None:
    (tmp_path / "me.hps").write_text('include "me.hps"\n')
    (tmp_path / "deep.hps").write_text('include "sub/../deep.hps"\n')
    (tmp_path / "sub").mkdir()
    for name in ("me.hps", "deep.hps"):
        diags = hpdsl.check_file(str(tmp_path / name)).diagnostics
        assert [d.code for d in diags] == ["HPS402"]


def test_include_chain_deeper_than_the_limit(tmp_path: Path) -> None:
    for i in range(200):
        (tmp_path / f"f{i}.hps").write_text(f'include "f{i + 1}.hps"\nx{i} = {i}\n')
    (tmp_path / "f200.hps").write_text("last = 1\n")
    diags = hpdsl.check_file(str(tmp_path / "f0.hps")).diagnostics
    assert "HPS003" in {d.code for d in diags}


# --- the command line ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["deep_parens", "nested_blocks", "python", "huge_loop",
                                  "chained_plus", "ten_megabytes"])
def test_cli_lint_of_nasty_files_has_no_traceback(tmp_path: Path, name: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / f"{name}.hps"
    path.write_text(NASTY_TEXT[name], encoding="utf-8")
    _lint_reports(capsys, path)


@pytest.mark.parametrize("name", ["binary", "invalid_utf8", "nul_byte"])
def test_cli_lint_of_binary_files_has_no_traceback(tmp_path: Path, name: str,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / f"{name}.hps"
    path.write_bytes(NASTY_BYTES[name])
    _lint_reports(capsys, path)


def _lint_reports(capsys: pytest.CaptureFixture[str], path: Path) -> None:
    """`hpdsl lint` reports the problem (exit 1, or 2 for an unusable file) and does not
    fail inside (`cli` refuses the internal-error status 3)."""
    status, out, err = cli(capsys, "lint", path)
    assert status in (1, 2), (status, out[-2000:], err)


# --- (d) hostile names through every converter and output format ---------------------------

@fuzz(25)
@given(name=hostile_strings(), option=hostile_strings())
def test_hostile_names_and_strings_stay_data_in_every_output(
        tmp_path_factory: pytest.TempPathFactory, name: str, option: str) -> None:
    name = name.replace("/", "_").replace("\x00", "_")[:200] or "_"
    option = option.replace("\x00", "_")
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / f"{name}.hps"
    options = list(dict.fromkeys([option, "plain"]))
    path.write_text(hostile_space(options), encoding="utf-8")
    if check(path.read_text(encoding="utf-8")) is None:
        return  # e.g. an option the language refuses: nothing to convert
    check_outputs_escape(path, options)
