"""The flow of a figure (``semivis figure``): serve it from the figure cache, else compute it, draw it, write its
files and keep it in the figure cache (:mod:`semivis.figures.output`); and every figure (``semivis figure all``).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
from collections.abc import Callable
from pathlib import Path

from semivis.errors import ParameterError
from semivis.figures.build import build_figure_data, check_efficiency_normalisation, resolve_resolution
from semivis.figures.data import FigureData, load_figure_data
from semivis.figures.output import (
    check_folder,
    check_output,
    figure_key,
    figure_targets,
    replay_figure,
    store_figure,
)
from semivis.figures.plot import draw_figure, render_images, save_figure
from semivis.figures.registry import figure_names, get_recipe
from semivis.scan.executors import check_executor
from semivis.scan.runner import scan_executor
from semivis.scan.spec import DEFAULT_EFFICIENCY_NORMALISATION

__all__ = ["make_all", "make_figure"]


def make_figure(
    name: str,
    *,
    out: str | Path | None = None,
    data_path: str | Path | None = None,
    resolution: str = "fast",
    executor: str | None = None,
    cache_dir: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
    replot: str | Path | None = None,
    efficiency_normalisation: str = DEFAULT_EFFICIENCY_NORMALISATION,
    scan_pool: cf.Executor | None = None,
    overlay_pool: cf.Executor | None = None,
    keep_samples: bool = False,
) -> FigureData:
    """THE flow of one figure: compute it (or, with ``replot``, read its saved ``--data`` JSON), draw it to
    ``out`` (PNG/PDF; a stem writes both; None: no image) and write its curves to ``data_path``. A computed
    figure drawn to ``out`` is kept in the figure cache under ``cache_dir`` (its content and both images,
    :mod:`semivis.figures.output`), and a later call with the same inputs writes the cached files without computing
    or drawing (``meta["figure_cache"]`` then holds the entry's key).
    ``efficiency_normalisation`` is the NA64 scans' signal-efficiency mode (``--efficiency-normalisation``;
    a replot draws the mode its data file records). ``scan_pool``: a process pool the scans and the overlays share
    with other figures' (:func:`make_all`; only with ``executor="processes"``); ``overlay_pool``: another one for the
    overlays (None: the scans'). ``keep_samples``: also cache the scans' event samples
    (:func:`semivis.figures.build.build_figure_data`).

    Every output (``out``'s suffix and folder, ``data_path``'s folder) and the ``replot`` file are checked
    before anything is computed. The files written are listed in ``meta["files"]`` of the returned data.
    """
    recipe = get_recipe(name)
    check_efficiency_normalisation(efficiency_normalisation)
    for target in figure_targets(out) if out is not None else []:
        check_output("--out", target)
    if data_path is not None:
        check_output("--data", data_path)
    if replot is not None:
        data = load_figure_data(replot)
        if data.name != recipe.name:
            raise ParameterError("--replot", data.name, f"a data file of figure {recipe.name}")
        info = data.meta.get("efficiency")
        recorded = info.get("normalisation") if isinstance(info, dict) else DEFAULT_EFFICIENCY_NORMALISATION
        if efficiency_normalisation not in {DEFAULT_EFFICIENCY_NORMALISATION, recorded}:
            raise ParameterError(
                "--efficiency-normalisation",
                efficiency_normalisation,
                f"the mode the --replot file was computed in ({recorded})",
                "a replot draws saved curves, it does not rescan",
            )
    else:
        res = resolve_resolution(resolution)
        check_executor(executor)
        cached = replay_figure(
            recipe.name,
            out=out,
            data_path=data_path,
            resolution=res,
            efficiency_normalisation=efficiency_normalisation,
            cache_dir=cache_dir,
        )
        if cached is not None:
            return cached
        data = build_figure_data(
            recipe,
            resolution=res,
            executor=executor,
            cache_dir=cache_dir,
            progress=progress,
            efficiency_normalisation=efficiency_normalisation,
            scan_pool=scan_pool,
            overlay_pool=overlay_pool,
            keep_samples=keep_samples,
        )
    written: list[Path] = []
    if out is not None:
        fig = draw_figure(recipe, data)
        images = render_images(fig)
        written = save_figure(fig, out, images)
        key = None if replot is not None else figure_key(recipe.name, resolution, efficiency_normalisation)
        if key is not None:
            store_figure(key, data, images, cache_dir)
    data.meta["files"] = [str(p) for p in written]
    if data_path is not None:
        data.write_json(data_path)
        data.meta["files"].append(str(data_path))
    return data


def make_all(
    outdir: str | Path,
    *,
    resolution: str = "fast",
    executor: str | None = None,
    cache_dir: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
    efficiency_normalisation: str = DEFAULT_EFFICIENCY_NORMALISATION,
    keep_samples: bool = False,
) -> dict[str, FigureData]:
    """Every figure through :func:`make_figure`: ``<outdir>/<name>.png``, ``.pdf`` and ``.json``, all in
    signal-efficiency mode ``efficiency_normalisation`` (``keep_samples`` as in :func:`make_figure`); ``outdir`` is
    checked (created, writable) before the first scan."""
    if str(outdir) == "-":
        raise ParameterError("--out", "-", "a directory for 'all'", "images cannot go to stdout")
    outdir = Path(outdir)
    if outdir.suffix.lower() in {".png", ".pdf"}:
        raise ParameterError("--out", str(outdir), "a directory for 'all'")
    if outdir.exists() and not outdir.is_dir():
        raise ParameterError("--out", str(outdir), "a directory for 'all' (this is a file)")
    resolve_resolution(resolution)
    check_executor(executor)
    check_efficiency_normalisation(efficiency_normalisation)
    check_folder("--out", outdir, str(outdir))

    # with processes, one pool serves every figure's scans and overlays: its workers start and load the kernels once
    # (build_figure_data, "Overlays alongside the scans")
    pool = scan_executor("processes") if executor == "processes" else contextlib.nullcontext(None)
    with pool as scans:
        return {
            name: make_figure(
                name,
                out=outdir / name,
                data_path=outdir / f"{name}.json",
                resolution=resolution,
                executor=executor,
                cache_dir=cache_dir,
                progress=progress,
                efficiency_normalisation=efficiency_normalisation,
                scan_pool=scans,
                keep_samples=keep_samples,
            )
            for name in figure_names()
        }
