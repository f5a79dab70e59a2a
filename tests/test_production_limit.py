"""NA64's 2016-2018 invisible limit as a historical comparison, and the annihilation window of the invisible yield.

The validation target of the invisible mode is NA64's 2016-2022 limit (tests/test_invisible_validation.py). The
2016-2018 curve (PRL 123 (2019) 121801) falls ~2.1x faster in yield between 1.1 MeV and 1 GeV than NA64's own
2016-2022 curve for the same detector, so no physics can match both shapes; these tests assert only that fact and
that semivis's mass dependence is the 2016-2022 one (docs/physics/production.md).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from semivis.testing import invisible_eps_limit, reference_eps

DATA = Path(__file__).parent / "data" / "reference"
NA64_2016_2018 = np.loadtxt(DATA / "na64_invisible_2016_2018_limit.lmt")
NA64_2016_2022 = np.loadtxt(DATA / "na64_invisible_2016_2022_limit.csv", delimiter=",")
EOT_2016_2018, EOT_2016_2022 = 2.84e11, 9.37e11
#: Masses [GeV] at which the two NA64 curves' shapes are compared: both ends of the common range, outside the
#: 2016-2022 annihilation window.
M_LOW, M_HIGH = 1.1e-3, 1.0


def _yield_2022_over_2018(m: np.ndarray) -> np.ndarray:
    """NA64's yield x efficiency per EOT behind the 2016-2022 curve over that behind the 2016-2018 one.

    A background-free limit has N_up = EOT eps^2 Y(m), so Y_2022/Y_2018 = EOT_2018 eps_2018^2/(EOT_2022 eps_2022^2).
    """
    e18, e22 = reference_eps(NA64_2016_2018, m), reference_eps(NA64_2016_2022, m)
    return np.asarray(EOT_2016_2018 * e18**2 / (EOT_2016_2022 * e22**2), dtype=np.float64)


def test_na64_curves_differ_in_shape_by_two() -> None:
    """The documented fact behind retiring the 2016-2018 target: relative to the 2016-2022 curve, NA64's 2016-2018
    yield falls 2.10x faster from 1.1 MeV to 1 GeV (measured on the two published curves; physics.md Sect. 9 quotes
    ~1.9x over 1-1000 MeV from a coarser reading)."""
    y = _yield_2022_over_2018(np.array([M_LOW, M_HIGH]))
    slope = float(y[1] / y[0])
    print(f"NA64 Y_2022/Y_2018: {y[0]:.3f} at 1.1 MeV, {y[1]:.3f} at 1 GeV: shape difference {slope:.2f}x")
    assert 1.9 < slope < 2.3


@pytest.mark.slow
def test_semivis_against_2016_2018_is_historical_only() -> None:
    """Report semivis / NA64 2016-2018 (card efficiency, first principles, brem only as PRL 123) at the curve's
    masses; assert only that semivis's yield slope relative to it is NA64's own 2016-2022 slope within 15 % (i.e.
    semivis has the mass dependence of NA64's current simulation, not that of the 2016-2018 curve)."""
    ms = np.geomspace(M_LOW, M_HIGH, 12)
    lim = invisible_eps_limit(ms, "na64-2016-2018", n_primaries=3000, seed=1)
    ratio = lim / reference_eps(NA64_2016_2018, ms)
    for m, r in zip(ms, ratio, strict=True):
        print(f"m_A' = {m:.4e} GeV  eps_semivis/eps_NA64(2016-2018) = {r:.3f}")  # report (pytest -s)
    semivis_slope = float((ratio[0] / ratio[-1]) ** 2)
    na64_slope = float(np.divide(*_yield_2022_over_2018(np.array([M_HIGH, M_LOW]))))
    print(f"yield slope vs 2016-2018, 1.1 MeV -> 1 GeV: semivis {semivis_slope:.2f}x, NA64 2016-2022 {na64_slope:.2f}x")
    assert abs(semivis_slope / na64_slope - 1.0) < 0.15


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
