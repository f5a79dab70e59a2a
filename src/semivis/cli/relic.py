"""`semivis relic`: the thermal-relic target coupling at one model point (semivis.cosmo).

Prints ``y`` and ``eps`` giving Omega h^2 = 0.120, and ``omega_h2`` recomputed at that point as a check.
The ranges are those of :func:`semivis.cosmo.relic_target` (m_chi1 >= 1 MeV, R > 2, 0 < delta <= 2,
1e-8 <= alpha_D <= 4 pi, 1e-7 <= theta < pi/2 for i2DM); its errors name this command's options. A target whose
recomputed Omega h^2 is not 0.120 (within :data:`semivis.cosmo.RELIC_OMEGA_RTOL` in ln) is refused, never printed.
"""

from __future__ import annotations

import math

import click

from semivis.constants import Omega_c_h2_planck2018
from semivis.cosmo import (
    RELIC_ALPHA_D_MIN,
    RELIC_M_CHI1_MIN,
    RELIC_OMEGA_RTOL,
    RELIC_RATIO_MIN,
    RELIC_THETA_MIN,
    relic_omega_h2,
    relic_target,
)
from semivis.errors import ConvergenceError, ParameterError

from ._common import echo_json, names_options

__all__ = ["command"]


@click.command(name="relic")
@click.option("--model", "model", type=click.Choice(["idm", "i2dm"]), required=True, help="dark-sector model")
@click.option("--mchi1", "mchi1", type=float, default=None, help="m_chi1 [GeV], >= 1 MeV")
@click.option("--ratio", "ratio", type=float, default=None, help="R = m_A'/m_chi1 > 2 (default 3 with --mchi1)")
@click.option("--mA", "mA", type=float, default=None, help="m_A' [GeV] (with --ratio, instead of --mchi1)")
@click.option("--delta", "delta", type=float, required=True, help="(m_chi2 - m_chi1)/m_chi1, 0 < delta <= 2")
@click.option(
    "--alphaD", "alphaD", type=float, required=True, help=f"alpha_D, {RELIC_ALPHA_D_MIN:g} <= alpha_D <= 4 pi"
)
@click.option(
    "--theta", "theta", type=float, default=None, help=f"i2DM mixing angle [rad], {RELIC_THETA_MIN:g} <= theta < pi/2"
)
@click.option("--json", "as_json", is_flag=True, help="print JSON (default: one line of text)")
@names_options("m_chi1", "ratio", "m_Ap", "delta", "alpha_D", "theta")
def command(  # noqa: PLR0917
    model: str,
    mchi1: float | None,
    ratio: float | None,
    mA: float | None,
    delta: float,
    alphaD: float,
    theta: float | None,
    as_json: bool,
) -> None:
    """Thermal relic target: eps and y giving Omega h^2 = 0.120 (give --mchi1 and/or --ratio, or --mA and --ratio).

    R = m_A'/m_chi1 > 2: below, the secluded annihilation chi chi -> A'A' (not modelled) takes over.
    """
    if mchi1 is None and mA is None:
        raise ParameterError("--mchi1", None, "a dark-matter mass in GeV (or --mA with --ratio)")
    if mchi1 is not None and mA is not None:
        raise ParameterError("--mA", mA, "not together with --mchi1")
    if ratio is None and mA is not None:
        raise ParameterError("--ratio", None, f"R = m_A'/m_chi1 > {RELIC_RATIO_MIN:g} together with --mA")
    R = 3.0 if ratio is None else ratio
    if not R > RELIC_RATIO_MIN:  # checked here too: --mA is converted with it
        raise ParameterError(
            "--ratio",
            R,
            f"--ratio > {RELIC_RATIO_MIN:g}",
            "the secluded regime chi chi -> A'A' (open or in the thermal tail for R <~ 2) is not modelled",
        )
    if mA is not None:
        low = R * RELIC_M_CHI1_MIN
        if not (math.isfinite(mA) and mA >= low):
            raise ParameterError(
                "--mA",
                mA,
                f"--mA >= --ratio x {RELIC_M_CHI1_MIN} GeV = {low!r}",
                "the chi1 mass --mA/--ratio must be >= 1 MeV: lighter chi1 freezes out after BBN starts",
            )
        mchi1 = mA / R
    assert mchi1 is not None
    if model == "i2dm" and theta is None:
        raise ParameterError("--theta", theta, "0 < theta < pi/2 for i2dm")
    if model != "i2dm" and theta is not None:
        raise ParameterError("--theta", theta, "only with --model i2dm")
    # a point without a (trustworthy) thermal target is a result about that point: say so naming its options
    point_names = "--mchi1/--ratio/--delta/--alphaD" + ("" if theta is None else "/--theta")
    point = (mchi1, R, delta, alphaD) + (() if theta is None else (theta,))
    try:
        t = relic_target(model, m_chi1=mchi1, ratio=R, delta=delta, alpha_D=alphaD, theta=theta)
        eps = float(t.eps[0])
        check = relic_omega_h2(model, mchi1, delta, mchi1 * R, eps, alphaD, theta, require_equilibrium_start=True)
    except ConvergenceError as exc:
        raise ParameterError(point_names, point, "a point with a thermal relic target", str(exc)) from exc
    if not abs(math.log(check / Omega_c_h2_planck2018)) <= RELIC_OMEGA_RTOL:  # never print a wrong target
        raise ParameterError(
            point_names,
            point,
            "a point with a thermal relic target",
            f"Omega h^2 recomputed at eps = {eps:.4g} is {check:.4g}, not 0.120",
        )
    out = {
        "model": model,
        "m_chi1": mchi1,
        "m_Ap": mchi1 * R,
        "ratio": R,
        "delta": delta,
        "alpha_D": alphaD,
        "theta": theta,
        "y": float(t.y[0]),
        "eps": eps,
        "omega_h2": check,
    }
    if as_json:
        echo_json(out)
    else:
        click.echo(
            f"{model}: m_chi1={mchi1:.4g} GeV R={R:.4g}: y={out['y']:.4g} eps={eps:.4g} (Omega h^2 = {check:.4f})"
        )
