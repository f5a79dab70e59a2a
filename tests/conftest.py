"""Shared test fixtures, and a hermetic sample cache for the whole test session.

The test suite never reads or writes the user's semivis cache: a stale or corrupted user cache must not change a
test result, and tests must not fill it. :func:`pytest_configure` points ``SEMIVIS_CACHE_DIR`` (and
``XDG_CACHE_HOME``, the platform default's base on Linux, for tests that unset the former) at a fresh temporary
directory before anything is collected. It is set in ``os.environ``, so doctests of ``src/`` and subprocesses
spawned by tests (CLI runs, process pools) inherit it. Pytest loads this file at start-up because ``tests`` is one
of the configured ``testpaths``.
"""

from __future__ import annotations

import math
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

# `pytest --hypothesis-profile=long` (nox -s tests_all): the property-based tests with many more examples
settings.register_profile("long", max_examples=2000, deadline=None)

REFERENCE_DIR = Path(__file__).parent / "data" / "reference"

_HERMETIC_ENV = ("SEMIVIS_CACHE_DIR", "XDG_CACHE_HOME")
_saved_env: dict[str, str | None] = {}
_session_root: list[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    """Give this test session its own empty cache directories (removed again at the end)."""
    root = Path(tempfile.mkdtemp(prefix="semivis-test-cache-"))
    _session_root.append(root)
    for name, sub in zip(_HERMETIC_ENV, ("semivis", "xdg"), strict=True):
        _saved_env[name] = os.environ.get(name)
        os.environ[name] = str(root / sub)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Restore the caller's environment and delete the session's cache."""
    for name, value in _saved_env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    for root in _session_root:
        shutil.rmtree(root, ignore_errors=True)
    _session_root.clear()


@pytest.fixture(scope="session")
def session_cache_root() -> Path:
    """The temporary directory holding this session's sample cache (``$SEMIVIS_CACHE_DIR``) and XDG cache."""
    return _session_root[0]


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Published data to validate against (provenance in tests/data/reference/SOURCES.md)."""
    return REFERENCE_DIR


#: one row of a beam-dump validation table: (m_A', lower, upper, published lower, published upper)
EdgeRow = tuple[float, float, float, float, float]


@pytest.fixture(scope="session")
def darkcast_edges() -> Callable[[str, float], tuple[float, float]]:
    """(lower, upper) eps of a DARKCAST ``.lmt`` curve of tests/data/reference/darkcast at m_A' [GeV], interpolated
    linearly in (ln m, ln eps) (provenance in that folder's SOURCES.md)."""

    def edges(curve: str, m: float) -> tuple[float, float]:
        d = np.loadtxt(REFERENCE_DIR / "darkcast" / curve)
        lo = math.exp(float(np.interp(math.log(m), np.log(d[:, 0]), np.log(d[:, 1]))))
        hi = math.exp(float(np.interp(math.log(m), np.log(d[:, 0]), np.log(d[:, 2]))))
        return lo, hi

    return edges


@pytest.fixture(scope="session")
def dump_edges_table(
    darkcast_edges: Callable[[str, float], tuple[float, float]],
) -> Callable[[Mapping[str, str], Mapping[str, Sequence[float]]], dict[str, list[EdgeRow]]]:
    """Computed visible-dark-photon edges of beam-dump cards beside the published ones: ``table(curves, masses)``
    gives, per card name, one :data:`EdgeRow` per mass (the cards' own statistics and seeds)."""
    from semivis.beamdump import load_dump, visible_edges  # noqa: PLC0415

    def table(curves: Mapping[str, str], masses: Mapping[str, Sequence[float]]) -> dict[str, list[EdgeRow]]:
        out: dict[str, list[EdgeRow]] = {}
        for name, ms in masses.items():
            card = load_dump(name)
            rows = []
            for m in ms:
                e = visible_edges(card, m)
                assert e.lower is not None, (name, m)
                assert e.upper is not None, (name, m)
                rows.append((m, e.lower, e.upper, *darkcast_edges(curves[name], m)))
            out[name] = rows
        return out

    return table
