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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

import semivis.scan.evaluators
import semivis.scan.runner
from semivis.cli import main
from semivis.cli.limit import limit_summary
from semivis.scan import ScanSpec, exclusion, load_result, run_scan
from semivis.scan.contours import dataset_ratio, projection_lines
from semivis.scan.spec import DEFAULT_AP_PER_PRIMARY
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
    assert summary["ap_per_primary"] == DEFAULT_AP_PER_PRIMARY  # the scans thin by default, and say so


def test_limit_ap_per_primary_all_is_the_exact_path(tmp_path: Path) -> None:
    summ = tmp_path / "s.json"
    args = [*BASE, "--ap-per-primary", "all", "--out", str(tmp_path / "r.nc"), "--json", str(summ)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert json.loads(summ.read_text())["ap_per_primary"] is None
    assert json.loads(load_result(tmp_path / "r.nc").attrs["provenance"])["spec"]["ap_per_primary"] is None


def test_limit_adaptive_scan_reports_its_cells(tmp_path: Path) -> None:
    args = [a if a != "mAp-eps" else "mchi1-delta" for a in BASE]
    extra = ["--eps", "0.02", "--x-min", "0.005", "--x-max", "0.3", "--y-min", "0.05", "--y-max", "0.95"]
    res = CliRunner().invoke(
        main,
        [
            *args,
            *extra,
            "--pilot-events",
            "25",
            "--cache-dir",
            str(tmp_path / "c"),
            "--out",
            str(tmp_path / "r.nc"),
            "--json",
            "-",
        ],
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    ds = load_result(tmp_path / "r.nc")
    assert summary["adaptive"]["cells_pilot"] == int((ds["n_events_cell"] == 25).sum()) > 0
    assert summary["adaptive"]["cells_full"] == int((ds["n_events_cell"] == 200).sum()) > 0


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
        (["--pilot-events", "20"], "--pilot-events"),  # the (m_A', eps) plane has one sample per column
        (["--ap-per-primary", "0"], "--ap-per-primary"),
        (["--ap-per-primary", "some"], "--ap-per-primary"),
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


# --------------------------------------------------------------------------------------------------
# outputs checked before any work (issue 16)
# --------------------------------------------------------------------------------------------------
@pytest.fixture
def counted_builds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The toy evaluator, dropping a marker per sample built: an empty folder proves no work was done."""
    markers = tmp_path / "markers"
    markers.mkdir()
    monkeypatch.setattr(semivis.scan.runner, "SignalEvaluator", lambda: ToyEvaluator(marker_dir=str(markers)))
    return markers


def _one_line_error(res: Any, option: str) -> None:
    assert res.exit_code == 2, res.output
    assert res.output.startswith(f"semivis: error: {option} = ")
    assert res.output.count("\n") == 1
    assert "Traceback" not in res.output


def test_limit_never_overwrites_a_file_that_is_not_a_scan_result(tmp_path: Path, counted_builds: Path) -> None:
    """`--out notes.txt` (wrong suffix) and `--out notes.nc` (a user's file) leave the file untouched, refused
    before any sample is built; `--force` replaces it; a semivis result is replaced without `--force`."""
    cache = ["--cache-dir", str(tmp_path / "c")]
    for name in ("notes.txt", "notes.nc"):
        notes = tmp_path / name
        notes.write_text("my precious notes")
        res = CliRunner().invoke(main, [*BASE, *cache, "--out", str(notes)])
        _one_line_error(res, "--out")
        assert notes.read_text() == "my precious notes"
    assert "not a semivis scan result" in res.output
    assert not list(counted_builds.iterdir())
    assert not list(tmp_path.glob("*.partial-*"))
    res = CliRunner().invoke(main, [*BASE, *cache, "--out", str(tmp_path / "notes.nc"), "--force"])
    assert res.exit_code == 0, res.output
    assert load_result(tmp_path / "notes.nc").attrs["model"] == "idm"
    res = CliRunner().invoke(main, [*BASE, *cache, "--out", str(tmp_path / "notes.nc")])  # a result: replaced
    assert res.exit_code == 0, res.output
    # --json: the same rule for a user's file (an earlier summary may be replaced)
    notes = tmp_path / "notes.txt"
    res = CliRunner().invoke(main, [*BASE, *cache, "--out", str(tmp_path / "new.nc"), "--json", str(notes)])
    _one_line_error(res, "--json")
    assert notes.read_text() == "my precious notes"
    assert not (tmp_path / "new.nc").exists()
    summary = tmp_path / "s.json"
    for extra in ([], [], ["--force"]):  # new, an earlier summary (replaced), forced
        res = CliRunner().invoke(
            main, [*BASE, *cache, "--out", str(tmp_path / "new.nc"), "--json", str(summary), *extra]
        )
        assert res.exit_code == 0, res.output
    assert json.loads(summary.read_text())["plane"] == "mAp-eps"


@pytest.mark.parametrize(
    ("args", "option", "words"),
    [
        (["--out", "-"], "--out", "stdout"),
        (["--out", "{tmp}/afile/r.nc"], "--out", "is a file, not a folder"),
        (["--out", "{tmp}/r.nc", "--json", "{tmp}/afile/s.json"], "--json", "is a file, not a folder"),
        (["--out", "{tmp}/r.nc", "--json", "{tmp}/afile/deeper/s.json"], "--json", "is a file, not a folder"),
    ],
)
def test_limit_bad_outputs_refused_before_work(  # noqa: PLR0917 - fixtures and parameters
    tmp_path: Path, counted_builds: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], option: str, words: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "afile").write_text("x")
    args = [a.format(tmp=tmp_path) for a in args]
    res = CliRunner().invoke(main, [*BASE, "--cache-dir", str(tmp_path / "c"), *args])
    _one_line_error(res, option)
    assert words in res.output
    assert not list(counted_builds.iterdir())
    assert not (tmp_path / "-").exists()
    assert not (tmp_path / "r.nc").exists()
    assert not list(tmp_path.glob("*.partial-*"))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_limit_unwritable_json_folder_refused_before_work(tmp_path: Path, counted_builds: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        res = CliRunner().invoke(main, [*BASE, "--out", str(tmp_path / "r.nc"), "--json", str(locked / "s.json")])
    finally:
        locked.chmod(0o700)
    _one_line_error(res, "--json")
    assert not list(counted_builds.iterdir())


def test_results_follow_the_umask(tmp_path: Path) -> None:
    """Result netCDF, JSON summary and checkpoints are 0644 under umask 022 (not mkstemp's 0600)."""
    old = os.umask(0o022)
    try:
        out, summ = tmp_path / "r.nc", tmp_path / "s.json"
        res = CliRunner().invoke(
            main, [*BASE, "--cache-dir", str(tmp_path / "c"), "--out", str(out), "--json", str(summ)]
        )
        assert res.exit_code == 0, res.output
        assert (out.stat().st_mode & 0o777, summ.stat().st_mode & 0o777) == (0o644, 0o644)
        spec = ScanSpec.from_ranges("idm", "mAp-eps", nx=6, ny=10, n_events=200, x_range=(0.01, 0.5))
        markers = tmp_path / "m"
        markers.mkdir()
        with pytest.raises(RuntimeError, match="simulated crash"):
            run_scan(
                spec,
                evaluator=ToyEvaluator(marker_dir=str(markers), fail_after=2),
                out=tmp_path / "k.nc",
                cache_dir=tmp_path / "k-cache",  # its own: a sample another test cached would shift the crash
            )
        kept = list(tmp_path.glob("k.nc.partial-*/*"))
        assert len(kept) == 3, sorted(p.name for p in kept)  # spec.json + 2 columns
        assert {p.stat().st_mode & 0o777 for p in kept} == {0o644}
    finally:
        os.umask(old)


# --------------------------------------------------------------------------------------------------
# nothing silently zeroed (issue 16)
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ShortRangeToy(ToyEvaluator):
    """The toy with a production range ending at m_A' = 0.1 GeV (as the real one ends at 3 GeV)."""

    name: str = "toy-short-range"

    @property
    def coverage(self) -> str:
        return "the toy's range, m_A' <= 0.1 GeV"

    def covers(self, masses: tuple[float, float, float]) -> bool:
        return masses[0] <= 0.1


def test_columns_beyond_the_production_range_are_counted_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Columns the evaluator does not cover: N_sig = 0 there, but counted in the file and the JSON, marked in
    ``computed``, and one warning line on stderr (the fake exclusion edge of epjc2023-fig7b)."""
    monkeypatch.setattr(semivis.scan.runner, "SignalEvaluator", ShortRangeToy)
    out = tmp_path / "r.nc"
    res = CliRunner().invoke(main, [*BASE, "--cache-dir", str(tmp_path / "c"), "--out", str(out), "--json", "-"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    ds = load_result(out)
    beyond = ds["m_Ap"].values > 0.1
    assert 0 < beyond.sum() < beyond.size
    assert summary["columns_outside_production_range"] == ds.attrs["columns_outside_production_range"] == beyond.sum()
    assert summary["cells_not_computed"] == summary["cells_outside_production_range"] == 10 * beyond.sum()
    assert summary["cells_computed"] == summary["cells"] - summary["cells_not_computed"]
    np.testing.assert_array_equal(ds["computed"].values, np.broadcast_to(~beyond, (10, 4)))
    assert np.all(ds["n_sig"].values[..., beyond] == 0)
    warning = [line for line in res.stderr.splitlines() if "not computed" in line]
    assert len(warning) == 1
    assert "m_A' <= 0.1 GeV" in warning[0]


def test_grid_entirely_beyond_the_production_range_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(semivis.scan.runner, "SignalEvaluator", ShortRangeToy)
    args = [*BASE, "--x-min", "0.2", "--x-max", "0.5", "--out", str(tmp_path / "r.nc")]
    res = CliRunner().invoke(main, [*args, "--cache-dir", str(tmp_path / "c")])
    _one_line_error(res, "--x-min/--x-max")
    assert "m_A' <= 0.1 GeV" in res.output
    assert not list(tmp_path.glob("*.partial-*"))


@pytest.mark.parametrize(
    ("extra", "option"),
    [
        (["--ratio", "1.5"], "--ratio"),  # R < 2: closed whatever Delta
        (["--delta", "100"], "--delta"),  # R = 3 < 2 + Delta
        (["--alphaD", "13"], "--alphaD"),  # > 4 pi: was refused late, in a worker, naming alpha_D
        (["--plane", "mAp-alphaD", "--eps", "1e-3", "--y-max", "100"], "--y-max"),  # idem, naming a grid value
    ],
)
def test_limit_refuses_empty_or_out_of_scope_planes_up_front(
    tmp_path: Path, counted_builds: Path, extra: list[str], option: str
) -> None:
    res = CliRunner().invoke(main, [*BASE, "--cache-dir", str(tmp_path / "c"), "--out", str(tmp_path / "r.nc"), *extra])
    _one_line_error(res, option)
    assert not list(counted_builds.iterdir())
    assert not list(tmp_path.glob("*.partial-*"))  # checked before the checkpoint folder exists


def test_json_status_tells_nothing_from_everything_excluded(tmp_path: Path) -> None:
    """`contours: []` at a tiny and at a huge EOT: the status says which."""
    args = [*BASE, "--cache-dir", str(tmp_path / "c"), "--out", str(tmp_path / "r.nc"), "--json", "-"]
    res = CliRunner().invoke(main, [*args, "--eot", "1e3", "--eot", "2.84e11", "--eot", "1e40"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["contours"]["1000"] == summary["contours"]["1e+40"] == []
    assert summary["status"] == {
        "1000": "nothing excluded",
        "2.84e+11": "partially excluded",
        "1e+40": "everything computed excluded",
    }
    assert summary["excluded_cells"]["1e+40"] == summary["cells_computed"] == 40


def test_closed_cells_are_noted_and_do_not_spoil_the_status(tmp_path: Path) -> None:
    """(m_chi1, Delta/m_chi1) reaching Delta/m_chi1 >= R - 2: the closed cells get one note line, count as
    computed, and "everything computed excluded" still means every cell where a signal can exist."""
    args = [*BASE, "--plane", "mchi1-delta", "--eps", "1e-3", "--x-min", "0.01", "--x-max", "0.1"]
    args += ["--y-min", "0.2", "--y-max", "3", "--eot", "1e40", "--cache-dir", str(tmp_path / "c")]
    res = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "r.nc"), "--json", "-"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert summary["cells_channel_closed"] > 0
    assert summary["cells_not_computed"] == 0
    assert summary["status"] == {"1e+40": "everything computed excluded"}
    notes = [line for line in res.stderr.splitlines() if "A' -> chi1 chi2 is closed" in line]
    assert len(notes) == 1
    assert notes[0].startswith("semivis limit: note: ")


# --------------------------------------------------------------------------------------------------
# --efficiency-normalisation


def test_limit_json_states_the_efficiency_normalisation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The summary says which signal efficiency the scan used: first-principles by default; with
    --efficiency-normalisation na64-invisible-2016-2022 (on the real evaluator: the toy has no card) the mode, the
    card's factor k = 0.655 and its words, and N_sig is k times the default one."""
    monkeypatch.setattr(semivis.scan.runner, "SignalEvaluator", semivis.scan.evaluators.SignalEvaluator)
    real = [*BASE[:7], "--nx", "2", "--ny", "6", "--n-events", "200", "--x-min", "0.03", "--x-max", "0.3"]
    real += ["--cache-dir", str(tmp_path / "c")]
    mode = "na64-invisible-2016-2022"
    summaries, results = {}, {}
    for name, extra in (("default", []), (mode, ["--efficiency-normalisation", mode])):
        out = tmp_path / f"{name}.nc"
        res = CliRunner().invoke(main, [*real, *extra, "--out", str(out), "--json", "-"])
        assert res.exit_code == 0, res.output
        summaries[name] = json.loads(res.stdout)
        results[name] = load_result(out)
    assert summaries["default"]["efficiency_normalisation"] == "first-principles"
    assert summaries["default"]["efficiency_factor"] == 1.0
    assert summaries[mode]["efficiency_normalisation"] == mode
    assert summaries[mode]["efficiency_factor"] == 0.655
    assert "NA64's invisible limit 2016-2022" in summaries[mode]["efficiency_label"]
    n0, n1 = results["default"]["n_sig"].values, results[mode]["n_sig"].values
    np.testing.assert_allclose(n1, 0.655 * n0, rtol=4 * np.finfo(np.float64).eps, atol=0.0)


def test_limit_unknown_efficiency_normalisation_names_the_option(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, [*BASE, "--out", str(tmp_path / "r.nc"), "--efficiency-normalisation", "per-mass"])
    assert res.exit_code == 2
    assert "--efficiency-normalisation" in res.output
    assert "first-principles" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "r.nc").exists()


# --------------------------------------------------------------------------------------------------
# --processes


def test_limit_processes_reach_the_spec_and_the_summary(tmp_path: Path) -> None:
    """--processes brem (what the NA64 papers' recasts simulated) reaches the spec, so the result's provenance and
    the --json summary; the default is both processes."""
    summaries = {}
    for name, extra in (("default", []), ("brem", ["--processes", "brem"])):
        out = tmp_path / f"{name}.nc"
        res = CliRunner().invoke(main, [*BASE, *extra, "--out", str(out), "--json", "-"])
        assert res.exit_code == 0, res.output
        summaries[name] = json.loads(res.stdout)
        assert json.loads(load_result(out).attrs["provenance"])["processes"] == summaries[name]["processes"]
    assert summaries["default"]["processes"] == ["brem", "annihilation"]
    assert summaries["brem"]["processes"] == ["brem"]


@pytest.mark.parametrize("bad", ["compton", "brem,brem", "", "brem;annihilation"])
def test_limit_bad_processes_name_the_option(tmp_path: Path, bad: str) -> None:
    res = CliRunner().invoke(main, [*BASE, "--out", str(tmp_path / "r.nc"), "--processes", bad])
    assert res.exit_code == 2, res.output
    assert "--processes" in res.output
    assert "brem, annihilation" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "r.nc").exists()
