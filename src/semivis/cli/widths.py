"""`semivis widths`: placeholder until its issue lands."""

from __future__ import annotations

import click

from semivis.errors import SemivisError


@click.command(name="widths")
def command() -> None:
    """Not implemented yet."""
    raise SemivisError("'semivis widths' is not implemented yet")
