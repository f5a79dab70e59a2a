"""`semivis g2`: eps explaining a (g-2)_mu band (or bounded by it) at one m_A' (semivis.constraints.g2)."""

from __future__ import annotations

import math

import click

from semivis.constraints.g2 import G2_BANDS, g2_band, g2_eps, g2_m_Ap_max
from semivis.errors import ParameterError

from ._common import echo_json, names_options

__all__ = ["command"]


@click.command(name="g2")
@click.option("--mA", "mA", type=float, required=True, help="m_A' [GeV]")
@click.option("--band", "band", type=str, default=None, help="one of " + ", ".join(sorted(G2_BANDS)))
@click.option("--delta-amu", "delta_amu", type=float, default=None, help="custom Delta a_mu")
@click.option("--sigma-amu", "sigma_amu", type=float, default=None, help="custom sigma of Delta a_mu")
@click.option("--nsigma", "nsigma", type=float, default=2.0, show_default=True, help="width of the band")
@click.option("--json", "as_json", is_flag=True, help="print JSON")
@names_options("m_Ap", "band", "nsigma", "delta_amu", "sigma_amu")
def command(  # noqa: PLR0917
    mA: float, band: str | None, delta_amu: float | None, sigma_amu: float | None, nsigma: float, as_json: bool
) -> None:
    """eps_central/low/high of a (g-2)_mu band, or eps_max where the band is an upper limit (default fnal2021).

    m_A' is refused where the largest eps would reach 1 (kinetic mixing < 1; about 48 GeV for fnal2021).
    """
    if not math.isfinite(mA) or not mA > 0:
        raise ParameterError("--mA", mA, "m_A' > 0 GeV")
    if band is not None and (delta_amu is not None or sigma_amu is not None):
        raise ParameterError("--band", band, "either --band or --delta-amu/--sigma-amu, not both")
    if band is None and delta_amu is None and sigma_amu is None:
        band = "fnal2021"
    if band is None and (delta_amu is None or sigma_amu is None):
        raise ParameterError(
            "--sigma-amu" if sigma_amu is None else "--delta-amu",
            None,
            "both --delta-amu and --sigma-amu for a custom band",
        )
    if not nsigma > 0:
        raise ParameterError("--nsigma", nsigma, "nsigma > 0")
    if sigma_amu is not None and not sigma_amu > 0:
        raise ParameterError("--sigma-amu", sigma_amu, "sigma > 0")
    if band is not None and band.strip().lower() not in G2_BANDS:
        raise ParameterError("--band", band, "one of " + ", ".join(sorted(G2_BANDS)) + " (any case)")
    b = g2_band(band, central=delta_amu, sigma=sigma_amu)
    if b.central + nsigma * b.sigma <= 0:
        raise ParameterError(
            "--delta-amu",
            b.central,
            f"--delta-amu > -nsigma x --sigma-amu = {-nsigma * b.sigma!r}",
            "the dark photon's Delta a_mu is positive: no eps explains a band entirely below 0",
        )
    m_max = g2_m_Ap_max(b, nsigma)
    if m_max <= 0.0:
        raise ParameterError(
            "--delta-amu", b.central, "a band reachable with eps < 1", "it needs Delta a_mu > alpha/(2 pi)"
        )
    reason = f"beyond it the band needs eps >= 1 ({b.name}, {nsigma:g} sigma)"
    if not mA < m_max:
        raise ParameterError("--mA", mA, f"0 < --mA < {m_max:.6g} GeV", reason)
    res = {k: float(v) for k, v in g2_eps(mA, b, nsigma).items()}
    if not all(math.isfinite(v) and 0 < v < 1 for v in res.values()):
        raise ParameterError("--mA", mA, f"0 < --mA < {m_max:.6g} GeV", reason)
    out = {
        "m_Ap": mA,
        "band": b.name,
        "delta_amu": b.central,
        "sigma_amu": b.sigma,
        "nsigma": nsigma,
        "source": b.source,
        **res,
    }
    if as_json:
        echo_json(out)
    else:
        click.echo(" ".join(f"{k}={v:.4g}" for k, v in res.items()) + f" (band {b.name}, {nsigma:g} sigma)")
