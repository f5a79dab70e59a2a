"""THE exclusion contour of a scan: the region where the expected signal reaches its upper limit.

A point is excluded at 90 % CL when N_sig >= s_up (physics notes Sect. 5: the signal enters only as a
normalisation, so the contour is N_sig / s_up = 1). The contour is traced in the coordinates the figure is
drawn in (log10 of logarithmic axes) by ``contourpy`` on log10(N_sig / s_up) (N_sig = 0 floored at 1e-300):
:func:`exclusion_rings` gives the filled region ``>= 0`` as closed rings in data coordinates, outer boundaries
and holes alike, to be read with the even-odd rule (:mod:`semivis.figures.summary`); :func:`projection_lines`
gives the open lines ``= 0``. The scan result's stored contours (:func:`semivis.scan.contours`), ``semivis
limit --json`` and the figures all come from these two functions.

Cells that were not computed (``computed[iy, ix]`` False: e.g. m_A' beyond the production range, where the
scan stores N_sig = 0 without claiming anything) are masked: no ring or line enters a grid quad touching
one, so a computed/not-computed border never shows up as a (fake) exclusion edge. :func:`not_computed_rings`
gives that region itself, to be drawn as "not computed".

>>> import numpy as np
>>> x = np.logspace(-2, 0, 5); y = np.logspace(-6, -1, 6)
>>> ratio = np.ones((6, 5)) * 10.0          # everything excluded
>>> rings = exclusion_rings(x, y, ratio)
>>> len(rings), bool(np.allclose(rings[0][0], rings[0][-1]))
(1, True)

With the last two columns not computed, the excluded region stops at the last computed column:

>>> computed = np.ones((6, 5), dtype=bool); computed[:, 3:] = False
>>> bool(max(r[:, 0].max() for r in exclusion_rings(x, y, ratio, computed=computed)) == x[2])
True
"""

from __future__ import annotations

import itertools
from typing import Any, cast

import contourpy
import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from semivis.errors import ParameterError

__all__ = [
    "dataset_ratio",
    "exclusion",
    "exclusion_rings",
    "not_computed_rings",
    "projection_lines",
    "ratio_grid",
]

FloatArray = NDArray[np.float64]

_FLOOR = 1e-300


def _axes(x: ArrayLike, y: ArrayLike, log_x: bool, log_y: bool) -> tuple[FloatArray, FloatArray]:
    xv = np.asarray(x, dtype=np.float64)
    yv = np.asarray(y, dtype=np.float64)
    if xv.ndim != 1 or yv.ndim != 1 or len(xv) < 2 or len(yv) < 2:
        raise ParameterError("grid", f"x {xv.shape}, y {yv.shape}", "1-d axes of at least 2 points")
    return (np.log10(xv) if log_x else xv), (np.log10(yv) if log_y else yv)


def _computed(computed: ArrayLike | None, shape: tuple[int, int]) -> NDArray[np.bool_] | None:
    """The computed-cell mask as booleans of the grid's shape (None: every cell computed)."""
    if computed is None:
        return None
    mask = np.asarray(computed)
    if mask.shape != shape or mask.dtype != np.bool_:
        raise ParameterError("computed", f"{mask.dtype} of shape {mask.shape}", f"booleans of shape {shape}")
    return None if bool(mask.all()) else mask


def _prepare(
    x: ArrayLike, y: ArrayLike, ratio: ArrayLike, *, log_x: bool, log_y: bool, computed: ArrayLike | None
) -> tuple[FloatArray, FloatArray, FloatArray | np.ma.MaskedArray[Any, Any]]:
    gx, gy = _axes(x, y, log_x, log_y)
    r = np.asarray(ratio, dtype=np.float64)
    if r.shape != (len(gy), len(gx)):
        raise ParameterError("ratio", f"shape {r.shape}", f"shape (len(y), len(x)) = {(len(gy), len(gx))}")
    if np.any(np.isnan(r)) or np.any(r < 0):
        raise ParameterError("ratio", "NaN or negative entries", "N_sig / s_up >= 0 everywhere")
    z = np.log10(np.clip(r, _FLOOR, None))  # log keeps the crossing of 1 well interpolated over decades
    mask = _computed(computed, r.shape)
    if mask is None:
        return gx, gy, z
    # contourpy (corner_mask) leaves quads with two or more masked cells alone and draws one with a single masked
    # cell in the triangle of the other three
    return gx, gy, np.ma.masked_array(z, mask=~mask)


def _anywhere(cond: ArrayLike) -> bool:
    """Whether ``cond`` holds at some computed cell (masked cells count as False)."""
    return bool(np.ma.filled(np.ma.asarray(cond), False).any())


def _back(ring: FloatArray, log_x: bool, log_y: bool) -> FloatArray:
    out = np.array(ring, dtype=np.float64, copy=True)
    if log_x:
        out[:, 0] = 10.0 ** out[:, 0]
    if log_y:
        out[:, 1] = 10.0 ** out[:, 1]
    return out


def _filled_rings(
    gx: FloatArray, gy: FloatArray, z: ArrayLike, levels: tuple[float, float], *, log_x: bool, log_y: bool
) -> list[FloatArray]:
    gen = contourpy.contour_generator(gx, gy, z, fill_type=contourpy.FillType.OuterOffset)
    filled = cast(Any, gen.filled(*levels))
    points, offsets = filled[0], filled[1]
    rings: list[FloatArray] = []
    for pts, offs in zip(points, offsets, strict=True):
        for a, b in itertools.pairwise(offs):
            ring = np.asarray(pts[a:b], dtype=np.float64)
            if len(ring) < 3:
                continue
            if not np.array_equal(ring[0], ring[-1]):
                ring = np.vstack([ring, ring[:1]])
            rings.append(_back(ring, log_x, log_y))
    return rings


def exclusion_rings(
    x: ArrayLike,
    y: ArrayLike,
    ratio: ArrayLike,
    *,
    log_x: bool = True,
    log_y: bool = True,
    computed: ArrayLike | None = None,
) -> list[FloatArray]:
    """Closed rings bounding the excluded region ``ratio >= 1`` of a grid ``ratio[iy, ix]`` (N_sig / s_up).

    Rings along the grid's edge follow the edge (the region is clipped to the scanned range, not extended);
    so do rings along the edge of the computed cells (``computed``, see the module docstring). Returns an
    empty list when nothing is excluded.
    """
    gx, gy, z = _prepare(x, y, ratio, log_x=log_x, log_y=log_y, computed=computed)
    if not _anywhere(z >= 0.0):
        return []
    return _filled_rings(gx, gy, z, (0.0, np.inf), log_x=log_x, log_y=log_y)


def not_computed_rings(
    x: ArrayLike, y: ArrayLike, computed: ArrayLike, *, log_x: bool = True, log_y: bool = True
) -> list[FloatArray]:
    """Closed rings of the grid quads touching a cell that was not computed (empty if all were computed).

    The region's border runs along the computed cells next to it (up to 1e-9 of a quad), so it meets the
    exclusion of :func:`exclusion_rings` with no gap and no overlap.

    >>> import numpy as np
    >>> computed = np.ones((3, 4), dtype=bool); computed[:, 3] = False
    >>> ring = not_computed_rings([1, 2, 3, 4], [1, 2, 3], computed, log_x=False, log_y=False)[0]
    >>> round(float(ring[:, 0].min()), 6), float(ring[:, 0].max())
    (3.0, 4.0)
    """
    gx, gy = _axes(x, y, log_x, log_y)
    mask = _computed(computed, (len(gy), len(gx)))
    if mask is None:
        return []
    return _filled_rings(gx, gy, (~mask).astype(np.float64), (1e-9, 2.0), log_x=log_x, log_y=log_y)


def projection_lines(
    x: ArrayLike,
    y: ArrayLike,
    ratio: ArrayLike,
    *,
    log_x: bool = True,
    log_y: bool = True,
    computed: ArrayLike | None = None,
) -> list[FloatArray]:
    """Open polylines of the contour ``ratio = 1`` (the dashed projection curves), in data coordinates;
    none inside quads touching a cell that was not computed (``computed``)."""
    gx, gy, z = _prepare(x, y, ratio, log_x=log_x, log_y=log_y, computed=computed)
    if not (_anywhere(z >= 0.0) and _anywhere(z < 0.0)):
        return []
    gen = contourpy.contour_generator(gx, gy, z, line_type=contourpy.LineType.Separate)
    return [_back(np.asarray(line, dtype=np.float64), log_x, log_y) for line in gen.lines(0.0) if len(line) >= 2]


def ratio_grid(n_sig: ArrayLike, s_up: ArrayLike) -> FloatArray:
    """N_sig / s_up on a grid, made contourable: NaN -> 0 (nothing to exclude), +inf -> 1e300."""
    ratio = np.asarray(np.asarray(n_sig, dtype=np.float64) / np.asarray(s_up, dtype=np.float64), dtype=np.float64)
    return np.nan_to_num(ratio, nan=0.0, posinf=1e300)


def dataset_ratio(ds: xr.Dataset, eot: float) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(x, y, N_sig/s_up[iy, ix]) from a :func:`semivis.scan.run_scan` Dataset at one EOT (the nearest).

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


def exclusion(
    ds: xr.Dataset, eot: float, *, log_x: bool = True, log_y: bool = True
) -> tuple[list[FloatArray], list[FloatArray]]:
    """(rings, lines) of a scan Dataset at one EOT: :func:`exclusion_rings` and :func:`projection_lines`."""
    x, y, ratio = dataset_ratio(ds, eot)
    return (
        exclusion_rings(x, y, ratio, log_x=log_x, log_y=log_y),
        projection_lines(x, y, ratio, log_x=log_x, log_y=log_y),
    )
