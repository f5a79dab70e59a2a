"""`semivis cite`: BibTeX of semivis and of the physics behind a figure or a `semivis limit` result."""

from __future__ import annotations

from pathlib import Path

import click

from semivis.errors import ParameterError

__all__ = ["command"]


@click.command(name="cite")
@click.argument("figure", required=False)
@click.option(
    "--result",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="a `semivis limit` result: cite what it rests on",
)
def command(figure: str | None, result: Path | None) -> None:
    """Print BibTeX for FIGURE (a `semivis figure` name), for --result, or (neither) for semivis and all its physics."""
    from semivis.export import CONSTRAINT_KEYS, FIGURE_KEYS, PAPER_KEYS, SCAN_KEYS, bibtex, read_result  # noqa: PLC0415

    if figure is not None and result is not None:
        raise ParameterError("--result", str(result), "either FIGURE or --result, not both")
    if result is not None:
        read_result(result, "--result")
        keys: list[str] = list(SCAN_KEYS)
    elif figure is not None:
        from semivis.figures import figure_names  # noqa: PLC0415 - loads the recipes only when asked

        names = list(figure_names())
        if figure not in names:
            raise ParameterError("FIGURE", figure, f"one of {', '.join(names)}")
        from semivis.figures import get_recipe  # noqa: PLC0415

        paper = [key for prefix, key in PAPER_KEYS.items() if figure.startswith(prefix)]
        # the constraints the figure computes itself (BaBar's recast, the beam dumps) cite what they rest on
        drawn = [
            k for ov in get_recipe(figure).overlays if ov.kind == "constraint" for k in CONSTRAINT_KEYS.get(ov.name, ())
        ]
        keys = list(dict.fromkeys([FIGURE_KEYS[0], *paper, *FIGURE_KEYS[1:], *drawn]))
    else:
        keys = list(dict.fromkeys([*SCAN_KEYS, *FIGURE_KEYS, *(k for ks in CONSTRAINT_KEYS.values() for k in ks)]))
    click.echo(bibtex(keys))
