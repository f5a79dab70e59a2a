"""Benchmark: the iDM beam-dump edges' Monte Carlo mean and spread over card seeds, and their CPU, per source tree.

Usage::

    python benchmarks/bench_dump_edges.py [--tree OLD_SRC --tree NEW_SRC] [--seeds 4] [--n-primaries 500]
        [--cards e137,nucal,charm] [--m-chi1 0.005,0.02,0.05,0.1,0.2] [--tag NAME]

At each m_chi1 of the EPJC 2023 Fig. 3 benchmark (m_A' = 3 m_chi1, m_chi2 = 1.4 m_chi1, alpha_D = 0.1, iDM) and
for each card, :func:`semivis.beamdump.inelastic_intervals` is computed with ``--seeds`` card seeds at the
figures' overlay statistics (500 primaries); a row gives the geometric mean of the lower and upper edge and their
standard deviation in ln eps. Trees run in turn (``PYTHONPATH=TREE``), so a change of the estimator is shown as
a shift of the means against their spread, and its CPU as a same-run ratio. Writes
``benchmarks/results/bench_dump_edges[-TAG].json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from _same_run import run_in_tree, tree_label, write_runs

RESULTS = Path(__file__).parent / "results"

_CHILD = r"""
import dataclasses, json, sys, time
import numpy as np
from semivis.beamdump.cards import load_dump
from semivis.beamdump.inelastic import inelastic_intervals
cards, masses = sys.argv[1].split(","), [float(m) for m in sys.argv[2].split(",")]
seeds, n_prim = int(sys.argv[3]), int(sys.argv[4])
inelastic_intervals(dataclasses.replace(load_dump(cards[0]), n_primaries=20), "idm", (0.3, 0.1, 0.14), 0.1)  # compile
rows = []
t = time.process_time()
for name in cards:
    for m1 in masses:
        edges = []
        for s in range(seeds):
            card = dataclasses.replace(load_dump(name), n_primaries=n_prim, seed=1000 + s)
            iv = inelastic_intervals(card, "idm", (3 * m1, m1, 1.4 * m1), 0.1)
            edges.append(iv[0] if iv else (np.nan, np.nan))
        ln = np.log(np.array(edges))
        rows.append({"card": name, "m_chi1": m1, "lower": float(np.exp(ln[:, 0].mean())),
                     "upper": float(np.exp(ln[:, 1].mean())), "sd_ln_lower": float(ln[:, 0].std(ddof=1)),
                     "sd_ln_upper": float(ln[:, 1].std(ddof=1))})
print(json.dumps({"cpu_s": round(time.process_time() - t, 2), "rows": rows}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", default=[], help="a src/ folder to put first on PYTHONPATH")
    ap.add_argument("--cards", default="e137,nucal,charm")
    ap.add_argument("--m-chi1", default="0.005,0.02,0.05,0.1,0.2", help="comma-separated m_chi1 [GeV]")
    ap.add_argument("--seeds", type=int, default=4)
    ap.add_argument("--n-primaries", type=int, default=500)
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    runs = []
    for tree in args.tree or [""]:
        cmd = [sys.executable, "-c", _CHILD, args.cards, args.m_chi1, str(args.seeds), str(args.n_primaries)]
        runs.append({"tree": tree_label(tree), **run_in_tree(cmd, tree)})
        print(json.dumps({"tree": runs[-1]["tree"], "cpu_s": runs[-1]["cpu_s"]}), flush=True)
    path = write_runs(RESULTS, "bench_dump_edges", args.tag, vars(args), runs)
    print(path)


if __name__ == "__main__":
    main()
