"""chi e- -> chi e- by A' exchange (semivis.beamdump.scattering): kinematic endpoints, the elastic closed form,
the Rutherford limit, the upscattering threshold, the coupling factors, and the chi1 flux / signal sum."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy.integrate import quad

from semivis.beamdump import load_dump
from semivis.beamdump.scattering import (
    ChiFluxSample,
    chi_flux_sample,
    coupling_factor,
    dsigma_dER,
    dsigma_dER_elastic,
    recoil_range,
    scattering_n_signal,
    sigma_recoil,
    upscatter_threshold,
)
from semivis.constants import GeV2_to_cm2, alpha, m_e
from semivis.errors import ParameterError
from semivis.models import IDM


@pytest.mark.parametrize(("E", "m"), [(10.0, 0.01), (2.0, 0.1), (0.5, 0.3)])
def test_elastic_recoil_endpoint_is_the_textbook_one(E: float, m: float) -> None:
    """Elastic: E_R from 0 to 2 m_e p^2 / (m^2 + m_e^2 + 2 m_e E) (electron at rest)."""
    lo, hi = recoil_range(E, m, m)
    assert lo == pytest.approx(0.0, abs=1e-15)
    assert hi == pytest.approx(2.0 * m_e * (E * E - m * m) / (m * m + m_e * m_e + 2.0 * m_e * E), rel=1e-10)


@pytest.mark.parametrize(("E", "m", "M"), [(10.0, 0.01, 0.03), (2.0, 0.1, 0.3), (5.0, 0.05, 0.5)])
def test_elastic_limit_is_the_published_closed_form(E: float, m: float, M: float) -> None:
    """m1 = m2: the general (upscattering) matrix element reproduces Batell-Essig-Surujon's dsigma/dE_R."""
    _, hi = recoil_range(E, m, m)
    er = np.geomspace(hi * 1e-6, hi * 0.999, 25)
    a = dsigma_dER(E, er, m, m, M, 1e-3, 0.5)
    b = dsigma_dER_elastic(E, er, m, M, 1e-3, 0.5)
    np.testing.assert_allclose(a, b, rtol=1e-9)
    assert np.all(a > 0)
    assert dsigma_dER(E, [hi * 1.01], m, m, M, 1e-3, 0.5)[0] == 0.0  # beyond the endpoint


def test_small_recoil_massless_mediator_is_rutherford() -> None:
    """m_A' -> 0, E_R << E_R max: 2 pi z^2 alpha^2/(m_e beta^2 E_R^2) with z^2 alpha^2 -> eps^2 alpha alpha_D (PDG
    free-electron energy-transfer cross section), including the 1/beta^2 of a slow chi."""
    eps, aD = 1e-3, 0.3
    for E, m in ((10.0, 0.01), (0.3, 0.2)):
        beta2 = 1.0 - (m / E) ** 2
        er = 1e-6 * recoil_range(E, m, m)[1]
        got = dsigma_dER(E, [er], m, m, 1e-9, eps, aD)[0]
        want = 2.0 * math.pi * eps * eps * alpha * aD / (m_e * beta2 * er * er)
        assert got == pytest.approx(want, rel=1e-4)


def test_upscattering_threshold_and_window() -> None:
    """chi1 e -> chi2 e opens at s = (m2 + m_e)^2; there the recoil window shrinks to one point; above it E_R min > 0
    (the mass gap is paid by the electron recoil)."""
    m1, m2 = 0.01, 0.014
    th = upscatter_threshold(m1, m2)
    assert th == pytest.approx(((m2 + m_e) ** 2 - m1 * m1 - m_e * m_e) / (2.0 * m_e), rel=1e-14)
    lo, hi = recoil_range(th * (1.0 + 1e-9), m1, m2)
    assert hi - lo < 1e-3 * hi
    lo, hi = recoil_range(10.0, m1, m2)
    assert 0.0 < lo < hi
    # the minimum momentum transfer of an inelastic transition: |t|_min ~ ((m2^2 - m1^2)/(2 p))^2 at high energy
    assert 2.0 * m_e * lo == pytest.approx(((m2 * m2 - m1 * m1) / (2.0 * 10.0)) ** 2, rel=0.01)
    assert dsigma_dER(0.9 * th, [1e-3], m1, m2, 0.03, 1e-3, 0.1)[0] == 0.0
    assert sigma_recoil(0.9 * th, m1, m2, 0.03, 1e-3, 0.1) == 0.0
    with pytest.raises(ParameterError, match="threshold"):
        recoil_range(0.9 * th, m1, m2)


@pytest.mark.parametrize(("m1", "m2"), [(0.05, 0.05), (0.05, 0.07)])
def test_sigma_recoil_integrates_the_differential_cross_section(m1: float, m2: float) -> None:
    E, M = 8.0, 0.15
    lo, hi = recoil_range(E, m1, m2)
    cut = 1.0  # a recoil-energy cut [GeV]
    got = sigma_recoil(E, m1, m2, M, 1e-3, 0.1, E_R_min=cut)
    want, _ = quad(lambda x: dsigma_dER(E, [x], m1, m2, M, 1e-3, 0.1)[0], cut, hi, epsrel=1e-10, limit=200)
    assert got == pytest.approx(want, rel=1e-6)
    total = sigma_recoil(E, m1, m2, M, 1e-3, 0.1)
    assert total > got > 0.0
    # eps^2 alpha_D scaling and the heavy-mediator 1/m_A'^4 law at fixed small recoil window
    assert sigma_recoil(E, m1, m2, M, 2e-3, 0.1, E_R_min=cut) == pytest.approx(4.0 * got, rel=1e-12)
    w = (max(lo, 1e-6), max(lo, 1e-6) * 1.001)
    r = sigma_recoil(E, m1, m2, 20.0, 1e-3, 0.1, *w) / sigma_recoil(E, m1, m2, 40.0, 1e-3, 0.1, *w)
    assert r == pytest.approx(16.0, rel=1e-3)


def test_coupling_factors() -> None:
    assert coupling_factor("idm", "12") == 1.0
    assert coupling_factor("idm", "11") == 0.0
    th = 0.3
    s2, c2 = math.sin(th) ** 2, math.cos(th) ** 2
    assert coupling_factor("i2dm", "11", th) == pytest.approx(s2 * s2)
    assert coupling_factor("i2dm", "12", th) == pytest.approx(s2 * c2)
    assert coupling_factor("i2dm", "22", th) == pytest.approx(c2 * c2)
    with pytest.raises(ParameterError, match="theta"):
        coupling_factor("i2dm", "11")
    with pytest.raises(ParameterError, match="transition"):
        coupling_factor("idm", "21")
    with pytest.raises(ParameterError, match="m_Ap"):
        dsigma_dER(1.0, [1e-3], 0.01, 0.01, float("nan"), 1e-3, 0.1)


# --------------------------------------------------------------------------------------- chi flux and signal (E137)
N_E_AL = 7.83e29  # electrons per m^3 in aluminium (Z/A rho N_A = 13/26.98 x 2.699 g/cm^3 x 6.022e23), a test value


@pytest.fixture(scope="module")
def flux() -> ChiFluxSample:
    card = dataclasses.replace(load_dump("e137"), n_primaries=150)
    return chi_flux_sample(card, (0.03, 0.01, 0.014), seed=7, E_min_GeV=1.0)


def test_signal_is_the_sum_over_the_flux_of_n_e_l_sigma(flux: ChiFluxSample) -> None:
    """N = N_e eps^2 BR Sum w n_e L sigma(E; E_R > cut): the tabulated sigma against a direct sum over the chi
    (independent sigma_recoil per chi), and N ~ eps^4 BR (production eps^2, scattering eps^2)."""
    assert flux.E1.size > 100
    kw = {"electron_density_m3": N_E_AL, "depth_m": 1.0, "E_R_min": 1.0}
    got = scattering_n_signal(flux, "idm", "12", 1e-4, 0.1, None, **kw)
    m_ap, m1, m2 = flux.masses
    idx = np.argsort(flux.weight)[-60:]  # the heaviest weights, summed directly
    direct = sum(flux.weight[i] * sigma_recoil(float(flux.E1[i]), m1, m2, m_ap, 1e-4, 0.1, 1.0) for i in idx)
    sub = dataclasses.replace(flux, E1=flux.E1[idx], weight=flux.weight[idx])
    br = float(IDM(m_ap, 1e-4, 0.1, m_chi1=m1, delta=m2 / m1 - 1.0).branching_ratios()["chi1chi2"])
    want = flux.n_on_target * 1e-8 * br * N_E_AL * 1.0 * GeV2_to_cm2 * 1e-4 * direct
    assert scattering_n_signal(sub, "idm", "12", 1e-4, 0.1, None, **kw) == pytest.approx(want, rel=0.01)
    br2 = float(IDM(m_ap, 2e-4, 0.1, m_chi1=m1, delta=m2 / m1 - 1.0).branching_ratios()["chi1chi2"])
    again = scattering_n_signal(flux, "idm", "12", 2e-4, 0.1, None, **kw)
    assert again / got == pytest.approx(16.0 * br2 / br, rel=1e-9)
    # thin detector: linear in the depth
    assert scattering_n_signal(flux, "idm", "12", 1e-4, 0.1, None, **{**kw, "depth_m": 2.0}) == pytest.approx(
        2.0 * got, rel=1e-12
    )


def test_no_signal_where_the_coupling_or_the_kinematics_forbid_it(flux: ChiFluxSample) -> None:
    kw = {"electron_density_m3": N_E_AL, "depth_m": 1.0, "E_R_min": 1.0}
    assert scattering_n_signal(flux, "idm", "11", 1e-4, 0.1, None, **kw) == 0.0  # iDM: no diagonal chi1 current
    assert scattering_n_signal(flux, "i2dm", "11", 1e-4, 0.1, 0.3, **kw) > 0.0
    # upscattering threshold above every chi energy: chi1 (0.3 GeV) -> chi2 (0.42 GeV) needs ~84 GeV
    heavy = dataclasses.replace(flux, masses=(1.0, 0.3, 0.42))
    assert upscatter_threshold(0.3, 0.42) > float(flux.E1.max())
    assert scattering_n_signal(heavy, "idm", "12", 1e-4, 0.1, None, **kw) == 0.0
    with pytest.raises(ParameterError, match="transition"):
        scattering_n_signal(flux, "idm", "22", 1e-4, 0.1, None, **kw)
    with pytest.raises(ParameterError, match="depth_m"):
        scattering_n_signal(flux, "idm", "12", 1e-4, 0.1, None, **{**kw, "depth_m": 0.0})


def test_chi_flux_geometry_and_inputs() -> None:
    """A face as large as the hall takes every forward chi1; the 3 m x 3 m face at 383 m a fraction; bad inputs
    raise early; the sample is bit-reproducible."""
    card = dataclasses.replace(load_dump("e137"), n_primaries=60)
    small = chi_flux_sample(card, (0.03, 0.01, 0.014), seed=3, E_min_GeV=2.0)
    big = chi_flux_sample(
        dataclasses.replace(card, detector_half_width_m=1e5), (0.03, 0.01, 0.014), seed=3, E_min_GeV=2.0
    )
    assert big.E1.size >= 0.999 * big.meta["n_ap"]
    assert 0 < small.E1.size < big.E1.size
    again = chi_flux_sample(card, (0.03, 0.01, 0.014), seed=3, E_min_GeV=2.0)
    np.testing.assert_array_equal(small.E1, again.E1)
    np.testing.assert_array_equal(small.weight, again.weight)
    with pytest.raises(ParameterError, match="E_min_GeV"):
        chi_flux_sample(card, (0.03, 0.01, 0.014), seed=3, E_min_GeV=0.0)
    with pytest.raises(ParameterError, match="masses"):
        chi_flux_sample(card, (0.02, 0.01, 0.014), seed=3, E_min_GeV=2.0)
