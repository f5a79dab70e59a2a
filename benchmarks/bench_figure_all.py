"""Benchmark: every figure of ``semivis figure all`` with an empty cache, each figure's time listed, optionally
against another source tree (the previous code) in the same run.

Usage::

    python benchmarks/bench_figure_all.py [--resolution fast|publication | --grid NXxNYxNEVENTS]
                                          [--figures NAME,NAME,...] [--executor processes] [--workers N]
                                          [--compare-src /tmp/head/src] [--src SRC] [--tag NAME]

Each tree runs in its own subprocess (``PYTHONPATH`` = its ``src``) doing what ``semivis figure all`` does, figure after
figure in paper order with ONE fresh cache directory (so later figures reuse what earlier ones cached, as the command
does): ``build_figure_data``, ``draw_figure``, ``save_figure`` (PNG + PDF), with one process pool for every figure's
scans and overlays (as ``make_all``; trees before session 17: one for the scans, one for the overlays). The time of each
figure, its scans' own timings (``meta["timings_s"]``), the total and the load average are recorded; with
``--compare-src`` the previous tree runs first, then this one, and the ratios previous/current are listed (the machine
is noisy: compare only numbers taken in the same run). ``--grid`` replaces the resolution's grid (e.g. ``4x20x1000`` for
a quick profile of the (m_chi1, Delta/m_chi1) planes under CPU contention). Writes
``benchmarks/results/bench_figure_all-<resolution or grid>[-TAG].json``.
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"
SRC = Path(__file__).resolve().parents[1] / "src"


def _child(args: argparse.Namespace) -> None:
    """Run the figures in this process (PYTHONPATH chosen by the parent) and print one JSON line."""
    import semivis  # noqa: PLC0415
    from semivis.scan import executors  # noqa: PLC0415

    # as the command: the pools' forkserver started before the figure code is imported (trees from session 17)
    one_pool = hasattr(executors, "start_process_server")
    if one_pool and args.executor == "processes":
        executors.start_process_server()
    from semivis.figures import FIGURES, Resolution, build_figure_data, draw_figure, get_recipe, save_figure  # noqa: PLC0415
    from semivis.figures.build import resolve_resolution  # noqa: PLC0415

    res = resolve_resolution(args.resolution)
    if args.grid:
        nx, ny, nev = (int(v) for v in args.grid.lower().split("x"))
        res = Resolution(n_x=nx, n_y=ny, n_events=nev, n_curve=res.n_curve)
    names = args.figures.split(",") if args.figures else list(FIGURES)
    work = Path(tempfile.mkdtemp(prefix="semivis-bench-all-"))
    per: dict[str, dict[str, object]] = {}
    # as make_all: one process pool for every figure's scans, where the tree has it (semivis.scan.runner.scan_executor);
    # a second one for the overlays in the trees before session 17 (which have no start_process_server), the scans'
    # pool for both since (make_all, build_figure_data: "Overlays alongside the scans")
    shared = "scan_pool" in inspect.signature(build_figure_data).parameters and args.executor == "processes"
    t_all = time.perf_counter()
    with contextlib.ExitStack() as stack:
        extra: dict[str, object] = {}
        if shared:
            from semivis.scan.runner import scan_executor  # noqa: PLC0415

            extra["scan_pool"] = stack.enter_context(scan_executor("processes"))
            if "overlay_pool" in inspect.signature(build_figure_data).parameters and not one_pool:
                extra["overlay_pool"] = stack.enter_context(scan_executor("processes"))
        for name in names:
            t0 = time.perf_counter()
            data = build_figure_data(
                get_recipe(name), resolution=res, executor=args.executor, cache_dir=work / "cache", **extra
            )
            save_figure(draw_figure(get_recipe(name), data), work / name)
            per[name] = {
                "wall_s": round(time.perf_counter() - t0, 2),
                "timings_s": {k: round(float(v), 2) for k, v in data.meta.get("timings_s", {}).items()},
            }
            print(f"  {name}: {per[name]['wall_s']} s", file=sys.stderr)
    total = time.perf_counter() - t_all
    print(json.dumps({"semivis_file": semivis.__file__, "total_s": round(total, 1), "figures": per}))


def _run_tree(src: Path, argv: list[str]) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, __file__, "--child", *argv]
    print(f"{src}:", file=sys.stderr)
    proc = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=env)
    out: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["load_avg_after"] = os.getloadavg()
    return out


def main() -> None:
    """Parse the options, run the trees, write the JSON."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resolution", choices=["fast", "publication"], default="publication")
    ap.add_argument("--grid", default="", help="NXxNYxNEVENTS replacing the resolution's grid")
    ap.add_argument("--figures", default="", help="comma-separated names (default: all, in paper order)")
    ap.add_argument("--executor", default="processes")
    ap.add_argument("--compare-src", default="", help="src folder of the previous code, run first")
    ap.add_argument("--src", default=str(SRC), help="src folder of the current code (default: this checkout's)")
    ap.add_argument("--tag", default="")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args)
        return
    argv = ["--resolution", args.resolution, "--executor", args.executor]
    argv += ["--grid", args.grid] if args.grid else []
    argv += ["--figures", args.figures] if args.figures else []
    runs: dict[str, dict[str, object]] = {}
    if args.compare_src:
        runs["previous"] = _run_tree(Path(args.compare_src), argv)
    runs["current"] = _run_tree(Path(args.src), argv)
    result: dict[str, object] = {
        "benchmark": "bench_figure_all",
        "resolution": args.resolution,
        "grid": args.grid or None,
        "executor": args.executor,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "runs": runs,
    }
    if "previous" in runs:
        prev, cur = runs["previous"]["figures"], runs["current"]["figures"]
        assert isinstance(prev, dict)
        assert isinstance(cur, dict)
        result["ratio_previous_over_current"] = {
            name: round(float(prev[name]["wall_s"]) / max(float(cur[name]["wall_s"]), 1e-9), 2)
            for name in cur
            if name in prev
        }
        result["ratio_total"] = round(float(runs["previous"]["total_s"]) / float(runs["current"]["total_s"]), 2)  # type: ignore[arg-type]
    tag = f"-{args.tag}" if args.tag else ""
    label = args.grid or args.resolution
    path = RESULTS / f"bench_figure_all-{label}{tag}.json"
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in result if k.startswith("ratio")}, indent=1), file=sys.stderr)
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
