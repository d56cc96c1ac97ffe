"""Total work and memory are bounded: files that are not files, include bombs, stored
spaces, long chains, wide loops, huge ranges. Each input either works or is refused by
a diagnostic that names the limit; none hangs or exhausts memory.

Commands that used to hang run in a subprocess with a timeout (a hang fails the test
instead of blocking the suite); memory is capped with RLIMIT_AS where it used to blow
up. The time and memory each limit takes are measured by benchmarks/bench_limits.py
(figures in tests/README.md), never asserted here.
"""

from __future__ import annotations

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
