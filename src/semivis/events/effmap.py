"""Recast-ready efficiency maps: expected signal per EOT, per eps^2 and per unit branching ratio, over
(m_A', m_chi1, m_chi2, c tau of chi2), for every selection and dark channel.

For one mass point and channel ch (``chi1chi2``; with ``kind="i2dm"`` also ``chi1chi1`` and ``chi2chi2``) the
signal room's N_sig (:func:`semivis.signal.signal_result`, physics in :mod:`semivis.signal.reweight`) is

    N_sig = EOT eps^2 eff_sig(m_A') Sum_e w_e Sum_ch BR_ch P_sel,ch,e(c tau),

so the map stores, per channel,

    S_ch(m_A', m_chi1, m_chi2, c tau; sel) = eff_sig(m_A') Sum_e w_e P_sel,ch,e(c tau)     [per EOT per eps^2 per BR]

computed as N_sig / (EOT eps^2 BR_ch) of a sample restricted to that channel, at couplings (eps, alpha_D) chosen so
that the model's chi2 lifetime is each c tau of the grid (c tau ~ 1/(eps^2 alpha_D) at fixed masses; the ratio
BR_ch cancels exactly, so the map does not depend on which couplings were used). Any model with the same topology
(an A' produced by electrons through a coupling eps_eff e to the electron, prompt A' -> chi_i chi_j, chi2 ->
chi1 e+ e- with the same kinematics) is recast by

    N_sig' = EOT eps_eff^2 Sum_ch BR'_ch S_ch(m_A', m_chi1, m_chi2, c tau')

with its own BR'_ch and c tau', interpolating S linearly in log(c tau) (docs/export.md, worked example tested in
tests/test_events_effmap.py). Every mass point's sample is ``build_event_sample(card, kind, m_A', m_chi1, m_chi2,
n_events, seed)``, the sample ``semivis yield --seed`` builds (one seed for every point, as there).

Grid: m_A' x R = m_A'/m_chi1 x delta = (m_chi2 - m_chi1)/m_chi1 x c tau, with m_chi1 and m_chi2 stored as
coordinates over it. A channel closed at a mass point (m_A' <= m_i + m_j) has S = 0 and ``channel_open`` False.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from semivis import __version__
from semivis._io import atomic_path, atomic_write_text, check_writable
from semivis.detector.cards import ExperimentCard
from semivis.errors import ParameterError
from semivis.models import make_model
from semivis.models.dark_sector import ALPHA_D_MAX
from semivis.signal import SELECTIONS, build_event_sample, signal_result
from semivis.signal.events import CHANNELS_BY_KIND, EventSample
from semivis.signal.reweight import couplings

__all__ = ["EFFMAP_VARIABLE", "EffMapSpec", "build_effmap", "recast_signal", "write_effmap"]

#: name of the map's data variable in the netCDF
EFFMAP_VARIABLE = "signal_per_eot_per_eps2"

#: the reference couplings the lifetime grid is reached from (eps scaled first, alpha_D once eps reaches _EPS_MAX)
_EPS_REF, _ALPHA_REF, _EPS_MAX = 1e-4, 0.1, 1e-2
#: theta of the i2DM samples' model (BR_ch(theta) cancels in S_ch; only the lifetime is set through it)
_THETA_I2DM = math.pi / 4.0


@dataclass(frozen=True)
class EffMapSpec:
    """The grid and statistics of a map: masses [GeV] by m_A', R, delta; c tau [m]; selections; sample size."""

    card: ExperimentCard
    m_Ap: Sequence[float]
    ratio: Sequence[float]
    delta: Sequence[float]
    ctau_m: Sequence[float]
    selections: Sequence[str] = tuple(SELECTIONS)
    kind: str = "idm"
    n_events: int = 2000
    seed: int = 1


def _check(spec: EffMapSpec) -> None:
    if spec.kind not in ("idm", "i2dm"):
        raise ParameterError("--model", spec.kind, "idm or i2dm (the semi-visible topologies)")
    for name, values, low in (("--mA", spec.m_Ap, 0.0), ("--ratio", spec.ratio, 2.0), ("--delta", spec.delta, 0.0),
                              ("--ctau", spec.ctau_m, 0.0)):  # fmt: skip
        arr = np.asarray(values, dtype=np.float64)
        if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr <= low):
            raise ParameterError(name, list(values), f"a non-empty list of finite numbers > {low}")
        if np.any(np.diff(arr) <= 0.0):
            raise ParameterError(name, list(values), "strictly increasing values")
    for sel in spec.selections:
        if sel not in SELECTIONS:
            raise ParameterError("--selection", sel, ", ".join(SELECTIONS))
    if isinstance(spec.n_events, bool) or spec.n_events < 1:
        raise ParameterError("--n-events", spec.n_events, "an integer >= 1")


def _couplings_for(ctau: NDArray[np.float64], ctau_ref: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(eps, alpha_D) with eps^2 alpha_D = eps_ref^2 alpha_ref ctau_ref / ctau (c tau ~ 1/(eps^2 alpha_D))."""
    prod = _EPS_REF**2 * _ALPHA_REF * ctau_ref / ctau
    eps = np.minimum(np.sqrt(prod / _ALPHA_REF), _EPS_MAX)
    alpha = prod / eps**2
    if np.any(alpha > ALPHA_D_MAX):
        raise ParameterError("--ctau", float(ctau.min()), f"c tau reachable with alpha_D <= {ALPHA_D_MAX:.4g}")
    return eps, alpha


def _point(spec: EffMapSpec, m_Ap: float, m1: float, m2: float) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """S and its MC relative error, shaped (selection, channel, ctau), at one mass point."""
    chans = CHANNELS_BY_KIND[spec.kind]
    ctau = np.asarray(spec.ctau_m, dtype=np.float64)
    out = np.zeros((len(spec.selections), len(chans), ctau.size))
    err = np.zeros_like(out)
    theta = _THETA_I2DM if spec.kind == "i2dm" else None
    delta = (m2 - m1) / m1
    ref = make_model(spec.kind, m_Ap=m_Ap, eps=_EPS_REF, alpha_D=_ALPHA_REF, m_chi1=m1, delta=delta, theta=theta)
    if bool(ref.chi2_stable()):
        raise ParameterError("--delta", delta, "a splitting with chi2 -> chi1 e+ e- open (dm > 2 m_e)")
    eps, alpha = _couplings_for(ctau, float(ref.ctau_chi2_m()))
    sample = build_event_sample(spec.card, spec.kind, m_Ap, m1, m2, n_events=int(spec.n_events), seed=int(spec.seed))
    theta_v = None if theta is None else np.full(ctau.size, theta)
    for c, ch in enumerate(chans):
        if ch not in sample.channels:
            continue  # closed: S = 0
        # the sample restricted to channel ch: its A' arrays and that channel's only (so that its response table,
        # memoised by content, is its own)
        arrays = {k: v for k, v in sample.arrays.items() if k.startswith(("ap.", f"{ch}."))}
        sub = EventSample(arrays, {**sample.meta, "channels": [ch]})
        _, _, br, _ = couplings(sub, eps, alpha, theta_v)
        for s, sel in enumerate(spec.selections):
            res = signal_result(sub, spec.card, sel, eps, alpha, theta_v, eot=1.0)
            out[s, c] = res.n_signal / (eps**2 * br[ch])
            err[s, c] = res.mc_rel_error
    return out, err


def build_effmap(spec: EffMapSpec, progress: Callable[[int], None] | None = None) -> xr.Dataset:
    """The map as a self-describing :class:`xarray.Dataset` (module docstring); ``progress(1)`` per mass point."""
    _check(spec)
    chans = CHANNELS_BY_KIND[spec.kind]
    mA = np.asarray(spec.m_Ap, dtype=np.float64)
    R = np.asarray(spec.ratio, dtype=np.float64)
    dl = np.asarray(spec.delta, dtype=np.float64)
    ct = np.asarray(spec.ctau_m, dtype=np.float64)
    shape = (len(spec.selections), len(chans), mA.size, R.size, dl.size, ct.size)
    val = np.zeros(shape)
    err = np.zeros(shape)
    m1 = mA[:, None] / R[None, :]
    m2 = m1[:, :, None] * (1.0 + dl[None, None, :])
    open_ = np.zeros((len(chans), mA.size, R.size, dl.size), dtype=bool)
    masses = {"chi1chi1": lambda a, b: 2 * a, "chi1chi2": lambda a, b: a + b, "chi2chi2": lambda a, b: 2 * b}
    for i in range(mA.size):
        for j in range(R.size):
            for k in range(dl.size):
                v, e = _point(spec, float(mA[i]), float(m1[i, j]), float(m2[i, j, k]))
                val[:, :, i, j, k] = v
                err[:, :, i, j, k] = e
                for c, ch in enumerate(chans):
                    open_[c, i, j, k] = mA[i] > masses[ch](m1[i, j], m2[i, j, k])
                if progress is not None:
                    progress(1)
    dims = ("selection", "channel", "m_Ap", "ratio", "delta", "ctau")
    return xr.Dataset(
        {
            EFFMAP_VARIABLE: (
                dims,
                val,
                {
                    "long_name": "expected signal events per electron on target, per eps^2, per unit BR(A' -> channel)",
                    "units": "1",
                    "formula": "S = eff_sig(m_A') Sum_e w_e P_sel,e(c tau); N_sig = EOT eps^2 Sum_ch BR_ch S_ch",
                },
            ),
            "mc_rel_error": (dims, err, {"long_name": "relative Monte Carlo error of S", "units": "1"}),
            "channel_open": (("channel", "m_Ap", "ratio", "delta"), open_, {"long_name": "m_A' > m_i + m_j"}),
        },
        coords={
            "selection": list(spec.selections),
            "channel": list(chans),
            "m_Ap": ("m_Ap", mA, {"units": "GeV", "long_name": "dark photon mass"}),
            "ratio": ("ratio", R, {"units": "1", "long_name": "R = m_A' / m_chi1"}),
            "delta": ("delta", dl, {"units": "1", "long_name": "delta = (m_chi2 - m_chi1) / m_chi1"}),
            "ctau": ("ctau", ct, {"units": "m", "long_name": "c tau of chi2 (proper decay length)"}),
            "m_chi1": (("m_Ap", "ratio"), m1, {"units": "GeV"}),
            "m_chi2": (("m_Ap", "ratio", "delta"), m2, {"units": "GeV"}),
        },
        attrs={
            "title": "semivis recast efficiency map (semi-visible A' -> chi chi, chi2 -> chi1 e+ e-)",
            "experiment": spec.card.name,
            "beam_energy_GeV": spec.card.beam_energy_GeV,
            "sample_kind": spec.kind,
            "n_events": int(spec.n_events),
            "seed": int(spec.seed),
            "semivis_version": __version__,
            "recast": "N_sig' = EOT eps_eff^2 Sum_ch BR'_ch S_ch(m_A', m_chi1, m_chi2, c tau'); interpolate S "
            "linearly in log(c tau) (docs/export.md)",
            "citations": "semivis, Mongillo:2023na64, NA64:2021semivisible, Tsai:1973py, Bjorken:2009mm",
        },
    )


def recast_signal(  # noqa: PLR0917
    ds: xr.Dataset,
    selection: str,
    m_Ap: float,
    ratio: float,
    delta: float,
    ctau_m: float,
    br: dict[str, float],
    eps_eff: float,
    eot: float,
) -> float:
    """N_sig' = EOT eps_eff^2 Sum_ch BR'_ch S_ch at a grid mass point, S interpolated linearly in log(c tau).

    ``ctau_m`` must lie within the map's c tau range (no extrapolation); ``br`` maps channel names to BR'.
    """
    ct = np.asarray(ds["ctau"].values, dtype=np.float64)
    if not ct[0] <= ctau_m <= ct[-1]:
        raise ParameterError("ctau_m", ctau_m, f"{ct[0]:.4g} <= c tau <= {ct[-1]:.4g} m (the map's range)")
    total = 0.0
    for ch, b in br.items():
        s = ds[EFFMAP_VARIABLE].sel(selection=selection, channel=ch, m_Ap=m_Ap, ratio=ratio, delta=delta)
        total += b * float(np.interp(math.log(ctau_m), np.log(ct), np.asarray(s.values, dtype=np.float64)))
    return eot * eps_eff**2 * total


def write_effmap(ds: xr.Dataset, out: Path | str, csv: Path | str | None = None) -> list[Path]:
    """Write the map as netCDF-4 (h5netcdf) at ``out`` and, if asked, as a long-format CSV, both atomically."""
    out = Path(out)
    check_writable(out, "--out")
    if csv is not None:
        check_writable(csv, "--csv")
    with atomic_path(out) as tmp:
        ds.to_netcdf(tmp, engine="h5netcdf")
    written = [out]
    if csv is not None:
        atomic_write_text(csv, _csv_text(ds))
        written.append(Path(csv))
    return written


def _csv_text(ds: xr.Dataset) -> str:
    head = [f"# {k}: {v}" for k, v in ds.attrs.items()]
    head.append(f"# {EFFMAP_VARIABLE}: {ds[EFFMAP_VARIABLE].attrs['long_name']}; masses in GeV, ctau in m")
    rows = ["selection,channel,m_Ap,m_chi1,m_chi2,ratio,delta,ctau_m," + EFFMAP_VARIABLE + ",mc_rel_error"]
    v = ds[EFFMAP_VARIABLE].values
    e = ds["mc_rel_error"].values
    m1 = ds["m_chi1"].values
    m2 = ds["m_chi2"].values
    for index in np.ndindex(*v.shape):
        s, c, i, j, k, t = index
        vals: list[Any] = [
            ds["selection"].values[s], ds["channel"].values[c], f"{ds['m_Ap'].values[i]:.17g}", f"{m1[i, j]:.17g}",
            f"{m2[i, j, k]:.17g}", f"{ds['ratio'].values[j]:.17g}", f"{ds['delta'].values[k]:.17g}",
            f"{ds['ctau'].values[t]:.17g}", f"{v[index]:.17g}", f"{e[index]:.17g}",
        ]  # fmt: skip
        rows.append(",".join(str(x) for x in vals))
    return "\n".join([*head, *rows]) + "\n"
