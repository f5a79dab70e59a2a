"""Helpers shared by the CLI subcommands: JSON output, option types, and errors named by the user's options.

The library rooms (models, cosmo, constraints, signal) name parameters as the physics does (``m_Ap``,
``alpha_D``); a command decorated with :func:`names_options` re-raises their ParameterErrors under the option
the user typed (``--mA``, ``--alphaD``), in the name, the allowed range and the reason alike.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import click

from semivis._io import to_jsonable
from semivis.errors import ParameterError

__all__ = [
    "OPTION_NAMES",
    "check_one_of_mchi1_ratio",
    "echo_json",
    "model_options",
    "names_options",
    "relabel",
]

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


#: The option each library parameter name comes from, in every command that takes it (same names, same meaning).
OPTION_NAMES: Mapping[str, str] = {
    "kind": "--model",
    "model": "--model",
    "m_Ap": "--mA",
    "eps": "--eps",
    "alpha_D": "--alphaD",
    "m_chi1": "--mchi1",
    "m_chi": "--mchi1",
    "ratio": "--ratio",
    "delta": "--delta",
    "theta": "--theta",
    "eot": "--eot",
    "seed": "--seed",
    "n_events": "--n-events",
    "selection": "--selection",
    "band": "--band",
    "nsigma": "--nsigma",
    "delta_amu": "--delta-amu",
    "sigma_amu": "--sigma-amu",
}


#: Names that are also plain words ("the idm model"): replaced as an error's name, never inside its text.
_PLAIN_WORDS = frozenset({"kind", "model", "band", "selection", "seed"})


def relabel(error: ParameterError, names: Mapping[str, str] = OPTION_NAMES) -> ParameterError:
    """``error`` with every library parameter name of ``names`` replaced by its option (whole words only).

    >>> str(relabel(ParameterError("m_Ap", 200.0, "0 < m_Ap <= 100", "m_Ap/m_chi1 > 2")))
    '--mA = 200.0 is out of range: allowed 0 < --mA <= 100 (--mA/--mchi1 > 2)'
    """
    symbols = sorted((re.escape(k) for k in names if k not in _PLAIN_WORDS), key=len, reverse=True)
    pattern = re.compile(r"(?<![\w-])(" + "|".join(symbols) + r")(?!\w)")

    def swap(text: str) -> str:
        return pattern.sub(lambda m: names[m.group(1)], text)

    return ParameterError(names.get(error.name, error.name), error.value, swap(error.allowed), swap(error.reason))


def names_options(*params: str) -> Callable[[F], F]:
    """Decorate a command's function so that a ParameterError raised inside names the user's options
    (:func:`relabel` with the :data:`OPTION_NAMES` of ``params``, the library names of the command's options; all
    of them if none is given); the one place where library names become option names.
    """
    names = {k: OPTION_NAMES[k] for k in params} if params else dict(OPTION_NAMES)

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except ParameterError as exc:
                raise relabel(exc, names) from exc

        return wrapper  # type: ignore[return-value]

    return decorate


def model_options(func: F) -> F:
    """Add the model options --model --mA --eps --alphaD --mchi1 --ratio --delta --theta, in that order."""
    for option in reversed(_MODEL_OPTIONS):
        func = option(func)
    return func


def check_one_of_mchi1_ratio(m_chi1: float | None, ratio: float | None) -> None:
    """Exactly one of --mchi1 and --ratio fixes the chi1 mass; raise ParameterError otherwise."""
    if (m_chi1 is None) == (ratio is None):
        raise ParameterError("--mchi1/--ratio", (m_chi1, ratio), "exactly one of --mchi1 and --ratio")
