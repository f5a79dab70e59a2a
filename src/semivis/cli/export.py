"""`semivis export`: every exclusion/projection curve of a `semivis limit` result as DARKCAST ``.lmt`` (+ r-value
grid), ESPP-style CSV or JSON (:mod:`semivis.export`, docs/export.md).

The format, the result file and the output folder are checked before anything is written; bad ones give one
line naming the option and exit 2.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["command"]

_FORMATS = ("lmt", "csv", "json")  # semivis.export.FORMATS, spelled here so that `--help` stays fast


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
    """Write the curves of RESULT (a `semivis limit` netCDF) in a community format into --out."""
    from semivis.export import export_result  # noqa: PLC0415 - keep 'semivis --help' fast (xarray)

    for exported in export_result(result, fmt, out_dir):
        click.echo(str(exported.path))
