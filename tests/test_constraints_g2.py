"""(g-2) of muon and electron from a dark photon: analytic limits, bands, electron bound."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semivis.constants import alpha, m_e, m_mu
from semivis.constraints import G2_BANDS, delta_a_e, delta_a_mu, eps_electron_g2_max, g2_band, g2_eps
from semivis.constraints.g2 import g2_m_Ap_max
from semivis.errors import ParameterError


@pytest.mark.parametrize(("m_l", "fn"), [(m_mu, delta_a_mu), (m_e, delta_a_e)])
def test_light_and_heavy_limits(m_l: float, fn: object) -> None:
    f = fn  # type: ignore[assignment]
    eps = 1e-3
    light = f(1e-5 * m_l, eps)
    assert float(light) == pytest.approx(alpha * eps**2 / (2 * math.pi), rel=1e-4)
    heavy_m = 1e3 * m_l
    heavy = f(heavy_m, eps)
    assert float(heavy) == pytest.approx(alpha * eps**2 * m_l**2 / (3 * math.pi * heavy_m**2), rel=1e-4)


def test_contribution_positive_monotone_and_eps2() -> None:
    m = np.geomspace(1e-3, 10.0, 50)
    a = delta_a_mu(m, 1e-3)
    assert np.all(a > 0)
    assert np.all(np.diff(a) < 0)
    assert np.allclose(delta_a_mu(m, 2e-3), 4 * a, rtol=1e-13)


def test_fnal2021_band_matches_known_numbers() -> None:
    # eps^2 = Delta a / Delta a(eps=1); at m_A' = 0.1 GeV the central value is ~3e-3 (the familiar band)
    out = g2_eps(0.1, g2_band("fnal2021"))
    unit = float(delta_a_mu(0.1, 1.0))
    assert float(out["eps_central"]) == pytest.approx(math.sqrt(251e-11 / unit), rel=1e-12)
    assert float(out["eps_low"]) == pytest.approx(math.sqrt((251e-11 - 118e-11) / unit), rel=1e-12)
    assert float(out["eps_high"]) == pytest.approx(math.sqrt((251e-11 + 118e-11) / unit), rel=1e-12)
    assert 2.5e-3 < float(out["eps_central"]) < 3.5e-3


def test_wp2025_is_an_upper_limit() -> None:
    out = g2_eps([0.1, 1.0], G2_BANDS["wp2025"])
    assert set(out) == {"eps_max"}
    unit = delta_a_mu([0.1, 1.0], 1.0)
    assert np.allclose(out["eps_max"], np.sqrt((38e-11 + 126e-11) / unit))


def test_custom_band_and_bad_input() -> None:
    b = g2_band(central=2e-9, sigma=3e-10)
    assert set(g2_eps(0.2, b, nsigma=1.0)) == {"eps_central", "eps_low", "eps_high"}
    assert set(g2_eps(0.2, g2_band(central=1e-10, sigma=3e-10))) == {"eps_max"}  # band reaches zero
    with pytest.raises(ParameterError, match="band"):
        g2_band("nope")
    with pytest.raises(ParameterError, match="sigma_amu"):
        g2_band(central=1e-9, sigma=-1.0)


def test_electron_bound_depends_on_alpha_input() -> None:
    rb = float(eps_electron_g2_max(0.01, "rb2020"))
    cs = float(eps_electron_g2_max(0.01, "cs2018"))
    unit = float(delta_a_e(0.01, 1.0))
    assert rb == pytest.approx(math.sqrt((48e-14 + 60e-14) / unit), rel=1e-12)
    assert cs == pytest.approx(math.sqrt(72e-14 / unit), rel=1e-12)
    with pytest.raises(ParameterError, match="alpha_input"):
        eps_electron_g2_max(0.01, "h2o")


def test_g2_m_Ap_max_is_where_the_largest_eps_reaches_one() -> None:
    """eps_high(m_max) = 1 exactly, and m_max follows the heavy-A' limit Delta a(eps=1) = alpha m_mu^2/(3 pi m^2)
    (Pospelov 2009) to O(m_mu^2/m^2 ln) ~ 1e-4 at ~48 GeV."""
    band = g2_band("fnal2021")
    m_max = g2_m_Ap_max(band, 2.0)
    assert float(g2_eps(m_max, band, 2.0)["eps_high"]) == pytest.approx(1.0, rel=1e-9)
    heavy = m_mu * math.sqrt(alpha / (3 * math.pi * (band.central + 2 * band.sigma)))
    assert m_max == pytest.approx(heavy, rel=1e-2)
    assert g2_m_Ap_max(g2_band("wp2025"), 2.0) > m_max  # a smaller band reaches eps = 1 later
