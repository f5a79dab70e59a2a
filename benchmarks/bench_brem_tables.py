"""Benchmark: the cascade's dark-bremsstrahlung tables (``semivis.production.cascade._brem_tables``), per target and
A' mass, for one or more source trees in the same run (same-run ratios).

Usage::

    python benchmarks/bench_brem_tables.py [--tree OLD_SRC --tree NEW_SRC] [--repeat 3] [--tag NAME]

Each tree runs in its own subprocess (``PYTHONPATH=TREE``; none: the installed semivis) that builds the tables of
the NA64 ECAL (100 GeV beam, E_A' >= 50 GeV: one per NA64 mass column) and of the E137 dump (its card's beam and
threshold: one per mass of the computed E137 overlay) at five masses, each with the memo cleared, and reports the
process CPU time per table (min over ``--repeat`` rounds; numba compiled beforehand) and the tables' integrated
cross sections, so that a change of the numerics shows as a relative difference between trees. Writes
``benchmarks/results/bench_brem_tables[-TAG].json``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _same_run import run_in_tree, tree_label, write_runs

RESULTS = Path(__file__).parent / "results"
MASSES = (0.003, 0.03, 0.1, 0.3, 1.0)

_CHILD = r"""
import json, sys, time
from semivis.beamdump.cards import load_dump
from semivis.detector import load_card
from semivis.production import cascade
masses, repeat = [float(v) for v in sys.argv[1].split(",")], int(sys.argv[2])
na64 = load_card("na64-2016-2018")
e137 = load_dump("e137")
setups = {"na64": (na64.target, na64.E_min_GeV, na64.beam_energy_GeV),
          "e137": (e137.target, e137.energy_threshold_GeV, e137.energy_GeV)}
cascade._brem_tables(na64.target, 0.05, 50.0, 100.0, True)  # compile
out = {}
for name, (tgt, e_min, e_max) in setups.items():
    for m in masses:
        best, sig = float("inf"), None
        for _ in range(repeat):
            cascade._brem_tables.cache_clear()
            t = time.process_time()
            tab = cascade._brem_tables(tgt, m, e_min, e_max, True)
            best = min(best, time.process_time() - t)
            sig = float(tab[2].sum())
        out[f"{name}/{m:g}"] = {"cpu_s": round(best, 5), "sum_sigma": sig}
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", default=[], help="a src/ folder to put first on PYTHONPATH")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    trees = args.tree or [""]
    runs = []
    for tree in trees:
        res = run_in_tree(["python", "-c", _CHILD, ",".join(map(str, MASSES)), str(args.repeat)], tree)
        runs.append({"tree": tree_label(tree), "tables": res})
        total = sum(v["cpu_s"] for v in res.values())
        print(f"{tree_label(tree)}: {total:.3f} CPU-s for {len(res)} tables")
        for k, v in res.items():
            print(f"  {k:12s} {v['cpu_s'] * 1e3:7.1f} ms  sum sigma {v['sum_sigma']:.15e}")
    if len(runs) > 1:
        ref = runs[0]["tables"]
        for run in runs[1:]:
            worst = max(abs(v["sum_sigma"] / ref[k]["sum_sigma"] - 1.0) for k, v in run["tables"].items())
            print(f"{run['tree']}: largest relative difference of sum sigma vs {runs[0]['tree']}: {worst:.2e}")
    print(write_runs(RESULTS, "bench_brem_tables", args.tag, vars(args), runs))


if __name__ == "__main__":
    main()
