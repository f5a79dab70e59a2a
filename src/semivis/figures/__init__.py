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

import concurrent.futures as cf
import contextlib
import tempfile
from collections.abc import Callable
from pathlib import Path

from semivis.errors import ParameterError
from semivis.figures.build import build_figure_data, check_efficiency_normalisation, compute_summary, resolve_resolution
from semivis.figures.data import FigureData, load_figure_data
from semivis.figures.plot import draw_figure, figure_targets, save_figure
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
from semivis.scan import EXECUTORS
from semivis.scan.runner import scan_executor
from semivis.scan.spec import DEFAULT_EFFICIENCY_NORMALISATION

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


def check_output(option: str, path: str | Path) -> Path:
    """Check, before any computation, that ``path`` can be written: its folder exists or is created now and
    takes a new file, and ``path`` is not a folder. Raises one :class:`~semivis.errors.ParameterError` naming
    ``option`` (``--out``, ``--data``) otherwise.

    >>> import tempfile, pathlib
    >>> check_output("--data", pathlib.Path(tempfile.mkdtemp()) / "new" / "f.json").parent.is_dir()
    True
    """
    target = Path(path)
    if target.is_dir():
        raise ParameterError(option, str(path), "a file path (this is a folder)")
    _check_folder(option, target.parent, str(path))
    return target


def _check_folder(option: str, folder: Path, shown: str) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):  # writability as the file system sees it (read-only mounts, ACLs)
            pass
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise ParameterError(option, shown, "a path in a folder semivis can create and write to", why) from None


def _check_executor(executor: str | None) -> None:
    if executor is not None and executor not in EXECUTORS:
        raise ParameterError("--executor", executor, " | ".join(EXECUTORS))


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
    ``out`` (PNG/PDF; a stem writes both; None: no image) and write its curves to ``data_path``.
    ``efficiency_normalisation`` is the NA64 scans' signal-efficiency mode (``--efficiency-normalisation``;
    a replot draws the mode its data file records). ``scan_pool``, ``overlay_pool``: process pools the scans and the
    overlays share with other figures' (:func:`make_all`; only with ``executor="processes"``). ``keep_samples``: also
    cache the scans' event samples (:func:`semivis.figures.build.build_figure_data`).

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
        _check_executor(executor)
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
    _check_executor(executor)
    check_efficiency_normalisation(efficiency_normalisation)
    _check_folder("--out", outdir, str(outdir))

    # with processes, one pool serves every figure's scans and one their overlays: workers start and load the kernels
    # once
    def pool() -> contextlib.AbstractContextManager[cf.Executor | None]:
        return scan_executor("processes") if executor == "processes" else contextlib.nullcontext(None)

    with pool() as scans, pool() as overlays:
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
                overlay_pool=overlays,
                keep_samples=keep_samples,
            )
            for name in figure_names()
        }
