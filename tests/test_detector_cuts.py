"""NA64's cuts on the chi2 pairs (card table [cuts], EPJC 83 (2023) 391 Sect. 3.2): physics of each cut."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import dblquad
from scipy.special import gamma, gammainc

from semivis.detector import load_card
from semivis.detector.cards import CUT_NAMES
from semivis.detector.kernels import leak_charged_particles, square_fraction
from semivis.detector.response import cuts_at, deposits_at, moliere_radius_m, preshower_end_m
from semivis.errors import CardError


@pytest.fixture(scope="module")
def card():  # type: ignore[no-untyped-def]
    return load_card("na64-2016-2018")


def test_lateral_profile_matches_pdg_moliere_containment_and_its_integral() -> None:
    # R_M = X0 E_s / E_c (PDG RPP 2022 Eq. 34.37) for the NA64 ECAL: X0 = 11.07 mm, E_c = 8.26 MeV -> 28.4 mm
    rm = moliere_radius_m(load_card("na64-2016-2018"))
    assert rm == pytest.approx(0.01107 * 21.2e-3 / 8.256e-3, rel=2e-3)
    R = rm / 3.0
    # circular containment r^2/(r^2+R^2): 90 % within R_M, ~99 % within 3.5 R_M (PDG Sect. 34.5)
    assert rm**2 / (rm**2 + R**2) == pytest.approx(0.90, abs=1e-12)
    assert (3.5 * rm) ** 2 / ((3.5 * rm) ** 2 + R**2) == pytest.approx(0.99, abs=2e-3)

    # the closed form of the square integral equals numerical quadrature of the profile, centred and off-centre
    def dens(y: float, x: float) -> float:
        return R**2 / (math.pi * (x * x + y * y + R * R) ** 2)

    h = 1.5 * 0.0382
    for x0, y0 in [(0.0, 0.0), (0.0191, 0.0191), (0.05, -0.02), (0.08, 0.0)]:
        num = dblquad(dens, -h - y0, h - y0, -h - x0, h - x0, epsabs=1e-12)[0]
        assert square_fraction(x0, y0, h, R) == pytest.approx(num, abs=1e-8)
    # the whole plane holds everything; a huge square around a shower holds (almost) everything
    assert square_fraction(0.0, 0.0, 1e6, R) == pytest.approx(1.0, abs=1e-8)
    # the card's lateral cut value is the outside fraction of one electron at the central cell's corner (assumption
    # documented in the card): every beam electron inside the central cell passes
    cut = load_card("na64-2016-2018").cuts.lateral_max_outside_fraction
    assert 1.0 - square_fraction(0.0191, 0.0191, h, R) == pytest.approx(cut, abs=5e-4)
    assert 1.0 - square_fraction(0.0, 0.0, h, R) < cut


def test_wide_pair_fails_the_3x3_fraction_and_a_collinear_one_passes(card) -> None:  # type: ignore[no-untyped-def]
    # same energies and depth; only the leptons' angles differ: 0.5 rad puts both showers ~4 cm off the axis
    wide = cuts_at(card, 0.05, [10.0, 0.5, 0.0, 8.0, -0.5, 0.0], 25.0)
    narrow = cuts_at(card, 0.05, [10.0, 0.01, 0.0, 8.0, -0.01, 0.0], 25.0)
    assert not wide["lateral"]
    assert not wide["all"]
    assert narrow["lateral"]
    assert narrow["all"]
    # a chi2 flying at 0.2 rad from the axis puts the whole pair outside the central cells before it decays
    far = cuts_at(card, 0.3, [10.0, 0.0, 0.0, 8.0, 0.0, 0.0], 25.0, zv=0.0, tx=0.2)
    assert not far["lateral"]


def test_deep_hard_pair_fails_the_longitudinal_cut_an_early_one_passes(card) -> None:  # type: ignore[no-untyped-def]
    # a hard pair (35 GeV) starting deep in the main section next to a soft recoil shower (0.5 GeV): E_PS/E_ECAL is
    # far below an electron's; the same pair starting at the ECAL front looks like one electron shower
    deep = cuts_at(card, 0.20, [20.0, 0.0, 0.0, 15.0, 0.0, 0.0], 0.5)
    early = cuts_at(card, 0.0005, [20.0, 0.0, 0.0, 15.0, 0.0, 0.0], 0.5)
    assert not deep["longitudinal"]
    assert early["longitudinal"]
    # a soft pair next to a hard recoil never fails it (the PS fraction of the recoil dominates)
    assert cuts_at(card, 0.20, [1.0, 0.0, 0.0, 0.5, 0.0, 0.0], 40.0)["longitudinal"]
    # PS back face: 16 layers of 3 mm (EPJC2023 Sect. 3.1) = 4.3 X0
    assert preshower_end_m(card) / card.radiation_length_m == pytest.approx(4.34, abs=0.01)


def test_pair_near_the_back_face_leaks_into_the_veto(card) -> None:  # type: ignore[no-untyped-def]
    # a pair decaying 1 X0 before the ECAL end leaks most of its energy: the VETO fires; 36 X0 before, it does not
    assert not cuts_at(card, 0.44, [20.0, 0.0, 0.0, 15.0, 0.0, 0.0], 10.0)["veto"]
    assert cuts_at(card, 0.05, [20.0, 0.0, 0.0, 15.0, 0.0, 0.0], 10.0)["veto"]
    # the charged-particle response (Rossi B): N = (dE/dt)/E_c of the gamma profile
    E, t, Ec, b = 10.0, 20.0, 0.00826, 0.5
    a = 1.0 + b * (math.log(E / Ec) - 0.5)
    expect = E * b * (b * t) ** (a - 1.0) * math.exp(-b * t) / gamma(a) / Ec
    assert leak_charged_particles(E, t, Ec, b) == pytest.approx(expect, rel=1e-12)
    # ... whose integral over depth is the total track length E/E_c (PDG Sect. 34.5)
    ts = np.linspace(1e-6, 200.0, 200001)
    track = np.trapezoid([leak_charged_particles(E, x, Ec, b) for x in ts[::100]], ts[::100])
    assert track == pytest.approx(E / Ec, rel=1e-3)
    # VETO deposit of leaking showers: one MIP per charged particle (at most the leaked energy), against the capped
    # response min(leak, 1 MIP) per lepton; the energy is conserved in both
    off = card.with_cuts(veto_charged_flux=False)
    z, lep = 0.25, [5.0, 0, 0, 3.0, 0, 0]
    _, dep_on = deposits_at(card, z, lep)
    _, dep_off = deposits_at(off, z, lep)
    t_rem = (card.ecal.z_end_m - z) / card.radiation_length_m
    ec = card.critical_energy_GeV
    leaks = [e * (1.0 - gammainc(max(1.0 + 0.5 * (math.log(e / ec) - 0.5), 1.0), 0.5 * t_rem)) for e in (5.0, 3.0)]
    n_ch = [leak_charged_particles(e, t_rem, ec, 0.5) for e in (5.0, 3.0)]
    assert dep_on[1] == pytest.approx(
        sum(min(n * card.veto_mip_GeV, lk) for n, lk in zip(n_ch, leaks, strict=True)), rel=1e-9
    )
    assert dep_off[1] == pytest.approx(sum(min(card.veto_mip_GeV, lk) for lk in leaks), rel=1e-9)
    assert dep_on[0] == dep_off[0]
    assert dep_on.sum() == pytest.approx(dep_off.sum(), rel=1e-12)
    assert dep_on.sum() == pytest.approx(8.0, rel=1e-12)


def test_hcal1_periphery_cut(card) -> None:  # type: ignore[no-untyped-def]
    # a soft pair from a decay in the gap before HCAL1 entering a periphery cell (x = 0.12 m > 0.10 m) is rejected;
    # entering the central cell it is not (both below the 1 GeV HCAL box)
    assert not cuts_at(card, 0.7, [0.3, 1.2, 0.0, 0.3, 1.2, 0.0], 40.0)["hcal1_periphery"]
    assert cuts_at(card, 0.7, [0.3, 0.0, 0.0, 0.3, 0.0, 0.0], 40.0)["hcal1_periphery"]
    # below the cell threshold (0.1 GeV) the periphery energy is noise
    assert cuts_at(card, 0.7, [0.04, 1.2, 0.0, 0.04, 1.2, 0.0], 40.0)["hcal1_periphery"]


def test_no_pair_energy_passes_every_cut(card) -> None:  # type: ignore[no-untyped-def]
    # a chi2 decaying beyond the set-up leaves no pair energy: the invisible-mode efficiency is the card's
    res = cuts_at(card, 7.0, [20.0, 0.0, 0.0, 15.0, 0.0, 0.0], 30.0)
    assert all(res.values())
    # the electron-profile window contains the recoil's own PS fraction at every energy
    for e_base in (0.05, 1.0, 10.0, 49.0):
        assert cuts_at(card, 7.0, [1.0, 0, 0, 1.0, 0, 0], e_base)["longitudinal"]


def test_each_cut_is_a_switchable_card_entry(card, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert set(card.cuts.enabled()) == set(CUT_NAMES)
    assert all(card.cuts.enabled().values())  # paper-faithful: EPJC2023 applied them
    off = card.with_cuts(**dict.fromkeys(CUT_NAMES, False))
    assert not any(off.cuts.enabled().values())
    assert off.detector_key() != card.detector_key()  # caches keep the two apart
    # a pair that fails every cut passes them all when they are off
    res = cuts_at(off, 0.44, [20.0, 0.5, 0.0, 15.0, 0.0, 0.0], 0.5)
    assert all(res.values())
    # a card without [cuts]: VETO on, the rest off; an enabled cut without its value is a CardError
    from semivis.detector.cards import CARDS_PACKAGE_DIR  # noqa: PLC0415

    text = (CARDS_PACKAGE_DIR / "na64-2016-2018.toml").read_text()
    head = text.split("\n# NA64's cuts acting on the chi2")[0]
    (tmp_path / "old.toml").write_text(head)
    old = load_card(tmp_path / "old.toml")
    assert old.cuts.enabled() == dict(dict.fromkeys(CUT_NAMES, False), veto=True)
    (tmp_path / "bad.toml").write_text(head + "\n[cuts.lateral]\nenabled = true\n")
    with pytest.raises(CardError, match=r"cuts\.lateral\.max_outside_fraction"):
        load_card(tmp_path / "bad.toml")
    (tmp_path / "typo.toml").write_text(head + "\n[cuts.lateral]\nmax_outside = 0.1\n")
    with pytest.raises(CardError, match="unknown key"):
        load_card(tmp_path / "typo.toml")
