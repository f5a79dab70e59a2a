"""The plotted content of one figure: named polylines plus a summary, serialisable to JSON (``--data``).

Curve names (each maps to a list of ``(n, 2)`` polylines in data coordinates, x first):

* ``na64/<stat>``: closed rings of the NA64 excluded (or projected) region, even-odd rule;
  ``na64/<stat>/contour``: the open N_sig = s_up contour lines of the same result (what is drawn dashed);
* ``relic`` or ``relic/<param>=<value>``: thermal relic target lines;
* ``g2/<band>/lower``, ``g2/<band>/upper``, ``g2/<band>/central``: (g-2)_mu band edges and centre;
* ``constraint/<name>``: cited or recast curves (closed rings are drawn filled);
* ``kinematic/<name>``: kinematically forbidden regions (closed rings).

>>> import numpy as np
>>> d = FigureData("demo", {"relic": [np.array([[0.01, 1e-5], [1.0, 1e-3]])]}, {"x": 1.0})
>>> FigureData.from_json(d.to_json()).curves["relic"][0].tolist()
[[0.01, 1e-05], [1.0, 0.001]]
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from semivis._io import atomic_write_text, to_jsonable
from semivis.errors import ParameterError

__all__ = ["FigureData", "load_figure_data"]

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
    def from_json(cls, obj: dict[str, Any]) -> FigureData:
        """Inverse of :meth:`to_json`."""
        try:
            curves = {k: [np.asarray(line, dtype=np.float64) for line in v] for k, v in obj["curves"].items()}
            return cls(str(obj["figure"]), curves, dict(obj.get("summary", {})), dict(obj.get("meta", {})))
        except (KeyError, TypeError, ValueError) as exc:
            raise ParameterError(
                "figure data", type(exc).__name__, "a JSON object written by semivis figure --data"
            ) from exc


def load_figure_data(path: str | Path) -> FigureData:
    """Read a ``--data`` JSON file back."""
    return FigureData.from_json(json.loads(Path(path).read_text(encoding="utf-8")))
