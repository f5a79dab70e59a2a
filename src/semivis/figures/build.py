"""Compute the plotted content of a figure: the recipe's scans, overlays and summary numbers.

This layer only *reads* results of the rooms below (architecture: ``figures/`` is a face):

* NA64 curves: :func:`semivis.scan.run_scan` on a :class:`semivis.scan.ScanSpec` built from the recipe
  (plane, model, fixed parameters, card, selection, EOT, grid of the chosen resolution); the exclusion is
  the region ``N_sig >= s_up`` of the returned Dataset (:mod:`semivis.scan.contours`, the one contour routine);
* relic lines: :func:`semivis.cosmo.relic_line` in the recipe's :class:`~semivis.planes.Plane`;
* (g-2)_mu bands: :func:`semivis.constraints.g2_band` and :func:`~semivis.constraints.g2_eps`;
* cited/recast constraints: ``semivis.constraints.CONSTRAINTS[name]``, drawn in the recipe's plane.

Each NA64 curve's scan simulates the A' production processes the curve declares (``NA64Curve.processes``:
bremsstrahlung only for the papers' curves, as their recasts; semivis's ``improvement`` curves add resonant
annihilation), so paper-faithful and improved results are never mixed.

Every NA64 scan uses one signal-efficiency mode (``efficiency_normalisation``, ``semivis figure
--efficiency-normalisation``; docs/physics/production.md, "Normalisation to NA64's invisible limit"); the mode,
each card's factor and a short label are in ``FigureData.meta`` (:func:`efficiency_meta`), and a figure in a mode
other than the default says so in its legend.

Caching (issue 12): each NA64 scan group's grids, the relic lines and the constraint curves are stored in the
``figures/`` section of the content-addressed cache (:class:`semivis.scan.SampleCache`, same integrity checks as
the samples), keyed by everything they depend on: the scan's key (:func:`semivis.scan.runner.scan_key`: spec,
evaluator, card content, version) or the overlay's physics inputs (plane, model, fixed parameters, x range,
points), plus the digest of semivis's source (:func:`semivis._codecache.source_digest`), so a code change is a
miss. A re-run (e.g. another output file) reads them back bit for bit. A scan's grids are stored only if the
result's provenance names the expected scan key (a stand-in evaluator's result is never stored under the real
one's key). The scans keep their lifetime kernels in the ``kernels/`` section of the default cache root
(:class:`semivis.scan.evaluators.SignalEvaluator`).

An overlay that does not apply to the recipe's plane or model (declared by the provider: a constraint's
``planes``/``models``/``available``, the relic solver's models, the (g-2) bands' plane) is listed in
``FigureData.meta["missing"]`` with the reason, and the figure is drawn without it. Any error raised while
computing an overlay that applies propagates: it is a bug or bad input, not a missing curve.

Overlays alongside the scans (issue 12, item 4): with ``executor="processes"`` the overlay curves that are not
cached (the relic line, constraint curves such as the E137 decay region computed by semivis, ~100 s of CPU in
``epjc2023-fig4b`` at fast resolution) are submitted to the scans' process pool before the NA64 columns, so they
run *while* the scans do, instead of after them (:func:`_start_overlays`). Same functions, same inputs, so the
same numbers (each overlay is deterministic: seeded Monte Carlo); it saves wall time, not CPU time. One pool for
both (session 17): its workers import semivis and load the compiled kernels once (~2.5 s of CPU per process for
Fig. 3), and the cores are not shared by twice as many processes as they have; the longest jobs (the overlays)
start first, the short columns fill the end. A separate ``overlay_pool`` may still be given. With any other
executor the overlays are computed here, after the scans, as before.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from semivis.constraints import CONSTRAINTS, RULE_PARAMETERS, g2_band, g2_eps, parse_rule
from semivis.cosmo import RELIC_MODELS, relic_line
from semivis.detector import load_card
from semivis.detector.cards import EFFICIENCY_NORMALISATIONS
from semivis.errors import ParameterError
from semivis.figures.data import NOT_COMPUTED_KEY, FigureData
from semivis.figures.registry import RESOLUTIONS, FigureRecipe, NA64Curve, Overlay, Resolution, get_recipe
from semivis.figures.summary import band_covered_intervals, line_covered_intervals
from semivis.planes import OPTION, PLANES, log_grid, resolve_fixed
from semivis.production.darkbrem import PRODUCTION_M_AP_MAX_GEV
from semivis.scan import SampleCache, ScanSpec, run_scan
from semivis.scan.cache import cache_key, source_digest
from semivis.scan.contours import dataset_ratio, exclusion_rings, not_computed_rings, projection_lines
from semivis.scan.evaluators import SignalEvaluator
from semivis.scan.runner import scan_executor, scan_key
from semivis.scan.spec import DEFAULT_EFFICIENCY_NORMALISATION

__all__ = [
    "NOT_COMPUTED_REASONS",
    "build_figure_data",
    "check_efficiency_normalisation",
    "compute_summary",
    "efficiency_meta",
    "figure_scan_spec",
    "overlay_declined",
    "resolve_resolution",
]

FloatArray = NDArray[np.float64]

#: the (g-2) band of the summary number ``g2_band_excluded_up_to_GeV`` (the recipes' eps = eps_(g-2) is the
#: scan rule ``"g2:fnal2021:central"``, central value of the same band)
G2_CENTRAL_BAND = "fnal2021"

#: why a scan left cells not computed, by the count its result's attributes give (``semivis.scan.runner``)
NOT_COMPUTED_REASONS: Mapping[str, str] = {
    "cells_outside_production_range": f"m_A' > {PRODUCTION_M_AP_MAX_GEV:g} GeV (production range)",
    "cells_unphysical_eps": "eps >= 1 (unphysical)",
}

#: planes the (g-2)_mu bands are drawn in (the bands are eps(m_A'), drawn where eps is an axis)
G2_PLANES: tuple[str, ...] = ("mAp-eps",)


def resolve_resolution(resolution: str | Resolution) -> Resolution:
    """A :class:`Resolution` from its name (``fast`` | ``publication``)."""
    if isinstance(resolution, Resolution):
        return resolution
    try:
        return RESOLUTIONS[resolution]
    except KeyError:
        raise ParameterError("--resolution", resolution, " | ".join(RESOLUTIONS)) from None


# ----------------------------------------------------------------------------------------------------------
# summary numbers (pure functions of the curves)
# ----------------------------------------------------------------------------------------------------------


def _first_end(intervals: list[tuple[float, float]]) -> float | None:
    return intervals[0][1] if intervals else None


def compute_summary(recipe: FigureRecipe, data: FigureData) -> dict[str, Any]:
    """The recipe's summary numbers from the curves in ``data`` (see :mod:`semivis.figures.summary`).

    ``g2_band_excluded_up_to_GeV``: against the 2 sigma ``fnal2021`` band (251 +- 59)e-11 and the current
    NA64 exclusion; ``relic_probed_up_to_GeV``: the relic line against the current exclusion;
    ``min_allowed_mchi1_GeV``: per statistics, the end of the lowest excluded stretch of the relic line.
    Each number comes with its full list of covered intervals (``..._intervals_GeV``). These are the paper-faithful
    numbers (the recipe's ``exclusion`` and ``projection`` curves); each ``improvement`` curve (semivis's additions,
    e.g. resonant annihilation) gets the same items, computed on it alone, under ``improvement/<key>``.
    """
    paper = tuple(c for c in recipe.na64 if c.role != "improvement")
    current = next((c for c in paper if c.role == "exclusion"), None)
    out = _summary_items(recipe, data, current, paper)
    for curve in recipe.na64:
        if curve.role == "improvement":
            out[f"improvement/{curve.key}"] = _summary_items(recipe, data, curve, (curve,))
    return out


def _summary_items(
    recipe: FigureRecipe, data: FigureData, current: NA64Curve | None, curves: tuple[NA64Curve, ...]
) -> dict[str, Any]:
    """The recipe's summary items against the exclusion ``current`` (band, relic line) and, per curve of ``curves``,
    the relic line's excluded stretches (minimum allowed m_chi1)."""
    out: dict[str, Any] = {}
    rings = data.get(f"na64/{current.key}") if current else []
    log_x, log_y = recipe.x.log, recipe.y.log
    xr = recipe.x.lim
    for item in recipe.summary:
        if item == "g2_band_excluded_up_to_GeV":
            lo, hi = data.get(f"g2/{G2_CENTRAL_BAND}/lower"), data.get(f"g2/{G2_CENTRAL_BAND}/upper")
            if not (lo and hi and rings):
                out[item] = None
                continue
            iv = band_covered_intervals(rings, lo[0], hi[0], x_range=xr, log_x=log_x, log_y=log_y)
            out[item] = _first_end(iv)
            out[item.replace("_up_to_GeV", "_intervals_GeV")] = iv
        elif item == "relic_probed_up_to_GeV":
            relic = data.get("relic")
            if not (relic and rings):
                out[item] = None
                continue
            iv = line_covered_intervals(rings, relic[0], x_range=xr, log_x=log_x, log_y=log_y)
            out[item] = _first_end(iv)
            out["relic_probed_intervals_GeV"] = iv
        elif item == "min_allowed_mchi1_GeV":
            relic = data.get("relic")
            per_stat: dict[str, float | None] = {}
            per_iv: dict[str, list[tuple[float, float]]] = {}
            for curve in curves:
                r = data.get(f"na64/{curve.key}")
                if not (relic and r):
                    per_stat[curve.key] = None
                    continue
                iv = line_covered_intervals(r, relic[0], x_range=xr, log_x=log_x, log_y=log_y)
                per_stat[curve.key] = _first_end(iv)
                per_iv[curve.key] = iv
            out[item] = per_stat
            out["relic_excluded_intervals_GeV"] = per_iv
        else:  # pragma: no cover - registry and this function are kept in step by tests
            raise ParameterError("summary", item, "a known summary item")
    return out


# ----------------------------------------------------------------------------------------------------------
# providers
# ----------------------------------------------------------------------------------------------------------


def _grid(lim: tuple[float, float], n: int) -> FloatArray:
    return np.asarray(log_grid(lim[0], lim[1], n), dtype=np.float64)


def _fixed(recipe: FigureRecipe, extra: Mapping[str, float] | None = None) -> dict[str, Any]:
    """The recipe's fixed parameters (overlay ``extra`` on top) for its plane and model: numbers from
    :func:`semivis.planes.resolve_fixed` (tan theta -> theta), and a rule-valued coupling (the papers'
    eps = eps_(g-2)) as its :class:`~semivis.constraints.CouplingRule`, a function of m_A'."""
    given = {**recipe.fixed, **(extra or {})}
    rules = {k: parse_rule(OPTION[k], v) for k, v in given.items() if isinstance(v, str) and k in RULE_PARAMETERS}
    numbers: dict[str, Any] = resolve_fixed(PLANES[recipe.plane], recipe.model, given, given_elsewhere=tuple(rules))
    return {**numbers, **rules}


@dataclass(frozen=True)
class _Na64Grid:
    """One NA64 curve's grid: axes, N_sig / s_up[iy, ix] and which cells were computed."""

    x: FloatArray
    y: FloatArray
    ratio: FloatArray
    computed: NDArray[np.bool_]
    reasons: tuple[str, ...]  # why cells are not computed (NOT_COMPUTED_REASONS values)


#: the target of each non-default signal-efficiency mode, in the words of a figure's legend
_NORMALISATION_WORDS: Mapping[str, str] = {"na64-invisible-2016-2022": "NA64 invisible 2016-2022"}


def check_efficiency_normalisation(mode: str) -> str:
    """``mode`` if it is a signal-efficiency mode (:data:`~semivis.detector.cards.EFFICIENCY_NORMALISATIONS`), else
    one :class:`~semivis.errors.ParameterError` naming ``--efficiency-normalisation``.

    >>> check_efficiency_normalisation("per-mass")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: --efficiency-normalisation = 'per-mass' is out of range: allowed first-princ...
    """
    if mode not in EFFICIENCY_NORMALISATIONS:
        raise ParameterError("--efficiency-normalisation", mode, " | ".join(EFFICIENCY_NORMALISATIONS))
    return mode


def efficiency_meta(recipe: FigureRecipe, mode: str) -> dict[str, Any]:
    """What ``meta`` says of the signal efficiency of ``recipe``'s NA64 curves in ``mode``: the mode, each card's
    factor (:attr:`~semivis.detector.ExperimentCard.efficiency_factor`) and words (``efficiency_label``), and a short
    ``label`` for the legend. Raises the card's :class:`~semivis.errors.CardError` if a card has no factor.

    >>> efficiency_meta(get_recipe("epjc2023-fig8b"), "first-principles")["label"]
    'signal efficiency: first principles'
    >>> efficiency_meta(get_recipe("epjc2023-fig8b"), "na64-invisible-2016-2022")["label"]
    'signal efficiency normalised to NA64 invisible 2016-2022 (x0.655)'
    """
    cards = {c.card: load_card(c.card, check_efficiency_normalisation(mode)) for c in recipe.na64}
    factors = sorted({card.efficiency_factor for card in cards.values()})
    if mode == DEFAULT_EFFICIENCY_NORMALISATION:
        label = "signal efficiency: first principles"
    else:
        words = _NORMALISATION_WORDS.get(mode, mode)
        label = f"signal efficiency normalised to {words} (x{'/'.join(f'{k:g}' for k in factors)})"
    return {
        "normalisation": mode,
        "label": label,
        "factors": {name: card.efficiency_factor for name, card in cards.items()},
        "cards": {name: card.efficiency_label for name, card in cards.items()},
    }


def _scan_groups(recipe: FigureRecipe) -> list[tuple[NA64Curve, ...]]:
    """The recipe's NA64 curves grouped by everything but their statistics: curves whose cards describe the same
    detector (``ExperimentCard.detector_key``: the card without its name, description and EOT, e.g.
    na64-2016-2018, -2022 and -ls3) with the same selection and A' production processes (plane, model and fixed
    parameters are the recipe's) come from ONE scan at all their EOTs, on the group's first card: N_sig scales with
    EOT and s_up does not depend on it (issue 12, deliverable 3).

    Against one scan per card this changes the projection curves by rounding only (a scan normalises N_sig at
    its own card's EOT before scaling; measured: <= 2.2e-15 relative in the contour vertices, summaries
    identical) and halves the time of epjc2023-fig3 at publication resolution (docs/performance.md).
    """
    groups: dict[tuple[str, str, tuple[str, ...]], list[NA64Curve]] = {}
    for curve in recipe.na64:
        key = (load_card(curve.card).detector_key(), curve.selection, curve.processes)
        groups.setdefault(key, []).append(curve)
    return [tuple(g) for g in groups.values()]


def figure_scan_spec(
    recipe: FigureRecipe,
    curves: tuple[NA64Curve, ...],
    res: Resolution,
    efficiency_normalisation: str = DEFAULT_EFFICIENCY_NORMALISATION,
) -> ScanSpec:
    """The scan of ``curves`` (one group of the recipe's NA64 curves, :func:`_scan_groups`) at all their EOTs, with
    their A' production processes, in signal-efficiency mode ``efficiency_normalisation``; a mass-dependent eps
    (eps = eps_(g-2)(m_A')) is a rule the scan resolves per column; on a per-cell plane adaptive with the
    resolution's ``pilot_events`` (:mod:`semivis.scan.adaptive`)."""
    return ScanSpec(
        model=recipe.model,
        plane=recipe.plane,
        x=log_grid(recipe.x.lim[0], recipe.x.lim[1], res.n_x),
        y=log_grid(recipe.y.lim[0], recipe.y.lim[1], res.n_y),
        fixed=dict(recipe.fixed),
        experiment=curves[0].card,
        selection=curves[0].selection,
        eot=tuple(c.eot for c in curves),
        n_events=res.n_events,
        efficiency_normalisation=efficiency_normalisation,
        processes=curves[0].processes,
        pilot_events=res.pilot_events if PLANES[recipe.plane].per_cell else None,
    )


def _na64_grids(
    recipe: FigureRecipe,
    curves: tuple[NA64Curve, ...],
    *,
    res: Resolution,
    executor: str | cf.Executor | None,
    cache_dir: str | Path | None,
    efficiency_normalisation: str = DEFAULT_EFFICIENCY_NORMALISATION,
    lifetime: str | None = None,
    keep_samples: bool = False,
) -> dict[str, _Na64Grid]:
    """One scan for ``curves`` (a group of :func:`_scan_groups`) at all their EOTs (:func:`figure_scan_spec`). The
    grids come from the ``figures/`` cache section when the same scan (same :func:`~semivis.scan.runner.scan_key`)
    was run by the same code before."""
    spec = figure_scan_spec(recipe, curves, res, efficiency_normalisation)
    cache = SampleCache(cache_dir, section="figures")
    kwargs: dict[str, Any] = {"keep_samples": keep_samples}
    if executor is not None:
        kwargs["executor"] = executor
    if cache_dir is not None:
        kwargs["cache_dir"] = cache_dir
    evaluator = SignalEvaluator()  # what run_scan uses without an evaluator
    if lifetime is not None:
        evaluator = kwargs["evaluator"] = SignalEvaluator(lifetime=lifetime)
    expected = scan_key(spec, evaluator.for_spec(spec), evaluator.for_spec(spec).card_info(spec.experiment)["key"])
    fields = {"na64_scan": expected, "eots": [float(c.eot).hex() for c in curves], "code": source_digest()}
    key = cache_key(fields)
    hit = _grids_from_cache(cache.load(key), curves)
    if hit is not None:
        return hit
    ds = run_scan(spec, **kwargs)
    plane = PLANES[spec.plane]
    computed = np.asarray(ds["computed"].transpose(plane.y, plane.x).values, dtype=np.bool_)
    reasons = tuple(why for count, why in NOT_COMPUTED_REASONS.items() if int(ds.attrs.get(count, 0)) > 0)
    grids = {c.key: _Na64Grid(*dataset_ratio(ds, c.eot), computed, reasons) for c in curves}
    first = grids[curves[0].key]
    arrays = {"x": first.x, "y": first.y, "computed": computed}
    arrays |= {f"ratio_{i}": grids[c.key].ratio for i, c in enumerate(curves)}
    if json.loads(str(ds.attrs.get("provenance", "{}"))).get("scan_key") == expected:  # the scan we keyed, no stand-in
        cache.store(key, arrays, {"what": fields, "curves": [c.key for c in curves], "reasons": list(reasons)})
    return grids


def _grids_from_cache(
    entry: tuple[dict[str, NDArray[Any]], dict[str, Any]] | None, curves: tuple[NA64Curve, ...]
) -> dict[str, _Na64Grid] | None:
    """The grids of a ``figures/`` cache entry written by :func:`_na64_grids`, or None (missing or not such an
    entry)."""
    if entry is None:
        return None
    arrays, meta = entry
    names = ["x", "y", "computed", *(f"ratio_{i}" for i in range(len(curves)))]
    if meta.get("curves") != [c.key for c in curves] or any(n not in arrays for n in names):
        return None
    x = np.asarray(arrays["x"], dtype=np.float64)
    y = np.asarray(arrays["y"], dtype=np.float64)
    computed = np.asarray(arrays["computed"], dtype=np.bool_)
    reasons = tuple(str(r) for r in meta.get("reasons", []))
    return {
        c.key: _Na64Grid(x, y, np.asarray(arrays[f"ratio_{i}"], dtype=np.float64), computed, reasons)
        for i, c in enumerate(curves)
    }


def _lines_from_cache(cache: SampleCache, fields: Mapping[str, Any]) -> list[FloatArray] | None:
    """The curves stored for ``fields`` (the curves' physics inputs) by this code, or None."""
    entry = cache.load(cache_key({**fields, "code": source_digest()}))
    if entry is not None:
        arrays, meta = entry
        n = meta.get("n_lines")
        if isinstance(n, int) and all(f"line_{i}" in arrays for i in range(n)):
            return [np.asarray(arrays[f"line_{i}"], dtype=np.float64) for i in range(n)]
    return None


def _store_lines(cache: SampleCache, fields: Mapping[str, Any], lines: list[FloatArray]) -> None:
    """Store ``lines`` for ``fields`` and the current source digest (read by :func:`_lines_from_cache`)."""
    key = cache_key({**fields, "code": source_digest()})
    cache.store(key, {f"line_{i}": line for i, line in enumerate(lines)}, {"n_lines": len(lines), "what": fields})


def _cached_lines(
    cache: SampleCache, fields: Mapping[str, Any], compute: Callable[[], list[FloatArray]]
) -> list[FloatArray]:
    """``compute()`` (a list of (n, 2) curves), read from the ``figures/`` cache section if it holds the entry of
    ``fields`` (the curves' physics inputs) and the current source digest, else computed and stored."""
    lines = _lines_from_cache(cache, fields)
    if lines is None:
        lines = compute()
        _store_lines(cache, fields, lines)
    return lines


def _overlay_job(recipe: FigureRecipe, ov: Overlay, res: Resolution) -> tuple[dict[str, Any], Callable[[], Any]] | None:
    """(cache fields, computation) of a relic or constraint overlay of ``recipe`` that applies, else None (the
    g-2 bands and kinematic edges cost nothing; declined overlays compute nothing)."""
    if overlay_declined(recipe, ov) is not None:
        return None
    if ov.kind == "relic":
        return _overlay_fields(recipe, ov, res.n_curve), functools.partial(_relic_lines, recipe, ov, res.n_curve)
    if ov.kind == "constraint":
        return _overlay_fields(recipe, ov, res.n_curve), functools.partial(_constraint_lines, recipe, ov, res.n_curve)
    return None


@contextlib.contextmanager
def _start_overlays(
    recipe: FigureRecipe, res: Resolution, cache: SampleCache, executor: str | None, pool: cf.Executor | None = None
) -> Iterator[dict[str, cf.Future[list[FloatArray]]]]:
    """With ``executor="processes"``: the relic and constraint overlays not in the cache, submitted now to ``pool``
    (:func:`build_figure_data` passes the scans' pool) or, without one, to a pool of their own
    (:func:`semivis.scan.runner.scan_executor`, a process per overlay up to the core count), by overlay key; else
    nothing (computed after the scans).

    The overlays then run while the NA64 scans do (module docstring). An error or Ctrl-C while the scans run
    cancels the overlay jobs and terminates the pool's processes (``scan_executor``; a shared pool's owner does)."""
    jobs = {}
    if executor == "processes":
        for ov in recipe.overlays:
            job = _overlay_job(recipe, ov, res)
            if job is not None and _lines_from_cache(cache, job[0]) is None:
                jobs[ov.key] = job[1]
    if not jobs:
        yield {}
        return
    # one process per overlay up to the core count: once the scans finish, the rest of the overlay work (Fig. 3 at
    # fast resolution: three computed beam-dump regions, ~2x the scans' CPU) runs on every core, not on one
    workers = max(1, min(len(jobs), os.cpu_count() or 1))
    with scan_executor(pool or "processes", workers) as ex:
        yield {key: ex.submit(fn) for key, fn in jobs.items()}


def _overlay_fields(recipe: FigureRecipe, ov: Overlay, n: int) -> dict[str, Any]:
    """What an overlay curve depends on: its kind and name, the recipe's plane, model, axis range and fixed
    parameters (the overlay's own on top), and the number of points."""
    return {
        "overlay": ov.kind,
        "name": ov.name,
        "plane": recipe.plane,
        "model": recipe.model,
        "x_lim": [float(v).hex() for v in recipe.x.lim],
        "fixed": {**recipe.fixed, **(ov.params or {})},
        "n": n,
    }


def _relic_lines(recipe: FigureRecipe, ov: Overlay, n: int) -> list[FloatArray]:
    """The relic target in the recipe's plane; unsolvable points (and m_chi1 < 1 MeV) split the line."""
    x = _grid(recipe.x.lim, n)
    yv = relic_line(PLANES[recipe.plane], x, kind=recipe.model, fixed=_fixed(recipe, ov.params), on_failure="mask")
    yv = np.asarray(np.ma.filled(np.ma.masked_invalid(yv), np.nan), dtype=np.float64)
    ok = np.isfinite(yv) & (yv > 0)
    lines, run = [], []
    for xi, yi, good in zip(x, yv, ok, strict=True):  # a masked point splits the line
        if good:
            run.append((xi, yi))
        elif len(run) >= 2:
            lines.append(np.array(run))
            run = []
        else:
            run = []
    if len(run) >= 2:
        lines.append(np.array(run))
    return lines


def _g2_lines(recipe: FigureRecipe, ov: Overlay, n: int) -> dict[str, list[FloatArray]]:
    m = _grid(recipe.x.lim, n)
    eps = g2_eps(m, g2_band(ov.name), ov.n_sigma)
    if "eps_low" not in eps:  # an upper-limit-only band has no edges to draw (g2_eps returns eps_max only)
        return {}
    return {
        f"{ov.key}/lower": [np.column_stack([m, np.asarray(eps["eps_low"], dtype=np.float64)])],
        f"{ov.key}/upper": [np.column_stack([m, np.asarray(eps["eps_high"], dtype=np.float64)])],
        f"{ov.key}/central": [np.column_stack([m, np.asarray(eps["eps_central"], dtype=np.float64)])],
    }


def _constraint_lines(recipe: FigureRecipe, ov: Overlay, n: int) -> list[FloatArray]:
    numbers = {k: v for k, v in _fixed(recipe).items() if not callable(v)}  # constraints' planes take numbers
    curves = CONSTRAINTS[ov.name].curves(
        PLANES[recipe.plane], kind=recipe.model, fixed=numbers, x_range=recipe.x.lim, n=n
    )
    return [np.asarray(c, dtype=np.float64) for c in curves]


def _kinematic(recipe: FigureRecipe) -> list[FloatArray]:
    """delta-max: Delta > m_A' - 2 m_chi1, i.e. delta > R - 2 (A' -> chi1 chi2 closed); a ring over the axes."""
    d_max = float(recipe.fixed["ratio"]) - 2.0
    (x0, x1), (_, y1) = recipe.x.lim, recipe.y.lim
    if d_max >= y1:
        return []
    return [np.array([[x0, d_max], [x1, d_max], [x1, y1 * 10], [x0, y1 * 10], [x0, d_max]])]


def overlay_declined(recipe: FigureRecipe, ov: Overlay) -> str | None:
    """Why overlay ``ov`` has no curve in ``recipe``'s plane and model, from its provider's declared
    capability (None: it applies and is computed; errors while computing it propagate)."""
    plane = PLANES[recipe.plane]
    if ov.kind == "relic":
        if recipe.model not in RELIC_MODELS:
            return f"the relic target is computed for {', '.join(RELIC_MODELS)} only, not {recipe.model}"
        return None
    if ov.kind == "g2":
        if plane.name not in G2_PLANES:
            return f"(g-2) bands are drawn in the {', '.join(G2_PLANES)} plane only, not {plane.name}"
        return None
    if ov.kind == "constraint":
        if ov.name not in CONSTRAINTS:
            raise ParameterError("overlay", ov.name, "a name in semivis.constraints.CONSTRAINTS", recipe.name)
        return CONSTRAINTS[ov.name].applies(plane, recipe.model)
    if ov.kind == "kinematic":
        if ov.name != "delta-max" or plane.y != "delta":
            return f"kinematic overlay '{ov.name}' is defined in the (m_chi1, Delta/m_chi1) plane only"
        return None
    raise ParameterError("overlay kind", ov.kind, "relic | g2 | constraint | kinematic", recipe.name)


def build_figure_data(
    name: str | FigureRecipe,
    *,
    resolution: str | Resolution = "fast",
    executor: str | None = None,
    cache_dir: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
    efficiency_normalisation: str = DEFAULT_EFFICIENCY_NORMALISATION,
    lifetime: str | None = None,
    scan_pool: cf.Executor | None = None,
    overlay_pool: cf.Executor | None = None,
    keep_samples: bool = False,
) -> FigureData:
    """Run the recipe's scans and collect every plotted curve and the summary numbers.

    With ``executor="processes"`` the figure's scans share one process pool (:func:`semivis.scan.runner.
    scan_executor`): ``scan_pool`` when given (several figures sharing it, :func:`semivis.figures.make_all`), else
    one made here; its workers start and load the compiled kernels once. The uncached overlays run alongside in
    the same pool (``overlay_pool`` when given: in that one).

    Every NA64 scan uses signal-efficiency mode ``efficiency_normalisation`` (``meta["efficiency"]``:
    :func:`efficiency_meta`). Overlays that do not apply (:func:`overlay_declined`) are recorded in
    ``meta["missing"]``. ``lifetime``: the scans' lifetime reweighting, ``kernel`` or ``exact``
    (:class:`semivis.scan.evaluators.SignalEvaluator`; None: its default, ``$SEMIVIS_LIFETIME`` or ``kernel``).
    Scan grids, relic lines and constraint curves are cached (module docstring) under ``cache_dir``; the scans'
    event samples only with ``keep_samples`` (:func:`semivis.scan.runner.run_scan`: by default the lifetime kernels
    that answer a re-run are cached, not the ~30 MB per mass point samples they came from).
    """
    recipe = name if isinstance(name, FigureRecipe) else get_recipe(name)
    res = resolve_resolution(resolution)
    efficiency = efficiency_meta(recipe, efficiency_normalisation)  # a bad mode or card fails before any scan
    say = progress or (lambda _msg: None)
    data = FigureData(recipe.name)
    missing: dict[str, str] = {}
    timings: dict[str, float] = {}
    not_computed: NDArray[np.bool_] | None = None
    reasons: list[str] = []
    cache = SampleCache(cache_dir, section="figures")
    with (
        scan_executor(scan_pool or "processes")
        if executor == "processes"
        else contextlib.nullcontext(executor) as scans_on,
        # the uncached overlays alongside, in the scans' pool unless given their own (module docstring)
        _start_overlays(
            recipe, res, cache, executor, overlay_pool or (scans_on if isinstance(scans_on, cf.Executor) else None)
        ) as running,
    ):
        for group in _scan_groups(recipe):
            t0 = time.perf_counter()
            eots = ", ".join(f"{c.eot:.3g}" for c in group)
            procs = "+".join(group[0].processes)
            keys = ", ".join(c.key for c in group)
            say(f"{recipe.name}: NA64 {keys} ({group[0].card}, {group[0].selection}, {procs}, {eots} EOT)")
            grids = _na64_grids(
                recipe,
                group,
                res=res,
                executor=scans_on,
                cache_dir=cache_dir,
                efficiency_normalisation=efficiency_normalisation,
                lifetime=lifetime,
                keep_samples=keep_samples,
            )
            for curve in group:
                g = grids[curve.key]
                lx, ly = recipe.x.log, recipe.y.log
                data.add(
                    f"na64/{curve.key}", exclusion_rings(g.x, g.y, g.ratio, log_x=lx, log_y=ly, computed=g.computed)
                )
                data.add(
                    f"na64/{curve.key}/contour",
                    projection_lines(g.x, g.y, g.ratio, log_x=lx, log_y=ly, computed=g.computed),
                )
                not_computed = ~g.computed if not_computed is None else not_computed | ~g.computed
                reasons.extend(why for why in g.reasons if why not in reasons)
            timings["na64/" + ",".join(c.key for c in group)] = time.perf_counter() - t0
        grid_x = np.asarray(log_grid(recipe.x.lim[0], recipe.x.lim[1], res.n_x), dtype=np.float64)
        grid_y = np.asarray(log_grid(recipe.y.lim[0], recipe.y.lim[1], res.n_y), dtype=np.float64)
        skipped = None
        if not_computed is not None and not_computed.any():
            skipped = _not_computed_meta(grid_x, not_computed, reasons)
            data.add(
                NOT_COMPUTED_KEY,
                not_computed_rings(grid_x, grid_y, ~not_computed, log_x=recipe.x.log, log_y=recipe.y.log),
            )
        for ov in recipe.overlays:
            why = overlay_declined(recipe, ov)
            if why is not None:
                missing[ov.key] = why
            elif ov.key in running:  # computed alongside the scans: stored exactly as _cached_lines stores it
                done = running[ov.key].result()
                _store_lines(cache, _overlay_fields(recipe, ov, res.n_curve), done)
                data.add(ov.key, done)
            elif ov.kind == "relic":
                fields = _overlay_fields(recipe, ov, res.n_curve)
                relic = functools.partial(_relic_lines, recipe, ov, res.n_curve)
                data.add(ov.key, _cached_lines(cache, fields, relic))
            elif ov.kind == "g2":
                lines = _g2_lines(recipe, ov, 4 * res.n_curve)
                if not lines:
                    missing[ov.key] = f"(g-2) band {ov.name} is an upper limit only at {ov.n_sigma:g} sigma"
                for k, v in lines.items():
                    data.add(k, v)
            elif ov.kind == "constraint":
                fields = _overlay_fields(recipe, ov, res.n_curve)
                compute = functools.partial(_constraint_lines, recipe, ov, res.n_curve)
                data.add(ov.key, _cached_lines(cache, fields, compute))
            else:
                data.add(ov.key, _kinematic(recipe))
    data.summary = compute_summary(recipe, data)
    data.meta = {
        "recipe": recipe.as_dict(),
        "resolution": {
            "n_x": res.n_x,
            "n_y": res.n_y,
            "n_events": res.n_events,
            "n_curve": res.n_curve,
            **({"pilot_events": res.pilot_events} if res.pilot_events and PLANES[recipe.plane].per_cell else {}),
        },
        "efficiency": efficiency,
        "missing": missing,
        **({"not_computed": skipped} if skipped is not None else {}),
        "timings_s": timings,
    }
    return data


def _not_computed_meta(x: FloatArray, not_computed: NDArray[np.bool_], reasons: list[str]) -> dict[str, Any]:
    """``meta["not_computed"]``: why, how many cells, and the x values of the columns with such cells."""
    columns = np.flatnonzero(not_computed.any(axis=0))
    return {
        "reason": "; ".join(reasons) or "not computed by the scan",
        "cells": int(not_computed.sum()),
        "of_cells": int(not_computed.size),
        "columns_x": [float(x[i]) for i in columns],
    }
