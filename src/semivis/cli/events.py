"""`semivis events`: weighted signal events of one model point as a HepMC3 or LHE file (:mod:`semivis.events`,
docs/events.md). No physics here: options are parsed and validated as in `semivis yield`, then the events room
generates and writes.
"""

from __future__ import annotations

from pathlib import Path

import click

from semivis.cli._common import check_one_of_mchi1_ratio, echo_json, model_options, names_options

__all__ = ["command"]

_FORMATS = ("hepmc3", "lhe")  # semivis.events.EVENT_FORMATS, spelled here so that `--help` stays fast
_REGIONS = ("ecal", "veto", "hcal1", "hcal2", "hcal3", "gaps", "beyond")  # for --help; checked: REGION_NAMES


@click.command(name="events")
@click.option("--experiment", required=True, help="Experiment card: a shipped name (na64-2016-2018, ...) or a path.")
@model_options
@click.option("-n", "--n-events", "n_events", type=int, required=True, help="Number of events to write.")
@click.option("--format", "fmt", required=True, help=f"Event-file format: {', '.join(_FORMATS)}.")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Output file (written atomically).")
@click.option(
    "--force-region",
    "force_region",
    default=None,
    help=f"Force every chi2 to decay in this region ({', '.join(_REGIONS)}); the probability becomes a weight.",
)
@click.option(
    "--selection",
    default=None,
    help="Weight by this selection's response (sum = `semivis yield`'s N_sig); default: weights before selection.",
)
@click.option("--eot", type=float, default=None, help="Electrons on target (default: the card's).")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--pdg", default=None, help="PDG IDs, e.g. 'Ap=622,chi1=52,chi2=53,recoil=90' (docs/events.md).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object.")
@click.option("--no-progress", "no_progress", is_flag=True, help="No progress bar.")
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
    n_events: int,
    fmt: str,
    out: Path,
    force_region: str | None,
    selection: str | None,
    eot: float | None,
    seed: int,
    pdg: str | None,
    as_json: bool,
    no_progress: bool,
) -> None:
    """Weighted signal events (beam e- -> A' -> chi chi, chi2 -> chi1 e+ e- at its decay vertex) as HepMC3 or LHE."""
    from semivis._io import check_writable  # noqa: PLC0415
    from semivis.detector import load_card  # noqa: PLC0415
    from semivis.errors import ParameterError  # noqa: PLC0415
    from semivis.events import EVENT_FORMATS, EventRequest, parse_pdg_ids, write_events  # noqa: PLC0415
    from semivis.models import make_model  # noqa: PLC0415
    from semivis.production.darkbrem import PRODUCTION_M_AP_MAX_GEV, PRODUCTION_M_AP_MIN_GEV  # noqa: PLC0415
    from semivis.signal import SELECTIONS  # noqa: PLC0415

    if fmt not in EVENT_FORMATS:
        raise ParameterError("--format", fmt, " or ".join(EVENT_FORMATS))
    if n_events < 1:
        raise ParameterError("-n", n_events, "an integer >= 1")
    from semivis.detector.kernels import REGION_NAMES  # noqa: PLC0415

    if force_region is not None and force_region not in REGION_NAMES:
        raise ParameterError("--force-region", force_region, f"a region of the card: {', '.join(REGION_NAMES)}")
    if selection is not None and selection not in SELECTIONS:
        raise ParameterError("--selection", selection, ", ".join(SELECTIONS))
    check_writable(out, "--out")
    if not PRODUCTION_M_AP_MIN_GEV <= m_Ap <= PRODUCTION_M_AP_MAX_GEV:
        raise ParameterError(
            "--mA",
            m_Ap,
            f"{PRODUCTION_M_AP_MIN_GEV} <= --mA <= {PRODUCTION_M_AP_MAX_GEV} GeV",
            "the A' production range",
        )
    check_one_of_mchi1_ratio(m_chi1, ratio)
    kind = model.lower()
    m = make_model(
        kind, m_Ap=m_Ap, eps=eps, alpha_D=alpha_D, m_chi1=m_chi1, ratio=ratio, delta=delta, theta=theta
    )  # fmt: skip
    card = load_card(experiment)
    req = EventRequest(
        card=card, kind=kind, m_Ap=float(m_Ap), m_chi1=float(m.m_chi1), m_chi2=float(m.m_chi2), eps=float(eps),
        alpha_D=float(alpha_D), theta=theta if kind == "i2dm" else None, n_events=int(n_events), seed=int(seed),
        eot=eot, force_region=force_region, selection=selection, pdg=parse_pdg_ids(pdg),
    )  # fmt: skip
    if no_progress:
        summary = write_events(req, fmt, out)
    else:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn  # noqa: PLC0415

        columns = ("{task.description}", BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, transient=True) as bar:
            task = bar.add_task(f"events -> {out.name}", total=int(n_events))
            summary = write_events(req, fmt, out, progress=lambda k: bar.advance(task, k))
    if as_json:
        echo_json(summary)
        return
    click.echo(f"{summary['n_events']} events -> {summary['path']} ({fmt}); sum of weights {summary['weight_sum']:.6g}")
