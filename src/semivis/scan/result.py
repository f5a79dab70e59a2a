"""Scan results as a self-describing xarray Dataset: N_sig grid, s_up, exclusion, contours, provenance.

Contours are the zero level of ``z = ln N_sig - ln s_up`` on the (log10 x, log10 y) grid (contourpy's
marching squares), so islands and several crossings per mass come out as separate polylines; N_sig = 0
(closed channels, no signal) is floored at ``z = -50`` so the field stays finite. Polylines are stored
ragged: ``contour_x``/``contour_y`` over dim ``vertex``, ``polyline_start``/``polyline_size``/
``polyline_eot`` over dim ``polyline``; :func:`contours` rebuilds them.

>>> import numpy as np
>>> x = np.geomspace(1e-2, 1, 30); y = np.geomspace(1e-6, 1e-2, 40)
>>> z = np.log(1e8 * np.outer(y, np.ones_like(x)) ** 2 / 2.303)      # N = 1e8 y^2: a flat line
>>> lines = contour_lines(x, y, z)
>>> len(lines), bool(np.allclose(lines[0][:, 1], np.sqrt(2.303 / 1e8)))
(1, True)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from semivis.scan._io import atomic_path

__all__ = [
    "Z_FLOOR",
    "contour_lines",
    "contours",
    "load_result",
    "netcdf_engine",
    "provenance",
    "ragged",
    "to_jsonable",
    "write_result",
]

#: floor of ln(N_sig / s_up) where N_sig = 0
Z_FLOOR = -50.0


def contour_lines(
    x: NDArray[np.float64], y: NDArray[np.float64], z: NDArray[np.float64], level: float = 0.0
) -> list[NDArray[np.float64]]:
    """Polylines (n, 2) in (x, y) of ``z = level``, z shaped (len(y), len(x)), traced in log10 x, log10 y."""
    import contourpy  # noqa: PLC0415

    zz = np.where(np.isfinite(z), z, Z_FLOOR)
    gen = contourpy.contour_generator(
        np.log10(np.asarray(x, dtype=np.float64)),
        np.log10(np.asarray(y, dtype=np.float64)),
        zz,
        line_type=contourpy.LineType.Separate,
    )
    lines = gen.lines(level)
    return [np.power(10.0, np.asarray(seg, dtype=np.float64)) for seg in lines if len(seg) >= 2]


def ragged(polylines: Mapping[float, Sequence[NDArray[np.float64]]]) -> dict[str, NDArray[Any]]:
    """Flatten {eot: [polyline, ...]} into the ragged arrays stored in the Dataset."""
    xs: list[NDArray[np.float64]] = []
    ys: list[NDArray[np.float64]] = []
    start, size, eot = [], [], []
    offset = 0
    for e, lines in polylines.items():
        for seg in lines:
            xs.append(seg[:, 0])
            ys.append(seg[:, 1])
            start.append(offset)
            size.append(len(seg))
            eot.append(e)
            offset += len(seg)
    return {
        "contour_x": np.concatenate(xs) if xs else np.zeros(0),
        "contour_y": np.concatenate(ys) if ys else np.zeros(0),
        "polyline_start": np.asarray(start, dtype=np.int64),
        "polyline_size": np.asarray(size, dtype=np.int64),
        "polyline_eot": np.asarray(eot, dtype=np.float64),
    }


def contours(ds: xr.Dataset) -> dict[float, list[NDArray[np.float64]]]:
    """{EOT: list of (n, 2) polylines [x, y]} from a scan Dataset."""
    out: dict[float, list[NDArray[np.float64]]] = {float(e): [] for e in ds["eot"].values}
    cx, cy = ds["contour_x"].values, ds["contour_y"].values
    for s, n, e in zip(ds["polyline_start"].values, ds["polyline_size"].values, ds["polyline_eot"].values, strict=True):
        out[float(e)].append(np.column_stack([cx[s : s + n], cy[s : s + n]]))
    return out


def netcdf_engine() -> str:
    """``"h5netcdf"`` when h5netcdf can write (it needs h5py), else ``"netcdf4"``; both write netCDF-4/HDF5."""
    try:
        import h5netcdf  # noqa: F401, PLC0415
        import h5py  # noqa: F401, PLC0415
    except ImportError:
        return "netcdf4"
    return "h5netcdf"


def write_result(ds: xr.Dataset, path: Path | str, *, engine: str | None = None) -> Path:
    """Write ``ds`` to netCDF-4 atomically: temp file in the same directory + os.replace."""
    path = Path(path)
    with atomic_path(path) as tmp:
        ds.to_netcdf(tmp, engine=engine or netcdf_engine())  # type: ignore[call-overload]
    return path


def load_result(path: Path | str) -> xr.Dataset:
    """Load a scan result written by :func:`write_result` (fully into memory, file closed)."""
    return xr.load_dataset(Path(path), engine=netcdf_engine())


def to_jsonable(obj: Any) -> Any:
    """Nested numpy/containers -> plain JSON types.

    >>> to_jsonable({"a": np.arange(2), "b": (np.float64(1.5),)})
    {'a': [0, 1], 'b': [1.5]}
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def provenance(ds: xr.Dataset) -> dict[str, Any]:
    """The full provenance record (JSON) stored in ``ds.attrs['provenance']``."""
    out: dict[str, Any] = json.loads(ds.attrs["provenance"])
    return out
