"""Benchmark: CPU time of one figure's computation, serial, for one or more source trees (same-run ratios).

Usage::

    python benchmarks/bench_figure_cpu.py [--figure epjc2023-fig3] [--nx 6] [--ny 200] [--events 20000]
                                          [--tree OLD_SRC --tree NEW_SRC] [--repeat 1] [--tag NAME]

Each run is a subprocess (``PYTHONPATH=TREE`` when a tree is given, else the installed semivis) that calls
``semivis.figures.build.build_figure_data`` with the serial executor on an empty cache directory (cold), then again
on the same directory (warm), and reports the process CPU time of each (``time.process_time``: on a shared,
loaded machine CPU time is far steadier than wall time, and with the serial executor it is all the work), the wall
time, and the figure's summary numbers (so a speed-up is shown to leave the physics unchanged). Trees are run in
turn, ``--repeat`` times each, so a ratio between them is measured in the same window. The numba compile is not
included: each tree's kernels are compiled first by a warm-up call at a tiny resolution. Writes
``benchmarks/results/bench_figure_cpu-FIGURE[-TAG].json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from pathlib import Path

from _same_run import run_in_tree, tree_label

RESULTS = Path(__file__).parent / "results"

_CHILD = r"""
import json, sys, tempfile, time
from semivis.figures.build import build_figure_data
from semivis.figures.registry import Resolution
name, nx, ny, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
build_figure_data(name, resolution=Resolution(2, 8, 50, 4), executor="serial", cache_dir=tempfile.mkdtemp())
d = tempfile.mkdtemp(prefix="bench_figure_cpu")
res = Resolution(nx, ny, n, 20)
out = {}
for run in ("cold", "warm"):
    t, w = time.process_time(), time.perf_counter()
    fd = build_figure_data(name, resolution=res, executor="serial", cache_dir=d)
    out[run] = {"cpu_s": round(time.process_time() - t, 3), "wall_s": round(time.perf_counter() - w, 3)}
out["summary"] = {k: v for k, v in fd.summary.items() if not isinstance(v, dict)}
print(json.dumps(out, default=str))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--figure", default="epjc2023-fig3")
    ap.add_argument("--nx", type=int, default=6)
    ap.add_argument("--ny", type=int, default=200)
    ap.add_argument("--events", type=int, default=20000)
    ap.add_argument("--tree", action="append", default=[], help="a src/ folder to put first on PYTHONPATH")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    trees = args.tree or [""]
    runs = []
    for rep in range(args.repeat):
        for tree in trees:
            cmd = [sys.executable, "-c", _CHILD, args.figure, str(args.nx), str(args.ny), str(args.events)]
            res = run_in_tree(cmd, tree, scratch_prefix="bench_figure_cpu_")
            runs.append({"tree": tree_label(tree), "repeat": rep, **res})
            print(json.dumps(runs[-1]), flush=True)
    out = {
        "figure": args.figure,
        "resolution": {"n_x": args.nx, "n_y": args.ny, "n_events": args.events},
        "runs": runs,
        "loadavg": os.getloadavg(),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version()},
    }
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench_figure_cpu-{args.figure}{'-' + args.tag if args.tag else ''}.json"
    path.write_text(json.dumps(out, indent=1, default=str) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
