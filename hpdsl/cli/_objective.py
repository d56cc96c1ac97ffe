"""Loading the objective `hpdsl run` minimizes: `FILE.py:FUNC` or `module:func`, nothing else.

A file is loaded by its path as a module named `hpdsl_objective_<stem>` (registered in
`sys.modules`, so that what it defines can be pickled by reference), with its directory
appended to `sys.path` so that its own imports of files beside it work. Appended, not
prepended: a `json.py` or `matplotlib.py` beside the objective must not replace the
standard library or an installed package, in the driver or in a worker. Worker
processes started with `spawn` cannot import that name, so the objective travels to
them as a `FileObjective`, pickled as the file's path and the function's name: each
worker loads the file itself, once. A module is imported by name, with the working
directory appended to `sys.path`.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

Objective = Callable[..., object]


class ObjectiveError(Exception):
    """The objective cannot be loaded; the message is one line for the user."""


def load_objective(spec: str) -> Objective:
    """The callable `spec` names: `path/to/file.py:func` or `package.module:func`."""
    target, sep, name = spec.rpartition(":")
    if not sep or not target or not name:
        raise ObjectiveError(f"--objective {spec!r} must be FILE.py:FUNCTION or "
                             "module:function")
    if target.endswith(".py") or os.sep in target or "/" in target:
        objective = FileObjective(Path(target), name)
        objective.load()
        return objective
    _append_to_path(os.getcwd())
    try:
        module = importlib.import_module(target)
    except ModuleNotFoundError as err:
        raise ObjectiveError(f"cannot import module `{target}`: {err}") from None
    except Exception as err:
        raise ObjectiveError(f"importing module `{target}` failed: "
                             f"{type(err).__name__}: {err}") from None
    return _function(module, name, f"module `{target}`")


class FileObjective:
    """The function `name` of the Python file `path`, loaded once per process.

    Pickled as (path, name), so that a spawned worker loads the file itself.
    """

    def __init__(self, path: Path, name: str) -> None:
        self._set(path, name)

    def _set(self, path: Path, name: str) -> None:
        self.path, self.name = path.absolute(), name
        self._fn: Objective | None = None
        self.__qualname__ = name
        self.__module__ = module_name(self.path)

    def __getstate__(self) -> dict[str, Any]:
        return {"path": self.path, "name": self.name}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._set(state["path"], state["name"])

    def __call__(self, config: dict[str, Any], *trial: object) -> object:
        return self.load()(config, *trial)

    @property
    def __signature__(self) -> inspect.Signature:
        """The function's: fmin passes the running trial if the function takes it."""
        return inspect.signature(self.load())

    def load(self) -> Objective:
        """Execute the file (the first time) and return the function."""
        if self._fn is None:
            self._fn = _function(_exec_file(self.path), self.name, f"`{self.path}`")
        return self._fn


def module_name(path: Path) -> str:
    """The name a file's module is registered under: `hpdsl_objective_<stem>`."""
    return "hpdsl_objective_" + re.sub(r"\W", "_", path.stem)


def _exec_file(path: Path) -> ModuleType:
    name = module_name(path)
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__file__", None) == str(path):
        return loaded
    if not path.is_file():
        raise ObjectiveError(f"objective file `{path}` does not exist")
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ObjectiveError(f"cannot load `{path}` as Python (is it a .py file?)")
    module = importlib.util.module_from_spec(spec)
    _append_to_path(str(path.parent))
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException as err:
        del sys.modules[name]
        if isinstance(err, KeyboardInterrupt | SystemExit):
            raise
        where = f" (line {err.lineno})" if isinstance(err, SyntaxError) else ""
        raise ObjectiveError(f"running `{path}` failed{where}: "
                             f"{type(err).__name__}: {err}") from None
    return module


def _function(module: ModuleType, name: str, where: str) -> Objective:
    fn = getattr(module, name, None)
    if fn is None:
        found = sorted(k for k, v in vars(module).items()
                       if callable(v) and not k.startswith("_")
                       and getattr(v, "__module__", None) == module.__name__)
        hint = f"; it defines: {', '.join(found)}" if found else ""
        raise ObjectiveError(f"{where} has no `{name}`{hint}")
    if not callable(fn):
        raise ObjectiveError(f"`{name}` in {where} is not callable (it is a "
                             f"{type(fn).__name__})")
    objective: Objective = fn
    return objective


def _append_to_path(directory: str) -> None:
    if directory not in sys.path:
        sys.path.append(directory)
