"""Cross sections, thermal averages and thermodynamics of semivis.cosmo (fast checks)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import kn

from semivis.constants import alpha
from semivis.cosmo.boltzmann import DarkSectorPoint
from semivis.cosmo.rates import coscattering_rate, sigma_coannihilation, sigma_v_thermal
from semivis.cosmo.thermo import entropy_density, gstar_rho, gstar_s, hubble_rate, log_yield_eq
from semivis.models import IDM, chi1_chi2_open, make_model
from semivis.models.widths import Gamma_chi2_approx


def test_gstar_table_limits() -> None:
    # today's plasma (photons + 3 neutrinos at T_nu = (4/11)^(1/3) T): g_*s = 3.91, g_*rho = 3.36 (Kolb-Turner)
    assert float(gstar_s(1e-5)) == pytest.approx(3.91, rel=0.01)
    assert float(gstar_rho(1e-5)) == pytest.approx(3.36, rel=0.01)
    # before e+e- annihilation, after muons: 10.75
    assert float(gstar_rho(0.01)) == pytest.approx(10.75, rel=0.03)


def test_entropy_and_hubble_formulae() -> None:
    T = 0.01
    g = float(gstar_rho(T))
    assert float(hubble_rate(T)) == pytest.approx(1.66 * math.sqrt(g) * T**2 / 1.22089e19, rel=2e-3)
    assert float(entropy_density(T)) == pytest.approx(2 * math.pi**2 / 45 * float(gstar_s(T)) * T**3, rel=1e-12)


def test_equilibrium_yield_nonrelativistic_limit() -> None:
    # Y_eq -> 45 g/(4 pi^4 g_s) sqrt(pi/2) x^(3/2) e^-x (1 + 15/(8x)) for x >> 1
    x, g, gs = 30.0, 2.0, 10.75
    nr = 45 * g / (4 * math.pi**4 * gs) * math.sqrt(math.pi / 2) * x**1.5 * math.exp(-x) * (1 + 15 / (8 * x))
    assert math.exp(float(log_yield_eq(x, g, gs))) == pytest.approx(nr, rel=2e-3)
    assert np.isfinite(log_yield_eq(5000.0, g, gs))  # no underflow to -inf


def test_sigma_v_nonrelativistic_limit_dirac() -> None:
    # Dirac chi chibar -> e+e- (m_e -> 0): sigma v = 16 pi alpha alpha_D eps^2 m^2 / (4 m^2 - M^2)^2
    m, M, eps, aD = 0.01, 0.03, 1e-3, 0.1
    sv = sigma_v_thermal(np.array([1e4]), m, m, m, M, 1e-6, eps, aD)[0]
    assert sv == pytest.approx(16 * math.pi * alpha * aD * eps**2 * m**2 / (4 * m * m - M * M) ** 2, rel=5e-3)


def test_sigma_v_unequal_masses_against_direct_quadrature() -> None:
    m1, m2, M, G, eps, aD = 0.1, 0.14, 0.3, 3e-3, 1e-3, 0.1
    x = 15.0
    T = m1 / x

    def integrand(rs: float) -> float:
        s = rs * rs
        lam = (s - (m1 + m2) ** 2) * (s - (m1 - m2) ** 2)
        p2 = lam / (4 * s)
        sig = float(sigma_coannihilation(s, m1, m2, M, G, eps, aD))
        return float(sig * p2 * rs * kn(1, rs / T) * 2 * rs / (2 * m1**2 * m2**2 * T * kn(2, m1 / T) * kn(2, m2 / T)))

    ref, _ = quad(integrand, m1 + m2, m1 + m2 + 60 * T, points=[M], limit=400, epsrel=1e-10)
    assert sigma_v_thermal(np.array([x]), m1, m1, m2, M, G, eps, aD)[0] == pytest.approx(ref, rel=1e-4)


def test_sigma_v_scales_as_eps2_alphaD_away_from_resonance() -> None:
    x = np.array([20.0])
    base = sigma_v_thermal(x, 0.1, 0.1, 0.11, 0.3, 1e-3, 1e-3, 0.1)[0]
    assert sigma_v_thermal(x, 0.1, 0.1, 0.11, 0.3, 1e-3, 3e-3, 0.1)[0] == pytest.approx(9 * base, rel=1e-12)
    assert sigma_v_thermal(x, 0.1, 0.1, 0.11, 0.3, 1e-3, 1e-3, 0.3)[0] == pytest.approx(3 * base, rel=1e-12)


def test_coscattering_rate_scales_and_is_boltzmann_suppressed() -> None:
    x = np.array([20.0, 2000.0])
    r = coscattering_rate(x, 0.01, 0.01, 0.011, 0.03, 1e-3, 0.1)
    assert np.all(r >= 0)
    assert r[0] > 0
    assert coscattering_rate(x, 0.01, 0.01, 0.011, 0.03, 2e-3, 0.1)[0] == pytest.approx(4 * r[0], rel=1e-12)
    assert r[1] < 1e-20 * r[0]  # electrons gone at T = 5 keV


@pytest.mark.parametrize(
    ("kind", "theta"),
    [("idm", None), ("i2dm", 0.3), ("i2dm", 1.2)],
)
@pytest.mark.parametrize(
    ("m1", "delta", "ratio"), [(0.02, 0.1, 3.0), (0.1, 0.4, 3.0), (0.5, 0.05, 5.0), (2.0, 1.0, 3.5)]
)
def test_relic_point_widths_are_the_models(
    kind: str, theta: float | None, m1: float, delta: float, ratio: float
) -> None:
    """One dark-sector model: the relic solver's A' and chi2 widths are semivis.models' (to rounding: the total A'
    width is summed in the order the relic results were validated with; the chi2 width is the models' own)."""
    eps, alpha_D = 3e-4, 0.2
    p = DarkSectorPoint(kind, m1=m1, m2=m1 * (1 + delta), m_Ap=ratio * m1, eps=eps, alpha_D=alpha_D, theta=theta or 0.0)  # type: ignore[arg-type]
    m = make_model(kind, m_Ap=ratio * m1, eps=eps, alpha_D=alpha_D, m_chi1=m1, delta=p.delta, theta=theta)
    assert p.Gamma_Ap() == pytest.approx(float(m.Gamma_Ap()), rel=1e-14)
    assert p.Gamma_chi2() == pytest.approx(float(m.Gamma_chi2()), rel=1e-14)
    assert p.Gamma_chi2() > 0


def test_relic_chi2_width_beyond_the_models_range() -> None:
    """eps >= 1 (reached by coupling scans): exactly eps^2 scaling; A' -> chi1 chi2 closed (the models refuse the
    point): the small-splitting width of semivis.models, times s^2 c^2 for i2DM; below 2 m_e: stable."""
    kw = {"m1": 0.1, "m2": 0.14, "alpha_D": 0.1}
    big = DarkSectorPoint("idm", m_Ap=0.3, eps=2.0, **kw).Gamma_chi2()
    assert big == pytest.approx(float(IDM(0.3, 1e-3, 0.1, m_chi1=0.1, delta=0.4).Gamma_chi2()) * 2e3**2, rel=1e-14)
    assert not bool(chi1_chi2_open(0.22, 0.1, 0.4))
    approx = float(Gamma_chi2_approx(0.1, 0.4, 0.22, 1e-3, 0.1))
    assert DarkSectorPoint("idm", m_Ap=0.22, eps=1e-3, **kw).Gamma_chi2() == pytest.approx(approx, rel=1e-14)
    th = 0.3
    i2 = DarkSectorPoint("i2dm", m_Ap=0.22, eps=1e-3, theta=th, **kw).Gamma_chi2()
    assert i2 == pytest.approx(approx * (math.sin(th) * math.cos(th)) ** 2, rel=1e-14)
    assert DarkSectorPoint("idm", m1=0.1, m2=0.1005, m_Ap=0.3, eps=1e-3, alpha_D=0.1).Gamma_chi2() == 0.0
