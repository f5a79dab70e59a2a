"""`semivis widths`: A' widths and branching ratios, chi2 width, K factor and c*tau for one model point.

No physics here: everything comes from :mod:`semivis.models`.
"""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from semivis.cli._common import check_one_of_mchi1_ratio, echo_json, model_options, names_options
from semivis.models import make_model

__all__ = ["command", "widths_report"]


def widths_report(  # noqa: PLR0917
    model: str,
    m_Ap: float,
    eps: float,
    alpha_D: float,
    m_chi1: float | None = None,
    ratio: float | None = None,
    delta: float | None = None,
    theta: float | None = None,
) -> dict[str, Any]:
    """The JSON object of ``semivis widths --json`` (chi2 keys are None for the invisible model).

    >>> r = widths_report("idm", 0.3, 1e-3, 0.1, ratio=3.0, delta=0.4)
    >>> sorted(r)  # doctest: +NORMALIZE_WHITESPACE
    ['branching_ratios', 'chi2_stable', 'ctau_chi2_m', 'gamma_Ap_GeV', 'gamma_chi2_GeV',
     'gamma_chi2_approx_GeV', 'k_factor']
    >>> round(r["k_factor"], 3)
    0.642
    >>> widths_report("invisible", 0.3, 1e-3, 0.1, ratio=3.0, delta=0.4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: delta = 0.4 is out of range: allowed unset for the invisible model ...
    """
    kind = model.lower()
    m = make_model(
        kind,
        m_Ap=m_Ap,
        eps=eps,
        alpha_D=alpha_D,
        m_chi1=m_chi1,
        ratio=ratio,
        delta=delta,
        theta=theta,
    )
    report: dict[str, Any] = {
        "gamma_Ap_GeV": float(m.Gamma_Ap()),
        "branching_ratios": {k: float(v) for k, v in m.branching_ratios().items()},
        "gamma_chi2_GeV": None,
        "gamma_chi2_approx_GeV": None,
        "k_factor": None,
        "ctau_chi2_m": None,
        "chi2_stable": None,
    }
    if kind != "invisible":
        stable = bool(m.chi2_stable())
        report.update(
            gamma_chi2_GeV=float(m.Gamma_chi2()),
            gamma_chi2_approx_GeV=float(m.Gamma_chi2_approx()),
            k_factor=float(m.k_factor()),
            ctau_chi2_m=None if stable else float(m.ctau_chi2_m()),
            chi2_stable=stable,
        )
    return report


def _print_table(model: str, report: dict[str, Any]) -> None:
    table = Table(title=f"semivis widths: {model}", show_header=True)
    rows: list[tuple[str, str]] = []
    table.add_column("quantity")
    table.add_column("value", justify="right")
    rows.append(("Gamma(A') [GeV]", f"{report['gamma_Ap_GeV']:.6g}"))
    for ch, br in report["branching_ratios"].items():
        rows.append((f"BR(A' -> {ch})", f"{br:.6g}"))
    if report["chi2_stable"] is not None:
        rows.append(("Gamma(chi2) exact [GeV]", f"{report['gamma_chi2_GeV']:.6g}"))
        rows.append(("Gamma(chi2) approx [GeV]", f"{report['gamma_chi2_approx_GeV']:.6g}"))
        rows.append(("K = exact/approx", f"{report['k_factor']:.6g}"))
        ctau = report["ctau_chi2_m"]
        rows.append(("c tau(chi2) [m]", "inf (chi2 stable)" if ctau is None else f"{ctau:.6g}"))
        rows.append(("chi2 stable", str(report["chi2_stable"])))
    for label, value in rows:
        table.add_row(escape(label), escape(value))
    Console().print(table)


@click.command(name="widths")
@model_options
@click.option("--json", "as_json", is_flag=True, help="print one JSON object instead of a table")
@names_options()
def command(  # noqa: PLR0917
    model: str,
    m_Ap: float,
    eps: float,
    alpha_D: float,
    m_chi1: float | None,
    ratio: float | None,
    delta: float | None,
    theta: float | None,
    as_json: bool,
) -> None:
    """A' widths and branching ratios, chi2 width (exact and approximate), K and c*tau of chi2."""
    check_one_of_mchi1_ratio(m_chi1, ratio)
    report = widths_report(model, m_Ap, eps, alpha_D, m_chi1=m_chi1, ratio=ratio, delta=delta, theta=theta)
    if as_json:
        echo_json(report)
    else:
        _print_table(model.lower(), report)
