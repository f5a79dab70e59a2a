"""Benchmark: an adaptive per-cell scan against the full one, same run (issue 12, item 4; semivis.scan.adaptive).

Usage::

    python benchmarks/bench_adaptive.py [--figure epjc2023-fig4b] [--nx 10] [--ny 60] [--n-events 4000]
                                        [--pilot 250] [--modes adaptive,full] [--workers 2] [--columns I0:I1]
                                        [--tag NAME]

Runs the figure's first NA64 scan group (``semivis.figures.build.figure_scan_spec``: its plane, fixed parameters,
card, selection, EOTs and A' production) on an ``nx`` x ``ny`` grid with ``n_events`` primaries per cell, once
adaptive (``pilot_events = pilot``) and once with every cell at full statistics, each on an empty sample cache
with ``--executor processes``. The numba kernels are compiled first by a tiny scan (not timed). Reports the wall
time of each, the pilot and full cell counts, and whether the contours, the ``excluded`` grids and the N_sig of
the full-statistics cells are identical; writes ``benchmarks/results/bench_adaptive-FIGURE-NXxNY-N-PILOT[-TAG].json``.
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
    ap.add_argument("--modes", default="adaptive,full")
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
        "eot": list(spec.eot or ()),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
    }
    results = {}
    for mode in args.modes.split(","):
        s = spec if mode == "adaptive" else dataclasses.replace(spec, pilot_events=None)
        t = time.perf_counter()
        info: dict[str, object] = {}
        with tempfile.TemporaryDirectory() as cache:
            ds = run_scan(s, executor="processes", workers=args.workers, cache_dir=cache, info=info)
        results[mode] = ds
        out[mode] = {"wall_s": round(time.perf_counter() - t, 2), "samples_built": info["samples_built"]}
        if mode == "adaptive":
            out[mode] |= json.loads(ds.attrs["provenance"])["adaptive"]
            full_per_column = (ds["n_events_cell"].values == args.n_events).sum(axis=0)
            out[mode]["cells_full_per_column"] = [int(v) for v in full_per_column]
        print(mode, out[mode], flush=True)
    if {"adaptive", "full"} <= set(results):
        a, f = results["adaptive"], results["full"]
        is_full = a["n_events_cell"].values == args.n_events
        same = {v: bool(np.array_equal(a[v].values, f[v].values)) for v in CONTOUR_VARS}
        same["n_sig_full_cells"] = bool(np.array_equal(a["n_sig"].values[:, is_full], f["n_sig"].values[:, is_full]))
        out["identical"] = same
        walls = {m: float(out[m]["wall_s"]) for m in ("adaptive", "full")}  # type: ignore[index]
        out["wall_ratio_full_over_adaptive"] = round(walls["full"] / walls["adaptive"], 2)
        print(out["identical"], out["wall_ratio_full_over_adaptive"])
    RESULTS.mkdir(exist_ok=True)
    tag = f"-{args.tag}" if args.tag else ""
    cols = f"-cols{args.columns.replace(':', '-')}" if args.columns else ""
    name = f"bench_adaptive-{args.figure}-{args.nx}x{args.ny}{cols}-{args.n_events}-{args.pilot}{tag}.json"
    path = RESULTS / name
    path.write_text(json.dumps(out, indent=1, default=str) + "\n")
    print("wrote", path)


if __name__ == "__main__":
    main()
