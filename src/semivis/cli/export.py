"""`semivis export`: every exclusion/projection curve of a `semivis limit` result as DARKCAST ``.lmt`` (+ r-value
grid), ESPP-style CSV, JSON or a HEPData record (:mod:`semivis.export`, docs/export.md); or the curves of a figure's
``--data`` JSON (``semivis figure NAME --data FILE.json``) in the same formats.

The format, the input file and the output folder are checked before anything is written; bad ones give one
line naming the option and exit 2.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["command"]

_FORMATS = ("lmt", "csv", "json", "hepdata")  # semivis.export.FORMATS, spelled here so that `--help` stays fast


@click.command(name="export")
@click.argument("result", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", required=True, help=f"one of {', '.join(_FORMATS)}")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path(),
    show_default=True,
    help="output folder (created if missing)",
)
def command(result: Path, fmt: str, out_dir: Path) -> None:
    """Write the curves of RESULT (a `semivis limit` netCDF, or a figure's --data JSON) in a community format into
    --out."""
    from semivis.export import export_curves, export_result  # noqa: PLC0415 - keep 'semivis --help' fast (xarray)

    if result.suffix.lower() == ".json":
        from semivis.errors import ParameterError  # noqa: PLC0415
        from semivis.export import FORMATS  # noqa: PLC0415
        from semivis.figures import load_figure_data  # noqa: PLC0415

        if fmt not in FORMATS:
            raise ParameterError("--format", fmt, f"one of {', '.join(FORMATS)}")
        data = load_figure_data(result, option="RESULT")
        meta = {**data.meta, "figure": data.name}
        exported = export_curves(data.curves, meta, fmt, out_dir, result.stem)
    else:
        exported = export_result(result, fmt, out_dir)
    for item in exported:
        click.echo(str(item.path))
