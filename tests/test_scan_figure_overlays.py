"""Overlays computed alongside the scans (issue 12, item 4; ``semivis.figures.build._start_overlays``).

With ``executor="processes"`` a figure's uncached relic/constraint curves run in the scans' process pool while the
NA64 scans run; the figure must be bit-identical to the serial build (same functions, same seeded inputs), the curve
must be stored in the cache exactly as the serial path stores it, and a warm rebuild must start no process.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from semivis.figures import build as fbuild
from semivis.figures.build import build_figure_data
from semivis.figures.registry import DELTA_MAX, RELIC, Resolution, get_recipe
from semivis.scan import SampleCache

#: a per-cell (m_chi1, Delta/m_chi1) figure (epjc2023-fig4b) with only its cheap overlays: kinematic edge and relic
_RECIPE = dataclasses.replace(get_recipe("epjc2023-fig4b"), overlays=(DELTA_MAX, RELIC))
_RES = Resolution(n_x=2, n_y=4, n_events=50, n_curve=4)


def _same(a: fbuild.FigureData, b: fbuild.FigureData) -> None:
    assert sorted(a.curves) == sorted(b.curves)
    for key in a.curves:
        assert len(a.curves[key]) == len(b.curves[key]), key
        for la, lb in zip(a.curves[key], b.curves[key], strict=True):
            assert np.array_equal(la, lb), key  # bit for bit, not approximately
    assert a.summary == b.summary


@pytest.mark.slow
def test_overlays_alongside_the_scans_equal_the_serial_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serial = build_figure_data(_RECIPE, resolution=_RES, executor="serial", cache_dir=tmp_path / "serial")
    started: list[list[str]] = []
    start = fbuild._start_overlays

    pools: list[object] = []

    def spy(recipe, res, cache, executor, pool=None):  # type: ignore[no-untyped-def]
        pools.append(pool)
        cm = start(recipe, res, cache, executor, pool)
        running = cm.__enter__()
        started.append(sorted(running))
        return _Entered(cm, running)

    monkeypatch.setattr(fbuild, "_start_overlays", spy)
    par = build_figure_data(_RECIPE, resolution=_RES, executor="processes", cache_dir=tmp_path / "par")
    assert started == [["relic"]]  # the relic line ran in a worker process
    assert isinstance(pools[0], fbuild.cf.Executor)  # the scans' own pool: no second pool, no second kernel load
    _same(serial, par)
    relic = par.get("relic")
    direct = fbuild._relic_lines(_RECIPE, RELIC, _RES.n_curve)  # the relic solver called here, in this process
    assert relic
    assert len(direct) == len(relic)
    assert all(np.array_equal(x, y) for x, y in zip(direct, relic, strict=True))
    # stored exactly as the serial path stores it: the serial cache's entry is read back identically
    fields = fbuild._overlay_fields(_RECIPE, RELIC, _RES.n_curve)
    for root in ("serial", "par"):
        got = fbuild._lines_from_cache(SampleCache(tmp_path / root, section="figures"), fields)
        assert got is not None
        assert all(np.array_equal(x, y) for x, y in zip(got, relic, strict=True))
    # warm: everything cached, no overlay process is started
    warm = build_figure_data(_RECIPE, resolution=_RES, executor="processes", cache_dir=tmp_path / "par")
    assert started[-1] == []
    _same(serial, warm)


class _Entered:
    """A context manager already entered (so the spy can record what it started)."""

    def __init__(self, cm: object, value: object) -> None:
        self._cm, self._value = cm, value

    def __enter__(self) -> object:
        return self._value

    def __exit__(self, *exc: object) -> object:
        return self._cm.__exit__(*exc)  # type: ignore[attr-defined]


def test_serial_and_unknown_executors_start_no_overlay_process(tmp_path: Path) -> None:
    cache = SampleCache(tmp_path, section="figures")
    for executor in (None, "serial", "dask"):
        with fbuild._start_overlays(_RECIPE, _RES, cache, executor) as running:
            assert running == {}


@pytest.mark.slow
def test_figures_sharing_one_pool_equal_their_own_builds(tmp_path: Path) -> None:
    """``make_all`` runs every figure's scans and overlays in one process pool (``scan_pool``; its workers load the
    kernels once): two figures built so are bit for bit their serial builds, and the pool survives the first figure
    (``build_figure_data`` does not shut down a pool it was given) and serves the second, its overlays included. A
    separate ``overlay_pool`` still works the same."""
    from semivis.scan.runner import scan_executor  # noqa: PLC0415

    fig3 = dataclasses.replace(get_recipe("epjc2023-fig3"), overlays=(RELIC,))
    recipes = (fig3, _RECIPE)
    serial = [build_figure_data(r, resolution=_RES, executor="serial", cache_dir=tmp_path / "s") for r in recipes]
    with scan_executor("processes", workers=2) as pool:
        shared = [
            build_figure_data(r, resolution=_RES, executor="processes", cache_dir=tmp_path / "p", scan_pool=pool)
            for r in recipes
        ]
        assert pool.submit(int, 7).result() == 7  # still open after both figures
    for a, b in zip(serial, shared, strict=True):
        _same(a, b)
    assert shared[1].get("relic")  # the second figure's relic line came through the shared pool
    with scan_executor("processes", workers=1) as scans, scan_executor("processes", workers=1) as overlays:
        own = build_figure_data(
            fig3,
            resolution=_RES,
            executor="processes",
            cache_dir=tmp_path / "o",
            scan_pool=scans,
            overlay_pool=overlays,
        )
    _same(serial[0], own)
