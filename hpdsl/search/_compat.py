"""Where hpdsl meets hyperopt: `space_eval`, and a clear error, naming hpdsl's
equivalent, for hyperopt's own objects passed where hpdsl's are expected (hyperopt's
`Trials` or `tpe.suggest` would otherwise fail deep inside with an AttributeError)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import ConfigurationError
from ._study import SpaceLike, as_space
from ._trials import Trials

_ALGORITHMS = {"tpe": "hpdsl.tpe.suggest", "atpe": "hpdsl.tpe.suggest",
               "mix": "hpdsl.tpe.suggest", "rand": "hpdsl.rand.suggest",
               "anneal": "hpdsl.anneal.suggest"}


def space_eval(space: SpaceLike, point: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration `point` stands for, checked against the space and completed
    with its derived values: hyperopt's `space_eval(space, best)`. hpdsl's `fmin`
    returns values (not choice indices), so `best` is already the configuration.
    Raises ConfigurationError for a point that is not in the space."""
    compiled = as_space(space)
    problems = compiled.validate(point)
    if problems:
        raise ConfigurationError(f"{dict(point)!r} is not in the space: "
                                 + "; ".join(problems))
    return compiled.complete(point)


def check_not_hyperopt(trials: object, algo: object) -> None:
    """ConfigurationError naming hpdsl's equivalent when `trials` or `algo` is
    hyperopt's; TypeError when `trials` is not a `Trials` at all."""
    if trials is not None and not isinstance(trials, Trials):
        if _from_hyperopt(trials):
            raise ConfigurationError(
                "trials=hyperopt.Trials() is hyperopt's: pass hpdsl.Trials() (or "
                "hpdsl.Trials('sqlite:///runs/study.db', study=...) to keep the trials); it "
                "reads the same (trials.trials, results, losses(), statuses(), argmin, "
                "best_trial)")
        raise TypeError(f"trials must be an hpdsl.Trials, not {type(trials).__name__}")
    if algo is not None and _from_hyperopt(algo):
        fn = getattr(algo, "func", algo)  # functools.partial(tpe.suggest, ...)
        module = str(getattr(fn, "__module__", ""))
        name = module.rpartition(".")[2]
        equivalent = _ALGORITHMS.get(name, "hpdsl.tpe.suggest")
        raise ConfigurationError(
            f"algo={module}.{getattr(fn, '__name__', 'suggest')} is hyperopt's: use "
            f"{equivalent} (settings with functools.partial, e.g. "
            f"partial({equivalent}, n_startup_jobs=10))")


def _from_hyperopt(obj: object) -> bool:
    fn = getattr(obj, "func", obj)
    module = getattr(fn, "__module__", None)
    return isinstance(module, str) and module.partition(".")[0] == "hyperopt"


__all__ = ["check_not_hyperopt", "space_eval"]
