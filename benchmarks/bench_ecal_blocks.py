"""Benchmark and validation: the response table's ECAL slices in blocks against every slice evaluated.

Usage::

    python benchmarks/bench_ecal_blocks.py [--card na64-2016-2018] [--model idm] [--m-ap 0.01,0.3,2]
        [--events 20000] [--blocks 1,2,4,8] [--repeat 2] [--tag NAME]

For each mass point (m_chi1 = m_A' / 3, m_chi2 = 1.4 m_chi1, brem only, seed 1) one sample is built and its response
table (:func:`semivis.signal.response_table`) timed for every block length of ``--blocks`` (memo cleared, best process
CPU time of ``--repeat``, block lengths taking turns). Against block length 1 (every ECAL slice evaluated, the
reference) each other length reports how many events of each one-chi2 channel got other terms, and the largest
relative difference of N_sig (missing-energy, s1, s2 at 1e12 EOT, alpha_D = 0.1, theta = 0.2 for i2DM, 200 eps
from 1e-6 to 0.1) wherever the reference N_sig exceeds 0.1 s_up (s_up = ln 10, the smallest 90 % CL limit).
Writes ``benchmarks/results/bench_ecal_blocks[-TAG].json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import time
from pathlib import Path

import numpy as np

from _same_run import write_runs
from semivis.detector import load_card
from semivis.signal import build_event_sample
from semivis.signal._kernels import N_IND

RESULTS = Path(__file__).parent / "results"
rt = importlib.import_module("semivis.signal.response_table")
lt = importlib.import_module("semivis.signal.lifetime")
BINS = ("missing-energy", "s1", "s2")


def _differing_events(a: rt.OneChi2Terms, b: rt.OneChi2Terms) -> int:
    """Events whose terms (offsets, x, c of every indicator) differ between two tables of one channel."""
    n = (a.off.size - 1) // N_IND
    bad = 0
    for e in range(n):
        lo_a, hi_a = a.off[N_IND * e], a.off[N_IND * e + N_IND]
        lo_b, hi_b = b.off[N_IND * e], b.off[N_IND * e + N_IND]
        same = (
            np.array_equal(
                a.off[N_IND * e : N_IND * e + N_IND + 1] - lo_a, b.off[N_IND * e : N_IND * e + N_IND + 1] - lo_b
            )
            and np.array_equal(a.x[lo_a:hi_a], b.x[lo_b:hi_b])
            and np.array_equal(a.c[lo_a:hi_a], b.c[lo_b:hi_b])
        )
        bad += 0 if same else 1
    return bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--card", default="na64-2016-2018")
    ap.add_argument("--model", default="idm", choices=("idm", "i2dm"))
    ap.add_argument("--m-ap", default="0.01,0.3,2", help="comma-separated m_A' [GeV]")
    ap.add_argument("--events", type=int, default=20000, help="primaries per mass point")
    ap.add_argument("--blocks", default="1,2,4,8", help="block lengths; 1 (the reference) is always included")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    card = load_card(args.card)
    blocks = sorted({1, *(int(b) for b in args.blocks.split(","))})
    theta = 0.2 if args.model == "i2dm" else None
    eps = np.geomspace(1e-6, 0.1, 200)

    def sample(m_ap: float, n: int):  # type: ignore[no-untyped-def]
        m1 = m_ap / 3.0
        return build_event_sample(card, args.model, m_ap, m1, 1.4 * m1, n, 1, processes=("brem",))

    warm = sample(0.3, 200)
    for b in blocks:  # compile / load the kernels
        rt.response_table(warm, card, ecal_block=b)
    rows = []
    for m_ap in (float(x) for x in args.m_ap.split(",")):
        s = sample(m_ap, args.events)
        cpu: dict[int, float] = dict.fromkeys(blocks, math.inf)
        for _ in range(args.repeat):
            for b in blocks:
                rt.clear_response_tables()
                t = time.process_time()
                rt.response_table(s, card, ecal_block=b)
                cpu[b] = min(cpu[b], time.process_time() - t)
        tables, n_sig = {}, {}
        old = rt.ECAL_BLOCK
        for b in blocks:  # the lifetime kernel reads the default block length
            rt.ECAL_BLOCK = b
            rt.clear_response_tables()
            tables[b] = rt.response_table(s, card)
            n_sig[b] = lt.lifetime_kernel(s, card, BINS).n_signal(1e12, eps, 0.1, theta)[0]
        rt.ECAL_BLOCK = old
        rt.clear_response_tables()
        ref = n_sig[1]
        mask = ref > 0.1 * math.log(10.0)
        row = {"m_ap": m_ap, "n_events": s.n_events, "cpu_s": {str(b): round(cpu[b], 4) for b in blocks},
               "points_compared": int(mask.sum()), "vs_every_slice": {}}  # fmt: skip
        for b in blocks[1:]:
            diff = np.abs(n_sig[b] - ref)[mask] / ref[mask]
            other = {ch: _differing_events(tables[1].one[ch], tables[b].one[ch]) for ch in tables[1].one}
            row["vs_every_slice"][str(b)] = {  # type: ignore[index]
                "events_with_other_terms": other,
                "max_rel_n_sig": float(diff.max()) if diff.size else 0.0,
            }
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(write_runs(RESULTS, "bench_ecal_blocks", args.tag, vars(args), rows))


if __name__ == "__main__":
    main()
