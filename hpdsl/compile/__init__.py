"""Analysis to a compiled `Space`: vectorized evaluation, semantic checks, encoding.

The surface for code outside this package: `Space` (what users hold), its coordinate
view `Coordinates` (`space.coords`: what search algorithms and converters use),
`Dimension`, `Batch`, `sample_prior` and `decimals_of`. The program behind them is
private."""

from __future__ import annotations

from ..analysis import ir
from ..diagnostics import Diagnostic
from ._checks import check
from ._coords import Choose, Coordinates
from ._dims import Dimension, decimals_of, sample_prior
from ._program import Batch, Program
from ._space import Parameter, Space

__all__ = ["Batch", "Choose", "Coordinates", "Dimension", "Parameter", "Space", "compile_space",
           "decimals_of", "sample_prior"]


def compile_space(analysis: ir.Analysis, source: str = "",
                  run_checks: bool = True) -> tuple[Space, list[Diagnostic]]:
    """Compile an analysis; returns the space and the semantic diagnostics found."""
    program = Program(analysis)
    diags = check(program) if run_checks else []
    return Space(program, source, analysis.path, [d for d in diags if not d.is_error]), diags
