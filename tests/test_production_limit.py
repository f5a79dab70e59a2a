"""Invisible-mode validation: NA64 2016-2018 90 % CL limit (brem only) and the annihilation window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from semivis.testing import NA64_INVISIBLE_EFFICIENCY, invisible_eps_limit

REF = Path(__file__).parent / "data" / "reference" / "na64_invisible_2016_2018_limit.lmt"


@pytest.fixture(scope="module")
def residuals() -> np.ndarray:
    ref = np.loadtxt(REF)
    sel = (ref[:, 0] >= 1e-3 - 1e-12) & (ref[:, 0] <= 1.0)
    ms, eps_ref = ref[sel, 0], ref[sel, 1]
    lim = invisible_eps_limit(ms, "na64-2016-2018", efficiency=NA64_INVISIBLE_EFFICIENCY, n_primaries=3000, seed=1)
    res = lim / eps_ref - 1.0
    for m, r in zip(ms, res, strict=True):
        print(f"m_A' = {m:.4e} GeV  eps/eps_NA64 - 1 = {r:+.3f}")  # report (pytest -s)
    return np.asarray(np.c_[ms, res], dtype=np.float64)


@pytest.mark.slow
def test_na64_invisible_limit_within_30_percent(residuals: np.ndarray) -> None:
    """Achieved agreement with the exact-tree-level cross section (no calibration) and one global efficiency (0.5):
    every mass 1 MeV - 1 GeV within 30 % in eps (measured: +28 % at 1.6 MeV, -25 % at 0.84 GeV; 0 near 65 MeV)."""
    assert np.all(np.abs(residuals[:, 1]) < 0.30), residuals[np.abs(residuals[:, 1]) >= 0.30]


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="The yield's mass dependence differs from NA64's by ~2.9x in yield between 1.6 MeV and 0.84 GeV, also with "
    "the exact-tree-level cross section and x-shape; with one global efficiency the residual reaches +28 % (1.6 MeV) "
    "and -25 % (0.84 GeV); the best single efficiency gives +-26 %. See docs/physics/production.md.",
)
def test_na64_invisible_limit_within_20_percent(residuals: np.ndarray) -> None:
    assert np.all(np.abs(residuals[:, 1]) < 0.20)


@pytest.mark.slow
def test_annihilation_improves_only_in_window() -> None:
    """Resonant annihilation helps only where E_res = m^2/(2 m_e) lies between E_min = 50 GeV and E0 = 100 GeV
    (0.226 - 0.320 GeV, arXiv:2108.04195), strongly there, and changes nothing elsewhere."""
    ms = np.array([0.15, 0.21, 0.24, 0.27, 0.30, 0.335, 0.5])
    brem = invisible_eps_limit(ms, n_primaries=3000, processes=("brem",))
    both = invisible_eps_limit(ms, n_primaries=3000, processes=("brem", "annihilation"))
    ratio = both / brem
    inside = (ms > 0.22) & (ms < 0.33)
    assert np.all(ratio[inside] < 0.7), ratio
    assert np.all(np.abs(ratio[~inside] - 1) < 0.01), ratio
    assert ratio[2] < 0.35  # a factor > 3 in eps at 240 MeV
