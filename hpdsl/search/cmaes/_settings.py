"""CMA-ES settings in one frozen, typed record (hashable: the replay cache is keyed by it)."""

from __future__ import annotations

from dataclasses import dataclass

RESTARTS = ("ipop", "bipop", None)
STARTUPS = ("random", "sobol")
FALLBACKS = ("tpe", "random")


@dataclass(frozen=True)
class Settings:
    """How CMA-ES starts, restarts and fills in what it does not search.

    sigma0: the initial step size, as a fraction of each parameter's range (its
        coordinate range: log units for log parameters; 4 sigma for normal priors).
    popsize: trials per generation; None: 4 + floor(3 ln k) for k searched parameters.
    restart: "ipop" (a run that stops, by the cmaes package's criteria, is followed by
        one with `inc_popsize` times the population from a random mean), "bipop"
        (alternates those with short runs of small populations and steps, giving each
        regime the same budget) or None (one run; a stopped run starts again alike).
    n_startup_trials: trials drawn by `startup` ("random" prior draws or "sobol", the
        `hpdsl.qmc` sequence) before the first generation; with earlier trials, those
        trials warm-start CMA-ES (see `_replay.initial`).
    warm_start: start from the trials before the first generation (the best one, or,
        with 10 or more, the distribution of the best tenth) rather than the centre.
    with_margin: integer parameters by CMA-ES with margin (`cmaes.CMAwM`), which keeps
        a floor on the probability of leaving the current integer; else rounding.
    fallback: what draws the parameters CMA-ES does not search (choices, conditional
        parameters): "tpe" (univariate TPE on the same history) or "random" (the prior).
    """

    sigma0: float = 0.2
    popsize: int | None = None
    restart: str | None = "ipop"
    inc_popsize: int = 2
    n_startup_trials: int = 0
    startup: str = "random"
    warm_start: bool = True
    with_margin: bool = True
    fallback: str = "tpe"

    def __post_init__(self) -> None:
        if not 0.0 < self.sigma0 <= 1.0:
            raise ValueError("sigma0 must be a fraction in (0, 1]")
        if self.popsize is not None and self.popsize < 2:
            raise ValueError("popsize must be >= 2")
        if self.restart not in RESTARTS:
            raise ValueError(f"restart must be one of {RESTARTS}")
        if self.inc_popsize < 1:
            raise ValueError("inc_popsize must be >= 1")
        if self.n_startup_trials < 0:
            raise ValueError("n_startup_trials must be >= 0")
        if self.startup not in STARTUPS:
            raise ValueError(f"startup must be one of {STARTUPS}")
        if self.fallback not in FALLBACKS:
            raise ValueError(f"fallback must be one of {FALLBACKS}")
