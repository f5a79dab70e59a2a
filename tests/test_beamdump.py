"""Beam-dump cards and the electron-dump engine (issue 14): card validation, decay law, lifetimes, reproducibility,
and validation of the minimal dark photon limits against the DARKCAST digitisations of Andreas, Niebuhr,
Ringwald PRD 86 (2012) 095019 Fig. 2 (tests/data/reference/darkcast/SOURCES.md)."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from semivis.beamdump import (
    dump_sample,
    list_dumps,
    load_dump,
    visible_branching,
    visible_ctau_m,
    visible_edges,
    visible_n_signal,
)
from semivis.beamdump._kernels import decay_sums
from semivis.constants import GeV2_to_pb, alpha, hbar_c_GeV_m, m_e
from semivis.errors import CardError
from semivis.production import dark_brem_sigma, simulate_ap_production
from semivis.testing import edited_card

CURVES = {"e137": "E137_Andreas2012mt.lmt", "e141": "E141_Riordan1987aw.lmt", "orsay": "Orsay_Davier1989wz.lmt"}
# Masses inside each published range (GeV); the tip (where both edges meet) is excluded: there the edges are
# ill-conditioned in eps.
MASSES = {
    "e137": (0.003, 0.01, 0.03, 0.1, 0.2, 0.25),
    "e141": (0.0015, 0.003, 0.006, 0.01),
    "orsay": (0.002, 0.005, 0.01, 0.02, 0.04, 0.06),
}


@pytest.fixture(scope="module")
def edges(dump_edges_table: Callable[..., dict[str, list[tuple[float, ...]]]]) -> dict[str, list[tuple[float, ...]]]:
    """(m, lower, upper, ref lower, ref upper) per card (conftest's ``dump_edges_table``; the cards' own
    statistics and seeds)."""
    return dump_edges_table(CURVES, MASSES)


# --- cards -----------------------------------------------------------------------------------------------------


def test_shipped_cards_load_with_sources() -> None:
    assert list_dumps() == ["charm", "e137", "e141", "nucal", "orsay"]
    e137 = load_dump("e137")
    assert (e137.energy_GeV, e137.n_on_target, e137.shield_m, e137.decay_m) == (20.0, 1.87e20, 179.0, 204.0)
    assert (e137.detector_half_width_m, e137.s_up, e137.cl) == (1.5, 3.0, 0.95)
    e141 = load_dump("e141")
    assert (e141.energy_GeV, e141.n_on_target, e141.dump_thickness_m, e141.decay_m) == (9.0, 2e15, 0.12, 35.0)
    assert load_dump("orsay").energy_GeV == 1.6


def test_dump_materials_pdg() -> None:
    """Radiation lengths of the dump materials added for the cards (PDG: Al 8.897 cm, W 0.3504 cm)."""
    assert load_dump("e137").material.X0_m == pytest.approx(0.08897, rel=1e-3)
    assert load_dump("e141").material.X0_m == pytest.approx(0.003504, rel=1e-3)


def _write(tmp_path: Path, old: str, new: str) -> Path:
    return edited_card(tmp_path, "dumps/e137.toml", old, new)


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("decay_m = 204.0", "decay_m = 204.0\ndecay_cm = 1.0", "geometry.decay_cm"),
        ("shield_m = 179.0\n", "", "geometry.shield_m"),
        ("energy_GeV = 20.0", "energy_GeV = nan", "beam.energy_GeV"),
        ("energy_GeV = 20.0", "energy_GeV = -1.0", "beam.energy_GeV"),
        ('material = "aluminium"', 'material = "unobtainium"', "dump.material"),
        ('material = "aluminium"', 'material = "polystyrene"', "dump.material"),
        ("shield_m = 179.0", "shield_m = 1.0", "geometry.shield_m"),
        ("energy_threshold_GeV = 1.0", "energy_threshold_GeV = 25.0", "detector.energy_threshold_GeV"),
        ('final_states = ["e+e-"]', 'final_states = ["gamma gamma"]', "signal.final_states.0"),
    ],
)
def test_bad_cards_name_the_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    with pytest.raises(CardError, match=f"key '{re.escape(key)}'"):
        load_dump(_write(tmp_path, old, new))


def test_unknown_card_and_s_up_from_stats(tmp_path: Path) -> None:
    with pytest.raises(CardError, match="no such beam-dump card"):
        load_dump("e999")
    card = load_dump(_write(tmp_path, "s_up = 3.0\n", ""))
    assert card.s_up == pytest.approx(-math.log(0.05))  # n_obs = 0, b = 0: s_up = -ln(1 - CL) (stats.upper_limit)


# --- physics of the engine -------------------------------------------------------------------------------------


def test_ctau_and_branching_below_dimuon_threshold() -> None:
    """Below 2 m_mu the A' decays only to e+e-: Gamma = alpha eps^2 m/3 (1 + 2 r)(1 - 4 r)^1/2, r = m_e^2/m^2."""
    m, eps = 0.05, 1e-5
    r = (m_e / m) ** 2
    gam = alpha * eps**2 * m / 3.0 * (1 + 2 * r) * math.sqrt(1 - 4 * r)
    assert float(visible_ctau_m(m, eps)) == pytest.approx(hbar_c_GeV_m / gam, rel=1e-6)
    assert visible_branching(m, "e+e-") == pytest.approx(1.0)
    assert visible_branching(0.3, "e+e-") + visible_branching(0.3, "mu+mu-") + visible_branching(
        0.3, "hadrons"
    ) == pytest.approx(1.0)


def test_decay_sums_exponential_law() -> None:
    """One particle, full acceptance: P = exp(-(a - z0)/L) - exp(-(b - z0)/L), written as
    exp(-(a - z0)/L) (1 - exp(-(b - a)/L)) so the reference keeps its digits for L >> b - a; long-lived limit
    (b - a)/L."""
    pm = np.array([100.0])
    z0 = np.array([0.5])
    w = np.array([2.0])
    acc = np.ones((1, 4))
    edges = np.linspace(10.0, 30.0, 5)
    ct = np.array([0.01, 0.1, 1.0, 1e6])
    got = decay_sums(pm, z0, w, acc, edges, ct)
    L = pm[0] * ct
    want = 2.0 * np.exp(-(10.0 - 0.5) / L) * -np.expm1(-20.0 / L)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[-1] == pytest.approx(2.0 * 20.0 / L[-1], rel=1e-4)


def test_sample_is_reproducible_and_signal_scales_as_eps4_when_long_lived() -> None:
    card = dataclasses.replace(load_dump("orsay"), n_primaries=300)
    a, b = dump_sample(card, 0.01), dump_sample(card, 0.01)
    assert np.array_equal(a.weight, b.weight)
    assert np.array_equal(a.acc, b.acc)
    n1, n2 = visible_n_signal(a, [1e-9, 2e-9])
    assert n2 / n1 == pytest.approx(16.0, rel=1e-3)  # production eps^2 x decay probability L_dec/L ~ eps^2


# --- validation against the published curves (95 % CL, Andreas et al. 2012) ------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", ["e137", "orsay"])
def test_upper_edge_within_30_percent(edges: dict[str, list[tuple[float, ...]]], name: str) -> None:
    """Short-lived edge (exp(-L_sh/L) suppression): within 30 % in eps of the published curve at every mass."""
    for m, _lo, hi, _rlo, rhi in edges[name]:
        assert abs(hi / rhi - 1.0) < 0.30, (name, m, hi, rhi)


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="E141: the card's detector aperture is an assumption (no published aperture); the upper edge is "
    "19-31 % high up to 10 MeV and the lower edge off by up to 2x; see docs/physics/constraints.md",
)
def test_e141_within_30_percent(edges: dict[str, list[tuple[float, ...]]]) -> None:
    for m, lo, hi, rlo, rhi in edges["e141"]:
        assert abs(hi / rhi - 1.0) < 0.30, (m, hi, rhi)
        assert abs(lo / rlo - 1.0) < 0.30, (m, lo, rlo)


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="lower (long-lived) edges are 1.2-3x weaker in eps than Andreas et al. 2012 with the cards' energy "
    "thresholds; see docs/physics/constraints.md (Orsay is reproduced without an energy cut)",
)
@pytest.mark.parametrize("name", ["e137", "orsay"])
def test_lower_edge_within_30_percent(edges: dict[str, list[tuple[float, ...]]], name: str) -> None:
    for m, lo, _hi, rlo, _rhi in edges[name]:
        assert abs(lo / rlo - 1.0) < 0.30, (name, m, lo, rlo)


@pytest.mark.slow
def test_dump_yield_is_the_thick_target_track_length_integral() -> None:
    """The cascade's A' yield above E_cut in the E137 dump (20 GeV e- on aluminium) is the whole-shower thick-target
    integral Y = n X0 Int_{E_cut}^{E0} dE (0.437 E0/E^2) sigma(E; x > E_cut/E) (differential e+- track length of
    Rossi and Greisen, Rev. Mod. Phys. 13 (1941) 240, approximation A, E_cut >> eps_c) within 25 % at 3, 10 and
    100 MeV and E_cut = 1 GeV: the emitters include every secondary e+- above the threshold, so the long-lived
    (lower) edges are not limited by the production (docs/physics/constraints.md, lower-edge diagnosis)."""
    card = load_dump("e137")
    mat = card.target.layers[0][0]  # the homogeneous dump: one (material, thickness) layer
    e0, e_cut = card.energy_GeV, card.energy_threshold_GeV
    for m in (0.003, 0.01, 0.1):
        ap = simulate_ap_production(card.target, e0, m, n_primaries=400, seed=2, E_min_GeV=e_cut, processes=("brem",))
        es = np.geomspace(e_cut * 1.001, e0 * 0.999, 80)
        sig = np.array([float(dark_brem_sigma(e, m, mat, x_min=max(e_cut / e, 1.001 * m / e))) for e in es])
        y_track = mat.n_nuclei_m3 * mat.X0_m * np.trapezoid(0.437 * e0 / es**2 * sig * GeV2_to_pb * 1e-40, es)
        assert abs(ap.yield_per_eot() / y_track - 1.0) < 0.25, (m, ap.yield_per_eot(), y_track)


@pytest.mark.slow
def test_e137_published_lower_edge_is_out_of_reach_of_a_1_gev_threshold(
    darkcast_edges: Callable[[str, float], tuple[float, float]],
) -> None:
    """Bound behind the E137 lower-edge xfail: with the card's 1 GeV threshold, a detector face of 2 km (every
    decay in the volume accepted, so the emitters' angles do not matter), the computed long-lived edge at
    3 MeV is still > 1.4x the published one (measured +70 %): no acceptance model with a 1 GeV visible-energy
    threshold reproduces Andreas et al. 2012 at low mass (docs/physics/constraints.md, lower-edge diagnosis)."""
    card = dataclasses.replace(load_dump("e137"), detector_half_width_m=1000.0, n_primaries=500)
    e = visible_edges(card, 0.003)
    assert e.lower is not None
    assert e.lower / darkcast_edges(CURVES["e137"], 0.003)[0] > 1.4, e.lower


@pytest.mark.slow
def test_orsay_lower_edge_is_the_no_threshold_limit(
    darkcast_edges: Callable[[str, float], tuple[float, float]],
) -> None:
    """Diagnostic of the published Orsay lower edge: with the energy cut lowered to 50 MeV (essentially none at a
    1.6 GeV beam) the computed long-lived edge agrees with Andreas et al. 2012 within 15 % at 2-40 MeV."""
    card = dataclasses.replace(load_dump("orsay"), energy_threshold_GeV=0.05, n_primaries=500)
    for m in (0.002, 0.01, 0.04):
        e = visible_edges(card, m)
        assert e.lower is not None
        assert abs(e.lower / darkcast_edges(CURVES["orsay"], m)[0] - 1.0) < 0.15, (m, e.lower)
