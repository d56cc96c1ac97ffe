"""Resuming a stored study: the same space by meaning resumes (comments, layout),
a real change is refused with a diff, and a refused change leaves the record alone."""

from __future__ import annotations

from pathlib import Path

import pytest

import hpdsl
from hpdsl.format import format_source
from hpdsl.storage import SpaceChangedError

SPACE = 'include "common.hps"\nx ~ uniform(-2, 2)\nkind ~ choice(a, b)\n'
COMMON = "if kind == b then y ~ loguniform(1e-3, 1)\n"


def search(tmp_path: Path, max_evals: int, allow: bool = False) -> hpdsl.Trials:
    trials = hpdsl.Trials(f"sqlite:///{tmp_path / 's.db'}", study="s",
                          allow_space_change=allow)
    hpdsl.fmin(lambda c: c["x"] ** 2, hpdsl.load(tmp_path / "space.hps"),
               algo=hpdsl.rand.suggest, max_evals=max_evals, trials=trials, rstate=0,
               show_progressbar=False)
    return trials


@pytest.fixture()
def study(tmp_path: Path) -> Path:
    (tmp_path / "space.hps").write_text(SPACE)
    (tmp_path / "common.hps").write_text(COMMON)
    search(tmp_path, 2)
    return tmp_path


def test_comments_blank_lines_and_fmt_do_not_block_resuming(study: Path) -> None:
    (study / "space.hps").write_text("# the model\n\n" + SPACE.replace("~", "  ~  ")
                                     + "\n\n# end\n")
    (study / "common.hps").write_text("# y only for b\n" + COMMON.replace("1e-3", "0.001"))
    assert len(search(study, 3)) == 3
    for name in ("space.hps", "common.hps"):
        path = study / name
        path.write_text(format_source(path.read_text()))
    assert len(search(study, 4)) == 4


@pytest.mark.parametrize("file, old, new", [
    ("space.hps", "(-2, 2)", "(-3, 2)"),                  # a bound
    ("space.hps", "choice(a, b)", "choice(a, b, c)"),     # an option
    ("common.hps", "kind == b", "kind != b"),             # a condition, in an included file
])
def test_a_real_change_is_refused_with_the_diff(study: Path, file: str, old: str,
                                                new: str) -> None:
    path = study / file
    path.write_text("# changed\n" + path.read_text().replace(old, new))
    with pytest.raises(SpaceChangedError, match="another space") as err:
        search(study, 3)
    assert new in str(err.value) and old in str(err.value)


def test_a_refused_space_change_leaves_the_recorded_space(study: Path) -> None:
    (study / "space.hps").write_text(SPACE + "z ~ uniform(0, 1)\n")
    with pytest.raises(hpdsl.ConfigurationError, match="have 3 coordinates but the space "
                                                       "has 4"):
        search(study, 3, allow=True)
    (study / "space.hps").write_text(SPACE)
    assert len(search(study, 3)) == 3  # the original space still matches every trial


def test_an_allowed_change_that_fits_the_trials_replaces_the_record(study: Path) -> None:
    (study / "space.hps").write_text(SPACE.replace("(-2, 2)", "(-1, 1)"))
    assert len(search(study, 3, allow=True)) == 3
    assert len(search(study, 4)) == 4  # the changed space is now the recorded one
