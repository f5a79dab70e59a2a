"""Figures of the NA64 semi-visible papers: declarative recipes, their computation and drawing.

>>> from semivis.figures import FIGURES, get_recipe
>>> "epjc2023-fig3" in FIGURES and get_recipe("epjc2021-fig4").na64[0].selection == "s1+s2"
True

Typical use (the same as ``semivis figure epjc2023-fig3``; ``make_all`` is ``semivis figure all``)::

    from semivis.figures import make_figure
    data = make_figure("epjc2023-fig3", out="fig3.png", data_path="fig3.json")
    print(data.summary["g2_band_excluded_up_to_GeV"])
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from semivis.errors import ParameterError
from semivis.figures.build import build_figure_data, compute_summary, resolve_resolution
from semivis.figures.data import FigureData, load_figure_data
from semivis.figures.plot import draw_figure, save_figure
from semivis.figures.registry import (
    FIGURES,
    RESOLUTIONS,
    Axis,
    FigureRecipe,
    NA64Curve,
    Overlay,
    Resolution,
    figure_names,
    get_recipe,
    list_figures,
)

__all__ = [
    "FIGURES",
    "RESOLUTIONS",
    "Axis",
    "FigureData",
    "FigureRecipe",
    "NA64Curve",
    "Overlay",
    "Resolution",
    "build_figure_data",
    "compute_summary",
    "draw_figure",
    "figure_names",
    "get_recipe",
    "list_figures",
    "load_figure_data",
    "make_all",
    "make_figure",
    "resolve_resolution",
    "save_figure",
]


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
) -> FigureData:
    """THE flow of one figure: compute it (or, with ``replot``, read its saved ``--data`` JSON), draw it to
    ``out`` (PNG/PDF; a stem writes both; None: no image) and write its curves to ``data_path``.

    The files written are listed in ``meta["files"]`` of the returned data.
    """
    recipe = get_recipe(name)
    if replot is not None:
        data = load_figure_data(replot)
        if data.name != recipe.name:
            raise ParameterError("--replot", data.name, f"a data file of figure {recipe.name}")
    else:
        data = build_figure_data(
            recipe, resolution=resolution, executor=executor, cache_dir=cache_dir, progress=progress
        )
    written = save_figure(draw_figure(recipe, data), out) if out is not None else []
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
) -> dict[str, FigureData]:
    """Every figure through :func:`make_figure`: ``<outdir>/<name>.png``, ``.pdf`` and ``.json``."""
    outdir = Path(outdir)
    if outdir.suffix.lower() in {".png", ".pdf"}:
        raise ParameterError("--out", str(outdir), "a directory for 'all'")
    return {
        name: make_figure(
            name,
            out=outdir / name,
            data_path=outdir / f"{name}.json",
            resolution=resolution,
            executor=executor,
            cache_dir=cache_dir,
            progress=progress,
        )
        for name in figure_names()
    }
