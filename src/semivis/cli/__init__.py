"""The ``semivis`` command line: a thin face over the library (no physics here).

Each subcommand lives in its own module ``semivis.cli.<name>`` exposing a click command called
``command``; the group loads them lazily so ``semivis --help`` stays fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from semivis import __version__
from semivis.errors import SemivisError

__all__ = ["main"]

#: subcommand name -> module under semivis.cli
SUBCOMMANDS: dict[str, str] = {
    "widths": "widths",
    "yield": "yield_",
    "relic": "relic",
    "g2": "g2",
    "limit": "limit",
    "figure": "figure",
    "export": "export",
    "cite": "cite",
    "constraint": "constraint",
    "events": "events",
    "effmap": "effmap",
}


class _LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module_name = SUBCOMMANDS.get(cmd_name)
        if module_name is None:
            return None
        module = importlib.import_module(f"semivis.cli.{module_name}")
        command: click.Command = module.command
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except SemivisError as exc:
            # one clear line on stderr, exit status 2 (as click does for usage errors)
            click.echo(f"semivis: error: {exc}", err=True)
            ctx.exit(2)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="semivis")
def main() -> None:
    """semivis: semi-visible dark photons (iDM, i2DM) at NA64-like missing-energy experiments."""


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
