"""Benchmark: an adaptive per-cell scan against the full one, same run (issue 12, item 4; semivis.scan.adaptive).

Usage::

    python benchmarks/bench_adaptive.py [--figure epjc2023-fig4b] [--nx 10] [--ny 60] [--n-events 4000]
                                        [--pilot 250] [--ladder 62,250] [--modes adaptive,full] [--workers 2]
                                        [--columns I0:I1] [--tag NAME]

Runs the figure's first NA64 scan group (``semivis.figures.build.figure_scan_spec``: its plane, fixed parameters,
card, selection, EOTs and A' production) on an ``nx`` x ``ny`` grid with ``n_events`` primaries per cell, once
adaptive (``pilot_events = pilot``) and once with every cell at full statistics, each on an empty sample cache
with ``--executor processes``. The numba kernels are compiled first by a tiny scan (not timed). Reports the wall
time of each, the pilot and full cell counts, and whether the contours, the ``excluded`` grids and the N_sig of
the full-statistics cells are identical; writes ``benchmarks/results/bench_adaptive-FIGURE-NXxNY-N-PILOT[-TAG].json``.
Mode ``ladder`` runs the scan with the ladder of pilots ``--ladder`` (``pilot_events`` a tuple) and is compared with
``full`` and with ``adaptive`` (one pilot) where those ran: since the full scan is deterministic for its seed, a
ladder identical to a one-pilot scan that is identical to the full one is the full one's too.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from semivis.figures.build import _scan_groups, figure_scan_spec
from semivis.figures.registry import Resolution, get_recipe
from semivis.scan import run_scan

RESULTS = Path(__file__).parent / "results"
CONTOUR_VARS = ("excluded", "contour_x", "contour_y", "polyline_start", "polyline_size", "polyline_eot")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--figure", default="epjc2023-fig4b")
    ap.add_argument("--nx", type=int, default=10)
    ap.add_argument("--ny", type=int, default=60)
    ap.add_argument("--n-events", type=int, default=4000)
    ap.add_argument("--pilot", type=int, default=250)
    ap.add_argument("--ladder", default="", help="comma-separated pilots of mode 'ladder', e.g. 312,1250")
    ap.add_argument("--modes", default="adaptive,full", help="any of adaptive, ladder, full")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--columns", default="", help="I0:I1: only these columns of the nx grid (a strip of it)")
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    recipe = get_recipe(args.figure)
    curves = _scan_groups(recipe)[0]
    res = Resolution(args.nx, args.ny, args.n_events, 2, pilot_events=args.pilot)
    spec = figure_scan_spec(recipe, curves, res)
    if args.columns:
        i0, i1 = (int(v) for v in args.columns.split(":"))
        spec = dataclasses.replace(spec, x=spec.x[i0:i1])
    # compile every kernel both passes use, in the workers too (numba compiles a kernel on its first call; a worker
    # compiling inside the timed run would cost the first mode tens of seconds)
    warm = figure_scan_spec(recipe, curves, Resolution(3, 12, 200, 2, pilot_events=25))
    with tempfile.TemporaryDirectory() as cache:
        run_scan(warm, executor="processes", workers=args.workers, cache_dir=cache)
    out: dict[str, object] = {
        "figure": args.figure,
        "grid": [args.nx, args.ny],
        "columns": args.columns or "all",
        "n_events": args.n_events,
        "pilot_events": args.pilot,
        "ladder": [int(v) for v in args.ladder.split(",")] if args.ladder else None,
        "eot": list(spec.eot or ()),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }
    results = {}
    for mode in args.modes.split(","):
        if mode == "ladder":
            s = dataclasses.replace(spec, pilot_events=tuple(int(v) for v in args.ladder.split(",")))
        else:
            s = spec if mode == "adaptive" else dataclasses.replace(spec, pilot_events=None)
        t = time.perf_counter()
        info: dict[str, object] = {}
        with tempfile.TemporaryDirectory() as cache:
            ds = run_scan(s, executor="processes", workers=args.workers, cache_dir=cache, info=info)
        results[mode] = ds
        out[mode] = {"wall_s": round(time.perf_counter() - t, 2), "samples_built": info["samples_built"]}
        if mode in {"adaptive", "ladder"}:
            out[mode] |= json.loads(ds.attrs["provenance"])["adaptive"]
            full_per_column = (ds["n_events_cell"].values == args.n_events).sum(axis=0)
            out[mode]["cells_full_per_column"] = [int(v) for v in full_per_column]
        print(mode, out[mode], flush=True)
    for mode, ref in (("adaptive", "full"), ("ladder", "full"), ("ladder", "adaptive")):
        if not {mode, ref} <= set(results):
            continue
        a, f = results[mode], results[ref]
        # cells at full statistics in both (a ladder may hold a cell more or less at full than one pilot)
        is_full = a["n_events_cell"].values == args.n_events
        if ref != "full":
            is_full &= f["n_events_cell"].values == args.n_events
        same = {v: bool(np.array_equal(a[v].values, f[v].values)) for v in CONTOUR_VARS}
        same["n_sig_full_cells"] = bool(np.array_equal(a["n_sig"].values[:, is_full], f["n_sig"].values[:, is_full]))
        walls = {m: float(out[m]["wall_s"]) for m in (mode, ref)}  # type: ignore[index]
        key = "" if (mode, ref) == ("adaptive", "full") else f"_{mode}_vs_{ref}"
        out[f"identical{key}"] = same
        out[f"wall_ratio_{ref}_over_{mode}"] = round(walls[ref] / walls[mode], 2)
        print(mode, "vs", ref, same, out[f"wall_ratio_{ref}_over_{mode}"])
    RESULTS.mkdir(exist_ok=True)
    tag = f"-{args.tag}" if args.tag else ""
    cols = f"-cols{args.columns.replace(':', '-')}" if args.columns else ""
    ladder = f"-ladder{args.ladder.replace(',', '_')}" if "ladder" in args.modes.split(",") else ""
    name = f"bench_adaptive-{args.figure}-{args.nx}x{args.ny}{cols}-{args.n_events}-{args.pilot}{ladder}{tag}.json"
    path = RESULTS / name
    path.write_text(json.dumps(out, indent=1, default=str) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
