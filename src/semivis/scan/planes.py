"""The parameter planes of the two NA64 semi-visible papers and how a grid point maps onto a model.

Each plane has a *column* axis x (one event sample per column: the masses are fixed along it) and a
*reweightable* axis y along which only couplings change, so the column's sample is reweighted
analytically (lifetime scales with eps^2 alpha_D [s^2 c^2 for i2DM], production with eps^2). The exception
is (m_chi1, Delta/m_chi1): Delta changes the masses, so that plane needs one sample per cell.

Planes (EPJC 2023, Figs. 3-8; 2021 paper, Figs. 4-5), with y = eps^2 alpha_D (m_chi1/m_A')^4
(EPJC 2023, Sect. 6):

=================  ============  ================  ==========================  ====================
name               x (columns)   y                 fixed parameters            models
=================  ============  ================  ==========================  ====================
``mAp-eps``        m_A'          eps               alpha_D, ratio, delta[,th]  idm, i2dm, invisible
``mAp-alphaD``     m_A'          alpha_D           eps, ratio, delta[,th]      idm, i2dm, invisible
``mchi1-delta``    m_chi1        Delta/m_chi1      eps, alpha_D, ratio[,th]    idm, i2dm
``mchi1-y``        m_chi1        y                 alpha_D, ratio, delta[,th]  idm, i2dm, invisible
``R-y``            R=m_A'/m_chi1 y                 m_chi1, alpha_D, delta[,th] idm, i2dm, invisible
``mchi1-tantheta`` m_chi1        tan theta         eps, alpha_D, ratio, delta  i2dm
=================  ============  ================  ==========================  ====================

>>> sorted(PLANES)
['R-y', 'mAp-alphaD', 'mAp-eps', 'mchi1-delta', 'mchi1-tantheta', 'mchi1-y']
>>> p = PLANES["mchi1-y"]
>>> pts = p.mass_points(0.01, [1e-9], {"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4})
>>> [round(v, 4) for v in pts[0]]
[0.03, 0.01, 0.014]
>>> round(float(p.couplings(0.01, [0.1 * 1e-6 / 81], {"alpha_D": 0.1, "ratio": 3.0})["eps"][0]), 9)
0.001
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from semivis._validation import check_range
from semivis.errors import ParameterError

__all__ = ["FIXED_DEFAULTS", "MODELS", "PLANES", "MassPoint", "Plane", "resolve_fixed"]

#: models the scans know
MODELS: tuple[str, ...] = ("idm", "i2dm", "invisible")

#: (m_A', m_chi1, m_chi2) in GeV
MassPoint = tuple[float, float, float]

#: benchmark values of the papers (alpha_D = 0.1, R = 3, Delta/m_chi1 = 0.4); the rest must be given
FIXED_DEFAULTS: dict[str, float] = {"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4}

#: CLI option of each fixed parameter (for error messages)
OPTION: dict[str, str] = {
    "alpha_D": "--alphaD",
    "ratio": "--ratio",
    "delta": "--delta",
    "theta": "--theta",
    "eps": "--eps",
    "m_chi1": "--mchi1",
}


@dataclass(frozen=True)
class Plane:
    """One parameter plane: axis names, fixed parameters, default ranges, whether samples are per cell."""

    name: str
    x: str
    y: str
    x_label: str
    y_label: str
    fixed: tuple[str, ...]
    models: tuple[str, ...]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    per_cell: bool = False
    description: str = field(default="", compare=False)

    # ----------------------------------------------------------------------------------------------
    def _masses(self, x: float, y: float, fx: Mapping[str, float], kind: str = "idm") -> MassPoint:
        if self.x == "m_Ap":
            m_ap = x
            m1 = x / fx["ratio"]
        elif self.x == "R":
            m1 = fx["m_chi1"]
            m_ap = x * m1
        else:  # m_chi1
            m1 = x
            m_ap = x * fx["ratio"]
        delta = y if self.y == "delta" else fx.get("delta", 0.0)
        m2 = m1 if kind == "invisible" else m1 * (1.0 + delta)
        return (float(m_ap), float(m1), float(m2))

    def mass_points(
        self, x: float, y: Sequence[float] | NDArray[np.float64], fixed: Mapping[str, float], kind: str = "idm"
    ) -> list[MassPoint]:
        """Mass points of one column: a single one, or one per y cell for a per-cell plane."""
        if self.per_cell:
            return [self._masses(x, float(v), fixed, kind) for v in y]
        return [self._masses(x, float("nan"), fixed, kind)]

    def couplings(
        self, x: float, y: Sequence[float] | NDArray[np.float64], fixed: Mapping[str, float]
    ) -> dict[str, NDArray[np.float64]]:
        """Couplings along the column: arrays ``eps``, ``alpha_D``, ``theta`` over y."""
        yv = np.asarray(y, dtype=np.float64)
        ones = np.ones_like(yv)
        alpha_d = ones * fixed.get("alpha_D", float("nan"))
        theta = ones * fixed.get("theta", float("nan"))
        eps = ones * fixed.get("eps", float("nan"))
        if self.y == "eps":
            eps = yv.copy()
        elif self.y == "alpha_D":
            alpha_d = yv.copy()
        elif self.y == "tan_theta":
            theta = np.arctan(yv)
        elif self.y == "y":
            m_ap, m1, _ = self._masses(x, float("nan"), fixed)
            eps = np.sqrt(yv / (alpha_d * (m1 / m_ap) ** 4))  # y = eps^2 alpha_D (m_chi1/m_A')^4
        return {"eps": eps, "alpha_D": alpha_d, "theta": theta}

    def is_open(self, point: MassPoint, kind: str) -> bool:
        """Whether on-shell A' -> chi chi is open (R > 2 for the semi-visible models): else N_sig = 0."""
        m_ap, m1, m2 = point
        if kind == "invisible":
            return m_ap > 2.0 * m1
        return m_ap > m1 + m2


PLANES: dict[str, Plane] = {
    p.name: p
    for p in (
        Plane(
            "mAp-eps",
            "m_Ap",
            "eps",
            "m_A' [GeV]",
            "eps",
            ("alpha_D", "ratio", "delta", "theta"),
            MODELS,
            (3e-3, 1.0),
            (1e-6, 1e-2),
            description="EPJC 2023 Figs. 3, 5; 2021 Fig. 4",
        ),
        Plane(
            "mAp-alphaD",
            "m_Ap",
            "alpha_D",
            "m_A' [GeV]",
            "alpha_D",
            ("eps", "ratio", "delta", "theta"),
            MODELS,
            (3e-3, 1.0),
            (1e-3, 1.0),
            description="EPJC 2023 Fig. 4 left; 2021 Fig. 5 top",
        ),
        Plane(
            "mchi1-delta",
            "m_chi1",
            "delta",
            "m_chi1 [GeV]",
            "Delta/m_chi1",
            ("eps", "alpha_D", "ratio", "theta"),
            ("idm", "i2dm"),
            (1e-3, 0.3),
            (1e-2, 1.0),
            per_cell=True,
            description="EPJC 2023 Fig. 4 right; 2021 Fig. 5 bottom",
        ),
        Plane(
            "mchi1-y",
            "m_chi1",
            "y",
            "m_chi1 [GeV]",
            "y = eps^2 alpha_D (m_chi1/m_A')^4",
            ("alpha_D", "ratio", "delta", "theta"),
            MODELS,
            (1e-3, 0.3),
            (1e-14, 1e-6),
            description="EPJC 2023 Figs. 6, 8 left",
        ),
        Plane(
            "R-y",
            "R",
            "y",
            "R = m_A'/m_chi1",
            "y = eps^2 alpha_D (m_chi1/m_A')^4",
            ("m_chi1", "alpha_D", "delta", "theta"),
            MODELS,
            (2.5, 10.0),
            (1e-14, 1e-6),
            description="EPJC 2023 Fig. 7",
        ),
        Plane(
            "mchi1-tantheta",
            "m_chi1",
            "tan_theta",
            "m_chi1 [GeV]",
            "tan theta",
            ("eps", "alpha_D", "ratio", "delta"),
            ("i2dm",),
            (1e-3, 0.3),
            (1e-5, 1.0),
            description="EPJC 2023 Fig. 8 middle, right",
        ),
    )
}

_RANGES: dict[str, tuple[float, float | None, str]] = {
    "alpha_D": (0.0, None, "alpha_D > 0"),
    "ratio": (0.0, None, "ratio > 0"),
    "delta": (0.0, None, "delta > 0"),
    "theta": (0.0, math.pi / 2, "0 < theta < pi/2"),
    "eps": (0.0, 1.0, "0 < eps < 1"),
    "m_chi1": (0.0, None, "m_chi1 > 0"),
}


def resolve_fixed(plane: Plane, model: str, given: Mapping[str, float | None]) -> dict[str, float]:
    """Fixed parameters of a plane for a model: defaults filled in, ranges checked, unknown/missing named.

    >>> resolve_fixed(PLANES["mAp-eps"], "idm", {})
    {'alpha_D': 0.1, 'ratio': 3.0, 'delta': 0.4}
    >>> resolve_fixed(PLANES["mAp-alphaD"], "idm", {})
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: --eps = None is out of range: allowed 0 < eps < 1 (required by plane mAp-alphaD)
    """
    if model not in plane.models:
        raise ParameterError("--model", model, " | ".join(plane.models), f"plane {plane.name}")
    needed = [k for k in plane.fixed if not (k == "theta" and model != "i2dm")]
    if model == "invisible":
        needed = [k for k in needed if k != "delta"]
    out: dict[str, float] = {}
    for key in needed:
        value = given.get(key)
        if value is None:
            value = FIXED_DEFAULTS.get(key)
        low, high, words = _RANGES[key]
        if value is None:
            raise ParameterError(OPTION[key], None, words, f"required by plane {plane.name}")
        out[key] = float(check_range(OPTION[key], value, low, high))
    for key, value in given.items():
        if value is not None and key not in out:
            raise ParameterError(
                OPTION.get(key, key),
                value,
                f"only {', '.join(OPTION[k] for k in needed)}",
                f"not a fixed parameter of plane {plane.name} for model {model}",
            )
    return out
