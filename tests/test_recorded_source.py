"""The source a study records (the space's text and each included file's text, joined
by marker lines) reads back as exactly the texts that were joined, even when a text holds
a line that looks like a marker; records written before marker-like lines were escaped
still read as they did."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from run_cli import cli

import hpdsl
from hpdsl._load import load_recorded
from hpdsl.analysis import join_sources, split_sources
from hpdsl.plot._data import table
from hpdsl.storage import SpaceChangedError

SPACE = 'x ~ uniform(0, 1)\ninclude "parts/common.hps"\n'
# a comment that reads like the marker, at the start of a line inside a block
COMMON = ("k ~ choice(a, b)\nif k == b {\n# --- included: notes.hps ---\n"
          "    rate ~ loguniform(1e-4, 1)\n}\n")


def search(space: Path, url: str, max_evals: int) -> hpdsl.Trials:
    trials = hpdsl.Trials(url, study="s")
    hpdsl.fmin(lambda c: c["x"], str(space), algo=hpdsl.rand.suggest,
               max_evals=max_evals, trials=trials, rstate=0, show_progressbar=False)
    return trials


def test_an_included_file_holding_a_marker_line_is_read_back_as_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "project"
    (project / "parts").mkdir(parents=True)
    (project / "parts" / "common.hps").write_text(COMMON)
    (project / "space.hps").write_text(SPACE)
    url = f"sqlite:///{tmp_path / 'study.db'}"
    recorded = search(project / "space.hps", url, 3).storage.space_source()
    assert recorded is not None
    assert split_sources(recorded) == (SPACE, {os.path.join("parts", "common.hps"): COMMON})

    # resuming: the files unchanged, then with a comment added (compared by meaning)
    assert len(search(project / "space.hps", url, 4)) == 4
    (project / "space.hps").write_text("# the model\n" + SPACE)
    assert len(search(project / "space.hps", url, 5)) == 5

    # the stored space compiles from its record alone: its files gone, and the working
    # directory too (not even that is looked up)
    recorded = hpdsl.Trials(url, study="s").storage.space_source()
    assert recorded is not None
    shutil.rmtree(project)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "gone").mkdir()
    monkeypatch.chdir(tmp_path / "gone")
    (tmp_path / "gone").rmdir()
    space = load_recorded(recorded)
    assert space.names == ["x", "k", "rate"]
    assert space.full_source == recorded
    assert [c.log for c in table(hpdsl.Trials(url, study="s")).columns
            if c.name == "rate"] == [True]
    status, _, err = cli(capsys, "plot", url, "--out", tmp_path / "p.png")
    assert status == 0, err


def test_a_changed_include_holding_a_marker_line_is_still_refused(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "common.hps").write_text(COMMON)
    (tmp_path / "space.hps").write_text(SPACE)
    url = f"sqlite:///{tmp_path / 'study.db'}"
    search(tmp_path / "space.hps", url, 2)
    (tmp_path / "parts" / "common.hps").write_text(COMMON.replace("1e-4", "1e-5"))
    with pytest.raises(SpaceChangedError, match="another space"):
        search(tmp_path / "space.hps", url, 3)


@pytest.mark.parametrize("text", [
    "# --- included: a.hps ---\n",                      # the first line
    "x ~ uniform(0, 1)\n# --- included: a.hps ---",     # the last line, no newline after
    "## --- included: a.hps ---\n### --- included: b ---\n",  # already looks escaped
    "# --- included: a.hps ---\r\n# --- included: ---\n",  # CRLF; an empty name
    "\n\n# --- included: a.hps ---\n\n",
    "",
])
def test_any_text_round_trips(text: str) -> None:
    included = [("a.hps", text), ("b/c.hps", "y ~ uniform(0, 1)\n" + text), ("d.hps", text)]
    recorded = join_sources(text, included)
    assert split_sources(recorded) == (text, dict(included))


# As hpdsl wrote records before marker-like lines were escaped (their texts hold none).
OLD_RECORD = ('x ~ uniform(0, 1)\ninclude "parts/common.hps"\n'
              '\n# --- included: parts/common.hps ---\n'
              '## a comment with two hashes\ninclude "rate.hps"\nk ~ choice(a, b)\n'
              '\n# --- included: parts/rate.hps ---\n'
              'rate ~ loguniform(1e-4, 1)')


def test_a_record_in_the_old_format_reads_as_before(tmp_path: Path) -> None:
    assert split_sources(OLD_RECORD) == (
        'x ~ uniform(0, 1)\ninclude "parts/common.hps"\n',
        {"parts/common.hps": '## a comment with two hashes\ninclude "rate.hps"\n'
                             'k ~ choice(a, b)\n',
         "parts/rate.hps": "rate ~ loguniform(1e-4, 1)"})
    space = load_recorded(OLD_RECORD)
    assert space.names == ["x", "rate", "k"]
    assert space.full_source == OLD_RECORD

    # a study holding such a record resumes on the same files
    (tmp_path / "parts").mkdir()
    (tmp_path / "space.hps").write_text('x ~ uniform(0, 1)\ninclude "parts/common.hps"\n')
    (tmp_path / "parts" / "common.hps").write_text('include "rate.hps"\nk ~ choice(a, b)\n')
    (tmp_path / "parts" / "rate.hps").write_text("rate ~ loguniform(1e-4, 1)\n")
    url = f"sqlite:///{tmp_path / 'study.db'}"
    hpdsl.Trials(url, study="s").storage.set_space_source(OLD_RECORD)
    assert len(search(tmp_path / "space.hps", url, 2)) == 2
