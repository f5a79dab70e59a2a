"""``semivis figure``: listing, errors, redraw from saved curves, and a tiny end-to-end run on the toy evaluator."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from semivis.cli import main
from semivis.errors import ParameterError
from semivis.figures import FIGURES, FigureData, Overlay, Resolution, build, get_recipe
from semivis.figures.registry import FigureRecipe
from semivis.scan import ScanSpec, run_scan
from semivis.testing import ToyEvaluator


def _decline_relic(monkeypatch: pytest.MonkeyPatch) -> None:
    """Declare the relic overlay not applicable (its Boltzmann solves take minutes), through the capability check."""
    real = build.overlay_declined

    def declined(recipe: FigureRecipe, ov: Overlay) -> str | None:
        return "relic skipped in this test (Boltzmann solves take minutes)" if ov.kind == "relic" else real(recipe, ov)

    monkeypatch.setattr(build, "overlay_declined", declined)


def test_list() -> None:
    res = CliRunner().invoke(main, ["figure", "--list"])
    assert res.exit_code == 0
    names = [line.split()[0] for line in res.output.splitlines()]
    assert names == list(FIGURES)


def test_unknown_name_is_one_clear_error() -> None:
    res = CliRunner().invoke(main, ["figure", "fig99"])
    assert res.exit_code == 2
    assert "NAME = 'fig99'" in res.output  # the argument's name, as the usage line shows it
    assert "epjc2023-fig3" in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize("args", [[], [""]])
def test_missing_name(args: list[str]) -> None:
    res = CliRunner().invoke(main, ["figure", *args])
    assert res.exit_code == 2
    assert "NAME = " in res.output


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
    monkeypatch.setattr(build, "run_scan", functools.partial(run_scan, evaluator=ToyEvaluator()))
    monkeypatch.setattr(build, "RESOLUTIONS", {"fast": Resolution(n_x=4, n_y=12, n_events=200, n_curve=4)})
    _decline_relic(monkeypatch)
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
    # BaBar is drawn in the (R, y) plane too (issue 11; EPJC 2023 Fig. 7 shows it)
    assert "constraint/babar_semivisible" not in data["meta"]["missing"]
    assert data["curves"]["constraint/babar_semivisible"]


def test_declined_overlay_is_missing_but_a_physics_error_propagates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A capability-declined overlay is recorded as missing; a ParameterError raised while computing an
    overlay that applies is not swallowed (it would otherwise show up as an absent curve)."""
    monkeypatch.setattr(build, "run_scan", functools.partial(run_scan, evaluator=ToyEvaluator()))
    res_ = Resolution(n_x=3, n_y=6, n_events=100, n_curve=4)

    def broken(*_args: object) -> list[np.ndarray]:
        raise ParameterError("eps", -1.0, "0 < eps < 1", "injected by the test")

    monkeypatch.setattr(build, "_relic_lines", broken)
    with pytest.raises(ParameterError, match="injected by the test"):
        build.build_figure_data("epjc2023-fig7a", resolution=res_, executor="serial", cache_dir=tmp_path)
    _decline_relic(monkeypatch)
    data = build.build_figure_data("epjc2023-fig7a", resolution=res_, executor="serial", cache_dir=tmp_path)
    assert set(data.meta["missing"]) == {"relic"}
    assert "constraint/babar_semivisible" in data.curves


@pytest.mark.parametrize("name", ["epjc2021-fig5a", "epjc2023-fig4b"])
def test_eps_g2_figure_is_one_scan_per_detector_group(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """eps = eps_(g-2)(m_A') figures: one scan per detector group (all its curves' EOTs) with the rule
    g2:fnal2021:central over the recipe's whole x grid (no per-column scans), on the toy evaluator."""
    specs: list[object] = []

    def counting(spec: object, **kwargs: object) -> object:
        specs.append(spec)
        return run_scan(spec, **{**kwargs, "evaluator": ToyEvaluator()})  # type: ignore[arg-type]

    monkeypatch.setattr(build, "run_scan", counting)
    res_ = Resolution(n_x=5, n_y=8, n_events=200, n_curve=4)
    monkeypatch.setattr(build, "_relic_lines", lambda *_args: [])
    monkeypatch.setattr(build, "_constraint_lines", lambda *_args: [])
    data = build.build_figure_data(name, resolution=res_, executor="serial", cache_dir=tmp_path)
    recipe = get_recipe(name)
    groups = build._scan_groups(recipe)
    assert len(specs) == len(groups)
    for spec, group in zip(specs, groups, strict=True):
        assert isinstance(spec, ScanSpec)
        assert spec.fixed["eps"] == "g2:fnal2021:central"
        assert len(spec.x) == res_.n_x
        assert spec.x[0] == pytest.approx(recipe.x.lim[0])
        assert spec.x[-1] == pytest.approx(recipe.x.lim[1])
        assert spec.experiment == group[0].card
        assert spec.eot == tuple(c.eot for c in group)
    for curve in recipe.na64:
        assert f"na64/{curve.key}" in data.curves


@pytest.mark.parametrize("flag", [[], ["--keep-samples"]])
def test_keep_samples_reaches_every_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flag: list[str]) -> None:
    """``--keep-samples`` is passed to each of the figure's scans (default off: the cache keeps the kernels)."""
    seen: list[bool] = []

    def recording(spec: Any, **kw: Any) -> Any:
        seen.append(kw["keep_samples"])
        return run_scan(spec, evaluator=ToyEvaluator(), **kw)

    monkeypatch.setattr(build, "run_scan", recording)
    monkeypatch.setattr(build, "RESOLUTIONS", {"fast": Resolution(n_x=3, n_y=8, n_events=100, n_curve=4)})
    _decline_relic(monkeypatch)
    args = ["figure", "epjc2023-fig7a", "--out", str(tmp_path / "f.png"), "--cache-dir", str(tmp_path / "c")]
    res = CliRunner().invoke(main, [*args, "--executor", "serial", *flag])
    assert res.exit_code == 0, res.output
    assert seen
    assert set(seen) == {bool(flag)}
