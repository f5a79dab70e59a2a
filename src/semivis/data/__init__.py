"""Package data (tables shipped with attribution, see ``ATTRIBUTION.md``) and cached loaders.

>>> from semivis.data import hadronic_R
>>> round(float(hadronic_R(0.3)), 4)
0.02
>>> float(hadronic_R(0.2))
0.0
>>> load_schema("card.v1.json")["title"]
'semivis experiment card, schema version 1'
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis.constants import m_pi_charged

__all__ = ["data_path", "gstar_table", "hadronic_R", "load_schema", "r_ratio_table"]


def data_path(name: str) -> Path:
    """Path of a file shipped in ``semivis/data``."""
    return Path(str(resources.files("semivis.data").joinpath(name)))


@functools.cache
def _schema_text(name: str) -> str:
    return data_path(f"schemas/{name}").read_text(encoding="utf-8")


def load_schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped in ``semivis/data/schemas`` (versioned file name, e.g. ``card.v1.json``).

    Each call parses the file anew, so a caller changing its copy changes nobody else's.
    """
    schema: dict[str, Any] = json.loads(_schema_text(name))
    return schema


@functools.cache
def r_ratio_table() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(sqrt_s [GeV], R) from the PDG 2020 compilation, sorted in sqrt_s, duplicates averaged."""
    raw = np.loadtxt(data_path("pdg2020_hadronic_R.dat"), comments="#")
    sqrt_s, r = raw[:, 0], raw[:, 3]
    order = np.argsort(sqrt_s, kind="stable")
    sqrt_s, r = sqrt_s[order], r[order]
    unique, inverse = np.unique(sqrt_s, return_inverse=True)
    r_mean = np.bincount(inverse, weights=r) / np.bincount(inverse)
    return unique, r_mean


def hadronic_R(sqrt_s: ArrayLike) -> NDArray[np.float64]:
    """Hadronic R ratio at centre-of-mass energy ``sqrt_s`` [GeV].

    Linear interpolation of the PDG 2020 data (package data, CC BY 4.0). Below the data (0.3 GeV)
    R rises linearly from 0 at the two-pion threshold 2 m_pi+ to the first data point; above the
    data it is held at the last point. Zero below 2 m_pi+.
    """
    x, r = r_ratio_table()
    s = np.asarray(sqrt_s, dtype=np.float64)
    xs = np.concatenate(([2.0 * m_pi_charged], x))
    rs = np.concatenate(([0.0], r))
    out = np.interp(s, xs, rs, left=0.0, right=float(r[-1]))
    return np.asarray(out, dtype=np.float64)


@functools.cache
def gstar_table() -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """(T [GeV], g_*s, g_*rho) of Saikawa & Shirai (2018), package data."""
    raw = np.loadtxt(data_path("saikawa_shirai_gstar.dat"), comments="#")
    return raw[:, 0], raw[:, 2], raw[:, 3]
