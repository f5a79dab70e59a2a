"""Beam-dump constraints through the scan machinery: an evaluator for ``run_scan`` and the visible-model grid.

* :class:`BeamDumpEvaluator`: ``run_scan``'s column evaluator for iDM/i2DM at a beam dump (``spec.experiment`` is a
  beam-dump card of :mod:`semivis.beamdump`): a sample is :func:`semivis.beamdump.inelastic_sample` (cached like
  any scan sample), a column is :func:`semivis.beamdump.inelastic_n_signal` over its couplings. The card's observed
  count and background enter the scan's exact CLs ``s_up`` (the spec's ``n_obs``/``cl``, set from the card by
  ``semivis constraint``).
* :func:`visible_scan`: the minimal dark photon (A' -> e+e-, mu+mu-, hadrons) on an (m_A', eps) grid, the same
  Dataset variables as a ``run_scan`` result (N_sig, s_up, excluded, computed, THE contour of
  :func:`semivis.scan.contours.projection_lines`), written with :func:`semivis.scan.result.write_result`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from semivis import __version__
from semivis._io import to_jsonable
from semivis.beamdump import (
    DumpCard,
    DumpSample,
    InelasticDumpSample,
    dump_sample,
    inelastic_n_signal,
    inelastic_sample,
    load_dump,
    visible_n_signal,
)
from semivis.constants import m_e
from semivis.errors import ParameterError
from semivis.planes import log_grid
from semivis.production.darkbrem import PRODUCTION_M_AP_MAX_GEV
from semivis.scan.cache import SampleCache, cache_key
from semivis.scan.contours import projection_lines, ratio_grid
from semivis.scan.evaluators import Evaluator
from semivis.scan.result import ragged, write_result
from semivis.stats import upper_limit

__all__ = ["BeamDumpEvaluator", "dump_s_up", "visible_scan"]

Arrays = dict[str, NDArray[Any]]


def dump_s_up(card: DumpCard) -> float:
    """The card's upper limit on signal events as the scans compute it: exact CLs of ``semivis.stats`` from the
    card's observed count and background at its CL. A card whose published ``s_up`` is not that number (E141:
    a background-subtracted limit) is refused, naming the key."""
    s = upper_limit(card.n_observed, card.n_background, cl=card.cl)
    if abs(s / card.s_up - 1.0) > 0.01:
        raise ParameterError(
            "signal.s_up",
            card.s_up,
            f"the CLs limit of its counts, {s:.6g} (n_observed = {card.n_observed}, n_background = "
            f"{card.n_background:g}, cl = {card.cl:g})",
            f"card {card.name!r}: the scans compute s_up from the counts",
        )
    return s


@dataclass(frozen=True)
class BeamDumpEvaluator(Evaluator):
    """``run_scan`` evaluator of a beam-dump card (module docstring). ``n_primaries`` overrides the card's."""

    name: str = "beamdump"
    n_primaries: int | None = None

    @property
    def coverage(self) -> str:
        """Every mass point with A' -> chi1 chi2 and chi2 -> chi1 e+ e- open, m_A' <= 3 GeV."""
        return "m_A' <= 3 GeV with chi2 -> chi1 e+ e- open"

    def identity(self) -> dict[str, Any]:
        """Name and the primaries when overridden (both enter scan and sample keys)."""
        out: dict[str, Any] = {"name": self.name}
        if self.n_primaries is not None:
            out["n_primaries"] = int(self.n_primaries)
        return out

    def card_info(self, experiment: str) -> dict[str, Any]:
        """Content key, reference EOT (the card's electrons on target) and name of the beam-dump card."""
        card = load_dump(experiment)
        dump_s_up(card)
        key = cache_key({"dump": card.key()})
        return {"key": key, "eot": float(card.n_on_target), "name": card.name, "reference": card.reference}

    def background(self, experiment: str, bin_name: str) -> tuple[float, float]:
        """(expected background, 0) of the card."""
        return float(load_dump(experiment).n_background), 0.0

    def covers(self, masses: tuple[float, float, float]) -> bool:
        """The chi2 -> chi1 e+ e- decay must be open and m_A' within the production model (3 GeV)."""
        m_ap, m1, m2 = masses
        return bool(m_ap <= PRODUCTION_M_AP_MAX_GEV and (m2 - m1) > 2.0 * m_e)

    def build_sample(
        self,
        experiment: str,
        kind: str,
        masses: tuple[float, float, float],
        n_events: int,
        seed: np.random.SeedSequence,
    ) -> InelasticDumpSample:
        """The chi2 sample of the card at ``masses`` (``n_events`` is not used: the card sets the primaries)."""
        return inelastic_sample(load_dump(experiment), masses, seed, self.n_primaries)

    def to_arrays(self, sample: Any) -> tuple[Arrays, dict[str, Any]]:
        """Plain arrays and JSON metadata of a sample (cache)."""
        s: InelasticDumpSample = sample
        arrays = {"p_over_m": s.p_over_m, "z0": s.z0, "weight": s.weight, "acc": s.acc, "edges": s.edges}
        meta = {"masses": list(s.masses), "n_on_target": s.n_on_target, "meta": to_jsonable(s.meta)}
        return arrays, meta

    def from_arrays(self, arrays: Mapping[str, NDArray[Any]], meta: Mapping[str, Any]) -> Any:
        """Inverse of :meth:`to_arrays`."""
        m = tuple(float(v) for v in meta["masses"])
        return InelasticDumpSample(
            masses=(m[0], m[1], m[2]),
            p_over_m=np.ascontiguousarray(arrays["p_over_m"], dtype=np.float64),
            z0=np.ascontiguousarray(arrays["z0"], dtype=np.float64),
            weight=np.ascontiguousarray(arrays["weight"], dtype=np.float64),
            acc=np.ascontiguousarray(arrays["acc"], dtype=np.float64),
            edges=np.ascontiguousarray(arrays["edges"], dtype=np.float64),
            n_on_target=float(meta["n_on_target"]),
            meta=dict(meta.get("meta", {})),
        )

    def n_sig(
        self,
        experiment: str,
        kind: str,
        sample: Any,
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> NDArray[np.float64]:
        """Expected chi2 -> chi1 e+ e- events along the column, shape (1, n_couplings)."""
        theta = couplings["theta"] if kind == "i2dm" else None
        n = inelastic_n_signal(sample, kind, couplings["eps"], couplings["alpha_D"], theta)
        return n.reshape(1, -1)


def visible_scan(
    card: DumpCard,
    x_range: tuple[float, float] = (0.002, 0.5),
    y_range: tuple[float, float] = (1e-9, 1e-2),
    nx: int = 24,
    ny: int = 120,
    *,
    cache_dir: Path | str | None = None,
    out: Path | str | None = None,
) -> xr.Dataset:
    """Minimal dark photon at ``card`` on a log (m_A', eps) grid: the scan Dataset (module docstring).

    Samples are cached (content-addressed: card content, mass, version) in the scan sample cache.
    """
    s_up = dump_s_up(card)
    x = np.asarray(log_grid(x_range[0], x_range[1], nx, "x"))
    y = np.asarray(log_grid(y_range[0], y_range[1], ny, "y"))
    if not (x[0] > 2.0 * m_e and x[-1] <= PRODUCTION_M_AP_MAX_GEV):
        raise ParameterError("--x-min/--x-max", (float(x[0]), float(x[-1])), "2 m_e < m_A' <= 3 GeV")
    if not y[-1] < 1.0:
        raise ParameterError("--y-max", float(y[-1]), "0 < eps < 1")
    cache = SampleCache(cache_dir)
    n = np.zeros((y.size, x.size))
    for i, m in enumerate(x):
        key = cache_key({"dump": card.key(), "visible_m_Ap": float(m).hex(), "version": __version__})
        hit = cache.load(key)
        if hit is not None:
            arrays = hit[0]
            smp = DumpSample(
                m_Ap=float(m),
                p_over_m=np.ascontiguousarray(arrays["p_over_m"]),
                z0=np.ascontiguousarray(arrays["z0"]),
                weight=np.ascontiguousarray(arrays["weight"]),
                acc=np.ascontiguousarray(arrays["acc"]),
                edges=np.ascontiguousarray(arrays["edges"]),
                n_on_target=card.n_on_target,
            )
        else:
            smp = dump_sample(card, float(m))
            arrays = {"p_over_m": smp.p_over_m, "z0": smp.z0, "weight": smp.weight, "acc": smp.acc, "edges": smp.edges}
            cache.store(key, arrays, {"sample": to_jsonable(smp.meta)})
        n[:, i] = visible_n_signal(smp, y)
    eot = card.n_on_target
    lines = {float(eot): projection_lines(x, y, ratio_grid(n, np.full_like(n, s_up)))}
    rag = ragged(lines)
    prov = {
        "semivis_version": __version__,
        "model": "visible",
        "plane": "mAp-eps",
        "experiment": card.name,
        "card": {"name": card.name, "key": cache_key({"dump": card.key()}), "reference": card.reference},
        "n_obs": [card.n_observed],
        "cl": card.cl,
        "s_up": s_up,
        "eot": [eot],
        "statistics": "exact Poisson CLs (semivis.stats)",
    }
    ds = xr.Dataset(
        {
            "n_sig": (("eot", "eps", "m_Ap"), n[None], {"long_name": "expected signal events", "units": "1"}),
            "s_up": (("eps", "m_Ap"), np.full_like(n, s_up), {"long_name": f"{card.cl:.0%} CL upper limit (CLs)"}),
            "excluded": (("eot", "eps", "m_Ap"), (n >= s_up)[None].astype(np.int8)),
            "computed": (("eps", "m_Ap"), np.ones_like(n, dtype=bool)),
            "contour_x": (("vertex",), rag["contour_x"], {"long_name": "contour m_Ap"}),
            "contour_y": (("vertex",), rag["contour_y"], {"long_name": "contour eps"}),
            "polyline_start": (("polyline",), rag["polyline_start"]),
            "polyline_size": (("polyline",), rag["polyline_size"]),
            "polyline_eot": (("polyline",), rag["polyline_eot"]),
        },
        coords={
            "eot": ("eot", np.array([eot]), {"long_name": "electrons on target"}),
            "eps": ("eps", y, {"long_name": "kinetic mixing eps"}),
            "m_Ap": ("m_Ap", x, {"long_name": "m_A' [GeV]"}),
        },
        attrs={
            "title": f"semivis visible dark photon limit at {card.name}",
            "semivis_version": __version__,
            "model": "visible",
            "plane": "mAp-eps",
            "experiment": card.name,
            "card_name": card.name,
            "cl": card.cl,
            "eot_reference": eot,
            "cells_channel_closed": 0,
            "provenance": json.dumps(to_jsonable(prov), sort_keys=True),
        },
    )
    if out is not None:
        write_result(ds, out)
    return ds
