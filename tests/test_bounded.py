"""Total work and memory are bounded: files that are not files, include bombs, stored
spaces, long chains, wide loops, huge ranges. Each input either works or is refused by
a diagnostic that names the limit; none hangs or exhausts memory.

Commands that used to hang run in a subprocess with a timeout (a hang fails the test
instead of blocking the suite); memory is capped with RLIMIT_AS where it used to blow
up. The time and memory each limit takes are measured by benchmarks/bench_limits.py
(figures in tests/README.md), never asserted here.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

import hpdsl
from hpdsl._load import load_recorded
from hpdsl.analysis._collect import MAX_EXPANDED_CHARS
from hpdsl.plot._data import table

HANG = 60  # seconds: far above what any case here takes; reaching it means a hang


def run(*args: str | Path, cwd: Path, memory: int | None = None
        ) -> subprocess.CompletedProcess[str]:
    """`python -m hpdsl ARGS` (or `python -c CODE` when args start with "-c"), bounded in
    time, and in address space when `memory` (bytes) is given."""
    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    command = [sys.executable, *(["-m", "hpdsl"] if args[0] != "-c" else []), *map(str, args)]
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                          timeout=HANG, preexec_fn=limit,
                          env={**os.environ, "PYTHONUTF8": "1", "NO_COLOR": "1"})
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


# --- 1. files that are not regular files --------------------------------------------------

@pytest.fixture
def pipe_project(tmp_path: Path) -> Path:
    os.mkfifo(tmp_path / "pipe.hps")
    (tmp_path / "space.hps").write_text('x ~ uniform(0, 1)\ninclude "pipe.hps"\n')
    return tmp_path


@pytest.mark.parametrize("command", [["lint"], ["show"], ["sample", "-n", "1"], ["graph"],
                                     ["convert", "--to", "configspace"], ["fmt", "--check"]])
def test_a_named_pipe_on_the_command_line_is_refused(pipe_project: Path,
                                                     command: list[str]) -> None:
    proc = run(*command, "pipe.hps", cwd=pipe_project)
    assert proc.returncode == 2, proc.stderr + proc.stdout
    assert "`pipe.hps` is a named pipe, not a space file" in proc.stdout + proc.stderr


@pytest.mark.parametrize("command", [["lint"], ["show"], ["sample", "-n", "1"], ["graph"],
                                     ["convert", "--to", "hyperopt"]])
def test_an_included_named_pipe_is_refused_at_the_include(pipe_project: Path,
                                                         command: list[str]) -> None:
    proc = run(*command, "space.hps", cwd=pipe_project)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "space.hps:2:1: error[HPS002]: `pipe.hps` is a named pipe, not a space file" in out
    assert '2 | include "pipe.hps"' in out  # the statement to change is shown


def test_the_api_refuses_pipes_and_devices(pipe_project: Path) -> None:
    code = ("import hpdsl\n"
            "for call in (lambda: hpdsl.load('pipe.hps'), lambda: hpdsl.load('/dev/zero'),\n"
            "             lambda: hpdsl.loads('include \"pipe.hps\"'),\n"
            "             lambda: hpdsl.loads('include \"/dev/null.hps\"')):\n"
            "    try:\n"
            "        call()\n"
            "    except hpdsl.SpaceError as err:\n"
            "        print(err.diagnostics[0].code, err.diagnostics[0].message)\n")
    if not os.path.exists("/dev/null.hps"):
        code = code.replace("/dev/null.hps", "/dev/zero")  # still not a regular file
    proc = run("-c", code, cwd=pipe_project)
    lines = proc.stdout.splitlines()
    assert lines[0] == "HPS002 `pipe.hps` is a named pipe, not a space file"
    assert lines[1] == "HPS002 `/dev/zero` is a character device, not a space file"
    assert lines[2] == "HPS002 `pipe.hps` is a named pipe, not a space file"
    assert len(lines) == 4, proc.stdout


def test_convert_from_configspace_refuses_a_pipe(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "cs.json")
    proc = run("convert", "cs.json", "--to", "hps", cwd=tmp_path)
    assert proc.returncode == 2
    assert "`cs.json` is a named pipe, not a regular file" in proc.stderr


# --- 2. include bombs --------------------------------------------------------------------

def include_bomb(directory: Path, files: int, fanout: int = 2) -> Path:
    """files[i] includes files[i + 1] `fanout` times: fanout ** files expansions."""
    for i in range(files):
        body = "".join(f'include "f{i + 1}.hps"\n' for _ in range(fanout)) if i + 1 < files \
            else "x ~ uniform(0, 1)\n"
        (directory / f"f{i}.hps").write_text(body)
    return directory / "f0.hps"


def test_an_include_bomb_is_refused_with_its_chain(tmp_path: Path) -> None:
    include_bomb(tmp_path, 30)
    proc = run("lint", "f0.hps", cwd=tmp_path, memory=2 << 30)
    assert proc.returncode == 1, proc.stdout
    assert "error[HPS003]: includes expand the space to more than 4 MiB of text" in proc.stdout
    assert "reached through f0.hps -> f1.hps -> f2.hps" in proc.stdout


def test_includes_are_counted_each_time_they_are_expanded(tmp_path: Path) -> None:
    """A file included many times (here in every item of a loop) counts every time."""
    chunk = "# padding\n" * 200 + "w[i] ~ uniform(0, 1)\n"
    (tmp_path / "item.hps").write_text(chunk)
    items = MAX_EXPANDED_CHARS // len(chunk) + 1
    loop = f'for i in 1..{items} {{\n    include "item.hps"\n}}\n'
    _, diags, _ = hpdsl.check_text(loop, base_dir=str(tmp_path))
    assert [d.code for d in diags] == ["HPS003"], diags
    small = loop.replace(str(items), "10")
    space, diags, _ = hpdsl.check_text(small, base_dir=str(tmp_path))
    assert space is not None and len(space.coords.dimensions) == 10, diags


# --- 8. stored spaces compile without the filesystem ---------------------------------------

def test_a_stored_space_compiles_from_its_recorded_texts(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    (project / "parts").mkdir(parents=True)
    (project / "parts" / "common.hps").write_text('include "rate.hps"\nk ~ choice(a, b)\n')
    (project / "parts" / "rate.hps").write_text("rate ~ loguniform(1e-4, 1)\n")
    (project / "space.hps").write_text('x ~ uniform(0, 1)\ninclude "parts/common.hps"\n')
    url = f"sqlite:///{tmp_path / 'study.db'}"
    trials = hpdsl.Trials(url, study="s")
    hpdsl.fmin(lambda c: c["x"], str(project / "space.hps"), algo=hpdsl.rand.suggest,
               max_evals=5, trials=trials, rstate=0, show_progressbar=False)
    recorded = trials.storage.space_source()
    assert recorded is not None

    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "parts").mkdir(parents=True)
    os.mkfifo(elsewhere / "parts" / "common.hps")  # would hang, if read
    monkeypatch.chdir(elsewhere)
    space = load_recorded(recorded)
    assert space.names == ["x", "rate", "k"]
    assert space.full_source == recorded
    assert [c.log for c in table(trials).columns if c.name == "rate"] == [True]

    proc = run("plot", url, "--out", tmp_path / "p.png", cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr


def test_a_stored_space_never_reads_a_file_it_did_not_record(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "other.hps").write_text("y ~ uniform(0, 1)\n")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(hpdsl.SpaceError) as caught:
        load_recorded('x ~ uniform(0, 1)\ninclude "other.hps"\n')
    (diag,) = caught.value.diagnostics
    assert diag.code == "HPS401"
    assert diag.message == "cannot include `other.hps`: its text is not recorded"


def test_a_stored_space_is_held_to_the_same_limits(tmp_path: Path) -> None:
    include_bomb(tmp_path, 30)
    texts = {f"f{i}.hps": (tmp_path / f"f{i}.hps").read_text() for i in range(30)}
    recorded = "".join(['include "f0.hps"\n',
                        *(f"\n# --- included: {k} ---\n{v}" for k, v in texts.items())])
    with pytest.raises(hpdsl.SpaceError) as caught:
        load_recorded(recorded)
    assert [d.code for d in caught.value.diagnostics] == ["HPS003"]


# --- 4. coordinates x samples ------------------------------------------------------------

def test_sampling_beyond_the_value_budget_is_refused_before_drawing(tmp_path: Path) -> None:
    """20,000 samples of 1,000 coordinates (20 million values, some 2 GB of dicts)."""
    code = ("import hpdsl\n"
            "space = hpdsl.loads('for i in 1..1000 {\\n    u[i] ~ uniform(0, 1)\\n}\\n')\n"
            "try:\n"
            "    space.sample(0, 20_000)\n"
            "except hpdsl.ConfigurationError as err:\n"
            "    print(err)\n")
    proc = run("-c", code, cwd=tmp_path, memory=1 << 30)
    assert proc.stdout.strip() == (
        "20,000 rows of 1,000 coordinates would be 20,000,000 values at once, above the limit "
        "of 10,000,000: use at most 10,000 rows at a time"), proc.stderr


def test_hpdsl_sample_streams_what_one_call_could_not_hold(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """With the budget lowered to 20,000 values, 50 samples of 1,000 coordinates are too
    many for one call, and `hpdsl sample` prints them all, a few at a time."""
    from hpdsl.cli import _sample, main
    from hpdsl.compile import _program
    monkeypatch.setattr(_program, "MAX_VALUES", 20_000)
    monkeypatch.setattr(_sample, "CHUNK_VALUES", 5_000)
    path = tmp_path / "wide.hps"
    path.write_text("for i in 1..1000 {\n    u[i] ~ uniform(0, 1)\n}\n")
    with pytest.raises(hpdsl.ConfigurationError, match="above the limit of 20,000"):
        hpdsl.load(path).sample(0, 50)
    assert main(["sample", str(path), "-n", "50", "--seed", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 50 and len(set(lines)) == 50
    assert all(len(json.loads(line)["u"]) == 1000 for line in lines)


def test_lint_of_a_wide_space_samples_fewer_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks that sample the whole space stay within the budget too."""
    from hpdsl.compile import _program
    monkeypatch.setattr(_program, "MAX_VALUES", 20_000)
    text = ("for i in 1..1000 {\n    u[i] ~ uniform(0, 1)\n}\n"
            "forbid u[1] > 0.5 and u[2] > 0.5 and u[3] > 0.5\n")
    space, diags, _ = hpdsl.check_text(text)
    assert space is not None, diags


# --- 5. whole-dimension arrays -----------------------------------------------------------

def test_show_counts_a_billion_integers_without_listing_them(tmp_path: Path) -> None:
    (tmp_path / "big.hps").write_text("x ~ randint(0, 1000000000)\n"
                                      "y ~ quniform(0, 1e300, 1)\nz ~ randint(0, 10**8)\n")
    proc = run("show", "big.hps", cwd=tmp_path, memory=1 << 30)
    assert proc.returncode == 0, proc.stderr
    size = (10**9 + 1) * (int(1e300) + 1) * (10**8 + 1)
    assert f"Size: {size:,} configurations" in proc.stdout


def test_grid_refuses_a_huge_dimension_with_a_message(tmp_path: Path) -> None:
    (tmp_path / "big.hps").write_text("x ~ randint(0, 1000000000)\n")
    (tmp_path / "obj.py").write_text("def f(config):\n    return 0.0\n")
    proc = run("run", "big.hps", "--objective", "obj.py:f", "--algo", "grid",
               "--max-evals", "3", "--no-progress", cwd=tmp_path, memory=1 << 30)
    assert proc.returncode == 2
    assert proc.stderr.strip() == ("hpdsl: error: grid search: the grid has more than "
                                   "5000000 configurations")


def test_dependent_and_structural_huge_ranges_are_counted_or_refused(tmp_path: Path) -> None:
    code = ("import hpdsl\n"
            "s = hpdsl.loads('n ~ randint(1, 3)\\nx ~ randint(0, n * 10**9)\\n')\n"
            "print(s.size())\n"
            "s = hpdsl.loads('x ~ randint(0, 10**9)\\nif x > 5 then y ~ choice(a, b)\\n')\n"
            "try:\n"
            "    s.size()\n"
            "except hpdsl.HpsError as err:\n"
            "    print(err)\n")
    proc = run("-c", code, cwd=tmp_path, memory=1 << 30)
    assert proc.stdout.splitlines() == [str(10**9 + 1 + 2 * 10**9 + 1 + 3 * 10**9 + 1),
                                        "the space is too large to count exactly"]


# --- 6. long strings ---------------------------------------------------------------------

def test_a_long_string_is_shared_by_every_sample(tmp_path: Path) -> None:
    """A 1 MB option (and a 1 MB derived value) sampled 1,000 times: one string each, not
    a copy per sample (fixed-width numpy text took 3.7 GiB)."""
    long = "a" * 1_000_000
    (tmp_path / "long.hps").write_text(f'x ~ choice("{long}", b)\nd = "{long}"\n'
                                       "m ~ uniform(0, 1)\n")
    code = ("import hpdsl\n"
            "cs = hpdsl.load('long.hps').sample(0, 1000)\n"
            "xs = {id(c['x']) for c in cs if c['x'] != 'b'}\n"
            "print(len(cs), len(xs), len({id(c['d']) for c in cs}), "
            "all(c['d'] == 'a' * 1_000_000 for c in cs))\n")
    proc = run("-c", code, cwd=tmp_path, memory=2 << 30)
    assert proc.stdout.split() == ["1000", "1", "1", "True"], proc.stderr


def test_long_string_options_still_compare_as_values() -> None:
    long = "x" * 100
    space = hpdsl.loads(f'k ~ choice("{long}", short)\n'
                        f'if k == "{long}" then a ~ uniform(0, 1)\n'
                        f'if k in {{short}} then b ~ uniform(0, 1)\n'
                        f'forbid k == "{long}" and a > 0.5\n')
    for cfg in space.sample(1, 200):
        assert ("a" in cfg) == (cfg["k"] == long) and ("b" in cfg) == (cfg["k"] == "short")
        assert cfg.get("a", 0) <= 0.5
        assert space.validate(cfg) == []


# --- 7. values that overflow a float -----------------------------------------------------

@pytest.mark.parametrize("command", [["lint"], ["sample", "-n", "5"],
                                     ["convert", "--to", "configspace"],
                                     ["convert", "--to", "hyperopt"]])
@pytest.mark.parametrize("dist", ["lognormal(1000, 1)", "qlognormal(700, 10, 1)"])
def test_a_lognormal_beyond_a_float_is_refused_by_name(tmp_path: Path, command: list[str],
                                                      dist: str) -> None:
    (tmp_path / "s.hps").write_text(f"x ~ {dist}\n")
    proc = run(*command, "s.hps", cwd=tmp_path)
    assert proc.returncode == 1
    assert f"error[HPS117]: `{dist}` overflows a float" in proc.stdout + proc.stderr


# --- 3. analysis stays near-linear -------------------------------------------------------

def elif_chain(branches: int, extra: str = "") -> str:
    arms = "".join(f"{'if' if i == 0 else '} elif'} m == {i} {{\n    x ~ uniform(0, {i + 1})\n"
                   for i in range(branches))
    return f"m ~ randint(0, {branches})\n{arms}}}\n{extra}"


def test_an_elif_chain_redeclaring_a_name_is_not_checked_pair_by_pair(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Branches of one `if` exclude each other by construction: the duplicate check
    evaluates no pair of them (it evaluated all 1,770 pairs of 60 branches, each over
    conditions as long as the chain: 300 branches took a minute)."""
    from hpdsl.compile import _checks
    evaluated: list[str] = []
    original = _checks.Checker.overlapping_declarations

    def counting(self: _checks.Checker) -> None:
        inner = self.possible

        def possible(names: object, predicate: object) -> bool | None:
            evaluated.append("pair")
            return inner(names, predicate)  # type: ignore[arg-type]
        self.possible = possible  # type: ignore[method-assign]
        try:
            original(self)
        finally:
            del self.possible
    monkeypatch.setattr(_checks.Checker, "overlapping_declarations", counting)
    space, diags, _ = hpdsl.check_text(elif_chain(60))
    assert space is not None and diags == []
    assert evaluated == []


def test_declarations_that_can_overlap_are_still_found_beside_a_chain() -> None:
    _, diags, _ = hpdsl.check_text(elif_chain(30, "if m == 7 then x ~ uniform(0, 1)\n"))
    assert [(d.code, d.span.line) for d in diags] == [("HPS201", 63)]
    nested = ("a ~ choice(true, false)\nb ~ choice(true, false)\n"
              "if a {\n    x ~ uniform(0, 1)\n    if b then x ~ uniform(0, 2)\n"
              "} else {\n    x ~ uniform(0, 3)\n}\n")
    _, diags, _ = hpdsl.check_text(nested)
    assert [(d.code, d.span.line) for d in diags] == [("HPS201", 5)]


def test_constraints_count_towards_the_declaration_limit(tmp_path: Path) -> None:
    """101,000 constraints from a file included in a loop: refused by name (they were not
    counted, and took minutes to check)."""
    (tmp_path / "c.hps").write_text("forbid false\n" * 1000)
    (tmp_path / "s.hps").write_text('for i in 1..101 {\n    include "c.hps"\n}\n')
    proc = run("lint", "s.hps", cwd=tmp_path, memory=2 << 30)
    assert proc.returncode == 1
    assert "error[HPS003]: more than 100000 declarations and constraints" in proc.stdout
