"""BaBar semi-visible recast (issue 11): event kinematics, the invisible probability and the excluded region."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from semivis.constraints import CONSTRAINTS
from semivis.constraints.babar import (
    _leptons_seen,
    babar_invisible_limit,
    babar_semivisible_excluded_eps,
    load_babar_detector,
    p_chi2_invisible,
    p_invisible,
    sample_babar_events,
)
from semivis.errors import CardError, ParameterError
from semivis.models import make_model
from semivis.planes import PLANES

DET = load_babar_detector()


def _minv2(p: np.ndarray) -> np.ndarray:
    return np.asarray(p[..., 0] ** 2 - np.sum(p[..., 1:] ** 2, axis=-1))


def _seen_brute_force(p: np.ndarray, vtx: np.ndarray, charge: float) -> np.ndarray:
    """The BaBar veto of one lepton (p: (n, 1, 4), vertices (n, k, 3)), as the numpy form written out."""
    px, py, pz = p[..., 1], p[..., 2], p[..., 3]
    pt = np.hypot(px, py)
    theta = np.degrees(np.arccos(np.clip(pz / np.sqrt(pt * pt + pz * pz), -1.0, 1.0)))
    x, y, z = vtx[..., 0], vtx[..., 1], vtx[..., 2]
    r = np.hypot(x, y)
    d = DET
    track = (r < d.tracking_r_track_max_m) & (z > d.tracking_dch_z_backward_m) & (z < d.tracking_dch_z_forward_m)
    track = (
        track & (pt > d.tracking_pt_min_GeV) & (theta > d.tracking_theta_min_deg) & (theta < d.tracking_theta_max_deg)
    )
    rad = pt / (0.3 * d.solenoid_field_T)
    ux, uy = px / np.maximum(pt, 1e-300), py / np.maximum(pt, 1e-300)
    reach = np.hypot(x + charge * rad * uy, y - charge * rad * ux) + rad
    r_in = d.calorimeter_emc_r_inner_m
    shell = ((r >= r_in) & (r < d.calorimeter_emc_r_outer_m)) | ((r < r_in) & (reach >= r_in))
    emc = (p[..., 0] > d.calorimeter_e_min_GeV) & (theta > d.calorimeter_theta_min_deg)
    emc = emc & (theta < d.calorimeter_theta_max_deg) & shell
    return np.asarray(track | emc)


def _random_leptons(n: int, rng: np.random.Generator) -> np.ndarray:
    """n massless leptons (E, p): energies log-uniform in 10 MeV - 5 GeV, directions isotropic."""
    e = np.exp(rng.uniform(math.log(0.01), math.log(5.0), n))
    cos_t, phi = rng.uniform(-1.0, 1.0, n), rng.uniform(0.0, 2.0 * math.pi, n)
    sin_t = np.sqrt(1.0 - cos_t**2)
    return np.column_stack([e, e * sin_t * np.cos(phi), e * sin_t * np.sin(phi), e * cos_t])


@pytest.mark.parametrize("source", ["babar-events", "random"])
def test_visibility_kernel_is_the_brute_force(source: str) -> None:
    """_leptons_seen (per-event terms in numpy, per-vertex terms in a numba kernel) gives every (event, vertex) the
    veto of the detector rules written out in numpy: for BaBar events (1 GeV A') with vertices out past the EMC, and
    for random leptons and directions with vertices out to 3 m, where each rule (drift-chamber radius and z range,
    momentum and angle acceptances, EMC shell, helices that curl into it) decides some (event, vertex) pairs."""
    rng = np.random.default_rng(11)
    if source == "random":
        e_minus, e_plus, direc = _random_leptons(4000, rng), _random_leptons(4000, rng), _random_leptons(4000, rng)
        direc = direc[:, 1:] / direc[:, :1]
    else:
        ev = sample_babar_events(1.0, 0.25, 0.45, 3000, rng=11)
        e_minus, e_plus, p2 = ev["e-"], ev["e+"], ev["chi2"]
        direc = p2[:, 1:] / np.linalg.norm(p2[:, 1:], axis=1)[:, None]
    mid = np.outer(np.ones(len(direc)), np.linspace(0.0, 3.0, 61))
    got = _leptons_seen(e_minus, e_plus, mid, direc, DET)
    vtx = mid[:, :, None] * direc[:, None, :]
    want = _seen_brute_force(e_minus[:, None, :], vtx, -1.0) | _seen_brute_force(e_plus[:, None, :], vtx, 1.0)
    assert 0.05 < want.mean() < 0.95  # both outcomes occur
    np.testing.assert_array_equal(got, want)


def test_lab_four_momentum_conservation_and_masses() -> None:
    ev = sample_babar_events(0.8, 0.8 / 3, 0.8 / 3 * 1.4, 2000, rng=7)
    tot = ev["gamma"] + ev["chi1"] + ev["chi1_dec"] + ev["e-"] + ev["e+"]
    assert np.allclose(tot, ev["beams"], rtol=0, atol=1e-9)
    # beams: (E- + E+, 0, 0, E- - E+) with s = 4 E- E+ = sqrt_s^2
    assert math.sqrt(_minv2(ev["beams"])) == pytest.approx(DET.beams_sqrt_s_GeV, rel=1e-12)
    assert np.allclose(np.sqrt(_minv2(ev["chi2"])), 0.8 / 3 * 1.4, rtol=1e-9)
    assert np.allclose(np.sqrt(np.abs(_minv2(ev["gamma"]))), 0.0, atol=1e-6)
    m_a = np.sqrt(_minv2(ev["chi1"] + ev["chi2"]))
    assert np.allclose(m_a, 0.8, rtol=1e-9)


@pytest.mark.parametrize("m_ap", [0.05, 1.0, 5.0])
def test_photon_cm_energy_is_two_body(m_ap: float) -> None:
    ev = sample_babar_events(m_ap, m_ap / 3, m_ap / 3 * 1.4, 500, rng=3)
    s = DET.beams_sqrt_s_GeV**2
    assert np.allclose(ev["gamma_cm"][:, 0], (s - m_ap**2) / (2 * DET.beams_sqrt_s_GeV), rtol=1e-14)
    # the photon is inside the analysis' CM acceptance
    c = ev["gamma_cm"][:, 3] / ev["gamma_cm"][:, 0]
    assert c.min() >= DET.photon_cos_star_min
    assert c.max() <= DET.photon_cos_star_max


def test_photon_angle_follows_e_e_to_gamma_v() -> None:
    # d sigma/d cos ~ (1 + c^2 + k)/(1 - c^2): compare the fraction with |c| < 0.2 within [-0.4, 0.6]
    m_ap = 3.0
    ev = sample_babar_events(m_ap, 1.0, 1.4, 40000, rng=11)
    c = ev["gamma_cm"][:, 3] / ev["gamma_cm"][:, 0]
    s = DET.beams_sqrt_s_GeV**2
    k = 4 * m_ap**2 * s / (s - m_ap**2) ** 2
    x = np.linspace(-0.4, 0.6, 200001)
    f = (1 + x * x + k) / (1 - x * x)
    expected = np.trapezoid(np.where(np.abs(x) < 0.2, f, 0.0), x) / np.trapezoid(f, x)
    frac = float(np.mean(np.abs(c) < 0.2))
    assert frac == pytest.approx(expected, abs=4 * math.sqrt(expected * (1 - expected) / c.size))


def test_prompt_hard_products_are_never_invisible() -> None:
    # m_A' = 3 GeV, m2 - m1 = 1 GeV: leptons of several hundred MeV, prompt decays -> P_inv -> 0 (only acceptance holes)
    p = p_chi2_invisible(3.0, 0.8, 1.8, [1e-9])
    assert p[0] < 0.01


def test_huge_ctau_is_invisible_and_gives_the_invisible_limit() -> None:
    p = p_chi2_invisible(0.3, 0.1, 0.14, [1e6, math.inf])
    assert p[0] > 0.9999
    assert p[1] == 1.0
    # delta = 0.05: chi2 very long-lived at every eps of interest -> lower edge = eps_inv
    iv = babar_semivisible_excluded_eps("idm", 0.3, 0.1, 0.05, 0.1)
    assert iv[0][0] == pytest.approx(float(babar_invisible_limit(0.3)), rel=0.01)


def test_p_invisible_monotonic_in_ctau_and_soft_fraction_from_thresholds() -> None:
    ct = np.geomspace(1e-8, 1e4, 60)
    p = p_chi2_invisible(0.8, 0.8 / 3, 0.8 / 3 * 1.4, ct)
    assert np.all(np.diff(p) >= -1e-12)
    # the prompt limit is the fraction of events with both e+- soft: it grows with the track threshold
    lo = p_chi2_invisible(0.8, 0.8 / 3, 0.8 / 3 * 1.4, [1e-9], load_babar_detector(tracking_pt_min_GeV=0.05))[0]
    hi = p_chi2_invisible(0.8, 0.8 / 3, 0.8 / 3 * 1.4, [1e-9], load_babar_detector(tracking_pt_min_GeV=0.15))[0]
    assert lo < p[0] < hi
    # and it equals a direct count on prompt events
    ev = sample_babar_events(0.8, 0.8 / 3, 0.8 / 3 * 1.4, 20000, rng=5)

    def soft(q: np.ndarray) -> np.ndarray:
        pt = np.hypot(q[:, 1], q[:, 2])
        return np.asarray(pt < DET.tracking_pt_min_GeV)

    both = float(np.mean(soft(ev["e-"]) & soft(ev["e+"])))
    assert p[0] == pytest.approx(both, abs=5 * math.sqrt(both / 20000) + 0.003)


def test_relic_line_covered_above_0p6_gev() -> None:
    # EPJC 2023 Fig. 3 benchmark (alpha_D = 0.1, R = 3, delta = 0.4): eps >= eps_inv/sqrt(P_prompt) excluded; the
    # relic line sits at eps ~ 7.5e-3 - 1.4e-2 for m_A' = 0.7 - 1.2 GeV (semivis's relic curve)
    for m, eps_relic in ((0.8, 7.5e-3), (1.2, 1.4e-2)):
        iv = babar_semivisible_excluded_eps("idm", m, m / 3, 0.4, 0.1)
        assert any(lo <= eps_relic <= hi for lo, hi in iv), (m, iv)


def test_i2dm_chi1chi1_channel_always_invisible() -> None:
    m, theta = 0.8, 0.3
    p = p_invisible("i2dm", m, m / 3, 0.4, [1e-9, 0.3], 0.1, theta=theta)
    g = make_model("i2dm", m_Ap=m, eps=1e-3, alpha_D=0.1, m_chi1=m / 3, delta=0.4, theta=theta).partial_widths()
    share11 = float(g["chi1chi1"]) / sum(float(g[k]) for k in ("chi1chi1", "chi1chi2", "chi2chi2"))
    assert p[0] == pytest.approx(1.0, abs=1e-9)  # chi2 stable on BaBar's scale
    assert share11 <= p[1] < share11 + 0.1  # prompt: chi1 chi1bar events plus the soft-pair fraction


def test_registry_polygons_closed() -> None:
    polys = CONSTRAINTS["babar_semivisible"].curves(
        PLANES["mAp-eps"], fixed={"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4}, x_range=(0.2, 2.0), n=8
    )
    assert polys
    for poly in polys:
        assert np.allclose(poly[0], poly[-1])


def test_card_errors(tmp_path: Path) -> None:
    bad = tmp_path / "b.toml"
    bad.write_text("[beams]\nsqrt_s_GeV = 10.58\n", encoding="utf-8")
    with pytest.raises(CardError, match="missing"):
        load_babar_detector(bad)
    with pytest.raises(ParameterError):
        load_babar_detector(pt_min=0.1)
    with pytest.raises(CardError, match=r"tracking\.pt_min_GeV"):
        load_babar_detector(tracking_pt_min_GeV=-1.0)


def test_drawn_in_the_r_y_plane() -> None:
    # EPJC 2023 Fig. 7 (right) benchmark: m_chi1 = 150 MeV, Delta = 0.4, alpha_D = 0.5
    polys = CONSTRAINTS["babar_semivisible"].curves(
        PLANES["R-y"], fixed={"m_chi1": 0.15, "alpha_D": 0.5, "delta": 0.4}, x_range=(2.5, 40.0), n=5
    )
    assert polys
    for poly in polys:
        assert np.allclose(poly[0], poly[-1])
        assert poly[:, 0].min() >= 2.5


def test_tan_theta_plane_needs_eps_above_the_invisible_limit() -> None:
    # i2DM, Delta = 0.05 m_chi1 (EPJC 2023 Fig. 8b): chi2 long-lived, P_inv ~ 1, so BaBar excludes the plane iff
    # eps > eps_inv(m_A') ~ 9.5e-4; nothing is excluded below it (EPJC 2023 Sect. 6)
    fixed = {"alpha_D": 0.1, "ratio": 3.0, "delta": 0.05}
    plane = PLANES["mchi1-tantheta"]
    above = CONSTRAINTS["babar_semivisible"].curves(
        plane, kind="i2dm", fixed={**fixed, "eps": 1e-3}, x_range=(0.02, 0.1), n=3
    )
    below = CONSTRAINTS["babar_semivisible"].curves(
        plane, kind="i2dm", fixed={**fixed, "eps": 9e-4}, x_range=(0.02, 0.1), n=3
    )
    assert above
    assert below == []
