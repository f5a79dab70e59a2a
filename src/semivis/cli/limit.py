"""`semivis limit`: placeholder until its issue lands."""

from __future__ import annotations

import click

from semivis.errors import SemivisError


@click.command(name="limit")
def command() -> None:
    """Not implemented yet."""
    raise SemivisError("'semivis limit' is not implemented yet")
