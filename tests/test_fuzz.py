"""Fuzzing: no input, however malformed, makes the pipeline raise or hang.

Hypothesis runs derandomized, so CI sees the same examples every time. Inputs
that once broke something stay here as nasty inputs and as lint fixtures
(`tests/fixtures/lint/*_regression_*.hps`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hpdsl
from hpdsl.diagnostics._codes import CODES

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(ROOT.glob("examples/**/*.hps")) + sorted(
    (ROOT / "tests" / "fixtures").glob("**/*.hps"))


def fuzz(max_examples: int) -> settings:
    """Derandomized settings: CI runs the same examples every time."""
    return settings(deadline=None, derandomize=True, database=None, max_examples=max_examples,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def check(text: str, base_dir: str | None = None) -> hpdsl.Space | None:
    """`check_text` must answer with a space or diagnostics, never an exception."""
    space, diags, sources = hpdsl.check_text(text, "fuzz.hps", base_dir)
    assert all(d.code in CODES for d in diags)
    assert (space is None) == any(d.is_error for d in diags)
    assert isinstance(sources, dict)
    return space


def samples_validate(space: hpdsl.Space, seed: int) -> None:
    try:
        cfgs = space.sample(np.random.default_rng(seed), 50)
    except hpdsl.SamplingError:
        return  # constraints that (nearly) exclude everything: a documented error
    for cfg in cfgs:
        assert space.validate(cfg) == [], cfg


# --- (a) grammar-aware generation ----------------------------------------------------------
#
# Mostly valid spaces: typed base parameters that conditions test with the right types,
# fresh names for everything declared in blocks, valid distribution arguments, bounds
# that depend on `k`. Some spaces still have dead branches or over-tight constraints.

BASE = ["k ~ randint(1, 4)", "x ~ uniform(0, 1)", "m ~ choice(svm, rf, knn)",
        "flag ~ choice(true, false)"]
LABELS = ["svm", "rf", "knn"]


class _Names:
    """Fresh parameter names for one generated space."""

    def __init__(self) -> None:
        self.count = 0

    def fresh(self, prefix: str = "p") -> str:
        self.count += 1
        return f"{prefix}{self.count}"


def _condition(draw: st.DrawFn, depth: int = 0) -> str:
    kinds = ["int", "float", "label", "in", "flag"] + (["and", "or", "not"] if depth < 2 else [])
    kind = draw(st.sampled_from(kinds))
    if kind == "int":
        op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
        return f"k {op} {draw(st.integers(0, 5))}"
    if kind == "float":
        return f"x {draw(st.sampled_from(['<', '>', '<=', '>=']))} {draw(st.integers(0, 10)) / 10}"
    if kind == "label":
        return f"m {draw(st.sampled_from(['==', '!=']))} {draw(st.sampled_from(LABELS))}"
    if kind == "in":
        opts = draw(st.lists(st.sampled_from(LABELS), min_size=1, max_size=3, unique=True))
        return f"m {draw(st.sampled_from(['in', 'not in']))} {{{', '.join(opts)}}}"
    if kind == "flag":
        return draw(st.sampled_from(["flag", "not flag"]))
    if kind == "not":
        return f"not ({_condition(draw, depth + 1)})"
    return f"({_condition(draw, depth + 1)}) {kind} ({_condition(draw, depth + 1)})"


def _distribution(draw: st.DrawFn, item: str | None) -> str:
    lo = draw(st.integers(0, 5))
    hi = lo + draw(st.integers(1, 10))
    kind = draw(st.sampled_from(["uniform", "loguniform", "quniform", "qloguniform", "normal",
                                 "lognormal", "qnormal", "randint", "dependent", "choice",
                                 "pchoice"]))
    default = ""
    if kind == "uniform":
        default = draw(st.sampled_from(["", f" default {lo}"]))
        return f"uniform({lo}, {hi}){default}"
    if kind in ("loguniform", "qloguniform"):
        q = f", {draw(st.sampled_from([1, 2]))}" if kind == "qloguniform" else ""
        return f"{kind}({lo + 1}, {hi + 2}{q})"
    if kind == "quniform":
        return f"quniform({lo}, {hi}, {draw(st.sampled_from([1, 0.5, 0.25]))})"
    if kind in ("normal", "lognormal"):
        return f"{kind}({lo}, {draw(st.sampled_from([0.5, 1, 2]))})"
    if kind == "qnormal":
        return f"qnormal({lo}, 2, {draw(st.sampled_from([1, 0.5]))})"
    if kind == "randint":
        return f"randint({lo}, {hi}){draw(st.sampled_from(['', f' default {hi}']))}"
    if kind == "dependent":
        upper = draw(st.sampled_from(["k", "k + 2", "2 * k", "max(k, 3)"]
                                     + ([item] if item else [])))
        return f"randint(0, {upper})"
    if kind == "choice":
        opts = draw(st.lists(st.sampled_from(['"a"', '"b"', "1", "2.5", "true"]), min_size=1,
                             max_size=4, unique=True))
        return f"choice({', '.join(opts)})"
    return "pchoice(0.25: low, 0.75: high)"


def _statement(draw: st.DrawFn, names: _Names, depth: int, item: str | None) -> list[str]:
    pad = "    " * depth
    index = "[i]" if item else ""
    kinds = ["sample", "sample", "derived", "if_then", "constraint"]
    if depth < 4:
        kinds += ["if_block", "shared", "stage"] + ([] if item else ["loop"])
    kind = draw(st.sampled_from(kinds))
    if kind == "sample":
        return [f"{pad}{names.fresh()}{index} ~ {_distribution(draw, item)}"]
    if kind == "derived":
        expr = draw(st.sampled_from(["2 ** k", "k * x + 1", "min(k, 3) - x", "log(k) + exp(x)",
                                     "round(x * 10) // 3", "k / 2"] + ([f"{item} * k"] if item
                                                                       else [])))
        return [f"{pad}{names.fresh('d')}{index} = {expr}"]
    if kind == "if_then":
        return [f"{pad}if {_condition(draw)} then {names.fresh()}{index} ~ "
                f"{_distribution(draw, item)}"]
    if kind == "constraint":
        return [f"{pad}{draw(st.sampled_from(['forbid', 'require']))} {_condition(draw)}"]
    if kind == "shared":  # one name in two exclusive branches
        name, cond = names.fresh("s") + index, _condition(draw)
        return [f"{pad}if {cond} {{", f"{pad}    {name} ~ uniform(0, 1)",
                f"{pad}}} else {{", f"{pad}    {name} ~ uniform(1, 2)", f"{pad}}}"]
    if kind == "stage":
        return [f"{pad}{names.fresh('stage')} {{", *_block(draw, names, depth + 1, item),
                f"{pad}}}"]
    if kind == "loop":
        stop = draw(st.sampled_from(["k", "3", "1"]))
        return [f"{pad}for i in 1..{stop} {{", *_block(draw, names, depth + 1, "i"),
                f"{pad}    if i > 1 then {names.fresh('prev')}[i] = i * 2", f"{pad}}}"]
    out = [f"{pad}if {_condition(draw)} {{", *_block(draw, names, depth + 1, item)]
    for _ in range(draw(st.integers(0, 2))):
        out += [f"{pad}}}", f"{pad}elif {_condition(draw)} {{",
                *_block(draw, names, depth + 1, item)]
    if draw(st.booleans()):
        out += [f"{pad}}} else {{", *_block(draw, names, depth + 1, item)]
    return [*out, f"{pad}}}"]


def _block(draw: st.DrawFn, names: _Names, depth: int, item: str | None) -> list[str]:
    count = draw(st.integers(1, 3 if depth else 6))
    return [line for _ in range(count) for line in _statement(draw, names, depth, item)]


@st.composite
def spaces(draw: st.DrawFn) -> str:
    lines = [*BASE, *_block(draw, _Names(), 0, None)]
    return "\n".join(lines) + "\n"


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

TOKENS = ["{", "}", "(", ")", "[", "]", "~", "=", "==", ",", ":", "..", ".", "\n", " ", "#",
          '"', "'", "if ", "elif ", "else ", "then ", "for ", "in ", "not ", "and ", "or ",
          "forbid ", "require ", "include ", "default ", "choice(", "randint(", "uniform(",
          "1e9999", "-0", "0", "1", "x", "i", "units[i]", "\t", "\r", "\\", "**", "//", "\u00e9",
          "\u201c", "\x00", "\ufeff", "9" * 400]


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    path = draw(st.sampled_from(SOURCES))
    text = path.read_bytes().decode("utf-8", errors="replace")
    for _ in range(draw(st.integers(1, 4))):
        n = len(text)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, min(n, i + 40)))
        op = draw(st.sampled_from(["delete", "insert", "insert", "duplicate", "truncate",
                                   "char"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.sampled_from(TOKENS)) + text[i:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        elif op == "truncate":
            text = text[:i]
        else:
            text = text[:i] + draw(st.characters(codec="utf-8")) + text[i:]
    return text, str(path.parent)


@fuzz(300)
@given(case=mutated(), seed=st.integers(0, 2**16))
def test_mutated_files_never_raise_and_answer_fast(case: tuple[str, str], seed: int) -> None:
    text, base_dir = case
    start = time.perf_counter()
    space = check(text, base_dir)
    assert time.perf_counter() - start < 1.0
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
def test_nasty_text_gets_an_answer_within_seconds(name: str) -> None:
    start = time.perf_counter()
    check(NASTY_TEXT[name])
    assert time.perf_counter() - start < 5.0


def test_ten_megabytes_is_refused_with_a_limit_diagnostic() -> None:
    _, diags, _ = hpdsl.check_text(NASTY_TEXT["ten_megabytes"])
    assert [d.code for d in diags] == ["HPS003"]


def test_empty_and_comment_only_files_are_empty_spaces() -> None:
    for name in ("empty", "only_comments", "only_newlines"):
        space = check(NASTY_TEXT[name])
        assert space is not None and space.sample(0) == {} and space.size() == 1


@pytest.mark.parametrize("name", ["import", "eval", "python", "dunder"])
def test_there_is_no_way_to_run_python(name: str) -> None:
    _, diags, _ = hpdsl.check_text(NASTY_TEXT[name])
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
        _, diags, _ = hpdsl.check_file(str(tmp_path / name))
        assert [d.code for d in diags] == ["HPS402"]


def test_include_chain_deeper_than_the_limit(tmp_path: Path) -> None:
    for i in range(200):
        (tmp_path / f"f{i}.hps").write_text(f'include "f{i + 1}.hps"\nx{i} = {i}\n')
    (tmp_path / "f200.hps").write_text("last = 1\n")
    start = time.perf_counter()
    _, diags, _ = hpdsl.check_file(str(tmp_path / "f0.hps"))
    assert time.perf_counter() - start < 5.0
    assert "HPS003" in {d.code for d in diags}


# --- the command line ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["deep_parens", "nested_blocks", "python", "huge_loop",
                                  "chained_plus", "ten_megabytes"])
def test_cli_lint_of_nasty_files_has_no_traceback(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.hps"
    path.write_text(NASTY_TEXT[name], encoding="utf-8")
    _lint_without_traceback(path)


@pytest.mark.parametrize("name", ["binary", "invalid_utf8", "nul_byte"])
def test_cli_lint_of_binary_files_has_no_traceback(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.hps"
    path.write_bytes(NASTY_BYTES[name])
    _lint_without_traceback(path)


def _lint_without_traceback(path: Path) -> None:
    pytest.importorskip("hpdsl.cli")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "hpdsl", "lint", str(path)],
                          capture_output=True, text=True, timeout=30, env=env, cwd=ROOT)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (1, 2), (proc.returncode, proc.stdout[-2000:], proc.stderr)
