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
from semivis.production import simulate_ap_production
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


def _masses(E0: float, E_min: float) -> list[float]:
    """Below, across and above the beam resonance m = sqrt(2 m_e E) for E in [E_min, E0]."""
    lo, hi = math.sqrt(2 * m_e * E_min), math.sqrt(2 * m_e * E0)
    inside = list(np.sqrt(2 * m_e * np.linspace(E_min * 1.02, E0 * 1.0, 6)))
    return sorted([0.01, 0.1, 0.8 * lo, *inside, 1.05 * hi, 0.5])


def _limit(card_name: str, m: float, n: int, beam: str | None = None, spread: float | None = None) -> dict[str, Any]:
    card = load_card(card_name)
    t0 = time.perf_counter()
    s = simulate_ap_production(
        card.target, card.beam_energy_GeV, m, n_primaries=n, seed=SEED, E_min_GeV=card.E_min_GeV,
        beam_particle=card.beam_particle if beam is None else beam,
        beam_energy_spread=card.beam_energy_spread if spread is None else spread,
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


def _muon_section(n: int) -> dict[str, Any]:
    card = load_card(MUON_CARD)
    rows = []
    s_up = upper_limit(0)
    for m in (0.005, 0.01, 0.03, 0.1, 0.2, 0.3, 1.0):
        t0 = time.perf_counter()
        sample = missing_momentum_event_sample(card, "invisible", m, m / 3.0, n_events=n, seed=SEED)
        eps_ref = 1e-4  # N scales as eps^2 BR_dark, BR_dark = 1 - O(eps^2)
        res = missing_momentum_signal(sample, card, eps=eps_ref)
        eps = eps_ref * math.sqrt(s_up / res.n_signal)
        g = math.sqrt(4.0 * math.pi * alpha) * eps / math.sqrt(_br_nunu(m))
        row = {
            "m_Ap": m, "yield_per_mot": float(sample.arrays["ap.weight"].sum()), "eps90": eps, "gZp90": g,
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


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 4000
    if "--muon-only" in sys.argv[1:] and OUT.is_file():
        out: dict[str, Any] = json.loads(OUT.read_text(encoding="utf-8"))
        out.pop("na64mu_2022_estimate", None)  # the pre-card estimate (ECAL of na64-2016-2022), superseded
    else:
        out = {"n_primaries": n, "seed": SEED, "projection_eot": PROJECTION_EOT, "cards": {}}
        for name in CARDS:
            card = load_card(name)
            rows = []
            for m in _masses(card.beam_energy_GeV, card.E_min_GeV):
                r = _limit(name, m, n)
                # the same detector and EOT with an electron beam of the same energy (no beam positron)
                e = _limit(name, m, n, beam="e-", spread=0.0)
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
