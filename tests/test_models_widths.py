"""Physics of the model widths: K factor, analytic limits, scalings, i2DM structure (physics.md 2.1-2.2)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import quad

from semivis.constants import alpha, hbar_c_GeV_m, m_e, m_mu
from semivis.models import I2DM, IDM, InvisibleDarkPhoton
from semivis.models.widths import (
    Gamma_chi2_approx,
    Gamma_chi2_to_chi1_ll,
    Gamma_V_to_fermion_pair,
    dGamma_chi2_dq2,
)


def _quad_width(m1: float, delta: float, M: float, ml: float, gamma: float = 0.0) -> float:
    """Reference: adaptive quadrature of the physics.md 2.1 integrand, eps = alpha_D = 1."""
    d = delta * m1
    lo, hi = 4 * ml * ml, d * d
    pts = [lo + (hi - lo) * x for x in (1e-6, 1e-4, 1e-2)]
    val, _ = quad(
        lambda q2: float(dGamma_chi2_dq2(q2, m1, delta, M, ml, 1.0, 1.0, gamma)),
        lo,
        hi,
        epsrel=1e-11,
        epsabs=0.0,
        limit=400,
        points=pts,
    )
    return float(val)


# ------------------------------------------------------------------------------------------------ K factor
@pytest.mark.parametrize("m_Ap", np.geomspace(0.1, 1.0, 7))
def test_k_factor_2021_benchmark(m_Ap: float) -> None:
    """NA64 2021 Eq. 2: K = 0.640 +- 0.004 at delta = 0.4, R = 3 (MadGraph/CalcHEP); we require +-0.02."""
    k = float(IDM(m_Ap, 1e-4, 0.1, ratio=3.0, delta=0.4).k_factor())
    assert k == pytest.approx(0.640, abs=0.02)


def test_k_factor_weak_mass_dependence() -> None:
    k = IDM(np.geomspace(0.1, 1.0, 10), 1e-4, 0.1, ratio=3.0, delta=0.4).k_factor()
    assert np.ptp(k) < 0.015  # 0.630 .. 0.643: "slight dependence on m_A'"


def test_k_factor_independent_points_of_physics_md() -> None:
    """physics.md 2.1: ~0.84 at delta = 0.1 (m_chi1 = 100 MeV, R = 3), ~0.51 at m_chi1 = 10 MeV, delta = 0.4."""
    assert float(IDM(0.3, 1e-4, 0.1, m_chi1=0.1, delta=0.1).k_factor()) == pytest.approx(0.84, abs=0.01)
    assert float(IDM(0.03, 1e-4, 0.1, m_chi1=0.01, delta=0.4).k_factor()) == pytest.approx(0.51, abs=0.01)


def test_k_factor_leading_mass_ratio() -> None:
    """Massless leptons, heavy A': K -> (S/(2 m2))^3 x (q2 corrections); for delta = 0.4 the cube is 0.6297."""
    k = float(Gamma_chi2_to_chi1_ll(1.0, 0.4, 1e4, 0.0, 1.0, 1.0) / Gamma_chi2_approx(1.0, 0.4, 1e4, 1.0, 1.0))
    assert (2.4 / 2.8) ** 3 < k < 0.66


@pytest.mark.parametrize("delta", [1e-2, 1e-3, 1e-4, 1e-5])
def test_k_tends_to_one_small_splitting_massless_heavy_Ap(delta: float) -> None:
    k = Gamma_chi2_to_chi1_ll(1.0, delta, 1e4, 0.0, 1.0, 1.0) / Gamma_chi2_approx(1.0, delta, 1e4, 1.0, 1.0)
    assert float(k) == pytest.approx(1.0 - 1.5 * delta, abs=3 * delta**2 + 1e-12)


def test_k_tends_to_one_in_model_with_electrons() -> None:
    # dm = 30 MeV >> 2 m_e, delta = 1e-3, m_A' = 100 GeV >> dm
    assert float(IDM(100.0, 1e-4, 0.1, m_chi1=30.0, delta=1e-3).k_factor()) == pytest.approx(1.0, abs=0.01)


# --------------------------------------------------------------------------------------- the exact chi2 width
@pytest.mark.parametrize(
    ("m1", "delta", "R", "ml"),
    [
        (0.1, 0.4, 3.0, m_e),
        (0.01, 0.4, 3.0, m_e),
        (0.0027, 0.4, 3.0, m_e),  # dm = 1.08 MeV, just above threshold
        (0.1, 0.1, 3.0, m_e),
        (1.0, 0.4, 3.0, m_mu),
        (1.0, 0.01, 2.5, m_e),
        (5.0, 0.9, 4.0, m_mu),
        (0.3, 1e-3, 3.0, m_e),
    ],
)
def test_chi2_width_quadrature_matches_adaptive_reference(m1: float, delta: float, R: float, ml: float) -> None:
    gl = float(Gamma_chi2_to_chi1_ll(m1, delta, R * m1, ml, 1.0, 1.0))
    gl_hi = float(Gamma_chi2_to_chi1_ll(m1, delta, R * m1, ml, 1.0, 1.0, n_nodes=192))
    ref = _quad_width(m1, delta, R * m1, ml)
    assert gl == pytest.approx(ref, rel=1e-5)
    assert gl == pytest.approx(gl_hi, rel=1e-5)  # convergence in the quadrature order


def test_chi2_width_with_propagator_width_matches_reference() -> None:
    ref = _quad_width(0.1, 0.4, 0.3, m_e, gamma=0.05)
    assert float(Gamma_chi2_to_chi1_ll(0.1, 0.4, 0.3, m_e, 1.0, 1.0, 0.05)) == pytest.approx(ref, rel=1e-6)


def test_chi2_width_is_zero_below_threshold_and_stable() -> None:
    m = IDM(0.03, 1e-4, 0.1, m_chi1=0.01, delta=0.1)  # dm = 1 MeV < 2 m_e
    assert float(m.Gamma_chi2()) == 0.0
    assert bool(m.chi2_stable())
    assert math.isinf(float(m.ctau_chi2_m()))
    assert float(m.k_factor()) == 0.0
    assert float(m.Gamma_chi2_approx()) > 0.0


def test_muon_channel_opens_above_two_muon_masses() -> None:
    m = IDM(np.array([1.5, 2.0]), 1e-3, 0.1, ratio=3.0, delta=0.4)  # dm = 0.2, 0.267 GeV
    ch = m.Gamma_chi2_channels()
    assert ch["mu+mu-"][0] == 0.0
    assert 0.0 < ch["mu+mu-"][1] < ch["e+e-"][1]
    np.testing.assert_allclose(m.Gamma_chi2(), ch["e+e-"] + ch["mu+mu-"], rtol=1e-15)


def test_tiny_splitting_is_numerically_stable() -> None:
    """delta ~ 1e-4..1e-3 with heavy chi: no cancellation (smooth in delta, exact delta^5 scaling as K -> 1)."""
    deltas = np.array([1e-4, 2e-4, 4e-4])
    g = Gamma_chi2_to_chi1_ll(100.0, deltas, 1000.0, 0.0, 1.0, 1.0)
    ratio = g[1:] / g[:-1]
    np.testing.assert_allclose(ratio, 32.0 * (1 - 1.5 * deltas[1:]) / (1 - 1.5 * deltas[:-1]), rtol=1e-6)


def test_ctau_is_hbar_c_over_gamma() -> None:
    m = IDM(0.5, 1e-3, 0.1, ratio=3.0, delta=0.4)
    assert float(m.ctau_chi2_m()) == pytest.approx(hbar_c_GeV_m / float(m.Gamma_chi2()), rel=1e-14)


# ------------------------------------------------------------------------------------------ A' widths
def test_idm_chi1chi2_tends_to_dirac_width() -> None:
    M, m = 0.3, 0.1
    dirac = alpha * 0 + 0.1 * M / 3 * (1 + 2 * m**2 / M**2) * math.sqrt(1 - 4 * m**2 / M**2)
    for delta, tol in [(1e-3, 2e-3), (1e-5, 2e-5), (1e-8, 1e-7)]:
        w = float(IDM(M, 1e-3, 0.1, m_chi1=m, delta=delta).partial_widths()["chi1chi2"])
        assert w == pytest.approx(dirac, rel=tol)
    w0 = float(IDM(M, 1e-3, 0.1, m_chi1=m, delta=0.0).partial_widths()["chi1chi2"])
    assert w0 == pytest.approx(dirac, rel=1e-14)


def test_visible_widths_textbook() -> None:
    m = IDM(0.5, 1e-3, 0.1, ratio=3.0, delta=0.4)
    w = m.partial_widths()
    r = m_mu**2 / 0.25
    assert float(w["mu+mu-"]) == pytest.approx(alpha * 1e-6 * 0.5 / 3 * (1 + 2 * r) * math.sqrt(1 - 4 * r), rel=1e-12)
    assert float(w["e+e-"]) == pytest.approx(alpha * 1e-6 * 0.5 / 3, rel=1e-5)


def test_width_scalings_eps2_and_alphaD() -> None:
    m = IDM(0.4, 1e-3, 0.1, ratio=3.0, delta=0.4)
    m2 = m.with_couplings(eps=3e-3, alpha_D=0.2)
    w, w2 = m.partial_widths(), m2.partial_widths()
    for ch in ("e+e-", "mu+mu-", "hadrons"):
        assert float(w2[ch] / w[ch]) == pytest.approx(9.0, rel=1e-13)
    assert float(w2["chi1chi2"] / w["chi1chi2"]) == pytest.approx(2.0, rel=1e-13)
    # chi2 width ~ eps^2 alpha_D: the A' width at virtuality q2 < (m1 + m2)^2 has no dark part (running width)
    assert float(m2.Gamma_chi2() / m.Gamma_chi2()) == pytest.approx(18.0, rel=1e-9)
    assert float(m2.Gamma_chi2_approx() / m.Gamma_chi2_approx()) == pytest.approx(18.0, rel=1e-13)


def test_i2dm_channel_structure() -> None:
    M, m1, delta = 0.9, 0.2, 0.1
    for theta in (0.1, 0.5, 1.2):
        w = I2DM(M, 1e-3, 0.1, m_chi1=m1, delta=delta, theta=theta).partial_widths()
        s, c = math.sin(theta), math.cos(theta)
        m2 = m1 * (1 + delta)
        kin = {
            "chi1chi1": Gamma_V_to_fermion_pair(M, m1, m1, 0.1),
            "chi1chi2": Gamma_V_to_fermion_pair(M, m1, m2, 0.1),
            "chi2chi2": Gamma_V_to_fermion_pair(M, m2, m2, 0.1),
        }
        mix = {"chi1chi1": s**4, "chi1chi2": 2 * s**2 * c**2, "chi2chi2": c**4}
        for ch, width in kin.items():
            assert float(w[ch]) == pytest.approx(float(width) * mix[ch], rel=1e-13)


def test_i2dm_chi2_width_is_idm_times_s2c2() -> None:
    theta = np.array([0.05, 0.3, 0.785, 1.4])
    i2 = I2DM(0.3, 1e-3, 0.1, ratio=3.0, delta=0.4, theta=theta)
    idm = IDM(0.3, 1e-3, 0.1, ratio=3.0, delta=0.4)
    s2c2 = (np.sin(theta) * np.cos(theta)) ** 2
    np.testing.assert_allclose(i2.Gamma_chi2(), idm.Gamma_chi2() * s2c2, rtol=1e-12)
    np.testing.assert_allclose(i2.Gamma_chi2_approx(), idm.Gamma_chi2_approx() * s2c2, rtol=1e-13)
    np.testing.assert_allclose(i2.k_factor(), idm.k_factor(), rtol=1e-12)


def test_i2dm_theta_zero_chi2_stable() -> None:
    m = I2DM(0.3, 1e-3, 0.1, ratio=3.0, delta=0.4, theta=0.0)
    assert bool(m.chi2_stable())
    assert float(m.partial_widths()["chi1chi1"]) == 0.0


def test_invisible_model() -> None:
    m = InvisibleDarkPhoton(0.1, 1e-4, 0.5, m_chi=0.02)
    w = m.partial_widths()
    assert set(w) == {"e+e-", "mu+mu-", "hadrons", "chi1chi1"}
    assert float(w["chi1chi1"]) == pytest.approx(0.5 * 0.1 / 3 * (1 + 2 * 0.04) * math.sqrt(1 - 4 * 0.04), rel=1e-12)
    assert float(m.Gamma_chi2()) == 0.0
    assert bool(m.chi2_stable())
    assert math.isinf(float(m.ctau_chi2_m()))


def test_branching_ratios_sum_to_one_and_dark_dominates() -> None:
    m = I2DM(np.geomspace(0.01, 2, 30), 1e-3, 0.1, ratio=3.0, delta=0.1, theta=0.3)
    br = m.branching_ratios()
    np.testing.assert_allclose(sum(br.values()), 1.0, rtol=1e-13)
    assert np.all(m.BR_dark() > 0.999)
