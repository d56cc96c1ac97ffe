"""TPE settings in one frozen, typed record.

Pass them as keywords (`functools.partial(tpe.suggest, gamma=0.2)`) or as a
record (`tpe.suggest(space, history, rng, settings=tpe.Settings(gamma=0.2))`);
keywords override the record's fields.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

BANDWIDTHS = ("scott", "neighbor")
STARTUPS = ("random", "sobol")


def default_gamma(n: int) -> int:
    """How many of `n` finished trials are "good": 10%, rounded up, at most 25.

    A fixed cap keeps the good density sharp late in a long run, where a
    fraction would let it blur over hundreds of mediocre trials.
    """
    return min(math.ceil(0.1 * n), 25)


@dataclass(frozen=True)
class Settings:
    """How TPE splits, smooths and searches.

    n_startup_jobs: finished trials before TPE starts; until then, prior samples.
    startup: how those first trials are drawn: "random" (independent prior draws) or
        "sobol" (the scrambled Sobol sequence of `hpdsl.qmc`; needs scipy).
    n_ei_candidates: rows drawn from the good density per suggestion; the one with
        the best log l(x) - log g(x) is returned.
    gamma: the good split, a fraction of the finished trials (ceil(gamma * n)) or a
        function n -> number of good trials.
    prior_weight: weight of the prior component, relative to one observation
        (with "neighbor", doubled in groups of at most one numeric dimension, where
        exploring is cheap).
    bandwidth: "neighbor" (each kernel as wide as the larger gap to its sorted
        neighbours, as in hyperopt and Optuna; in groups of one numeric dimension the
        domain's bounds count as neighbours, and for an integer or quantized parameter
        the prior's centre too) or "scott" (Scott's rule per dimension, shared by all
        kernels of a density: sharper, but it smooths over the gaps nothing has
        explored). Both are clipped to [prior width / min(100, n + 1), prior width],
        n the density's observations; with "neighbor", in a group of at most one
        numeric dimension, the group's observations in the good and bad densities
        together (its few good trials then get sharp kernels once it is explored).
    multivariate: model each activation group (dimensions declared under the same
        conditions) with product kernels (True), or each dimension alone (False: every
        group is one dimension, so the rules above for groups of one numeric
        dimension apply everywhere). In a group of 8 or more numeric dimensions the
        candidates take each coordinate from a kernel of its own, and the product
        kernels score them.
    bad_window: the bad density is fitted to the most recent `bad_window` bad trials of
        each group (None: all of them). Fitting and scoring cost grows with the number of
        kernels; past a couple of hundred, the old bad trials, spread where the search no
        longer draws candidates, barely move the density ratio (as hyperopt's linear
        forgetting assumes), so a long run keeps the speed of a short one. A group of
        choices only keeps every bad trial: its kernels merge into one per combination
        of options, so they cost no more, and a bandit's choice (n_arms) was measurably
        worse when it forgot its bad arms.
    bandwidth and multivariate default to None: "neighbor" and True with one
    objective; with several (MOTPE) "scott" and False, the settings MOTPE was measured
    with (`resolved`).
    """

    n_startup_jobs: int = 10
    startup: str = "random"
    n_ei_candidates: int = 24
    gamma: float | Callable[[int], int] = default_gamma
    prior_weight: float = 1.0
    bandwidth: str | None = None
    multivariate: bool | None = None
    bad_window: int | None = 200

    def __post_init__(self) -> None:
        if self.n_startup_jobs < 0:
            raise ValueError("n_startup_jobs must be >= 0")
        if self.startup not in STARTUPS:
            raise ValueError(f"startup must be one of {STARTUPS}")
        if self.n_ei_candidates < 1:
            raise ValueError("n_ei_candidates must be >= 1")
        if not callable(self.gamma) and not 0.0 < self.gamma <= 1.0:
            raise ValueError("gamma must be a fraction in (0, 1] or a function of n")
        if not self.prior_weight > 0.0:
            raise ValueError("prior_weight must be > 0")
        if self.bad_window is not None and (
                isinstance(self.bad_window, bool) or not isinstance(self.bad_window, int)
                or self.bad_window < 1):
            raise ValueError(f"bad_window must be an integer >= 1 or None, not "
                             f"{self.bad_window!r}")
        if self.bandwidth is not None and self.bandwidth not in BANDWIDTHS:
            raise ValueError(f"bandwidth must be one of {BANDWIDTHS}")

    def resolved(self, objectives: int) -> Settings:
        """These settings with the defaults left open (None) chosen for a study with
        this many objectives."""
        several = objectives > 1
        return replace(
            self, bandwidth=self.bandwidth or ("scott" if several else "neighbor"),
            multivariate=(not several) if self.multivariate is None else self.multivariate)

    def n_good(self, n: int) -> int:
        """The number of good trials among `n` finished ones."""
        k = self.gamma(n) if callable(self.gamma) else math.ceil(self.gamma * n)
        return int(min(max(k, 0), n))
