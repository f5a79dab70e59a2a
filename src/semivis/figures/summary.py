"""Summary numbers of a figure, computed from its plotted polylines only (pure functions, no physics).

An exclusion region is a list of closed rings (``(n, 2)`` arrays of ``(x, y)`` vertices, as produced by
:func:`semivis.scan.contours.exclusion_rings`); a point is inside when a ray from it crosses the rings an
odd number of times (even-odd rule), so islands and holes are handled without knowing which ring is which.
Lines and bands are polylines ``(n, 2)``. All geometry is done in the coordinates the figure is drawn in:
log10 of each axis that is logarithmic (the default), where the polylines are straight segments.

Definitions used for the papers' numbers (EPJC 2023 Sect. 5, EPJC 2021 p. 4):

* :func:`band_excluded_up_to`: the upper end of the lowest mass interval over which the whole band
  (every y between its lower and upper edge) lies inside the exclusion. "NA64 excludes the 2-sigma (g-2)
  band up to m_A' ~ 1.14 GeV".
* :func:`line_probed_up_to`: the upper end of the lowest mass interval over which the line lies inside the
  exclusion. "NA64 probes the relic line up to m_A' ~ 0.82 GeV"; for EPJC 2023 Fig. 8b the same number on
  the relic line in the (m_chi1, tan theta) plane is the minimum allowed m_chi1 (71 / 110 / 195 MeV).

Intervals narrower than ``min_width`` (in the drawn coordinate, decades on a log axis) are ignored, so a
numerical sliver does not end the covered range.

>>> import numpy as np
>>> square = [np.array([[1e-3, 1e-6], [1.0, 1e-6], [1.0, 1e-2], [1e-3, 1e-2], [1e-3, 1e-6]])]
>>> line = np.array([[1e-3, 1e-4], [10.0, 1e-4]])
>>> round(line_probed_up_to(square, line), 6)
1.0
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis.errors import ParameterError

__all__ = [
    "band_covered_intervals",
    "band_excluded_up_to",
    "inside_intervals_at",
    "line_covered_intervals",
    "line_probed_up_to",
    "min_allowed_mass",
    "points_inside",
]

FloatArray = NDArray[np.float64]
Rings = Sequence[ArrayLike]

_N_SAMPLES = 2000
_N_BISECT = 60


def _as_polyline(name: str, pts: ArrayLike) -> FloatArray:
    arr = np.asarray(pts, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] < 2:
        raise ParameterError(name, f"array of shape {arr.shape}", "a polyline of shape (n >= 2, 2)")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(name, "non-finite vertex", "finite (x, y) vertices")
    return arr


def _to_plot(arr: FloatArray, log_x: bool, log_y: bool, name: str) -> FloatArray:
    out: FloatArray = np.array(arr, dtype=np.float64, copy=True)
    for col, is_log in ((0, log_x), (1, log_y)):
        if is_log:
            if np.any(out[:, col] <= 0.0):
                raise ParameterError(name, "a vertex <= 0", "positive coordinates on a logarithmic axis")
            out[:, col] = np.log10(out[:, col])
    return out


def _edges(rings: Rings, log_x: bool, log_y: bool) -> FloatArray:
    """All ring edges as an (m, 4) array x1, y1, x2, y2 in plot coordinates (rings closed if needed)."""
    parts = []
    for i, ring in enumerate(rings):
        r = _to_plot(_as_polyline(f"exclusion ring {i}", ring), log_x, log_y, f"exclusion ring {i}")
        if not np.array_equal(r[0], r[-1]):
            r = np.vstack([r, r[:1]])
        parts.append(np.hstack([r[:-1], r[1:]]))
    if not parts:
        return np.empty((0, 4))
    return np.asarray(np.vstack(parts), dtype=np.float64)


def _points_inside_plot(edges: FloatArray, pts: FloatArray) -> NDArray[np.bool_]:
    if edges.shape[0] == 0:
        return np.zeros(pts.shape[0], dtype=bool)
    x1, y1, x2, y2 = (edges[:, k][None, :] for k in range(4))
    px = pts[:, 0][:, None]
    py = pts[:, 1][:, None]
    straddle = (y1 > py) != (y2 > py)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = x1 + (py - y1) * (x2 - x1) / (y2 - y1)
    crossings = straddle & (px < x_cross)
    return np.asarray(np.count_nonzero(crossings, axis=1) % 2 == 1)


def points_inside(rings: Rings, points: ArrayLike, *, log_x: bool = True, log_y: bool = True) -> NDArray[np.bool_]:
    """Even-odd point-in-region test of ``points`` (shape (n, 2)) against the closed ``rings``.

    >>> ring = [[[1.0, 1.0], [10.0, 1.0], [10.0, 10.0], [1.0, 10.0]]]
    >>> points_inside(ring, [[3.0, 3.0], [30.0, 3.0]]).tolist()
    [True, False]
    """
    pts = np.atleast_2d(np.asarray(points, dtype=np.float64))
    return _points_inside_plot(_edges(rings, log_x, log_y), _to_plot(pts, log_x, log_y, "points"))


def _inside_intervals_plot(edges: FloatArray, x: float, tol: float = 1e-12) -> list[tuple[float, float]]:
    if edges.shape[0] == 0:
        return []
    x1, y1, x2, y2 = edges.T
    hit = ((x1 <= x) & (x < x2)) | ((x2 <= x) & (x < x1))
    if not np.any(hit):
        return []
    t = (x - x1[hit]) / (x2[hit] - x1[hit])
    ys = np.sort(y1[hit] + t * (y2[hit] - y1[hit]))
    pairs = [(float(ys[i]), float(ys[i + 1])) for i in range(0, len(ys) - 1, 2)]
    merged: list[tuple[float, float]] = []
    for lo, hi in pairs:  # rings sharing an edge (adjacent chunks) give touching intervals: merge them
        if merged and lo - merged[-1][1] <= tol:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        elif hi > lo:
            merged.append((lo, hi))
    return merged


def inside_intervals_at(rings: Rings, x: float, *, log_x: bool = True, log_y: bool = True) -> list[tuple[float, float]]:
    """The y intervals where the vertical line at ``x`` is inside the region (data coordinates).

    >>> ring = [[[1.0, 1.0], [10.0, 1.0], [10.0, 10.0], [1.0, 10.0]]]
    >>> [(round(a, 9), round(b, 9)) for a, b in inside_intervals_at(ring, 3.0)]
    [(1.0, 10.0)]
    """
    xp = float(np.log10(x)) if log_x else float(x)
    out = _inside_intervals_plot(_edges(rings, log_x, log_y), xp)
    if log_y:
        return [(10.0**a, 10.0**b) for a, b in out]
    return out


def _sorted_polyline(line: FloatArray) -> tuple[FloatArray, FloatArray]:
    """(x, y) of a polyline's vertices in ascending x (stable: equal x keep their order)."""
    order = np.argsort(line[:, 0], kind="stable")
    return line[order, 0], line[order, 1]


def _polyline_at(sorted_line: tuple[FloatArray, FloatArray], x: FloatArray) -> FloatArray:
    """y of a polyline (plot coordinates, sorted by :func:`_sorted_polyline`) at x; NaN outside its x range."""
    xs, ys = sorted_line
    y = np.interp(x, xs, ys)
    return np.where((x < xs[0]) | (x > xs[-1]), np.nan, y)


def _intervals_from_predicate(
    pred: Callable[[float], bool], xs: FloatArray, flags: NDArray[np.bool_], min_width: float
) -> list[tuple[float, float]]:
    """Covered x intervals from samples ``flags`` at ``xs``, edges refined by bisection of ``pred``."""

    def refine(a: float, b: float) -> float:  # pred(a) != pred(b)
        fa = pred(a)
        for _ in range(_N_BISECT):
            mid = 0.5 * (a + b)
            if pred(mid) == fa:
                a = mid
            else:
                b = mid
        return 0.5 * (a + b)

    intervals: list[tuple[float, float]] = []
    n = len(xs)
    i = 0
    while i < n:
        if not flags[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and flags[j + 1]:
            j += 1
        lo = xs[i] if i == 0 else refine(xs[i], xs[i - 1])
        hi = xs[j] if j == n - 1 else refine(xs[j], xs[j + 1])
        if hi - lo >= min_width:
            intervals.append((float(lo), float(hi)))
        i = j + 1
    return intervals


def _x_grid(x_lo: float, x_hi: float, n: int) -> FloatArray:
    return np.linspace(x_lo, x_hi, n)


def _back(intervals: list[tuple[float, float]], log_x: bool) -> list[tuple[float, float]]:
    return [(10.0**a, 10.0**b) for a, b in intervals] if log_x else intervals


def _domain(
    arrays: Sequence[FloatArray], x_range: tuple[float, float] | None, log_x: bool
) -> tuple[float, float] | None:
    lo = max(float(np.min(a[:, 0])) for a in arrays)
    hi = min(float(np.max(a[:, 0])) for a in arrays)
    if x_range is not None:
        xr = np.log10(np.asarray(x_range, dtype=np.float64)) if log_x else np.asarray(x_range, dtype=np.float64)
        lo, hi = max(lo, float(xr[0])), min(hi, float(xr[1]))
    return (lo, hi) if hi > lo else None


def band_covered_intervals(
    rings: Rings,
    lower: ArrayLike,
    upper: ArrayLike,
    *,
    x_range: tuple[float, float] | None = None,
    log_x: bool = True,
    log_y: bool = True,
    n_samples: int = _N_SAMPLES,
    min_width: float = 0.0,
) -> list[tuple[float, float]]:
    """x intervals (ascending) over which the whole band between ``lower`` and ``upper`` is inside the region.

    The band edges are polylines, single valued in x; the band is only considered where both are defined
    (and inside ``x_range`` if given).

    >>> import numpy as np
    >>> ring = [np.array([[1e-2, 1e-5], [1.0, 1e-5], [1.0, 1e-1], [1e-2, 1e-1]])]
    >>> lo = np.array([[1e-3, 1e-4], [10.0, 1e-3]]); hi = lo * [1.0, 3.0]
    >>> [(round(a, 6), round(b, 6)) for a, b in band_covered_intervals(ring, lo, hi)]
    [(0.01, 1.0)]
    """
    lo_l = _to_plot(_as_polyline("band lower edge", lower), log_x, log_y, "band lower edge")
    hi_l = _to_plot(_as_polyline("band upper edge", upper), log_x, log_y, "band upper edge")
    edges = _edges(rings, log_x, log_y)
    dom = _domain([lo_l, hi_l], x_range, log_x)
    if dom is None or edges.shape[0] == 0:
        return []

    lo_s, hi_s = _sorted_polyline(lo_l), _sorted_polyline(hi_l)  # sorted once, not per evaluation

    def covered_between(x: float, a: float, b: float) -> bool:
        if not (np.isfinite(a) and np.isfinite(b)):
            return False
        a, b = min(a, b), max(a, b)
        return any(p <= a and b <= q for p, q in _inside_intervals_plot(edges, x))

    def covered(x: float) -> bool:
        xa = np.array([x])
        return covered_between(x, float(_polyline_at(lo_s, xa)[0]), float(_polyline_at(hi_s, xa)[0]))

    xs = _x_grid(dom[0], dom[1], n_samples)
    # the samples' band edges in one interpolation each (elementwise the values covered() computes)
    a_s, b_s = _polyline_at(lo_s, xs), _polyline_at(hi_s, xs)
    flags = np.array(
        [covered_between(float(x), float(a), float(b)) for x, a, b in zip(xs, a_s, b_s, strict=True)], dtype=bool
    )
    return _back(_intervals_from_predicate(covered, xs, flags, min_width), log_x)


def band_excluded_up_to(
    rings: Rings,
    lower: ArrayLike,
    upper: ArrayLike,
    *,
    x_range: tuple[float, float] | None = None,
    log_x: bool = True,
    log_y: bool = True,
    min_width: float = 0.0,
) -> float | None:
    """Upper end of the lowest x interval over which the whole band is excluded; ``None`` if nowhere.

    >>> import numpy as np
    >>> ring = [np.array([[1e-2, 1e-5], [1.0, 1e-5], [1.0, 1e-1], [1e-2, 1e-1]])]
    >>> lo = np.array([[1e-3, 1e-4], [10.0, 1e-3]])
    >>> round(band_excluded_up_to(ring, lo, lo * [1.0, 3.0]), 6)
    1.0
    """
    iv = band_covered_intervals(rings, lower, upper, x_range=x_range, log_x=log_x, log_y=log_y, min_width=min_width)
    return iv[0][1] if iv else None


def line_covered_intervals(
    rings: Rings,
    line: ArrayLike,
    *,
    x_range: tuple[float, float] | None = None,
    log_x: bool = True,
    log_y: bool = True,
    n_samples: int = _N_SAMPLES,
    min_width: float = 0.0,
) -> list[tuple[float, float]]:
    """x intervals (ascending in x) over which the polyline ``line`` lies inside the region.

    The line is followed along its arc length (it need not be single valued); a stretch inside the region is
    reported by the x of its ends, sorted. Only the part inside ``x_range`` counts.

    >>> import numpy as np
    >>> ring = [np.array([[1e-2, 1e-5], [1.0, 1e-5], [1.0, 1e-1], [1e-2, 1e-1]])]
    >>> [(round(a, 6), round(b, 6)) for a, b in line_covered_intervals(ring, [[1e-3, 1e-3], [10.0, 1e-3]])]
    [(0.01, 1.0)]
    """
    pl = _to_plot(_as_polyline("line", line), log_x, log_y, "line")
    edges = _edges(rings, log_x, log_y)
    if edges.shape[0] == 0:
        return []
    order = np.argsort(pl[:, 0], kind="stable")
    if np.all(np.diff(order) == 1) or np.all(np.diff(order) == -1):
        pl = pl[order]  # single-valued: parametrise from low x to high x
    seg = np.hypot(*np.diff(pl, axis=0).T)
    s = np.concatenate([[0.0], np.cumsum(seg)])
    if s[-1] <= 0.0:
        return []
    xr = None
    if x_range is not None:
        xr = np.log10(np.asarray(x_range, dtype=np.float64)) if log_x else np.asarray(x_range, dtype=np.float64)

    def point(t: float) -> FloatArray:
        return np.array([[np.interp(t, s, pl[:, 0]), np.interp(t, s, pl[:, 1])]])

    def covered(t: float) -> bool:
        p = point(t)
        if xr is not None and not (xr[0] <= p[0, 0] <= xr[1]):
            return False
        return bool(_points_inside_plot(edges, p)[0])

    ts = np.linspace(0.0, s[-1], n_samples)
    pts = np.column_stack([np.interp(ts, s, pl[:, 0]), np.interp(ts, s, pl[:, 1])])
    flags = _points_inside_plot(edges, pts)
    if xr is not None:
        flags &= (pts[:, 0] >= xr[0]) & (pts[:, 0] <= xr[1])
    t_iv = _intervals_from_predicate(covered, ts, flags, 0.0)
    x_iv = []
    for a, b in t_iv:
        xa, xb = float(point(a)[0, 0]), float(point(b)[0, 0])
        lo, hi = min(xa, xb), max(xa, xb)
        if hi - lo >= min_width:
            x_iv.append((lo, hi))
    x_iv.sort()
    return _back(x_iv, log_x)


def line_probed_up_to(
    rings: Rings,
    line: ArrayLike,
    *,
    x_range: tuple[float, float] | None = None,
    log_x: bool = True,
    log_y: bool = True,
    min_width: float = 0.0,
) -> float | None:
    """Upper x end of the lowest stretch of ``line`` inside the region (``None`` if the line is never inside).

    >>> import numpy as np
    >>> ring = [np.array([[1e-2, 1e-5], [0.5, 1e-5], [0.5, 1e-1], [1e-2, 1e-1]])]
    >>> round(line_probed_up_to(ring, [[1e-2, 1e-3], [1.0, 1e-3]]), 6)
    0.5
    """
    iv = line_covered_intervals(rings, line, x_range=x_range, log_x=log_x, log_y=log_y, min_width=min_width)
    return iv[0][1] if iv else None


def min_allowed_mass(
    rings: Rings,
    relic_line: ArrayLike,
    *,
    x_range: tuple[float, float] | None = None,
    log_x: bool = True,
    log_y: bool = True,
    min_width: float = 0.0,
) -> float | None:
    """Smallest DM mass left allowed on a relic line: the end of the lowest excluded stretch of the line.

    EPJC 2023 Sect. 6 (Fig. 8b): "NA64 ... leaving just the values above m_chi1 > 71 MeV allowed". Identical
    to :func:`line_probed_up_to`, named for its use.
    """
    return line_probed_up_to(rings, relic_line, x_range=x_range, log_x=log_x, log_y=log_y, min_width=min_width)
