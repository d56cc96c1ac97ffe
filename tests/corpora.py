"""Where the files that tests walk live, anchored at the repository root.

Each corpus states how many files it held when its tests were written. Finding
fewer (a test run from another directory, a moved folder, deleted files) fails at
collection instead of letting parametrized tests pass over nothing; adding files
needs no change here.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "examples"
FIXTURES_DIR = ROOT / "tests" / "fixtures"
SNAPSHOTS_DIR = ROOT / "tests" / "snapshots"


def corpus(folder: Path, pattern: str, at_least: int) -> list[Path]:
    """The files under `folder` matching `pattern`, sorted; at least `at_least` of them."""
    files = sorted(folder.glob(pattern))
    if len(files) < at_least:
        raise AssertionError(f"found {len(files)} files {pattern} in {folder}, expected at "
                             f"least {at_least}")
    return files


EXAMPLES = corpus(EXAMPLES_DIR, "*.hps", 4)  # the top-level examples
ALL_EXAMPLES = corpus(EXAMPLES_DIR, "**/*.hps", 5)  # and the files they include
FIXTURES = corpus(FIXTURES_DIR, "**/*.hps", 70)  # every fixture, broken ones included
LINT_FIXTURES = corpus(FIXTURES_DIR / "lint", "*.hps", 56)
REGRESSIONS = corpus(FIXTURES_DIR / "regressions", "*.hps", 7)  # inputs that once failed
