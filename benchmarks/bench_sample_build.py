"""Benchmark: CPU time of one mass point's event sample (``semivis.signal.events.build_event_sample``: the A'
cascade with its production tables, the chi2 decays and the boosts), for one or more source trees in the same run.

Usage::

    python benchmarks/bench_sample_build.py [--tree OLD_SRC --tree NEW_SRC] [--events 20000] [--repeat 2] [--tag NAME]

Card ``na64-2016-2018``, dark bremsstrahlung, seed ``SeedSequence(5)``, m_chi1 = m_A'/3, m_chi2 = 1.4 m_chi1 (the
EPJC 2023 Fig. 3 benchmark) at iDM m_A' = 0.02, 0.3, 1.2 GeV and i2DM 0.3 GeV. Each tree runs in its own
subprocess (``PYTHONPATH=TREE``; none: the installed semivis), compiles first (a 100-primary sample), clears the
per-process production memos before every build, and reports the min process CPU time over ``--repeat`` builds and
the first 16 hex digits of the sample's array digest (equal digests: the same events bit for bit). Writes
``benchmarks/results/bench_sample_build[-TAG].json``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _same_run import run_in_tree, tree_label, write_runs

RESULTS = Path(__file__).parent / "results"

_CHILD = r"""
import json, sys, time
import numpy as np
from semivis.detector import load_card
from semivis.production import cascade, darkbrem
from semivis.signal.events import build_event_sample
n, repeat = int(sys.argv[1]), int(sys.argv[2])
card = load_card("na64-2016-2018")
build_event_sample(card, "idm", 0.05, 0.05 / 3, 0.07 / 3, n_events=100, seed=2, processes=("brem",))
out = {}
for kind, m in (("idm", 0.02), ("idm", 0.3), ("i2dm", 0.3), ("idm", 1.2)):
    best = float("inf")
    for _ in range(repeat):
        for memo in (cascade._brem_tables, darkbrem._ratio_table, darkbrem.photon_flux_table):
            memo.cache_clear()
        t = time.process_time()
        s = build_event_sample(card, kind, m, m / 3, m / 3 * 1.4, n_events=n, seed=np.random.SeedSequence(5),
                               processes=("brem",))
        best = min(best, time.process_time() - t)
    out[f"{kind}/{m:g}"] = {"cpu_s": round(best, 4), "n_events": s.n_events, "digest": s.array_digest()[:16]}
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", default=[], help="a src/ folder to put first on PYTHONPATH")
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    runs = []
    for tree in args.tree or [""]:
        res = run_in_tree(["python", "-c", _CHILD, str(args.events), str(args.repeat)], tree)
        runs.append({"tree": tree_label(tree), "samples": res})
        print(tree_label(tree))
        for k, v in res.items():
            print(f"  {k:10s} {v['cpu_s']:6.3f} s  {v['n_events']} events  {v['digest']}")
    print(write_runs(RESULTS, "bench_sample_build", args.tag, vars(args), runs))


if __name__ == "__main__":
    main()
