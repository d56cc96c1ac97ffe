"""Conversions between hpdsl spaces and other libraries' search spaces.

- `to_configspace(space)` / `to_configspace_json(space)`: a ConfigSpace
  `ConfigurationSpace` (ConfigSpace must be installed);
- `to_hyperopt_source(space)`: Python source defining a hyperopt `hp` expression, and
  `from_hyperopt(space, sample)` to turn its samples back into configurations;
- `from_configspace(cs_or_json)`: `.hps` source for a ConfigSpace space;
- `from_flat(space, values)`: the configuration that flat `{name: value}` pairs (a
  ConfigSpace `Configuration`, a table row) describe;
- `optuna_suggest(space, trial)`: a configuration drawn through an Optuna trial, inside
  an Optuna objective (`space.suggest(trial)` is the same).

Each conversion reports everything it could not carry over: pass a list as `warnings`
to collect the messages, or leave it out to get them as `ConversionWarning`s.
"""

from ._common import ConversionWarning, from_flat
from ._from_configspace import from_configspace
from ._hyperopt import from_hyperopt, to_hyperopt_source
from ._optuna import optuna_suggest
from ._to_configspace import to_configspace, to_configspace_json

__all__ = ["ConversionWarning", "from_configspace", "from_flat", "from_hyperopt",
           "optuna_suggest", "to_configspace", "to_configspace_json", "to_hyperopt_source"]
