"""THE parameter space: the planes of the two NA64 semi-visible papers and how a point of one maps onto a model.

Each plane has a *column* axis x (one event sample per column: the masses are fixed along it) and a
*reweightable* axis y along which only couplings change, so the column's sample is reweighted
analytically (lifetime scales with eps^2 alpha_D [s^2 c^2 for i2DM], production with eps^2). The exception
is (m_chi1, Delta/m_chi1): Delta changes the masses, so that plane needs one sample per cell.

Planes (EPJC 2023, Figs. 3-8; 2021 paper, Figs. 4-5), with y = eps^2 alpha_D (m_chi1/m_A')^4
(EPJC 2023, Sect. 6; :func:`y_from_eps`, :func:`eps_from_y`):

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

The papers quote the i2DM mixing as tan theta (EPJC 2023 Fig. 8); the model takes theta:
:func:`theta_from_tan_theta` is the one conversion, and :func:`resolve_fixed` accepts either.

Fixed parameters are numbers here. A mass-dependent fixed coupling (``eps = "g2:fnal2021:central"``) is a
rule of :mod:`semivis.constraints.rules`, resolved to one number per column by
:class:`~semivis.scan.ScanSpec` before a plane sees it.

>>> sorted(PLANES)
['R-y', 'mAp-alphaD', 'mAp-eps', 'mchi1-delta', 'mchi1-tantheta', 'mchi1-y']
>>> p = PLANES["mchi1-y"]
>>> pts = p.mass_points(0.01, [1e-9], {"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4})
>>> [round(v, 4) for v in pts[0]]
[0.03, 0.01, 0.014]
>>> round(float(p.couplings(0.01, [0.1 * 1e-6 / 81], {"alpha_D": 0.1, "ratio": 3.0})["eps"][0]), 9)
0.001

A curve known in (m_A', eps) (a cited limit, a (g-2) band) is drawn in any plane with an eps or y axis:

>>> [f"{v:.6g}" for v in p.to_xy([0.3], [1e-3], {"alpha_D": 0.1, "ratio": 3.0})[0]]  # y = 1e-6 * 0.1 / 3^4
['0.1', '1.23457e-09']
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis._validation import check_range
from semivis.errors import ParameterError

__all__ = [
    "FIXED_DEFAULTS",
    "MODELS",
    "OPTION",
    "PLANES",
    "MassPoint",
    "Plane",
    "eps_from_y",
    "log_grid",
    "resolve_fixed",
    "tan_theta_from_theta",
    "theta_from_tan_theta",
    "y_from_eps",
]

FloatArray = NDArray[np.float64]

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
    "tan_theta": "tan_theta",
    "eps": "--eps",
    "m_chi1": "--mchi1",
}


# --------------------------------------------------------------------------------------------------------
# coordinate conversions (each written once)
# --------------------------------------------------------------------------------------------------------
def y_from_eps(eps: ArrayLike, alpha_D: ArrayLike, m_chi1: ArrayLike, m_Ap: ArrayLike) -> FloatArray:
    """y = eps^2 alpha_D (m_chi1/m_A')^4, the variable of the thermal targets (EPJC 2023 Sect. 6, Eq. 6.2).

    >>> round(float(y_from_eps(1e-3, 0.1, 0.1, 0.3) * 81 / 0.1), 18)
    1e-06
    """
    e, a = np.asarray(eps, dtype=np.float64), np.asarray(alpha_D, dtype=np.float64)
    m1, ma = np.asarray(m_chi1, dtype=np.float64), np.asarray(m_Ap, dtype=np.float64)
    return np.asarray(e**2 * a * (m1 / ma) ** 4, dtype=np.float64)


def eps_from_y(y: ArrayLike, alpha_D: ArrayLike, m_chi1: ArrayLike, m_Ap: ArrayLike) -> FloatArray:
    """eps = sqrt(y / (alpha_D (m_chi1/m_A')^4)), the inverse of :func:`y_from_eps`.

    >>> round(float(eps_from_y(y_from_eps(2e-4, 0.5, 0.1, 0.35), 0.5, 0.1, 0.35)), 12)
    0.0002
    """
    yv, a = np.asarray(y, dtype=np.float64), np.asarray(alpha_D, dtype=np.float64)
    m1, ma = np.asarray(m_chi1, dtype=np.float64), np.asarray(m_Ap, dtype=np.float64)
    return np.asarray(np.sqrt(yv / (a * (m1 / ma) ** 4)), dtype=np.float64)


def theta_from_tan_theta(tan_theta: float) -> float:
    """The i2DM mixing angle theta [rad] from tan theta (the papers' axis, EPJC 2023 Fig. 8).

    >>> round(theta_from_tan_theta(1.0) * 4 / math.pi, 12)
    1.0
    """
    return math.atan(float(tan_theta))


def tan_theta_from_theta(theta: ArrayLike) -> FloatArray:
    """tan theta of the i2DM mixing angle theta [rad] (array in, array out)."""
    return np.asarray(np.tan(np.asarray(theta, dtype=np.float64)), dtype=np.float64)


def log_grid(lo: float, hi: float, n: int, name: str = "grid") -> tuple[float, ...]:
    """``n`` log-spaced values from lo to hi (both included): the grid of every axis and curve.

    >>> log_grid(1e-3, 1e-1, 3)
    (0.001, 0.01, 0.1)
    """
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 2:
        raise ParameterError(f"--n{name}", n, "an integer >= 2")
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo < hi):
        raise ParameterError(f"--{name}-min/--{name}-max", (lo, hi), "0 < min < max")
    return tuple(float(v) for v in np.geomspace(lo, hi, int(n)))


# --------------------------------------------------------------------------------------------------------
# the planes
# --------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Plane:
    """One parameter plane: axis names, fixed parameters, default ranges, whether samples are per cell.

    Fixed parameters (``fixed`` mappings below) are numbers: ``alpha_D``, ``ratio``, ``delta``, ``theta``,
    ``eps``, ``m_chi1`` as the plane needs them (:func:`resolve_fixed` fills and checks them).
    """

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
    def masses(
        self, x: ArrayLike, fixed: Mapping[str, float], *, delta: ArrayLike | None = None, kind: str = "idm"
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """(m_A', m_chi1, m_chi2) [GeV] at x (array in, arrays out); ``delta`` is the y value of the
        (m_chi1, Delta/m_chi1) plane, else the fixed ``delta`` (m_chi2 = m_chi1 for the invisible model)."""
        xv = np.asarray(x, dtype=np.float64)
        if self.x == "m_Ap":
            m_ap = xv
            m1 = xv / float(fixed["ratio"])
        elif self.x == "R":
            m1 = np.full_like(xv, float(fixed["m_chi1"]))
            m_ap = xv * float(fixed["m_chi1"])
        else:  # m_chi1
            m1 = xv
            m_ap = xv * float(fixed["ratio"])
        d = np.asarray(delta if delta is not None else float(fixed.get("delta", 0.0)), dtype=np.float64)
        m2 = m1 if kind == "invisible" else m1 * (1.0 + d)
        return m_ap, m1, np.asarray(m2, dtype=np.float64)

    def ratio(self, x: ArrayLike, fixed: Mapping[str, float]) -> FloatArray:
        """R = m_A'/m_chi1 at x: the x value itself in the (R, y) plane, else the fixed ``ratio``."""
        xv = np.asarray(x, dtype=np.float64)
        return xv.copy() if self.x == "R" else np.full_like(xv, float(fixed["ratio"]))

    def _point(self, x: float, y: float, fixed: Mapping[str, float], kind: str) -> MassPoint:
        m_ap, m1, m2 = self.masses(x, fixed, delta=y if self.y == "delta" else None, kind=kind)
        return (float(m_ap), float(m1), float(m2))

    def m_ap(self, x: float, fixed: Mapping[str, float]) -> float:
        """m_A' [GeV] of column x (it never depends on y: Delta changes m_chi2 only)."""
        return float(self.masses(x, fixed)[0])

    def mass_points(
        self, x: float, y: Sequence[float] | FloatArray, fixed: Mapping[str, float], kind: str = "idm"
    ) -> list[MassPoint]:
        """Mass points of one column: a single one, or one per y cell for a per-cell plane."""
        if self.per_cell:
            return [self._point(x, float(v), fixed, kind) for v in y]
        return [self._point(x, float("nan"), fixed, kind)]

    def couplings(self, x: float, y: Sequence[float] | FloatArray, fixed: Mapping[str, float]) -> dict[str, FloatArray]:
        """Couplings along the column: arrays ``eps``, ``alpha_D``, ``theta`` over y (fixed values at x)."""
        yv = np.asarray(y, dtype=np.float64)
        ones = np.ones_like(yv)
        alpha_d = ones * float(fixed.get("alpha_D", float("nan")))
        theta = ones * float(fixed.get("theta", float("nan")))
        eps = ones * float(fixed.get("eps", float("nan")))
        if self.y == "eps":
            eps = yv.copy()
        elif self.y == "alpha_D":
            alpha_d = yv.copy()
        elif self.y == "tan_theta":
            theta = np.arctan(yv)
        elif self.y == "y":
            m_ap, m1, _ = self._point(x, float("nan"), fixed, "idm")
            eps = eps_from_y(yv, alpha_d, m1, m_ap)
        return {"eps": eps, "alpha_D": alpha_d, "theta": theta}

    @staticmethod
    def valid(couplings: Mapping[str, ArrayLike], shape: tuple[int, ...]) -> NDArray[np.bool_]:
        """Cells (of ``shape``) inside the model's domain, 0 < eps < 1.

        A plane whose y axis is not eps can reach eps >= 1 (y = eps^2 alpha_D / R^4 at large R and y in the
        (R, y) plane); such cells are outside the model (N_sig = 0 there, counted by the scan), not errors.
        """
        eps = np.broadcast_to(np.asarray(couplings["eps"], dtype=np.float64), shape)
        return np.asarray((eps > 0.0) & (eps < 1.0), dtype=np.bool_)

    def is_open(self, point: MassPoint, kind: str) -> bool:
        """Whether on-shell A' -> chi chi is open (R > 2 for the semi-visible models): else N_sig = 0."""
        m_ap, m1, m2 = point
        if kind == "invisible":
            return m_ap > 2.0 * m1
        return m_ap > m1 + m2

    def to_xy(self, m_Ap: ArrayLike, eps: ArrayLike, fixed: Mapping[str, float]) -> FloatArray:
        """A curve given in (m_A', eps) as an (n, 2) polyline in this plane's (x, y).

        x from m_A' through the fixed ``ratio`` (or ``m_chi1``); y is eps itself or :func:`y_from_eps`.
        Planes whose y is not a function of eps at fixed masses (alpha_D, Delta, tan theta) raise.

        >>> [f"{v:.6g}" for v in PLANES["R-y"].to_xy([0.3], [1e-3], {"alpha_D": 0.1, "m_chi1": 0.1})[0]]
        ['3', '1.23457e-09']
        """
        ma = np.asarray(m_Ap, dtype=np.float64)
        e = np.asarray(eps, dtype=np.float64)
        if self.y not in ("eps", "y"):
            raise ParameterError("plane", self.name, "a plane with an eps or y axis for a curve in (m_A', eps)")
        if self.x == "m_Ap":
            x, m1 = ma, ma / float(fixed["ratio"])
        elif self.x == "R":
            m1 = np.full_like(ma, float(fixed["m_chi1"]))
            x = ma / m1
        else:  # m_chi1
            x = m1 = ma / float(fixed["ratio"])
        y = e if self.y == "eps" else y_from_eps(e, float(fixed["alpha_D"]), m1, ma)
        return np.column_stack([x, y])


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

#: allowed range of each fixed parameter: (low, high or None, high inclusive, words); alpha_D's upper end is the
#: model's ALPHA_D_MAX = 4 pi (checked here, before any scan starts, not in a worker)
_RANGES: dict[str, tuple[float, float | None, bool, str]] = {
    "alpha_D": (0.0, 4.0 * math.pi, True, "0 < alpha_D <= 4 pi"),
    "ratio": (0.0, None, False, "ratio > 0"),
    "delta": (0.0, None, False, "delta > 0"),
    "theta": (0.0, math.pi / 2, False, "0 < theta < pi/2"),
    "eps": (0.0, 1.0, False, "0 < eps < 1"),
    "m_chi1": (0.0, None, False, "m_chi1 > 0"),
}


def resolve_fixed(
    plane: Plane, model: str, given: Mapping[str, float | str | None], *, given_elsewhere: Collection[str] = ()
) -> dict[str, float]:
    """Fixed parameters of a plane for a model as numbers: defaults filled in, ranges checked, unknown/missing
    named. ``tan_theta`` may stand for ``theta`` (:func:`theta_from_tan_theta`). Keys in ``given_elsewhere``
    (fixed couplings given as a mass-dependent rule, resolved by the caller) count as given if the plane
    needs them, and are left out of the result.

    >>> resolve_fixed(PLANES["mAp-eps"], "idm", {})
    {'alpha_D': 0.1, 'ratio': 3.0, 'delta': 0.4}
    >>> resolve_fixed(PLANES["mchi1-tantheta"], "i2dm", {"eps": 1e-3}, given_elsewhere=())["delta"]
    0.4
    >>> resolve_fixed(PLANES["mAp-alphaD"], "idm", {})
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: --eps = None is out of range: allowed 0 < eps < 1 (required by plane mAp-alphaD)
    """
    if model not in plane.models:
        raise ParameterError("--model", model, " | ".join(plane.models), f"plane {plane.name}")
    given = dict(given)
    tan_theta = given.pop("tan_theta", None)
    if tan_theta is not None:
        if given.get("theta") is not None:
            raise ParameterError("tan_theta", tan_theta, "either theta or tan_theta, not both")
        given["theta"] = theta_from_tan_theta(float(check_range("tan_theta", tan_theta, 0.0)))
    needed = [k for k in plane.fixed if not (k == "theta" and model != "i2dm")]
    if model == "invisible":
        needed = [k for k in needed if k != "delta"]
    out: dict[str, float] = {}
    for key in needed:
        if key in given_elsewhere:
            continue
        value = given.get(key)
        if value is None:
            value = FIXED_DEFAULTS.get(key)
        low, high, high_inclusive, words = _RANGES[key]
        if value is None:
            raise ParameterError(OPTION[key], None, words, f"required by plane {plane.name}")
        if isinstance(value, str):
            raise ParameterError(OPTION[key], value, f"a number, {words}")
        out[key] = float(check_range(OPTION[key], value, low, high, high_inclusive=high_inclusive))
    for key, value in given.items():
        if value is not None and key not in out and not (key in given_elsewhere and key in needed):
            raise ParameterError(
                OPTION.get(key, key),
                value,
                f"only {', '.join(OPTION[k] for k in needed)}",
                f"not a fixed parameter of plane {plane.name} for model {model}",
            )
    return out
