"""``semivis figure``: listing, errors, redraw from saved curves, and a tiny end-to-end run on the toy evaluator."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from semivis.cli import main
from semivis.errors import SemivisError
from semivis.figures import FIGURES, FigureData, Resolution, build, get_recipe


def test_list() -> None:
    res = CliRunner().invoke(main, ["figure", "--list"])
    assert res.exit_code == 0
    names = [line.split()[0] for line in res.output.splitlines()]
    assert names == list(FIGURES)


def test_unknown_name_is_one_clear_error() -> None:
    res = CliRunner().invoke(main, ["figure", "fig99"])
    assert res.exit_code == 2
    assert "figure = 'fig99'" in res.output
    assert "epjc2023-fig3" in res.output
    assert "Traceback" not in res.output


def test_missing_name() -> None:
    res = CliRunner().invoke(main, ["figure"])
    assert res.exit_code == 2
    assert "NAME" in res.output


def _saved(tmp_path: Path) -> Path:
    data = FigureData("epjc2023-fig8b")
    ring = np.array([[0.01, 1e-4], [0.07, 1e-4], [0.07, 1.0], [0.01, 1.0], [0.01, 1e-4]])
    data.add("na64/2.84e11", [ring])
    data.add("na64/2.84e11/contour", [ring[1:3]])
    data.add("relic", [np.array([[0.01, 1e-2], [0.5, 1e-1]])])
    path = tmp_path / "saved.json"
    data.write_json(path)
    return path


def test_replot_writes_png_pdf_and_data(tmp_path: Path) -> None:
    saved = _saved(tmp_path)
    out = tmp_path / "fig8b"
    res = CliRunner().invoke(
        main,
        ["figure", "epjc2023-fig8b", "--replot", str(saved), "--out", str(out), "--data", str(tmp_path / "d.json")],
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "fig8b.png").stat().st_size > 0
    assert (tmp_path / "fig8b.pdf").stat().st_size > 0
    data = json.loads((tmp_path / "d.json").read_text())
    assert data["curves"]["relic"][0][0] == [0.01, 0.01]
    res2 = CliRunner().invoke(main, ["figure", "epjc2023-fig3", "--replot", str(saved)])
    assert res2.exit_code == 2
    assert "epjc2023-fig8b" in res2.output


def test_bad_out_suffix(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        main, ["figure", "epjc2023-fig8b", "--replot", str(_saved(tmp_path)), "--out", str(tmp_path / "x.jpg")]
    )
    assert res.exit_code == 2
    assert "--out" in res.output


def test_end_to_end_on_toy_evaluator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole chain recipe -> ScanSpec -> run_scan -> contours -> summary -> PNG/PDF/JSON, on the scan room's
    analytic ToyEvaluator (a stand-in: the numbers are not physics) and a tiny grid."""
    scan = pytest.importorskip("semivis.scan")
    if not hasattr(scan, "run_scan"):
        pytest.skip("semivis.scan.run_scan not available yet")
    monkeypatch.setattr(scan, "run_scan", functools.partial(scan.run_scan, evaluator=scan.ToyEvaluator()))
    monkeypatch.setattr(build, "RESOLUTIONS", {"fast": Resolution(n_x=4, n_y=12, n_events=200, n_curve=4)})

    def no_relic(*_args: object) -> None:
        raise SemivisError("relic skipped in this test (Boltzmann solves take minutes)")

    monkeypatch.setattr(build, "_relic_line", no_relic)
    res = CliRunner().invoke(
        main,
        [
            "figure",
            "epjc2023-fig7a",
            "--out",
            str(tmp_path / "f.png"),
            "--data",
            str(tmp_path / "f.json"),
            "--cache-dir",
            str(tmp_path / "cache"),
            "--executor",
            "serial",
        ],
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "f.png").exists()
    data = json.loads((tmp_path / "f.json").read_text())
    recipe = get_recipe("epjc2023-fig7a")
    for c in recipe.na64:
        assert f"na64/{c.key}" in data["curves"]
    assert data["meta"]["resolution"] == {"n_x": 4, "n_y": 12, "n_events": 200, "n_curve": 4}
    assert "relic" in data["meta"]["missing"]
    assert "relic" in res.output  # the warning line
