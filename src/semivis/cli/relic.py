"""`semivis relic`: placeholder until its issue lands."""

from __future__ import annotations

import click

from semivis.errors import SemivisError


@click.command(name="relic")
def command() -> None:
    """Not implemented yet."""
    raise SemivisError("'semivis relic' is not implemented yet")
