"""`semivis constraint NAME`: one beam-dump constraint computed by semivis, written like `semivis limit`.

NAME is a beam-dump card (``list_dumps()``: charm, e137, e141, nucal, orsay). ``--model visible`` is the minimal
dark photon (A' -> e+e-, mu+mu-, hadrons) in the (m_A', eps) plane; ``--model idm|i2dm`` runs ``run_scan`` with the
beam-dump evaluator (``semivis.scan.beamdump``) in any plane, the card's observed count and CL giving s_up.
The result netCDF and the ``--json`` summary (with ``contours``) have the layout of ``semivis limit``'s.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click

from semivis._io import atomic_write_text, to_jsonable
from semivis.cli.limit import _check_outputs, _number_or_rule, limit_summary, not_computed_warning
from semivis.errors import ParameterError
from semivis.planes import PLANES

__all__ = ["command"]

_MODELS = ("visible", "idm", "i2dm")


def _or(value: float | None, default: float) -> float:
    """``value`` if given, else ``default`` (0 is a given value, refused by the checks, never the default)."""
    return default if value is None else float(value)


def _visible_summary(ds: Any, out: Path) -> dict[str, Any]:
    from semivis.scan import contours  # noqa: PLC0415 - keep 'semivis --help' fast

    prov = json.loads(ds.attrs["provenance"])
    lines = {e: [seg.tolist() for seg in segs] for e, segs in contours(ds).items()}
    return {
        "out": str(out),
        "model": "visible",
        "plane": "mAp-eps",
        "x": "m_Ap",
        "y": "eps",
        "experiment": prov["experiment"],
        "card": prov["card"],
        "eot": [float(e) for e in ds["eot"].values],
        "contours": next(iter(lines.values())),
        "s_up": prov["s_up"],
        "cl": prov["cl"],
        "excluded_cells": int(ds["excluded"].sum()),
        "cells": int(ds["computed"].size),
    }


@click.command(name="constraint")
@click.argument("name")
@click.option("--model", required=True, type=click.Choice(_MODELS, case_sensitive=False))
@click.option("--plane", default="mAp-eps", show_default=True, type=click.Choice(list(PLANES)))
@click.option("--alphaD", "alpha_D", type=float, default=None, help="dark coupling (fixed axis) [default 0.1]")
@click.option("--ratio", type=float, default=None, help="R = m_A'/m_chi1 (fixed axis) [default 3]")
@click.option("--delta", type=float, default=None, help="Delta/m_chi1 (fixed axis) [default 0.4]")
@click.option("--theta", type=float, default=None, help="i2DM mixing angle [rad] (fixed axis)")
@click.option("--eps", type=str, default=None, help="kinetic mixing (fixed axis): a number or a g2:BAND:EDGE rule")
@click.option("--mchi1", "m_chi1", type=float, default=None, help="m_chi1 [GeV] (fixed axis of the R-y plane)")
@click.option("--x-min", type=float, default=None, help="first column value [plane default; visible 0.002]")
@click.option("--x-max", type=float, default=None, help="last column value [plane default; visible 0.5]")
@click.option("--nx", type=int, default=24, show_default=True, help="columns (log-spaced)")
@click.option("--y-min", type=float, default=None, help="first y value [plane default; visible 1e-9]")
@click.option("--y-max", type=float, default=None, help="last y value [plane default; visible 1e-2]")
@click.option("--ny", type=int, default=120, show_default=True, help="y values (log-spaced)")
@click.option("--n-primaries", type=int, default=None, help="beam electrons simulated per mass point [card's]")
@click.option("--executor", default="serial", show_default=True, type=click.Choice(["serial", "processes", "dask"]))
@click.option("--workers", type=int, default=None, help="worker processes [all cores]")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="sample cache [$SEMIVIS_CACHE_DIR or the platform cache dir]",
)
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="result netCDF")
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="JSON summary")
@click.option("--force", is_flag=True, help="replace --out even if it is not a semivis scan result")
def command(name: str, **opts: Any) -> None:
    """Compute the beam-dump constraint NAME for MODEL: N_sig grid, s_up, contours, provenance -> --out."""
    from semivis.beamdump import load_dump  # noqa: PLC0415 - keep 'semivis --help' fast (numba)
    from semivis.scan import ScanSpec, run_scan  # noqa: PLC0415
    from semivis.scan.beamdump import BeamDumpEvaluator, dump_s_up, visible_scan  # noqa: PLC0415

    card = load_dump(name)
    model = opts["model"].lower()
    _check_outputs(opts["out"], opts["json_out"], opts["force"])
    if opts["n_primaries"] is not None and not 1 <= opts["n_primaries"] <= 10_000_000:
        raise ParameterError("--n-primaries", opts["n_primaries"], "an integer in [1, 1e7]")
    for key, top in (("nx", 1000), ("ny", 5000)):
        if not 2 <= opts[key] <= top:
            raise ParameterError(f"--{key}", opts[key], f"an integer in [2, {top}]")
    for key in ("x_min", "x_max", "y_min", "y_max"):
        if opts[key] is not None and not (math.isfinite(opts[key]) and opts[key] > 0):
            raise ParameterError(f"--{key.replace('_', '-')}", opts[key], "a finite positive number")
    if model == "visible":
        if opts["plane"] != "mAp-eps":
            raise ParameterError("--plane", opts["plane"], "mAp-eps (the minimal dark photon has no dark sector)")
        if opts["n_primaries"] is not None:
            import dataclasses  # noqa: PLC0415

            card = dataclasses.replace(card, n_primaries=int(opts["n_primaries"]))
        ds = visible_scan(
            card,
            (_or(opts["x_min"], 0.002), _or(opts["x_max"], 0.5)),
            (_or(opts["y_min"], 1e-9), _or(opts["y_max"], 1e-2)),
            opts["nx"],
            opts["ny"],
            cache_dir=opts["cache_dir"],
            out=opts["out"],
        )
        summary = _visible_summary(ds, opts["out"])
    else:
        dump_s_up(card)
        plane = PLANES[opts["plane"]]
        fixed = {k: opts[k] for k in ("alpha_D", "ratio", "delta", "theta", "m_chi1")}
        fixed["eps"] = _number_or_rule(opts["eps"])
        spec = ScanSpec.from_ranges(
            model,
            opts["plane"],
            x_range=(_or(opts["x_min"], plane.x_range[0]), _or(opts["x_max"], plane.x_range[1])),
            y_range=(_or(opts["y_min"], plane.y_range[0]), _or(opts["y_max"], plane.y_range[1])),
            nx=opts["nx"],
            ny=opts["ny"],
            experiment=card.name,
            fixed=fixed,
            n_events=card.n_primaries if opts["n_primaries"] is None else int(opts["n_primaries"]),
            seed=card.seed,
            n_obs=(card.n_observed,),
            cl=card.cl,
        )
        ds = run_scan(
            spec,
            executor=opts["executor"],
            out=opts["out"],
            workers=opts["workers"],
            cache_dir=opts["cache_dir"],
            evaluator=BeamDumpEvaluator(n_primaries=opts["n_primaries"]),
            progress=False,
        )
        warning = not_computed_warning(ds)
        if warning is not None:
            click.echo(f"semivis constraint: {warning}", err=True)
        summary = limit_summary(ds, spec, opts["out"])
        for key in ("selection", "efficiency_normalisation"):  # NA64-card notions; a dump card has neither
            summary.pop(key, None)
        summary.update(experiment=card.name, reference=card.reference, processes=list(card.processes))
    text = json.dumps(to_jsonable(summary), indent=2)
    if opts["json_out"] is None:
        click.echo(f"semivis constraint: wrote {opts['out']}", err=True)
    elif str(opts["json_out"]) == "-":
        click.echo(text)
    else:
        atomic_write_text(opts["json_out"], text + "\n")
