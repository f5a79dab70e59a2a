"""The plotted content of one figure: named polylines plus a summary, serialisable to JSON (``--data``).

Curve names (each maps to a list of ``(n, 2)`` polylines in data coordinates, x first):

* ``na64/<stat>``: closed rings of the NA64 excluded (or projected) region, even-odd rule;
  ``na64/<stat>/contour``: the open N_sig = s_up contour lines of the same result (what is drawn dashed);
* ``relic`` or ``relic/<param>=<value>``: thermal relic target lines;
* ``g2/<band>/lower``, ``g2/<band>/upper``, ``g2/<band>/central``: (g-2)_mu band edges and centre;
* ``constraint/<name>``: cited or recast curves (closed rings are drawn filled);
* ``kinematic/<name>``: kinematically forbidden regions (closed rings);
* ``not-computed``: closed rings of the region the scans did not compute (``meta["not_computed"]`` says why).

A file read back (:func:`load_figure_data`, ``--replot``) must be what ``--data`` writes: a JSON object with
``figure`` and ``curves`` whose polylines are lists of finite ``[x, y]`` numbers; anything else (truncated,
not JSON, strings such as ``"nan"``) is refused with one error naming the file.

>>> import numpy as np
>>> d = FigureData("demo", {"relic": [np.array([[0.01, 1e-5], [1.0, 1e-3]])]}, {"x": 1.0})
>>> FigureData.from_json(d.to_json()).curves["relic"][0].tolist()
[[0.01, 1e-05], [1.0, 0.001]]
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from semivis._io import atomic_write_text, to_jsonable
from semivis.errors import ParameterError

__all__ = ["NOT_COMPUTED_KEY", "FigureData", "load_figure_data"]

#: curve name of the region the scans did not compute (drawn hatched, never as excluded or allowed)
NOT_COMPUTED_KEY = "not-computed"

FloatArray = NDArray[np.float64]


@dataclass
class FigureData:
    """Named polylines of one figure, its summary numbers and provenance (``meta``)."""

    name: str
    curves: dict[str, list[FloatArray]] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def add(self, key: str, lines: list[FloatArray]) -> None:
        """Store polylines under ``key`` (float64 ``(n, 2)`` arrays; empty lists are kept: 'nothing there')."""
        out = []
        for i, line in enumerate(lines):
            arr = np.asarray(line, dtype=np.float64)
            if arr.ndim != 2 or arr.shape[1] != 2:
                raise ParameterError(f"curve {key}[{i}]", f"shape {arr.shape}", "an (n, 2) polyline")
            out.append(arr)
        self.curves[key] = out

    def get(self, key: str) -> list[FloatArray]:
        """Polylines under ``key``, or an empty list."""
        return self.curves.get(key, [])

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: ``{"figure", "curves": {name: [[[x, y], ...], ...]}, "summary", "meta"}``."""
        return {
            "figure": self.name,
            "curves": {k: [line.tolist() for line in v] for k, v in self.curves.items()},
            "summary": to_jsonable(self.summary),
            "meta": to_jsonable(self.meta),
        }

    def write_json(self, path: str | Path) -> None:
        """Write :meth:`to_json` to ``path`` (UTF-8, indented, atomically)."""
        atomic_write_text(path, json.dumps(self.to_json(), indent=1) + "\n")

    @classmethod
    def from_json(cls, obj: Any, source: str = "figure data") -> FigureData:
        """Inverse of :meth:`to_json`; ``source`` names the input in errors.

        >>> FigureData.from_json({"figure": "f", "curves": {"relic": [[["nan", 1.0], [2.0, 3.0]]]}})
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        semivis.errors.ParameterError: figure data = 'relic[0]' is out of range: allowed a list of finite [x, y] ...
        """
        if (
            not isinstance(obj, dict)
            or not isinstance(obj.get("figure"), str)
            or not isinstance(obj.get("curves"), dict)
        ):
            raise ParameterError(source, "no 'figure' name or 'curves' object", _WRITTEN_BY_DATA)
        for part in ("summary", "meta"):
            if not isinstance(obj.get(part, {}), dict):
                raise ParameterError(source, f"'{part}' is not an object", _WRITTEN_BY_DATA)
        data = cls(obj["figure"], {}, dict(obj.get("summary", {})), dict(obj.get("meta", {})))
        for key, lines in obj["curves"].items():
            if not isinstance(lines, list):
                raise ParameterError(source, key, "a list of polylines", _WRITTEN_BY_DATA)
            data.curves[key] = [_polyline(source, f"{key}[{i}]", line) for i, line in enumerate(lines)]
        return data


_WRITTEN_BY_DATA = "a JSON file written by semivis figure --data"


def _polyline(source: str, name: str, line: Any) -> FloatArray:
    """One ``[[x, y], ...]`` polyline of finite JSON numbers (no strings: ``"nan"`` would parse as NaN)."""
    ok = isinstance(line, list) and all(
        isinstance(pt, list)
        and len(pt) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in pt)
        for pt in line
    )
    if not ok:
        raise ParameterError(source, name, "a list of finite [x, y] numbers", _WRITTEN_BY_DATA)
    return np.asarray(line, dtype=np.float64).reshape(-1, 2)


def load_figure_data(path: str | Path, option: str = "--replot") -> FigureData:
    """Read a ``--data`` JSON file back; any unreadable, truncated or malformed file is one
    :class:`~semivis.errors.ParameterError` naming ``option`` and the file."""
    try:
        obj = json.loads(Path(path).read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParameterError(option, str(path), _WRITTEN_BY_DATA, _reason(exc)) from None
    return FigureData.from_json(obj, source=f"{option} {path}")


def _reason(exc: Exception) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    return str(getattr(exc, "strerror", None) or exc)
