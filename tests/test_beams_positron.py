"""Positron beams (issue 15, docs/beams.md): resonant annihilation of the beam positron with beam energy spread and
A' width, against the analytic cross section folded with the beam's Gaussian energy distribution."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from scipy.special import erf

from semivis.constants import hbar_c_GeV_m, m_e
from semivis.detector import load_card
from semivis.errors import ParameterError
from semivis.production import (
    TargetSpec,
    annihilation_sigma_bw,
    annihilation_sigma_integral,
    load_material,
    simulate_ap_production,
)

E0 = 100.0
SPREAD = 0.01  # sigma_E/E0: sigma_E = 1 GeV
SIG_E = SPREAD * E0
N_PRIM = 20000


def _mass(E_res: float) -> float:
    """m_A' whose resonance E_res = (m^2 - 2 m_e^2)/(2 m_e) is at ``E_res`` (annihilation.py)."""
    return math.sqrt(2.0 * m_e * E_res + 2.0 * m_e**2)


@pytest.fixture(scope="module")
def thin_lead() -> TargetSpec:
    """1e-3 X0 of lead: the positron keeps its energy (soft loss 1.3e-5 E, hard brem y > 1 % with prob. 0.5 %)."""
    pb = load_material("lead")
    return TargetSpec.homogeneous(pb, 1e-3 * pb.X0_m, name="lead-thin")


def _gauss_box(E_res: float, delta: float) -> float:
    """Gaussian beam density averaged over the narrow-width window [E_res(1-delta), E_res(1+delta)] (1/GeV)."""
    lo, hi = E_res * (1 - delta), E_res * (1 + delta)
    c = 0.5 * (erf((hi - E0) / (math.sqrt(2) * SIG_E)) - erf((lo - E0) / (math.sqrt(2) * SIG_E)))
    return float(c / (hi - lo))


def _gauss(E: float) -> float:
    return math.exp(-0.5 * ((E - E0) / SIG_E) ** 2) / (math.sqrt(2 * math.pi) * SIG_E)


@pytest.mark.parametrize("E_res", [97.5, 99.0, 100.0, 101.0, 102.5])
def test_narrow_width_line_shape_is_the_folded_cross_section(thin_lead: TargetSpec, E_res: float) -> None:
    """Narrow width: Y(m) = n_e L Int sigma dE+ x G(E_res), G the beam's Gaussian (Marsicano et al. PRD 98 (2018)
    015031 Eq. 3 folded with the beam). The MC's window estimator (delta E_res = sigma_E/4) equals the box average
    of G within 3 MC sigma + 1 % (hard-brem loss in the thin target), and G(E_res) itself within 3 sigma + 2.5 %
    (window bias -delta^2/(6 sigma^2) ~ -1 % at the peak)."""
    m = _mass(E_res)
    s = simulate_ap_production(
        thin_lead, E0, m, n_primaries=N_PRIM, seed=11, E_min_GeV=90.0, processes=("annihilation",),
        beam_particle="e+", beam_energy_spread=SPREAD,
    )  # fmt: skip
    delta = s.meta["annihilation_window_delta"]
    assert delta * E_res == pytest.approx(SIG_E / 4)  # within 5 sigma_E of E0: half-width sigma_E/4
    norm = thin_lead.n_electrons_m3 * thin_lead.length_m * hbar_c_GeV_m**2 * float(annihilation_sigma_integral(m))
    y = s.yield_per_eot(2)
    rel = s.relative_error()
    assert np.all(s.process == 2)
    np.testing.assert_allclose(s.E, E_res + m_e)  # the line: E_A' = E_res + m_e = m^2/(2 m_e)
    assert y == pytest.approx(norm * _gauss_box(E_res, delta), rel=3 * rel + 0.01)
    assert y == pytest.approx(norm * _gauss(E_res), rel=3 * rel + 0.025)


@pytest.mark.parametrize("E_res", [98.0, 100.0, 101.5])
def test_breit_wigner_line_shape_is_the_folded_cross_section(thin_lead: TargetSpec, E_res: float) -> None:
    """Breit-Wigner (PDG Eq. 50.1, J = 1) with a width comparable to the beam spread (Gamma m/(2 m_e) = 1 GeV in
    E+): Y(m) = n_e L Int G(E) sigma_BW(E) dE (a Voigt profile) within 3 MC sigma + 1 %; the A' energies follow
    the BW x beam profile (weighted mean within 0.3 GeV of the folded one)."""
    m = _mass(E_res)
    gam = 2.0 * m_e * 1.0 / m
    s = simulate_ap_production(
        thin_lead, E0, m, n_primaries=N_PRIM, seed=12, E_min_GeV=80.0, processes=("annihilation",),
        Gamma_Ap=gam, beam_particle="e+", beam_energy_spread=SPREAD,
    )  # fmt: skip
    E = np.linspace(E0 - 5 * SIG_E, E0 + 5 * SIG_E, 20001)
    g = np.exp(-0.5 * ((E - E0) / SIG_E) ** 2) / (math.sqrt(2 * math.pi) * SIG_E)
    sig = annihilation_sigma_bw(E, m, gam)
    folded = float(np.trapezoid(g * sig, E))
    norm = thin_lead.n_electrons_m3 * thin_lead.length_m * hbar_c_GeV_m**2
    y = s.yield_per_eot(2)
    assert y == pytest.approx(norm * folded, rel=3 * s.relative_error() + 0.01)
    mean_E = float(np.sum(s.weight * s.E) / np.sum(s.weight))
    mean_ref = float(np.trapezoid(g * sig * (E + m_e), E)) / folded
    assert mean_E == pytest.approx(mean_ref, abs=0.3)


def test_breit_wigner_integral_equals_narrow_width(thin_lead: TargetSpec) -> None:
    """Summed over the line, the BW yield (HWHM 0.05 GeV in E+, 20x narrower than the beam) equals the narrow-width
    one: Int Y dE_res = n_e L Int sigma dE+ for both, within 3 MC sigma (independent seeds per mass, errors added
    in quadrature) + 1 % (the Lorentzian tails outside +-6 GeV, 0.5 %, and hard brem in the thin target)."""
    E_grid = np.linspace(94.0, 106.0, 25)
    dE = np.full(E_grid.size, E_grid[1] - E_grid[0])  # trapezoid weights
    dE[[0, -1]] *= 0.5
    norm = thin_lead.n_electrons_m3 * thin_lead.length_m * hbar_c_GeV_m**2
    for width in (2 * m_e * 0.05, None):
        ys, errs = [], []
        for i, E_res in enumerate(E_grid):
            m = _mass(float(E_res))
            s = simulate_ap_production(
                thin_lead, E0, m, n_primaries=4000, seed=100 + i, E_min_GeV=80.0, processes=("annihilation",),
                Gamma_Ap=None if width is None else width / m, beam_particle="e+", beam_energy_spread=SPREAD,
            )  # fmt: skip
            y = s.yield_per_eot(2) / (norm * float(annihilation_sigma_integral(m)))
            ys.append(y)
            errs.append(y * s.relative_error() if y > 0 else 0.0)  # beyond the 5-sigma beam: no yield, no error
        total = float(np.trapezoid(ys, E_grid))
        err = float(np.sqrt(np.sum((np.asarray(errs) * dE) ** 2)))
        assert total == pytest.approx(1.0, abs=3 * err + 0.01), (width, total, err)


def test_positron_beam_in_the_na64_ecal_peaks_at_the_resonance() -> None:
    """Thick NA64 ECAL, 100 GeV e+: at m_A' = sqrt(2 m_e E0) the beam positron's annihilation dominates the yield
    (> 10x bremsstrahlung + shower positrons, the 2022 positron run's motivation, arXiv:2308.15612), while an
    electron beam at the same mass gets < 1/10 of it; all annihilation A' sit on the line E_A' = m^2/(2 m_e)."""
    card = load_card("na64-2016-2022")
    m = _mass(99.0)
    kw: dict[str, Any] = {"n_primaries": 3000, "seed": 5, "E_min_GeV": 50.0}
    ep = simulate_ap_production(card.target, E0, m, beam_particle="e+", beam_energy_spread=SPREAD, **kw)
    em = simulate_ap_production(card.target, E0, m, **kw)
    ann = ep.yield_per_eot(2)
    assert ann > 10 * (ep.yield_per_eot(0) + ep.yield_per_eot(1))
    assert em.yield_per_eot() < 0.1 * ann
    np.testing.assert_allclose(ep.E[ep.process == 2], m * m / (2 * m_e), rtol=1e-12)
    assert ep.meta["beam_particle"] == "e+"


def test_electron_defaults_are_unchanged() -> None:
    """The new options at their defaults give the electron sample bit for bit (no extra random number drawn)."""
    tgt = load_card("na64-2016-2022").target
    a = simulate_ap_production(tgt, E0, 0.25, n_primaries=300, seed=9)
    b = simulate_ap_production(tgt, E0, 0.25, n_primaries=300, seed=9, beam_particle="e-", beam_energy_spread=0.0)
    for f in ("E", "theta", "phi", "z", "weight", "process"):
        assert np.array_equal(getattr(a, f), getattr(b, f))
    assert "beam_particle" not in a.meta


def test_bad_beam_options_raise() -> None:
    tgt = load_card("na64-2016-2022").target
    with pytest.raises(ParameterError, match="beam_particle"):
        simulate_ap_production(tgt, E0, 0.1, n_primaries=10, beam_particle="mu-")
    with pytest.raises(ParameterError, match="beam_energy_spread"):
        simulate_ap_production(tgt, E0, 0.1, n_primaries=10, beam_energy_spread=-0.01)
    with pytest.raises(ParameterError, match="annihilation_window"):
        simulate_ap_production(tgt, E0, 0.1, n_primaries=10, annihilation_window=0.0)


@pytest.mark.parametrize(
    ("name", "E0", "eot"), [("na64-positron-2022", 100.0, 1.01e10), ("na64-positron-2023", 70.0, 1.6e10)]
)
def test_positron_cards_load_and_drive_production(name: str, E0: float, eot: float) -> None:
    """The positron cards name the beam (e+, energy, spread) and the signal room's production uses them: an A'
    sample of the card at the beam resonance m = sqrt(2 m_e E0) is dominated by beam-positron annihilation."""
    from semivis.signal.events import build_event_sample  # noqa: PLC0415

    card = load_card(name)
    assert (card.beam_particle, card.beam_energy_GeV, card.eot) == ("e+", E0, eot)
    assert card.beam_energy_spread == pytest.approx(0.01)
    assert card.E_min_GeV == pytest.approx(E0 / 2)
    assert card.detector_key() != load_card("na64-2016-2022").detector_key()
    m = _mass(E0 - 1.0)
    ev = build_event_sample(card, "invisible", m, 0.3 * m, n_events=500, seed=4)
    w, proc = ev.arrays["ap.weight"], ev.arrays["ap.process"]
    assert w[proc == 2].sum() > 0.9 * w.sum()


def test_window_choice_does_not_bias_the_thick_target_yield() -> None:
    """NA64 ECAL, 100 GeV e+, E_res = 90 GeV (10 sigma_E below the beam): the default window (half-width
    (|E0 - E_res| - 5 sigma_E)/4 = 1.25 GeV) and a 3x narrower one estimate the same dT+/dE of the primary, within
    3 combined MC sigma + 2 % (window bias O(delta^2) on the smooth spectrum)."""
    card = load_card("na64-positron-2022")
    m = _mass(90.0)
    kw: dict[str, Any] = {"n_primaries": 4000, "E_min_GeV": 50.0, "processes": ("annihilation",), "beam_particle": "e+"}
    a = simulate_ap_production(card.target, E0, m, seed=21, beam_energy_spread=SPREAD, **kw)
    b = simulate_ap_production(
        card.target, E0, m, seed=22, beam_energy_spread=SPREAD, annihilation_window=1.25 / 90.0 / 3, **kw
    )
    assert a.meta["annihilation_window_delta"] * 90.0 == pytest.approx(1.25)
    ya, yb = a.yield_per_eot(2), b.yield_per_eot(2)
    err = math.hypot(a.relative_error(), b.relative_error())
    assert ya / yb == pytest.approx(1.0, abs=3 * err + 0.02)


def test_beams_figure_recipes_put_the_set_ups_side_by_side() -> None:
    """`semivis figure beams-fig3 / beams-fig8b`: the EPJC 2023 Fig. 3 / 8b benchmarks with the electron set-up
    and the two positron cards at their own statistics, with brem + annihilation, and the muon card (NA64mu,
    missing momentum, brem only; tests/test_beams_muon_scan.py), valid scan specs."""
    from semivis.figures import get_recipe  # noqa: PLC0415
    from semivis.scan import ScanSpec  # noqa: PLC0415

    for name, paper in (("beams-fig3", "epjc2023-fig3"), ("beams-fig8b", "epjc2023-fig8b")):
        r, ref = get_recipe(name), get_recipe(paper)
        assert (r.plane, r.model, dict(r.fixed)) == (ref.plane, ref.model, dict(ref.fixed))
        assert [(c.card, c.eot) for c in r.na64] == [
            ("na64-2016-2022", 9.37e11),
            ("na64-positron-2022", 1.01e10),
            ("na64-positron-2023", 1.6e10),
            ("na64mu-2022", 1.98e10),
        ]
        assert all(c.processes == ("brem", "annihilation") for c in r.na64[:3])
        assert (r.na64[3].processes, r.na64[3].selection) == (("brem",), "missing-momentum")
        assert [load_card(c.card).beam_particle for c in r.na64] == ["e-", "e+", "e+", "mu-"]
        assert all(c.eot == load_card(c.card).eot for c in r.na64[1:])  # each at its card's recorded statistics
        ScanSpec(r.model, r.plane, r.x.lim, r.y.lim, fixed=dict(r.fixed))
