"""How each NA64 [cuts] entry moves the EPJC 2023 Fig. 3 contour at fixed m_A' (issue 11, deliverable 2).

Benchmark of EPJC 2023 Fig. 3: iDM, alpha_D = 0.1, m_A' = 3 m_chi1, m_chi2 = 1.4 m_chi1, card ``na64-2016-2018``
(2.84e11 EOT), selection ``missing-energy``, A' by bremsstrahlung only (the paper's recast). At each m_A' of
``MASSES_GEV`` one event sample (``N_PRIMARIES`` beam electrons, seed 2026) is reweighted to a grid of eps for every
[cuts] configuration (``legacy``: VETO only with the capped-energy response, semivis before issue 11; ``all``: the
shipped cards; ``all-<name>``: all but one) and both signal-efficiency modes; the excluded eps intervals are where
N_sig >= 2.303 (EPJC 2023 Sect. 3.2: background-free 90 % CL), log-interpolated. Also: the (g-2) band (2 sigma of
the 2021 average) and the relic eps at that mass, to read whether each is covered there.

Writes ``benchmarks/results/na64_cuts_contour.json``; ``python benchmarks/na64_cuts_contour.py`` (~2-5 min on 2
cores).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from semivis._io import atomic_write_text
from semivis.constraints.g2 import g2_band, g2_eps
from semivis.cosmo.target import relic_line
from semivis.detector import load_card
from semivis.detector.cards import CUT_NAMES
from semivis.planes import PLANES
from semivis.signal import build_event_sample, signal_result

MASSES_GEV = (0.4, 0.5, 0.6, 0.8, 1.14, 1.5)
N_PRIMARIES = 4000
N_UP = 2.303
EPS = np.geomspace(1e-6, 0.1, 601)
CONFIGS = ["legacy", "all"] + [f"all-{c}" for c in CUT_NAMES]
NORMS = ("first-principles", "na64-invisible-2016-2022")
OUT = Path("benchmarks/results/na64_cuts_contour.json")


def switches(config: str) -> dict[str, bool]:
    """The [cuts] switches of a configuration name."""
    if config == "legacy":
        return dict(dict.fromkeys(CUT_NAMES, False), veto=True)
    if config == "all":
        return dict.fromkeys(CUT_NAMES, True)
    return dict(dict.fromkeys(CUT_NAMES, True), **{config[4:]: False})


def intervals(eps: np.ndarray, n: np.ndarray) -> list[list[float]]:
    """eps intervals with n >= N_UP (end points log-interpolated in ln(n / N_UP))."""
    f = np.log(np.maximum(n, 1e-300) / N_UP)
    out: list[list[float]] = []
    lo = float(eps[0]) if f[0] >= 0 else None
    for i in range(1, eps.size):
        if (f[i - 1] < 0) != (f[i] < 0):
            t = f[i - 1] / (f[i - 1] - f[i])
            x = math.exp(math.log(eps[i - 1]) + t * (math.log(eps[i]) - math.log(eps[i - 1])))
            if f[i] >= 0:
                lo = x
            else:
                out.append([lo, x])  # type: ignore[list-item]
                lo = None
    if lo is not None:
        out.append([lo, float(eps[-1])])
    return out


def main() -> int:
    base = load_card("na64-2016-2018")
    band = g2_band("fnal2021")
    fixed = {"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4}
    rows: list[dict[str, Any]] = []
    for m in MASSES_GEV:
        m1 = m / 3.0
        sample = build_event_sample(base, "idm", m, m1, 1.4 * m1, n_events=N_PRIMARIES, seed=2026, processes=("brem",))
        g2 = {k: float(v) for k, v in g2_eps(m, band).items()}
        relic = float(relic_line(PLANES["mAp-eps"], [m], kind="idm", fixed=fixed)[0])
        row: dict[str, Any] = {"m_Ap_GeV": m, "g2_eps_2sigma": [g2["eps_low"], g2["eps_high"]], "relic_eps": relic}
        for norm in NORMS:
            for config in CONFIGS:
                card = base.with_cuts(**switches(config)).with_efficiency_normalisation(norm)
                r = signal_result(sample, card, "missing-energy", eps=EPS, alpha_D=0.1)
                n = np.asarray(r.n_signal, dtype=np.float64)
                row[f"{norm}/{config}"] = intervals(EPS, n)
        print(json.dumps(row), flush=True)
        rows.append(row)
    payload = {
        "what": "EPJC 2023 Fig. 3 benchmark: excluded eps intervals (N_sig >= 2.303) per [cuts] configuration",
        "written": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(sys.argv),
        "n_primaries": N_PRIMARIES,
        "rows": rows,
    }
    atomic_write_text(OUT, json.dumps(payload, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
