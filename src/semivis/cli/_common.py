"""Helpers shared by the CLI subcommands: JSON output and option types."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

import click

from semivis._io import to_jsonable
from semivis.errors import ParameterError

__all__ = ["MODEL_OPTION_NAMES", "check_one_of_mchi1_ratio", "echo_json", "model_options"]

F = TypeVar("F", bound=Callable[..., Any])


def echo_json(obj: Any) -> None:
    """Print one JSON object on stdout."""
    click.echo(json.dumps(to_jsonable(obj), indent=2, sort_keys=False))


#: The dark-sector model options shared by the subcommands that take one parameter point (same names, same meaning).
_MODEL_OPTIONS = (
    click.option(
        "--model", "model", required=True, type=click.Choice(["idm", "i2dm", "invisible"], case_sensitive=False)
    ),
    click.option("--mA", "m_Ap", required=True, type=float, help="Dark-photon mass m_A' [GeV]."),
    click.option("--eps", required=True, type=float, help="Kinetic mixing eps, 0 < eps < 1."),
    click.option("--alphaD", "alpha_D", required=True, type=float, help="Dark coupling alpha_D > 0."),
    click.option("--mchi1", "m_chi1", type=float, default=None, help="chi1 mass [GeV] (or --ratio)."),
    click.option("--ratio", type=float, default=None, help="R = m_A'/m_chi1 (or --mchi1)."),
    click.option("--delta", type=float, default=None, help="(m_chi2 - m_chi1)/m_chi1 (iDM, i2DM; not for invisible)."),
    click.option("--theta", type=float, default=None, help="i2DM mixing angle [rad], 0 <= theta <= pi/2."),
)


#: The option each :func:`semivis.models.make_model` keyword comes from (its ``names``: errors name the option).
MODEL_OPTION_NAMES = {"kind": "--model", "delta": "--delta", "theta": "--theta"}


def model_options(func: F) -> F:
    """Add the model options --model --mA --eps --alphaD --mchi1 --ratio --delta --theta, in that order."""
    for option in reversed(_MODEL_OPTIONS):
        func = option(func)
    return func


def check_one_of_mchi1_ratio(m_chi1: float | None, ratio: float | None) -> None:
    """Exactly one of --mchi1 and --ratio fixes the chi1 mass; raise ParameterError otherwise."""
    if (m_chi1 is None) == (ratio is None):
        raise ParameterError("--mchi1/--ratio", (m_chi1, ratio), "exactly one of --mchi1 and --ratio")
