"""Fuzzing `check_text`, `format_source` and the `lint` / `fmt --check` commands.

The properties (`fuzz_harness.check_properties`): no exception, an answer within the
per-input bound, and `fmt` output that re-parses to the same space and is idempotent.
The default run is derandomized and bounded (about 15 s); `make fuzz` runs each fuzzer
for HPDSL_FUZZ_SECONDS. Inputs that ever failed live in tests/fixtures/regressions/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from corpora import ALL_EXAMPLES, EXAMPLES_DIR, REGRESSIONS, ROOT
from fuzz_harness import (
    FUZZ_SECONDS,
    as_text,
    byte_mutated,
    check_format,
    check_heavy,
    check_properties,
    mutated,
    run_fuzzer,
    shapes,
    spaces,
)
from hypothesis import given
from hypothesis import strategies as st

import hpdsl


def test_generated_spaces_keep_every_property() -> None:
    @given(text=spaces(), seed=st.integers(0, 2**16))
    def one(text: str, seed: int) -> None:
        check_properties(text, None, seed)

    run_fuzzer(one, max_examples=60)


def test_mutated_files_keep_every_property() -> None:
    @given(case=mutated())
    def one(case: tuple[str, str]) -> None:
        check_properties(*case)

    run_fuzzer(one, max_examples=150)


def test_byte_mutated_files_keep_every_property() -> None:
    @given(case=byte_mutated())
    def one(case: tuple[bytes, str]) -> None:
        data, base_dir = case
        check_properties(as_text(data), base_dir)

    run_fuzzer(one, max_examples=150)


def test_byte_mutated_files_through_check_file(tmp_path: Path) -> None:
    """Bytes as they are on disk: bad UTF-8 is HPS002, never an exception."""
    @given(case=byte_mutated())
    def one(case: tuple[bytes, str]) -> None:
        path = tmp_path / "m.hps"
        path.write_bytes(case[0])
        space, diags, _ = hpdsl.check_file(str(path))
        assert (space is None) == any(d.is_error for d in diags)

    run_fuzzer(one, max_examples=60)


def test_heavy_shapes_are_bounded(tmp_path: Path) -> None:
    """Include graphs, pipes and devices, long chains, wide loops, huge ranges,
    log-normals beyond a float: an answer within the bound, never an exception."""
    @given(text=shapes(tmp_path))
    def one(text: str) -> None:
        check_heavy(text, tmp_path)

    run_fuzzer(one, max_examples=40)


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda p: p.name)
def test_regressions(path: Path) -> None:
    check_properties(path.read_text(encoding="utf-8", errors="replace"), str(EXAMPLES_DIR))


def test_the_examples_are_formatted_to_the_same_space() -> None:
    for path in ALL_EXAMPLES:
        assert check_format(path.read_text(encoding="utf-8"), str(path.parent)) is not None


# --- the command line, on a sample of the same inputs ------------------------------------


def _cli_sample(tmp_path: Path, count: int) -> list[Path]:
    """`count` mutated files (text and bytes) plus every regression input, on disk."""
    out: list[Path] = list(REGRESSIONS)

    @given(text_case=mutated(), byte_case=byte_mutated())
    def collect(text_case: tuple[str, str], byte_case: tuple[bytes, str]) -> None:
        if len(out) >= count + len(REGRESSIONS):
            return
        i = len(out)
        (tmp_path / f"t{i}.hps").write_text(text_case[0], encoding="utf-8", errors="replace")
        (tmp_path / f"b{i}.hps").write_bytes(byte_case[0])
        out.extend([tmp_path / f"t{i}.hps", tmp_path / f"b{i}.hps"])

    run_fuzzer(collect, max_examples=count // 2)
    return out


@pytest.mark.parametrize("command", [["lint"], ["fmt", "--check"]])
def test_cli_on_fuzzed_files_has_no_traceback(tmp_path: Path, command: list[str]) -> None:
    files = _cli_sample(tmp_path, 200 if FUZZ_SECONDS else 16)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # one process for all the files: the per-file answers are in its output
    proc = subprocess.run([sys.executable, "-m", "hpdsl", *command, *map(str, files)],
                          capture_output=True, text=True, timeout=120, env=env, cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.returncode in (0, 1, 2), (proc.returncode, proc.stderr[-3000:])
