"""`semivis limit`: 90 % CL exclusion scan in one parameter plane, written as netCDF (+ JSON summary).

Everything that can be checked is checked before the scan starts: the options (:class:`ScanSpec`), and the
outputs (``--out`` ends in ``.nc``, is not ``-``, lies in a writable folder, and is either new, a semivis scan
result, or ``--force`` is given; ``--json`` is writable). Ctrl-C and SIGTERM keep the checkpoints and exit
130 / 143 with a line saying how to resume.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from semivis._io import atomic_write_text, check_writable, to_jsonable
from semivis.detector.cards import EFFICIENCY_NORMALISATIONS
from semivis.errors import ParameterError
from semivis.planes import MODELS, PLANES
from semivis.signal.selections import SELECTIONS

if TYPE_CHECKING:
    import xarray as xr

    from semivis.scan import ScanSpec

__all__ = ["command", "exclusion_status", "limit_summary", "not_computed_warning"]


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


#: counts of cells not computed, as stored in the result's attributes (semivis.scan.runner.not_computed_counts)
NOT_COMPUTED_KEYS: tuple[str, ...] = (
    "cells_not_computed",
    "cells_channel_closed",
    "cells_outside_production_range",
    "columns_outside_production_range",
    "cells_unphysical_eps",
)


def exclusion_status(excluded: int, computed: int) -> str:
    """What an EOT's exclusion amounts to, so that an empty contour list is never ambiguous: ``computed``
    counts the computed cells where A' -> chi1 chi2 is open (the only ones a signal can exclude).

    >>> exclusion_status(0, 40), exclusion_status(12, 40), exclusion_status(40, 40)
    ('nothing excluded', 'partially excluded', 'everything computed excluded')
    """
    if excluded == 0:
        return "nothing excluded"
    return "everything computed excluded" if excluded >= computed else "partially excluded"


def limit_summary(ds: xr.Dataset, spec: ScanSpec, out: Path | str) -> dict[str, Any]:
    """The ``--json`` summary of a scan result: contours (:func:`semivis.scan.contours`, i.e. the figures'
    :func:`~semivis.scan.contours.projection_lines` of N_sig/s_up), s_up, excluded cells and the status per EOT
    (:func:`exclusion_status`), the cells not computed by reason, fixed parameters, and the signal efficiency used
    (``efficiency_normalisation``; with the card's factor and words when the evaluator has a card), the A'
    production processes (``processes``) and, for an adaptive scan, its pilot and full cells (``adaptive``)."""
    from semivis.scan import contours  # noqa: PLC0415 - keep 'semivis --help' fast (xarray, numba)

    plane = PLANES[spec.plane]
    lines = {e: [seg.tolist() for seg in segs] for e, segs in contours(ds).items()}
    n_computed = int(ds["computed"].sum())
    n_signal = n_computed - int(ds.attrs["cells_channel_closed"])  # computed cells that can have a signal
    excluded = {f"{float(e):.6g}": int(ds["excluded"].sel(eot=e).sum()) for e in ds["eot"].values}
    card = json.loads(ds.attrs["provenance"])["card"]
    return {
        "out": str(out),
        "model": spec.model,
        "plane": spec.plane,
        "x": plane.x,
        "y": plane.y,
        "selection": spec.selection,
        "efficiency_normalisation": spec.efficiency_normalisation,
        **{k: card[k] for k in ("efficiency_factor", "efficiency_label") if k in card},
        "processes": list(spec.processes),
        "ap_per_primary": spec.ap_per_primary,
        "fixed": dict(spec.fixed),
        **({"fixed_along_x": spec.fixed_values()} if spec.fixed_values() else {}),
        "eot": [float(e) for e in ds["eot"].values],
        "contours": next(iter(lines.values())) if len(lines) == 1 else {f"{e:.6g}": v for e, v in lines.items()},
        "s_up": json.loads(ds.attrs["provenance"])["s_up"],
        "excluded_cells": excluded,
        "status": {e: exclusion_status(n, n_signal) for e, n in excluded.items()},
        "cells": int(ds["computed"].size),
        "cells_computed": n_computed,
        **{k: int(ds.attrs[k]) for k in NOT_COMPUTED_KEYS},
        **({"adaptive": json.loads(ds.attrs["provenance"])["adaptive"]} if "cells_pilot" in ds.attrs else {}),
    }


def not_computed_warning(ds: xr.Dataset) -> str | None:
    """One line on the cells with N_sig = 0 for a reason other than the physics, or None if there are none.

    Not computed: beyond the evaluator's range, eps outside (0, 1) (:func:`semivis.scan.runner.not_computed_counts`);
    cells where A' -> chi1 chi2 is closed are mentioned too (their N_sig = 0 is a result, never an exclusion).
    """
    attrs = ds.attrs
    parts = []
    if attrs["cells_outside_production_range"]:
        reach = json.loads(attrs["provenance"])["not_computed"]["evaluator_range"]
        parts.append(
            f"{attrs['cells_outside_production_range']} in {attrs['columns_outside_production_range']} "
            f"column(s) outside {reach}"
        )
    if attrs["cells_unphysical_eps"]:
        parts.append(f"{attrs['cells_unphysical_eps']} with eps >= 1")
    closed = int(attrs["cells_channel_closed"])
    closed_words = f"{closed} cell(s) where A' -> chi1 chi2 is closed have N_sig = 0 (no signal)"
    if not parts:
        return f"note: {closed_words}" if closed else None
    line = (
        f"warning: {attrs['cells_not_computed']} of {ds['computed'].size} cells not computed ({'; '.join(parts)}): "
        "N_sig = 0 there is no result, not 'allowed' (variable 'computed' in the file)"
    )
    return f"{line}; {closed_words}" if closed else line


def _check_outputs(out: Path, json_out: Path | None, force: bool) -> None:
    """Refuse bad outputs before the scan (see the module docstring)."""
    from semivis.scan.result import is_scan_result  # noqa: PLC0415 - keep 'semivis --help' fast

    if str(out) == "-":
        raise ParameterError("--out", "-", "a .nc file path", "a netCDF result cannot go to stdout; --json - can")
    if out.suffix.lower() != ".nc":
        raise ParameterError("--out", str(out), "a file name ending in .nc (the result is netCDF)")
    check_writable(out, "--out")
    if out.exists() and not force and not is_scan_result(out):
        raise ParameterError(
            "--out",
            str(out),
            "a new file or a semivis scan result (or give --force)",
            "the file exists and is not a semivis scan result; it is left untouched",
        )
    if json_out is not None and str(json_out) != "-":
        check_writable(json_out, "--json")
        if json_out.exists() and not force and not _is_limit_summary(json_out):
            raise ParameterError(
                "--json",
                str(json_out),
                "a new file or a semivis limit summary (or give --force)",
                "the file exists and is not a semivis limit summary; it is left untouched",
            )


def _is_limit_summary(path: Path) -> bool:
    """Whether ``path`` holds a ``--json`` summary of an earlier run (which may be replaced).

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "s.json").write_text('{"model": "idm", "plane": "mAp-eps", "contours": []}')
    >>> _ = (d / "notes.json").write_text("my notes")
    >>> _is_limit_summary(d / "s.json"), _is_limit_summary(d / "notes.json")
    (True, False)
    """
    try:
        if path.stat().st_size > 1 << 28:  # far larger than any summary: do not read it
            return False
        record = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and {"model", "plane", "contours"} <= set(record)


def _pilot_option(text: str | None) -> int | tuple[int, ...] | None:
    """``--pilot-events``: one integer or a comma-separated list of them (ScanSpec checks the values).

    >>> _pilot_option("312,1250"), _pilot_option("1250"), _pilot_option(None)
    ((312, 1250), 1250, None)
    """
    if text is None:
        return None
    try:
        levels = tuple(int(v) for v in str(text).split(","))
    except ValueError:
        raise ParameterError("--pilot-events", text, "an integer or a comma-separated list of integers") from None
    return levels[0] if len(levels) == 1 else levels


@click.command(name="limit")
@click.option("--model", required=True, type=click.Choice(MODELS, case_sensitive=False))
@click.option("--experiment", default="na64-2016-2018", show_default=True, help="experiment card name or path")
@click.option(
    "--selection",
    default="missing-energy",
    show_default=True,
    type=click.Choice([*SELECTIONS, "missing-momentum"]),  # missing-momentum: muon cards only (issue 15)
)
@click.option("--plane", required=True, type=click.Choice(list(PLANES)))
@click.option(
    "--efficiency-normalisation",
    "efficiency_normalisation",
    type=click.Choice(EFFICIENCY_NORMALISATIONS),
    default="first-principles",
    show_default=True,
    help="signal efficiency: the card's first-principles table, or that table x the card's one global factor "
    "fitted to NA64's 2016-2022 invisible limit (docs/physics/production.md)",
)
@click.option(
    "--processes",
    default="brem,annihilation",
    show_default=True,
    help="A' production processes, comma-separated: brem (dark bremsstrahlung) and/or annihilation (resonant "
    "e+ e- -> A' of shower positrons); the NA64 papers' recasts used brem only",
)
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
@click.option(
    "--keep-samples",
    is_flag=True,
    help="also cache the event samples (by default only the lifetime kernels a re-run reads; ~30 MB per mass point "
    "at 20000 events)",
)
@click.option("--n-events", type=int, default=20000, show_default=True, help="MC events per mass point")
@click.option(
    "--pilot-events",
    default=None,
    help="per-cell planes (mchi1-delta): adaptive scan, every cell first with this many primaries, --n-events only "
    "where the pilot does not decide the cell at 5 sigma or the contour passes (the contour is the full scan's; "
    "semivis.scan.adaptive); a comma-separated increasing list (e.g. 312,1250) is a ladder of pilots [off]",
)
@click.option(
    "--ap-per-primary",
    default=None,
    help="A' each beam primary's cascade keeps before the decays are drawn (systematic sampling, unbiased; "
    "docs/physics/detector-and-signal.md Sect. 3.2), or 'all' for every A' (the exact path) "
    "[$SEMIVIS_AP_PER_PRIMARY, else 4]",
)
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
@click.option("--force", is_flag=True, help="replace --out even if it is not a semivis scan result")
@click.option("--progress/--no-progress", default=None, help="progress bar [on when stderr is a terminal]")
def command(**opts: Any) -> None:
    """Exclusion scan of MODEL in PLANE: N_sig grid, exact-CLs s_up, contours, provenance -> --out."""
    from semivis.scan import ScanSpec, run_scan  # noqa: PLC0415 - keep 'semivis --help' fast (xarray, numba)
    from semivis.scan.runner import ScanInterrupted  # noqa: PLC0415
    from semivis.scan.spec import parse_ap_per_primary  # noqa: PLC0415

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
        efficiency_normalisation=opts["efficiency_normalisation"],
        processes=tuple(p.strip() for p in opts["processes"].split(",")),
        pilot_events=_pilot_option(opts["pilot_events"]),
        **({} if opts["ap_per_primary"] is None else {"ap_per_primary": parse_ap_per_primary(opts["ap_per_primary"])}),
    )
    _check_outputs(opts["out"], opts["json_out"], opts["force"])
    try:
        ds = run_scan(
            spec,
            executor=opts["executor"],
            out=opts["out"],
            workers=opts["workers"],
            scheduler=opts["scheduler"],
            cache_dir=opts["cache_dir"],
            keep_samples=opts["keep_samples"],
            progress=opts["progress"],
            notify=lambda message: click.echo(f"semivis limit: {message}", err=True),
        )
    except ScanInterrupted as stop:
        click.echo(
            f"semivis: interrupted after {stop.columns_done} of {stop.columns_total} columns; "
            "rerun the same command to resume",
            err=True,
        )
        raise SystemExit(128 + stop.signum) from None  # 130 for SIGINT, 143 for SIGTERM
    warning = not_computed_warning(ds)
    if warning is not None:
        click.echo(f"semivis limit: {warning}", err=True)
    summary = limit_summary(ds, spec, opts["out"])
    text = json.dumps(to_jsonable(summary), indent=2)
    if opts["json_out"] is None:
        click.echo(f"semivis limit: wrote {opts['out']}", err=True)
    elif str(opts["json_out"]) == "-":
        click.echo(text)
    else:
        atomic_write_text(opts["json_out"], text + "\n")
