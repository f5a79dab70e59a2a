"""Invisible-mode validation against NA64's 2016-2022 limit (PRL 131 (2023) 161801, 9.37e11 EOT) (issue 11).

semivis's invisible eps_90 (card na64-2016-2022, brem + resonant annihilation as NA64's 2016-2022 analysis, whose
curve has the annihilation dip at 0.2-0.3 GeV) is compared with NA64's at 36 masses from 1.1 MeV to 1.3 GeV; the
31 outside ``ANNIHILATION_WINDOW_GEV`` must be one flat factor within +-5 % in eps, the window's are reported
separately. The card option ``efficiency.normalisation = "na64-invisible-2016-2022"`` (one global factor,
benchmarks/derive_invisible_normalisation.py) must then reproduce NA64's curve within +-5 % at every such mass.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from semivis.detector import load_card
from semivis.testing import (
    ANNIHILATION_WINDOW_GEV,
    FlatNormalisation,
    InvisibleLimit,
    flat_normalisation,
    invisible_limit,
    reference_eps,
)

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = np.loadtxt(ROOT / "tests" / "data" / "reference" / "na64_invisible_2016_2022_limit.csv", delimiter=",")
DERIVATION = ROOT / "benchmarks" / "results" / "invisible_normalisation.json"
CARD = "na64-2016-2022"
NORMALISED = "na64-invisible-2016-2022"
BOTH = ("brem", "annihilation")
MASSES = np.geomspace(1.1e-3, 1.3, 36)
WINDOW_LOW, WINDOW_HIGH = ANNIHILATION_WINDOW_GEV
OUTSIDE = (MASSES < WINDOW_LOW) | (MASSES > WINDOW_HIGH)
#: 10000 primaries per mass: MC error of the yield ~0.7 % outside the annihilation window (eps ~0.35 %); ~4 s in all.
N_PRIMARIES = 10000
SEED = 7  # not the derivation's seed (2026): an independent MC sample


@pytest.fixture(scope="module")
def first_principles() -> InvisibleLimit:
    return invisible_limit(MASSES, CARD, n_primaries=N_PRIMARIES, seed=SEED, processes=BOTH)


@pytest.fixture(scope="module")
def fit(first_principles: InvisibleLimit) -> FlatNormalisation:
    result = flat_normalisation(first_principles, REFERENCE)
    ratio = first_principles.eps / reference_eps(REFERENCE, MASSES)
    for m, r, out in zip(MASSES, ratio, OUTSIDE, strict=True):
        print(f"m_A' = {m:8.4g} GeV  eps_semivis/eps_NA64 = {r:.4f}" + ("" if out else "  (annihilation window)"))
    print(
        f"flat factor on yield x efficiency k = {result.factor:.4f} +- {result.uncertainty:.4f} "
        f"(MC {result.mc_uncertainty:.4f}, spread {result.spread:.4f} in ln k); "
        f"eps ratio {math.sqrt(result.factor):.4f}"
    )
    return result


@pytest.mark.slow
def test_first_principles_ratio_is_flat(fit: FlatNormalisation, first_principles: InvisibleLimit) -> None:
    """>= 20 masses outside the annihilation window; every eps ratio within +-5 % of the one global factor; the MC
    error per mass small against that (yield <= 2 %)."""
    assert fit.n_masses >= 20
    assert fit.max_eps_residual < 0.05, fit
    assert np.all(first_principles.mc_rel_error[OUTSIDE] < 0.02)  # inside, rare heavy annihilation events: up to ~15 %
    # the flat factor itself: semivis's yield x efficiency is ~1.5x NA64's (eps ratio ~0.81), issue 11
    assert 0.60 < fit.factor < 0.72


@pytest.mark.slow
def test_card_factor_is_the_derived_one(fit: FlatNormalisation) -> None:
    """The factor stored in the cards is reproduced by an independent MC sample within its stated uncertainty."""
    norm = load_card(CARD).efficiency_normalisations[NORMALISED]
    assert abs(fit.factor - norm.factor) < norm.uncertainty, (fit.factor, norm)


@pytest.mark.slow
def test_normalised_card_reproduces_na64() -> None:
    """With the normalised card every eps ratio outside the annihilation window is 1 within +-5 %."""
    card = load_card(CARD, NORMALISED)
    lim = invisible_limit(MASSES[OUTSIDE], card, n_primaries=N_PRIMARIES, seed=SEED, processes=BOTH)
    ratio = lim.eps / reference_eps(REFERENCE, MASSES[OUTSIDE])
    assert np.all(np.abs(ratio - 1.0) < 0.05), np.c_[MASSES[OUTSIDE], ratio]


@pytest.mark.slow
def test_annihilation_window_reported_separately(fit: FlatNormalisation) -> None:
    """NA64's 2016-2022 curve contains resonant annihilation: at 0.24 GeV it lies > 2x below semivis's normalised
    bremsstrahlung-only limit, while semivis with annihilation is within a factor 1.6 of it (the two resonance
    treatments differ in width: reported, not fitted)."""
    m = np.array([0.24])
    card = load_card(CARD, NORMALISED)
    brem = invisible_limit(m, card, n_primaries=N_PRIMARIES, seed=SEED).eps
    both = invisible_limit(m, card, n_primaries=N_PRIMARIES, seed=SEED, processes=BOTH).eps
    ref = reference_eps(REFERENCE, m)
    print(
        f"m_A' = 0.24 GeV: normalised semivis/NA64 = {float(both[0] / ref[0]):.3f}, "
        f"brem only {float(brem[0] / ref[0]):.3f}"
    )
    assert float(brem[0] / ref[0]) > 2.0
    assert 1 / 1.6 < float(both[0] / ref[0]) < 1.6


def test_normalised_smoke() -> None:
    """Cheap version of the full comparison: three masses, 2000 primaries, normalised card, within +-8 %."""
    masses = np.array([2e-3, 2e-2, 0.6])
    lim = invisible_limit(masses, load_card(CARD, NORMALISED), n_primaries=2000, seed=3, processes=BOTH)
    ratio = lim.eps / reference_eps(REFERENCE, masses)
    assert np.all(np.abs(ratio - 1.0) < 0.08), ratio


def test_card_factor_matches_the_derivation_record() -> None:
    """The cards' factor and uncertainty are the derivation script's output, rounded to 3 decimals, with the
    flatness gate passed; the three cards of the standard set-up share it."""
    record = json.loads(DERIVATION.read_text(encoding="utf-8"))
    assert record["max_eps_residual"] < 0.05
    assert record["n_fit_masses"] >= 20
    for name in ("na64-2016-2018", "na64-2016-2022", "na64-ls3", "na64-compact-hcal1"):
        norm = load_card(name).efficiency_normalisations[NORMALISED]
        assert norm.factor == round(record["factor"], 3)
        assert norm.uncertainty == round(record["uncertainty"], 3)


def test_yield_cli_selects_the_normalisation_per_run() -> None:
    """`semivis yield --efficiency-normalisation` scales N_sig by exactly the card's factor and says which it used."""
    from semivis.cli.yield_ import yield_report  # noqa: PLC0415

    args = ("na64-2016-2022", "invisible", 0.05, 1e-4, 0.1)
    first = yield_report(*args, ratio=3.0, n_events=300, seed=2)
    normalised = yield_report(*args, ratio=3.0, n_events=300, seed=2, efficiency_normalisation=NORMALISED)
    factor = load_card(CARD).efficiency_normalisations[NORMALISED].factor
    assert first["efficiency_normalisation"] == "first-principles"
    assert normalised["efficiency_normalisation"] == NORMALISED
    assert normalised["n_signal"] == pytest.approx(factor * first["n_signal"], rel=1e-12)
    assert normalised["signal_efficiency"] == pytest.approx(factor * first["signal_efficiency"], rel=1e-12)
    assert "PRL 131" in normalised["efficiency_label"]
