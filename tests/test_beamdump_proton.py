"""Proton beam dumps (issue 14, item 4): CHARM and NuCal cards, meson spectra and radiative decays, proton
bremsstrahlung, and validation of the minimal dark photon limits against the DARKCAST digitisations of Tsai,
deNiverville, Liu PRL 126 (2021) 181801 Fig. 3a (tests/data/reference/darkcast/SOURCES.md)."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import integrate

from semivis.beamdump import (
    MESONS,
    barton_alpha,
    bmpt_pi_plus,
    br_meson_to_gamma_ap,
    dump_sample,
    inelastic_intervals,
    load_dump,
    meson_invariant,
    pbrem_w,
    proton_ap_production,
    proton_form_factor,
    sample_meson_ap,
)
from semivis.beamdump.mesons import sigma_inel_mb
from semivis.cli import main
from semivis.constants import alpha, m_p
from semivis.errors import CardError, ParameterError
from semivis.testing import edited_card

CURVES = {"charm": "CHARM_Tsai2019mtm.lmt", "nucal": "NuCAL_Tsai2019mtm.lmt"}
# validation masses [GeV] per card (inside the published ranges, away from the tips)
MASSES = {"charm": (0.005, 0.01, 0.03, 0.15, 0.2), "nucal": (0.005, 0.03, 0.1, 0.2, 0.4, 0.6)}
#: NuCal above this mass is the proton-bremsstrahlung region (the reference's bremsstrahlung is 4x lower, see docs)
BREM_REGION = 0.3
#: CHARM masses of the pi0 region (m < m_pi0), where the lower edge is 27-33 % low (see docs)
CHARM_PI0_REGION = 0.135


@pytest.fixture(scope="module")
def edges(dump_edges_table: Callable[..., dict[str, list[tuple[float, ...]]]]) -> dict[str, list[tuple[float, ...]]]:
    """(m, lower, upper, ref lower, ref upper) per card (conftest's ``dump_edges_table``; the cards' own
    statistics and seeds)."""
    return dump_edges_table(CURVES, MASSES)


# --- cards -----------------------------------------------------------------------------------------------------


def test_proton_cards_load_with_sources() -> None:
    charm, nucal = load_dump("charm"), load_dump("nucal")
    assert (charm.particle, charm.energy_GeV, charm.n_on_target, charm.shield_m, charm.decay_m) == (
        "p",
        400.0,
        2.4e18,
        480.0,
        35.0,
    )
    assert (nucal.particle, nucal.energy_GeV, nucal.n_on_target, nucal.shield_m, nucal.decay_m) == (
        "p",
        70.0,
        1.71e18,
        64.0,
        23.0,
    )
    assert nucal.detector_shape == "circle"
    assert nucal.detector_half_width_m == 1.3  # 2.6 m diameter
    assert charm.s_up == pytest.approx(-math.log(0.1))  # 0 events, 90 % CL
    assert charm.material is None
    assert charm.lambda_int_m == pytest.approx(0.1532, rel=1e-3)  # PDG Cu: 15.32 cm
    assert nucal.lambda_int_m == pytest.approx(0.1678, rel=1e-3)  # PDG Fe: 16.77 cm
    assert load_dump("e137").particle == "e-"  # electron cards unchanged
    with pytest.raises(ParameterError, match="card"):
        _ = charm.target


def _write(tmp_path: Path, old: str, new: str) -> Path:
    return edited_card(tmp_path, "dumps/charm.toml", old, new)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('processes = ["pi0", "eta"]', 'processes = ["brem"]', "production.processes"),
        ('processes = ["pi0", "eta"]', 'processes = ["kaon"]', "production.processes.0"),
        ("A = 63.546\n", "", "dump.A"),
        ("interaction_length_g_cm2 = 137.3\n", "", "dump.interaction_length_g_cm2"),
        ('particle = "p"', 'particle = "e-"', "production.processes"),
        ('particle = "p"', 'particle = "mu-"', "beam.particle"),
        ('detector_shape = "square"', 'detector_shape = "hexagon"', "geometry.detector_shape"),
        ("detector_offset_m = 5.0", "detector_offset_m = 5.0\ndetector_tilt = 1.0", "geometry.detector_tilt"),
        ("density_g_cm3 = 8.96", "density_g_cm3 = -8.96", "dump.density_g_cm3"),
    ],
)
def test_bad_proton_cards_name_the_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    with pytest.raises(CardError, match=f"key '{re.escape(key)}'"):
        load_dump(_write(tmp_path, old, new))


def test_electron_card_refuses_proton_keys(tmp_path: Path) -> None:
    src = Path(__file__).parents[1] / "src" / "semivis" / "data" / "dumps" / "e137.toml"
    p = tmp_path / "bad.toml"
    p.write_text(src.read_text(encoding="utf-8").replace("thickness_m = 2.0", "thickness_m = 2.0\nA = 27.0"), "utf-8")
    with pytest.raises(CardError, match=re.escape("key 'dump.A'")):
        load_dump(p)


def test_detector_face_shapes() -> None:
    charm, nucal = load_dump("charm"), load_dump("nucal")
    x = np.array([5.0, 6.4, 3.6, 5.0, 0.0])
    y = np.array([0.0, 0.0, 0.0, 1.6, 0.0])
    assert charm.on_face(x, y).tolist() == [True, True, True, False, False]  # 3 m x 3 m square centred at x = 5 m
    xc = np.array([0.0, 1.2, 0.95, 0.95])
    yc = np.array([0.0, 0.0, 0.85, 0.95])
    assert nucal.on_face(xc, yc).tolist() == [True, True, True, False]  # circle of radius 1.3 m


# --- meson spectra and decays ----------------------------------------------------------------------------------


def test_meson_radiative_branching_limits() -> None:
    """BR(M -> gamma A') = 2 eps^2 BR(M -> gamma gamma)(1 - m^2/M^2)^3 (Batell, Pospelov, Ritz 2009): m -> 0 gives
    2 eps^2 BR_gg, the channel closes at m_M, and the cube of the phase-space factor at an inner point."""
    for name, meson in MESONS.items():
        assert float(br_meson_to_gamma_ap(name, 1e-9, 1e-3)) == pytest.approx(2e-6 * meson.br_gg, rel=1e-12)
        assert float(br_meson_to_gamma_ap(name, meson.mass)) == 0.0
        assert float(br_meson_to_gamma_ap(name, 1.5 * meson.mass)) == 0.0
        assert float(br_meson_to_gamma_ap(name, 0.5 * meson.mass)) == pytest.approx(2 * meson.br_gg * 0.75**3)
    with pytest.raises(ParameterError, match="meson"):
        br_meson_to_gamma_ap("kaon", 0.1)


def test_meson_decay_kinematics_conserve_four_momentum() -> None:
    """A' on its mass shell, the parent meson on its own, and meson - A' a massless photon (M -> gamma A')."""
    rng = np.random.default_rng(5)
    m = 0.2
    ap, w, mes = sample_meson_ap("eta", m, 400.0, 63.546, 137.3, 4000, rng, E_min=3.0)
    ok = w > 0
    assert ok.sum() > 3000
    ap, mes = ap[ok], mes[ok]

    def m2(p: np.ndarray) -> np.ndarray:
        return np.asarray(p[:, 0] ** 2 - np.sum(p[:, 1:] ** 2, axis=1))

    assert np.allclose(m2(ap), m * m, rtol=0, atol=1e-6 * ap[:, 0] ** 2)
    assert np.allclose(m2(mes), MESONS["eta"].mass ** 2, rtol=0, atol=1e-6 * mes[:, 0] ** 2)
    gam = mes - ap
    assert np.all(gam[:, 0] > 0)
    assert np.allclose(m2(gam), 0.0, rtol=0, atol=1e-6 * mes[:, 0] ** 2)
    assert np.all(mes[:, 0] <= 400.0 + 0.93827208816)  # never above the beam energy


def test_bmpt_shape_and_target_scaling() -> None:
    """BMPT pi+ vanishes at x_R -> 1 as (1 - x_R)^alpha; pi0 lies between pi- and pi+ (pi+/pi- = r0 (1 + x_R)^r1 >
    1); eta/pi0 is the NA27 ratio; Barton's alpha(0, 0) = 0.74 x 0.98."""
    x = np.array([0.05, 0.2, 0.5])
    pt = np.full(3, 0.3)
    pip = bmpt_pi_plus(x, pt)
    pi0 = meson_invariant("pi0", x, pt)
    assert np.all(pi0 < pip)
    assert np.all(pi0 > 0.5 * pip)
    assert float(meson_invariant("eta", 0.2, 0.3) / meson_invariant("pi0", 0.2, 0.3)) == pytest.approx(0.30 / 3.87)
    near1 = bmpt_pi_plus(np.array([0.999, 0.9999]), np.array([0.3, 0.3]))
    assert near1[1] / near1[0] == pytest.approx(0.1**3.45, rel=0.05)
    assert float(barton_alpha(0.0, 0.0)) == pytest.approx(0.7252)
    assert float(bmpt_pi_plus(1.2, 0.3)) == 0.0


def _forward_pi0_multiplicity(E_beam: float) -> float:
    """Forward-hemisphere pi0 per p-Be interaction: Int dy* dpT^2 pi (E d3sigma/dp3) / sigma_inel(Be) (quadrature)."""
    M = MESONS["pi0"].mass
    s = 2 * m_p * m_p + 2 * m_p * E_beam
    e_max = (s + M * M - 4 * m_p * m_p) / (2 * math.sqrt(s))
    y_max = math.acosh(e_max / M)

    def f(pt: float, y: float) -> float:
        x = math.sqrt(pt * pt + M * M) * math.cosh(y) / e_max
        return float(meson_invariant("pi0", x, pt)) * 2 * pt * math.pi if x < 1 else 0.0

    return float(integrate.dblquad(f, 0.0, y_max, 0.0, 3.0)[0]) / sigma_inel_mb(9.012, 77.8)


def test_bmpt_forward_multiplicity_matches_na27() -> None:
    """Published-number check of the spectrum normalisation (BMPT read as the invariant cross section): forward pi0
    per 400 GeV p-Be interaction within [1.5, 4]: NA27 measured <n_pi0> = 3.87 in 400 GeV pp (Z. Phys. C 50 (1991)
    405), half of it forward, times 1.2-1.5 for beryllium -> 2.3-2.9; the 1.5-4 band allows for the A scaling."""
    n = _forward_pi0_multiplicity(400.0)
    assert 1.5 < n < 4.0, n
    assert 1.0 < _forward_pi0_multiplicity(70.0) < n  # fewer at 70 GeV (NuCal)


# --- proton bremsstrahlung -------------------------------------------------------------------------------------


def test_proton_form_factor_vmd() -> None:
    """F_1(0) = 1 (charge normalisation of the VMD couplings); resonant |F_1|^2 >> 1 at the rho/omega mass."""
    assert abs(complex(proton_form_factor(0.0))) == pytest.approx(1.0, abs=0.01)
    ff2 = np.abs(proton_form_factor(np.array([0.3, 0.77]) ** 2)) ** 2
    assert ff2[1] > 10.0 > ff2[0] > 1.0


def test_pbrem_splitting_function_limits() -> None:
    """Bluemlein-Brunner w(z, pT^2): for z -> 0 it is the Weizsaecker-Williams 1/z law, z w -> alpha/(pi (pT^2 + m^2));
    positive over BB's validity region; eps-independent (eps^2 factored out)."""
    for m, pt2 in ((0.01, 0.04), (0.5, 0.2)):
        z = 1e-7
        assert z * float(pbrem_w(z, pt2, m)) == pytest.approx(alpha / (math.pi * (pt2 + m * m)), rel=1e-4)
    zz, pp = np.meshgrid(np.linspace(0.1, 0.9, 17), np.linspace(0.0, 1.0, 11))
    for m in (0.001, 0.1, 0.77, 1.2):
        assert np.all(pbrem_w(zz, pp, m) > 0)


# --- production sample, reproducibility ------------------------------------------------------------------------


def test_proton_sample_is_reproducible_and_split_by_process() -> None:
    card = dataclasses.replace(load_dump("nucal"), n_primaries=50)
    a = proton_ap_production(card, 0.1, 50, np.random.SeedSequence(3))
    b = proton_ap_production(card, 0.1, 50, np.random.SeedSequence(3))
    assert np.array_equal(a.E, b.E)
    assert np.array_equal(a.weight, b.weight)
    assert np.array_equal(a.z, b.z)
    assert np.all(card.energy_threshold_GeV <= a.E)
    assert np.all((a.z >= 0) & (a.z <= card.dump_thickness_m))
    per = [a.yield_per_eot(k) for k in (0, 1, 2)]
    assert all(p > 0 for p in per)
    assert sum(per) == pytest.approx(a.yield_per_eot())
    above = proton_ap_production(card, 0.2, 50, np.random.SeedSequence(3))
    assert above.yield_per_eot(0) == 0.0  # pi0 -> gamma A' closed above m_pi0
    s1 = dump_sample(card, 0.05)
    s2 = dump_sample(card, 0.05)
    assert np.array_equal(s1.acc, s2.acc)
    assert np.array_equal(s1.weight, s2.weight)


def test_inelastic_path_at_a_proton_dump() -> None:
    """iDM (R = 3, Delta = 0.4, alpha_D = 0.1) at CHARM: one excluded eps interval at m_A' = 0.1 GeV, inside
    [1e-6, 0.1]; nothing for a mass whose only source (eta) is closed."""
    card = dataclasses.replace(load_dump("charm"), n_primaries=300)
    iv = inelastic_intervals(card, "idm", (0.1, 0.1 / 3, 0.14 / 3), 0.1)
    assert len(iv) == 1
    lo, hi = iv[0]
    assert 1e-6 < lo < hi < 0.1
    assert inelastic_intervals(card, "idm", (0.6, 0.2, 0.28), 0.1) == []


# --- validation against Tsai, deNiverville, Liu 2021 (DARKCAST) --------------------------------------------------


def test_upper_edges_within_30_percent(edges: dict[str, list[tuple[float, ...]]]) -> None:
    """Short-lived (upper) edge within 30 % in eps of the published curve: CHARM at every validation mass (0-14 %),
    NuCal in the meson region (0-9 %)."""
    for name, rows in edges.items():
        for m, _lo, hi, _rlo, rhi in rows:
            if name == "nucal" and m >= BREM_REGION:
                continue
            assert abs(hi / rhi - 1.0) < 0.30, (name, m, hi, rhi)


def test_lower_edges_within_30_percent(edges: dict[str, list[tuple[float, ...]]]) -> None:
    """Long-lived (lower) edge within 30 % in eps: NuCal in the meson region (16-24 % low), CHARM in the eta region
    (1-6 % low)."""
    for name, rows in edges.items():
        for m, lo, _hi, rlo, _rhi in rows:
            if (name == "nucal" and m < BREM_REGION) or (name == "charm" and m > CHARM_PI0_REGION):
                assert abs(lo / rlo - 1.0) < 0.30, (name, m, lo, rlo)


@pytest.mark.xfail(
    strict=True,
    reason="CHARM lower edge in the pi0 region is 26-33 % low in eps (the long-lived signal 3-5x the reference's; "
    "the eta region agrees): the CHARM pair-energy cut or the reference's pi0 yield; docs/physics/constraints.md",
)
def test_charm_lower_edge_pi0_region(edges: dict[str, list[tuple[float, ...]]]) -> None:
    for m, lo, _hi, rlo, _rhi in edges["charm"]:
        if m < CHARM_PI0_REGION:
            assert abs(lo / rlo - 1.0) < 0.30, (m, lo, rlo)


@pytest.mark.xfail(
    strict=True,
    reason="NuCal bremsstrahlung region (0.3-0.7 GeV): lower edges 32-51 % low, upper 23-47 % high; the reference's "
    "code (BdNMC) carries an extra 1/4 in the Bluemlein-Brunner splitting function; docs/physics/constraints.md",
)
def test_nucal_brem_region(edges: dict[str, list[tuple[float, ...]]]) -> None:
    for m, lo, hi, rlo, rhi in edges["nucal"]:
        if m >= BREM_REGION:
            assert abs(lo / rlo - 1.0) < 0.30, (m, lo, rlo)
            assert abs(hi / rhi - 1.0) < 0.30, (m, hi, rhi)


def test_lower_edge_scales_as_inverse_root_mass(edges: dict[str, list[tuple[float, ...]]]) -> None:
    """Long-lived regime below m_pi0: N ~ eps^4 m^2 <1/p> with a mass-independent yield, so eps_lower ~ m^-1/2,
    as the published curves (ratio 0.005 -> 0.03 GeV within 10 % of sqrt(6) for both the curve and semivis)."""
    for name in ("charm", "nucal"):
        rows = {r[0]: r for r in edges[name]}
        ours = rows[0.005][1] / rows[0.03][1]
        ref = rows[0.005][3] / rows[0.03][3]
        assert ours == pytest.approx(math.sqrt(6.0), rel=0.12), name
        assert ref == pytest.approx(math.sqrt(6.0), rel=0.12), name


# --- command line ----------------------------------------------------------------------------------------------


def test_cli_constraint_proton_dumps(tmp_path: Path) -> None:
    """`semivis constraint charm --model idm` and `nucal --model visible` run and draw a region; one primary (20
    weighted draws per process) still gives a valid, possibly empty, result."""
    r = CliRunner()
    env = {"SEMIVIS_CACHE_DIR": str(tmp_path / "cache")}
    res = r.invoke(
        main,
        ["constraint", "charm", "--model", "idm", "--nx", "2", "--ny", "12", "--x-min", "0.05", "--x-max", "0.2",
         "--y-min", "1e-7", "--y-max", "1e-1", "--n-primaries", "200", "--out", str(tmp_path / "i.nc"), "--json",
         str(tmp_path / "i.json")],
        env=env,
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "i.json").read_text())
    assert summary["experiment"] == "charm"
    assert summary["contours"]
    assert summary["s_up"] == pytest.approx(-math.log(0.1))
    res = r.invoke(
        main,
        ["constraint", "nucal", "--model", "visible", "--nx", "2", "--ny", "30", "--x-min", "0.01", "--x-max",
         "0.1", "--n-primaries", "100", "--out", str(tmp_path / "v.nc"), "--json", str(tmp_path / "v.json")],
        env=env,
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "v.json").read_text())["contours"]
    res = r.invoke(
        main,
        ["constraint", "charm", "--model", "visible", "--nx", "2", "--ny", "4", "--n-primaries", "1", "--out",
         str(tmp_path / "t.nc")],
        env=env,
    )  # fmt: skip
    assert res.exit_code == 0, res.output


def test_drawn_mass_range_is_the_reference_curves() -> None:
    """A computed proton-dump region is drawn only up to the last mass of the curve it was validated on: the card's
    reference_m_ap_max_GeV is that mass (DARKCAST file), and the registry entry uses it."""
    from semivis.constraints import CONSTRAINTS  # noqa: PLC0415

    ref = Path(__file__).parent / "data" / "reference" / "darkcast"
    for name in ("charm", "nucal"):
        card = load_dump(name)
        assert card.reference_m_ap_max_GeV == pytest.approx(np.loadtxt(ref / card.reference_curve)[:, 0].max())
        assert CONSTRAINTS[f"{name}_computed"]._curves.keywords["m_ap_max"] == card.reference_m_ap_max_GeV  # type: ignore[attr-defined]
    assert load_dump("e137").reference_m_ap_max_GeV is None
