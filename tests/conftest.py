"""Shared test fixtures: paths anchored at the repository root, a seeded generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from corpora import EXAMPLES_DIR, FIXTURES_DIR


@pytest.fixture
def examples_dir() -> Path:
    """`examples/`."""
    return EXAMPLES_DIR


@pytest.fixture
def fixtures_dir() -> Path:
    """`tests/fixtures`."""
    return FIXTURES_DIR


@pytest.fixture
def rng() -> np.random.Generator:
    """A generator with a fixed seed, so that statistical checks are reproducible."""
    return np.random.default_rng(12345)
