"""Benchmark: one thermal-relic target line of 40 masses (iDM, R = 3, alpha_D = 0.1, delta = 0.4).

Run: ``python benchmarks/bench_relic.py [--workers N]``; writes ``benchmarks/results/relic.json`` with the wall
and CPU time, the machine's load average (other work on a shared machine inflates wall time) and the line itself.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from semivis.cosmo import relic_line
from semivis.planes import PLANES

FIXED = {"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--workers", type=int, default=1, help="processes (1 = serial)")
    ap.add_argument("--n", type=int, default=40, help="number of masses")
    args = ap.parse_args()
    m = np.geomspace(1e-3, 1.0, args.n)
    load0 = os.getloadavg()
    t0, c0 = time.perf_counter(), time.process_time()
    if args.workers > 1:
        with ProcessPoolExecutor(args.workers) as ex:
            y = relic_line(PLANES["mchi1-y"], m, kind="idm", fixed=FIXED, executor=ex)
    else:
        y = relic_line(PLANES["mchi1-y"], m, kind="idm", fixed=FIXED)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {
        "benchmark": "relic target line, iDM R=3 alpha_D=0.1 delta=0.4, m_chi1 = 1 MeV - 1 GeV",
        "n_masses": args.n,
        "workers": args.workers,
        "wall_s": wall,
        "cpu_s_main": cpu,
        "cpu_s_children": children.ru_utime + children.ru_stime,
        "load_avg_before": load0,
        "load_avg_after": os.getloadavg(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "m_chi1": m.tolist(),
        "y": np.asarray(y).tolist(),
    }
    path = Path(__file__).parent / "results" / "relic.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1))
    print(json.dumps({k: v for k, v in out.items() if k not in ("m_chi1", "y")}, indent=1))


if __name__ == "__main__":
    main()
