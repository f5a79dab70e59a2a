"""Benchmark: ``semivis figure NAME`` end to end, with a cold sample cache and then a warm one.

Usage::

    python benchmarks/bench_figure.py [--figure epjc2023-fig3] [--resolution publication] [--runs cold,warm]
                                      [--tag NAME]

Each run is the real command line (``semivis figure NAME --resolution R --cache-dir D --out ... --data ...``)
in a subprocess, so the timing includes start-up, numba cache loading, every scan, the overlays and the
drawing. ``cold`` starts from an empty cache directory; ``warm`` reuses the samples the cold run cached (the
scans are recomputed from the cached samples, only event generation is skipped). ``--figure all`` times
``semivis figure all`` into a directory. Writes ``benchmarks/results/bench_figure-NAME-RESOLUTION[-TAG].json``
with the wall time of each run, the summary numbers it printed, the load average and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from semivis import __version__

RESULTS = Path(__file__).parent / "results"


def _run(cmd: list[str]) -> tuple[float, str]:
    """Wall time and stdout of one command (its progress, on stderr, is passed through so that a long run can be
    followed).  No CPU time: the scan's worker processes are not all reaped by this process, so
    ``RUSAGE_CHILDREN`` would undercount them."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)
    return time.perf_counter() - t0, proc.stdout


def main() -> None:
    """Run the benchmark and write its JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--figure", default="epjc2023-fig3")
    ap.add_argument("--resolution", choices=["fast", "publication"], default="publication")
    ap.add_argument("--runs", default="cold,warm", help="comma-separated: cold, warm")
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    exe = shutil.which("semivis") or f"{sys.executable} -m semivis"
    work = Path(tempfile.mkdtemp(prefix="semivis-bench-figure-"))
    cache = work / "cache"
    runs: dict[str, dict[str, object]] = {}
    try:
        for label in args.runs.split(","):
            out = work / label
            cmd = [*exe.split(), "figure", args.figure, "--resolution", args.resolution, "--cache-dir", str(cache)]
            if args.figure == "all":
                cmd += ["--out", str(out)]
            else:
                cmd += ["--out", str(out / args.figure), "--data", str(out / f"{args.figure}.json")]
            out.mkdir(parents=True, exist_ok=True)
            wall, stdout = _run(cmd)
            runs[label] = {
                "wall_s": round(wall, 1),
                "printed": json.loads(stdout),
                "load_avg_after": os.getloadavg(),
            }
            print(f"{label}: {wall:.1f} s wall", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    result = {
        "benchmark": "bench_figure",
        "figure": args.figure,
        "resolution": args.resolution,
        "semivis": __version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "runs": runs,
    }
    tag = f"-{args.tag}" if args.tag else ""
    path = RESULTS / f"bench_figure-{args.figure}-{args.resolution}{tag}.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
