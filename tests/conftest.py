"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REFERENCE_DIR = Path(__file__).parent / "data" / "reference"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Published data to validate against (provenance in tests/data/reference/SOURCES.md)."""
    return REFERENCE_DIR
