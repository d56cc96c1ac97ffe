"""`hpdsl run --pruner NAME[:KEY=VALUE,...]`: a pruner named on the command line.

    --pruner median                                  MedianPruner()
    --pruner median:n_warmup_steps=5                 MedianPruner(n_warmup_steps=5)
    --pruner hyperband:min_resource=1,max_resource=81
    --pruner none                                    no pruning (the default)

Values read as JSON scalars (5, 0.25, true, null), anything else as a string.
"""

from __future__ import annotations

import argparse
import inspect
import json
from typing import Any

from .. import pruners
from ..errors import ConfigurationError

# The names the option takes and the class each stands for in `hpdsl.pruners`.
PRUNERS = {
    "median": "MedianPruner",
    "percentile": "PercentilePruner",
    "threshold": "ThresholdPruner",
    "asha": "SuccessiveHalvingPruner",
    "hyperband": "HyperbandPruner",
    "wilcoxon": "WilcoxonPruner",
}


def pruner_spec(text: str) -> tuple[str, dict[str, Any]]:
    """argparse type: the pruner's name and keyword arguments (checked when built)."""
    name, _, rest = text.partition(":")
    name = name.strip().lower()
    if name != "none" and name not in PRUNERS:
        raise argparse.ArgumentTypeError(
            f"unknown pruner {name!r}: use one of none, {', '.join(PRUNERS)}")
    if name == "none" and rest:
        raise argparse.ArgumentTypeError("`none` takes no settings")
    settings: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, equals, value = item.partition("=")
        if not equals or not key.strip().isidentifier():
            raise argparse.ArgumentTypeError(f"{item!r} is not KEY=VALUE (e.g. "
                                             "median:n_warmup_steps=5)")
        settings[key.strip()] = _value(value.strip())
    return name, settings


def build_pruner(name: str, settings: dict[str, Any]) -> pruners.BasePruner | None:
    """The pruner `pruner_spec` read; ConfigurationError naming the settings it takes."""
    if name == "none":
        return None
    cls = getattr(pruners, PRUNERS[name], None)
    if cls is None:
        raise ConfigurationError(f"this hpdsl has no {PRUNERS[name]}")
    parameters = inspect.signature(cls).parameters
    takes = ", ".join(parameters) or "no settings"
    unknown = sorted(set(settings) - set(parameters))
    if unknown:
        raise ConfigurationError(f"--pruner {name} takes {takes}, not {', '.join(unknown)}")
    missing = [p for p, about in parameters.items()
               if about.default is about.empty and p not in settings]
    if missing:
        example = ",".join(f"{p}=..." for p in missing)
        raise ConfigurationError(f"--pruner {name} needs {', '.join(missing)}, e.g. "
                                 f"--pruner {name}:{example} (it takes {takes})")
    pruner: pruners.BasePruner = cls(**settings)
    return pruner


def _value(text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, int | float | bool | str) or value is None else text


__all__ = ["PRUNERS", "build_pruner", "pruner_spec"]
