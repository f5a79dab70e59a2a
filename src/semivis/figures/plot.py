"""Draw a figure from its recipe and its plotted content (no physics here, no computation).

The papers' conventions (EPJC 2023 Figs. 3-8, EPJC 2021 Figs. 4-5): NA64's current 90 % CL exclusion is a
blue shaded area with a solid boundary, projections are dashed (1e12 EOT) and dash-dotted (5e12 EOT) lines,
BaBar red, LEP grey, the relic target a thick black line, the (g-2)_mu band a filled band; semivis's improvements
over a paper (NA64 curves of role ``improvement``, e.g. + resonant annihilation) a thicker dotted dark-gold line with
its own legend entry. A cited
constraint returned as a closed polygon is filled; one returned as an open line is an upper bound on the
coupling and is filled above it. Logarithmic axes, mplhep's ROOT-like style; figures are drawn on an Agg
canvas (``matplotlib.figure.Figure``, no pyplot, no global backend change, never a display).

A figure whose NA64 curves use a signal efficiency other than the default first-principles one
(``meta["efficiency"]``, :func:`semivis.figures.build.efficiency_meta`) says which, as its legend's title
(:func:`efficiency_legend_title`); a default figure carries no such line, as before the option existed.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import matplotlib as mpl
import mplhep
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.ticker import NullFormatter
from numpy.typing import NDArray

from semivis._io import atomic_write_bytes
from semivis.errors import ParameterError
from semivis.figures.data import NOT_COMPUTED_KEY, FigureData
from semivis.figures.output import IMAGE_FORMATS, figure_targets
from semivis.figures.registry import FigureRecipe, Overlay
from semivis.scan.spec import DEFAULT_EFFICIENCY_NORMALISATION

__all__ = ["STYLE", "draw_figure", "efficiency_legend_title", "render_images", "save_figure"]

#: rcParams: mplhep's ROOT style with a font every installation has (deterministic image tests)
STYLE: dict[str, Any] = {
    **mplhep.style.ROOT,
    "font.family": "DejaVu Sans",
    "font.sans-serif": ["DejaVu Sans"],
    "mathtext.fontset": "dejavusans",
    "font.size": 14,
    "legend.fontsize": 9,
    "axes.labelsize": 16,
    "savefig.dpi": 100,
    "figure.dpi": 100,
}

_FIGSIZE = (8.0, 6.5)
#: ``FigureRecipe.legend_loc`` value that puts the legend under the axes (figures whose overlays fill the plane, so
#: that no corner is free), and the height [in] added for it
LEGEND_BELOW = "below"
_BELOW_EXTRA_IN = 2.4


def _compound_path(rings: Sequence[NDArray[np.float64]]) -> MplPath:
    verts, codes = [], []
    for ring in rings:
        r = np.asarray(ring, dtype=np.float64)
        if len(r) < 3:
            continue
        c = np.full(len(r), MplPath.LINETO, dtype=np.uint8)
        c[0] = MplPath.MOVETO
        c[-1] = MplPath.CLOSEPOLY
        verts.append(r)
        codes.append(c)
    if not verts:
        return MplPath(np.empty((0, 2)))
    return MplPath(np.vstack(verts), np.concatenate(codes))


def _fill_rings(ax: Axes, rings: Sequence[NDArray[np.float64]], *, zorder: float, **kw: Any) -> None:
    if rings:
        ax.add_patch(PathPatch(_compound_path(rings), zorder=zorder, **kw))


def _lines(ax: Axes, lines: Sequence[NDArray[np.float64]], *, zorder: float, **kw: Any) -> None:
    for line in lines:
        ax.plot(line[:, 0], line[:, 1], zorder=zorder, **kw)


def _is_closed(line: NDArray[np.float64]) -> bool:
    return len(line) >= 4 and bool(np.allclose(line[0], line[-1]))


def _draw_overlay(ax: Axes, ov: Overlay, data: FigureData, handles: list[Any], y_top: float) -> None:
    key = ov.key
    if ov.kind == "g2":
        lo, hi = data.get(f"{key}/lower"), data.get(f"{key}/upper")
        if not (lo and hi):
            return
        if ov.style == "band":
            lo0, hi0 = lo[0], hi[0]
            x = np.union1d(lo0[:, 0], hi0[:, 0])
            x = x[(x >= max(lo0[0, 0], hi0[0, 0])) & (x <= min(lo0[-1, 0], hi0[-1, 0]))]
            ylo = np.exp(np.interp(np.log(x), np.log(lo0[:, 0]), np.log(lo0[:, 1])))
            yhi = np.exp(np.interp(np.log(x), np.log(hi0[:, 0]), np.log(hi0[:, 1])))
            ax.fill_between(x, ylo, yhi, color=ov.color, alpha=0.45, lw=0, zorder=4)
            _lines(ax, [lo0, hi0], zorder=4.1, color=ov.color, lw=1.0)
            handles.append(Patch(facecolor=ov.color, alpha=0.45, edgecolor=ov.color, label=ov.label))
        else:
            _lines(ax, lo + hi, zorder=4.1, color=ov.color, lw=1.2, ls=":")
            handles.append(Line2D([], [], color=ov.color, lw=1.2, ls=":", label=ov.label))
        return
    lines = data.get(key)
    if not lines:
        return
    if ov.kind == "relic":
        n_relic = sum(1 for h in handles if getattr(h, "_semivis_relic", False))
        ls = ("-", "--", ":")[n_relic % 3] if ov.params else "-"
        _lines(ax, lines, zorder=7, color=ov.color, lw=2.8, ls=ls)
        h = Line2D([], [], color=ov.color, lw=2.8, ls=ls, label=ov.label)
        h._semivis_relic = True  # type: ignore[attr-defined]
        handles.append(h)
        return
    closed = [ln for ln in lines if _is_closed(ln)]
    open_ = [ln for ln in lines if not _is_closed(ln)]
    alpha = 0.55 if ov.kind == "kinematic" else 0.30
    if open_ and ov.style == "fill":  # an open line of a "fill" constraint is an upper bound: excluded above it
        for line in open_:
            ax.fill_between(line[:, 0], line[:, 1], y_top, color=ov.color, alpha=alpha, lw=0, zorder=2)
        handles.append(Patch(facecolor=ov.color, alpha=alpha, edgecolor=ov.color, label=ov.label))
    if closed and ov.style == "fill":
        _fill_rings(ax, closed, zorder=2, facecolor=ov.color, alpha=alpha, edgecolor="none")
        _fill_rings(ax, closed, zorder=2.1, facecolor="none", edgecolor=ov.color, lw=1.0)
        handles.append(Patch(facecolor=ov.color, alpha=alpha, edgecolor=ov.color, label=ov.label))
    _lines(ax, open_ + ([] if ov.style == "fill" else closed), zorder=2.2, color=ov.color, lw=1.5)
    if ov.style != "fill" and (open_ or closed):
        handles.append(Line2D([], [], color=ov.color, lw=1.5, label=ov.label))


def _draw_not_computed(ax: Axes, data: FigureData, handles: list[Any]) -> None:
    """The region the scans did not compute: grey hatching over the NA64 fill and the overlays, labelled
    with the reason from ``meta["not_computed"]`` (never drawn as excluded or as allowed)."""
    rings = data.get(NOT_COMPUTED_KEY)
    if not rings:
        return
    info = data.meta.get("not_computed")
    reason = info.get("reason") if isinstance(info, dict) else None
    label = f"not computed: {reason}" if isinstance(reason, str) else "not computed"
    style: dict[str, Any] = {"facecolor": "0.93", "edgecolor": "0.45", "hatch": "//", "lw": 0.0}
    _fill_rings(ax, rings, zorder=4.5, **style)  # over the NA64 fill and overlays, under the legend (5)
    handles.append(Patch(label=label, **style))


def efficiency_legend_title(data: FigureData) -> str | None:
    """The legend title of a figure whose NA64 signal efficiency is not the default (its ``meta["efficiency"]``
    label), else None (also for data written before the option existed, which are first-principles).

    >>> meta = {"efficiency": {"normalisation": "na64-invisible-2016-2022", "label": "normalised (x0.655)"}}
    >>> efficiency_legend_title(FigureData("f", meta=meta)), efficiency_legend_title(FigureData("f"))
    ('normalised (x0.655)', None)
    """
    info = data.meta.get("efficiency")
    if not isinstance(info, dict) or info.get("normalisation", DEFAULT_EFFICIENCY_NORMALISATION) == (
        DEFAULT_EFFICIENCY_NORMALISATION
    ):
        return None
    label = info.get("label")
    return str(label) if label else f"signal efficiency: {info.get('normalisation')}"


def draw_figure(recipe: FigureRecipe, data: FigureData) -> Figure:
    """Draw ``data`` (curves named as in :mod:`semivis.figures.data`) following ``recipe``; returns a Figure.

    Curves absent from ``data`` are simply not drawn (``data.meta["missing"]`` says why).
    """
    if data.name != recipe.name:
        raise ParameterError("figure data", data.name, f"data of figure {recipe.name}")
    with mpl.rc_context(cast(Any, STYLE)):
        below = recipe.legend_loc == LEGEND_BELOW
        fig = Figure(figsize=(_FIGSIZE[0], _FIGSIZE[1] + (_BELOW_EXTRA_IN if below else 0.0)))
        FigureCanvasAgg(fig)
        ax = fig.add_subplot(1, 1, 1)
        handles: list[Any] = []
        for curve in recipe.na64:
            rings = data.get(f"na64/{curve.key}")
            contour = data.get(f"na64/{curve.key}/contour")
            if curve.role == "exclusion":
                _fill_rings(ax, rings, zorder=3, facecolor=curve.color, alpha=0.35, edgecolor="none")
                _lines(ax, contour, zorder=5, color=curve.color, lw=2.0, ls=curve.linestyle)
                if rings or contour:
                    handles.insert(
                        0, Patch(facecolor=curve.color, alpha=0.35, edgecolor=curve.color, lw=2.0, label=curve.label)
                    )
            else:  # projections, and semivis's improvements (their own colour and label, never filled)
                lw = 2.5 if curve.role == "improvement" else 2.0
                _lines(ax, contour, zorder=6, color=curve.color, lw=lw, ls=curve.linestyle)
                if contour:
                    handles.append(Line2D([], [], color=curve.color, lw=lw, ls=curve.linestyle, label=curve.label))
        for ov in recipe.overlays:
            _draw_overlay(ax, ov, data, handles, recipe.y.lim[1] * 10.0)
        _draw_not_computed(ax, data, handles)
        ax.set_xscale("log" if recipe.x.log else "linear")
        ax.set_yscale("log" if recipe.y.log else "linear")
        ax.set_xlim(*recipe.x.lim)
        ax.set_ylim(*recipe.y.lim)
        # matplotlib labels minor log ticks on short axes; they collide (e.g. "3x10^-2 4x10^-2"), keep majors only
        for axis, spec in ((ax.xaxis, recipe.x), (ax.yaxis, recipe.y)):
            if spec.log:
                axis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(recipe.x.label)
        ax.set_ylabel(recipe.y.label)
        ax.set_title(recipe.panel_title or recipe.title, fontsize=12, loc="left")
        if handles:
            title = efficiency_legend_title(data)
            ax.legend(
                handles=handles,
                loc=cast(Any, "upper center" if below else recipe.legend_loc),
                bbox_to_anchor=(0.5, -0.1) if below else None,
                frameon=True,
                framealpha=0.85,
                ncols=2,
                **({"title": title, "title_fontsize": 9} if title else {}),
            )
        ax.text(
            0.99,
            1.01,
            f"semivis: {recipe.ref}",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=8,
            color="0.4",
        )
        fig.tight_layout()
    return fig


def render_images(fig: Figure) -> dict[str, bytes]:
    """``fig`` rendered in every format of :data:`semivis.figures.output.IMAGE_FORMATS` (format -> file bytes), with
    fixed metadata (PNG "Software", PDF "Creator" and no creation date): the same figure gives the same bytes, which
    the figure cache keeps (:mod:`semivis.figures.output`)."""
    images = {}
    for fmt in IMAGE_FORMATS:
        meta = {"Software": "semivis"} if fmt == "png" else {"Creator": "semivis", "CreationDate": None}
        buf = io.BytesIO()
        with mpl.rc_context(cast(Any, STYLE)):
            fig.savefig(buf, format=fmt, metadata=meta)
        images[fmt] = buf.getvalue()
    return images


def save_figure(fig: Figure, path: str | Path, images: Mapping[str, bytes] | None = None) -> list[Path]:
    """Save ``fig`` to the :func:`~semivis.figures.output.figure_targets` of ``path``, each atomically (temporary
    file + rename, mode following the umask: :func:`semivis._io.atomic_write_bytes`), from ``images``
    (:func:`render_images` of ``fig``; None: rendered here). Returns the files written."""
    rendered = images if images is not None else render_images(fig)
    written = []
    for target in figure_targets(path):
        atomic_write_bytes(target, rendered[target.suffix.lower().lstrip(".")])
        written.append(target)
    return written
