"""Invisible-mode 90 % CL limits of the positron-beam cards (issue 15, docs/beams.md), with timings.

For each card (``na64-positron-2022``, ``na64-positron-2023``) and, for comparison, the electron card
``na64-2016-2022`` scaled to the same EOT: A' -> invisible (BR = 1), production by dark bremsstrahlung of the beam
lepton and the shower + resonant annihilation of the beam positron (with the card's beam energy spread) and of
shower positrons, E_A' > E0 - E_ECAL,max, the card's first-principles signal efficiency, background-free
N_up = 2.30 (``semivis.stats.upper_limit(0)``): eps_90 = sqrt(N_up/(EOT eff Y)). Projections scale the yield
with the EOT (background-free: eps ~ EOT^-1/2).

NA64mu (card ``na64mu-2022``, docs/beams.md): 160 GeV muons, (1.98 +- 0.02) x 10^10 muons on target and the
missing-momentum cut p_out < 80 GeV/c (PRL 132 (2024) 211803, arXiv:2401.01708 abstract), target ASSUMED to be the
NA64 ECAL, signal efficiency 1 (ASSUMPTION; eps_90 scales as efficiency^-1/2), through the signal room
(``semivis.signal.missing_momentum``: the card's sample, routed to ``production.muon``, and the missing-momentum
selection), invisible model (alpha_D = 0.1, m_chi1 = m_A'/3: BR(A' -> chi1 chi1) = 1 - O(eps^2)); projections to the
European Strategy statistics 1e13 and 1e14 MOT (background-free, eps ~ MOT^-1/2); the same numbers as an
L_mu - L_tau Z' coupling g_90 = e eps_90 / sqrt(BR(Z' -> nu nu)) (the Z' is produced off the muon as a dark photon
with e eps -> g; BR(nu nu) = 1 below 2 m_mu, Gamma(nu nu)/(Gamma(nu nu) + Gamma(mu mu)) above).

Writes ``benchmarks/results/beams_invisible_limits.json``. Run from the repository root:
``python benchmarks/beams_invisible_limits.py [n_primaries] [--muon-only]`` (default 4000; ~1-2 min on one core;
``--muon-only`` recomputes the NA64mu section alone and keeps the positron sections of an existing JSON).

``--published`` instead compares, mass by mass, with NA64's published invisible limits (curves supplied by NA64 for
the ESPP 2026 input, tests/data/reference/SOURCES.md): the 2022 positron run (PRD 109 (2024) L031103) against card
``na64-positron-2022`` and the 2022 muon run (arXiv:2409.10128) against ``na64mu-2022``, residual
r = eps_90(semivis)/eps_90(published) - 1, and NA64's own NA64mu projections (2e13, 1e14 MOT) against semivis's.
The positron card is shown both with its first-principles efficiency and with the NA64 ECAL detector's one global
factor k (card ``na64-2016-2022``, ``[efficiency.na64-invisible-2016-2022]``, fitted to the ELECTRON data only, so
nothing here is fitted to the positron curve; eps scales as k^-1/2). Diagnostics (not used for any residual): the
positron annihilation with the A' Breit-Wigner width of the invisible model (alpha_D = 0.1, 0.5; m_chi = m_A'/3),
a missing-energy window E_A' in E_res (1 -+ 0.2) instead of E_A' > E_min, and the muon yield with a tighter p_out
cut (60, 40 GeV). Writes ``benchmarks/results/beams_published_comparison.json``
(~1 min). No data of the 2023 (70 GeV) positron run was found, so that card has no residuals.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

import semivis
from semivis._io import atomic_write_text, to_jsonable
from semivis.constants import alpha, m_e, m_mu
from semivis.detector import load_card
from semivis.models import InvisibleDarkPhoton
from semivis.production import simulate_ap_production
from semivis.production.muon import muon_missing_momentum_yield
from semivis.signal.missing_momentum import missing_momentum_event_sample, missing_momentum_signal
from semivis.stats import upper_limit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "beams_invisible_limits.json"
CARDS = ("na64-positron-2022", "na64-positron-2023")
MUON_CARD = "na64mu-2022"
#: European Strategy input statistics for NA64mu [muons on target] (issue 15 brief: 1e13 - 1e14 MOT)
MUON_PROJECTION_MOT = (1e13, 1e14)
#: projection statistics [positrons on target]: ILLUSTRATIVE, 1e11 (10x the 2023 run); NA64's announced post-LS3
#: positron statistics were not read by us (docs/beams.md)
PROJECTION_EOT = 1e11
SEED = 2026
#: NA64's published curves, eps vs m_A' [GeV] (tests/data/reference/SOURCES.md: NA64's files for the ESPP 2026
#: input, GitHub ESPP2026-PPG/Quasi-elastic-DM @ 4321816d508b7b6ad0188ac39f929becda5070cc, directory Na64/)
REFERENCE = ROOT / "tests" / "data" / "reference"
PUBLISHED = {
    "na64-positron-2022": "na64_positron_2022_invisible_limit.csv",  # PRD 109 (2024) L031103, 1.01e10 POT
    "na64mu-2022": "na64mu_2022_invisible_limit.csv",  # arXiv:2409.10128, 1.98e10 MOT
    "na64mu-2e13": "na64mu_projection_2e13_limit.csv",  # NA64's ESPP projection
    "na64mu-1e14": "na64mu_projection_1e14_limit.csv",  # NA64's ESPP projection
}
OUT_PUBLISHED = ROOT / "benchmarks" / "results" / "beams_published_comparison.json"
#: masses of the positron comparison: brem region, the window's low edge, the resonance plateau, near and above E0
POSITRON_MASSES = (0.002, 0.005, 0.01, 0.03, 0.1, 0.14, 0.16, 0.2, 0.215, 0.222, 0.228, 0.235, 0.25, 0.27, 0.29,
                   0.3, 0.306, 0.312, 0.318, 0.325, 0.34, 0.36, 0.38, 0.4)  # fmt: skip
MUON_MASSES = (0.005, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 1.0)
#: the NA64 ECAL detector's global efficiency factor, fitted to NA64's 2016-2022 ELECTRON limit
ELECTRON_CARD, NORMALISATION = "na64-2016-2022", "na64-invisible-2016-2022"


def published_curve(key: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """NA64's published curve ``key`` (a key of :data:`PUBLISHED`) as (m_A' [GeV], eps), sorted by mass (then eps:
    the positron file is in tracing order and has near-vertical segments at 0.315 - 0.33 GeV)."""
    data = np.loadtxt(REFERENCE / PUBLISHED[key], delimiter=",")
    order = np.lexsort((data[:, 1], data[:, 0]))
    return data[order, 0], data[order, 1]


def published_eps(key: str, m: float) -> float:
    """eps of NA64's curve ``key`` at m_A' = ``m`` [GeV]: linear interpolation in (log m, log eps) of the sorted
    curve; a mass outside the curve's range is an error (no extrapolation)."""
    mass, eps = published_curve(key)
    if not mass[0] <= m <= mass[-1]:
        raise ValueError(f"m_A' = {m} GeV outside NA64's curve {key} ({mass[0]:.4g} - {mass[-1]:.4g} GeV)")
    return float(np.exp(np.interp(math.log(m), np.log(mass), np.log(eps))))


def detector_factor() -> float:
    """k of the NA64 ECAL set-up: NA64's yield x efficiency / semivis's, fitted to the electron data only
    (card ``na64-2016-2022``, docs/physics/production.md "Normalisation to NA64's invisible limit")."""
    return float(load_card(ELECTRON_CARD, efficiency_normalisation=NORMALISATION).efficiency_factor)


def positron_region(m: float, E0: float, E_min: float, spread: float) -> str:
    """Where m_A' lies for a positron beam of energy E0: E_res = m^2/(2 m_e) against the missing-energy window
    [E_min, E0] ('brem' below 0.15 GeV, 'low-edge' below the window, 'plateau' within [E_min, 0.95 E0],
    'near-E0' up to E0 (1 + 3 spread), 'above' beyond)."""
    e_res = m * m / (2.0 * m_e)
    if m < 0.15:
        return "brem"
    if e_res < E_min:
        return "low-edge"
    if e_res <= 0.95 * E0:
        return "plateau"
    if e_res <= E0 * (1.0 + 3.0 * spread):
        return "near-E0"
    return "above"


def _masses(E0: float, E_min: float) -> list[float]:
    """Below, across and above the beam resonance m = sqrt(2 m_e E) for E in [E_min, E0]."""
    lo, hi = math.sqrt(2 * m_e * E_min), math.sqrt(2 * m_e * E0)
    inside = list(np.sqrt(2 * m_e * np.linspace(E_min * 1.02, E0 * 1.0, 6)))
    return sorted([0.01, 0.1, 0.8 * lo, *inside, 1.05 * hi, 0.5])


def card_limit(
    card_name: str,
    m: float,
    n: int,
    *,
    beam: str | None = None,
    spread: float | None = None,
    gamma: float | None = None,
) -> dict[str, Any]:
    """eps_90 of card ``card_name`` at m_A' = ``m`` (``gamma``: the A' total width [GeV] for a Breit-Wigner
    annihilation line, None = narrow width as in the scans)."""
    card = load_card(card_name)
    t0 = time.perf_counter()
    s = simulate_ap_production(
        card.target, card.beam_energy_GeV, m, n_primaries=n, seed=SEED, E_min_GeV=card.E_min_GeV,
        beam_particle=card.beam_particle if beam is None else beam,
        beam_energy_spread=card.beam_energy_spread if spread is None else spread, Gamma_Ap=gamma,
    )  # fmt: skip
    dt = time.perf_counter() - t0
    keep = card.E_min_GeV < s.E
    y = float(s.weight[keep].sum())
    by_proc = {int(p): float(s.weight[keep & (s.process == p)].sum()) for p in (0, 1, 2)}
    eff = float(card.signal_efficiency(m))
    s_up = upper_limit(0)
    eps = math.sqrt(s_up / (card.eot * eff * y)) if y > 0 else float("inf")
    return {
        "m_Ap": m, "yield_per_eot": y, "yield_by_process": by_proc, "mc_rel_error": s.relative_error(),
        "efficiency": eff, "eps90": eps, "eps90_projection": eps * math.sqrt(card.eot / PROJECTION_EOT),
        "seconds": dt,
    }  # fmt: skip


def _br_nunu(m: float) -> float:
    """BR(Z' -> nu nu) of an L_mu - L_tau Z' below 2 m_tau: nu_mu and nu_tau, each Gamma = g^2 m/(24 pi) (left-handed
    only), against Gamma(mu mu) = g^2 m/(12 pi) (1 + 2 r) sqrt(1 - 4 r), r = m_mu^2/m^2 (e.g. Bauer et al.,
    JHEP 07 (2018) 094, Eq. 2.9 with the electron coupling 0)."""
    g_nu = 2.0 / 24.0
    r = m_mu**2 / m**2
    g_mu = (1.0 + 2.0 * r) * math.sqrt(1.0 - 4.0 * r) / 12.0 if r < 0.25 else 0.0
    return g_nu / (g_nu + g_mu)


def muon_eps90(m: float, n: int, mot: float | None = None) -> tuple[float, float]:
    """eps_90 and the A' yield per MOT of card ``na64mu-2022`` at m_A' = ``m``, invisible model (alpha_D = 0.1,
    m_chi1 = m/3), through the signal room (the card's sample and the missing-momentum selection)."""
    card = load_card(MUON_CARD)
    sample = missing_momentum_event_sample(card, "invisible", m, m / 3.0, n_events=n, seed=SEED)
    eps_ref = 1e-4  # N scales as eps^2 BR_dark, BR_dark = 1 - O(eps^2)
    res = missing_momentum_signal(sample, card, eps=eps_ref, eot=mot)
    return eps_ref * math.sqrt(upper_limit(0) / res.n_signal), float(sample.arrays["ap.weight"].sum())


def _muon_section(n: int) -> dict[str, Any]:
    card = load_card(MUON_CARD)
    rows = []
    s_up = upper_limit(0)
    for m in (0.005, 0.01, 0.03, 0.1, 0.2, 0.3, 1.0):
        t0 = time.perf_counter()
        eps, y_mot = muon_eps90(m, n)
        g = math.sqrt(4.0 * math.pi * alpha) * eps / math.sqrt(_br_nunu(m))
        row = {
            "m_Ap": m, "yield_per_mot": y_mot, "eps90": eps, "gZp90": g,
            "br_nunu": _br_nunu(m),
            "eps90_projection": {f"{p:.0e}": eps * math.sqrt(card.eot / p) for p in MUON_PROJECTION_MOT},
            "seconds": time.perf_counter() - t0,
        }  # fmt: skip
        rows.append(row)
        print(f"NA64mu m={m:.4f} Y={row['yield_per_mot']:.3e} eps90={eps:.3e} gZ'90={g:.3e} {row['seconds']:.1f}s")
    return {
        "card": card.name, "mot": card.eot, "beam_energy_GeV": card.beam_energy_GeV,
        "p_out_max_GeV": card.p_out_max_GeV,
        "target": card.target.name, "efficiency": float(card.signal_efficiency(0.1)), "n_up": s_up,
        "projection_mot": list(MUON_PROJECTION_MOT), "rows": rows,
    }  # fmt: skip


def _edges(eps: NDArray[np.float64], n_sig: NDArray[np.float64], s_up: float) -> list[float]:
    """The eps where N_sig crosses s_up (log-linear interpolation between grid points), in increasing eps."""
    above = n_sig >= s_up
    out = []
    for i in np.flatnonzero(above[1:] != above[:-1]):
        a, b = math.log(n_sig[i] / s_up), math.log(n_sig[i + 1] / s_up)
        t = a / (a - b)
        out.append(float(math.exp(math.log(eps[i]) + t * (math.log(eps[i + 1]) - math.log(eps[i])))))
    return out


def _muon_idm_section(n: int) -> dict[str, Any]:
    """iDM reach of the NA64mu card in the EPJC 2023 Fig. 3 benchmark (Delta = 0.4 m_chi1, R = 3, alpha_D = 0.1):
    per m_A' the eps interval with N_sig >= N_up (missing-momentum selection: the chi2 must decay beyond the set-up,
    so the excluded band closes at large eps), at the card's MOT and the projections."""
    card = load_card(MUON_CARD)
    s_up = upper_limit(0)
    eps = np.geomspace(1e-6, 0.3, 241)
    rows = []
    for m in (0.01, 0.03, 0.1, 0.3, 1.0):
        t0 = time.perf_counter()
        sample = missing_momentum_event_sample(card, "idm", m, m / 3.0, m / 3.0 * 1.4, n_events=n, seed=SEED)
        row: dict[str, Any] = {"m_Ap": m}
        for mot in (card.eot, *MUON_PROJECTION_MOT):
            n_sig = np.array([missing_momentum_signal(sample, card, eps=float(e), eot=mot).n_signal for e in eps])
            row[f"{mot:.2e}"] = _edges(eps, n_sig, s_up)
        row["seconds"] = time.perf_counter() - t0
        rows.append(row)
        print(
            f"NA64mu iDM m={m:.3f} excluded eps intervals (edges): "
            + str({k: v for k, v in row.items() if k[0] == "1"})
        )
    return {
        "card": card.name, "model": "idm", "delta": 0.4, "ratio": 3.0, "alpha_D": 0.1, "n_up": s_up,
        "eps_grid": [float(eps[0]), float(eps[-1]), len(eps)], "rows": rows,
    }  # fmt: skip


def _window_eps90(card_name: str, m: float, n: int, half_width: float) -> float:
    """Diagnostic: eps_90 (first-principles efficiency) if the missing-energy cut were a window
    E_A' in E_res (1 -+ ``half_width``) around the resonance instead of E_A' > E_min (NA64's positron analyses use a
    mass-dependent window whose form we could not read; this shows what a window below E_min would add)."""
    card = load_card(card_name)
    e_res = m * m / (2.0 * m_e)
    s = simulate_ap_production(
        card.target, card.beam_energy_GeV, m, n_primaries=n, seed=SEED,
        E_min_GeV=min((1.0 - half_width) * e_res, card.E_min_GeV), beam_particle=card.beam_particle,
        beam_energy_spread=card.beam_energy_spread,
    )  # fmt: skip
    keep = np.abs(s.E / e_res - 1.0) < half_width
    y = float(s.weight[keep].sum())
    eff = float(card.signal_efficiency(m))
    return math.sqrt(upper_limit(0) / (card.eot * eff * y)) if y > 0 else float("inf")


def _positron_published(n: int) -> dict[str, Any]:
    """Card ``na64-positron-2022`` against NA64's published 2022 positron curve, mass by mass."""
    name = "na64-positron-2022"
    card = load_card(name)
    k = detector_factor()
    rows = []
    for m in POSITRON_MASSES:
        pub = published_eps(name, m)
        r = card_limit(name, m, n)
        row: dict[str, Any] = {
            "m_Ap": m, "E_res_GeV": m * m / (2.0 * m_e),
            "region": positron_region(m, card.beam_energy_GeV, card.E_min_GeV, card.beam_energy_spread),
            "eps90_published": pub, "eps90_first_principles": r["eps90"], "mc_rel_error": r["mc_rel_error"],
            "residual_first_principles": r["eps90"] / pub - 1.0,
            "eps90_detector_normalised": r["eps90"] / math.sqrt(k),
            "residual_detector_normalised": r["eps90"] / math.sqrt(k) / pub - 1.0,
        }  # fmt: skip
        for a_d in (0.1, 0.5):  # diagnostic: the annihilation line with the invisible model's A' width
            gamma = float(InvisibleDarkPhoton(m, 1e-4, a_d, ratio=3.0).Gamma_Ap())
            eps_bw = card_limit(name, m, n, gamma=gamma)["eps90"] / math.sqrt(k)
            row[f"residual_detector_normalised_bw_alphaD_{a_d}"] = eps_bw / pub - 1.0
        # (only where E_res >= 10 GeV: below, the window would tally the whole shower down to E_res, GBs of steps)
        if m * m / (2.0 * m_e) >= 10.0:
            eps_win = _window_eps90(name, m, n, 0.2) / math.sqrt(k)
            row["residual_detector_normalised_window_0.2"] = eps_win / pub - 1.0
        else:
            row["residual_detector_normalised_window_0.2"] = None
        rows.append(row)
        print(
            f"{name} m={m:.3f} [{row['region']}] published {pub:.3e} semivis {r['eps90']:.3e} "
            f"r={row['residual_first_principles']:+.3f} (k-normalised {row['residual_detector_normalised']:+.3f}; "
            f"BW aD=0.1 {row['residual_detector_normalised_bw_alphaD_0.1']:+.3f}, "
            f"aD=0.5 {row['residual_detector_normalised_bw_alphaD_0.5']:+.3f}; "
            f"window {row['residual_detector_normalised_window_0.2']})"
        )
    return {
        "card": name, "eot": card.eot, "published": f"tests/data/reference/{PUBLISHED[name]}",
        "detector_factor_k": k, "detector_factor_source": f"card {ELECTRON_CARD}, [efficiency.{NORMALISATION}]",
        "rows": rows,
    }  # fmt: skip


def _muon_published(n: int) -> dict[str, Any]:
    """Card ``na64mu-2022`` (efficiency 1) against NA64's published 2022 muon curve and its ESPP projections."""
    card = load_card(MUON_CARD)
    s_up = upper_limit(0)
    rows = []
    for m in MUON_MASSES:
        pub = published_eps("na64mu-2022", m)
        eps, y_mot = muon_eps90(m, n)
        row: dict[str, Any] = {
            "m_Ap": m, "eps90_published": pub, "eps90": eps, "residual": eps / pub - 1.0,
            "implied_efficiency_x_acceptance": (eps / pub) ** 2, "yield_per_mot": y_mot,
        }  # fmt: skip
        for p_max in (60.0, 40.0):  # diagnostic: an acceptance that favours low outgoing momenta
            y = muon_missing_momentum_yield(card.target, card.beam_energy_GeV, m, p_max)
            row[f"residual_p_out_max_{p_max:.0f}"] = math.sqrt(s_up / (card.eot * y)) / pub - 1.0
        for key, mot in (("na64mu-2e13", 2e13), ("na64mu-1e14", 1e14)):
            row[f"projection_{mot:.0e}"] = {
                "eps90_na64": published_eps(key, m), "eps90": eps * math.sqrt(card.eot / mot),
                "residual": eps * math.sqrt(card.eot / mot) / published_eps(key, m) - 1.0,
            }  # fmt: skip
        rows.append(row)
        print(
            f"NA64mu m={m:.3f} published {pub:.3e} semivis {eps:.3e} r={row['residual']:+.3f} "
            f"(p_out<60: {row['residual_p_out_max_60']:+.3f}, <40: {row['residual_p_out_max_40']:+.3f})"
        )
    return {
        "card": card.name, "mot": card.eot, "efficiency": float(card.signal_efficiency(0.1)),
        "published": f"tests/data/reference/{PUBLISHED['na64mu-2022']}", "rows": rows,
    }  # fmt: skip


def published_main(n: int) -> int:
    """``--published``: write :data:`OUT_PUBLISHED`."""
    out: dict[str, Any] = {
        "what": "eps_90(semivis)/eps_90(NA64 published) - 1, mass by mass (docs/beams.md, 'Against NA64's "
        "published limits')",
        "source": "NA64's curves for the ESPP 2026 input, GitHub ESPP2026-PPG/Quasi-elastic-DM @ "
        "4321816d508b7b6ad0188ac39f929becda5070cc (tests/data/reference/SOURCES.md)",
        "n_primaries": n, "seed": SEED, "n_up": upper_limit(0),
        "positron_2022": _positron_published(n), "muon_2022": _muon_published(n),
        "positron_2023": "no published curve found (arXiv:2502.04053): no residuals",
        "semivis_version": semivis.__version__,
        "command": "python " + " ".join(["benchmarks/beams_invisible_limits.py", *sys.argv[1:]]),
    }  # fmt: skip
    OUT_PUBLISHED.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(OUT_PUBLISHED, json.dumps(to_jsonable(out), indent=1) + "\n")
    return 0


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 4000
    if "--published" in sys.argv[1:]:
        return published_main(n)
    if "--muon-only" in sys.argv[1:] and OUT.is_file():
        out: dict[str, Any] = json.loads(OUT.read_text(encoding="utf-8"))
        out.pop("na64mu_2022_estimate", None)  # the pre-card estimate (ECAL of na64-2016-2022), superseded
    else:
        out = {"n_primaries": n, "seed": SEED, "projection_eot": PROJECTION_EOT, "cards": {}}
        for name in CARDS:
            card = load_card(name)
            rows = []
            for m in _masses(card.beam_energy_GeV, card.E_min_GeV):
                r = card_limit(name, m, n)
                # the same detector and EOT with an electron beam of the same energy (no beam positron)
                e = card_limit(name, m, n, beam="e-", spread=0.0)
                r["eps90_electron_beam_same_eot"] = e["eps90"]
                rows.append(r)
                print(f"{name} m={m:.4f} eps90={r['eps90']:.3e} (e- beam {e['eps90']:.3e}) {r['seconds']:.1f}s")
            out["cards"][name] = {
                "eot": card.eot, "beam_energy_GeV": card.beam_energy_GeV, "beam_energy_spread": card.beam_energy_spread,
                "E_min_GeV": card.E_min_GeV, "rows": rows,
            }  # fmt: skip
    out["na64mu_2022"] = _muon_section(n)
    out["na64mu_2022_idm_fig3"] = _muon_idm_section(n)
    out["semivis_version"] = semivis.__version__
    out["command"] = "python " + " ".join(["benchmarks/beams_invisible_limits.py", *sys.argv[1:]])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(OUT, json.dumps(to_jsonable(out), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
