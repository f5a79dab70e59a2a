"""Benchmark of the production cascade (writes benchmarks/results/bench_production.json).

Run: ``python benchmarks/bench_production.py``.  Reports (single thread, numba kernel warm):
* electrons on target simulated per second per core (NA64 ECAL, 100 GeV, E_min = 50 GeV, brem + annihilation);
* wall time for one mass point at 1 % statistical precision on the yield (tables included), found by running
  n = 2000 primaries, extrapolating n_1% = n (rel_err/0.01)^2 and timing a run of that size.
"""

from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

from semivis.detector import load_card
from semivis.production import simulate_ap_production


def main() -> None:
    tgt = load_card("na64-2016-2018").target  # the NA64 ECAL
    simulate_ap_production(tgt, 100.0, 0.1, n_primaries=50, seed=0)  # JIT warm-up
    points: list[dict[str, float]] = []
    out: dict[str, object] = {
        "machine": f"{platform.machine()} {platform.processor()} cpus={os.cpu_count()}",
        "python": platform.python_version(),
        "points": points,
    }
    for m in (0.001, 0.01, 0.1, 0.27, 1.0):
        simulate_ap_production(tgt, 100.0, m, n_primaries=10, seed=0)  # tables cached per call? no: measure both
        n_rate = 20000
        t0 = time.perf_counter()
        s = simulate_ap_production(tgt, 100.0, m, n_primaries=n_rate, seed=1)
        dt = time.perf_counter() - t0
        n1 = max(100, int(n_rate * (s.relative_error() / 0.01) ** 2) + 1)
        t1 = time.perf_counter()
        s1 = simulate_ap_production(tgt, 100.0, m, n_primaries=n1, seed=2)
        dt1 = time.perf_counter() - t1
        point: dict[str, float] = {
            "m_Ap_GeV": m,
            "eot_per_s_per_core_incl_tables": n_rate / dt,
            "rel_error_20k": s.relative_error(),
            "n_primaries_for_1pct": n1,
            "seconds_for_1pct": dt1,
            "rel_error_achieved": s1.relative_error(),
            "yield_per_eot_eps1": s1.yield_per_eot(),
        }
        # pure kernel rate: a large run amortises the table construction
        t2 = time.perf_counter()
        simulate_ap_production(tgt, 100.0, m, n_primaries=100000, seed=3)
        dt2 = time.perf_counter() - t2
        point["eot_per_s_per_core_100k"] = 100000 / dt2
        points.append(point)
        print(json.dumps(point))
    path = Path(__file__).parent / "results" / "bench_production.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()
