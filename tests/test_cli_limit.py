"""`semivis limit` command line (on the analytic stand-in evaluator), including a real kill-and-resume.

The command has no test-only flags: the tests put :class:`semivis.testing.ToyEvaluator` in place of the
scan's default evaluator (``semivis.scan.runner.SignalEvaluator``) with monkeypatch, or, for the subprocess
of the kill test, with the same substitution before calling the CLI.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

import semivis.scan.runner
from semivis.cli import main
from semivis.cli.limit import limit_summary
from semivis.scan import ScanSpec, exclusion, load_result, run_scan
from semivis.scan.contours import dataset_ratio, projection_lines
from semivis.testing import ToyEvaluator

BASE = [
    "limit",
    "--model",
    "idm",
    "--plane",
    "mAp-eps",
    "--executor",
    "serial",
    "--nx",
    "4",
    "--ny",
    "10",
    "--n-events",
    "200",
    "--x-min",
    "0.01",
    "--x-max",
    "0.5",
]


@pytest.fixture(autouse=True)
def toy_evaluator(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every `semivis limit` of this module runs on the analytic stand-in (fast, not physics)."""
    monkeypatch.setattr(semivis.scan.runner, "SignalEvaluator", ToyEvaluator)


def test_limit_writes_result_and_summary(tmp_path: Path) -> None:
    out, summ = tmp_path / "r.nc", tmp_path / "s.json"
    res = CliRunner().invoke(main, [*BASE, "--cache-dir", str(tmp_path / "c"), "--out", str(out), "--json", str(summ)])
    assert res.exit_code == 0, res.output
    summary = json.loads(summ.read_text())
    assert summary["s_up"] == pytest.approx(np.log(10.0))
    assert isinstance(summary["contours"], list)
    assert summary["contours"]
    assert all(len(pt) == 2 for line in summary["contours"] for pt in line)
    ds = load_result(out)
    assert ds.attrs["model"] == "idm"
    assert ds.attrs["selection"] == "missing-energy"


def test_limit_several_eot_keyed(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        main,
        [
            *BASE,
            "--cache-dir",
            str(tmp_path / "c"),
            "--out",
            str(tmp_path / "r.nc"),
            "--eot",
            "2.84e11",
            "--eot",
            "5e12",
            "--json",
            "-",
        ],
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert set(summary["contours"]) == {"2.84e+11", "5e+12"}


@pytest.mark.parametrize(
    ("extra", "option"),
    [
        (["--alphaD", "-1"], "--alphaD"),
        (["--eps", "1e-3"], "--eps"),
        (["--workers", "0"], "--workers"),
        (["--scheduler", "tcp://x:1"], "--scheduler"),
        (["--n-events", "0"], "--n-events"),
        (["--x-min", "1", "--x-max", "0.1"], "--x-min"),
    ],
)
def test_limit_bad_input_one_line(tmp_path: Path, extra: list[str], option: str) -> None:
    res = CliRunner().invoke(main, [*BASE, "--out", str(tmp_path / "r.nc"), *extra])
    assert res.exit_code == 2
    assert "semivis: error:" in res.output
    assert option in res.output
    assert "Traceback" not in res.output


@pytest.mark.slow
def test_killed_scan_resumes(tmp_path: Path) -> None:
    """SIGKILL a real `semivis limit` run half way; the rerun finishes with the same result."""
    out = tmp_path / "r.nc"
    args = [*BASE, "--nx", "6", "--cache-dir", str(tmp_path / "c"), "--out", str(out)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    toy = (
        "import semivis.scan.runner as r; from semivis.testing import ToyEvaluator; "
        "r.SignalEvaluator = lambda: ToyEvaluator(delay_s=0.7); from semivis.cli import main; main()"
    )
    cmd = [sys.executable, "-c", toy, *args]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        done: list[Path] = []
        while time.monotonic() < deadline:
            done = list(tmp_path.glob("r.nc.partial-*/column-*.npy"))
            if len(done) >= 3 or proc.poll() is not None:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "scan finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not out.exists()
    n_done = len(list(tmp_path.glob("r.nc.partial-*/column-*.npy")))
    assert 3 <= n_done < 6
    spec = ScanSpec.from_ranges("idm", "mAp-eps", nx=6, ny=10, n_events=200, x_range=(0.01, 0.5))
    info: dict[str, int] = {}
    ds = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path / "c", out=out, info=info)
    assert (info["columns_resumed"], info["columns_computed"]) == (n_done, 6 - n_done)
    reference = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path / "fresh")
    xr.testing.assert_identical(ds, reference)


def test_limit_accepts_a_g2_rule_for_eps(tmp_path: Path) -> None:
    args = [*BASE, "--plane", "mAp-alphaD", "--eps", "g2:fnal2021:central", "--cache-dir", str(tmp_path / "c")]
    res = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "r.nc"), "--json", "-"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["fixed"]["eps"] == "g2:fnal2021:central"
    ds = load_result(tmp_path / "r.nc")
    eps = summary["fixed_along_x"]["eps"]
    assert np.array_equal(ds["fixed_eps"].values, eps)
    for m_ap, e in zip(ds["m_Ap"].values, eps, strict=True):  # the numbers `semivis g2` prints
        g2 = CliRunner().invoke(main, ["g2", "--mA", repr(float(m_ap)), "--json"])
        assert json.loads(g2.output)["eps_central"] == pytest.approx(e, rel=1e-12)


@pytest.mark.parametrize("rule", ["g2:fnal2021:middle", "g2:nope:central", "abc"])
def test_limit_bad_rule_one_line(tmp_path: Path, rule: str) -> None:
    res = CliRunner().invoke(main, [*BASE, "--plane", "mAp-alphaD", "--eps", rule, "--out", str(tmp_path / "r.nc")])
    assert res.exit_code == 2
    assert res.output.startswith(f"semivis: error: --eps = '{rule}'")
    assert "g2:fnal2021:central" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "r.nc").exists()


def test_limit_json_contours_are_the_figure_routine_on_the_same_dataset(tmp_path: Path) -> None:
    """One contour routine: `semivis limit --json` reports projection_lines of N_sig/s_up, as the figures do."""
    out, summ = tmp_path / "r.nc", tmp_path / "s.json"
    res = CliRunner().invoke(
        main, [*BASE, "--cache-dir", str(tmp_path / "c"), "--out", str(out), "--json", str(summ), "--ny", "24"]
    )
    assert res.exit_code == 0, res.output
    ds = load_result(out)
    eot = float(ds["eot"].values[0])
    figure_lines = projection_lines(*dataset_ratio(ds, eot))
    json_lines = json.loads(summ.read_text())["contours"]
    assert len(json_lines) == len(figure_lines) >= 1
    for a, b in zip(json_lines, figure_lines, strict=True):
        assert np.array_equal(np.asarray(a), b)  # bit-identical, not merely close
    assert [line.tolist() for line in exclusion(ds, eot)[1]] == json_lines
    # the same from the summary builder on an in-memory run
    spec = ScanSpec.from_ranges("idm", "mAp-eps", nx=4, ny=24, n_events=200, x_range=(0.01, 0.5))
    ds2 = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path / "c")
    assert limit_summary(ds2, spec, out)["contours"] == json_lines


def test_limit_json_has_no_nan(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        main, [*BASE, "--cache-dir", str(tmp_path / "c"), "--out", str(tmp_path / "r.nc"), "--json", "-"]
    )
    assert res.exit_code == 0, res.output
    assert "NaN" not in res.stdout
    assert "Infinity" not in res.stdout
