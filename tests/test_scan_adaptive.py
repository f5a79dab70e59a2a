"""Adaptive per-cell scans (semivis.scan.adaptive, issue 12 item 4): a pilot for every cell, full statistics where
the pilot does not decide the cell or the contour passes; the contour must be the full scan's."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import contourpy
import numpy as np
import pytest
import xarray as xr

from semivis.errors import ParameterError
from semivis.scan import ScanSpec, run_scan
from semivis.scan.adaptive import contour_corners, undecided
from semivis.scan.result import load_result
from semivis.scan.runner import run_scans
from semivis.testing import ToyEvaluator

CONTOUR_VARS = ("excluded", "contour_x", "contour_y", "polyline_start", "polyline_size", "polyline_eot")


def toy_spec(pilot: int | tuple[int, ...] | None, **kw: object) -> ScanSpec:
    """A (m_chi1, Delta/m_chi1) plane whose contour crosses the grid at both EOTs (toy evaluator)."""
    args: dict[str, object] = {
        "nx": 8,
        "ny": 24,
        "n_events": 400,
        "x_range": (0.005, 0.3),
        "y_range": (0.05, 0.95),
        "fixed": {"eps": 0.02, "alpha_D": 0.1},
        "eot": (2.84e11, 1e12),
        "pilot_events": pilot,
    }
    args.update(kw)
    return ScanSpec.from_ranges("idm", "mchi1-delta", **args)  # type: ignore[arg-type]


def test_contour_corners_cover_every_quad_contourpy_draws_a_segment_in() -> None:
    """Every quad crossed by the contour (a segment vertex inside it or on its edges) has its four corners marked,
    and no corner of a quad with one side only is marked without another reason."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        z = rng.normal(size=(9, 13)).cumsum(axis=0).cumsum(axis=1) * 0.3 + rng.normal()
        mask = rng.random(z.shape) > 0.1
        marked = contour_corners(z >= 0.0, mask)
        zz = np.ma.masked_array(z, mask=~mask)
        gen = contourpy.contour_generator(
            np.arange(z.shape[1]), np.arange(z.shape[0]), zz, line_type=contourpy.LineType.Separate
        )
        for line in gen.lines(0.0):
            for x, y in line:
                # a vertex lies on an edge (or, in a corner-masked quad, the diagonal) of the quad or triangle it
                # was drawn in: every cell of that quad inside the mask is a corner of a crossed quad
                x_r, y_r = round(x, 9), round(y, 9)  # a vertex on a grid line may be 1 ulp off it
                near = {(int(f(y_r)), int(g(x_r))) for f in (np.floor, np.ceil) for g in (np.floor, np.ceil)}
                assert all(marked[c] for c in near if mask[c])
        # a cell whose 3 x 3 neighbourhood (inside the mask) is on one side is never marked
        ex = z >= 0.0
        for i in range(1, z.shape[0] - 1):
            for j in range(1, z.shape[1] - 1):
                block, ok = ex[i - 1 : i + 2, j - 1 : j + 2], mask[i - 1 : i + 2, j - 1 : j + 2]
                if ok.all() and (block.all() or not block.any()):
                    assert not marked[i, j]


def test_undecided_is_the_band_of_z_sigma_around_the_limit_range() -> None:
    n = np.array([10.0, 2.6, 2.0, 0.0, 0.0, 50.0])
    sigma = np.array([1.0, 0.01, 0.01, 0.0, 0.5, np.inf])
    # s_up between 2.3 and 2.5 (a two-bin selection): 2.6 - 5 x 0.01 >= 2.5 is decided, 2.0 + 0.05 < 2.3 too
    assert undecided(n, sigma, 2.3, 2.5).tolist() == [False, False, False, False, True, True]
    assert undecided(n, sigma, 2.3, 2.7).tolist() == [False, True, False, False, True, True]


def test_pilot_events_are_checked() -> None:
    with pytest.raises(ParameterError, match="--pilot-events"):
        toy_spec(400)  # not below n_events
    with pytest.raises(ParameterError, match="--pilot-events"):
        toy_spec(0)
    with pytest.raises(ParameterError, match="one sample per column"):
        ScanSpec.from_ranges("idm", "mAp-eps", nx=3, ny=4, n_events=100, pilot_events=10)
    assert "pilot_events" not in toy_spec(None).to_dict()  # a scan without pilot keeps its key
    assert toy_spec(50).to_dict()["pilot_events"] == 50
    # a ladder of pilots: increasing, each below n_events; one level is the plain pilot (same key)
    assert toy_spec((25, 100)).pilot_levels == (25, 100)
    assert toy_spec((25, 100)).to_dict()["pilot_events"] == [25, 100]
    assert toy_spec((50,)).to_dict() == toy_spec(50).to_dict()
    assert toy_spec(None).pilot_levels == ()
    for bad in ((100, 25), (25, 25), (25, 400), (), (25, 1.5)):
        with pytest.raises(ParameterError, match="increasing list"):
            toy_spec(bad)  # type: ignore[arg-type]


def test_adaptive_scan_has_the_full_scans_contour(tmp_path: Path) -> None:
    info: dict[str, object] = {}
    ada = run_scan(toy_spec(25), evaluator=ToyEvaluator(), cache_dir=tmp_path / "a", info=info)
    full = run_scan(toy_spec(None), evaluator=ToyEvaluator(), cache_dir=tmp_path / "f")
    pilot = run_scan(toy_spec(None, n_events=25), evaluator=ToyEvaluator(), cache_dir=tmp_path / "p")
    prov = json.loads(ada.attrs["provenance"])["adaptive"]
    cells = ada["n_events_cell"].values
    is_full, is_pilot = cells == 400, cells == 25
    # the test means something only if both kinds of cell are there, and the pilot alone draws another contour
    assert is_full.sum() == prov["cells_full"] == ada.attrs["cells_full"] > 0
    assert is_pilot.sum() == prov["cells_pilot"] == ada.attrs["cells_pilot"] > 0
    assert not np.array_equal(pilot["contour_x"].values, full["contour_x"].values)
    for var in CONTOUR_VARS:
        np.testing.assert_array_equal(ada[var].values, full[var].values, err_msg=var)
    # full cells are the full scan's numbers bit for bit, pilot cells the pilot scan's
    np.testing.assert_array_equal(ada["n_sig"].values[:, is_full], full["n_sig"].values[:, is_full])
    np.testing.assert_array_equal(ada["n_sig"].values[:, is_pilot], pilot["n_sig"].values[:, is_pilot])
    assert info["samples_built"] == 2 * is_full.sum() + is_pilot.sum()  # a full cell had its pilot first


def test_adaptive_scan_does_not_depend_on_the_executor(tmp_path: Path) -> None:
    serial = run_scan(toy_spec(25, nx=5, ny=12), evaluator=ToyEvaluator(), cache_dir=tmp_path / "s")
    procs = run_scan(
        toy_spec(25, nx=5, ny=12), evaluator=ToyEvaluator(), cache_dir=tmp_path / "p", executor="processes", workers=2
    )
    xr.testing.assert_identical(serial, procs)


def test_an_evaluator_without_errors_gets_full_statistics_everywhere(tmp_path: Path) -> None:
    class NoErrors(ToyEvaluator):
        def n_sig_with_error(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            return self.n_sig(*args, **kwargs), None

    ada = run_scan(toy_spec(25, nx=4, ny=8), evaluator=NoErrors(), cache_dir=tmp_path / "a")
    full = run_scan(toy_spec(None, nx=4, ny=8), evaluator=NoErrors(), cache_dir=tmp_path / "f")
    assert ada.attrs["cells_pilot"] == 0
    np.testing.assert_array_equal(ada["n_sig"].values, full["n_sig"].values)


def test_interrupted_adaptive_scan_resumes(tmp_path: Path) -> None:
    spec = toy_spec(25, nx=6, ny=16)
    out = tmp_path / "scan.nc"
    markers = tmp_path / "markers"
    markers.mkdir()
    reference = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path / "r")
    cells = reference["n_events_cell"].values
    n_sampled, full = int(np.count_nonzero(cells)), cells == spec.n_events
    assert full.sum() > 6
    # crash in the refinement pass, after half its samples: the pilot columns and finished refinements are kept
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_scan(
            spec,
            evaluator=ToyEvaluator(marker_dir=str(markers), fail_after=n_sampled + int(full.sum()) // 2),
            cache_dir=tmp_path / "c1",
            out=out,
        )
    partial = [p for p in tmp_path.iterdir() if p.name.startswith("scan.nc.partial-")]
    assert len(partial) == 1
    assert len(list(partial[0].glob("pilot-*.npy"))) == 6
    refined = {int(f.stem.split("-")[1]) for f in partial[0].glob("full-*.npy")}
    assert refined
    for f in markers.glob("*.built"):
        f.unlink()
    # fresh cache: what is recomputed must be built again, so the builds count it
    ds = run_scan(spec, evaluator=ToyEvaluator(marker_dir=str(markers)), cache_dir=tmp_path / "c2", out=out)
    again = sum(int(full[:, i].sum()) for i in range(6) if i not in refined)
    assert len(list(markers.glob("*.built"))) == again
    assert not partial[0].exists()
    xr.testing.assert_identical(ds, reference)
    xr.testing.assert_identical(load_result(out), reference)


def test_run_scans_decides_every_selection(tmp_path: Path) -> None:
    """One adaptive pass for the one-bin and the two-bin selection: each Dataset's contour is its full scan's."""
    specs = [toy_spec(25, selection=sel) for sel in ("missing-energy", "s1+s2")]
    ada = run_scans(specs, evaluator=ToyEvaluator(), cache_dir=tmp_path / "a")
    for spec, ds in zip(specs, ada, strict=True):
        full = run_scan(
            dataclasses.replace(spec, pilot_events=None), evaluator=ToyEvaluator(), cache_dir=tmp_path / "f"
        )
        assert ds.attrs["cells_pilot"] > 0
        for var in CONTOUR_VARS:
            np.testing.assert_array_equal(ds[var].values, full[var].values, err_msg=f"{spec.selection} {var}")


def test_adaptive_scan_with_the_real_evaluator_has_the_full_scans_contour(tmp_path: Path) -> None:
    """EPJC 2023 Fig. 4b's plane (eps on the (g-2) band) on a small grid with the real signal chain: the pilot's
    errors (per-event terms and the one-event floor) keep the cells far from the limit, and the contour and the
    exclusion grids are the full scan's."""
    spec = ScanSpec.from_ranges(
        "idm",
        "mchi1-delta",
        nx=5,
        ny=16,
        n_events=600,
        pilot_events=75,
        x_range=(0.05, 0.6),
        y_range=(0.1, 1.5),
        fixed={"eps": "g2:fnal2021:central", "ratio": 3.0, "alpha_D": 0.5},
        eot=(2.84e11, 1e12),
        processes=("brem",),
    )
    ada = run_scan(spec, cache_dir=tmp_path / "c")
    full = run_scan(dataclasses.replace(spec, pilot_events=None), cache_dir=tmp_path / "c")
    assert ada.attrs["cells_pilot"] > 0
    assert ada.attrs["cells_full"] > 0
    for var in CONTOUR_VARS:
        np.testing.assert_array_equal(ada[var].values, full[var].values, err_msg=var)
    is_full = ada["n_events_cell"].values == 600
    np.testing.assert_array_equal(ada["n_sig"].values[:, is_full], full["n_sig"].values[:, is_full])


def test_a_ladder_of_pilots_has_the_full_scans_contour(tmp_path: Path) -> None:
    """Pilots of 10 and then 50 primaries: the second pilot recomputes only the cells the first leaves undecided,
    the last step is the one-pilot scheme's, so the contour is still the full scan's; each cell's N_sig is the
    scan's at the primaries ``n_events_cell`` says, bit for bit."""
    info: dict[str, object] = {}
    ada = run_scan(toy_spec((10, 50)), evaluator=ToyEvaluator(), cache_dir=tmp_path / "a", info=info)
    full = run_scan(toy_spec(None), evaluator=ToyEvaluator(), cache_dir=tmp_path / "f")
    prov = json.loads(ada.attrs["provenance"])["adaptive"]
    cells = ada["n_events_cell"].values
    assert prov["pilot_events"] == [10, 50]
    by_level = [int((cells == n).sum()) for n in (10, 50)]
    assert prov["cells_per_pilot"] == by_level
    assert min(by_level) > 0  # both pilots decide some cells, and some cells need the full statistics
    assert (cells == 400).sum() == prov["cells_full"] > 0
    for var in CONTOUR_VARS:
        np.testing.assert_array_equal(ada[var].values, full[var].values, err_msg=var)
    for n in (10, 50, 400):
        at_n = cells == n
        ref = full if n == 400 else run_scan(toy_spec(None, n_events=n), evaluator=ToyEvaluator(), cache_dir=tmp_path)
        np.testing.assert_array_equal(ada["n_sig"].values[:, at_n], ref["n_sig"].values[:, at_n], err_msg=str(n))
    # every sampled cell had the first pilot; the second pilot only the cells the first left open (not those
    # decided at 10 primaries: kept, or sent to full statistics directly as corners of the contour)
    n_first, n_full = np.count_nonzero(cells), (cells == 400).sum()
    assert n_first + (cells == 50).sum() + n_full <= info["samples_built"] <= n_first + (cells >= 50).sum() + n_full


def test_an_interrupted_ladder_resumes(tmp_path: Path) -> None:
    spec = toy_spec((10, 50), nx=6, ny=16)
    out = tmp_path / "scan.nc"
    markers = tmp_path / "markers"
    markers.mkdir()
    reference = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path / "r")
    cells = reference["n_events_cell"].values
    second = int(np.count_nonzero(cells >= 50))  # cells the second pilot computed (those at 400 too)
    assert second > 4
    # crash in the second pilot's pass, after half its samples
    with pytest.raises(RuntimeError, match="simulated crash"):
        run_scan(
            spec,
            evaluator=ToyEvaluator(marker_dir=str(markers), fail_after=int(np.count_nonzero(cells)) + second // 2),
            cache_dir=tmp_path / "c1",
            out=out,
        )
    partial = [p for p in tmp_path.iterdir() if p.name.startswith("scan.nc.partial-")]
    assert len(partial) == 1
    assert len(list(partial[0].glob("pilot-*.npy"))) == 6
    assert list(partial[0].glob("pilot1-*.npy"))
    ds = run_scan(spec, evaluator=ToyEvaluator(), cache_dir=tmp_path / "c2", out=out)
    xr.testing.assert_identical(ds, reference)
