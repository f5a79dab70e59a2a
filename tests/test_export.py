"""`semivis export`: every format reads back to the result's contours (to the written precision, here exact),
DARKCAST's orientation of the .lmt files, and bad input refused in one line before anything is written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

import semivis.scan.runner
from semivis.cli import main
from semivis.export import FORMATS, SCAN_KEYS, export_result
from semivis.scan import contours, load_result, write_result
from semivis.scan.contours import dataset_ratio
from semivis.scan.result import ragged
from semivis.testing import ToyEvaluator

LIMIT = ["limit", "--model", "idm", "--plane", "mAp-eps", "--executor", "serial", "--nx", "5", "--ny", "12",
         "--n-events", "200", "--x-min", "0.01", "--x-max", "0.5", "--eot", "2.84e11", "--eot", "5e12"]  # fmt: skip


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny `semivis limit` result on the analytic stand-in evaluator (two EOTs, so two sets of curves)."""
    tmp = tmp_path_factory.mktemp("export")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(semivis.scan.runner, "SignalEvaluator", ToyEvaluator)
        out = tmp / "r.nc"
        res = CliRunner().invoke(main, [*LIMIT, "--cache-dir", str(tmp / "c"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert all(contours(load_result(out)).values())  # every EOT has a curve to export
    return out


def _numbers(path: Path) -> np.ndarray:
    return np.loadtxt(path, comments="#", ndmin=2)


def _comment_lines(path: Path) -> str:
    return "\n".join(line for line in path.read_text().splitlines() if line.startswith("#"))


def _check_header(text: str) -> None:
    for needed in ("m_Ap [GeV]", "eps [1]", '"alpha_D": 0.1', "EOT:", "CL: 0.9", "selection: missing-energy",
                   "experiment card:", "semivis 0.", *SCAN_KEYS):  # fmt: skip
        assert needed in text


def test_lmt_reads_back_to_the_contours(result: Path, tmp_path: Path) -> None:
    files = export_result(result, "lmt", tmp_path)
    lines = contours(load_result(result))
    for eot, segs in lines.items():
        for k, seg in enumerate(segs):
            [f] = [f for f in files if f.eot == eot and f.path.name.endswith(f"_line{k}.lmt")]
            back = _numbers(f.path)
            _check_header(_comment_lines(f.path))
            assert f.kind == "one-sided"  # the toy's contours are single-valued in mass: sorted by mass
            assert np.array_equal(back, seg[np.argsort(seg[:, 0])])


def test_lmt_rvalue_grid_has_darkcast_orientation(result: Path, tmp_path: Path) -> None:
    """DARKCAST (limit.py: a point is excluded where r < 1, r scales as 1 / signal): r = s_up / N_sig, rows
    mass-major with the same couplings at every mass; r < 1 exactly where the result says `excluded`."""
    ds = load_result(result)
    files = [f for f in export_result(result, "lmt", tmp_path) if f.kind == "rvalue"]
    assert len(files) == ds["eot"].size
    for f in files:
        m, g, r = _numbers(f.path).T
        x, y, ratio = dataset_ratio(ds, float(f.eot))  # type: ignore[arg-type]
        assert np.array_equal(m, np.repeat(x, len(y)))
        assert np.array_equal(g, np.tile(y, len(x)))
        with np.errstate(divide="ignore"):
            assert np.array_equal(r.reshape(len(x), len(y)).T, 1.0 / ratio)
        excluded = ds["excluded"].sel(eot=f.eot).transpose(*ds["s_up"].dims).values.astype(bool)
        assert np.array_equal(r.reshape(len(x), len(y)).T < 1.0, excluded)
        assert "r = s_up / N_sig" in _comment_lines(f.path)


def test_csv_reads_back_to_the_contours(result: Path, tmp_path: Path) -> None:
    files = export_result(result, "csv", tmp_path)
    lines = contours(load_result(result))
    assert len(files) == sum(len(v) for v in lines.values())
    for eot, segs in lines.items():
        for k, seg in enumerate(segs):
            [f] = [f for f in files if f.eot == eot and f.path.name.endswith(f"_line{k}.csv")]
            rows = [row for row in f.path.read_text().splitlines() if not row.startswith("#")]
            assert rows[0] == '"mass","coupling"'  # ESPP 2026 header
            back = np.array([[float(v) for v in row] for row in csv.reader(rows[1:])])
            assert np.array_equal(back, seg)  # path order kept
            _check_header(_comment_lines(f.path))


def test_json_reads_back_to_the_contours_and_grid(result: Path, tmp_path: Path) -> None:
    [f] = export_result(result, "json", tmp_path)
    record = json.loads(f.path.read_text())
    ds = load_result(result)
    for eot, segs in contours(ds).items():
        back = record["lines"][f"{eot:.6g}"]
        assert len(back) == len(segs)
        for got, seg in zip(back, segs, strict=True):
            assert np.array_equal(np.array(got), seg)
        assert np.array_equal(np.array(record["ratio_n_sig_over_s_up"][f"{eot:.6g}"]), dataset_ratio(ds, eot)[2])
    assert record["x"] == {"name": "m_Ap", "label": "m_A' [GeV]", "unit": "GeV"}
    assert record["fixed_parameters"] == {"alpha_D": 0.1, "delta": 0.4, "ratio": 3.0}
    assert record["cl"] == 0.9
    assert record["citations"] == list(SCAN_KEYS)


def test_a_line_turning_back_in_mass_is_written_path_ordered(result: Path, tmp_path: Path) -> None:
    """A contour with a lower and an upper edge (not single-valued in mass) is no one-sided DARKCAST bound:
    its file keeps the path order and says so."""
    ds = load_result(result)
    u_shape = np.array([[0.01, 1e-5], [0.1, 1e-4], [0.2, 1e-3], [0.1, 5e-3], [0.01, 8e-3]])
    arrays = ragged({float(ds["eot"][0]): [u_shape]})
    ds = ds.drop_dims(["vertex", "polyline"]).assign(
        {k: (("vertex",) if k.startswith("contour") else ("polyline",), v) for k, v in arrays.items()}
    )
    path = write_result(ds, tmp_path / "u.nc")
    [line] = [f for f in export_result(path, "lmt", tmp_path / "o") if f.kind != "rvalue"]
    assert line.kind == "path-ordered"
    assert "shape: path-ordered line" in line.path.read_text()
    assert np.array_equal(_numbers(line.path), u_shape)


def test_cli_export_writes_every_format(result: Path, tmp_path: Path) -> None:
    for fmt in FORMATS:
        res = CliRunner().invoke(main, ["export", str(result), "--format", fmt, "--out", str(tmp_path / fmt)])
        assert res.exit_code == 0, res.output
        written = [Path(p) for p in res.stdout.split()]
        assert written
        if fmt == "hepdata":  # a record folder and its tarball
            assert [p.name for p in written] == ["r_hepdata", "r_hepdata.tar.gz"]
            assert (written[0] / "submission.yaml").is_file()
            continue
        assert all(p.is_file() and p.suffix == f".{fmt}" for p in written)
    assert not list(tmp_path.rglob("*.tmp"))  # atomic writes leave no temporary file behind


def test_bad_input_one_line_before_anything_is_written(result: Path, tmp_path: Path) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    not_a_result = tmp_path / "notes.nc"
    not_a_result.write_text("my notes")
    xr.Dataset({"a": ("x", [1.0])}).to_netcdf(plain := tmp_path / "plain.nc")
    cases = [
        (["export", str(result), "--format", "root", "--out", str(tmp_path / "o1")], "--format"),
        (["export", str(result), "--format", "lmt", "--out", str(not_a_folder / "sub")], "--out"),
        (["export", str(not_a_result), "--format", "lmt", "--out", str(tmp_path / "o2")], "RESULT"),
        (["export", str(plain), "--format", "csv", "--out", str(tmp_path / "o3")], "RESULT"),
        (["export", str(tmp_path / "absent.nc"), "--format", "csv", "--out", str(tmp_path / "o4")], "RESULT"),
    ]
    for args, option in cases:
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2, res.output
        assert option in res.output
        assert "Traceback" not in res.output
        assert len(res.output.strip().splitlines()) == 1
    assert not any((tmp_path / f"o{i}").exists() for i in range(1, 5))


def test_hepdata_record_reads_back_to_the_contours_with_qualifiers(result: Path, tmp_path: Path) -> None:
    """HEPData (hepdata-lib, validated by hepdata-validator): the YAML read back gives every contour to 16
    significant digits, the N_sig / s_up grid, and the qualifiers CL, EOT, model, benchmark, selection, version,
    citation keys; units on the mass axis."""
    import tarfile  # noqa: PLC0415

    from semivis.export import read_hepdata_tables  # noqa: PLC0415

    folder, tarball = (f.path for f in export_result(result, "hepdata", tmp_path))
    tables = read_hepdata_tables(folder)
    ds = load_result(result)
    for eot, segs in contours(ds).items():
        for k, seg in enumerate(segs):
            t = tables[f"Contour EOT {eot:.6g} line {k}"]
            np.testing.assert_allclose(t["points"], seg, rtol=1e-15, atol=0)
            q = t["qualifiers"]
            assert (q["CL"], q["EOT"], q["model"], q["selection"]) == ("90%", f"{eot:.6g}", "idm", "missing-energy")
            assert '"alpha_D": 0.1' in q["benchmark"]
            assert q["semivis version"].startswith("0.")
            assert all(key in q["cite"] for key in SCAN_KEYS)
            assert t["header"][0]["units"] == "GeV"
        x, y, ratio = dataset_ratio(ds, eot)
        grid = tables[f"Ratio EOT {eot:.6g}"]["points"]
        assert grid.shape == (int(np.asarray(ds["computed"].values).sum()), 3)
        ix = np.abs(grid[:, 0, None] - x[None, :]).argmin(axis=1)  # the grid node each row was written from
        iy = np.abs(grid[:, 1, None] - y[None, :]).argmin(axis=1)
        np.testing.assert_allclose(grid[:, 2], ratio[iy, ix], rtol=1e-15)
    with tarfile.open(tarball) as tar:
        assert sorted(tar.getnames()) == sorted(p.name for p in folder.iterdir())
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left
    again = export_result(result, "hepdata", tmp_path)  # re-export replaces the record
    assert again[0].path == folder
    assert folder.is_dir()


@pytest.mark.slow
def test_figure3_exclusion_exports_and_reads_back(tmp_path: Path) -> None:
    """Fig. 3 (EPJC 2023) at a tiny resolution: its current exclusion (--data curves) exported as .lmt, CSV and
    HEPData reads back to the figure's contour exactly (17 significant digits, 16 for HEPData), so to far
    better than the grid resolution; `semivis export FIG.json` takes the figure's --data file."""
    from semivis.export import read_hepdata_tables  # noqa: PLC0415
    from semivis.figures.build import build_figure_data  # noqa: PLC0415
    from semivis.figures.registry import Resolution  # noqa: PLC0415

    data = build_figure_data(
        "epjc2023-fig3", resolution=Resolution(n_x=3, n_y=12, n_events=200, n_curve=4), executor="serial",
        cache_dir=tmp_path / "cache",
    )  # fmt: skip
    data.write_json(fig := tmp_path / "fig3.json")
    key = "na64/2.84e11/contour"
    [line] = data.curves[key]
    assert len(line) >= 3
    res = CliRunner().invoke(main, ["export", str(fig), "--format", "lmt", "--out", str(tmp_path / "lmt")])
    assert res.exit_code == 0, res.output
    [lmt] = [Path(p) for p in res.stdout.split() if "2.84e11-contour_line0" in p]
    assert "Mongillo:2023na64" in _comment_lines(lmt)
    np.testing.assert_array_equal(_numbers(lmt), line)
    res = CliRunner().invoke(main, ["export", str(fig), "--format", "hepdata", "--out", str(tmp_path / "hd")])
    assert res.exit_code == 0, res.output
    tables = read_hepdata_tables(tmp_path / "hd" / "fig3_hepdata")
    np.testing.assert_allclose(tables["na64-2.84e11-contour line 0"]["points"], line, rtol=1e-15)
