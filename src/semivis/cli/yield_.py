"""`semivis yield`: expected signal events for one model point in one experiment card.

No physics here: the card comes from :mod:`semivis.detector`, the model from :mod:`semivis.models`, the
events, reweighting and selections from :mod:`semivis.signal`.
"""

from __future__ import annotations

from typing import Any

import click

from semivis.cli._common import check_one_of_mchi1_ratio, model_options, names_options
from semivis.detector.cards import EFFICIENCY_NORMALISATIONS
from semivis.errors import ParameterError
from semivis.signal.selections import SELECTIONS

__all__ = ["YIELD_N_EVENTS_MAX", "command", "yield_report"]

#: Most beam electrons (primaries) one ``semivis yield`` simulates. The whole A' sample is held in memory: about
#: 10 kB per primary (~12 A' events each, one decay per channel; peak RSS measured 0.35 GB at 2e4 and 1.1 GB at
#: 1e5 primaries, na64-2016-2018, m_A' = 0.3 GeV) and ~0.25 ms per primary, so 5e5 primaries need ~5 GB and ~2
#: minutes, while the MC error is then already ~1e-3.
YIELD_N_EVENTS_MAX = 500_000


def yield_report(  # noqa: PLR0917
    experiment: str,
    model: str,
    m_Ap: float,
    eps: float,
    alpha_D: float,
    m_chi1: float | None = None,
    ratio: float | None = None,
    delta: float | None = None,
    theta: float | None = None,
    eot: float | None = None,
    seed: int = 1,
    selection: str = "missing-energy",
    n_events: int = 5000,
    efficiency_normalisation: str | None = None,
) -> dict[str, Any]:
    """The JSON object of ``semivis yield --json``.

    ``n_signal`` is the total of ``selection`` over its bins (disjoint event classes), with its MC error and
    its ``breakdown`` by production process; ``bins`` gives each bin's N_sig, background and sigma_b (two for
    ``s1+s2``, as the multibin limit of ``semivis limit`` uses them); ``n_signal_by_selection`` has the total
    of every selection of the registry (a bin's N_sig is that of the single-bin selection of its name);
    ``chi2_decay_fractions`` (iDM/i2DM) sums to 1 per chi2. ``n_primaries`` is the number of beam electrons
    simulated (``--n-events``), ``n_ap_events`` the number of A' events they produced. ``signal_efficiency`` is
    the card's at m_A' in the normalisation mode named by ``efficiency_normalisation`` (``--efficiency-normalisation``;
    None keeps the card's own), described in words by ``efficiency_label``.
    """
    from semivis.detector import load_card  # noqa: PLC0415
    from semivis.models import make_model  # noqa: PLC0415
    from semivis.production.darkbrem import PRODUCTION_M_AP_MAX_GEV, PRODUCTION_M_AP_MIN_GEV  # noqa: PLC0415
    from semivis.signal import (  # noqa: PLC0415
        bin_names,
        bin_signals,
        build_event_sample,
        decay_fractions,
        selection_for_card,
        signal_result,
    )

    kind = model.lower()
    if kind not in ("invisible", "idm", "i2dm"):
        raise ParameterError("--model", model, "invisible, idm or i2dm")
    bins = bin_names(selection)
    if not 1 <= int(n_events) <= YIELD_N_EVENTS_MAX:
        raise ParameterError(
            "--n-events",
            n_events,
            f"1 <= --n-events <= {YIELD_N_EVENTS_MAX}",
            "the A' sample is held in memory, about 10 kB per primary",
        )
    if not PRODUCTION_M_AP_MIN_GEV <= m_Ap <= PRODUCTION_M_AP_MAX_GEV:
        raise ParameterError(
            "--mA",
            m_Ap,
            f"{PRODUCTION_M_AP_MIN_GEV} <= --mA <= {PRODUCTION_M_AP_MAX_GEV} GeV",
            "the A' production range of semivis.production; `semivis widths` takes m_A' up to 100 GeV",
        )
    check_one_of_mchi1_ratio(m_chi1, ratio)
    m = make_model(
        kind, m_Ap=m_Ap, eps=eps, alpha_D=alpha_D, m_chi1=m_chi1, ratio=ratio, delta=delta,
        theta=theta,
    )  # fmt: skip
    if isinstance(seed, bool) or int(seed) < 0:
        raise ParameterError("--seed", seed, "an integer >= 0")
    if efficiency_normalisation is not None and efficiency_normalisation not in EFFICIENCY_NORMALISATIONS:
        raise ParameterError(
            "--efficiency-normalisation", efficiency_normalisation, " or ".join(EFFICIENCY_NORMALISATIONS)
        )
    card = load_card(experiment, efficiency_normalisation)
    mc1, mc2 = float(m.m_chi1), float(m.m_chi2)
    sample = build_event_sample(
        card, kind, float(m_Ap), mc1, None if kind == "invisible" else mc2, n_events=int(n_events), seed=int(seed)
    )
    th = theta if kind == "i2dm" else None
    couplings: dict[str, Any] = {"eps": eps, "alpha_D": alpha_D, "theta": th, "eot": eot}
    res = signal_result(sample, card, selection, **couplings)
    by_bin = bin_signals(sample, card, bins, **couplings)
    by_sel = {name: float(signal_result(sample, card, name, **couplings).n_signal) for name in SELECTIONS}
    sel = selection_for_card(selection, card)
    report: dict[str, Any] = {
        "experiment": card.name,
        "model": kind,
        "m_Ap": float(m_Ap),
        "m_chi1": mc1,
        "m_chi2": None if kind == "invisible" else mc2,
        "eps": float(eps),
        "alpha_D": float(alpha_D),
        "theta": th,
        "eot": res.eot,
        "selection": selection,
        "n_signal": float(res.n_signal),
        "n_signal_per_eot": float(res.n_signal) / res.eot,
        "mc_rel_error": float(res.mc_rel_error),
        "breakdown": {k: float(v) for k, v in res.breakdown.items()},
        "bins": {
            b.name: {"n_signal": float(by_bin[b.name].n_signal), "background": b.background, "sigma_b": b.sigma_b}
            for b in sel.bins
        },
        "n_signal_by_selection": by_sel,
        "signal_efficiency": float(card.signal_efficiency(m_Ap)),
        "efficiency_normalisation": card.efficiency_normalisation,
        "efficiency_label": card.efficiency_label,
        "n_ap_events": sample.n_events,
        "n_primaries": int(n_events),
        "seed": int(seed),
    }
    if kind != "invisible":
        stable = bool(m.chi2_stable())
        report["chi2_stable"] = stable
        report["ctau_chi2_m"] = None if stable else float(m.ctau_chi2_m())
        fr = decay_fractions(sample, card, eps=eps, alpha_D=alpha_D, theta=th)
        report["chi2_decay_fractions"] = {k: float(v) for k, v in fr.items()}
    return report


@click.command(name="yield")
@click.option("--experiment", required=True, help="Experiment card: a shipped name (na64-2016-2018, ...) or a path.")
@model_options
@click.option("--eot", type=float, default=None, help="Electrons on target (default: the card's).")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option(
    "--selection",
    default="missing-energy",
    show_default=True,
    type=click.Choice(list(SELECTIONS)),
)
@click.option(
    "--n-events",
    "n_events",
    type=int,
    default=5000,
    show_default=True,
    help="Beam electrons simulated for the A' sample.",
)
@click.option(
    "--efficiency-normalisation",
    "efficiency_normalisation",
    type=click.Choice(EFFICIENCY_NORMALISATIONS),
    default=None,
    help="Signal efficiency: the card's first-principles table, or that table x the card's one global factor fitted "
    "to NA64's 2016-2022 invisible limit (default: the card's own efficiency.normalisation).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@names_options()
def command(  # noqa: PLR0917
    experiment: str,
    model: str,
    m_Ap: float,
    eps: float,
    alpha_D: float,
    m_chi1: float | None,
    ratio: float | None,
    delta: float | None,
    theta: float | None,
    eot: float | None,
    seed: int,
    selection: str,
    n_events: int,
    efficiency_normalisation: str | None,
    as_json: bool,
) -> None:
    """Expected signal events N_sig for one model point (A' production x decays x detector x selection)."""
    report = yield_report(
        experiment, model, m_Ap, eps, alpha_D, m_chi1, ratio, delta, theta, eot, seed, selection, n_events,
        efficiency_normalisation,
    )  # fmt: skip
    if as_json:
        from semivis.cli._common import echo_json  # noqa: PLC0415

        echo_json(report)
        return
    click.echo(
        f"experiment {report['experiment']}, EOT {report['eot']:.3g}, model {report['model']}, "
        f"selection {report['selection']}"
    )
    click.echo(f"signal efficiency {report['signal_efficiency']:.4g} ({report['efficiency_label']})")
    click.echo(f"N_sig = {report['n_signal']:.4g} (MC rel. error {report['mc_rel_error']:.2g})")
    for k, v in report["bins"].items():
        click.echo(f"  bin {k}: N_sig {v['n_signal']:.4g}, background {v['background']:.3g} +- {v['sigma_b']:.3g}")
    for k, v in report["n_signal_by_selection"].items():
        click.echo(f"  {k:15s} {v:.4g}")
    if "chi2_decay_fractions" in report:
        fr = ", ".join(f"{k} {v:.3g}" for k, v in report["chi2_decay_fractions"].items())
        click.echo(f"chi2 decays: {fr}")
