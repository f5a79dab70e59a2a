"""`semivis figure`: placeholder until its issue lands."""

from __future__ import annotations

import click

from semivis.errors import SemivisError


@click.command(name="figure")
def command() -> None:
    """Not implemented yet."""
    raise SemivisError("'semivis figure' is not implemented yet")
