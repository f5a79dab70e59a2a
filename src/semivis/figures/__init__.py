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

from typing import TYPE_CHECKING

from semivis._lazy import attach

if TYPE_CHECKING:
    from semivis.figures.build import build_figure_data, compute_summary, resolve_resolution
    from semivis.figures.data import FigureData, load_figure_data
    from semivis.figures.make import make_all, make_figure
    from semivis.figures.output import check_output, figure_targets
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
    "check_output",
    "compute_summary",
    "draw_figure",
    "figure_names",
    "figure_targets",
    "get_recipe",
    "list_figures",
    "load_figure_data",
    "make_all",
    "make_figure",
    "resolve_resolution",
    "save_figure",
]

# names imported on first use (semivis._lazy, SPEC 1): the registry, the data format and the figure cache
# (semivis.figures.output) load without the scans, the numba kernels and matplotlib
attach(
    __name__,
    {
        "build_figure_data": "semivis.figures.build",
        "compute_summary": "semivis.figures.build",
        "resolve_resolution": "semivis.figures.build",
        "FigureData": "semivis.figures.data",
        "load_figure_data": "semivis.figures.data",
        "make_all": "semivis.figures.make",
        "make_figure": "semivis.figures.make",
        "check_output": "semivis.figures.output",
        "figure_targets": "semivis.figures.output",
        "draw_figure": "semivis.figures.plot",
        "save_figure": "semivis.figures.plot",
        "FIGURES": "semivis.figures.registry",
        "RESOLUTIONS": "semivis.figures.registry",
        "Axis": "semivis.figures.registry",
        "FigureRecipe": "semivis.figures.registry",
        "NA64Curve": "semivis.figures.registry",
        "Overlay": "semivis.figures.registry",
        "Resolution": "semivis.figures.registry",
        "figure_names": "semivis.figures.registry",
        "get_recipe": "semivis.figures.registry",
        "list_figures": "semivis.figures.registry",
    },
)
