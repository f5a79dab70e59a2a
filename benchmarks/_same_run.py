"""Shared by the same-run benchmarks (``bench_figure_cpu``, ``bench_percell``, ``bench_response_table``,
``bench_dump_edges``): run one child command against one source tree and read the JSON line it prints last, and
write a benchmark's runs atomically.

A tree is a ``src/`` folder put first on ``PYTHONPATH`` (``""``: the installed semivis), so the previous and the
current code are timed in the same window on a noisy machine.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["run_in_tree", "tree_label", "write_runs"]


def tree_label(tree: str) -> str:
    """The name a result row gives the tree."""
    return tree or "installed"


def run_in_tree(cmd: list[str], tree: str, scratch_prefix: str | None = None) -> Any:
    """Run ``cmd`` with ``PYTHONPATH=tree`` and return its last stdout line parsed as JSON.

    ``scratch_prefix``: the run's temporary files and semivis cache (``TMPDIR``, ``SEMIVIS_CACHE_DIR``) live in a
    temporary folder of that prefix, removed afterwards (a publication-size sample cache is gigabytes)."""
    env = dict(os.environ)
    if tree:
        env["PYTHONPATH"] = tree
    if scratch_prefix is None:
        proc = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=env)
    else:
        with tempfile.TemporaryDirectory(prefix=scratch_prefix) as root:
            env["TMPDIR"] = root
            env["SEMIVIS_CACHE_DIR"] = str(Path(root) / "cache")
            proc = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True, env=env)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def write_runs(results: Path, name: str, tag: str, args: dict[str, Any], runs: list[Any]) -> Path:
    """Write ``{args, runs, loadavg, machine}`` to ``results/NAME[-TAG].json`` atomically (temp file + rename)."""
    out = {
        "args": args,
        "runs": runs,
        "loadavg": os.getloadavg(),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
    }
    results.mkdir(exist_ok=True)
    path = results / f"{name}{'-' + tag if tag else ''}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(out, indent=1))
    tmp.replace(path)
    return path
