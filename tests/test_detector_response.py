"""Detector response: shower containment, where a pair's energy lands, transverse acceptance."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import gammainc

from semivis.detector import deposits_at, load_card, shower_containment


@pytest.fixture(scope="module")
def card():  # type: ignore[no-untyped-def]
    return load_card("na64-2016-2018")


def test_containment_is_the_gamma_profile_integral() -> None:
    # PDG RPP 2022 Eq. 34.36: P(a, b t), t_max = (a - 1)/b = ln(E/Ec) - 0.5, b = 0.5
    E, Ec, t = 20.0, 0.0083, np.array([0.5, 3.0, 10.0, 25.0])
    a = 1.0 + 0.5 * (np.log(E / Ec) - 0.5)
    np.testing.assert_allclose(shower_containment(E, t, Ec), gammainc(a, 0.5 * t), rtol=1e-10)
    # more energetic showers are longer: less contained at the same depth
    assert shower_containment(50.0, 8.0, Ec) < shower_containment(0.5, 8.0, Ec)
    assert shower_containment(1.0, 0.0, Ec) == 0.0


def test_pair_in_hcal_module_deposits_all_there(card) -> None:  # type: ignore[no-untyped-def]
    for z, name, idx in [(1.0, "hcal1", 2), (3.0, "hcal2", 3), (5.0, "hcal3", 4)]:
        region, dep = deposits_at(card, z, [3.0, 0.0, 0.0, 2.0, 0.0, 0.0])
        assert region == name
        assert dep[idx] == pytest.approx(5.0)
        assert dep.sum() == pytest.approx(5.0)


def test_beyond_and_gaps(card) -> None:  # type: ignore[no-untyped-def]
    region, dep = deposits_at(card, 6.5, [3.0, 0, 0, 2.0, 0, 0])
    assert region == "beyond"
    assert dep.sum() == 0.0
    # a decay in the gap before HCAL2 puts the pair into HCAL2
    region, dep = deposits_at(card, 2.5, [3.0, 0, 0, 2.0, 0, 0])
    assert region == "gaps"
    assert dep[3] == pytest.approx(5.0)
    # a decay between the ECAL and the VETO fires the VETO (one MIP per lepton) and the rest goes to HCAL1
    region, dep = deposits_at(card, 0.47, [3.0, 0, 0, 2.0, 0, 0])
    assert region == "gaps"
    assert dep[1] == pytest.approx(2 * card.veto_mip_GeV)
    assert dep[1] > card.veto_threshold_GeV
    assert dep[1] + dep[2] == pytest.approx(5.0)


def test_ecal_containment_depends_on_depth(card) -> None:  # type: ignore[no-untyped-def]
    lep = [10.0, 0, 0, 10.0, 0, 0]
    _, front = deposits_at(card, 0.02, lep)
    _, back = deposits_at(card, 0.44, lep)
    assert front[0] == pytest.approx(20.0, rel=1e-4)  # ~38 X0 of lead ahead: contained
    assert back[0] < 10.0
    assert back[1] > 0.0
    assert back[2] > 5.0
    assert back.sum() == pytest.approx(20.0)  # energy conserved


def test_transverse_acceptance(card) -> None:  # type: ignore[no-untyped-def]
    # a wide-angle lepton (slope 2) from a decay 0.18 m before HCAL2 is 0.36 m off axis at its face: it misses
    # the 0.3 m half aperture (and HCAL3 further on)
    region, dep = deposits_at(card, 2.42, [3.0, 2.0, 0.0, 2.0, 0.0, 0.0])
    assert dep[3] == pytest.approx(2.0)  # only the e- reaches HCAL2
    # a chi2 that left the HCAL aperture decays outside any module: no pair energy
    region, dep = deposits_at(card, 3.0, [3.0, 0, 0, 2.0, 0, 0], zv=0.1, tx=0.2)
    assert region == "gaps"
    assert dep.sum() == 0.0


def test_containment_table_accuracy() -> None:
    """The tabulated P(a, b t) (4x4 Lagrange in (a, sqrt(b t))) is within CONTAINMENT_TABLE_TOL / 10 of
    scipy's incomplete gamma on a dense random set covering pair energies 1 MeV - 300 GeV, 0 - 80 X0."""
    import numba  # noqa: PLC0415

    from semivis.detector.kernels import CONTAINMENT_TABLE_TOL, containment_tab  # noqa: PLC0415
    from semivis.detector.response import containment_table  # noqa: PLC0415

    @numba.njit
    def many(E, t, tab):  # type: ignore[no-untyped-def]
        out = np.empty(E.size)
        for i in range(E.size):
            out[i] = containment_tab(E[i], t[i], 0.0083, 0.5, tab)
        return out

    rng = np.random.default_rng(np.random.SeedSequence(4))
    n = 400_000
    E = np.exp(rng.uniform(np.log(1e-3), np.log(300.0), n))
    t = np.concatenate([rng.uniform(0.0, 0.3, n // 4), rng.uniform(0.0, 80.0, n - n // 4)])
    got = many(E, t, containment_table())
    a = np.maximum(1.0 + 0.5 * (np.log(E / 0.0083) - 0.5), 1.0)
    assert np.max(np.abs(got - gammainc(a, 0.5 * t))) < CONTAINMENT_TABLE_TOL / 10
    assert np.all((got >= 0.0) & (got <= 1.0))


def test_geometry_slots_name_the_card_geometry(card) -> None:  # type: ignore[no-untyped-def]
    """Every named slot of the geometry vector holds the card quantity its name says (the kernels read by name)."""
    from semivis.detector import kernels as k  # noqa: PLC0415
    from semivis.detector.response import SHOWER_B, geometry_vector  # noqa: PLC0415

    g = geometry_vector(card, s1_min_hcal_GeV=1.5)
    assert g.size == k.G_LEN
    assert (g[k.G_ECAL_Z_START], g[k.G_ECAL_Z_END], g[k.G_ECAL_HALF]) == (
        card.ecal.z_start_m,
        card.ecal.z_end_m,
        card.ecal.half_size_m,
    )
    assert g[k.G_VETO_Z_END] == card.veto.z_end_m
    # the EPJC 2021 S1 decay window: HCAL2 front face to HCAL3 back face; the set-up ends at HCAL3's back face
    assert (g[k.G_S1_LO], g[k.G_S1_HI], g[k.G_SETUP_END]) == (
        card.hcal2.z_start_m,
        card.hcal3.z_end_m,
        card.hcal3.z_end_m,
    )
    for m, mod in enumerate(card.modules):
        base = k.G_MODULES + k.G_MODULE_STRIDE * m
        assert (g[base + k.G_Z_START], g[base + k.G_Z_END], g[base + k.G_HALF_SIZE]) == (
            mod.z_start_m,
            mod.z_end_m,
            mod.half_size_m,
        )
    assert (g[k.G_X0], g[k.G_EC], g[k.G_B]) == (card.radiation_length_m, card.critical_energy_GeV, SHOWER_B)
    assert (g[k.G_MIP], g[k.G_VETO_THR]) == (card.veto_mip_GeV, card.veto_threshold_GeV)
    assert (g[k.G_ECAL_MAX], g[k.G_HCAL_THR], g[k.G_S1_MIN]) == (card.ecal_max_GeV, card.hcal_threshold_GeV, 1.5)
    assert len({k.G_X0, k.G_EC, k.G_B, k.G_MIP, k.G_VETO_THR, k.G_ECAL_MAX, k.G_HCAL_THR, k.G_S1_MIN}) == 8
    assert k.REGION_NAMES[k.REGION_BEYOND] == "beyond"
    assert k.REGION_NAMES[k.REGION_GAPS] == "gaps"
