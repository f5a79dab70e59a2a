"""`semivis g2`: placeholder until its issue lands."""

from __future__ import annotations

import click

from semivis.errors import SemivisError


@click.command(name="g2")
def command() -> None:
    """Not implemented yet."""
    raise SemivisError("'semivis g2' is not implemented yet")
