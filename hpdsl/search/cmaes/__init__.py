"""CMA-ES over the float and integer parameters of a space (the `cmaes` package).

    >>> import functools, hpdsl
    >>> algo = functools.partial(hpdsl.cmaes.suggest, restart="bipop")

The covariance matrix adaptation evolution strategy samples each generation from
a multivariate normal over the searched coordinates (log parameters in log
units, integers through CMA-ES with margin) and moves it towards the best of the
generation. It searches the parameters that are always active; choices and
conditional parameters are drawn by a fallback (TPE by default), with a warning
once per space. Its state is replayed from the history (`_replay`), so resume
and parallel workers need no stored state. Needs `pip install 'hpdsl[cmaes]'`.
"""

from __future__ import annotations

from ._sampler import suggest
from ._settings import Settings

__all__ = ["Settings", "suggest"]
