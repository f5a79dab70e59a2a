"""Benchmark: an (m_A', eps) iDM scan at publication resolution, cold cache then warm cache.

Usage::

    python benchmarks/bench_scan.py [--evaluator signal|toy] [--nx 50] [--ny 200] [--n-events 2000]
                                    [--executor processes] [--workers N] [--tag NAME]

Writes ``benchmarks/results/bench_scan[-TAG].json`` (wall times, per-column cost, cache statistics,
machine). ``--evaluator toy`` uses the analytic stand-in (``semivis.testing.ToyEvaluator``) and so measures
the scan machinery alone (cache, executors, checkpoints, CLs, contours, netCDF).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

from semivis import __version__
from semivis.scan import ScanSpec, SignalEvaluator, contours, run_scan
from semivis.testing import ToyEvaluator

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    """Run the benchmark and write its JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--evaluator", choices=["signal", "toy"], default="signal")
    ap.add_argument("--nx", type=int, default=50)
    ap.add_argument("--ny", type=int, default=200)
    ap.add_argument("--n-events", type=int, default=2000)
    ap.add_argument("--executor", default="processes")
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--tag", default="")
    args = ap.parse_args()

    evaluator = ToyEvaluator() if args.evaluator == "toy" else SignalEvaluator()
    spec = ScanSpec.from_ranges(
        "idm",
        "mAp-eps",
        nx=args.nx,
        ny=args.ny,
        n_events=args.n_events,
        x_range=(3e-3, 1.0),
        y_range=(1e-6, 1e-2),
        eot=(2.84e11, 1e12, 5e12),
    )
    work = Path(tempfile.mkdtemp(prefix="semivis-bench-"))
    runs = {}
    try:
        for label in ("cold", "warm"):
            info: dict[str, float] = {}
            out = work / f"{label}.nc"
            t0 = time.perf_counter()
            ds = run_scan(
                spec,
                executor=args.executor,
                workers=args.workers,
                out=out,
                cache_dir=work / "cache",
                evaluator=evaluator,
                progress=False,
                info=info,
            )
            wall = time.perf_counter() - t0
            runs[label] = {
                "wall_s": round(wall, 3),
                "per_column_s": round(wall / args.nx, 4),
                "samples_built": info["samples_built"],
                "cache_hits": info["cache_hits"],
                "polylines": {f"{k:.3g}": len(v) for k, v in contours(ds).items()},
                "result_bytes": out.stat().st_size,
            }
            print(label, json.dumps(runs[label]))
        cache_bytes = sum(p.stat().st_size for p in (work / "cache").rglob("*") if p.is_file())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "benchmark": "scan mAp-eps idm (alpha_D=0.1, R=3, delta=0.4), 3 EOT values",
        "evaluator": args.evaluator,
        "grid": [args.nx, args.ny],
        "n_events": args.n_events,
        "executor": args.executor,
        "workers": args.workers or os.cpu_count(),
        "runs": runs,
        "cache_bytes": cache_bytes,
        "semivis_version": __version__,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_avg_at_end": os.getloadavg(),
        },
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    name = f"bench_scan-{args.tag}.json" if args.tag else "bench_scan.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
