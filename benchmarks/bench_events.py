"""Benchmark: ``semivis events`` writing N events (default 1e6) to HepMC3 and/or LHE: wall time, peak memory, size.

Usage::

    python benchmarks/bench_events.py [--n 1000000] [--formats hepmc3,lhe] [--chunk 50000] [--tag NAME]

Each format runs in a fresh subprocess (``semivis.events.write_events`` on the iDM benchmark point m_A' = 0.1 GeV,
R = 3, delta = 0.4, eps = 3e-4, alpha_D = 0.1, card na64-2016-2018, no forced region, no selection, into a
temporary folder that is deleted afterwards), so that the peak resident memory (``resource.getrusage``
``ru_maxrss`` of the child) belongs to that run alone; numba's cache is warmed by a 100-event run first.
Writes ``benchmarks/results/bench_events[-TAG].json`` with, per format, the wall time, events per second, the
peak RSS, the file size and the sum of the weights, plus the load average and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from semivis import __version__

RESULTS = Path(__file__).parent / "results"

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from semivis.detector import load_card
from semivis.events import EventRequest, write_events
from semivis.models import make_model
n, fmt, out, chunk = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
m = make_model("idm", m_Ap=0.1, eps=3e-4, alpha_D=0.1, ratio=3.0, delta=0.4)
req = EventRequest(load_card("na64-2016-2018"), "idm", 0.1, float(m.m_chi1), float(m.m_chi2), 3e-4, 0.1,
                   n_events=n, seed=1, chunk_events=chunk)
t0 = time.perf_counter()
summary = write_events(req, fmt, out)
wall = time.perf_counter() - t0
print(json.dumps({"wall_s": wall, "weight_sum": summary["weight_sum"], "file_bytes": out.stat().st_size,
                  "peak_rss_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _child(n: int, fmt: str, out: Path, chunk: int) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(n), fmt, str(out), str(chunk)], check=True, stdout=subprocess.PIPE, text=True
    )
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    """Run the benchmark and write its JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--formats", default="hepmc3,lhe")
    ap.add_argument("--chunk", type=int, default=50_000)
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    runs: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench_events_") as tmp:
        _child(100, "hepmc3", Path(tmp) / "warm.hepmc3", 100)  # numba cache, imports
        for fmt in args.formats.split(","):
            out = Path(tmp) / f"events.{fmt}"
            r = _child(args.n, fmt, out, args.chunk)
            r["events_per_s"] = args.n / r["wall_s"]
            runs[fmt] = r
            out.unlink()
            print(fmt, json.dumps(r), flush=True)
    record = {
        "benchmark": "bench_events",
        "n_events": args.n,
        "chunk_events": args.chunk,
        "point": "idm m_A'=0.1 GeV R=3 delta=0.4 eps=3e-4 alpha_D=0.1, na64-2016-2018, seed 1",
        "runs": runs,
        "semivis": __version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "loadavg_1min": os.getloadavg()[0],
        "self_peak_rss_MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    RESULTS.mkdir(exist_ok=True)
    name = "bench_events" + (f"-{args.tag}" if args.tag else "") + ".json"
    (RESULTS / name).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(RESULTS / name)


if __name__ == "__main__":
    main()
