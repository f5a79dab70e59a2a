"""`semivis yield`: placeholder until its issue lands."""

from __future__ import annotations

import click

from semivis.errors import SemivisError


@click.command(name="yield")
def command() -> None:
    """Not implemented yet."""
    raise SemivisError("'semivis yield' is not implemented yet")
