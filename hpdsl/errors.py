"""The exceptions hpdsl raises. All derive from `HpsError`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .diagnostics import Diagnostic, render_concise


class HpsError(Exception):
    """Root of hpdsl's exceptions."""


class SpaceError(HpsError, ValueError):
    """A space file has errors; `diagnostics` holds every one of them."""

    def __init__(self, diagnostics: Sequence[Diagnostic],
                 sources: Mapping[str, str] | None = None) -> None:
        self.diagnostics = list(diagnostics)
        self.sources = dict(sources or {})
        errors = [d for d in self.diagnostics if d.is_error] or self.diagnostics
        first = render_concise(errors[0]) if errors else "invalid space"
        more = len(errors) - 1
        super().__init__(first + (f" (and {more} more)" if more > 0 else ""))


class ConfigurationError(HpsError, ValueError):
    """A configuration or argument given to the API is not valid for the space."""


class SamplingError(HpsError, RuntimeError):
    """The sampler could not produce enough configurations that pass the constraints."""


class SearchExhausted(HpsError):
    """A search algorithm has nothing new to propose (every grid point was tried)."""


class AllTrialsFailed(HpsError, RuntimeError):
    """No trial finished with a loss, so there is no best configuration to return."""


class TrialPruned(HpsError):
    """Raised by an objective to stop its trial early (typically when
    `trial.should_prune()` says so): the trial is recorded as PRUNED, with its last
    reported value as its loss. Raised with no pruner configured, it prunes all the same."""
