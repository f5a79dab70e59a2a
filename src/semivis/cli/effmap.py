"""`semivis effmap`: a recast-ready efficiency map (expected signal per EOT per eps^2 per unit BR over m_A', R,
delta and c tau of chi2, per selection and dark channel) as netCDF (+ CSV); :mod:`semivis.events.effmap`,
docs/export.md. No physics here.
"""

from __future__ import annotations

from pathlib import Path

import click

from semivis.cli._common import names_options

__all__ = ["command"]


def _floats(text: str, option: str) -> list[float]:
    from semivis.errors import ParameterError  # noqa: PLC0415

    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise ParameterError(option, text, "comma-separated numbers") from None


@click.command(name="effmap")
@click.option("--experiment", required=True, help="Experiment card: a shipped name or a path.")
@click.option("--model", default="idm", show_default=True, help="Sample topology: idm (chi1 chi2) or i2dm (all).")
@click.option("--mA", "m_Ap", required=True, help="Dark-photon masses [GeV], comma-separated, increasing.")
@click.option("--ratio", required=True, help="R = m_A'/m_chi1 values, comma-separated, increasing.")
@click.option("--delta", required=True, help="(m_chi2 - m_chi1)/m_chi1 values, comma-separated, increasing.")
@click.option("--ctau-min", "ctau_min", type=float, default=1e-3, show_default=True, help="Smallest c tau [m].")
@click.option("--ctau-max", "ctau_max", type=float, default=1e3, show_default=True, help="Largest c tau [m].")
@click.option("--n-ctau", "n_ctau", type=int, default=49, show_default=True, help="c tau points (log-spaced).")
@click.option("--selection", "selections", multiple=True, help="Selections (repeatable; default: all).")
@click.option("--n-events", "n_events", type=int, default=2000, show_default=True, help="Beam electrons per point.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--out", required=True, type=click.Path(path_type=Path), help="netCDF output file.")
@click.option("--csv", "csv", type=click.Path(path_type=Path), default=None, help="Also write this CSV.")
@names_options()
def command(  # noqa: PLR0917
    experiment: str,
    model: str,
    m_Ap: str,
    ratio: str,
    delta: str,
    ctau_min: float,
    ctau_max: float,
    n_ctau: int,
    selections: tuple[str, ...],
    n_events: int,
    seed: int,
    out: Path,
    csv: Path | None,
) -> None:
    """Recast efficiency map of a card: signal per EOT per eps^2 per BR over (m_A', R, delta, c tau)."""
    import numpy as np  # noqa: PLC0415

    from semivis._io import check_writable  # noqa: PLC0415
    from semivis.detector import load_card  # noqa: PLC0415
    from semivis.errors import ParameterError  # noqa: PLC0415
    from semivis.events.effmap import EffMapSpec, build_effmap, write_effmap  # noqa: PLC0415
    from semivis.signal import SELECTIONS  # noqa: PLC0415

    if n_ctau < 1:
        raise ParameterError("--n-ctau", n_ctau, "an integer >= 1")
    if not (0.0 < ctau_min <= ctau_max and np.isfinite(ctau_max)):
        raise ParameterError("--ctau-min/--ctau-max", (ctau_min, ctau_max), "0 < --ctau-min <= --ctau-max, finite")
    check_writable(out, "--out")
    if csv is not None:
        check_writable(csv, "--csv")
    ctau = np.logspace(np.log10(ctau_min), np.log10(ctau_max), n_ctau) if n_ctau > 1 else np.array([ctau_min])
    spec = EffMapSpec(
        card=load_card(experiment), m_Ap=_floats(m_Ap, "--mA"), ratio=_floats(ratio, "--ratio"),
        delta=_floats(delta, "--delta"), ctau_m=[float(c) for c in ctau], selections=selections or tuple(SELECTIONS),
        kind=model.lower(), n_events=n_events, seed=seed,
    )  # fmt: skip
    for path in write_effmap(build_effmap(spec), out, csv):
        click.echo(str(path))
