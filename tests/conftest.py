"""Shared test fixtures: the fixture directory and a seeded random generator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    """`tests/fixtures`."""
    return FIXTURES


@pytest.fixture
def rng() -> np.random.Generator:
    """A generator with a fixed seed, so that statistical checks are reproducible."""
    return np.random.default_rng(12345)
