"""Benchmark: CPU time of one response table (the detector response behind a lifetime kernel), several source trees.

Usage::

    python benchmarks/bench_response_table.py [--tree OLD_SRC --tree NEW_SRC] [--card na64-2016-2022]
        [--model idm] [--m-chi1 0.02,0.1,0.3] [--ratio 3] [--delta 0.4] [--events 20000] [--repeat 3] [--tag NAME]

The response table (:func:`semivis.signal.response_table`: per event and chi2, the flight-path points where a
selection flag or region indicator changes) is ~90 % of a cold scan's CPU at publication statistics
(docs/performance.md). For each mass point (m_A' = ratio m_chi1, m_chi2 = (1 + delta) m_chi1, the EPJC 2023 Fig. 3
line) every tree, in its own subprocess (``PYTHONPATH=TREE``), builds the same sample (seed 1, brem only), compiles
its kernels on a small sample first, then times the table ``--repeat`` times (memo cleared, best process CPU time:
on a shared machine CPU time is steadier than wall time). Trees run in turn for each repeat, so a ratio between
them is measured in the same window. Each result carries a digest of every array of the table, so a speed-up is
shown to leave the numbers bit-identical. Each row also has the CPU time of the lifetime kernel built from the
memoised table (``kernel_cpu_s``, missing-energy, s1 and s2, best of ``--repeat``) and its N_sig at 1e12 EOT,
alpha_D = 0.1 and five eps (``kernel_n_sig_missing_energy``), to compare the trees' kernels.
Writes ``benchmarks/results/bench_response_table[-TAG].json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from _same_run import run_in_tree, tree_label, write_runs

RESULTS = Path(__file__).parent / "results"

_CHILD = r"""
import hashlib, importlib, json, sys, time
import numpy as np
from semivis.detector import load_card
from semivis.signal.events import build_event_sample
rt = importlib.import_module("semivis.signal.response_table")
lt = importlib.import_module("semivis.signal.lifetime")
card_name, model, masses, ratio, delta, n, repeat = sys.argv[1:8]
card = load_card(card_name)
ratio, delta, n, repeat = float(ratio), float(delta), int(n), int(repeat)
def sample(m1, n_ev):
    return build_event_sample(card, model, ratio * m1, m1, (1 + delta) * m1, n_ev, 1, processes=("brem",))
warm = sample(0.1, 200)
rt.response_table(warm, card)  # compile / load the kernels
lt.lifetime_kernel(warm, card, ("missing-energy", "s1", "s2"))
out = []
for m1 in (float(x) for x in masses.split(",")):
    s = sample(m1, n)
    best = float("inf")
    for _ in range(repeat):
        rt.clear_response_tables()
        t = time.process_time()
        tab = rt.response_table(s, card)
        best = min(best, time.process_time() - t)
    h = hashlib.sha256()
    for ch in sorted(tab.one):
        for a in (tab.one[ch].off, tab.one[ch].x, tab.one[ch].c):
            h.update(np.ascontiguousarray(a).tobytes())
    for ch in sorted(tab.pair):
        p = tab.pair[ch]
        # the dense pass table (an array before the corner terms, a method since): same digest for equal flags
        passes = p.passes() if callable(p.passes) else p.passes
        for a in (p.xb, passes, *[q for sl in p.slots for q in (sl.off, sl.x, sl.c)]):
            h.update(np.ascontiguousarray(a).tobytes())
    h.update(tab.base_flags.tobytes())
    kbest = float("inf")
    for _ in range(repeat):  # the lifetime kernel from the memoised table (gather + compression)
        t = time.process_time()
        kern = lt.lifetime_kernel(s, card, ("missing-energy", "s1", "s2"))
        kbest = min(kbest, time.process_time() - t)
    n_sig = kern.n_signal(1e12, np.array([1e-5, 1e-4, 3e-4, 1e-3, 3e-3]), 0.1, 0.2 if model == "i2dm" else None)[0]
    out.append({"m_chi1": m1, "n_events": s.n_events, "cpu_s": round(best, 4),
                "us_per_event": round(1e6 * best / max(s.n_events, 1), 3), "digest": h.hexdigest()[:16],
                "kernel_cpu_s": round(kbest, 4), "kernel_n_sig_missing_energy": [float(v) for v in n_sig[0]]})
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", default=[], help="a src/ folder to put first on PYTHONPATH")
    ap.add_argument("--card", default="na64-2016-2022")
    ap.add_argument("--model", default="idm", choices=("idm", "i2dm"))
    ap.add_argument("--m-chi1", default="0.02,0.1,0.3", help="comma-separated m_chi1 [GeV]")
    ap.add_argument("--ratio", type=float, default=3.0)
    ap.add_argument("--delta", type=float, default=0.4)
    ap.add_argument("--events", type=int, default=20000, help="primaries per mass point")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rounds", type=int, default=1, help="alternate the trees this many times")
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    trees = args.tree or [""]
    runs = []
    for rnd in range(args.rounds):
        for tree in trees:
            cmd = [sys.executable, "-c", _CHILD, args.card, args.model, args.m_chi1, str(args.ratio),
                   str(args.delta), str(args.events), str(args.repeat)]  # fmt: skip
            runs.append({"tree": tree_label(tree), "round": rnd, "rows": run_in_tree(cmd, tree)})
            print(json.dumps(runs[-1]), flush=True)
    path = write_runs(RESULTS, "bench_response_table", args.tag, vars(args), runs)
    print(path)


if __name__ == "__main__":
    main()
