"""The figure cache (semivis.figures.output): a warm ``semivis figure`` writes the cached content and images without
computing, drawing or importing the heavy rooms, and only when every input that fixes them is the same."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from semivis.cli import main
from semivis.figures import FigureData, draw_figure, get_recipe, make, output
from semivis.figures.output import IMAGE_FORMATS, figure_key, replay_figure, store_figure
from semivis.figures.plot import render_images
from semivis.scan.cache import SampleCache

FIG = "epjc2023-fig8b"


def _data() -> FigureData:
    ring = np.array([[0.01, 1e-5], [1.0, 1e-5], [1.0, 1e-3], [0.01, 1e-5]])
    return FigureData(FIG, {"na64/2.84e11": [ring], "relic": [ring[:2]]}, {"x": 1.5}, {"recipe": {"name": FIG}})


@pytest.fixture
def counted_build(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """make_figure's computation replaced by a stub that records each call (a cache hit must not call it)."""
    calls: list[str] = []

    def build(recipe: object, **_kw: object) -> FigureData:
        calls.append(getattr(recipe, "name", str(recipe)))
        return _data()

    monkeypatch.setattr(make, "build_figure_data", build)
    return calls


def test_key_holds_every_input_that_fixes_the_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    base = figure_key(FIG, "fast", "first-principles")
    assert base is not None
    assert base == figure_key(FIG, "fast", "first-principles")
    others = {
        figure_key("epjc2023-fig3", "fast", "first-principles"),
        figure_key(FIG, "publication", "first-principles"),
        figure_key(FIG, "fast", "na64-invisible-2016-2022"),
    }
    monkeypatch.setenv("SEMIVIS_LIFETIME", "exact")  # a switch that changes the numbers: another key
    others.add(figure_key(FIG, "fast", "first-principles"))
    assert base not in others
    assert len(others) == 4
    monkeypatch.delenv("SEMIVIS_LIFETIME")
    monkeypatch.setenv("SEMIVIS_CACHE_DIR", "/elsewhere")  # where caches are changes no number: the same key
    assert figure_key(FIG, "fast", "first-principles") == base
    assert figure_key("no-such-figure", "fast", "first-principles") is None
    assert figure_key(FIG, "no-such-resolution", "first-principles") is None


def test_code_change_is_a_miss(monkeypatch: pytest.MonkeyPatch) -> None:
    base = figure_key(FIG, "fast", "first-principles")
    monkeypatch.setattr(output, "source_digest", lambda: "0" * 64)
    assert figure_key(FIG, "fast", "first-principles") != base


def test_rendering_is_deterministic() -> None:
    """The cache may keep the image bytes only because a redraw of the same content gives the same bytes."""
    recipe = get_recipe(FIG)
    first = render_images(draw_figure(recipe, _data()))
    again = render_images(draw_figure(recipe, _data()))
    assert set(first) == set(IMAGE_FORMATS)
    assert first == again
    assert first["png"].startswith(b"\x89PNG")
    assert first["pdf"].startswith(b"%PDF")


def test_store_then_replay_writes_the_cached_files(tmp_path: Path) -> None:
    key = figure_key(FIG, "fast", "first-principles")
    assert key is not None
    images = {"png": b"\x89PNG fake", "pdf": b"%PDF fake"}
    data = _data()
    data.meta["files"] = ["from/the/first/run.png"]  # a run's own files are not part of the entry
    store_figure(key, data, images, tmp_path)
    got = replay_figure(
        FIG,
        out=tmp_path / "o" / "f",
        data_path=tmp_path / "o" / "f.json",
        resolution="fast",
        efficiency_normalisation="first-principles",
        cache_dir=tmp_path,
    )
    assert got is not None
    assert (tmp_path / "o" / "f.png").read_bytes() == images["png"]
    assert (tmp_path / "o" / "f.pdf").read_bytes() == images["pdf"]
    assert got.meta["figure_cache"] == key
    assert got.meta["files"] == [str(tmp_path / "o" / n) for n in ("f.png", "f.pdf", "f.json")]
    written = json.loads((tmp_path / "o" / "f.json").read_text())
    assert written["summary"] == {"x": 1.5}
    assert written["curves"] == _data().to_json()["curves"]
    # another resolution is another figure: nothing is written
    assert (
        replay_figure(
            FIG,
            out=tmp_path / "p.png",
            data_path=None,
            resolution="publication",
            efficiency_normalisation="first-principles",
            cache_dir=tmp_path,
        )
        is None
    )
    assert not (tmp_path / "p.png").exists()


def test_corrupt_entry_is_a_miss(tmp_path: Path) -> None:
    key = figure_key(FIG, "fast", "first-principles")
    assert key is not None
    store_figure(key, _data(), {"png": b"a", "pdf": b"b"}, tmp_path)
    (npz,) = (tmp_path / "figures").rglob(f"{key}.npz")
    npz.write_bytes(npz.read_bytes()[:-7])
    args = {"out": tmp_path / "f.png", "data_path": None, "resolution": "fast"}
    assert replay_figure(FIG, efficiency_normalisation="first-principles", cache_dir=tmp_path, **args) is None
    assert not (tmp_path / "f.png").exists()
    # an archive of another layout under the key (no content array) is a miss too, not an error
    SampleCache(tmp_path, section="figures").store(key, {"other": np.zeros(2)}, {})
    assert replay_figure(FIG, efficiency_normalisation="first-principles", cache_dir=tmp_path, **args) is None


def test_make_figure_computes_once_and_then_serves_the_same_files(tmp_path: Path, counted_build: list[str]) -> None:
    first = make.make_figure(FIG, out=tmp_path / "a", data_path=tmp_path / "a.json", cache_dir=tmp_path / "c")
    second = make.make_figure(FIG, out=tmp_path / "b", data_path=tmp_path / "b.json", cache_dir=tmp_path / "c")
    assert counted_build == [FIG]
    assert "figure_cache" not in first.meta
    assert second.meta["figure_cache"]
    for fmt in IMAGE_FORMATS:
        assert (tmp_path / f"a.{fmt}").read_bytes() == (tmp_path / f"b.{fmt}").read_bytes()
    a, b = (json.loads((tmp_path / f"{n}.json").read_text()) for n in "ab")
    assert a["curves"] == b["curves"]
    assert a["summary"] == b["summary"]
    # another efficiency mode is another figure
    make.make_figure(
        FIG, out=tmp_path / "c", cache_dir=tmp_path / "c", efficiency_normalisation="na64-invisible-2016-2022"
    )
    assert counted_build == [FIG, FIG]


def test_replot_and_data_only_runs_leave_the_cache_alone(tmp_path: Path, counted_build: list[str]) -> None:
    _data().write_json(tmp_path / "saved.json")
    make.make_figure(FIG, out=tmp_path / "r.png", replot=tmp_path / "saved.json", cache_dir=tmp_path / "c")
    make.make_figure(FIG, out=None, data_path=tmp_path / "d.json", cache_dir=tmp_path / "c")
    assert counted_build == [FIG]
    assert not list((tmp_path / "c").rglob("*.npz"))


def test_cli_serves_a_warm_figure(tmp_path: Path, counted_build: list[str]) -> None:
    args = ["figure", FIG, "--cache-dir", str(tmp_path / "c"), "--executor", "serial"]
    cold = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "a.png")])
    warm = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "b.png")])
    assert cold.exit_code == 0, cold.output
    assert warm.exit_code == 0, warm.output
    assert counted_build == [FIG]
    assert json.loads(cold.stdout)["summary"] == json.loads(warm.stdout)["summary"] == {"x": 1.5}
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    # a bad executor is refused on a warm run too
    bad = CliRunner().invoke(main, [*args[:-1], "threads", "--out", str(tmp_path / "c.png")])
    assert bad.exit_code != 0
    assert "--executor" in bad.output


def test_warm_path_imports_no_heavy_room() -> None:
    """What a warm ``semivis figure`` imports before it serves the cached files: no scans, numba kernels,
    matplotlib, scipy or xarray (they are seconds of a warm run)."""
    code = (
        "import sys, semivis.cli.figure, semivis.figures.output, semivis.scan.executors;"
        "heavy = ('matplotlib', 'mplhep', 'numba', 'scipy', 'xarray', 'semivis.scan.runner', 'semivis.signal',"
        " 'semivis.production.cascade', 'semivis.detector.kernels', 'semivis.figures.build');"
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
