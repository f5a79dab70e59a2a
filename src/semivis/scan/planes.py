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

A fixed ``eps`` may also be a named, declarative mass-dependent rule (no code is evaluated), resolved at each
column's m_A' (which depends only on x and the fixed ``ratio``/``m_chi1``, so one value per column):
``"g2:<band>:<edge>"``, eps explaining the (g-2)_mu band ``<band>`` of :data:`semivis.constraints.G2_BANDS`
at its central value or its 2 sigma edges (``central`` | ``low`` | ``high``; ``max`` for a band that is an
upper limit only, e.g. ``wp2025``), from :func:`semivis.constraints.g2_eps` (one-loop Delta a_mu, Pospelov,
PRD 80 (2009) 095002, Eq. 3). ``"g2:fnal2021:central"`` is the papers' eps = eps_(g-2) (2021 paper Fig. 5;
EPJC 2023 Fig. 4: "the value in the central band of the (g_mu - 2) anomaly").

>>> rule = parse_rule("--eps", "g2:fnal2021:central")
>>> str(rule), 3e-3 < float(rule(0.1)) < 4e-3
('g2:fnal2021:central', True)
>>> fixed = {"eps": "g2:fnal2021:central", "ratio": 3.0, "delta": 0.4}
>>> PLANES["mAp-alphaD"].fixed_at(0.1, fixed)["eps"] == float(rule(0.1))
True
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from semivis._validation import check_range
from semivis.errors import ParameterError

__all__ = [
    "FIXED_DEFAULTS",
    "MODELS",
    "PLANES",
    "RULE_FORMS",
    "RULE_PARAMETERS",
    "CouplingRule",
    "FixedValue",
    "MassPoint",
    "Plane",
    "parse_rule",
    "resolve_fixed",
]

#: models the scans know
MODELS: tuple[str, ...] = ("idm", "i2dm", "invisible")

#: (m_A', m_chi1, m_chi2) in GeV
MassPoint = tuple[float, float, float]

#: a fixed parameter's value: a number, or (for :data:`RULE_PARAMETERS`) a mass-dependent rule's name
FixedValue = float | str

#: fixed parameters that may be given as a mass-dependent rule instead of a number
RULE_PARAMETERS: tuple[str, ...] = ("eps",)

#: the allowed forms of a rule, for error messages
RULE_FORMS = (
    "a number (0 < eps < 1), or a rule g2:<band>:<edge> (eps explaining a (g-2)_mu band at m_A'), "
    "<band> one of {bands}, <edge> central | low | high (2 sigma edges; max for an upper-limit-only band), "
    "e.g. g2:fnal2021:central"
)
_G2_EDGES: tuple[str, ...] = ("central", "low", "high", "max")
_G2_NSIGMA = 2.0  # width of the band whose edges low/high/max refer to (both papers: 2 sigma)


@dataclass(frozen=True)
class CouplingRule:
    """A named mass-dependent value of a fixed coupling: ``g2:<band>:<edge>`` (see the module docstring).

    Calling it with m_A' [GeV] gives eps from :func:`semivis.constraints.g2_eps` (Delta a_mu proportional to
    eps^2, one loop, Pospelov 2009 Eq. 3): ``eps_central`` of the band, its 2 sigma ``eps_low``/``eps_high``
    edges, or ``eps_max`` of an upper-limit-only band. ``str(rule)`` is its canonical name, which is what a
    :class:`~semivis.scan.ScanSpec` stores (and so what enters the scan's hash and provenance).
    """

    band: str
    edge: str

    def __str__(self) -> str:
        return f"g2:{self.band}:{self.edge}"

    def __call__(self, m_ap: float | Sequence[float] | NDArray[np.float64]) -> NDArray[np.float64]:
        """eps of this rule at m_A' [GeV] (array in, array out)."""
        from semivis.constraints.g2 import g2_band, g2_eps  # noqa: PLC0415 - lower room, imported on use

        out = g2_eps(np.asarray(m_ap, dtype=np.float64), g2_band(self.band), _G2_NSIGMA)
        return np.asarray(out[f"eps_{self.edge}"], dtype=np.float64)


def _g2_edges(band: str) -> tuple[str, ...]:
    """Edges a band offers at 2 sigma: central/low/high, or only max (upper limit; lower edge <= 0)."""
    from semivis.constraints.g2 import G2_BANDS  # noqa: PLC0415

    b = G2_BANDS[band]
    if b.upper_limit_only or b.central - _G2_NSIGMA * b.sigma <= 0:
        return ("max",)
    return ("central", "low", "high")


def parse_rule(option: str, text: str) -> CouplingRule:
    """The :class:`CouplingRule` named by ``text``; anything else raises ParameterError naming ``option``.

    >>> parse_rule("--eps", " G2:fnal2021:High ")
    CouplingRule(band='fnal2021', edge='high')
    >>> parse_rule("--eps", "g2:fnal2021:max")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: --eps = 'g2:fnal2021:max' is out of range: allowed ... (band fnal2021 offers ...
    """
    from semivis.constraints.g2 import G2_BANDS  # noqa: PLC0415

    allowed = RULE_FORMS.format(bands=" | ".join(sorted(G2_BANDS)))
    parts = text.strip().lower().split(":") if isinstance(text, str) else []
    if len(parts) != 3 or parts[0] != "g2" or parts[1] not in G2_BANDS or parts[2] not in _G2_EDGES:
        raise ParameterError(option, text, allowed)
    edges = _g2_edges(parts[1])
    if parts[2] not in edges:
        raise ParameterError(option, text, allowed, f"band {parts[1]} offers {' | '.join(edges)} only")
    return CouplingRule(parts[1], parts[2])


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
    def _masses(self, x: float, y: float, fx: Mapping[str, FixedValue], kind: str = "idm") -> MassPoint:
        if self.x == "m_Ap":
            m_ap = x
            m1 = x / float(fx["ratio"])
        elif self.x == "R":
            m1 = float(fx["m_chi1"])
            m_ap = x * m1
        else:  # m_chi1
            m1 = x
            m_ap = x * float(fx["ratio"])
        delta = y if self.y == "delta" else float(fx.get("delta", 0.0))
        m2 = m1 if kind == "invisible" else m1 * (1.0 + delta)
        return (float(m_ap), float(m1), float(m2))

    def m_ap(self, x: float, fixed: Mapping[str, FixedValue]) -> float:
        """m_A' [GeV] of column x (it never depends on y: Delta changes m_chi2 only)."""
        return self._masses(x, float("nan"), fixed)[0]

    def fixed_at(self, x: float, fixed: Mapping[str, FixedValue]) -> dict[str, float]:
        """The fixed parameters as numbers at column x: rules (e.g. ``eps = "g2:fnal2021:central"``) resolved
        at the column's m_A'."""
        out: dict[str, float] = {}
        for key, value in fixed.items():
            if isinstance(value, str):
                out[key] = float(parse_rule(OPTION.get(key, key), value)(self.m_ap(x, fixed)))
            else:
                out[key] = float(value)
        return out

    def mass_points(
        self, x: float, y: Sequence[float] | NDArray[np.float64], fixed: Mapping[str, FixedValue], kind: str = "idm"
    ) -> list[MassPoint]:
        """Mass points of one column: a single one, or one per y cell for a per-cell plane."""
        if self.per_cell:
            return [self._masses(x, float(v), fixed, kind) for v in y]
        return [self._masses(x, float("nan"), fixed, kind)]

    def couplings(
        self, x: float, y: Sequence[float] | NDArray[np.float64], fixed: Mapping[str, FixedValue]
    ) -> dict[str, NDArray[np.float64]]:
        """Couplings along the column: arrays ``eps``, ``alpha_D``, ``theta`` over y (rules resolved at x)."""
        fixed = self.fixed_at(x, fixed)
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


def resolve_fixed(plane: Plane, model: str, given: Mapping[str, FixedValue | None]) -> dict[str, FixedValue]:
    """Fixed parameters of a plane for a model: defaults filled in, ranges checked, unknown/missing named.

    Numbers are returned as floats; a rule (a string, for :data:`RULE_PARAMETERS` only) as its canonical
    name. A rule's values along the grid are checked by :class:`~semivis.scan.ScanSpec`, which knows the grid.

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
    out: dict[str, FixedValue] = {}
    for key in needed:
        value = given.get(key)
        if value is None:
            value = FIXED_DEFAULTS.get(key)
        low, high, words = _RANGES[key]
        if value is None:
            raise ParameterError(OPTION[key], None, words, f"required by plane {plane.name}")
        if isinstance(value, str):
            if key not in RULE_PARAMETERS:
                only = ", ".join(OPTION[k] for k in RULE_PARAMETERS)
                raise ParameterError(OPTION[key], value, f"a number, {words} (only {only} may be a rule)")
            out[key] = str(parse_rule(OPTION[key], value))
            continue
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
