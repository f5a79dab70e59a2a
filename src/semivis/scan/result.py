"""Scan results as a self-describing xarray Dataset: N_sig grid, s_up, exclusion, contours, provenance.

Contours are the lines N_sig = s_up of :func:`semivis.scan.contours.projection_lines` (the figures' routine,
traced in log10 x, log10 y), so islands and several crossings per mass come out as separate polylines.
Polylines are stored ragged: ``contour_x``/``contour_y`` over dim ``vertex``, ``polyline_start``/
``polyline_size``/``polyline_eot`` over dim ``polyline``; :func:`contours` rebuilds them.

>>> import numpy as np
>>> line = np.array([[0.01, 1e-4], [1.0, 1e-4]])
>>> rebuilt = contours(xr.Dataset({k: (("vertex",) if k.startswith("contour") else ("polyline",), v)
...     for k, v in ragged({1e11: [line]}).items()}, coords={"eot": [1e11]}))
>>> bool(np.array_equal(rebuilt[1e11][0], line))
True
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from semivis._io import atomic_path

__all__ = ["contours", "is_scan_result", "load_result", "netcdf_engine", "provenance", "ragged", "write_result"]


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


def is_scan_result(path: Path | str) -> bool:
    """Whether ``path`` is a scan result of :func:`write_result` (a netCDF file whose ``provenance``
    attribute is a semivis scan record): such a file may be replaced by a new scan; anything else may not.

    >>> import tempfile, pathlib
    >>> notes = pathlib.Path(tempfile.mkdtemp()) / "notes.nc"
    >>> _ = notes.write_text("my precious notes")
    >>> is_scan_result(notes), is_scan_result(notes.with_name("absent.nc"))
    (False, False)
    """
    path = Path(path)
    if not path.is_file():
        return False
    try:
        with xr.open_dataset(path, engine=netcdf_engine()) as ds:
            record = json.loads(ds.attrs.get("provenance", "null"))
    except Exception:  # any file a user may point at: unreadable as netCDF means "not a result"
        return False
    return isinstance(record, dict) and {"semivis_version", "scan_key", "plane"} <= set(record)


def provenance(ds: xr.Dataset) -> dict[str, Any]:
    """The full provenance record (JSON) stored in ``ds.attrs['provenance']``."""
    out: dict[str, Any] = json.loads(ds.attrs["provenance"])
    return out
