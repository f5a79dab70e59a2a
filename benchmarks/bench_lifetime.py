"""Lifetime kernels (issue 12): one coupling column from a kernel against the exact accumulation, in the same run.

For publication-size samples (20 000 primaries, ~2.4e5 A' events) of EPJC 2023 Fig. 3 (iDM, R = 3, delta = 0.4,
alpha_D = 0.1, bremsstrahlung) and of an i2DM point (theta = 0.2, all three channels), per mass point:

* ``table_s``: the response table (:func:`semivis.signal.response_table.response_table`, cold memo);
* ``exact_column_s``: the previous code's column, the exact accumulation over 200 eps
  (:func:`semivis.signal.bin_signals`, table memoised);
* ``kernel_build_s``: the kernel from the memoised table (:func:`semivis.signal.lifetime.lifetime_kernel`);
* ``kernel_column_s``: a column of 200 couplings from the kernel, model (BR, c tau) included
  (:meth:`LifetimeKernel.n_signal`), and ``kernel_only_s`` without the model (:meth:`LifetimeKernel.evaluate_u`);
  medians of 20;
* ``kernel_load_s``: the kernel read back from the content-addressed cache (checksum verified);
* the largest relative difference where N_sig > 0.1 s_up (s_up = ln 10) and the largest bound / N_sig there.

Writes ``benchmarks/results/bench_lifetime.json``. Run from the repository root: ``python benchmarks/bench_lifetime.py``
(~2-5 min on one core; numba compile times excluded by a warm-up).
"""

from __future__ import annotations

import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

import semivis
from semivis._io import atomic_write_text, to_jsonable
from semivis.detector import load_card
from semivis.scan.cache import SampleCache
from semivis.signal import bin_signals, build_event_sample
from semivis.signal.lifetime import LifetimeKernel, lifetime_kernel
from semivis.signal.reweight import couplings_at

CARD = "na64-2016-2022"
POINTS: list[tuple[str, float, float | None]] = [("idm", 0.03, None), ("idm", 0.3, None), ("idm", 1.0, None)]
POINTS += [("i2dm", 0.3, 0.2)]
BINS = ("missing-energy", "box+s1")
N_PRIMARIES = 20_000
S_UP = math.log(10.0)


def _median(f: Any, n: int = 20) -> float:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        f()
        out.append(time.perf_counter() - t)
    return statistics.median(out)


def main() -> int:
    card = load_card(CARD)
    eps = np.logspace(-6, -1, 200)
    rows = []
    table_mod = sys.modules["semivis.signal.response_table"]
    # warm-up: compile every kernel once on a tiny sample
    tiny = build_event_sample(card, "i2dm", 0.3, 0.1, 0.14, n_events=50, seed=1, processes=("brem",))
    lifetime_kernel(tiny, card, BINS).n_signal(card.eot, eps, 0.1, 0.2)
    bin_signals(tiny, card, BINS, eps=eps, alpha_D=0.1, theta=0.2)
    for kind, m_ap, theta in POINTS:
        m1, m2 = m_ap / 3, m_ap / 3 * 1.4
        t = time.perf_counter()
        s = build_event_sample(card, kind, m_ap, m1, m2, n_events=N_PRIMARIES, seed=7, processes=("brem",))
        t_sample = time.perf_counter() - t
        table_mod.clear_response_tables()
        t = time.perf_counter()
        table_mod.response_table(s, card)
        t_table = time.perf_counter() - t
        t = time.perf_counter()
        exact = bin_signals(s, card, BINS, eps=eps, alpha_D=0.1, theta=theta)
        t_exact = time.perf_counter() - t
        t = time.perf_counter()
        kern = lifetime_kernel(s, card, BINS)
        t_build = time.perf_counter() - t
        n_k, bound = kern.n_signal(card.eot, eps, 0.1, theta)
        t_col = _median(lambda kern=kern, theta=theta: kern.n_signal(card.eot, eps, 0.1, theta))
        _, _, br, u = couplings_at(kind, m_ap, m1, m2, s.channels, s.chi2_stable, eps, 0.1, theta)
        t_only = _median(lambda kern=kern, br=br, u=u: kern.evaluate_u(u, br))
        with tempfile.TemporaryDirectory() as tmp:
            cache = SampleCache(tmp, section="kernels")
            arrays, meta = kern.to_arrays()
            cache.store("0" * 64, arrays, {"kernel": meta})
            t = time.perf_counter()
            got = cache.load("0" * 64)
            assert got is not None
            LifetimeKernel.from_arrays(got[0], got[1]["kernel"])
            t_load = time.perf_counter() - t
        worst_rel = 0.0
        worst_bound = 0.0
        for i, b in enumerate(BINS):
            ref = exact[b].n_signal
            m = ref > 0.1 * S_UP
            if m.any():
                worst_rel = max(worst_rel, float(np.max(np.abs(n_k[i] - ref)[m] / ref[m])))
                worst_bound = max(worst_bound, float(np.max(bound[i][m] / ref[m])))
        rows.append(
            {
                "kind": kind,
                "m_Ap_GeV": m_ap,
                "theta": theta,
                "n_events": s.n_events,
                "channels": list(s.channels),
                "sample_s": t_sample,
                "table_s": t_table,
                "exact_column_s": t_exact,
                "kernel_build_s": t_build,
                "kernel_column_s": t_col,
                "kernel_only_s": t_only,
                "kernel_load_s": t_load,
                "kernel_bytes": int(sum(a.nbytes for a in kern.arrays.values())),
                "grid_bins": int(kern.arrays["xlo"].size),
                "speedup_column_vs_exact": t_exact / t_col,
                "max_rel_diff_where_N_gt_0.1_s_up": worst_rel,
                "max_bound_over_N_where_N_gt_0.1_s_up": worst_bound,
            }
        )
        print(rows[-1], flush=True)
    out = {
        "benchmark": "lifetime kernel vs exact accumulation, 200 couplings, bins " + ", ".join(BINS),
        "card": CARD,
        "n_primaries": N_PRIMARIES,
        "semivis": semivis.__version__,
        "note": "2-core machine shared with other jobs: compare ratios measured in the same run",
        "points": rows,
    }
    path = Path(__file__).resolve().parent / "results" / "bench_lifetime.json"
    atomic_write_text(path, json.dumps(to_jsonable(out), indent=1) + "\n")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
