"""Benchmark: time per beam-dump limit computed by semivis (issue 14).

Run: ``python benchmarks/bench_beamdump.py [--masses N]``; writes ``benchmarks/results/beamdump.json`` with, per
card, the wall and CPU time of the minimal-dark-photon edges at N masses (cards' own statistics, fresh numba
cache assumed warm: one warm-up mass is run first and not timed), and of the iDM E137 region at the EPJC 2023
Fig. 3 benchmark (R = 3, Delta = 0.4, alpha_D = 0.1) in the (m_A', eps) plane, as the constraint registry computes
it (500 primaries per mass), together with the machine's load average (a shared machine inflates wall time).

Diagnostics (no file written): ``--table`` prints the validation residual table of docs/physics/constraints.md;
``--variant CARD SPEC MASSES`` prints the lower/upper-edge residuals of CARD with the card fields changed by SPEC
(``"key=value;key=value"``, e.g. ``"energy_threshold_GeV=0.3;detector_half_width_m=1000"``; the pseudo-key
``noms=1`` switches off the multiple scattering of the emitters in the cascade) at MASSES (comma-separated GeV),
500 primaries unless SPEC sets ``n_primaries`` (the lower-edge diagnosis table of docs/physics/constraints.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import os
import platform
import time
from pathlib import Path

import numpy as np

from semivis.beamdump import engine, load_dump, visible_edges
from semivis.constraints import CONSTRAINTS
from semivis.planes import PLANES


def _timed(fn):  # type: ignore[no-untyped-def]
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


#: masses of the validation table of docs/physics/constraints.md (``--table``)
TABLE_MASSES = {
    "e137": (0.002, 0.003, 0.01, 0.03, 0.1, 0.2, 0.25, 0.28),
    "e141": (0.0015, 0.003, 0.006, 0.01, 0.015),
    "orsay": (0.002, 0.005, 0.01, 0.02, 0.04, 0.06, 0.075),
}
REFERENCE = Path(__file__).parents[1] / "tests" / "data" / "reference" / "darkcast"
CURVES = {"e137": "E137_Andreas2012mt.lmt", "e141": "E141_Riordan1987aw.lmt", "orsay": "Orsay_Davier1989wz.lmt"}


def residual_table() -> None:
    """Print the residuals eps(semivis)/eps(published) - 1 of both edges at the table's masses (cards as shipped)."""
    for name, masses in TABLE_MASSES.items():
        d = np.loadtxt(REFERENCE / CURVES[name])
        card = load_dump(name)
        print(f"{name}: m_A' [GeV] | lower: semivis, published, residual | upper: semivis, published, residual")
        for m in masses:
            e = visible_edges(card, m)
            lo, hi = (float(np.exp(np.interp(np.log(m), np.log(d[:, 0]), np.log(d[:, k])))) for k in (1, 2))
            if e.lower is None or e.upper is None:
                print(f"  {m:g} | nothing excluded")
                continue
            r_lo, r_hi = e.lower / lo - 1, e.upper / hi - 1
            print(f"  {m:g} | {e.lower:.3g} {lo:.3g} {r_lo:+.0%} | {e.upper:.3g} {hi:.3g} {r_hi:+.0%}")


def variant_table(name: str, spec: str, masses: str) -> None:
    """Print the edge residuals of card ``name`` with the fields changed by ``spec`` (diagnostic, not a fit)."""
    changes: dict[str, float] = {"n_primaries": 500}
    noms = False
    for item in filter(None, spec.split(";")):
        key, _, value = item.partition("=")
        if key.strip() == "noms":
            noms = bool(float(value))
        else:
            changes[key.strip()] = float(value)
    if "n_primaries" in changes:
        changes["n_primaries"] = int(changes["n_primaries"])
    card = dataclasses.replace(load_dump(name), **changes)  # type: ignore[arg-type]
    d = np.loadtxt(REFERENCE / CURVES[name])
    sim = engine.simulate_ap_production  # the cascade the engine calls (restored below)
    if noms:
        engine.simulate_ap_production = functools.partial(sim, multiple_scattering=False)
    try:
        for m in (float(x) for x in masses.split(",")):
            e = visible_edges(card, m)
            lo, hi = (float(np.exp(np.interp(np.log(m), np.log(d[:, 0]), np.log(d[:, k])))) for k in (1, 2))
            if e.lower is None or e.upper is None:
                print(f"{name} {spec!r} {m:g} | nothing excluded")
                continue
            r_lo, r_hi = e.lower / lo - 1, e.upper / hi - 1
            print(f"{name} {spec!r} {m:g} | lower {e.lower:.3g} vs {lo:.3g} {r_lo:+.0%} | upper {r_hi:+.0%}")
    finally:
        engine.simulate_ap_production = sim


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--table", action="store_true", help="print the validation residual table and exit")
    ap.add_argument("--masses", type=int, default=12, help="masses per visible limit")
    ap.add_argument("--idm-masses", type=int, default=12, help="masses of the iDM region")
    ap.add_argument("--variant", nargs=3, metavar=("CARD", "SPEC", "MASSES"), help="edge residuals of a changed card")
    args = ap.parse_args()
    if args.table:
        residual_table()
        return
    if args.variant:
        variant_table(*args.variant)
        return
    load0 = os.getloadavg()
    visible_edges(load_dump("e137"), 0.05)  # numba compile / cache load, not timed
    rows = {}
    for name, (lo, hi) in {"e137": (0.002, 0.28), "e141": (0.0012, 0.017), "orsay": (0.0012, 0.075)}.items():
        card = load_dump(name)
        masses = np.geomspace(lo, hi, args.masses)
        edges, wall, cpu = _timed(lambda c=card, ms=masses: [visible_edges(c, float(m)) for m in ms])
        rows[name] = {
            "n_masses": args.masses,
            "n_primaries": card.n_primaries,
            "wall_s": wall,
            "cpu_s": cpu,
            "wall_s_per_mass": wall / args.masses,
            "edges": [[e.m_Ap, e.lower, e.upper] for e in edges],
        }
    lines, wall, cpu = _timed(
        lambda: CONSTRAINTS["e137_computed"].curves(
            PLANES["mAp-eps"], kind="idm", x_range=(0.01, 0.6), n=args.idm_masses
        )
    )
    out = {
        "benchmark": "beam-dump limits computed by semivis (visible edges per card; E137 iDM region)",
        "visible": rows,
        "idm_e137_region": {
            "n_masses": args.idm_masses,
            "n_primaries": 500,
            "wall_s": wall,
            "cpu_s": cpu,
            "wall_s_per_mass": wall / args.idm_masses,
            "n_polylines": len(lines),
        },
        "load_avg_before": load0,
        "load_avg_after": os.getloadavg(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
    }
    path = Path(__file__).parent / "results" / "beamdump.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1))
    summary = {k: {kk: vv for kk, vv in v.items() if kk != "edges"} for k, v in rows.items()}
    print(json.dumps({**summary, "idm_e137_region": out["idm_e137_region"], "load": load0}, indent=1))


if __name__ == "__main__":
    main()
