"""The `hpdsl` command line, run as a user runs it: a subprocess, its output and exit status.

Snapshots of rendered diagnostics live in tests/snapshots/; after an intended change to
messages or rendering, regenerate them with `HPDSL_UPDATE_SNAPSHOTS=1 pytest tests/test_cli.py`
and review the diff.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from corpora import EXAMPLES, EXAMPLES_DIR, SNAPSHOTS_DIR
from run_cli import cli

import hpdsl
from hpdsl.cli import _lint, main
from hpdsl.cli._common import use_colour
from hpdsl.diagnostics import CODES

CLASSIFIER = EXAMPLES_DIR / "classifier.hps"
ESC = "\x1b["


def hpdsl_cli(*args: str | Path, cwd: Path | None = None,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m hpdsl ARGS`; no run may ever show a traceback or an internal error."""
    base = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    base["PYTHONUTF8"] = "1"
    proc = subprocess.run([sys.executable, "-m", "hpdsl", *map(str, args)], cwd=cwd,
                          env={**base, **(env or {})}, capture_output=True, text=True,
                          encoding="utf-8", timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode != 3
    return proc


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def check_snapshot(name: str, actual: str) -> None:
    path = SNAPSHOTS_DIR / name
    if os.environ.get("HPDSL_UPDATE_SNAPSHOTS"):
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


# --- the command itself -----------------------------------------------------------------

def test_version() -> None:
    proc = hpdsl_cli("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"hpdsl {hpdsl.__version__}"


@pytest.mark.parametrize("command", [[], ["lint"], ["explain"], ["show"], ["sample"]])
def test_help_shows_examples(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    status, out, _ = cli(capsys, *command, "--help")
    assert status == 0
    assert "examples:" in out
    assert "  hpdsl " in out.split("examples:")[1]


def test_missing_command_or_bad_option_is_a_usage_error(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert hpdsl_cli().returncode == 2
    status, _, err = cli(capsys, "lint", "--format", "xml", CLASSIFIER)
    assert status == 2
    assert "invalid choice" in err


# --- lint ------------------------------------------------------------------------------

@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_examples_lint_clean(path: Path) -> None:
    proc = hpdsl_cli("lint", path)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == ""
    assert proc.stderr == "All checks passed (1 file).\n"


def test_lint_text_snapshot() -> None:
    proc = hpdsl_cli("lint", "lint_broken.hps", "lint_checks.hps", cwd=SNAPSHOTS_DIR)
    assert proc.returncode == 1
    check_snapshot("lint_broken.txt", proc.stdout)
    assert proc.stderr == "Found 6 errors and 1 warning in 2 files.\n"
    # What the snapshot must show, whatever the exact wording becomes.
    assert "lint_broken.hps:5:13: error[HPS102]: `svn` is not an option of `model`" in proc.stdout
    assert "  = help: did you mean `svm`?" in proc.stdout
    assert "first declared here" in proc.stdout
    assert "warning[HPS203]" in proc.stdout


def test_lint_json(tmp_path: Path) -> None:
    proc = hpdsl_cli("lint", "--format", "json", SNAPSHOTS_DIR / "lint_broken.hps", CLASSIFIER)
    assert proc.returncode == 1
    diags = json.loads(proc.stdout)
    assert len(diags) == 5
    for d in diags:
        assert {"code", "severity", "line", "column", "end_line", "end_column",
                "message"} <= d.keys()
        assert d["code"] in CODES
        assert d["severity"] in ("error", "warning")
        assert (d["end_line"], d["end_column"]) > (d["line"], d["column"])
    svn = next(d for d in diags if d["code"] == "HPS102")
    assert (svn["line"], svn["column"], svn["end_line"], svn["end_column"]) == (5, 13, 5, 16)
    assert proc.stderr == "Found 5 errors in 2 files.\n"


def test_lint_json_clean_is_an_empty_array() -> None:
    proc = hpdsl_cli("lint", "--format", "json", CLASSIFIER)
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == []


def test_lint_concise() -> None:
    proc = hpdsl_cli("lint", "--format", "concise", "lint_broken.hps", cwd=SNAPSHOTS_DIR)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 5
    assert "lint_broken.hps:5:13: error[HPS102] `svn` is not an option of `model`" in lines


@pytest.fixture
def warning_only(tmp_path: Path) -> Path:
    return write(tmp_path, "warn.hps", "a ~ uniform(0, 1)\nif a > 2 { b ~ uniform(0, 1) }\n")


@pytest.mark.parametrize(("files", "strict", "status"), [
    (["clean"], False, 0), (["warning"], False, 0), (["warning"], True, 1), (["clean"], True, 0),
    (["clean", "broken"], False, 1),
    (["broken", "missing"], False, 2),  # an unreadable file outranks errors in the others
])
def test_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path, warning_only: Path,
                    files: list[str], strict: bool, status: int) -> None:
    paths = {"clean": write(tmp_path, "clean.hps", "a ~ uniform(0, 1)\n"),
             "broken": write(tmp_path, "broken.hps", "a ~ uniform(1, 0)\n"),
             "warning": warning_only, "missing": tmp_path / "missing.hps"}
    args = ["lint", *(["--strict"] if strict else []), *(paths[f] for f in files)]
    assert cli(capsys, *args)[0] == status


def test_exit_codes_of_the_script(tmp_path: Path, warning_only: Path) -> None:
    assert hpdsl_cli("lint", warning_only).returncode == 0
    assert hpdsl_cli("lint", "--strict", warning_only).returncode == 1


def test_warnings_are_counted(warning_only: Path) -> None:
    proc = hpdsl_cli("lint", warning_only)
    assert "warning[HPS203]" in proc.stdout
    assert proc.stderr == "Found 1 warning in 1 file.\n"


@pytest.mark.parametrize("content", [
    None,  # missing
    b"\xff\xfe\x00a\x00 binary",
    b"a ~ uniform(0, 1)\x00\n",
    "scaler ~ choice(\"é\")\n".encode("latin-1"),
], ids=["missing", "binary", "nul", "latin1"])
def test_unreadable_files_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                 content: bytes | None) -> None:
    path = tmp_path / "space.hps"
    if content is not None:
        path.write_bytes(content)
    status, out, _ = cli(capsys, "lint", path)
    assert status == 2
    assert "error[HPS002]" in out
    for command in (["show"], ["sample", "-n", "1"]):
        status, out, err = cli(capsys, *command, path)
        assert (status, out) == (2, "")
        assert "error[HPS002]" in err


@pytest.mark.parametrize("content", [None, b"\xff\xfe\x00a\x00 binary"], ids=["missing", "binary"])
def test_unreadable_files_without_traceback(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "space.hps"
    if content is not None:
        path.write_bytes(content)
    proc = hpdsl_cli("lint", path)  # asserts that no traceback reaches stderr
    assert proc.returncode == 2
    assert "error[HPS002]" in proc.stdout


def test_directory_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    status, out, _ = cli(capsys, "lint", tmp_path)
    assert status == 2
    assert "is a directory" in out


@pytest.mark.parametrize("text", [
    "", "\n\n", "a ~", "a ~ uniform(0, 1", "}", "if {", "a ~ uniform(0, 1)\n" * 3,
    "for i in 1..3 { }", "a ~ choice()", "a = a", 'include "a.hps"', "a ~ uniform(0, 1e999)",
    "x ~ randint(1, 10)\n" + "(" * 500 + "x" + ")" * 500 + " = 1",
    "a ~ pchoice(0.5: x)", "forbid 1 == 1", "require false", "\t\ta ~ uniform(0,\t1)\r\n",
])
def test_malformed_input_never_crashes(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                       text: str) -> None:
    path = write(tmp_path, "space.hps", text)
    for command in (["lint"], ["lint", "--format", "json"], ["show"], ["sample", "-n", "3"]):
        assert cli(capsys, *command, path)[0] in (0, 1)


def test_control_characters_are_not_sent_to_the_terminal(tmp_path: Path) -> None:
    path = write(tmp_path, "esc.hps",
                 'x ~ choice("a")\nif x == "\x1b[2Jb" then y ~ uniform(0, 1)\n')
    proc = hpdsl_cli("lint", path)
    assert proc.returncode == 1
    assert "\x1b" not in proc.stdout
    assert "\ufffd[2Jb" in proc.stdout


def test_bidirectional_controls_do_not_reorder_the_lines_shown(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """A right-to-left override in a string would make the quoted line read differently
    from what was parsed; lint shows it as a replacement character."""
    path = write(tmp_path, "bidi.hps",
                 'x ~ choice("a")\nif x == "\u202eb\u2066" then y ~ uniform(0, 1)\n')
    status, out, _ = cli(capsys, "lint", path)
    assert status == 1
    assert "\u202e" not in out and "\u2066" not in out
    assert "\ufffdb\ufffd" in out


def test_errors_in_included_files_show_their_source(tmp_path: Path) -> None:
    write(tmp_path, "common.hps", "b ~ uniform(1, 0)\n")
    main_file = write(tmp_path, "main.hps", 'include "common.hps"\na ~ uniform(0, 1)\n')
    proc = hpdsl_cli("lint", main_file)
    assert "common.hps:1:5: error[HPS106]" in proc.stdout
    assert "1 | b ~ uniform(1, 0)" in proc.stdout


# --- colour ----------------------------------------------------------------------------

def test_colour_only_when_forced() -> None:
    args = ("lint", "lint_broken.hps")
    assert ESC not in hpdsl_cli(*args, cwd=SNAPSHOTS_DIR).stdout  # piped
    assert ESC in hpdsl_cli(*args, cwd=SNAPSHOTS_DIR, env={"FORCE_COLOR": "1"}).stdout
    forced_off = hpdsl_cli(*args, "--no-color", cwd=SNAPSHOTS_DIR, env={"FORCE_COLOR": "1"})
    assert ESC not in forced_off.stdout


def test_colour_never_in_json_or_with_no_color(capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = SNAPSHOTS_DIR / "lint_broken.hps"
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert ESC in cli(capsys, "lint", path)[1]
    assert ESC in cli(capsys, "show", path)[2]  # diagnostics of other commands: stderr
    assert ESC not in cli(capsys, "lint", "--format", "json", path)[1]
    assert ESC not in cli(capsys, "lint", "--format", "concise", path)[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert ESC not in cli(capsys, "lint", path)[1]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert use_colour(_Terminal(), disabled=False)
    assert not use_colour(_Terminal(), disabled=True)
    assert not use_colour(io.StringIO(), disabled=False)
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(_Terminal(), disabled=False)
    monkeypatch.setenv("NO_COLOR", "")  # empty means unset (no-color.org)
    assert use_colour(_Terminal(), disabled=False)


# --- explain ---------------------------------------------------------------------------

@pytest.mark.parametrize("spelling", ["HPS102", "hps102", "102", "unknown-label"])
def test_explain_known(capsys: pytest.CaptureFixture[str], spelling: str) -> None:
    status, out, _ = cli(capsys, "explain", spelling)
    assert status == 0
    assert out.startswith("HPS102 (unknown-label, error): ")
    assert "model == svn" in out


@pytest.mark.parametrize(("spelling", "suggestion"), [
    ("HPS1022", "HPS102"), ("unknown-lable", "unknown-label"),
])
def test_explain_unknown(capsys: pytest.CaptureFixture[str], spelling: str,
                        suggestion: str) -> None:
    assert cli(capsys, "explain", spelling) == (
        2, "", f"hpdsl: error: unknown code `{spelling}`; did you mean `{suggestion}`?\n")


def test_explain_script() -> None:
    assert hpdsl_cli("explain", "HPS202").stdout.startswith("HPS202 (dependency-cycle, error)")
    proc = hpdsl_cli("explain", "HPS999")
    assert proc.returncode == 2
    assert proc.stderr.startswith("hpdsl: error: unknown code `HPS999`")


def test_explain_list(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = cli(capsys, "explain", "--list")
    assert status == 0
    assert [line.split()[0] for line in out.splitlines()] == list(CODES)
    assert cli(capsys, "explain", "--list", "HPS102")[0] == 2
    assert cli(capsys, "explain")[0] == 2


# --- show ------------------------------------------------------------------------------

def test_show_text() -> None:
    proc = hpdsl_cli("show", CLASSIFIER)
    assert proc.returncode == 0
    out = proc.stdout
    assert "Parameters (16)" in out
    assert "C                        loguniform(0.001, 1000.0)       1.0      model == svm" in out
    assert "  forbid model == svm and kernel == poly and C > 100" in out
    assert out.endswith("Size: infinite (continuous parameters)\n")


def test_show_finite_space_and_derived_values(tmp_path: Path) -> None:
    text = ("n ~ randint(1, 3)\nfor i in 1..n { u[i] ~ choice(16, 32) }\n"
            "log2_bs ~ randint(4, 8)\nbs = 2 ** log2_bs\nforbid n == 3 and bs > 128\n")
    proc = hpdsl_cli("show", write(tmp_path, "s.hps", text))
    assert proc.returncode == 0
    assert "  bs    2 ** log2_bs  always" in proc.stdout
    assert "  u[3]     choice(16, 32)           n >= 3" in proc.stdout
    expected = len(list(hpdsl.loads(text).grid()))
    assert proc.stdout.endswith(f"Size: {expected} configurations\n")


def test_show_json() -> None:
    proc = hpdsl_cli("show", "--format", "json", CLASSIFIER)
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    space = hpdsl.load(CLASSIFIER)
    assert [p["key"] for p in data["parameters"]] == [p.key for p in space.parameters]
    c = next(p for p in data["parameters"] if p["name"] == "C")
    assert c == {"key": "C", "name": "C", "kind": "sampled", "type": "float",
                 "distribution": "loguniform(0.001, 1000.0)", "default": 1.0,
                 "condition": "model == svm"}
    assert data["constraints"] == space.constraints
    assert data["size"] is None
    assert data["size_text"] == "infinite (continuous parameters)"


def test_show_too_large_to_count(tmp_path: Path) -> None:
    text = "a ~ randint(1, 3000)\nb ~ randint(1, 3000)\nif a > b then c ~ randint(1, 2)\n"
    proc = hpdsl_cli("show", "--format", "json", write(tmp_path, "s.hps", text))
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["size_text"] == "too large to count"


def test_show_broken_file_prints_diagnostics() -> None:
    proc = hpdsl_cli("show", "lint_broken.hps", cwd=SNAPSHOTS_DIR)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "error[HPS102]" in proc.stderr
    assert proc.stderr.endswith("Found 5 errors in 1 file.\n")


def test_space_size_counts_parameters_nothing_reads(tmp_path: Path) -> None:
    # Regression: size() counted every parameter that no condition or bound reads as 1.
    assert hpdsl.loads("a ~ randint(0, 10)\nb ~ randint(0, 10)").size() == 121
    assert hpdsl.loads("a ~ choice(x, y)\nif a == x then b ~ randint(1, 4)").size() == 5
    proc = hpdsl_cli("show", write(tmp_path, "s.hps", "a ~ randint(1, 1000000)\n"))
    assert proc.stdout.endswith("Size: 1,000,000 configurations\n")


# --- sample ----------------------------------------------------------------------------

def test_sample_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    proc = hpdsl_cli("sample", CLASSIFIER, "-n", "5", "--seed", "0")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert len(lines) == 5
    space = hpdsl.load(CLASSIFIER)
    expected = space.sample(0, 5)
    assert lines == [json.dumps(cfg) for cfg in expected]  # same values, same key order
    assert all(json.loads(line) in space for line in lines)
    assert cli(capsys, "sample", CLASSIFIER, "-n", "5", "--seed", "0")[1] == proc.stdout
    assert cli(capsys, "sample", CLASSIFIER, "-n", "5", "--seed", "1")[1] != proc.stdout


def test_sample_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "sample", CLASSIFIER, "-n", "0") == (0, "", "")
    assert len(cli(capsys, "sample", CLASSIFIER)[1].splitlines()) == 1
    for bad in (["-n", "-1"], ["-n", "x"], ["--seed", "-5"]):
        status, _, err = cli(capsys, "sample", CLASSIFIER, *bad)
        assert status == 2
        assert "hpdsl sample: error:" in err


def test_sample_broken_file() -> None:
    proc = hpdsl_cli("sample", "lint_broken.hps", "-n", "3", cwd=SNAPSHOTS_DIR)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "error[HPS106]" in proc.stderr


def test_sample_unsatisfiable_constraints(tmp_path: Path) -> None:
    path = write(tmp_path, "tight.hps", "a ~ uniform(0, 1)\nforbid a < 0.9999999\n")
    proc = hpdsl_cli("sample", path, "-n", "2", "--seed", "0")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "warning[HPS205]" in proc.stderr
    assert proc.stderr.splitlines()[-1].startswith(f"hpdsl: error: cannot sample `{path}`: ")


def test_sample_into_closed_pipe_is_quiet() -> None:
    env = {**os.environ, "PYTHONUTF8": "1"}
    with subprocess.Popen([sys.executable, "-m", "hpdsl", "sample", str(CLASSIFIER),
                           "-n", "200000", "--seed", "0"], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode()
        proc.wait(timeout=120)
    assert json.loads(first)["model"]
    assert err == ""
    assert proc.returncode == 141


# --- last resorts, in process ------------------------------------------------------------

def test_internal_error_is_one_line_and_exit_3(monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    def boom(args: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(_lint, "run", boom)
    monkeypatch.delenv("HPDSL_DEBUG", raising=False)
    assert main(["lint", str(CLASSIFIER)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("hpdsl: internal error: RuntimeError: boom\n")
    assert "Traceback" not in err


def test_keyboard_interrupt_exits_130_quietly(monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(_lint, "run", interrupted)
    assert main(["lint", str(CLASSIFIER)]) == 130
    assert capsys.readouterr().err == ""


def test_main_returns_usage_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert main(["lint"]) == 2
    assert "required: FILE" in capsys.readouterr().err


def test_lint_reads_standard_input_under_the_name_given(tmp_path: Path) -> None:
    (tmp_path / "common.hps").write_text("lr ~ loguniform(1e-4, 1e-1)\n")
    text = 'include "common.hps"\nmodel ~ choice(svm, rf)\nif model == svn then x = 1\n'
    proc = subprocess.run([sys.executable, "-m", "hpdsl", "lint", "-", "--format", "concise",
                           "--stdin-filename", str(tmp_path / "space.hps")],
                          input=text, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.strip() == f"{tmp_path / 'space.hps'}:3:13: error[HPS102] `svn` is not " \
        "an option of `model`"
    binary = subprocess.run([sys.executable, "-m", "hpdsl", "lint", "-"], input=b"\xff\xfe",
                            capture_output=True, timeout=120)
    assert binary.returncode == 2 and b"HPS002" in binary.stdout
    assert b"Traceback" not in binary.stderr


def test_trials_table_tells_null_from_inactive(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    """An active parameter whose value is `null` reads `null`; an inactive one is empty."""
    space = hpdsl.loads("depth ~ choice(null, 3)\nuse ~ choice(true, false)\n"
                        "if use then w ~ uniform(0, 1)\n")
    url = f"sqlite:///{tmp_path / 's.db'}"
    trials = hpdsl.Trials(url, study="s")
    hpdsl.fmin(lambda cfg: 0.0, space, max_evals=12, trials=trials, rstate=0,
               show_progressbar=False)
    records = trials.to_records()
    assert any(r["params.depth"] is None for r in records)
    assert any("params.w" not in r or r["params.w"] is None for r in records)
    status, out, _ = cli(capsys, "trials", url)
    assert status == 0
    rows = out.splitlines()[1:]
    for record, line in zip(records, rows, strict=True):
        assert line.split().count("null") == (record["params.depth"] is None), line
