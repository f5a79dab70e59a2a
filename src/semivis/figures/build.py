"""Compute the plotted content of a figure: the recipe's scans, overlays and summary numbers.

This layer only *reads* results of the rooms below (architecture: ``figures/`` is a face):

* NA64 curves: :func:`semivis.scan.run_scan` on a :class:`semivis.scan.ScanSpec` built from the recipe
  (plane, model, fixed parameters, card, selection, EOT, grid of the chosen resolution); the exclusion is
  the region ``N_sig >= s_up`` of the returned Dataset (:mod:`semivis.figures.contours`);
* relic lines: :func:`semivis.cosmo.relic_target`;
* (g-2)_mu bands: :func:`semivis.constraints.g2_band`;
* cited/recast constraints: ``semivis.constraints.CONSTRAINTS[name]``.

A provider that is not available yet (or has no curve for this plane) is listed in
``FigureData.meta["missing"]`` with the reason, and the figure is drawn without it; the NA64 scan itself is
required (its absence is an error).
"""

from __future__ import annotations

import importlib
import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from semivis.errors import ParameterError, SemivisError
from semivis.figures.contours import exclusion_rings, projection_lines
from semivis.figures.data import FigureData
from semivis.figures.registry import RESOLUTIONS, FigureRecipe, NA64Curve, Overlay, Resolution, get_recipe
from semivis.figures.summary import band_covered_intervals, line_covered_intervals

__all__ = ["build_figure_data", "compute_summary", "resolve_resolution"]

FloatArray = NDArray[np.float64]

#: the (g-2) band of the summary number ``g2_band_excluded_up_to_GeV`` (the recipes' eps = eps_(g-2) is the
#: scan rule ``"g2:fnal2021:central"``, central value of the same band)
G2_CENTRAL_BAND = "fnal2021"


def resolve_resolution(resolution: str | Resolution) -> Resolution:
    """A :class:`Resolution` from its name (``fast`` | ``publication``)."""
    if isinstance(resolution, Resolution):
        return resolution
    try:
        return RESOLUTIONS[resolution]
    except KeyError:
        raise ParameterError("--resolution", resolution, " | ".join(RESOLUTIONS)) from None


def _optional(module: str, attr: str) -> Any | None:
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return None
    return getattr(mod, attr, None)


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
    Each number comes with its full list of covered intervals (``..._intervals_GeV``).
    """
    out: dict[str, Any] = {}
    current = next((c for c in recipe.na64 if c.role == "exclusion"), None)
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
            for curve in recipe.na64:
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


def _axis_grid(lim: tuple[float, float], n: int, pad: float = 1.0) -> FloatArray:
    lo, hi = lim
    return np.geomspace(lo / pad, hi * pad, n)


def _ratio_grid(ds: Any, eot: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(x, y, N_sig/s_up[iy, ix]) from a :func:`semivis.scan.run_scan` Dataset at one EOT.

    ``n_sig`` has dims (eot, <y>, <x>) and ``s_up`` (<y>, <x>), named after the plane's axes.
    """
    n_sig = ds["n_sig"]
    if "eot" in n_sig.dims:
        n_sig = n_sig.sel(eot=eot, method="nearest")
    y_dim, x_dim = n_sig.dims
    ratio = np.asarray((n_sig / ds["s_up"]).transpose(y_dim, x_dim).values, dtype=np.float64)
    x = np.asarray(ds[x_dim].values, dtype=np.float64)
    y = np.asarray(ds[y_dim].values, dtype=np.float64)
    return x, y, np.nan_to_num(ratio, nan=0.0, posinf=1e300)


def _rule(text: str) -> Callable[[float], float]:
    """A recipe's mass-dependent fixed coupling (e.g. ``eps = "g2:fnal2021:central"``, the papers'
    eps = eps_(g-2)) as a function of m_A' [GeV], from :func:`semivis.scan.planes.parse_rule`."""
    parse_rule = _optional("semivis.scan.planes", "parse_rule")
    if parse_rule is None:
        raise SemivisError(f"eps = {text} needs semivis.scan.planes.parse_rule, not available yet")
    rule = parse_rule("eps", text)
    return lambda m_ap: float(rule(m_ap))


def _scan_fixed(recipe: FigureRecipe) -> dict[str, float | str]:
    """The recipe's fixed parameters as ScanSpec takes them: theta from tan_theta; rules passed by name."""
    fixed: dict[str, float | str] = {}
    for k, v in recipe.fixed.items():
        if k == "tan_theta":
            fixed["theta"] = math.atan(float(v))
        else:
            fixed[k] = v if isinstance(v, str) else float(v)
    return fixed


def _na64_grid(
    recipe: FigureRecipe,
    curve: NA64Curve,
    *,
    res: Resolution,
    executor: str | None,
    cache_dir: str | Path | None,
    run_scan: Callable[..., Any],
    scan_spec: Callable[..., Any],
) -> tuple[FloatArray, FloatArray, FloatArray]:
    x = _axis_grid(recipe.x.lim, res.n_x)
    y = _axis_grid(recipe.y.lim, res.n_y)
    fixed = _scan_fixed(recipe)
    common = {
        "experiment": curve.card,
        "selection": curve.selection,
        "eot": (curve.eot,),
        "n_events": res.n_events,
    }
    kwargs: dict[str, Any] = {}
    if executor is not None:
        kwargs["executor"] = executor
    if cache_dir is not None:
        kwargs["cache_dir"] = cache_dir
    # one scan per curve; a mass-dependent eps (eps = eps_(g-2)(m_A')) is a rule the scan resolves per column
    spec = scan_spec(model=recipe.model, plane=recipe.plane, x=tuple(x), y=tuple(y), fixed=fixed, **common)
    return _ratio_grid(run_scan(spec, **kwargs), curve.eot)


def _model_params(recipe: FigureRecipe, extra: Mapping[str, float] | None = None) -> dict[str, Any]:
    """Fixed parameters as keyword arguments of the cosmo/constraints functions (theta from tan_theta)."""
    params: dict[str, Any] = {}
    for k, v in {**recipe.fixed, **(extra or {})}.items():
        if k == "tan_theta":
            params["theta"] = math.atan(float(v))
        elif isinstance(v, str):
            params[k] = _rule(v)
        else:
            params[k] = v
    return params


def _relic_line(recipe: FigureRecipe, ov: Overlay, n: int) -> list[FloatArray]:
    """The relic target in the recipe's plane (``semivis.cosmo.RELIC_PLANES``); unsolvable points are dropped."""
    planes = _optional("semivis.cosmo", "RELIC_PLANES")
    if planes is None:
        raise SemivisError("semivis.cosmo.RELIC_PLANES is not available yet")
    if recipe.plane not in planes:
        raise SemivisError(f"semivis.cosmo has no relic target in plane {recipe.plane}")
    params = _model_params(recipe, ov.params)
    if recipe.plane != "mchi1-tantheta":
        params["kind"] = recipe.model
    else:
        params.pop("theta", None)
    if recipe.model == "idm":
        params.pop("theta", None)
    x = _axis_grid(recipe.x.lim, n)
    # the relic solver refuses m_chi1 < 1 MeV (freeze-out before BBN): draw the line where it is defined
    if recipe.x.var == "m_chi1":
        x = x[x >= 1e-3]
    elif recipe.x.var == "m_Ap" and isinstance(params.get("ratio"), float | int):
        x = x[x / float(params["ratio"]) >= 1e-3]
    yv = np.ma.filled(np.ma.masked_invalid(planes[recipe.plane](x, on_failure="mask", **params)), np.nan)
    yv = np.asarray(yv, dtype=np.float64)
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
    g2_band = _optional("semivis.constraints", "g2_band")
    g2_eps = _optional("semivis.constraints", "g2_eps")
    if g2_band is None or g2_eps is None:
        raise SemivisError("semivis.constraints.g2_band/g2_eps are not available yet")
    if recipe.plane != "mAp-eps":
        raise SemivisError(f"(g-2) bands are drawn in the (m_A', eps) plane only, not {recipe.plane}")
    m = _axis_grid(recipe.x.lim, n)
    eps = g2_eps(m, g2_band(ov.name), ov.n_sigma)
    if "eps_low" not in eps:
        raise SemivisError(f"(g-2) band {ov.name} is an upper limit only at {ov.n_sigma:g} sigma")
    return {
        f"{ov.key}/lower": [np.column_stack([m, np.asarray(eps["eps_low"], dtype=np.float64)])],
        f"{ov.key}/upper": [np.column_stack([m, np.asarray(eps["eps_high"], dtype=np.float64)])],
        f"{ov.key}/central": [np.column_stack([m, np.asarray(eps["eps_central"], dtype=np.float64)])],
    }


def _constraint_lines(recipe: FigureRecipe, ov: Overlay, n: int) -> list[FloatArray]:
    registry = _optional("semivis.constraints", "CONSTRAINTS")
    if registry is None:
        raise SemivisError("semivis.constraints.CONSTRAINTS is not available yet")
    if ov.name not in registry:
        raise SemivisError(f"constraint '{ov.name}' is not in semivis.constraints.CONSTRAINTS")
    entry = registry[ov.name]
    if not getattr(entry, "available", True):
        raise SemivisError(f"constraint '{ov.name}' has no curve data: {getattr(entry, 'caption', '')}")
    if recipe.plane not in entry.planes or recipe.model not in entry.models:
        raise SemivisError(f"constraint '{ov.name}' is not defined for {recipe.model} in plane {recipe.plane}")
    params = {k: v for k, v in _model_params(recipe).items() if not callable(v)}
    curves = entry.curves(recipe.plane, kind=recipe.model, m_range=recipe.x.lim, n=n, **params)
    return [np.asarray(c, dtype=np.float64) for c in curves]


def _kinematic(recipe: FigureRecipe, ov: Overlay) -> list[FloatArray]:
    """delta-max: Delta > m_A' - 2 m_chi1, i.e. delta > R - 2 (A' -> chi1 chi2 closed); a ring over the axes."""
    if ov.name != "delta-max" or recipe.y.var != "delta":
        raise SemivisError(f"kinematic overlay '{ov.name}' not defined for plane {recipe.plane}")
    d_max = float(recipe.fixed["ratio"]) - 2.0
    (x0, x1), (_, y1) = recipe.x.lim, recipe.y.lim
    if d_max >= y1:
        return []
    return [np.array([[x0, d_max], [x1, d_max], [x1, y1 * 10], [x0, y1 * 10], [x0, d_max]])]


def build_figure_data(
    name: str | FigureRecipe,
    *,
    resolution: str | Resolution = "fast",
    executor: str | None = None,
    cache_dir: str | Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> FigureData:
    """Run the recipe's scans and collect every plotted curve and the summary numbers.

    Raises :class:`~semivis.errors.SemivisError` if ``semivis.scan.run_scan`` is not available; missing
    overlays are recorded in ``meta["missing"]``.
    """
    recipe = name if isinstance(name, FigureRecipe) else get_recipe(name)
    res = resolve_resolution(resolution)
    run_scan = _optional("semivis.scan", "run_scan")
    scan_spec = _optional("semivis.scan", "ScanSpec")
    if run_scan is None or scan_spec is None:
        raise SemivisError(f"figure {recipe.name} needs semivis.scan.run_scan and ScanSpec, not available yet")
    say = progress or (lambda _msg: None)
    data = FigureData(recipe.name)
    missing: dict[str, str] = {}
    timings: dict[str, float] = {}
    for curve in recipe.na64:
        t0 = time.perf_counter()
        say(f"{recipe.name}: NA64 {curve.key} ({curve.card}, {curve.selection}, {curve.eot:.3g} EOT)")
        x, y, ratio = _na64_grid(
            recipe, curve, res=res, executor=executor, cache_dir=cache_dir, run_scan=run_scan, scan_spec=scan_spec
        )
        data.add(f"na64/{curve.key}", exclusion_rings(x, y, ratio, log_x=recipe.x.log, log_y=recipe.y.log))
        data.add(f"na64/{curve.key}/contour", projection_lines(x, y, ratio, log_x=recipe.x.log, log_y=recipe.y.log))
        timings[f"na64/{curve.key}"] = time.perf_counter() - t0
    for ov in recipe.overlays:
        try:
            if ov.kind == "relic":
                data.add(ov.key, _relic_line(recipe, ov, res.n_curve))
            elif ov.kind == "g2":
                for k, v in _g2_lines(recipe, ov, 4 * res.n_curve).items():
                    data.add(k, v)
            elif ov.kind == "constraint":
                data.add(ov.key, _constraint_lines(recipe, ov, res.n_curve))
            else:
                data.add(ov.key, _kinematic(recipe, ov))
        except SemivisError as exc:  # noqa: PERF203 - one provider missing must not stop the others
            missing[ov.key] = str(exc)
    data.summary = compute_summary(recipe, data)
    data.meta = {
        "recipe": recipe.as_dict(),
        "resolution": {"n_x": res.n_x, "n_y": res.n_y, "n_events": res.n_events, "n_curve": res.n_curve},
        "missing": missing,
        "timings_s": timings,
    }
    return data
