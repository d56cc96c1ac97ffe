"""Shared fuzzing pieces: input generators, the properties every input must keep, and
an atheris entry point.

- `spaces()`: grammar-aware generation of (mostly valid) spaces;
- `mutated()`: text-level mutation of `examples/*.hps` and the fixtures;
- `byte_mutated()`: byte-level mutation (bit flips, byte runs, splices of two files);
- `check_properties(text, base_dir)`: `check_text` answers (no exception); if the text
  parses, `format_source` succeeds, its output re-parses to the same space and is
  idempotent. Used by the pytest fuzzers and by atheris.

Budget: the pytest fuzzers run a fixed, derandomized number of examples (fast, the same
every time). With `HPDSL_FUZZ_SECONDS=N` (`make fuzz`) each one instead runs random examples
until N seconds have passed, and asserts the 1 s per-input bound. Atheris:
`.venv/bin/python tests/fuzz_harness.py -max_total_time=60` (corpus: examples + fixtures).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from corpora import ALL_EXAMPLES, EXAMPLES_DIR, FIXTURES, ROOT
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

if str(ROOT) not in sys.path:  # run as a script by atheris
    sys.path.insert(0, str(ROOT))

import hpdsl  # noqa: E402
from hpdsl.diagnostics._codes import CODES  # noqa: E402
from hpdsl.errors import HpsError, SpaceError  # noqa: E402
from hpdsl.syntax import parse  # noqa: E402

SOURCES = ALL_EXAMPLES + FIXTURES

#: seconds of random fuzzing per test (`make fuzz`); 0: the fixed derandomized run
FUZZ_SECONDS = float(os.environ.get("HPDSL_FUZZ_SECONDS", "0") or 0)
#: the bound on one input: generous in the fixed run (shared CI machines), 1 s in long runs
PER_INPUT_S = 1.0 if FUZZ_SECONDS else 5.0


def fuzz(max_examples: int) -> settings:
    """Derandomized settings: CI runs the same examples every time."""
    return settings(deadline=None, derandomize=True, database=None, max_examples=max_examples,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def run_fuzzer(test: Callable[[], None], *, max_examples: int) -> int:
    """Run a `@given` test: once with `max_examples` derandomized examples, or (with
    HPDSL_FUZZ_SECONDS) with fresh random examples until the time is up. Returns the
    number of batches run."""
    inner: Any = test
    if not FUZZ_SECONDS:
        settings(fuzz(max_examples))(inner)()
        return 1
    deadline = time.monotonic() + FUZZ_SECONDS
    batch = settings(deadline=None, derandomize=False, database=None, max_examples=200,
                     suppress_health_check=list(HealthCheck))(inner)
    batches = 0
    while time.monotonic() < deadline:
        batch()
        batches += 1
    return batches


# --- the properties ------------------------------------------------------------------------


def check(text: str, base_dir: str | None = None) -> hpdsl.Space | None:
    """`check_text` must answer with a space or diagnostics, never an exception."""
    space, diags, sources = hpdsl.check_text(text, "fuzz.hps", base_dir)
    assert all(d.code in CODES for d in diags)
    assert (space is None) == any(d.is_error for d in diags)
    assert isinstance(sources, dict)
    return space


def meaning(space: hpdsl.Space, seed: int = 7) -> tuple[object, ...]:
    """What formatting must keep: the parameters, the constraints' kinds and what they
    exclude (on the same random coordinates), and the samples at a fixed seed."""
    rng = np.random.default_rng(seed)
    dims = space.coords.dimensions
    X = np.array([[rng.uniform(d.low, d.high) if d.low is not None and d.high is not None
                   and np.isfinite(d.high - d.low) else rng.normal() for d in dims]
                  for _ in range(20)]).reshape(20, len(dims))
    batch = space.coords.run(X)
    try:
        samples: object = space.sample(seed, 5)
    except hpdsl.SamplingError as err:
        samples = str(err)
    kinds = [c.kind for c in space.coords.analysis.constraints]
    return (space.parameters, kinds, batch.feasible.tolist(), batch.active.tolist(), samples)


def check_format(text: str, base_dir: str | None = None,
                 before: hpdsl.Space | None | bool = False) -> str | None:
    """If `text` parses, `format_source` must succeed (unless it holds a NUL byte: binary
    data, refused as `lint` refuses it), re-parse to the same space and be idempotent;
    returns the formatted text (None if the text does not parse).
    `before`: the space of `text` if already checked."""
    module, _ = parse(text, "fuzz.hps")
    try:
        out = hpdsl.format_source(text, "fuzz.hps")
    except SpaceError as err:
        binary = [d.code for d in err.diagnostics] == ["HPS002"] and "\x00" in text
        assert module is None or binary, "format_source refused a file that parses"
        return None
    except HpsError as err:  # refused by name (too deep to format): not a crash
        assert "nested too deeply" in str(err), err
        return None
    assert module is not None
    assert hpdsl.format_source(out, "fuzz.hps") == out, "fmt is not idempotent"
    before = check(text, base_dir) if before is False else before
    after = check(out, base_dir)
    assert (before is None) == (after is None), "fmt changed whether the space is valid"
    if before is not None and after is not None:
        assert meaning(before) == meaning(after), "fmt changed the space"
    return out


def samples_validate(space: hpdsl.Space, seed: int) -> None:
    try:
        cfgs = space.sample(np.random.default_rng(seed), 50)
    except hpdsl.SamplingError:
        return  # constraints that (nearly) exclude everything: a documented error
    for cfg in cfgs:
        assert space.validate(cfg) == [], cfg


def check_properties(text: str, base_dir: str | None = None, seed: int = 0) -> None:
    """Every property at once, with the per-input time bound."""
    start = time.perf_counter()
    space = check(text, base_dir)
    elapsed = time.perf_counter() - start
    assert elapsed < PER_INPUT_S, f"check_text took {elapsed:.2f} s"
    if space is not None:
        samples_validate(space, seed)
    check_format(text, base_dir, space)


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


BYTE_RUNS = [b"\x00", b"\xff", b"\xfe\xff", b"\xef\xbb\xbf", b"\xe2\x82", b"\xc3", b"\r",
             b"\n" * 3, b"{" * 40, b"(" * 40, b"}" * 5, b"9" * 30, b"\x80\x80", b"\t"]


@st.composite
def byte_mutated(draw: st.DrawFn) -> tuple[bytes, str]:
    """Byte-level mutation: bit flips, byte runs, and splices of two source files."""
    path = draw(st.sampled_from(SOURCES))
    data = bytearray(path.read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        n = len(data)
        i = draw(st.integers(0, n))
        op = draw(st.sampled_from(["flip", "run", "splice", "drop"]))
        if op == "flip" and n:
            k = min(i, n - 1)
            data[k] ^= 1 << draw(st.integers(0, 7))
        elif op == "run":
            data[i:i] = draw(st.sampled_from(BYTE_RUNS))
        elif op == "splice":
            other = draw(st.sampled_from(SOURCES)).read_bytes()
            j = draw(st.integers(0, len(other)))
            data = data[:i] + other[j:j + draw(st.integers(1, 200))] + data[i:]
        else:
            data = data[:i] + data[i + draw(st.integers(1, 20)):]
    return bytes(data), str(path.parent)


def as_text(data: bytes) -> str:
    """How a reader that replaces bad UTF-8 sees the bytes (hpdsl itself refuses them
    with HPS002; the text goes on to exercise the parser)."""
    return data.decode("utf-8", errors="replace")


# --- (d) heavy shapes: the total amount of work, not one item ------------------------------
#
# What per-item limits miss (issue 10): include graphs whose expansion explodes, pipes and
# devices where a file is expected, long elif and and/or chains, many wide loops, huge
# integer ranges and log-normals beyond a float. Sizes are drawn small enough for the
# per-input bound; `make fuzz` runs many more of them.

_SHAPES = ("include_graph", "not_a_file", "elif_chain", "junction", "wide_loops",
           "huge_range", "overflow")


@st.composite
def shapes(draw: st.DrawFn, directory: Path) -> str:
    """A space of one heavy shape; included files are written under `directory`."""
    kind = draw(st.sampled_from(_SHAPES))
    if kind == "include_graph":  # files[i] includes files[i + 1] `fanout` times
        files, fanout = draw(st.integers(2, 24)), draw(st.integers(1, 4))
        tag = draw(st.integers(0, 10**6))
        # the last file declares something only when it is expanded a few times: up to
        # 100,000 declarations are within the limits, and take seconds to check
        leaf = [""] + (["x ~ uniform(0, 1)\n", "forbid false\n"]
                       if fanout ** (files - 1) <= 1000 else [])
        for i in range(files):
            body = "".join(f'include "g{tag}_{i + 1}.hps"\n' for _ in range(fanout)) \
                if i + 1 < files else draw(st.sampled_from(leaf))
            (directory / f"g{tag}_{i}.hps").write_text(body, encoding="utf-8")
        return f'include "g{tag}_0.hps"\n'
    if kind == "not_a_file":  # a pipe, a device (through a link), a directory
        made: dict[str, Callable[[Path], None]] = {
            "pipe.hps": os.mkfifo, "zero.hps": lambda p: p.symlink_to("/dev/zero"),
            "dir.hps": lambda p: p.mkdir()}
        name = draw(st.sampled_from(sorted(made)))
        if not (directory / name).exists() and not (directory / name).is_symlink():
            made[name](directory / name)
        return f'x ~ uniform(0, 1)\ninclude "{name}"\n'
    if kind == "elif_chain":
        n = draw(st.integers(1, 80))
        keyword = ["if", *["} elif"] * (n - 1)]
        arms = "".join(f"{kw} m == {i} {{\n    x ~ uniform(0, {i + 1})\n"
                       for i, kw in enumerate(keyword))
        return f"m ~ randint(0, {n})\n{arms}}}\n"
    if kind == "junction":
        n, op = draw(st.integers(2, 400)), draw(st.sampled_from([" and ", " or "]))
        return "a ~ uniform(0, 1)\nforbid " + op.join(f"a > {i / n}" for i in range(n)) + "\n"
    if kind == "wide_loops":
        loops, items = draw(st.integers(1, 4)), draw(st.integers(1, 500))
        return "".join(f"for i in 1..{items} {{\n    u{k}[i] ~ uniform(0, 1)\n}}\n"
                       for k in range(loops))
    if kind == "huge_range":
        exp = draw(st.integers(6, 40))
        return draw(st.sampled_from([f"x ~ randint(0, 10**{exp})\n",
                                     f"x ~ quniform(0, 1e{exp}, 1)\n",
                                     f"n ~ randint(1, 3)\nx ~ randint(0, n * 10**{min(exp, 17)})\n",
                                     f"x ~ randint(0, 10**{min(exp, 18)})\nif x > 5 then y = 1\n"]))
    mu, sigma = draw(st.floats(-1000, 1000)), draw(st.floats(0.001, 300))
    q = f"1e-{draw(st.integers(0, 300))}"
    return draw(st.sampled_from([f"x ~ lognormal({mu}, {sigma})\n",
                                 f"x ~ qlognormal({mu}, {sigma}, {q})\n"]))


def check_heavy(text: str, directory: Path) -> None:
    """A heavy shape: an answer (a space, or diagnostics naming the limit), counted and
    sized without listing whole domains, within the per-input bound."""
    start = time.perf_counter()
    space = check(text, str(directory))
    if space is not None:
        try:
            space.size()
        except HpsError as err:
            assert "too large to count" in str(err), err
        samples_validate(space, 0)
    elapsed = time.perf_counter() - start
    assert elapsed < 4 * PER_INPUT_S, f"took {elapsed:.2f} s"


# --- hostile names: what a file name or a string may hold to escape its output format -----

#: file names a user may be handed: each tries to end the string it lands in and start code
#: (Python docstrings and literals, DOT and Mermaid labels, JSON, SARIF URIs, .hps strings)
HOSTILE_NAMES = [
    'a"""\nimport os; os.system("touch MARK")\n"""b',
    "a'''\nimport os\n'''b",
    'q"; x -> y [label="z',
    "m\"]\n    click n0 call alert(1)\n    n9[\"",
    "back\\slash\\\\\\",
    "ctl\x1b[31m\r\x07\x7f\u2028\u0085",
    "</script><script>alert(1)</script>#quot;&amp;",
    "{{}} {0} %s $(touch MARK) `touch MARK`",
]
#: string options with the same intent, inside the space
HOSTILE_OPTIONS = ['a"""\nimport os', "b'''", "c\\", "d\ne", "f\x1b[2J"]


def hostile_space(options: list[str]) -> str:
    """A space whose choice holds `options` (conditions, a stage and a constraint too)."""
    from hpdsl.analysis.unparse import literal

    listed = ", ".join(literal(o) for o in options)
    return (f"model ~ choice({listed})\n"
            f"if model == {literal(options[-1])} then lr ~ loguniform(1e-4, 1)\n"
            "stage {\n    k ~ randint(1, 3)\n}\n"
            f"forbid model == {literal(options[0])} and stage.k == 2\n")


@st.composite
def hostile_strings(draw: st.DrawFn) -> str:
    """Text mixing the characters that end or escape strings in the output formats."""
    pieces = ['"', "'", '"""', "\\", "\n", "\r", "\x1b[31m", "\x00", "\u2028", "#", "<",
              ">", "&", "]", "[", "|", "{", "}", "-->", "import os", ";", "`", "$(", "%s"]
    parts = draw(st.lists(st.sampled_from(pieces) | st.text(max_size=3), min_size=1,
                          max_size=8))
    return "".join(parts)


def cli_output(*args: str, status: int = 0) -> str:
    """stdout of `hpdsl ARGS`, run in process; it must exit with `status`."""
    import contextlib
    import io

    from hpdsl.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        got = main(list(args))
    assert got == status and "internal error" not in err.getvalue(), err.getvalue()
    return out.getvalue()


_PYTHON_NODES = {"Module", "Expr", "Constant", "Import", "ImportFrom", "alias", "Assign",
                 "Name", "Store", "Load", "Dict", "List", "Tuple", "Call", "Attribute",
                 "UnaryOp", "USub"}
_LABEL = re.compile(r"(#\d+;|[\w .,:=+\-*/()\[\]{}!~^|'%?@$])*")


def check_outputs_escape(path: Path, options: list[str]) -> None:
    """Every converter and output format keeps the file's name and the space's strings
    as data: the generated Python is a docstring, imports and one `space = ...` of `hp`
    calls holding the options as constants; DOT and Mermaid have them inside their
    strings (Mermaid labels as plain text or entity codes), JSON and SARIF decode to
    them; fmt writes the same space back."""
    import ast
    import json
    from urllib.parse import urlparse
    from urllib.request import url2pathname

    source = cli_output("convert", str(path), "--to", "hyperopt")
    tree = ast.parse(source)
    assert {type(n).__name__ for n in ast.walk(tree)} <= _PYTHON_NODES
    doc, *imports, assign = tree.body
    assert isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)
    assert repr(str(path)) in doc.value.value
    assert all(isinstance(i, ast.Import | ast.ImportFrom) for i in imports)
    assert isinstance(assign, ast.Assign)
    assert [ast.unparse(t) for t in assign.targets] == ["space"]
    calls = {ast.unparse(c.func) for c in ast.walk(assign) if isinstance(c, ast.Call)}
    assert calls <= {"hp.choice", "hp.loguniform", "hp.randint", "math.log", "scope.int"}
    assert set(options) <= {c.value for c in ast.walk(assign) if isinstance(c, ast.Constant)}

    assert json.loads(cli_output("convert", str(path)))["name"] == str(path)
    assert json.loads(cli_output("graph", str(path), "--format", "json"))["file"] == str(path)

    dot = cli_output("graph", str(path), "--format", "dot")
    outside = re.sub(r'"(?:[^"\\\n]|\\.)*"', "S", dot)
    assert set(re.findall(r"[A-Za-z_]+", outside)) <= {
        "digraph", "subgraph", "rankdir", "LR", "node", "edge", "shape", "box", "fontname",
        "fontsize", "label", "style", "dashed", "rounded", "S"}, outside
    assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f\u2028\u0085]", dot)

    mermaid = cli_output("graph", str(path), "--format", "mermaid")
    head, body = mermaid.split("---\n", 2)[1:]
    assert json.loads(head.strip().removeprefix("title: ")) == str(path)
    outside = re.sub(r'"[^"\n]*"', "S", body)
    assert set(re.findall(r"[A-Za-z_]\w*", outside)) <= {
        "flowchart", "LR", "subgraph", "end", "S", "n0", "n1", "n2", "s0"}, outside
    for label in re.findall(r'"([^"\n]*)"', body):
        assert _LABEL.fullmatch(label), label

    bad = path.with_name(path.stem + "-bad.hps")
    bad.write_text("x ~ uniform(1, 0)\n", encoding="utf-8")
    sarif = cli_output("lint", str(bad), "--format", "sarif", status=1)
    location = json.loads(sarif)["runs"][0]["results"][0]["locations"][0]
    uri = location["physicalLocation"]["artifactLocation"]["uri"]
    assert Path(url2pathname(urlparse(uri).path)) == bad

    before = hpdsl.load(path)
    cli_output("fmt", str(path))
    after = hpdsl.load(path)
    assert [p.name for p in after.parameters] == [p.name for p in before.parameters]
    assert after.sample(3, 20) == before.sample(3, 20)


# --- atheris ------------------------------------------------------------------------------


def atheris_main() -> None:  # pragma: no cover - run by `make fuzz`
    """Fuzzing with atheris (libFuzzer's mutators; hpdsl is imported before atheris could
    instrument it, so there is no coverage feedback yet); the corpus is the examples and
    fixtures.
    A failure is printed with the input; keep it in tests/fixtures/regressions/."""
    import atheris

    def one(data: bytes) -> None:
        check_properties(as_text(data), str(EXAMPLES_DIR))

    corpus = ROOT / "build" / "fuzz-corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for path in SOURCES:
        target = corpus / path.name
        if not target.exists():
            target.write_bytes(path.read_bytes())
    atheris.Setup([sys.argv[0], *sys.argv[1:], str(corpus)], one)
    atheris.Fuzz()


if __name__ == "__main__":
    atheris_main()
