"""`semivis limit --executor processes` under SIGKILL, SIGTERM and SIGINT: no process outlives the run, the
checkpoints are kept, SIGTERM/SIGINT exit 143/130 with a line saying how to resume, and the rerun says it resumes.

The run is a real subprocess of the CLI on the analytic stand-in (``semivis.scan.runner.SignalEvaluator``
replaced by a slow :class:`semivis.testing.ToyEvaluator` before ``main()``, as in test_cli_limit.py). Its
processes (forkserver, resource tracker, pool workers) are found through ``/proc`` while it runs: every
descendant of the CLI process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds processes through Linux /proc"),
]

TOY = (
    "import semivis.scan.runner as r; from semivis.testing import ToyEvaluator; "
    "r.SignalEvaluator = lambda: ToyEvaluator(delay_s=0.4); from semivis.cli import main; main()"
)


def _parents() -> dict[int, int]:
    """pid -> parent pid of every live process."""
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            out[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return out


def _descendants(root: int) -> set[int]:
    parents = _parents()
    found: set[int] = set()
    frontier = {root}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start(tmp_path: Path, n_columns: int = 10) -> subprocess.Popen[str]:
    args = [
        "limit",
        "--model",
        "idm",
        "--plane",
        "mAp-eps",
        "--executor",
        "processes",
        "--workers",
        "2",
        "--nx",
        str(n_columns),
        "--ny",
        "10",
        "--n-events",
        "200",
        "--x-min",
        "0.01",
        "--x-max",
        "0.5",
        "--cache-dir",
        str(tmp_path / "c"),
        "--out",
        str(tmp_path / "r.nc"),
    ]
    cmd = [sys.executable, "-c", TOY, *args]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    # stderr to a file: a pipe would be held open by any orphan, and reading it would hang
    err = (tmp_path / "stderr.txt").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
    err.close()
    return proc


def _interrupt_half_way(tmp_path: Path, sig: signal.Signals) -> tuple[int, set[int], int]:
    """Start a run, send ``sig`` once 2 columns are saved; return (exit status, its processes, columns saved)."""
    proc = _start(tmp_path)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list(tmp_path.glob("r.nc.partial-*/column-*.npy"))) >= 2:
                break
            time.sleep(0.05)
        helpers = _descendants(proc.pid)
        assert proc.poll() is None, "scan finished before it could be interrupted"
        assert len(helpers) >= 3  # forkserver, resource tracker, workers
        proc.send_signal(sig)
        rc = proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    saved = len(list(tmp_path.glob("r.nc.partial-*/column-*.npy")))
    return rc, helpers, saved


def _assert_all_gone(pids: set[int], within_s: float = 5.0) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    left = [p for p in pids if _alive(p)]
    for pid in left:  # do not leak them into the rest of the test session
        os.kill(pid, signal.SIGKILL)
    assert not left, f"processes still alive {within_s} s after the run ended: {left}"


def test_sigkill_leaves_no_process_alive(tmp_path: Path) -> None:
    """SIGKILL cannot be handled: the workers' watchdog and the forkserver's EOF must end them all."""
    rc, helpers, saved = _interrupt_half_way(tmp_path, signal.SIGKILL)
    assert rc == -signal.SIGKILL
    assert saved >= 2
    _assert_all_gone(helpers)


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_and_sigint_stop_cleanly_and_resume(tmp_path: Path, sig: signal.Signals, status: int) -> None:
    rc, helpers, saved = _interrupt_half_way(tmp_path, sig)
    assert rc == status
    stderr = (tmp_path / "stderr.txt").read_text()
    assert f"semivis: interrupted after {saved} of 10 columns; rerun the same command to resume" in stderr
    assert "Traceback" not in stderr
    _assert_all_gone(helpers)
    proc = _start(tmp_path)
    assert proc.wait(timeout=120) == 0
    stderr = (tmp_path / "stderr.txt").read_text()
    assert f"resuming: {saved} of 10 columns already computed" in stderr
    assert (tmp_path / "r.nc").exists()
    assert not list(tmp_path.glob("r.nc.partial-*"))
