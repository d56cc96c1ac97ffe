"""Tree-structured Parzen Estimator that reads the compiled space.

    >>> import functools, hpdsl
    >>> from hpdsl.search import tpe
    >>> algo = functools.partial(tpe.suggest, n_startup_jobs=5, multivariate=False)

Per activation group (or per dimension with `multivariate=False`) it fits a good
density l(x) to the best trials and a bad density g(x) to the rest, each only from
trials where the dimension was active, draws candidates from l and returns the
feasible one with the largest l(x) / g(x). See `Settings` for the options and
`_sampler` for how failed and pending trials count.
"""

from __future__ import annotations

from ._sampler import suggest
from ._settings import Settings, default_gamma

__all__ = ["Settings", "default_gamma", "suggest"]
