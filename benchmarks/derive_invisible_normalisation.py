"""Derive the card option ``efficiency.normalisation = "na64-invisible-2016-2022"``: one global factor on the signal
efficiency that makes semivis's invisible-mode limit reproduce NA64's published 2016-2022 one.

Procedure (docs/physics/production.md, "Normalisation to NA64's invisible limit"):

1. Card ``na64-2016-2022`` in its first-principles mode (efficiency table as in the card), 9.37e11 EOT, A' ->
   invisible (BR = 1), production by bremsstrahlung + resonant annihilation as in NA64's 2016-2022 analysis
   (PRL 131 (2023) 161801: its curve has the annihilation dip at 0.2-0.3 GeV), E_A' > E0 - E_ECAL,max = 50 GeV,
   background-free N_up = 2.30 (semivis's own statistics, not retuned).
2. eps_90 at ``N_MASSES`` log-spaced masses from 1.1 MeV to 1.3 GeV (inside the reference curve, 1.05 MeV -
   1.41 GeV), ``N_PRIMARIES`` beam electrons each (MC error of the yield ~1 %).
3. k_i = (eps_semivis/eps_NA64)^2 (the reference interpolated in log-log) at the masses outside
   ``semivis.testing.ANNIHILATION_WINDOW_GEV``; k = exp(mean ln k_i) (least squares in log yield); uncertainty =
   k x sqrt(MC^2 + spread^2) (``semivis.testing.flat_normalisation``).
4. Flatness gate: after normalisation every eps ratio outside the window within +-5 % of 1, else exit 1 and do
   not normalise (the difference is then physics, to be reported, not absorbed).

Writes ``benchmarks/results/invisible_normalisation.json`` (the factor, its uncertainty, every mass's ratio, the
window's ratios reported separately) and prints the TOML lines to paste into the cards. Run from the repository
root: ``python benchmarks/derive_invisible_normalisation.py`` (~10 s on one core).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np

import semivis
from semivis.testing import ANNIHILATION_WINDOW_GEV, flat_normalisation, invisible_limit, reference_eps

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "tests" / "data" / "reference" / "na64_invisible_2016_2022_limit.csv"
OUT = ROOT / "benchmarks" / "results" / "invisible_normalisation.json"
CARD = "na64-2016-2022"
PROCESSES = ("brem", "annihilation")
N_MASSES = 36
N_PRIMARIES = 20000
SEED = 2026
#: Largest |eps ratio / sqrt(k) - 1| allowed outside the annihilation window (issue 11: flat within +-5 %).
MAX_EPS_RESIDUAL = 0.05


def _commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.decode().strip()


def main() -> int:
    reference = np.loadtxt(REFERENCE, delimiter=",")
    masses = np.geomspace(1.1e-3, 1.3, N_MASSES)
    lim = invisible_limit(masses, CARD, n_primaries=N_PRIMARIES, seed=SEED, processes=PROCESSES)
    fit = flat_normalisation(lim, reference)
    ratio = lim.eps / reference_eps(reference, masses)
    inside = (masses >= ANNIHILATION_WINDOW_GEV[0]) & (masses <= ANNIHILATION_WINDOW_GEV[1])
    result = {
        "what": "one global factor k on the signal efficiency of card na64-2016-2022 so that semivis's invisible "
        "90 % CL limit reproduces NA64's 2016-2022 one (k = NA64's yield x efficiency / semivis's)",
        "reference": "tests/data/reference/na64_invisible_2016_2022_limit.csv (NA64, PRL 131 (2023) 161801, "
        "9.37e11 EOT; ESPP2026-PPG/Quasi-elastic-DM @ 4321816d)",
        "card": CARD,
        "processes": list(PROCESSES),
        "n_primaries": N_PRIMARIES,
        "seed": SEED,
        "window_GeV": list(ANNIHILATION_WINDOW_GEV),
        "factor": fit.factor,
        "uncertainty": fit.uncertainty,
        "mc_uncertainty_ln": fit.mc_uncertainty,
        "spread_ln": fit.spread,
        "max_eps_residual": fit.max_eps_residual,
        "n_fit_masses": fit.n_masses,
        "eps_ratio_fit": [[float(m), float(r)] for m, r in zip(masses[~inside], ratio[~inside], strict=True)],
        "eps_ratio_window": [[float(m), float(r)] for m, r in zip(masses[inside], ratio[inside], strict=True)],
        "mc_rel_error_yield": [float(e) for e in lim.mc_rel_error],
        "derived_with": f"benchmarks/derive_invisible_normalisation.py, semivis {semivis.__version__} @ {_commit()}",
        "date": dt.date.today().isoformat(),
        "python": platform.python_version(),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for m, r in zip(masses, ratio, strict=True):
        tag = (
            " (annihilation window, not fitted)"
            if ANNIHILATION_WINDOW_GEV[0] <= m <= ANNIHILATION_WINDOW_GEV[1]
            else ""
        )
        print(f"m_A' = {m:8.4g} GeV  eps_semivis/eps_NA64 = {r:.4f}{tag}")
    print(
        f"k = {fit.factor:.4f} +- {fit.uncertainty:.4f} (MC {fit.mc_uncertainty:.4f}, spread {fit.spread:.4f} in "
        f"ln k; {fit.n_masses} masses); eps ratio sqrt(k) = {fit.factor**0.5:.4f}; "
        f"max eps residual {fit.max_eps_residual:.3f}"
    )
    print(f"wrote {OUT.relative_to(ROOT)}")
    if fit.max_eps_residual > MAX_EPS_RESIDUAL:
        print(
            f"FLATNESS GATE FAILED: an eps ratio departs by {fit.max_eps_residual:.3f} > {MAX_EPS_RESIDUAL} from the "
            "global fit: do not normalise; the difference is physics to be reported",
            file=sys.stderr,
        )
        return 1
    print("card lines:")
    print("[efficiency.na64-invisible-2016-2022]")
    print(f"factor = {fit.factor:.3f}")
    print(f"uncertainty = {fit.uncertainty:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
