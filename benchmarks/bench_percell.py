"""Benchmark: a per-cell (m_chi1, Delta/m_chi1) figure, whole build, for one or more source trees (same-run ratios).

Usage::

    python benchmarks/bench_percell.py [--figure epjc2023-fig4b] [--resolution fast] [--executor processes]
                                       [--tree OLD_SRC --tree NEW_SRC] [--repeat 1] [--tag NAME]

Each run is a subprocess (``PYTHONPATH=TREE`` when a tree is given, else the installed semivis) that first compiles
the numba kernels with a tiny build (not timed), then calls ``semivis.figures.build.build_figure_data`` on an empty
cache directory (cold) with the given executor, and reports: wall time, the process CPU time of the main process
(``time.process_time``; with ``--executor serial`` that is all the work, with ``processes`` the pool's workers are
not in it), each NA64 scan group's time, a SHA-256 of every curve (so two trees are compared bit for bit) and the
summary numbers. Trees run in turn, ``--repeat`` times each, so ratios are measured in the same window. Writes
``benchmarks/results/bench_percell-FIGURE-RESOLUTION-EXECUTOR[-TAG].json`` (issue 12, item 4; docs/performance.md,
"Per-cell planes: where the time goes").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

from _same_run import run_in_tree, tree_label

RESULTS = Path(__file__).parent / "results"

_CHILD = r"""
import hashlib, json, sys, tempfile, time
import numpy as np
from semivis.figures.build import build_figure_data
from semivis.figures.registry import Resolution

def main():
    name, resolution, executor = sys.argv[1], sys.argv[2], sys.argv[3]
    build_figure_data(name, resolution=Resolution(2, 4, 50, 2), executor="serial", cache_dir=tempfile.mkdtemp())
    d = tempfile.mkdtemp(prefix="bench_percell")
    t, w = time.process_time(), time.perf_counter()
    fd = build_figure_data(name, resolution=resolution, executor=executor, cache_dir=d)
    out = {"cpu_main_s": round(time.process_time() - t, 3), "wall_s": round(time.perf_counter() - w, 3)}
    h = hashlib.sha256()
    na64 = hashlib.sha256()
    for key in sorted(fd.curves):
        for line in fd.curves[key]:
            a = np.ascontiguousarray(line, dtype=np.float64)
            h.update(key.encode()); h.update(a.tobytes())
            if key.startswith("na64/"):
                na64.update(key.encode()); na64.update(a.tobytes())
    out["timings_s"] = fd.meta.get("timings_s")
    out["curves_sha256"] = h.hexdigest()
    out["na64_curves_sha256"] = na64.hexdigest()
    out["summary"] = json.loads(json.dumps(fd.summary, default=str))
    print(json.dumps(out, default=str))

if __name__ == "__main__":
    main()
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--figure", default="epjc2023-fig4b")
    ap.add_argument("--resolution", default="fast")
    ap.add_argument("--executor", default="processes", choices=("serial", "processes"))
    ap.add_argument("--tree", action="append", default=[], help="a src/ folder to put first on PYTHONPATH")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    trees = args.tree or [""]
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench_percell_child") as tmp:
        child = Path(tmp) / "child.py"  # a file, not -c: the forkserver workers re-import __main__ by path
        child.write_text(_CHILD)
        for rep in range(args.repeat):
            for tree in trees:
                cmd = [sys.executable, str(child), args.figure, args.resolution, args.executor]
                res = run_in_tree(cmd, tree, scratch_prefix="bench_percell_run_")
                runs.append({"tree": tree_label(tree), "repeat": rep, **res, "loadavg_after": os.getloadavg()})
                print(json.dumps(runs[-1]), flush=True)
    out = {
        "figure": args.figure,
        "resolution": args.resolution,
        "executor": args.executor,
        "runs": runs,
        "identical_curves": len({r["curves_sha256"] for r in runs}) == 1,
        "identical_na64_curves": len({r["na64_curves_sha256"] for r in runs}) == 1,
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
    }
    RESULTS.mkdir(exist_ok=True)
    tag = f"-{args.tag}" if args.tag else ""
    path = RESULTS / f"bench_percell-{args.figure}-{args.resolution}-{args.executor}{tag}.json"
    path.write_text(json.dumps(out, indent=1, default=str) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
