"""``semivis figure``: compute and draw a figure of the NA64 semi-visible papers (a face: no physics here).

Examples::

    semivis figure --list
    semivis figure epjc2023-fig3                       # writes epjc2023-fig3.png and .pdf, prints the summary
    semivis figure epjc2023-fig3 --out fig3.pdf --data fig3.json --resolution publication
    semivis figure all --out figures/                  # every figure (PNG, PDF, JSON) into a directory
    semivis figure epjc2023-fig3 --replot fig3.json --out fig3.png   # redraw saved curves, no computation
    semivis figure epjc2023-fig3 --efficiency-normalisation na64-invisible-2016-2022   # efficiency x k (legend says so)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from semivis.cli._common import echo_json
from semivis.detector.cards import EFFICIENCY_NORMALISATIONS
from semivis.errors import ParameterError

if TYPE_CHECKING:
    from semivis.figures import FigureData

__all__ = ["command"]


def _progress(msg: str) -> None:
    click.echo(msg, err=True)


@click.command(name="figure")
@click.argument("name", required=False)
@click.option("--list", "list_", is_flag=True, help="List the figure names and titles, then exit.")
@click.option(
    "--out",
    type=click.Path(dir_okay=True, path_type=Path),
    default=None,
    help="Output .png or .pdf (a path without suffix writes both). For 'all': a directory. Default: NAME.png/.pdf.",
)
@click.option(
    "--data",
    "data_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every plotted curve (name -> list of [x, y] polylines) and the summary to this JSON file.",
)
@click.option(
    "--resolution",
    type=click.Choice(["fast", "publication"]),
    default="fast",
    show_default=True,
    help="Scan grid: fast (10 x 80, 1000 events per mass) or publication (50 x 200, 20000 events).",
)
@click.option(
    "--executor",
    default="processes",
    show_default=True,
    help="Scan executor (serial | processes | dask), as in 'semivis limit'.",
)
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Sample cache directory shared by all scans (default: semivis's user cache).",
)
@click.option(
    "--keep-samples",
    is_flag=True,
    help="Also cache the scans' event samples (~30 MB per mass point at publication resolution; by default only "
    "the lifetime kernels a re-run reads are cached: a scan with another selection then regenerates its samples).",
)
@click.option(
    "--efficiency-normalisation",
    "efficiency_normalisation",
    type=click.Choice(EFFICIENCY_NORMALISATIONS),
    default="first-principles",
    show_default=True,
    help="Signal efficiency of every NA64 scan: the cards' first-principles tables, or those x the cards' one global "
    "factor fitted to NA64's 2016-2022 invisible limit (the legend and the summary say which).",
)
@click.option(
    "--replot",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Redraw from a JSON written by --data instead of computing (styling changes without rescanning).",
)
def command(  # noqa: PLR0917 - click passes every option positionally
    name: str | None,
    list_: bool,
    out: Path | None,
    data_path: Path | None,
    resolution: str,
    executor: str | None,
    cache_dir: Path | None,
    replot: Path | None,
    efficiency_normalisation: str,
    keep_samples: bool,
) -> None:
    """Compute and draw figure NAME of the NA64 semi-visible papers (see --list), or 'all' of them.

    NA64 curves are computed as each paper did (A' from dark bremsstrahlung only); semivis's resonant-annihilation
    gain is a separate, labelled curve. Prints the figure's summary numbers (JSON) on stdout and progress on stderr.
    """
    from semivis import figures  # noqa: PLC0415 - keep 'semivis --help' fast
    from semivis.figures.output import replay_figure  # noqa: PLC0415 - light: no scans, kernels or matplotlib
    from semivis.scan.executors import check_executor, start_process_server  # noqa: PLC0415

    check_executor(executor)

    if list_:
        width = max(len(n) for n in figures.FIGURES)
        for fig_name, title in figures.list_figures():
            click.echo(f"{fig_name:<{width}}  {title}")
        return
    if name is None or (name != "all" and name not in figures.FIGURES):
        raise ParameterError("NAME", name, "one of " + ", ".join(figures.FIGURES) + " or 'all' (see --list)")
    if name == "all":
        if replot is not None:
            raise ParameterError("--replot", str(replot), "a single figure name, not 'all'")
        if executor == "processes":
            start_process_server()  # its import of the scan code overlaps this process's import of the figure code
        done = figures.make_all(
            out or Path("figures"),
            resolution=resolution,
            executor=executor,
            cache_dir=cache_dir,
            progress=_progress,
            efficiency_normalisation=efficiency_normalisation,
            keep_samples=keep_samples,
        )
    else:
        recipe = figures.get_recipe(name)
        where: dict[str, Any] = {
            "out": out or Path(recipe.name),
            "data_path": data_path,
            "resolution": resolution,
            "efficiency_normalisation": efficiency_normalisation,
            "cache_dir": cache_dir,
        }
        # a warm re-run: the figure cache's files, before anything heavy is imported (make_figure would find them
        # too, after importing the scans, numba and matplotlib: seconds of a warm run)
        cached = replay_figure(recipe.name, **where) if replot is None else None
        if cached is None and replot is None and executor == "processes":
            start_process_server()  # a figure to compute: the workers' server imports while this process does
        done = {
            recipe.name: cached
            or figures.make_figure(
                recipe.name, executor=executor, progress=_progress, replot=replot, keep_samples=keep_samples, **where
            )
        }
    for fig_name, data in done.items():
        if replot is not None and "recipe" not in data.meta:
            click.echo(f"semivis: warning: --replot {replot} has no provenance (meta); drawn as given", err=True)
        for key, why in data.meta.get("missing", {}).items():
            click.echo(f"semivis: warning: {fig_name}: {key} not drawn: {why}", err=True)
        skipped = data.meta.get("not_computed")
        if isinstance(skipped, dict):
            click.echo(
                f"semivis: warning: {fig_name}: {skipped.get('cells')} of {skipped.get('of_cells')} scan cells not "
                f"computed ({skipped.get('reason')}); drawn hatched as 'not computed'",
                err=True,
            )
        for path in data.meta.get("files", []):
            click.echo(f"wrote {path}", err=True)
    if name == "all":
        echo_json({k: _printed(d) for k, d in done.items()})
    else:
        (fig_name, data), *_ = done.items()
        echo_json({"figure": fig_name, **_printed(data)})


def _printed(data: FigureData) -> dict[str, Any]:
    """What stdout shows of one figure: its summary, the signal efficiency of its NA64 curves (when known: a
    replotted file from before the option has none), the overlays not drawn and the cells not computed (if any)."""
    skipped = data.meta.get("not_computed")
    efficiency = data.meta.get("efficiency")
    shown = ("normalisation", "label", "factors")  # the cards' long words stay in the --data meta
    return {
        "summary": data.summary,
        **(
            {"efficiency": {k: efficiency[k] for k in shown if k in efficiency}} if isinstance(efficiency, dict) else {}
        ),
        "missing": data.meta.get("missing", {}),
        **({"not_computed": skipped} if skipped else {}),
    }
