"""Package attributes imported on first use (PEP 562), shared by `hpdsl` and `hpdsl.search`."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Mapping
from typing import Any


def lazy_getattr(package: str, namespace: dict[str, Any], modules: Collection[str],
                 names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__`: `modules` are submodules, `names` map an attribute to the
    (relative) module that defines it. A found attribute is kept in `namespace`."""

    def getattr_(name: str) -> Any:
        if name in modules:
            value: Any = importlib.import_module(f".{name}", package)
        elif name in names:
            value = getattr(importlib.import_module(names[name], package), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        namespace[name] = value
        return value

    return getattr_
