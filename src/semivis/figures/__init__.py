"""Figures of the NA64 semi-visible papers: declarative recipes, their computation and drawing.

>>> from semivis.figures import FIGURES, get_recipe
>>> "epjc2023-fig3" in FIGURES and get_recipe("epjc2021-fig4").na64[0].selection == "combined"
True

Typical use (the same as ``semivis figure epjc2023-fig3``)::

    from semivis.figures import make_figure
    data = make_figure("epjc2023-fig3", out="fig3.png", data_path="fig3.json")
    print(data.summary["g2_band_excluded_up_to_GeV"])
"""

from __future__ import annotations

from pathlib import Path

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
) -> FigureData:
    """Compute figure ``name``, draw it to ``out`` (PNG/PDF; a stem writes both) and its curves to ``data_path``."""
    recipe = get_recipe(name)
    data = build_figure_data(recipe, resolution=resolution, executor=executor, cache_dir=cache_dir)
    if out is not None:
        save_figure(draw_figure(recipe, data), out)
    if data_path is not None:
        data.write_json(data_path)
    return data
