"""`semivis limit`: 90 % CL exclusion scan in one parameter plane, written as netCDF (+ JSON summary)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from semivis._io import atomic_write_text, to_jsonable
from semivis.errors import ParameterError
from semivis.planes import MODELS, PLANES
from semivis.signal.selections import SELECTIONS

if TYPE_CHECKING:
    import xarray as xr

    from semivis.scan import ScanSpec

__all__ = ["command", "limit_summary"]


def _number_or_rule(text: str | None) -> float | str | None:
    """A number if ``text`` parses as one, else the text itself (a rule name, checked by ScanSpec).

    >>> _number_or_rule("1e-3"), _number_or_rule("g2:fnal2021:central")
    (0.001, 'g2:fnal2021:central')
    """
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def limit_summary(ds: xr.Dataset, spec: ScanSpec, out: Path | str) -> dict[str, Any]:
    """The ``--json`` summary of a scan result: contours (:func:`semivis.scan.contours`, i.e. the figures'
    :func:`~semivis.scan.contours.projection_lines` of N_sig/s_up), s_up, excluded cells, fixed parameters."""
    from semivis.scan import contours  # noqa: PLC0415 - keep 'semivis --help' fast (xarray, numba)

    plane = PLANES[spec.plane]
    lines = {e: [seg.tolist() for seg in segs] for e, segs in contours(ds).items()}
    return {
        "out": str(out),
        "model": spec.model,
        "plane": spec.plane,
        "x": plane.x,
        "y": plane.y,
        "selection": spec.selection,
        "fixed": dict(spec.fixed),
        **({"fixed_along_x": spec.fixed_values()} if spec.fixed_values() else {}),
        "eot": [float(e) for e in ds["eot"].values],
        "contours": next(iter(lines.values())) if len(lines) == 1 else {f"{e:.6g}": v for e, v in lines.items()},
        "s_up": json.loads(ds.attrs["provenance"])["s_up"],
        "excluded_cells": {f"{float(e):.6g}": int(ds["excluded"].sel(eot=e).sum()) for e in ds["eot"].values},
    }


@click.command(name="limit")
@click.option("--model", required=True, type=click.Choice(MODELS, case_sensitive=False))
@click.option("--experiment", default="na64-2016-2018", show_default=True, help="experiment card name or path")
@click.option(
    "--selection",
    default="missing-energy",
    show_default=True,
    type=click.Choice(list(SELECTIONS)),
)
@click.option("--plane", required=True, type=click.Choice(list(PLANES)))
@click.option("--alphaD", "alpha_D", type=float, default=None, help="dark coupling (fixed axis) [default 0.1]")
@click.option("--ratio", type=float, default=None, help="R = m_A'/m_chi1 (fixed axis) [default 3]")
@click.option("--delta", type=float, default=None, help="Delta/m_chi1 (fixed axis) [default 0.4]")
@click.option("--theta", type=float, default=None, help="i2DM mixing angle [rad] (fixed axis)")
@click.option(
    "--eps",
    type=str,
    default=None,
    help="kinetic mixing (fixed axis): a number, or a mass-dependent rule g2:BAND:EDGE, e.g. g2:fnal2021:central "
    "(eps explaining the (g-2)_mu band at each m_A'; EDGE central | low | high, 2 sigma; max for wp2025)",
)
@click.option("--mchi1", "m_chi1", type=float, default=None, help="m_chi1 [GeV] (fixed axis of the R-y plane)")
@click.option("--eot", type=float, multiple=True, help="electrons on target; repeat for projections [card's]")
@click.option("--executor", default="processes", show_default=True, type=click.Choice(["serial", "processes", "dask"]))
@click.option("--scheduler", default=None, help="dask scheduler address (with --executor dask)")
@click.option("--workers", type=int, default=None, help="worker processes [all cores]")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="sample cache [$SEMIVIS_CACHE_DIR or the platform cache dir]",
)
@click.option("--n-events", type=int, default=20000, show_default=True, help="MC events per mass point")
@click.option("--seed", type=int, default=20231, show_default=True)
@click.option("--x-min", type=float, default=None, help="first column value [plane default]")
@click.option("--x-max", type=float, default=None, help="last column value [plane default]")
@click.option("--nx", type=int, default=50, show_default=True, help="columns (log-spaced)")
@click.option("--y-min", type=float, default=None, help="first y value [plane default]")
@click.option("--y-max", type=float, default=None, help="last y value [plane default]")
@click.option("--ny", type=int, default=200, show_default=True, help="y values (log-spaced)")
@click.option("--n-obs", type=int, multiple=True, help="observed events per bin [0]")
@click.option("--cl", type=float, default=0.9, show_default=True, help="confidence level")
@click.option(
    "--prior",
    type=click.Choice(["gauss", "lognormal"]),
    default="gauss",
    show_default=True,
    help="background-uncertainty prior (Gaussian truncated at 0, or log-normal)",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="result netCDF")
@click.option(
    "--json",
    "json_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="JSON summary (contours, s_up); '-' for stdout",
)
@click.option("--progress/--no-progress", default=None, help="progress bar [on when stderr is a terminal]")
def command(**opts: Any) -> None:
    """Exclusion scan of MODEL in PLANE: N_sig grid, exact-CLs s_up, contours, provenance -> --out."""
    from semivis.scan import ScanSpec, run_scan  # noqa: PLC0415 - keep 'semivis --help' fast (xarray, numba)

    plane = PLANES[opts["plane"]]
    x_range = (
        opts["x_min"] if opts["x_min"] is not None else plane.x_range[0],
        opts["x_max"] if opts["x_max"] is not None else plane.x_range[1],
    )
    y_range = (
        opts["y_min"] if opts["y_min"] is not None else plane.y_range[0],
        opts["y_max"] if opts["y_max"] is not None else plane.y_range[1],
    )
    fixed = {k: opts[k] for k in ("alpha_D", "ratio", "delta", "theta", "m_chi1")}
    fixed["eps"] = _number_or_rule(opts["eps"])
    if opts["workers"] is not None and opts["workers"] < 1:
        raise ParameterError("--workers", opts["workers"], "an integer >= 1")
    if opts["scheduler"] and opts["executor"] != "dask":
        raise ParameterError("--scheduler", opts["scheduler"], "only with --executor dask")
    spec = ScanSpec.from_ranges(
        opts["model"].lower(),
        opts["plane"],
        x_range=x_range,
        y_range=y_range,
        nx=opts["nx"],
        ny=opts["ny"],
        experiment=opts["experiment"],
        selection=opts["selection"],
        fixed=fixed,
        eot=tuple(opts["eot"]) or None,
        n_events=opts["n_events"],
        seed=opts["seed"],
        n_obs=tuple(opts["n_obs"]) or None,
        cl=opts["cl"],
        prior=opts["prior"],
    )
    ds = run_scan(
        spec,
        executor=opts["executor"],
        out=opts["out"],
        workers=opts["workers"],
        scheduler=opts["scheduler"],
        cache_dir=opts["cache_dir"],
        progress=opts["progress"],
    )
    summary = limit_summary(ds, spec, opts["out"])
    text = json.dumps(to_jsonable(summary), indent=2)
    if opts["json_out"] is None:
        click.echo(f"semivis limit: wrote {opts['out']}", err=True)
    elif str(opts["json_out"]) == "-":
        click.echo(text)
    else:
        atomic_write_text(opts["json_out"], text + "\n")
