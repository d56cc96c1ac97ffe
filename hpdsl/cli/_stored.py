"""What the commands that read a stored study share: opening it, and showing values."""

from __future__ import annotations

import argparse
import math
from typing import Any

from ..errors import HpsError
from ..search import Trial, Trials
from ..storage import list_studies, open_storage, sqlite_path
from ._common import printable


class StudyNotFound(Exception):
    """The storage or the study cannot be opened; the message is one line for the user."""


def add_storage_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("storage", metavar="STORAGE",
                        help="the storage URL, e.g. sqlite:///runs/demo.db")
    parser.add_argument("--study", metavar="S",
                        help="the study's name (default: the only study in the storage)")


def open_study(url: str, study: str | None) -> tuple[str, Trials]:
    """The study's name and trials; never creates or changes a file or a study."""
    try:
        names = [info.name for info in list_studies(url)]
    except HpsError as err:
        raise StudyNotFound(str(err)) from None
    path = sqlite_path(url)
    if study is None:
        if not names:
            raise StudyNotFound(f"{path} holds no study")
        if len(names) != 1:
            listed = ", ".join(names) if names else "none"
            raise StudyNotFound(f"{path} holds {len(names)} studies ({listed}): choose one "
                                "with --study")
        study = names[0]
    elif study not in names:
        raise StudyNotFound(f"no study `{study}` in {path}; its studies: "
                            + (", ".join(names) or "none"))
    try:
        return study, read_study(url, study)
    except HpsError as err:
        raise StudyNotFound(str(err)) from None


def read_study(url: str, study: str) -> Trials:
    """The trials of a study, opened read-only: reading never changes the file."""
    return Trials(open_storage(url, study, readonly=True))


def extra_results(trial: Trial) -> dict[str, Any]:
    """What the objective returned besides its loss, status and constraints."""
    return {k: v for k, v in trial.result.items() if k not in ("loss", "status", "constraints")}


def number(value: Any) -> str:
    """A value for a table cell: floats to 6 significant digits, None as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def table(header: list[str], rows: list[list[str]]) -> str:
    """Left-aligned columns separated by two spaces; control characters escaped."""
    header, rows = [printable(c) for c in header], [[printable(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)
                               ).rstrip() for row in [header, *rows])
