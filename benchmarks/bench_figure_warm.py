"""Benchmark: ``semivis figure NAME`` cold (empty cache) and warm (everything cached, another output file), several
source trees.

Usage::

    python benchmarks/bench_figure_warm.py [--figure epjc2023-fig3] [--resolution publication]
        [--tree OLD_SRC --tree NEW_SRC] [--cold 1] [--repeat 5] [--tag NAME]

For each tree (a ``src/`` folder first on ``PYTHONPATH``; none: the installed semivis) the real command line
(``python -c 'from semivis.cli import main; main()' figure NAME --resolution R --cache-dir D --out ... --data
...``) runs ``--cold`` times, each into an empty cache folder of its own (the cold runs: they fill the caches; their
wall times are reported too), then ``--repeat`` warm runs into the last cold run's cache, each with new output
files. The trees take turns in both, so that their times are measured in the same window on a noisy machine. Every
run's printed summary must equal its tree's first cold one, and the images of the warm runs must be
byte-identical to the last cold run's. Writes ``benchmarks/results/bench_figure_warm-NAME-RESOLUTION[-TAG].json``.
Before its cold runs each tree draws the figure once at fast resolution into a cache of its own, so that its numba
kernels are compiled (or loaded) beforehand.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _same_run import tree_label, write_runs

RESULTS = Path(__file__).parent / "results"
_MAIN = "import sys; from semivis.cli import main; sys.argv[0] = 'semivis'; main()"


def _run(tree: str, args: list[str]) -> tuple[float, dict[str, object]]:
    env = dict(os.environ)
    if tree:
        env["PYTHONPATH"] = tree
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _MAIN, *args],
        check=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    return time.perf_counter() - t0, json.loads(proc.stdout)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--figure", default="epjc2023-fig3")
    ap.add_argument("--resolution", choices=["fast", "publication"], default="publication")
    ap.add_argument("--tree", action="append", default=[], help="a src/ folder to put first on PYTHONPATH")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--cold", type=int, default=1, help="cold runs per tree (each into a new cache), trees alternated")
    ap.add_argument("--tag", default="")
    args = ap.parse_args()
    trees = args.tree or [""]
    with tempfile.TemporaryDirectory(prefix="semivis-bench-warm-") as root:
        work = Path(root)

        last = args.cold - 1  # the warm runs read the last cold run's cache

        def command(i: int, label: str, cache: int = last) -> list[str]:
            out = work / f"tree{i}" / label
            return [
                "figure", args.figure, "--resolution", args.resolution,
                "--cache-dir", str(work / f"tree{i}" / f"cache{cache}"),
                "--out", str(out / f"{args.figure}.png"), "--data", str(out / f"{args.figure}.json"),
            ]  # fmt: skip

        runs: list[dict[str, object]] = []
        for i, tree in enumerate(trees):
            # compile (or load) the tree's numba kernels first: the cold runs are then scans, overlays and drawing
            _run(
                tree, ["figure", args.figure, "--cache-dir", str(work / f"warmup{i}"), "--out", str(work / f"w{i}.png")]
            )
            runs.append({"tree": tree_label(tree), "cold_s": [], "printed": None, "warm_s": []})
        for c in range(args.cold):
            for i, tree in enumerate(trees):
                wall, printed = _run(tree, command(i, f"cold{c}", c))
                if runs[i]["printed"] not in (None, printed):
                    raise SystemExit(f"{tree_label(tree)}: two cold runs printed different summaries")
                runs[i]["printed"] = printed
                runs[i]["cold_s"].append(round(wall, 2))  # type: ignore[attr-defined]
                print(f"{tree_label(tree)}: cold {wall:.1f} s", file=sys.stderr)
        for r in range(args.repeat):
            for i, tree in enumerate(trees):
                wall, printed = _run(tree, command(i, f"warm{r}"))
                row = runs[i]
                if printed != row["printed"]:
                    raise SystemExit(f"{tree_label(tree)}: the warm run printed another summary than the cold one")
                cold = (work / f"tree{i}" / f"cold{last}" / f"{args.figure}.png").read_bytes()
                if (work / f"tree{i}" / f"warm{r}" / f"{args.figure}.png").read_bytes() != cold:
                    raise SystemExit(f"{tree_label(tree)}: the warm image differs from the cold one")
                row["warm_s"].append(round(wall, 3))  # type: ignore[attr-defined]
                print(f"{tree_label(tree)}: warm {wall:.2f} s", file=sys.stderr)
    for row in runs:
        row["warm_min_s"] = min(row["warm_s"])  # type: ignore[type-var]
    print(write_runs(RESULTS, f"bench_figure_warm-{args.figure}-{args.resolution}", args.tag, vars(args), runs))


if __name__ == "__main__":
    main()
