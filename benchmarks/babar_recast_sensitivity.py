"""BaBar semi-visible recast (issue 11): the EPJC 2023 Fig. 3 region and its sensitivity to the detector card.

Benchmark of Fig. 3 (iDM, alpha_D = 0.1, m_A' = 3 m_chi1, delta = 0.4). For each card variation (the shipped
``babar_detector.toml``, the track p_T threshold +-50 %, the track-finding radius, the EMC threshold, the outer
radius) and each m_A', the excluded eps intervals (eps^2 P_inv(eps) >= eps_inv^2, solved self-consistently), the
relic-line eps (semivis.cosmo.relic_target) and the (g-2)_mu band edges (FNAL 2021 and BNL 2006, 2 sigma), and
whether BaBar covers them; then the mass intervals where the relic line and each band are covered.

Writes ``benchmarks/results/babar_recast_sensitivity.json``. Run from the repository root:
``python benchmarks/babar_recast_sensitivity.py`` (~40 s on the loaded 2-core VM).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import semivis
from semivis._io import atomic_write_text, to_jsonable
from semivis.constraints import g2_band, g2_eps
from semivis.constraints.babar import babar_invisible_limit, babar_semivisible_excluded_eps, load_babar_detector
from semivis.cosmo import relic_target

ALPHA_D, RATIO, DELTA = 0.1, 3.0, 0.4
VARIATIONS: dict[str, dict[str, float]] = {
    "card": {},
    "pt_min x0.5 (0.05 GeV)": {"tracking_pt_min_GeV": 0.05},
    "pt_min x1.5 (0.15 GeV)": {"tracking_pt_min_GeV": 0.15},
    "r_track_max 0.3 m": {"tracking_r_track_max_m": 0.3},
    "r_track_max 0.809 m (DCH outer)": {"tracking_r_track_max_m": 0.809},
    "EMC e_min 0.015 GeV": {"calorimeter_e_min_GeV": 0.015},
    "EMC e_min 0.06 GeV": {"calorimeter_e_min_GeV": 0.06},
    "r_outer 0.809 m (DCH only)": {"detector_r_outer_m": 0.809},
}


def _covered(iv: list[tuple[float, float]], eps: float) -> bool:
    return any(lo <= eps <= hi for lo, hi in iv)


def _intervals(ms: np.ndarray, ok: list[bool]) -> list[list[float]]:
    """Runs of consecutive covered masses as [first, last] (grid points)."""
    out: list[list[float]] = []
    previous = False
    for m, k in zip(ms, ok, strict=True):
        if k and not previous:
            out.append([float(m), float(m)])
        elif k:
            out[-1][1] = float(m)
        previous = k
    return out


def main(n_mass: int = 31) -> dict[str, Any]:
    ms = np.geomspace(0.05, 3.0, n_mass)
    t0 = time.perf_counter()
    relic = relic_target("idm", m_chi1=ms / RATIO, ratio=RATIO, delta=DELTA, alpha_D=ALPHA_D).eps
    bands = {b: g2_eps(ms, g2_band(b)) for b in ("fnal2021", "bnl2006")}
    out: dict[str, Any] = {
        "semivis_version": semivis.__version__,
        "benchmark": {"kind": "idm", "alpha_D": ALPHA_D, "ratio": RATIO, "delta": DELTA},
        "m_Ap_GeV": ms,
        "eps_inv": babar_invisible_limit(ms),
        "eps_relic": np.asarray(relic),
        "g2": {b: {"eps_low": v["eps_low"], "eps_high": v["eps_high"]} for b, v in bands.items()},
        "variations": {},
    }
    for name, ov in VARIATIONS.items():
        det = load_babar_detector(**ov)
        ivs = [
            babar_semivisible_excluded_eps("idm", float(m), float(m) / RATIO, DELTA, ALPHA_D, detector=det) for m in ms
        ]
        rel = [_covered(iv, float(e)) for iv, e in zip(ivs, relic, strict=True)]
        res: dict[str, Any] = {
            "overrides": ov,
            "intervals": ivs,
            "large_eps_edge": [iv[-1][0] if iv and iv[-1][1] >= 0.999 else None for iv in ivs],
            "relic_covered_GeV": _intervals(ms, rel),
        }
        for b, v in bands.items():
            cov = [
                _covered(iv, float(lo)) and _covered(iv, float(hi)) and len(iv) > 0
                for iv, lo, hi in zip(ivs, v["eps_low"], v["eps_high"], strict=True)
            ]
            res[f"g2_{b}_band_fully_covered_GeV"] = _intervals(ms, cov)
        out["variations"][name] = res
        print(
            f"{name:36s} relic covered {res['relic_covered_GeV']}  g2 fnal {res['g2_fnal2021_band_fully_covered_GeV']}"
        )
    out["seconds"] = time.perf_counter() - t0
    dest = Path("benchmarks/results/babar_recast_sensitivity.json")
    atomic_write_text(dest, json.dumps(to_jsonable(out), indent=1) + "\n")
    print(f"wrote {dest} ({out['seconds']:.0f} s)")
    return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 31)
