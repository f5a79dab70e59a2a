"""Write a `semivis limit` result (netCDF of :mod:`semivis.scan`) in the community's formats: DARKCAST ``.lmt``,
ESPP-style CSV, JSON.

Curves are the result's stored contours (:func:`semivis.scan.contours`: THE contour routine's open lines
N_sig = s_up, one list per EOT); the r-value grid is the result's N_sig / s_up grid
(:func:`semivis.scan.contours.dataset_ratio`). Every file states units, plane axes, the model benchmark (fixed
parameters), EOT, CL, selection, experiment card, semivis version and the BibTeX keys of the physics it rests
on (:data:`semivis.export.citations.SCAN_KEYS`; ``semivis cite --result`` prints the entries). Files are written
atomically (:mod:`semivis._io`). Numbers are written with 17 significant digits, so every value reads back
bit for bit.

Formats (docs/export.md):

* ``lmt``: per EOT and contour line, ``<stem>_eot<E>_line<k>.lmt``. A line single-valued in mass (x strictly
  monotonic) is DARKCAST's one-sided bound, two columns ``mass coupling`` sorted by mass. Any other line (a
  contour that turns back in mass: the lower and upper edge of a missing-energy exclusion joined at its tip) is
  written in path order as its own file, marked ``# shape: path-ordered line``; DARKCAST cannot read it as a
  bound, so it also gets the full-information form: ``<stem>_eot<E>_rvalue.lmt``, DARKCAST's r-value grid
  ``mass coupling r`` with every mass carrying the same couplings and, in DARKCAST's orientation (its
  ``limit.py`` excludes where ``r < 1``; r scales as 1 / signal), **r = s_up / N_sig** (the inverse of semivis's
  N_sig / s_up): ``inf`` where N_sig = 0, ``nan`` where the cell was not computed.
* ``csv``: per EOT and line, ``<stem>_eot<E>_line<k>.csv``: ``#`` comment lines, then ``"mass","coupling"``
  (ESPP 2026) and the line's points in path order, in the result's plane (e.g. m_chi1 [GeV] and y).
* ``json``: one ``<stem>.json`` with the metadata, the lines per EOT and the N_sig / s_up grid.
* ``hepdata``: the HEPData record ``<stem>_hepdata/`` (+ ``.tar.gz``) of :mod:`semivis.export.hepdata`: one table per
  EOT and line (qualifiers CL, EOT, model, benchmark, selection, card, curve, semivis version, cite) and the
  N_sig / s_up grid per EOT.

:func:`export_curves` writes the curves of a figure's ``--data`` JSON (every polyline under every curve name, with
the figure's metadata) in the same formats except the r-value grid.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from semivis._io import atomic_write_text, check_writable, to_jsonable
from semivis.errors import ParameterError
from semivis.export.citations import FIGURE_KEYS, PAPER_KEYS, SCAN_KEYS
from semivis.export.hepdata import CurveTable, qualifiers_of, write_hepdata
from semivis.planes import PLANES
from semivis.scan import contours, load_result, provenance
from semivis.scan.contours import dataset_ratio
from semivis.scan.result import is_scan_result

__all__ = ["FORMATS", "ExportedFile", "export_curves", "export_result", "read_result", "result_metadata"]

#: the formats of :func:`export_result`
FORMATS: tuple[str, ...] = ("lmt", "csv", "json", "hepdata")

#: units of the plane axes (semivis.planes: masses in GeV, couplings and ratios dimensionless)
_UNITS: dict[str, str] = {"m_Ap": "GeV", "m_chi1": "GeV"}


@dataclass(frozen=True)
class ExportedFile:
    """One written file: its path, the EOT it belongs to (None: all), and what it holds."""

    path: Path
    eot: float | None
    kind: str


def read_result(path: Path | str, option: str = "RESULT") -> xr.Dataset:
    """Load a `semivis limit` result, or one :class:`ParameterError` naming ``option`` if it is not one."""
    if not is_scan_result(path):
        raise ParameterError(option, str(path), "a semivis scan result (netCDF written by `semivis limit`)")
    return load_result(path)


def result_metadata(ds: xr.Dataset) -> dict[str, Any]:
    """What every exported file states: plane axes and units, benchmark, EOTs, CL, selection, card, version,
    citation keys."""
    record = provenance(ds)
    plane = PLANES[record["plane"]]
    return {
        "semivis_version": record["semivis_version"],
        "model": record["model"],
        "plane": plane.name,
        "x": {"name": plane.x, "label": plane.x_label, "unit": _UNITS.get(plane.x, "1")},
        "y": {"name": plane.y, "label": plane.y_label, "unit": _UNITS.get(plane.y, "1")},
        "fixed_parameters": record["fixed_parameters"],
        "eot": [float(e) for e in ds["eot"].values],
        "cl": float(record["cl"]),
        "selection": record["selection"],
        "experiment": record["experiment"],
        "card": record["card"]["name"],
        "efficiency_normalisation": record.get("efficiency_normalisation"),
        "s_up": record["s_up"],
        "curve": "contour N_sig = s_up (semivis.scan.contours), excluded where N_sig >= s_up",
        "citations": list(SCAN_KEYS),
    }


def _fmt(value: float) -> str:
    """17 significant digits: the float reads back exactly. ``nan``/``inf`` as Python and numpy read them."""
    return f"{value: .16e}" if np.isfinite(value) else f" {value}"


def _header(meta: dict[str, Any], eot: float | None, extra: Sequence[str]) -> list[str]:
    x, y = meta["x"], meta["y"]
    axes = f"x = {x['name']} [{x['unit']}], y = {y['name']} [{y['unit']}]"
    lines = [
        f"semivis {meta['semivis_version']} export of a `semivis limit` result",
        f"model: {meta['model']}; plane: {meta['plane']} ({axes})",
        f"benchmark (fixed parameters): {json.dumps(meta['fixed_parameters'], sort_keys=True)}",
        f"EOT: {eot:.6g}" if eot is not None else f"EOT: {', '.join(f'{e:.6g}' for e in meta['eot'])}",
        f"CL: {meta['cl']}; selection: {meta['selection']}; experiment card: {meta['card']}",
        f"curve: {meta['curve']}",
        f"cite (semivis cite --result): {', '.join(meta['citations'])}",
        *extra,
    ]
    return [f"# {line}" for line in lines]


def _single_valued(line: NDArray[np.float64]) -> bool:
    """Whether a polyline's x is strictly monotonic (a one-sided bound in DARKCAST's sense)."""
    dx = np.diff(line[:, 0])
    return bool(np.all(dx > 0) or np.all(dx < 0))


def _eot_tag(eot: float) -> str:
    return f"{eot:.3g}".replace("+", "")


def _rvalue_text(ds: xr.Dataset, eot: float, meta: dict[str, Any]) -> str:
    x, y, ratio = dataset_ratio(ds, eot)
    computed = np.asarray(ds["computed"].values, dtype=bool)
    with np.errstate(divide="ignore"):
        r = np.where(computed, 1.0 / ratio, np.nan)  # DARKCAST: r = s_up / N_sig, excluded where r < 1
    rows = [f"{_fmt(x[ix])} {_fmt(y[iy])} {_fmt(r[iy, ix])}" for ix in range(len(x)) for iy in range(len(y))]
    notes = [
        "r-value grid, DARKCAST orientation: r = s_up / N_sig, excluded where r < 1",
        "inf: N_sig = 0; nan: cell not computed",
        "      mass           g           r",
    ]
    head = _header(meta, eot, notes)
    return "\n".join([*head, *rows]) + "\n"


def _line_text(line: NDArray[np.float64], meta: dict[str, Any], eot: float, csv: bool) -> str:
    one_sided = _single_valued(line)
    if one_sided and not csv:
        line = line[np.argsort(line[:, 0])]
    shape = "one-sided bound (single-valued in mass), sorted by mass" if one_sided and not csv else "path-ordered line"
    head = _header(meta, eot, [f"shape: {shape}"])
    if csv:
        rows = ['"mass","coupling"', *(f"{_fmt(a).strip()},{_fmt(b).strip()}" for a, b in line)]
    else:
        rows = ["#      mass    coupling", *(f"{_fmt(a)} {_fmt(b)}" for a, b in line)]
    return "\n".join([*head, *rows]) + "\n"


def _planned(ds: xr.Dataset, fmt: str, out_dir: Path, stem: str) -> list[tuple[ExportedFile, str]]:
    meta = result_metadata(ds)
    if fmt == "json":
        x, y, _ = dataset_ratio(ds, meta["eot"][0])
        record = {
            **meta,
            "x_values": x,
            "y_values": y,
            "computed": np.asarray(ds["computed"].values, dtype=bool),
            "ratio_n_sig_over_s_up": {f"{e:.6g}": dataset_ratio(ds, e)[2] for e in meta["eot"]},
            "lines": {f"{e:.6g}": list(segs) for e, segs in contours(ds).items()},
        }
        text = json.dumps(to_jsonable(record), indent=1) + "\n"
        return [(ExportedFile(out_dir / f"{stem}.json", None, "json"), text)]
    planned: list[tuple[ExportedFile, str]] = []
    for eot, segs in contours(ds).items():
        base = f"{stem}_eot{_eot_tag(eot)}"
        for k, seg in enumerate(segs):
            kind = "line" if fmt == "csv" else ("one-sided" if _single_valued(seg) else "path-ordered")
            text = _line_text(seg, meta, eot, csv=fmt == "csv")
            planned.append((ExportedFile(out_dir / f"{base}_line{k}.{fmt}", eot, kind), text))
        if fmt == "lmt":
            planned.append((ExportedFile(out_dir / f"{base}_rvalue.lmt", eot, "rvalue"), _rvalue_text(ds, eot, meta)))
    return planned


def export_result(result: Path | str, fmt: str, out_dir: Path | str, *, stem: str | None = None) -> list[ExportedFile]:
    """Write every curve of the result at ``result`` in format ``fmt`` (:data:`FORMATS`) into ``out_dir``.

    Checked before anything is written: the format, the result (a semivis scan result), the folder (writable).
    Returns the files written, each atomically.
    """
    if fmt not in FORMATS:
        raise ParameterError("--format", fmt, f"one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    check_writable(out_dir / ".semivis-export-probe", "--out")
    ds = read_result(result)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # e.g. a read-only or virtual file system that permission bits do not show
        raise ParameterError("--out", str(out_dir), "a writable folder", exc.strerror or str(exc)) from None
    check_writable(out_dir / ".semivis-export-probe", "--out")
    if fmt == "hepdata":
        return _hepdata_result(ds, out_dir, stem or Path(result).stem)
    planned = _planned(ds, fmt, out_dir, stem or Path(result).stem)
    for exported, text in planned:
        atomic_write_text(exported.path, text)
    return [exported for exported, _ in planned]


def _hepdata_result(ds: xr.Dataset, out_dir: Path, stem: str) -> list[ExportedFile]:
    """The HEPData record of a result: per EOT its lines and its N_sig / s_up grid (computed cells)."""
    meta = result_metadata(ds)
    x = (meta["x"]["label"], meta["x"]["unit"])
    y = (meta["y"]["label"], meta["y"]["unit"])
    computed = np.asarray(ds["computed"].values, dtype=bool)
    tables: list[CurveTable] = []
    for eot, segs in contours(ds).items():
        quals = qualifiers_of(meta, eot)
        for k, seg in enumerate(segs):
            desc = f"{meta['model']} {meta['curve']}, EOT {eot:.6g}, line {k} (path order), plane {meta['plane']}."
            tables.append(CurveTable(f"Contour EOT {eot:.6g} line {k}", desc, x, y, seg, quals))
        gx, gy, ratio = dataset_ratio(ds, eot)
        X, Y = np.meshgrid(gx, gy)
        keep = computed & np.isfinite(ratio)
        grid = np.stack([X[keep], Y[keep], ratio[keep]], axis=1)
        desc = f"N_sig / s_up over the {meta['plane']} grid (computed cells), EOT {eot:.6g}; excluded where >= 1."
        tables.append(CurveTable(f"Ratio EOT {eot:.6g}", desc, x, y, grid, quals, z=("N_sig / s_up", "1")))
    bench = json.dumps(meta["fixed_parameters"], sort_keys=True)
    comment = (
        f"Model {meta['model']}, plane {meta['plane']}, benchmark {bench},"
        f" CL {meta['cl']}, selection {meta['selection']}, card {meta['card']}, semivis {meta['semivis_version']}."
        f" Cite: {', '.join(meta['citations'])} (semivis cite --result)."
    )
    folder, tarball = write_hepdata(tables, comment, out_dir, stem)
    return [ExportedFile(folder, None, "hepdata-record"), ExportedFile(tarball, None, "hepdata-tarball")]


def export_curves(
    curves: dict[str, list[NDArray[np.float64]]],
    meta: dict[str, Any],
    fmt: str,
    out_dir: Path | str,
    stem: str,
) -> list[ExportedFile]:
    """Write the polylines of a figure's ``--data`` (``semivis.figures.FigureData``: ``curves`` {name: [(n, 2)]} and
    ``meta``) in ``fmt``: per curve name and line a ``.lmt`` / ``.csv`` file (in path order; no r-value grid), one
    JSON, or a HEPData record with one table per line. The figure name's paper (:data:`PAPER_KEYS`) and
    :data:`FIGURE_KEYS` are the citation keys."""
    if fmt not in FORMATS:
        raise ParameterError("--format", fmt, f"one of {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    check_writable(out_dir / ".semivis-export-probe", "--out")
    out_dir.mkdir(parents=True, exist_ok=True)
    figure = str(meta.get("figure", stem))
    paper = [v for k, v in PAPER_KEYS.items() if figure.startswith(k)]
    keys = list(dict.fromkeys([*FIGURE_KEYS[:1], *paper, *FIGURE_KEYS[1:]]))
    info = {k: v for k, v in meta.items() if isinstance(v, str | int | float | bool)}
    head = [
        f"semivis {meta.get('semivis_version', meta.get('semivis', ''))} export of figure {figure} (--data)",
        f"figure metadata: {json.dumps(info, sort_keys=True)}",
        "axes: the figure's plane (see its metadata); masses in GeV, couplings dimensionless",
        f"cite (semivis cite {figure}): {', '.join(keys)}",
    ]
    if fmt == "json":
        record = {"figure": figure, "meta": meta, "citations": keys, "curves": curves}
        path = out_dir / f"{stem}.json"
        atomic_write_text(path, json.dumps(to_jsonable(record), indent=1) + "\n")
        return [ExportedFile(path, None, "json")]
    if fmt == "hepdata":
        quals = {"figure": figure, "cite": ", ".join(keys), **{k: str(v) for k, v in info.items()}}
        tables = [
            CurveTable(f"{name.replace('/', '-')} line {k}", f"Curve {name} of figure {figure}, line {k} (path order).",
                       ("x", "1"), ("y", "1"), np.asarray(line), quals)
            for name, lines in curves.items() for k, line in enumerate(lines) if len(line)
        ]  # fmt: skip
        folder, tarball = write_hepdata(tables, " ".join(head), out_dir, stem)
        return [ExportedFile(folder, None, "hepdata-record"), ExportedFile(tarball, None, "hepdata-tarball")]
    written: list[ExportedFile] = []
    for name, lines in curves.items():
        for k, line in enumerate(lines):
            arr = np.asarray(line, dtype=np.float64)
            if fmt == "csv":
                rows = ['"mass","coupling"', *(f"{_fmt(a).strip()},{_fmt(b).strip()}" for a, b in arr)]
            else:
                rows = ["#      mass    coupling", *(f"{_fmt(a)} {_fmt(b)}" for a, b in arr)]
            text = "\n".join([*(f"# {h}" for h in head), f"# curve: {name}, line {k}, path order", *rows]) + "\n"
            path = out_dir / f"{stem}_{name.replace('/', '-')}_line{k}.{fmt}"
            atomic_write_text(path, text)
            written.append(ExportedFile(path, None, "line"))
    return written
