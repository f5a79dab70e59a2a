"""The new beams' invisible limits against NA64's published ones, mass by mass (issue 15; docs/beams.md, "Against
NA64's published limits").

Published curves (eps_90 vs m_A', A' -> invisible): the 2022 positron run, 1.01e10 POT at 100 GeV (PRD 109 (2024)
L031103), and the 2022 muon run, 1.98e10 MOT at 160 GeV (arXiv:2409.10128), as supplied by NA64 for the ESPP 2026
input (tests/data/reference/SOURCES.md). semivis: cards ``na64-positron-2022`` and ``na64mu-2022``, N_up = 2.30,
through ``benchmarks/beams_invisible_limits.py`` (its ``--published`` mode writes every mass to
benchmarks/results/beams_published_comparison.json). Residual r = eps_90(semivis)/eps_90(published) - 1.

What is understood and asserted: the positron card reproduces NA64's curve in the bremsstrahlung region and on the
resonance plateau once the NA64 ECAL detector's ONE global efficiency factor k, fitted to NA64's ELECTRON limit only
(card ``na64-2016-2022``), is applied; the smooth low edge of NA64's resonance region is bracketed by the invisible
model's A' width at alpha_D = 0.1 and 0.5. What is not (strict xfail): the region within ~1 % of E_res = E0 and
above it (the beam positron's spike at E0 and NA64's mass-dependent missing-energy window are not modelled), and the
muon card's normalisation (its efficiency is an ASSUMPTION, 1; NA64mu's efficiency x acceptance not read).
~20 s.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from semivis.detector import load_card
from semivis.models import InvisibleDarkPhoton

ROOT = Path(__file__).resolve().parent.parent
N = 4000  # primaries per mass: MC error of the yield 1.1 % (brem), 3.4-5.1 % (resonance), i.e. half that on eps
CARD = "na64-positron-2022"


def _benchmark() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "beams_invisible_limits", ROOT / "benchmarks" / "beams_invisible_limits.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("beams_invisible_limits", module)
    spec.loader.exec_module(module)
    return module


BM = _benchmark()


def _residual(m: float, *, normalised: bool = True, gamma: float | None = None) -> float:
    """r at m_A' = m for the positron card (narrow width unless ``gamma``), k-normalised unless told otherwise."""
    eps = BM.card_limit(CARD, m, N, gamma=gamma)["eps90"]
    if normalised:
        eps /= math.sqrt(BM.detector_factor())
    return float(eps / BM.published_eps(CARD, m) - 1.0)


def test_published_curves_are_the_espp_files() -> None:
    """The reference files: ranges, the resonance dip, the flat low-mass muon limit, and NA64's projections (2e13,
    1e14 MOT) = the 2022 curve x sqrt(1.98e10/N)/2 exactly (a 4x larger yield x efficiency assumed)."""
    m, eps = BM.published_curve(CARD)
    assert m[0] == pytest.approx(1.043e-3, rel=1e-3)
    assert m[-1] == pytest.approx(0.4086, rel=1e-3)
    plateau = (m > 0.23) & (m < 0.31)
    assert eps[plateau].max() < 6e-4 < BM.published_eps(CARD, 0.1) / 3  # annihilation: 3.5x below brem at 0.1 GeV
    mu_m, mu_eps = BM.published_curve("na64mu-2022")
    low = mu_m < 0.03
    assert mu_eps[low].max() / mu_eps[low].min() < 1.02  # below m_mu the muon's cross section saturates
    for key, mot in (("na64mu-2e13", 2e13), ("na64mu-1e14", 1e14)):
        pm, peps = BM.published_curve(key)
        np.testing.assert_allclose(pm, mu_m, rtol=1e-12)
        np.testing.assert_allclose(mu_eps / peps, 2.0 * math.sqrt(mot / 1.98e10), rtol=1e-12)


def test_positron_bremsstrahlung_region_is_the_electron_detector_normalisation() -> None:
    """Below the resonance range the positron beam is an electron beam (charge-symmetric brem): first principles
    r = -0.20 +- 0.05, the same as the electron card against NA64's electron curve (k = 0.655, eps ratio 0.81);
    with that k, fitted to the electron data only, |r| < 0.04 (MC 0.6 %, k 1.4 %, digitisation ~2 %)."""
    k = BM.detector_factor()
    assert k == pytest.approx(0.655, abs=1e-3)
    for m in (0.002, 0.01, 0.03):
        r0 = _residual(m, normalised=False)
        assert -0.25 < r0 < -0.15, (m, r0)
        r = (1.0 + r0) / math.sqrt(k) - 1.0
        assert abs(r) < 0.04, (m, r)


def test_positron_resonance_plateau_matches_with_the_same_normalisation() -> None:
    """On the plateau (E_res in [E_min, 0.95 E0], narrow width, the scans' default) the beam positron's and the
    shower positrons' annihilation yield relative to brem is NA64's: with the same k, |r| < 0.07 (3 MC sigma on eps
    ~5 % + 2 % digitisation); measured +0.006, -0.016, -0.022 at 0.25, 0.27, 0.29 GeV."""
    card = load_card(CARD)
    for m in (0.25, 0.27, 0.29):
        assert BM.positron_region(m, card.beam_energy_GeV, card.E_min_GeV, card.beam_energy_spread) == "plateau"
        r = _residual(m)
        assert abs(r) < 0.07, (m, r)


def test_positron_low_edge_is_bracketed_by_the_ap_width() -> None:
    """Below the window (E_res < E_min = E0/2) a narrow A' gets brem only (r > +1 at 0.2 GeV), while NA64's curve
    falls smoothly into the plateau: the annihilation of positrons above E_min in the Breit-Wigner's tail. With the
    invisible model's width (Gamma/m = 0.030 at alpha_D = 0.1, 0.152 at 0.5; m_chi = m_A'/3) NA64's eps lies
    between the two predictions (alpha_D = 0.1: weaker, +0.26; 0.5: stronger, -0.34 at 0.2 GeV)."""
    for m in (0.2, 0.215):
        assert _residual(m) > 1.0
        r_01, r_05 = (
            _residual(m, gamma=float(InvisibleDarkPhoton(m, 1e-4, a_d, ratio=3.0).Gamma_Ap())) for a_d in (0.1, 0.5)
        )
        assert r_05 < 0.0 < r_01, (m, r_05, r_01)


@pytest.mark.xfail(
    strict=True,
    reason="not modelled: within ~1 % of E_res = E0 the narrow line puts the beam positron's spike at one mass "
    "(r = -0.73 at 0.318 GeV), and above E0 brem alone remains (r = +2.9 at 0.34 GeV); NA64's smooth curve there "
    "needs the A' width, the beam's energy distribution near E0 and its mass-dependent missing-energy window "
    "(docs/beams.md)",
)
def test_positron_near_and_above_the_beam_energy_within_30_percent() -> None:
    for m in (0.318, 0.34):
        assert abs(_residual(m)) < 0.3, m


@pytest.mark.xfail(
    strict=True,
    reason="card na64mu-2022 has efficiency 1 (ASSUMPTION; NA64mu's efficiency x acceptance, trigger and target "
    "not read): r = -0.77 (10 MeV) ... -0.70 (0.3 GeV), i.e. NA64's yield x efficiency is 0.05-0.09 of semivis's; "
    "production ruled out (< 35 %), acceptance favouring low p_out plus an unsourced global ~0.11-0.17 "
    "(docs/beams.md, 'NA64mu: what differs'; tests/test_beams_muon_diagnosis.py)",
)
def test_muon_card_within_30_percent_of_na64mu() -> None:
    for m in (0.01, 0.1, 0.3):
        eps, _ = BM.muon_eps90(m, 1000)
        assert abs(eps / BM.published_eps("na64mu-2022", m) - 1.0) < 0.3, m
