"""Storages for trials: in memory (the default) and SQLite files that last.

    trials = hpdsl.Trials("sqlite:///runs/study.db", study="svm-digits")
    hpdsl.fmin(objective, "space.hps", max_evals=200, trials=trials)

A URL names the file: `sqlite:///runs/study.db` is relative to the working
directory, `sqlite:////abs/path/study.db` absolute. One file holds several
studies (`list_studies`). Every storage implements `TrialStorage`.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigurationError
from ._base import (
    InMemoryStorage,
    NumberTaken,
    Report,
    SpaceChangedError,
    StorageError,
    Trial,
    TrialState,
    TrialStorage,
    check_report,
    keep_report,
    last_key,
    last_steps,
    space_changed,
)
from ._hyperopt_view import HYPEROPT_STATUS, hyperopt_result, hyperopt_trial
from ._objectives import DIRECTIONS, Bound, Objectives, is_number, make_objectives, violation
from ._schema import SCHEMA_VERSION
from ._sqlite import SQLiteStorage, StudyInfo
from ._sqlite import list_studies as _list_studies

_SCHEME = "sqlite:///"
#: SQLAlchemy's URLs of an in-memory database: a storage in memory, as without a URL
IN_MEMORY = ("sqlite:///:memory:", "sqlite://")


def sqlite_path(url: str) -> Path:
    """The file a `sqlite:///...` URL names."""
    if not isinstance(url, str):
        raise TypeError(f"a storage URL is a str such as `sqlite:///runs/study.db`, not "
                        f"{type(url).__name__}")
    if "\x00" in url:
        raise ConfigurationError(f"storage URL {url!r}: a path cannot contain a NUL byte")
    if url in IN_MEMORY:
        raise StorageError(f"{url} is a storage in memory: it holds no stored study")
    if not url.startswith(_SCHEME) or len(url) == len(_SCHEME):
        raise ConfigurationError(f"unknown storage URL {url!r}: use `sqlite:///relative/path"
                                 ".db` or `sqlite:////absolute/path.db`")
    return Path(url[len(_SCHEME):])


def open_storage(url: str, study: str = "default", *, readonly: bool = False
                 ) -> TrialStorage:
    """The storage of study `study` at `url` (file and study created if missing, unless
    `readonly`); `sqlite:///:memory:` is a storage in memory."""
    if url in IN_MEMORY and not readonly:
        return InMemoryStorage()
    return SQLiteStorage(sqlite_path(url), study, readonly=readonly)


def list_studies(url: str) -> list[StudyInfo]:
    """The studies in the file at `url`, by name: name, created time, the space's source
    and SHA-256, metadata and number of trials. Never writes to the file."""
    return _list_studies(sqlite_path(url))


__all__ = ["DIRECTIONS", "Bound", "Objectives", "is_number", "make_objectives", "violation",
           "HYPEROPT_STATUS", "SCHEMA_VERSION", "InMemoryStorage", "NumberTaken", "SQLiteStorage",
           "SpaceChangedError", "StorageError", "StudyInfo", "Trial", "TrialState",
           "TrialStorage", "Report", "check_report", "keep_report", "hyperopt_result",
           "hyperopt_trial", "last_key", "last_steps", "list_studies", "open_storage",
           "space_changed", "sqlite_path"]
