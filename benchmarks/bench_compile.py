"""Benchmark: numba compile time of the response table's kernels, several source trees.

Usage::

    python benchmarks/bench_compile.py [--tree OLD_SRC --tree NEW_SRC] [--card na64-2016-2018] [--tag NAME]

Each tree runs in its own subprocess (``PYTHONPATH=TREE``; none: the installed semivis) with an empty numba cache
(``SEMIVIS_NUMBA_CACHE_BASE`` a new folder): it builds a 20-event iDM sample (m_A' = 0.3 GeV; its own kernels
compile there), then times the first :func:`semivis.signal.response_table` call, which compiles the table's kernels
(``terms_csr`` and what it inlines). The trees run one after the other; the compile is single-threaded, so on a quiet
2-core machine two trees may run side by side, but not here. Writes
``benchmarks/results/bench_compile[-TAG].json`` with the sample's and the table's wall times per tree.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _same_run import tree_label, write_runs

RESULTS = Path(__file__).parent / "results"

_CHILD = r"""
import importlib, json, sys, time
t0 = time.perf_counter()
from semivis.detector import load_card
from semivis.signal import build_event_sample
card = load_card(sys.argv[1])
s = build_event_sample(card, "idm", 0.3, 0.1, 0.14, 20, 1, processes=("brem",))
t1 = time.perf_counter()
importlib.import_module("semivis.signal.response_table").response_table(s, card)
t2 = time.perf_counter()
print(json.dumps({"sample_s": round(t1 - t0, 2), "response_table_compile_s": round(t2 - t1, 2)}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tree", action="append", default=[], help="a src/ folder to put first on PYTHONPATH")
    ap.add_argument("--card", default="na64-2016-2018")
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    runs = []
    for tree in args.tree or [""]:
        with tempfile.TemporaryDirectory(prefix="semivis-bench-compile-") as cache:
            env = dict(os.environ, SEMIVIS_NUMBA_CACHE_BASE=cache)
            if tree:
                env["PYTHONPATH"] = tree
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, args.card], check=True, capture_output=True, text=True, env=env
            )
        runs.append({"tree": tree_label(tree), **json.loads(out.stdout.strip().splitlines()[-1])})
        print(json.dumps(runs[-1]), flush=True)
    print(write_runs(RESULTS, "bench_compile", args.tag, vars(args), runs))


if __name__ == "__main__":
    main()
