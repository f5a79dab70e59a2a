"""NA64mu 2022: which physics makes semivis's invisible limit 3.3-4.4x stronger in eps than NA64's (issue 15;
docs/beams.md, "NA64mu: what differs").

Card ``na64mu-2022`` (1.98e10 MOT, 160 GeV mu-, 40 X0 Pb/Sc ECAL as active target, p_out < 80 GeV, efficiency 1)
against NA64's published 2022 curve (tests/data/reference/na64mu_2022_invisible_limit.csv, arXiv:2409.10128 via
NA64's ESPP 2026 input). Background-free, N_up = 2.30, invisible A' (BR_dark = 1 - O(eps^2)), so

    eps_90 = sqrt(N_up / (MOT x f x Y)),   Y = A' per MOT at eps = 1 that pass the selection,

and the published curve fixes the product f(m) x Y(m) NA64 must have had: f_needed(m) = N_up/(MOT eps_pub^2 Y(m)).
Each candidate below changes Y (the selection or the production) and this script reports, per mass, the yield
ratio Y_candidate/Y_card and the global factor f_needed that would then remain. A candidate that explains the
MASS TREND of the residual leaves f_needed flat in m_A'; a candidate that explains the NORMALISATION leaves
f_needed ~ 1. Nothing here is fitted into the card; every candidate and its source status is in docs/beams.md.

Candidates, all with semivis's own production (``semivis.production.muon``; exact tree level unless stated):

1. production: the yield with all x (no p_out cut), with the WW form instead of the exact tree level, without the
   incoherent (quasi-free proton) part, and the Pb length the published curve would need at f = 1;
2. outgoing-muon acceptance: an upper cut tighter than 80 GeV, a lower momentum bound p_out > p_min (trigger /
   spectrometer range), and the muon's scattering angle (WW angular spectrum, BEST PRD 80 (2009) 075018 Eq. A12
   with the muon mass in U, the muon taking the A''s transverse momentum: theta_mu = sqrt(x u)/(E0 (1-x)), u =
   E0^2 x theta_A'^2) plus its multiple scattering in the ECAL behind the emission point (Highland, PDG RPP 2024
   Eq. 34.16);
3. a global efficiency (what is left: f_needed).

Run: ``python benchmarks/beams_muon_diagnosis.py`` (~30-60 s on the shared VM); writes
benchmarks/results/beams_muon_diagnosis.json.
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
from semivis.constants import alpha, hbar_c_GeV_m, m_mu
from semivis.detector import load_card
from semivis.production.darkbrem import _chi_interp, photon_flux_table
from semivis.production.materials import load_material
from semivis.production.muon import muon_dark_brem_sigma, muon_missing_momentum_yield
from semivis.stats import upper_limit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from beams_invisible_limits import published_eps  # one home for reading NA64's curve

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "beams_muon_diagnosis.json"
CARD = "na64mu-2022"
MASSES = (0.005, 0.01, 0.03, 0.1, 0.2, 0.3, 0.5, 1.0)
KEY_MASSES = (0.01, 0.1, 0.3)
P_MAX = (80.0, 60.0, 50.0, 40.0, 30.0)  # upper cuts on p_out (GeV); 80 is the card's (PRL 132 (2024) 211803)
P_MIN = (10.0, 20.0, 30.0, 40.0)  # lower bounds on p_out (GeV) with the card's upper cut
THETA_CUTS_MRAD = (2.0, 5.0, 10.0, 20.0, 50.0)


def muon_angle_spectrum(
    E0: float, m: float, p_out_max: float, *, n_x: int = 64, n_u: int = 400
) -> tuple[NDArray[np.float64], NDArray[np.float64], float]:
    """(theta_mu grid [rad], weights, WW/angle-integrated check) of the outgoing muon for p_out < ``p_out_max``.

    WW double differential in x and u = E0^2 x theta_A'^2 (BEST Eq. A12, as ``darkbrem.ww_dsigma_dx`` with the
    muon mass): d sigma/(dx du) = 4 alpha^3 beta [(1-x+x^2/2)/U^2 - x(1-x) m^2 u/U^4] chi(t_min(U)), U = u + U0,
    U0 = m^2 (1-x)/x + m_mu^2 x, u from 0 to U(t_min = m^2) - U0. The nucleus' recoil transverse momentum (<~ m_A')
    is neglected against the A''s, so the muon's transverse momentum is p_T = E0 x theta_A' = sqrt(x u) and its
    angle theta_mu = p_T/(E0 (1 - x)). Returns every (x, u) node's theta_mu and weight (the weights sum to
    sigma(x > 1 - p_out_max/E0) in GeV^-2) and the ratio of that sum to the angle-integrated WW cross section of
    ``muon_dark_brem_sigma`` (a check of the quadrature, ~1).
    """
    pb = load_material("lead")
    lt, chi = photon_flux_table(pb.Z, pb.A, m, True)
    x_lo = max(1.0 - p_out_max / E0, m / E0)
    x_hi = 1.0 - m_mu / E0
    gx, gw = np.polynomial.legendre.leggauss(n_x)  # in ln(1 - x)
    a, b = math.log(1.0 - x_lo), math.log(1.0 - x_hi)
    h = 0.5 * (b - a)
    y = np.exp(a + h * (gx + 1.0))
    xs = 1.0 - y
    wx = -gw * h * y  # dx = -y d ln y
    thetas, weights = [], []
    for x, w_x in zip(xs, wx, strict=True):
        U0 = m * m * (1.0 - x) / x + m_mu**2 * x
        Umax = max(2.0 * E0 * (1.0 - x) * m, U0 * (1.0 + 1e-9))
        lU = np.linspace(math.log(U0), math.log(Umax), n_u)
        U = np.exp(lU)
        u = np.maximum(U - U0, 0.0)
        kern = (1.0 - x + 0.5 * x * x) / U**2 - x * (1.0 - x) * m * m * u / U**4
        tmin = (U / (2.0 * E0 * (1.0 - x))) ** 2
        beta = math.sqrt(max(1.0 - (m / (x * E0)) ** 2, 0.0))
        f = 4.0 * alpha**3 * beta * kern * _chi_interp(tmin, lt, chi) * U  # per d ln U
        wu = np.zeros(n_u)
        dl = np.diff(lU)
        wu[:-1] += 0.5 * f[:-1] * dl
        wu[1:] += 0.5 * f[1:] * dl
        thetas.append(np.sqrt(x * u) / (E0 * (1.0 - x)))
        weights.append(w_x * wu)
    th = np.concatenate(thetas)
    wt = np.concatenate(weights)
    ref = muon_dark_brem_sigma(E0, m, pb, x_lo, etl=False)
    return th, wt, float(wt.sum() / ref)


def highland_mrad(p_GeV: float, x_over_X0: float) -> float:
    """Plane r.m.s. multiple-scattering angle of a muon (PDG RPP 2024 Eq. 34.16, Highland-Lynch-Dahl), mrad."""
    return 13.6e-3 / p_GeV * math.sqrt(x_over_X0) * (1.0 + 0.038 * math.log(x_over_X0)) * 1e3


def _flatness(values: list[float]) -> float:
    return max(values) / min(values)


def mass_row(m: float) -> dict[str, Any]:
    """Every candidate's yield at m_A' = ``m`` (GeV) for card ``na64mu-2022`` against NA64's published eps_90."""
    card = load_card(CARD)
    E0 = card.beam_energy_GeV
    tgt = card.target
    s_up = upper_limit(0)
    pub = published_eps("na64mu-2022", m)
    y_card = muon_missing_momentum_yield(tgt, E0, m, 80.0)
    need = s_up / (card.eot * pub**2)  # f x Y that NA64's curve implies
    eps_card = math.sqrt(s_up / (card.eot * y_card))
    row: dict[str, Any] = {
        "m_Ap": m, "eps90_published": pub, "eps90_card": eps_card, "residual": eps_card / pub - 1.0,
        "yield_card": y_card, "fY_needed": need, "f_needed_card": need / y_card,
    }  # fmt: skip
    cand: dict[str, float] = {}
    # 1. production
    sig_all = sum(n * muon_dark_brem_sigma(E0, m, mat) for mat, n in tgt.emitters()) * hbar_c_GeV_m**2
    cand["all_x_no_p_out_cut"] = sig_all * tgt.length_m  # at E0, no ionisation
    cand["ww_instead_of_etl"] = muon_missing_momentum_yield(tgt, E0, m, 80.0, etl=False)
    cand["coherent_only"] = muon_missing_momentum_yield(tgt, E0, m, 80.0, inelastic=False)
    cand["no_ionisation_loss"] = muon_missing_momentum_yield(tgt, E0, m, 80.0, ionisation=False)
    # 2. outgoing-muon momentum acceptance: cumulative Y(p_out < p) on a 5 GeV grid
    grid = np.arange(5.0, 80.1, 5.0)
    cum = np.array([y_card if p == 80.0 else muon_missing_momentum_yield(tgt, E0, m, float(p)) for p in grid])
    y_at = dict(zip(grid.tolist(), cum.tolist(), strict=True))
    for p in P_MAX[1:]:
        cand[f"p_out<{p:.0f}"] = y_at[p]
    for p in P_MIN:
        cand[f"{p:.0f}<p_out<80"] = y_card - y_at[p]
    # an efficiency falling linearly from 1 at p_out = 0 to 0 at 80 GeV (shape only, ASSUMPTION of the diagnostic)
    dy = np.diff(np.concatenate([[0.0], cum]))
    p_mid = grid - 2.5
    cand["linear_ramp_1-p_out/80"] = float(np.sum(dy * (1.0 - p_mid / 80.0)))
    row["cumulative_yield_p_out_below"] = {f"{p:g}": v for p, v in y_at.items()}
    row["candidates"] = {
        k: {"yield": v, "ratio_to_card": v / y_card, "f_needed": need / v} for k, v in cand.items()
    }  # fmt: skip
    # the Pb length NA64's curve would need at f = 1 (yield ~ linear in the Pb length)
    pb_len = sum(t for mat, t in tgt.layers if mat.dark_brem) * tgt.n_repeat
    row["pb_length_needed_at_f1_m"] = pb_len * need / y_card
    # 2b. angle of the outgoing muon (WW), for the card's cut, at E0 (ionisation neglected here)
    th, wt, check = muon_angle_spectrum(E0, m, 80.0)
    order = np.argsort(th)
    cdf = np.cumsum(wt[order]) / wt.sum()
    row["muon_angle"] = {
        "ww_quadrature_check": check,
        "median_mrad": float(np.interp(0.5, cdf, th[order]) * 1e3),
        "q90_mrad": float(np.interp(0.9, cdf, th[order]) * 1e3),
        "fraction_above_mrad": {f"{c:g}": float(wt[th > c * 1e-3].sum() / wt.sum()) for c in THETA_CUTS_MRAD},
    }  # fmt: skip
    return row


def main() -> int:
    t0 = time.perf_counter()
    card = load_card(CARD)
    E0 = card.beam_energy_GeV
    mot = card.eot
    s_up = upper_limit(0)
    tgt = card.target
    pb_len = sum(t for mat, t in tgt.layers if mat.dark_brem) * tgt.n_repeat
    n_pb = load_material("lead").n_nuclei_m3
    rows: list[dict[str, Any]] = []
    for m in MASSES:
        row = mass_row(m)
        rows.append(row)
        c = row["candidates"]
        print(
            f"m={m:.3f} r={row['residual']:+.3f} f_needed={row['f_needed_card']:.3f} "
            f"all-x/card={c['all_x_no_p_out_cut']['ratio_to_card']:.2f} "
            f"WW/ETL={c['ww_instead_of_etl']['ratio_to_card']:.3f} coh={c['coherent_only']['ratio_to_card']:.3f} "
            f"p<40: {c['p_out<40']['ratio_to_card']:.3f} 20<p<80: {c['20<p_out<80']['ratio_to_card']:.3f} "
            f"ramp: {c['linear_ramp_1-p_out/80']['ratio_to_card']:.3f} "
            f"theta_mu median {row['muon_angle']['median_mrad']:.2f} mrad q90 {row['muon_angle']['q90_mrad']:.2f}"
        )
    trend_masses = [r for r in rows if r["m_Ap"] <= 0.5]
    flat: dict[str, float] = {"card": _flatness([r["f_needed_card"] for r in trend_masses])}
    for k in rows[0]["candidates"]:
        flat[k] = _flatness([r["candidates"][k]["f_needed"] for r in trend_masses])
    # window scan (diagnostic, not a fit into the card): flatness of f_needed for p_min < p_out < p_max
    scan = []
    for p_hi in (80.0, 70.0, 60.0, 50.0, 40.0, 30.0):
        for p_lo in (0.0, 10.0, 20.0):
            fs = []
            for r in trend_masses:
                cum = r["cumulative_yield_p_out_below"]
                y = cum[f"{p_hi:g}"] - (cum[f"{p_lo:g}"] if p_lo > 0.0 else 0.0)
                fs.append(r["fY_needed"] / y)
            scan.append({"p_min": p_lo, "p_max": p_hi, "f_needed": fs, "flatness_max_over_min": _flatness(fs)})
    ms = {
        f"p={p:g}GeV": {f"{x:g}X0": highland_mrad(p, x) for x in (10.0, 20.0, 40.0)} for p in (20.0, 40.0, 60.0, 80.0)
    }
    out = {
        "what": "NA64mu 2022 residual decomposed into candidate physics (docs/beams.md, 'NA64mu: what differs')",
        "card": CARD, "mot": mot, "beam_energy_GeV": E0, "n_up": s_up, "pb_length_m": pb_len,
        "pb_nuclei_per_m3": n_pb, "published": "tests/data/reference/na64mu_2022_invisible_limit.csv",
        "key_masses": list(KEY_MASSES), "rows": rows,
        "flatness_of_f_needed_5MeV_to_0.5GeV": flat, "window_scan": scan,
        "multiple_scattering_plane_rms_mrad": ms,
        "semivis_version": semivis.__version__,
        "command": "python " + " ".join(["benchmarks/beams_muon_diagnosis.py", *sys.argv[1:]]),
        "seconds": time.perf_counter() - t0,
    }  # fmt: skip
    OUT.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(OUT, json.dumps(to_jsonable(out), indent=1) + "\n")
    for k, v in flat.items():
        print(f"flatness f_needed (5 MeV - 0.5 GeV) {k}: {v:.2f}")
    for s in scan:
        print(f"window {s['p_min']:.0f}<p<{s['p_max']:.0f}: f {min(s['f_needed']):.3f}-{max(s['f_needed']):.3f}")
    print(f"{out['seconds']:.1f} s -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
