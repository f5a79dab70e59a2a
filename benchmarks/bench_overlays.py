"""Benchmark: CPU time of each overlay curve of one figure (constraints computed by semivis, relic line, (g-2)
bands), for one or more source trees in the same run (same-run ratios), with a digest of each overlay's lines.

Usage::

    python benchmarks/bench_overlays.py [--figure epjc2023-fig3] [--resolution publication]
                                        [--tree OLD_SRC --tree NEW_SRC] [--repeat 2] [--tag NAME]

Each tree runs in its own subprocess (``PYTHONPATH=TREE``; none: the installed semivis). It compiles the numba
kernels first (the figure at a tiny resolution), then computes every overlay the recipe draws exactly as an empty
cache makes ``semivis figure`` compute it (``semivis.figures.build``'s overlay functions, serial) and reports the
process CPU time of each (min over ``--repeat`` rounds, each with the per-process memos of production tables and
BaBar samples cleared) and the first 12 hex digits of the SHA-1 of its lines, so that equal digests show a speed-up
left the curves unchanged bit for bit. Writes ``benchmarks/results/bench_overlays-FIGURE[-TAG].json``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _same_run import run_in_tree, tree_label, write_runs

RESULTS = Path(__file__).parent / "results"

_CHILD = r"""
import hashlib, json, sys, tempfile, time
import numpy as np
from semivis.constraints import babar
from semivis.figures import build as B
from semivis.figures.registry import Resolution, get_recipe
from semivis.production import cascade, darkbrem
name, resolution, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3])
B.build_figure_data(name, resolution=Resolution(2, 8, 50, 4), executor="serial", cache_dir=tempfile.mkdtemp())
recipe, res = get_recipe(name), B.resolve_resolution(resolution)
out = {}
for ov in recipe.overlays:
    if B.overlay_declined(recipe, ov) is not None or ov.kind not in ("constraint", "relic", "g2"):
        continue
    best, digest = float("inf"), ""
    for _ in range(repeat):
        for memo in (cascade._brem_tables, darkbrem._ratio_table, darkbrem.photon_flux_table, babar._jumps):
            memo.cache_clear()
        t = time.process_time()
        if ov.kind == "constraint":
            lines = B._constraint_lines(recipe, ov, res.n_curve)
        elif ov.kind == "relic":
            lines = B._relic_lines(recipe, ov, res.n_curve)
        else:
            lines = [v for vs in B._g2_lines(recipe, ov, 4 * res.n_curve).values() for v in vs]
        best = min(best, time.process_time() - t)
        digest = hashlib.sha1(b"".join(np.ascontiguousarray(v).tobytes() for v in lines)).hexdigest()[:12]
    out[ov.key] = {"cpu_s": round(best, 3), "digest": digest}
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--figure", default="epjc2023-fig3")
    ap.add_argument("--resolution", default="publication")
    ap.add_argument("--tree", action="append", default=[], help="a src/ folder to put first on PYTHONPATH")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    runs = []
    for tree in args.tree or [""]:
        res = run_in_tree(["python", "-c", _CHILD, args.figure, args.resolution, str(args.repeat)], tree)
        runs.append({"tree": tree_label(tree), "overlays": res})
        total = sum(v["cpu_s"] for v in res.values())
        print(f"{tree_label(tree)}: {total:.2f} CPU-s in all")
        for k, v in res.items():
            print(f"  {k:32s} {v['cpu_s']:7.2f} s  {v['digest']}")
    print(write_runs(RESULTS, f"bench_overlays-{args.figure}", args.tag, vars(args), runs))


if __name__ == "__main__":
    main()
