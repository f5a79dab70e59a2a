"""`semivis relic`: the thermal-relic target coupling at one model point (semivis.cosmo).

Prints ``y`` and ``eps`` giving Omega h^2 = 0.120, and ``omega_h2`` recomputed at that point as a check.
"""

from __future__ import annotations

import click

from semivis.cosmo import RELIC_M_CHI1_MIN, relic_omega_h2, relic_target
from semivis.errors import ParameterError

from ._common import echo_json

__all__ = ["command"]


@click.command(name="relic")
@click.option("--model", "model", type=click.Choice(["idm", "i2dm"]), required=True, help="dark-sector model")
@click.option("--mchi1", "mchi1", type=float, default=None, help="m_chi1 [GeV]")
@click.option("--ratio", "ratio", type=float, default=None, help="R = m_A'/m_chi1 (default 3 with --mchi1)")
@click.option("--mA", "mA", type=float, default=None, help="m_A' [GeV] (with --ratio, instead of --mchi1)")
@click.option("--delta", "delta", type=float, required=True, help="(m_chi2 - m_chi1)/m_chi1")
@click.option("--alphaD", "alphaD", type=float, required=True, help="alpha_D")
@click.option("--theta", "theta", type=float, default=None, help="i2DM mixing angle [rad]")
@click.option("--json", "as_json", is_flag=True, help="print JSON (default: one line of text)")
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
    """Thermal relic target: eps and y giving Omega h^2 = 0.120 (give --mchi1 and/or --ratio)."""
    if mchi1 is None and mA is None:
        raise ParameterError("--mchi1", None, "a dark-matter mass in GeV (or --mA with --ratio)")
    if mchi1 is not None and mA is not None:
        raise ParameterError("--mA", mA, "not together with --mchi1")
    if mA is not None:
        if ratio is None:
            raise ParameterError("--ratio", None, "R = m_A'/m_chi1 > 0 together with --mA")
        if not ratio > 0:
            raise ParameterError("--ratio", ratio, "R > 0")
        mchi1 = mA / ratio
    if ratio is None:
        ratio = 3.0
    if not ratio > 0:
        raise ParameterError("--ratio", ratio, "R > 0")
    assert mchi1 is not None
    if not mchi1 >= RELIC_M_CHI1_MIN:
        raise ParameterError("--mchi1", mchi1, f"m_chi1 >= {RELIC_M_CHI1_MIN} GeV")
    if not delta > 0:
        raise ParameterError("--delta", delta, "delta > 0")
    if not 0 < alphaD <= 12.566:
        raise ParameterError("--alphaD", alphaD, "0 < alpha_D <= 4 pi")
    if model == "i2dm":
        if theta is None or not 0 < theta < 1.5707963:
            raise ParameterError("--theta", theta, "0 < theta < pi/2 for i2dm")
    elif theta is not None:
        raise ParameterError("--theta", theta, "only with --model i2dm")
    t = relic_target(model, m_chi1=mchi1, ratio=ratio, delta=delta, alpha_D=alphaD, theta=theta)
    eps = float(t.eps[0])
    check = relic_omega_h2(model, mchi1, delta, mchi1 * ratio, eps, alphaD, theta)
    out = {
        "model": model,
        "m_chi1": mchi1,
        "m_Ap": mchi1 * ratio,
        "ratio": ratio,
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
            f"{model}: m_chi1={mchi1:.4g} GeV R={ratio:.4g}: y={out['y']:.4g} eps={eps:.4g} (Omega h^2 = {check:.4f})"
        )
