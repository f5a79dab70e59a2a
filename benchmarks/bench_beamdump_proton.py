"""Benchmark and validation of the proton beam dumps computed by semivis (issue 14, item 4: CHARM, NuCal).

Run: ``python benchmarks/bench_beamdump_proton.py``; writes ``benchmarks/results/beamdump_proton.json`` with, per
card, the minimal-dark-photon edges at the validation masses of docs/physics/constraints.md ("Proton dumps") and
their residuals eps(semivis)/eps(published) - 1 against the DARKCAST digitisations of Tsai, deNiverville, Liu PRL 126
(2021) 181801 Fig. 3a (tests/data/reference/darkcast), the wall and CPU time per mass (one warm-up mass first, not
timed), the time of one iDM column (R = 3, Delta = 0.4, alpha_D = 0.1) and the machine's load average.

Diagnostics (no file written): ``--variant CARD SPEC MASSES`` prints the edge residuals of CARD with card fields
changed by SPEC (``"key=value;key=value"``, list fields joined by ``+``, e.g.
``"processes=pi0+eta;detector_offset_m=0"``) at MASSES (comma-separated GeV). Pseudo-keys (diagnostics only, the
shipped physics is unchanged): ``brem_scale=F`` multiplies the proton-bremsstrahlung splitting function by F (0.25:
the normalisation of BdNMC, the code behind the reference curves), ``eta_over_pi0=R`` replaces the NA27 ratio.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np

from semivis.beamdump import (
    dump_sample,
    inelastic_intervals,
    load_dump,
    mesons,
    proton,
    visible_edges,
    visible_n_signal,
)

REFERENCE = Path(__file__).parents[1] / "tests" / "data" / "reference" / "darkcast"
CURVES = {"charm": "CHARM_Tsai2019mtm.lmt", "nucal": "NuCAL_Tsai2019mtm.lmt"}
#: validation masses [GeV] (inside each published range, away from the tip)
TABLE_MASSES = {
    "charm": (0.002, 0.005, 0.01, 0.03, 0.06, 0.1, 0.15, 0.2),
    "nucal": (0.002, 0.005, 0.01, 0.03, 0.06, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7),
}


def reference_edges(name: str, m: float) -> tuple[float, float]:
    """Published (lower, upper) eps at m, log-log interpolation of the DARKCAST curve."""
    d = np.loadtxt(REFERENCE / CURVES[name])
    lo, hi = (math.exp(float(np.interp(math.log(m), np.log(d[:, 0]), np.log(d[:, k])))) for k in (1, 2))
    return lo, hi


def residuals(card: Any, masses: tuple[float, ...]) -> list[dict[str, Any]]:
    """Edges and residuals of ``card`` at ``masses``."""
    rows = []
    for m in masses:
        smp = dump_sample(card, m)
        e = visible_edges(card, m, sample=smp)
        lo, hi = reference_edges(card.name, m)
        row: dict[str, Any] = {"m_Ap": m, "lower": e.lower, "upper": e.upper, "ref_lower": lo, "ref_upper": hi}
        # N/s_up at the published lower edge: the excess of the computed long-lived signal (1 if they agreed)
        row["n_over_s_up_at_ref_lower"] = float(visible_n_signal(smp, lo)[0]) / card.s_up
        if e.lower is not None and e.upper is not None:
            row["res_lower"] = e.lower / lo - 1.0
            row["res_upper"] = e.upper / hi - 1.0
        rows.append(row)
    return rows


def _print(name: str, rows: list[dict[str, Any]], tag: str = "") -> None:
    for r in rows:
        if "res_lower" not in r:
            print(f"{name} {tag} {r['m_Ap']:g} | nothing excluded")
            continue
        print(
            f"{name} {tag} {r['m_Ap']:g} | lower {r['lower']:.3g} vs {r['ref_lower']:.3g} {r['res_lower']:+.0%}"
            f" | upper {r['upper']:.3g} vs {r['ref_upper']:.3g} {r['res_upper']:+.0%}"
            f" | N/s_up at the published lower edge {r['n_over_s_up_at_ref_lower']:.3g}"
        )


def variant(name: str, spec: str, masses: str) -> None:
    """Print the residuals of card ``name`` with the fields changed by ``spec`` (diagnostic, not a fit)."""
    changes: dict[str, Any] = {}
    pseudo: dict[str, float] = {}
    for item in filter(None, spec.split(";")):
        key, _, value = item.partition("=")
        key = key.strip()
        if key in ("brem_scale", "eta_over_pi0"):
            pseudo[key] = float(value)
        elif key in ("processes", "final_states"):
            changes[key] = tuple(value.split("+"))
        elif key == "detector_shape":
            changes[key] = value
        elif key == "n_primaries":
            changes[key] = int(value)
        else:
            changes[key] = float(value)
    card = dataclasses.replace(load_dump(name), **changes)
    w0, r0 = proton.pbrem_w, mesons.ETA_OVER_PI0
    if "brem_scale" in pseudo:
        proton.pbrem_w = lambda z, pt2, m: w0(z, pt2, m) * pseudo["brem_scale"]  # type: ignore[assignment]
    mesons.ETA_OVER_PI0 = pseudo.get("eta_over_pi0", r0)
    try:
        _print(name, residuals(card, tuple(float(x) for x in masses.split(","))), repr(spec))
    finally:
        proton.pbrem_w, mesons.ETA_OVER_PI0 = w0, r0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--variant", nargs=3, metavar=("CARD", "SPEC", "MASSES"), help="edge residuals of a changed card")
    args = ap.parse_args()
    if args.variant:
        variant(*args.variant)
        return
    load0 = os.getloadavg()
    visible_edges(load_dump("nucal"), 0.05)  # numba compile / cache load, not timed
    out: dict[str, Any] = {"benchmark": "proton beam dumps computed by semivis (visible edges, residuals; iDM)"}
    for name, masses in TABLE_MASSES.items():
        card = load_dump(name)
        t0, c0 = time.perf_counter(), time.process_time()
        rows = residuals(card, masses)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        _print(name, rows)
        t1, c1 = time.perf_counter(), time.process_time()
        idm = inelastic_intervals(card, "idm", (0.1, 0.1 / 3, 0.1 / 3 * 1.4), 0.1)
        out[name] = {
            "n_primaries": card.n_primaries,
            "processes": list(card.processes),
            "s_up": card.s_up,
            "wall_s_per_mass": wall / len(masses),
            "cpu_s_per_mass": cpu / len(masses),
            "rows": rows,
            "idm_column_m0.1": {
                "intervals": idm,
                "wall_s": time.perf_counter() - t1,
                "cpu_s": time.process_time() - c1,
            },
        }
    out.update(
        load_avg_before=load0,
        load_avg_after=os.getloadavg(),
        cpu_count=os.cpu_count(),
        python=platform.python_version(),
    )
    path = Path(__file__).parent / "results" / "beamdump_proton.json"
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=1))
    tmp.replace(path)
    print(json.dumps({k: {kk: vv for kk, vv in v.items() if kk != "rows"} for k, v in out.items() if k in CURVES}))


if __name__ == "__main__":
    main()
