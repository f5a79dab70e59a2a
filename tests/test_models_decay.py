"""chi2 -> chi1 l+ l-: matrix element (sign, positivity, DMG4 form, width integrand) and the sampler."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy import stats

from semivis.constants import m_e, m_mu
from semivis.errors import ParameterError
from semivis.models import chi2_decay_msq, dGamma_chi2_ds1_ds2, sample_chi2_decay
from semivis.models.widths import Gamma_chi2_to_chi1_ll, dGamma_chi2_dq2

POINTS = [  # (m_chi1, m_chi2, m_Ap, lepton)
    (0.1, 0.14, 0.3, "e"),
    (0.01, 0.014, 0.03, "e"),  # near the electron threshold
    (1.0, 1.4, 3.0, "mu"),
]


def _dmg4(s1: Any, s2: Any, m1: float, m2: float, M: float, ml: float) -> Any:  # noqa: PLR0917
    """The DMG4 form as quoted in physics.md 2.1, literally."""
    br = (
        s1**2
        - m2**2 * (s1 + 2 * s2 - 2 * m1**2)
        + 2 * m1 * m2 * (s1 + 2 * ml**2)
        + s1 * (2 * s2 - m1**2)
        + 2 * (s2**2 - s2 * (m1**2 + 2 * ml**2) + ml**4)
    )
    return -br / (s1 - M**2) ** 2


def _dalitz_grid(m1: float, m2: float, ml: float, n: int = 200):  # type: ignore[no-untyped-def]
    """Points filling the Dalitz plane: s1 in (4 ml^2, dm^2), s2 over its full range at that s1 (edges included)."""
    d, S = m2 - m1, m1 + m2
    u = (np.arange(n) + 0.5) / n
    s1 = 4 * ml**2 + (d * d - 4 * ml**2) * u
    lam = (S * S - s1) * (d * d - s1)
    half = 0.5 * np.sqrt(lam * (1 - 4 * ml**2 / s1))
    s2c = 0.5 * (m1**2 + m2**2 - s1) + ml**2
    c = np.linspace(-1, 1, n)
    return s1[:, None] + 0 * c, s2c[:, None] + half[:, None] * c, half, s1


@pytest.mark.parametrize(("m1", "m2", "M", "lep"), POINTS)
def test_msq_positive_on_dalitz_plane_and_equals_4x_dmg4(m1: float, m2: float, M: float, lep: str) -> None:
    ml = m_e if lep == "e" else m_mu
    s1, s2, _, _ = _dalitz_grid(m1, m2, ml)
    msq = chi2_decay_msq(s1, s2, m1, m2, M, ml)
    assert np.all(msq >= -1e-12 * msq.max())
    assert np.all(msq[:, 1:-1] > 0)
    np.testing.assert_allclose(msq, 4.0 * _dmg4(s1, s2, m1, m2, M, ml), rtol=1e-7, atol=1e-9 * msq.max())


@pytest.mark.parametrize(("m1", "m2", "M", "lep"), POINTS)
def test_dalitz_density_integrates_to_width_integrand(m1: float, m2: float, M: float, lep: str) -> None:
    """Int ds2 d2Gamma/ds1ds2 = dGamma/dq2 of the width integral (Gauss-Legendre in s2, exact for a quadratic)."""
    ml = m_e if lep == "e" else m_mu
    x, w = np.polynomial.legendre.leggauss(4)
    _, _, half, s1 = _dalitz_grid(m1, m2, ml, n=50)
    s2c = 0.5 * (m1**2 + m2**2 - s1) + ml**2
    s2 = s2c[:, None] + half[:, None] * x
    dens = dGamma_chi2_ds1_ds2(s1[:, None], s2, m1, m2, M, ml, 1e-3, 0.1)
    integ = np.sum(dens * w, axis=1) * half
    ref = dGamma_chi2_dq2(s1, m1, m2 / m1 - 1, M, ml, 1e-3, 0.1)
    np.testing.assert_allclose(integ, ref, rtol=1e-9)


@pytest.mark.parametrize(("m1", "m2", "M", "lep"), POINTS)
def test_sampler_conserves_four_momentum_and_mass_shells(m1: float, m2: float, M: float, lep: str) -> None:
    ml = m_e if lep == "e" else m_mu
    ev = sample_chi2_decay(m1, m2, M, 20_000, rng=np.random.SeedSequence(7), lepton=lep)
    tot = ev["chi1"] + ev["l-"] + ev["l+"]
    np.testing.assert_allclose(tot[:, 0], m2, rtol=1e-13)
    np.testing.assert_allclose(tot[:, 1:], 0.0, atol=1e-13 * m2)

    def mass2(p: Any) -> Any:
        return p[:, 0] ** 2 - np.sum(p[:, 1:] ** 2, axis=1)

    np.testing.assert_allclose(mass2(ev["chi1"]), m1**2, rtol=1e-10)
    np.testing.assert_allclose(mass2(ev["l-"]), ml**2, rtol=1e-6, atol=1e-12 * m2**2)
    np.testing.assert_allclose(mass2(ev["l+"]), ml**2, rtol=1e-6, atol=1e-12 * m2**2)
    np.testing.assert_allclose(mass2(ev["l-"] + ev["l+"]), ev["m_ll2"], rtol=1e-8, atol=1e-12 * m2**2)


def _cdf_s1(m1: float, m2: float, M: float, ml: float):  # type: ignore[no-untyped-def]
    q = np.linspace(4 * ml**2, (m2 - m1) ** 2, 20001)
    f = dGamma_chi2_dq2(q, m1, m2 / m1 - 1, M, ml, 1.0, 1.0)
    cdf = np.concatenate(([0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(q))))
    return lambda x: np.interp(x, q, cdf / cdf[-1])


@pytest.mark.parametrize(("m1", "m2", "M", "lep"), POINTS)
def test_sampled_mll_follows_dgamma_dq2(m1: float, m2: float, M: float, lep: str) -> None:
    """KS test of m^2(l+l-) against the width integrand at a fixed seed; require p > 1e-3."""
    ml = m_e if lep == "e" else m_mu
    ev = sample_chi2_decay(m1, m2, M, 50_000, rng=11, lepton=lep)
    res = stats.kstest(ev["m_ll2"], _cdf_s1(m1, m2, M, ml))
    assert res.pvalue > 1e-3, res


def _expected_energy_probs(m1: float, m2: float, M: float, ml: float, edges: np.ndarray) -> np.ndarray:
    """Bin probabilities of E(l-) from a fine quadrature of the Dalitz density (independent of the sampler)."""
    n = 600
    x, w = np.polynomial.legendre.leggauss(n)
    d = m2 - m1
    s1 = 4 * ml**2 + (d * d - 4 * ml**2) * 0.5 * (x + 1)
    ws1 = w * 0.5 * (d * d - 4 * ml**2)
    S = m1 + m2
    half = 0.5 * np.sqrt((S * S - s1) * (d * d - s1) * (1 - 4 * ml**2 / s1))
    s2c = 0.5 * (m1**2 + m2**2 - s1) + ml**2
    s3 = s2c[:, None] + half[:, None] * x[None, :]  # m^2(chi1 l-), same range as s2
    dens = chi2_decay_msq(s1[:, None], s3, m1, m2, M, ml) * ws1[:, None] * (w * half[:, None])
    E_lminus = (m2**2 + ml**2 - s3) / (2 * m2)  # E(l-) = (m2^2 + ml^2 - m^2(chi1 l+))/(2 m2); density symmetric
    hist, _ = np.histogram(E_lminus.ravel(), bins=edges, weights=dens.ravel())
    return np.asarray(hist / dens.sum())


@pytest.mark.parametrize(("m1", "m2", "M", "lep"), POINTS)
def test_sampled_lepton_energies_follow_matrix_element(m1: float, m2: float, M: float, lep: str) -> None:
    """Chi-square test (20 bins) of E(l-) and E(l+) against the Dalitz density; require p > 1e-3 each."""
    ml = m_e if lep == "e" else m_mu
    n = 50_000
    ev = sample_chi2_decay(m1, m2, M, n, rng=2024, lepton=lep)
    e_max = (m2**2 + ml**2 - (m1 + ml) ** 2) / (2 * m2)
    edges = np.linspace(ml, e_max, 21)
    p = _expected_energy_probs(m1, m2, M, ml, edges)
    for key in ("l-", "l+"):
        counts, _ = np.histogram(ev[key][:, 0], bins=edges)
        assert counts.sum() == n
        keep = p * n > 5
        res = stats.chisquare(counts[keep], p[keep] * n * counts[keep].sum() / (p[keep] * n).sum())
        assert res.pvalue > 1e-3, (key, res)


def test_sampler_is_isotropic_and_reproducible() -> None:
    a = sample_chi2_decay(0.1, 0.14, 0.3, 40_000, rng=np.random.SeedSequence(5))
    b = sample_chi2_decay(0.1, 0.14, 0.3, 40_000, rng=np.random.SeedSequence(5))
    for key in ("chi1", "l-", "l+", "m_ll2"):
        np.testing.assert_array_equal(a[key], b[key])
    p = a["chi1"][:, 1:]
    cos = p[:, 2] / np.linalg.norm(p, axis=1)
    assert stats.kstest(cos, stats.uniform(loc=-1, scale=2).cdf).pvalue > 1e-3
    phi = np.arctan2(p[:, 1], p[:, 0])
    assert stats.kstest(phi, stats.uniform(loc=-math.pi, scale=2 * math.pi).cdf).pvalue > 1e-3


def test_sampler_accepts_per_event_masses() -> None:
    m1 = np.array([0.1, 0.2, 0.05] * 100)
    ev = sample_chi2_decay(m1, 1.3 * m1, 3 * m1, m1.size, rng=3)
    np.testing.assert_allclose((ev["chi1"] + ev["l-"] + ev["l+"])[:, 0], 1.3 * m1, rtol=1e-13)
    assert np.all(ev["m_ll2"] < (0.3 * m1) ** 2)


def test_sampled_mean_mll_matches_width_weighted_mean() -> None:
    m1, m2, M = 0.1, 0.14, 0.3
    ev = sample_chi2_decay(m1, m2, M, 100_000, rng=9)
    q = np.linspace(4 * m_e**2, 0.04**2, 200001)
    f = dGamma_chi2_dq2(q, m1, 0.4, M, m_e, 1.0, 1.0)
    mean = np.sum(q * f) / np.sum(f)
    err = np.std(ev["m_ll2"]) / math.sqrt(ev["m_ll2"].size)
    assert abs(np.mean(ev["m_ll2"]) - mean) < 4 * err
    # and the width itself is the integral of the same density
    assert np.trapezoid(f, q) == pytest.approx(float(Gamma_chi2_to_chi1_ll(m1, 0.4, M, m_e, 1.0, 1.0)), rel=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"m_chi1": 0.01, "m_chi2": 0.0105, "m_Ap": 0.03}, "m_chi2"),  # dm < 2 m_e: closed
        ({"m_chi1": 0.1, "m_chi2": 0.14, "m_Ap": 0.3, "lepton": "mu"}, "m_chi2"),
        ({"m_chi1": -0.1, "m_chi2": 0.14, "m_Ap": 0.3}, "m_chi1"),
        ({"m_chi1": 0.1, "m_chi2": 0.14, "m_Ap": 0.01}, "m_Ap"),
        ({"m_chi1": 0.1, "m_chi2": 0.14, "m_Ap": 0.3, "lepton": "tau"}, "lepton"),
        ({"m_chi1": 0.1, "m_chi2": 0.14, "m_Ap": 0.3, "n": -1}, "n"),
        ({"m_chi1": [0.1, 0.2], "m_chi2": 0.3, "m_Ap": 0.9}, "shape"),
    ],
)
def test_sampler_rejects_bad_input_clearly(kwargs: dict, name: str) -> None:  # type: ignore[type-arg]
    args = {"n": 10, "rng": 0, **kwargs}
    with pytest.raises(ParameterError, match=name):
        sample_chi2_decay(**args)


def test_sampler_zero_events() -> None:
    ev = sample_chi2_decay(0.1, 0.14, 0.3, 0, rng=0)
    assert ev["chi1"].shape == (0, 4)
