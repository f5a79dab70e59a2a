"""``semivis figure`` outputs and inputs: everything is checked before any scan, files are written atomically
with the umask's mode, a broken ``--replot`` file is one line, and cells the scans did not compute (m_A' beyond
the production range) are drawn as "not computed", never as an exclusion edge (issue 16 items 3 and 5)."""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from semivis.cli import main
from semivis.detector import load_card
from semivis.errors import ParameterError
from semivis.figures import FigureData, Resolution, build, draw_figure, get_recipe, make_all, make_figure, save_figure
from semivis.figures.data import NOT_COMPUTED_KEY, load_figure_data
from semivis.figures.plot import render_images
from semivis.figures.registry import FigureRecipe
from semivis.production.darkbrem import PRODUCTION_M_AP_MAX_GEV
from semivis.scan import ScanSpec, run_scan
from semivis.scan.contours import dataset_ratio, exclusion_rings, not_computed_rings, projection_lines
from semivis.testing import ToyEvaluator

TINY = Resolution(n_x=6, n_y=12, n_events=200, n_curve=4)


@pytest.fixture
def no_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any scan is a test failure: the checks under test must come before the computation."""

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a scan ran before the outputs were checked")

    monkeypatch.setattr(build, "run_scan", refuse)


def _one_error_line(output: str) -> str:
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert len(lines) == 1, output
    assert lines[0].startswith("semivis: error:"), output
    assert "Traceback" not in output
    return lines[0]


def _figure(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["figure", *args])
    return res.exit_code, res.output


# ----------------------------------------------------------------------------------------------------------
# outputs checked before any computation
# ----------------------------------------------------------------------------------------------------------


@pytest.mark.usefixtures("no_scan")
def test_out_suffix_refused_before_the_scans(tmp_path: Path) -> None:
    rc, out = _figure("epjc2023-fig3", "--out", str(tmp_path / "x.jpg"))
    assert rc == 2
    assert "--out" in _one_error_line(out)
    assert "x.jpg" in out


@pytest.mark.usefixtures("no_scan")
@pytest.mark.parametrize("option", ["--out", "--data"])
def test_output_under_a_file_refused_before_the_scans(tmp_path: Path, option: str) -> None:
    """A parent 'folder' that is a file cannot be created: one line naming the option (it used to be a
    NotADirectoryError traceback after all the scans)."""
    (tmp_path / "afile").write_text("my notes")
    rc, out = _figure("epjc2023-fig3", option, str(tmp_path / "afile" / "sub" / "f.png"))
    assert rc == 2
    assert option in _one_error_line(out)
    assert (tmp_path / "afile").read_text() == "my notes"


@pytest.mark.usefixtures("no_scan")
def test_output_in_an_unwritable_place_refused_before_the_scans() -> None:
    """/proc takes no new folders, even for root (a read-only mount behaves the same way)."""
    rc, out = _figure("epjc2023-fig3", "--out", "/proc/semivis-no-such-dir/f.png")
    assert rc == 2
    assert "--out" in _one_error_line(out)


@pytest.mark.usefixtures("no_scan")
@pytest.mark.parametrize("name", ["epjc2023-fig3", "all"])
def test_unknown_executor_refused_before_the_scans(tmp_path: Path, name: str) -> None:
    rc, out = _figure(name, "--executor", "threads", "--out", str(tmp_path / "f"))
    assert rc == 2
    assert "--executor" in _one_error_line(out)


@pytest.mark.usefixtures("no_scan")
def test_figure_all_checks_its_folder_before_the_scans(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    rc, out = _figure("all", "--out", str(tmp_path / "afile"))
    assert rc == 2
    assert "--out" in _one_error_line(out)
    rc, out = _figure("all", "--out", str(tmp_path / "afile" / "figs"))
    assert rc == 2
    assert "--out" in _one_error_line(out)


# ----------------------------------------------------------------------------------------------------------
# --replot inputs
# ----------------------------------------------------------------------------------------------------------


def _saved(tmp_path: Path, **changes: object) -> Path:
    data = FigureData("epjc2023-fig8b")
    ring = np.array([[0.01, 1e-4], [0.07, 1e-4], [0.07, 1.0], [0.01, 1.0], [0.01, 1e-4]])
    data.add("na64/2.84e11", [ring])
    obj = {**data.to_json(), "meta": {"recipe": {"name": "epjc2023-fig8b"}}, **changes}
    path = tmp_path / "saved.json"
    path.write_text(json.dumps(obj))
    return path


@pytest.mark.usefixtures("no_scan")
@pytest.mark.parametrize(
    "content",
    [
        b'{"figure": "epjc2023-fig8b", "curves": {"na64/2.84e11": [[[0.01, 1e-4], [0.0',
        b"\x89PNG\r\n\x1a\n\x00\xff",
        b"",
    ],
    ids=["truncated", "binary", "empty"],
)
def test_corrupt_replot_file_is_one_line_naming_the_file(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "broken.json"
    bad.write_bytes(content)
    rc, out = _figure("epjc2023-fig8b", "--replot", str(bad), "--out", str(tmp_path / "f.png"))
    assert rc == 2
    line = _one_error_line(out)
    assert "--replot" in line
    assert "broken.json" in line
    assert not (tmp_path / "f.png").exists()


@pytest.mark.usefixtures("no_scan")
def test_replot_with_nan_strings_is_refused(tmp_path: Path) -> None:
    """``"nan"`` strings would parse as NaN and draw an empty figure with exit 0: refused, naming the curve
    (a file written by --data never holds them: non-finite numbers are written as null)."""
    curves = {"na64/2.84e11": [[["nan", "nan"], ["nan", 1e-3]]]}
    rc, out = _figure("epjc2023-fig8b", "--replot", str(_saved(tmp_path, curves=curves)), "--out", str(tmp_path / "f"))
    assert rc == 2
    line = _one_error_line(out)
    assert "--replot" in line
    assert "na64/2.84e11[0]" in line
    assert not list(tmp_path.glob("f.*"))


@pytest.mark.usefixtures("no_scan")
@pytest.mark.parametrize("obj", [[], {"figure": "epjc2023-fig8b"}, {"figure": 3, "curves": {}}])
def test_replot_of_a_json_that_is_not_figure_data_is_refused(tmp_path: Path, obj: object) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps(obj))
    rc, out = _figure("epjc2023-fig8b", "--replot", str(path))
    assert rc == 2
    assert "other.json" in _one_error_line(out)


@pytest.mark.usefixtures("no_scan")
def test_replot_without_meta_is_drawn_with_a_warning(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    obj = json.loads(path.read_text())
    del obj["meta"]
    path.write_text(json.dumps(obj))
    res = CliRunner().invoke(
        main, ["figure", "epjc2023-fig8b", "--replot", str(path), "--out", str(tmp_path / "f.png")]
    )
    assert res.exit_code == 0, res.output
    assert "no provenance (meta)" in res.output
    assert (tmp_path / "f.png").stat().st_size > 0


# ----------------------------------------------------------------------------------------------------------
# atomic writes that follow the umask
# ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def umask_027() -> Iterator[None]:
    old = os.umask(0o027)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.usefixtures("umask_027")
def test_figure_files_follow_the_umask_and_leave_no_temporary_file(tmp_path: Path) -> None:
    data = load_figure_data(_saved(tmp_path))
    written = save_figure(draw_figure(get_recipe("epjc2023-fig8b"), data), tmp_path / "out" / "f")
    data.write_json(tmp_path / "out" / "f.json")
    assert [p.name for p in written] == ["f.png", "f.pdf"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["f.json", "f.pdf", "f.png"]
    for p in (tmp_path / "out").iterdir():
        assert p.stat().st_mode & 0o777 == 0o640, p
    assert (tmp_path / "out" / "f.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "out" / "f.pdf").read_bytes().startswith(b"%PDF")


def test_a_failed_drawing_keeps_the_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The image is rendered, written to a temporary file and renamed: a renderer or a write that dies half way
    leaves the old one."""
    data = load_figure_data(_saved(tmp_path))
    fig = draw_figure(get_recipe("epjc2023-fig8b"), data)
    target = tmp_path / "f.png"
    target.write_bytes(b"old figure")

    def dying(sink: io.BytesIO, **_kw: object) -> None:
        sink.write(b"half")
        raise OSError("disk full")

    def dying_write(tmp: Path, data: bytes, *_a: object) -> None:
        with tmp.open("wb") as fh:
            fh.write(data[:3])
        raise OSError("disk full")

    images = render_images(fig)
    monkeypatch.setattr(fig, "savefig", dying)
    with pytest.raises(OSError, match="disk full"):
        save_figure(fig, target)
    assert target.read_bytes() == b"old figure"
    monkeypatch.setattr(Path, "write_bytes", dying_write)
    with pytest.raises(OSError, match="disk full"):
        save_figure(fig, target, images)
    assert target.read_bytes() == b"old figure"
    assert [p.name for p in tmp_path.iterdir() if p.name != "saved.json"] == ["f.png"]


# ----------------------------------------------------------------------------------------------------------
# "not computed" is never drawn as excluded or allowed
# ----------------------------------------------------------------------------------------------------------


def test_not_computed_columns_make_no_exclusion_edge() -> None:
    """Everything computed is excluded; the last two columns were not computed (stored as N_sig = 0). Unmasked,
    the ring closes inside the not-computed quads and the N_sig = s_up line runs down that edge (the fake
    vertical exclusion edge of the shipped fig7b); masked, the ring stops at the last computed column, where
    the not-computed region begins, and no boundary line is drawn there."""
    x = np.logspace(0, 2, 6)
    y = np.logspace(-10, -6, 5)
    computed = np.ones((5, 6), dtype=bool)
    computed[:, 4:] = False
    ratio = np.where(computed, 10.0, 0.0)
    fake = exclusion_rings(x, y, ratio)
    assert max(r[:, 0].max() for r in fake) > x[3] * (1 + 1e-9)  # the old drawing: an edge in the unknown region
    (edge,) = projection_lines(x, y, ratio)
    assert np.ptp(edge[:, 0]) < 0.01 * x[3]  # ... drawn as a vertical boundary line from bottom to top
    assert (edge[:, 1].min(), edge[:, 1].max()) == (pytest.approx(y[0]), pytest.approx(y[-1]))
    rings = exclusion_rings(x, y, ratio, computed=computed)
    assert max(r[:, 0].max() for r in rings) == pytest.approx(x[3], rel=1e-12)
    assert projection_lines(x, y, ratio, computed=computed) == []  # no N_sig = s_up line at the border
    (region,) = not_computed_rings(x, y, computed)
    assert region[:, 0].min() == pytest.approx(x[3], rel=1e-6)
    assert region[:, 0].max() == pytest.approx(x[-1])
    assert (region[:, 1].min(), region[:, 1].max()) == (pytest.approx(y[0]), pytest.approx(y[-1]))


@dataclasses.dataclass(frozen=True)
class _ProductionRangeToy(ToyEvaluator):
    """The toy evaluator with the real evaluator's production range: beyond it the scan stores N_sig = 0."""

    def covers(self, masses: tuple[float, float, float]) -> bool:
        return masses[0] <= PRODUCTION_M_AP_MAX_GEV


def test_fig7b_beyond_3_gev_is_drawn_not_computed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """EPJC 2023 Fig. 7b (m_chi1 = 150 MeV, R up to 100): columns with m_A' = R m_chi1 > 3 GeV (R > 20) are not
    computed. No exclusion ring or contour reaches past the last computed column, the region is a curve of
    its own, recorded in meta with the reason, drawn with its label, and printed by the CLI."""
    monkeypatch.setattr(build, "run_scan", functools.partial(run_scan, evaluator=_ProductionRangeToy()))
    monkeypatch.setattr(build, "_relic_lines", lambda *_args: [])
    monkeypatch.setattr(build, "_constraint_lines", lambda *_args: [])
    recipe = get_recipe("epjc2023-fig7b")
    data = build.build_figure_data(recipe, resolution=TINY, executor="serial", cache_dir=tmp_path)
    x = np.logspace(np.log10(recipe.x.lim[0]), np.log10(recipe.x.lim[1]), TINY.n_x)
    m_chi1 = float(recipe.fixed["m_chi1"])
    last = x[x * m_chi1 <= PRODUCTION_M_AP_MAX_GEV].max()
    beyond = x[x * m_chi1 > PRODUCTION_M_AP_MAX_GEV]
    assert len(beyond) >= 2
    ring_x = [r[:, 0].max() for c in recipe.na64 for r in data.get(f"na64/{c.key}")]
    assert ring_x, "the toy excludes something: the test would be empty otherwise"
    assert max(ring_x) <= last * (1 + 1e-12)
    for c in recipe.na64:
        for line in data.get(f"na64/{c.key}/contour"):
            assert line[:, 0].max() <= last * (1 + 1e-12)
    meta = data.meta["not_computed"]
    assert meta["reason"] == "m_A' > 3 GeV (production range)"
    assert meta["cells"] == len(beyond) * TINY.n_y
    assert meta["columns_x"] == pytest.approx(beyond.tolist())
    (region,) = data.get(NOT_COMPUTED_KEY)
    assert region[:, 0].min() == pytest.approx(last, rel=1e-6)
    fig = draw_figure(recipe, data)
    legend = fig.axes[0].get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert "not computed: m_A' > 3 GeV (production range)" in labels
    # a replot of the saved data draws the same region with the same label
    again = FigureData.from_json(json.loads(json.dumps(data.to_json())))
    assert np.array_equal(again.get(NOT_COMPUTED_KEY)[0], region)


def test_cli_prints_the_not_computed_cells(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "run_scan", functools.partial(run_scan, evaluator=_ProductionRangeToy()))
    monkeypatch.setattr(build, "RESOLUTIONS", {"fast": TINY})
    monkeypatch.setattr(build, "_relic_lines", lambda *_args: [])
    monkeypatch.setattr(build, "_constraint_lines", lambda *_args: [])
    res = CliRunner().invoke(
        main,
        [
            "figure",
            "epjc2023-fig7b",
            "--out",
            str(tmp_path / "f.png"),
            "--cache-dir",
            str(tmp_path / "c"),
            "--executor",
            "serial",
        ],
    )
    assert res.exit_code == 0, res.output
    printed = json.loads(res.stdout)
    assert printed["not_computed"]["reason"] == "m_A' > 3 GeV (production range)"
    assert "not computed" in res.stderr


def test_figure_computed_everywhere_has_no_not_computed_region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "run_scan", functools.partial(run_scan, evaluator=_ProductionRangeToy()))
    monkeypatch.setattr(build, "_relic_lines", lambda *_args: [])
    monkeypatch.setattr(build, "_constraint_lines", lambda *_args: [])
    monkeypatch.setattr(build, "_g2_lines", lambda *_args: {})
    data = build.build_figure_data("epjc2023-fig3", resolution=TINY, executor="serial", cache_dir=tmp_path)
    assert NOT_COMPUTED_KEY not in data.curves
    assert "not_computed" not in data.meta


def test_unphysical_eps_is_not_computed_either(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """EPJC 2023 Fig. 7a (m_chi1 = 10 MeV: m_A' <= 1 GeV everywhere): at large R and y, eps = sqrt(y/alpha_D) R^2
    leaves (0, 1); the scan stores N_sig = 0 there, which the figure marks not computed, with that reason only."""
    monkeypatch.setattr(build, "run_scan", functools.partial(run_scan, evaluator=_ProductionRangeToy()))
    monkeypatch.setattr(build, "_relic_lines", lambda *_args: [])
    data = build.build_figure_data("epjc2023-fig7a", resolution=TINY, executor="serial", cache_dir=tmp_path)
    assert data.meta["not_computed"]["reason"] == "eps >= 1 (unphysical)"
    assert data.get(NOT_COMPUTED_KEY)


# ----------------------------------------------------------------------------------------------------------
# one scan for curves that differ only in statistics (issue 12, deliverable 3)
# ----------------------------------------------------------------------------------------------------------


def _same_card(name: str) -> FigureRecipe:
    """Recipe ``name`` with every NA64 curve on its first curve's card (curves that differ only in EOT)."""
    recipe = get_recipe(name)
    card = recipe.na64[0].card
    return dataclasses.replace(recipe, na64=tuple(dataclasses.replace(c, card=card) for c in recipe.na64))


def test_statistics_groups() -> None:
    """Curves whose cards describe the same detector (cards that differ only in name and EOT) and share a selection
    and the A' production processes form one group, in recipe order; another detector, selection or production
    (semivis's + annihilation curve beside the papers' brem-only ones) forms its own."""
    assert [[c.key for c in g] for g in build._scan_groups(_same_card("epjc2023-fig3"))] == [
        ["2.84e11", "1e12", "5e12"],
        ["2.84e11+annihilation"],
        ["2.84e11:box+s1"],
    ]
    fig3 = get_recipe("epjc2023-fig3")
    assert [[c.card for c in g] for g in build._scan_groups(fig3)] == [
        ["na64-2016-2018", "na64-2016-2022", "na64-ls3"],
        ["na64-2016-2018"],
        ["na64-2016-2018"],
    ]
    for name in ("epjc2021-fig5b", "epjc2023-fig8b", "epjc2021-fig4"):
        recipe = get_recipe(name)
        groups = build._scan_groups(recipe)
        assert sorted(c.key for g in groups for c in g) == sorted(c.key for c in recipe.na64)
        for g in groups:
            assert len({(load_card(c.card).detector_key(), c.selection, c.processes) for c in g}) == 1
        keys = [(load_card(g[0].card).detector_key(), g[0].selection, g[0].processes) for g in groups]
        assert len(set(keys)) == len(keys)
    fig5b = get_recipe("epjc2021-fig5b")
    assert len(build._scan_groups(fig5b)) == len({load_card(c.card).detector_key() for c in fig5b.na64})
    assert all(c.processes == ("brem",) for c in fig5b.na64)


def test_curves_that_differ_only_in_eot_are_one_scan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One scan at the three EOTs instead of three scans, and each curve identical to its own scan's."""
    specs: list[ScanSpec] = []

    def counting(spec: ScanSpec, **kwargs: object) -> object:
        specs.append(spec)
        return run_scan(spec, evaluator=ToyEvaluator(), **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "run_scan", counting)
    monkeypatch.setattr(build, "_relic_lines", lambda *_args: [])
    monkeypatch.setattr(build, "_constraint_lines", lambda *_args: [])
    monkeypatch.setattr(build, "_g2_lines", lambda *_args: {})
    recipe = _same_card("epjc2023-fig3")
    shared = build.build_figure_data(recipe, resolution=TINY, executor="serial", cache_dir=tmp_path)
    assert [(s.eot, s.processes) for s in specs] == [
        ((2.84e11, 1e12, 5e12), ("brem",)),
        ((2.84e11,), ("brem", "annihilation")),
        ((2.84e11,), ("brem",)),
    ]
    for curve in recipe.na64:
        alone = build.build_figure_data(
            dataclasses.replace(recipe, na64=(curve,)), resolution=TINY, executor="serial", cache_dir=tmp_path
        )
        for key in (f"na64/{curve.key}", f"na64/{curve.key}/contour"):
            assert len(shared.get(key)) == len(alone.get(key))
            assert all(np.array_equal(a, b) for a, b in zip(shared.get(key), alone.get(key), strict=True))


def test_one_scan_at_several_eots_equals_one_scan_per_eot(tmp_path: Path) -> None:
    """N_sig scales with EOT and s_up does not depend on it: the ratio grid of each EOT of a shared scan is
    bit-identical to that of a scan at that EOT alone (same card)."""
    base = ScanSpec.from_ranges("idm", "mAp-eps", nx=4, ny=6, n_events=200, x_range=(0.01, 0.5))
    eots = (2.84e11, 1e12, 5e12)
    shared = run_scan(dataclasses.replace(base, eot=eots), evaluator=ToyEvaluator(), cache_dir=tmp_path)
    for eot in eots:
        alone = run_scan(dataclasses.replace(base, eot=(eot,)), evaluator=ToyEvaluator(), cache_dir=tmp_path)
        for a, b in zip(dataset_ratio(shared, eot), dataset_ratio(alone, eot), strict=True):
            assert np.array_equal(a, b)


# ----------------------------------------------------------------------------------------------------------
# the signal efficiency of the NA64 curves (--efficiency-normalisation)
# ----------------------------------------------------------------------------------------------------------

NORMALISED = "na64-invisible-2016-2022"


def _recording_toy(monkeypatch: pytest.MonkeyPatch) -> list[ScanSpec]:
    """Every scan of the figure is recorded, then run on the toy evaluator in the default mode (the toy has no
    card efficiency; the real scan's k x N_sig is tested in tests/test_scan_run.py)."""
    specs: list[ScanSpec] = []

    def recording(spec: ScanSpec, **kwargs: object) -> object:
        specs.append(spec)
        default = dataclasses.replace(spec, efficiency_normalisation="first-principles")
        return run_scan(default, evaluator=ToyEvaluator(), **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "run_scan", recording)
    monkeypatch.setattr(build, "_relic_lines", lambda *_args: [])
    monkeypatch.setattr(build, "_constraint_lines", lambda *_args: [])
    return specs


@pytest.mark.parametrize("mode", ["first-principles", NORMALISED])
def test_efficiency_normalisation_reaches_every_scan_meta_and_legend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """Every NA64 scan of the figure runs in the chosen mode; meta says which (mode, label, each card's factor);
    the legend carries the label only for the non-default mode (default figures look as before), also when
    redrawn from the saved JSON."""
    specs = _recording_toy(monkeypatch)
    recipe = get_recipe("epjc2023-fig3")
    data = build.build_figure_data(
        recipe, resolution=TINY, executor="serial", cache_dir=tmp_path, efficiency_normalisation=mode
    )
    assert len(specs) == len(build._scan_groups(recipe))
    assert {s.efficiency_normalisation for s in specs} == {mode}
    info = data.meta["efficiency"]
    assert info["normalisation"] == mode
    factor = 1.0 if mode == "first-principles" else load_card("na64-2016-2022", NORMALISED).efficiency_factor
    assert info["factors"] == {c.card: factor for c in recipe.na64}
    expected = {
        "first-principles": "signal efficiency: first principles",
        NORMALISED: "signal efficiency normalised to NA64 invisible 2016-2022 (x0.655)",
    }[mode]
    assert info["label"] == expected
    for drawn in (data, FigureData.from_json(json.loads(json.dumps(data.to_json())))):
        legend = draw_figure(recipe, drawn).axes[0].get_legend()
        assert legend is not None
        assert legend.get_title().get_text() == ("" if mode == "first-principles" else expected)


def test_cli_figure_prints_and_saves_the_efficiency_normalisation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    specs = _recording_toy(monkeypatch)
    monkeypatch.setattr(build, "RESOLUTIONS", {"fast": TINY})
    args = ["figure", "epjc2023-fig8b", "--out", str(tmp_path / "f.png"), "--data", str(tmp_path / "f.json")]
    args += ["--cache-dir", str(tmp_path / "c"), "--executor", "serial", "--efficiency-normalisation", NORMALISED]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    assert {s.efficiency_normalisation for s in specs} == {NORMALISED}
    printed = json.loads(res.stdout)["efficiency"]
    assert printed["normalisation"] == NORMALISED
    assert printed["label"].endswith("(x0.655)")
    saved = json.loads((tmp_path / "f.json").read_text())["meta"]["efficiency"]
    assert saved["normalisation"] == NORMALISED
    assert "PRL 131 (2023) 161801" in saved["cards"]["na64-2016-2018"]
    # a replot draws the mode its file records; asking for another one is refused (it would not rescan)
    again = ["figure", "epjc2023-fig8b", "--replot", str(tmp_path / "f.json"), "--out", str(tmp_path / "g.png")]
    assert CliRunner().invoke(main, again).exit_code == 0
    code, output = _figure(*again[1:], "--efficiency-normalisation", NORMALISED)
    assert code == 0, output


@pytest.mark.usefixtures("no_scan")
def test_unknown_efficiency_normalisation_refused_before_the_scans(tmp_path: Path) -> None:
    code, output = _figure("epjc2023-fig8b", "--out", str(tmp_path / "f.png"), "--efficiency-normalisation", "x")
    assert code == 2
    assert "--efficiency-normalisation" in output
    with pytest.raises(ParameterError, match="--efficiency-normalisation"):
        make_figure("epjc2023-fig8b", out=tmp_path / "f.png", efficiency_normalisation="per-mass")
    with pytest.raises(ParameterError, match="--efficiency-normalisation"):
        make_all(tmp_path / "all", efficiency_normalisation="per-mass")
    assert not (tmp_path / "f.png").exists()


@pytest.mark.usefixtures("no_scan")
def test_replot_in_another_efficiency_normalisation_is_refused(tmp_path: Path) -> None:
    """A saved first-principles figure cannot be redrawn as normalised: the curves were computed in its mode."""
    saved = _saved(
        tmp_path, meta={"recipe": {"name": "epjc2023-fig8b"}, "efficiency": {"normalisation": "first-principles"}}
    )
    code, output = _figure(
        "epjc2023-fig8b",
        "--replot",
        str(saved),
        "--out",
        str(tmp_path / "g.png"),
        "--efficiency-normalisation",
        NORMALISED,
    )
    assert code == 2
    line = _one_error_line(output)
    assert "--efficiency-normalisation" in line
    assert "first-principles" in line


@pytest.mark.usefixtures("no_scan")
@pytest.mark.parametrize("name", ["epjc2023-fig8b", "all"])
def test_out_dash_is_refused(tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--out -`` is not a stem: it used to write files named '-.png' and '-.pdf' (fuzz findings, 19:03)."""
    monkeypatch.chdir(tmp_path)
    extra = ["--replot", str(_saved(tmp_path))] if name != "all" else []
    code, output = _figure(name, *extra, "--out", "-")
    assert code == 2
    assert "--out = '-'" in _one_error_line(output)
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if name == "all" else ["saved.json"])
