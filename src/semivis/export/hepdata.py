"""HEPData records of semivis curves, through ``hepdata-lib`` (tables and variables) and ``hepdata-validator``.

A record is a folder ``<stem>_hepdata/`` (``submission.yaml`` + one YAML data file per table, the layout
HEPData's upload takes) and the same files as ``<stem>_hepdata.tar.gz``. Each curve is a table: the x axis (mass)
the independent variable, the coupling the dependent one, points in path order, numbers rounded to 16 significant
digits. The dependent variable carries the qualifiers ``CL``, ``EOT``, ``model``, ``benchmark`` (the fixed
parameters), ``selection``, ``experiment card``, ``curve`` (what it is), ``semivis version`` and ``cite`` (the
BibTeX keys; ``semivis cite`` prints the entries). A `semivis limit` result also gets its N_sig / s_up grid per EOT
as a two-dimensional table (computed cells only). The record's comment states the same in words.

hepdata-lib's ``Submission.create_files`` writes its tarball into the current directory; this module therefore
writes the tables with ``Table.write_yaml`` into a temporary folder next to the destination, validates the folder
with ``hepdata-validator`` (offline: the schemas ship with it), packs it, and renames folder and tarball into
place (an interrupted export leaves neither under the final names).
"""

from __future__ import annotations

import gc
import json
import os
import shutil
import tarfile
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from semivis._io import atomic_path
from semivis.errors import ParameterError

__all__ = ["HEPDATA_DIGITS", "CurveTable", "read_hepdata_tables", "write_hepdata"]

#: significant digits of every number in the YAML (hepdata-lib rounds each value to this relative precision)
HEPDATA_DIGITS = 16

#: HEPData data licence of semivis exports (the package's own licence terms for derived numbers)
_COMMENT_HEAD = "Curves computed with semivis (a recast toolkit), not an NA64 measurement."


class CurveTable:
    """One table: a polyline (n, 2) or a grid, its axis names/units and its qualifiers (str -> str)."""

    def __init__(  # noqa: PLR0917
        self,
        name: str,
        description: str,
        x: tuple[str, str],
        y: tuple[str, str],
        points: NDArray[np.float64],
        qualifiers: Mapping[str, str],
        z: tuple[str, str] | None = None,
    ) -> None:
        self.name = name
        self.description = description
        self.x, self.y, self.z = x, y, z
        self.points = np.asarray(points, dtype=np.float64)
        self.qualifiers = dict(qualifiers)


def _table(ct: CurveTable) -> Any:
    with warnings.catch_warnings():  # hepdata-lib imports hepdata-validator: see _validate
        warnings.simplefilter("ignore", DeprecationWarning)
        from hepdata_lib import Table, Variable  # noqa: PLC0415 - heavy import (requests, jsonschema), only here

    table = Table(ct.name)
    table.description = ct.description
    table.keywords["phrases"] = ["Dark photon", "Inelastic dark matter", "Exclusion limit", "Missing energy"]
    cols = [ct.x, ct.y] if ct.z is None else [ct.x, ct.y, ct.z]
    for k, (name, unit) in enumerate(cols):
        dependent = k == len(cols) - 1
        var = Variable(name, is_independent=not dependent, is_binned=False, units="" if unit == "1" else unit)
        var.digits = HEPDATA_DIGITS
        var.values = [float(v) for v in ct.points[:, k]]
        if dependent:
            for key, value in ct.qualifiers.items():
                var.add_qualifier(key, value)
        table.add_variable(var)
    return table


def _validate(folder: Path) -> None:
    # hepdata-validator 0.3 resolves its schemas with jsonschema.RefResolver, deprecated since jsonschema 4.18, and
    # leaves the data files it reads open (yaml.load(open(...))): its DeprecationWarning and ResourceWarnings are
    # the validator's, not ours, and are silenced here only (the files are closed when collected, below)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", ResourceWarning)
        from hepdata_validator.full_submission_validator import FullSubmissionValidator  # noqa: PLC0415

        validator = FullSubmissionValidator()
        valid = validator.validate(directory=str(folder))
        gc.collect()
    if not valid:
        problems = [f"{Path(f).name}: {m.message}" for f, ms in validator.get_messages().items() for m in ms]
        raise ParameterError("--format", "hepdata", "a record hepdata-validator accepts", "; ".join(problems)[:500])


def write_hepdata(tables: Sequence[CurveTable], comment: str, out_dir: Path, stem: str) -> list[Path]:
    """Write ``tables`` as the HEPData record ``out_dir/<stem>_hepdata/`` and ``out_dir/<stem>_hepdata.tar.gz``.

    Returns the folder and the tarball. Table names must be unique (HEPData's rule).
    """
    names = [t.name for t in tables]
    if len(set(names)) != len(names):
        raise ParameterError("tables", names, "unique table names")
    final = out_dir / f"{stem}_hepdata"
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".tmp", dir=out_dir))
    try:
        head = {"comment": f"{_COMMENT_HEAD} {comment}"}
        with (tmp / "submission.yaml").open("w", encoding="utf-8") as fh:
            yaml.safe_dump(head, fh, explicit_start=True, sort_keys=False)
        for ct in tables:
            _table(ct).write_yaml(str(tmp))
        _validate(tmp)
        tarball = out_dir / f"{stem}_hepdata.tar.gz"
        with atomic_path(tarball) as tpath, tarfile.open(tpath, "w:gz") as tar:
            for f in sorted(tmp.iterdir()):
                tar.add(f, arcname=f.name)
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes 0700; records follow the umask
        if final.exists():  # swap: the old record moves aside, the new one takes its name, the old one goes
            old = Path(tempfile.mkdtemp(prefix=f".{final.name}.", suffix=".old", dir=out_dir))
            final.replace(old / "record")
            tmp.replace(final)
            shutil.rmtree(old)
        else:
            tmp.replace(final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return [final, tarball]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def read_hepdata_tables(folder: Path | str) -> dict[str, dict[str, Any]]:
    """Read a record back (plain YAML): {table name: {"points": (n, k) array, "qualifiers": {..}, "header": [..]}}."""
    folder = Path(folder)
    docs = list(yaml.safe_load_all((folder / "submission.yaml").read_text(encoding="utf-8")))
    out: dict[str, dict[str, Any]] = {}
    for doc in docs:
        if not doc or "data_file" not in doc:
            continue
        data = yaml.safe_load((folder / doc["data_file"]).read_text(encoding="utf-8"))
        cols = [*data["independent_variables"], *data["dependent_variables"]]
        pts = np.array([[float(v["value"]) for v in c["values"]] for c in cols]).T
        quals = {q["name"]: q["value"] for q in data["dependent_variables"][0].get("qualifiers", [])}
        out[doc["name"]] = {"points": pts, "qualifiers": quals, "header": [c["header"] for c in cols]}
    return out


def qualifiers_of(meta: Mapping[str, Any], eot: float | None) -> dict[str, str]:
    """The qualifiers of every table of a `semivis limit` result (:func:`semivis.export.result_metadata`)."""
    return {
        "CL": f"{100.0 * float(meta['cl']):.6g}%",
        "EOT": "unknown" if eot is None else f"{eot:.6g}",
        "model": str(meta["model"]),
        "benchmark": json.dumps(meta["fixed_parameters"], sort_keys=True),
        "selection": str(meta["selection"]),
        "experiment card": str(meta["card"]),
        "curve": str(meta["curve"]),
        "semivis version": str(meta["semivis_version"]),
        "cite": ", ".join(meta["citations"]),
    }
