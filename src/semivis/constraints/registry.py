"""Registry of other constraints, each a cited curve a figure can draw.

Every :class:`Constraint` has a name, a label, a colour suggestion, the planes it can be drawn in, its paper and
figure, the benchmark it was derived for, the rule for rescaling it, a caption, and
``curves(plane, **fixed)`` returning a list of polylines (``(n, 2)`` arrays of (x, y) in the plane's axes;
an excluded region is returned as a closed polygon). Entries without public data (E137, LSND, CHARM, NuCal)
are marked ``available = False``: their ``curves`` returns ``[]`` and their ``caption`` says why.

Planes: ``"mAp-eps"`` (fixed alpha_D, ratio, delta[, theta]), ``"mchi1-y"`` (same fixed parameters),
``"mchi1-tantheta"`` (i2DM; fixed eps, alpha_D, ratio, delta).

>>> sorted(CONSTRAINTS)[:3]
['babar_semivisible', 'charm', 'cmb_planck2018']
>>> lines = CONSTRAINTS["lep_ewpo"].curves("mAp-eps", m_range=(0.01, 1.0))
>>> float(lines[0][0, 1])
0.03
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from semivis.constants import GeV2_to_cm2
from semivis.constraints.babar import _limit_table, babar_semivisible_excluded_eps
from semivis.constraints.g2 import eps_electron_g2_max
from semivis.cosmo.boltzmann import DarkSectorPoint
from semivis.cosmo.rates import sigma_v_thermal
from semivis.errors import ParameterError

__all__ = ["CMB_P_ANN_LIMIT", "CONSTRAINTS", "Constraint", "cmb_eps_max"]

Polylines = list[NDArray[np.float64]]

#: Planck 2018 VI (A&A 641 (2020) A6), Eq. 89: p_ann = f_eff <sigma v>/m_chi < 3.2e-28 cm^3 s^-1 GeV^-1 (95 % CL)
CMB_P_ANN_LIMIT: float = 3.2e-28
#: f_eff for e+e- final states at 10 MeV - 1 GeV: ~0.5 (Slatyer, PRD 93 (2016) 023527, Fig. 3), taken constant
CMB_F_EFF: float = 0.5


@dataclass(frozen=True)
class Constraint:
    """A cited constraint curve usable by a figure."""

    name: str
    label: str
    color: str
    planes: tuple[str, ...]
    models: tuple[str, ...]
    paper: str
    figure: str
    benchmark: dict[str, Any]
    rescaling: str
    caption: str
    available: bool = True
    _curves: Callable[..., Polylines] | None = field(default=None, repr=False)

    def curves(self, plane: str, **fixed: Any) -> Polylines:
        """Polylines of this constraint in ``plane`` for the given fixed parameters ([] if not available)."""
        if not self.available or self._curves is None:
            return []
        if plane not in self.planes:
            raise ParameterError("plane", plane, "one of " + ", ".join(self.planes) + f" for {self.name}")
        return self._curves(plane, **fixed)


def _mgrid(m_range: tuple[float, float], n: int) -> NDArray[np.float64]:
    lo, hi = m_range
    if not (0 < lo < hi):
        raise ParameterError("m_range", m_range, "0 < low < high")
    return np.geomspace(lo, hi, n)


def _to_plane(
    plane: str, mA: NDArray[np.float64], eps: NDArray[np.float64], fixed: dict[str, Any]
) -> NDArray[np.float64]:
    if plane == "mAp-eps":
        return np.column_stack([mA, eps])
    if plane == "mchi1-y":
        R = float(fixed["ratio"])
        return np.column_stack([mA / R, eps**2 * float(fixed["alpha_D"]) / R**4])
    raise ParameterError("plane", plane, "'mAp-eps' or 'mchi1-y'")


# ----------------------------------------------------------------------------------------------------- LEP / EWPO
def _lep(plane: str, *, m_range: tuple[float, float] = (1e-3, 10.0), n: int = 50, **fixed: Any) -> Polylines:
    mA = _mgrid(m_range, n) if plane == "mAp-eps" else _mgrid(m_range, n) * float(fixed.get("ratio", 3.0))
    eps = np.full(mA.shape, 0.03)
    return [_to_plane(plane, mA, eps, {"ratio": 3.0, "alpha_D": 0.1, **fixed})]


# ---------------------------------------------------------------------------------------------------------- BaBar
def _babar(
    plane: str,
    *,
    kind: str = "idm",
    alpha_D: float = 0.1,
    ratio: float = 3.0,
    delta: float = 0.4,
    theta: float | None = None,
    m_range: tuple[float, float] = (0.01, 8.0),
    n: int = 40,
    r_veto_m: float = 1.4,
    e_min_GeV: float = 0.1,
) -> Polylines:
    grid = _mgrid(m_range, n)
    mA = grid if plane == "mAp-eps" else grid * ratio
    table_m = _babar_masses()
    lows, highs, ms = [], [], []
    for m in mA:
        if m > table_m[-1] or m < table_m[0]:
            continue
        iv = babar_semivisible_excluded_eps(
            kind, float(m), float(m) / ratio, delta, alpha_D, theta, r_veto_m=r_veto_m, e_min_GeV=e_min_GeV
        )
        if iv:
            ms.append(m)
            lows.append(iv[0][0])
            highs.append(iv[-1][1])
    if not ms:
        return []
    m_arr, lo_arr, hi_arr = np.array(ms), np.array(lows), np.array(highs)
    poly_m = np.concatenate([m_arr, m_arr[::-1], m_arr[:1]])
    poly_e = np.concatenate([lo_arr, hi_arr[::-1], lo_arr[:1]])
    return [_to_plane(plane, poly_m, poly_e, {"ratio": ratio, "alpha_D": alpha_D})]


def _babar_masses() -> NDArray[np.float64]:
    return _limit_table()[0]


# ------------------------------------------------------------------------------------------------------------ CMB
def _p_ann_unit(m_chi1: float, m_Ap: float, alpha_D: float, theta: float, delta: float) -> float:
    """p_ann [cm^3 s^-1 GeV^-1] of i2DM chi1 chi1bar -> SM at eps = 1 (v -> 0; Dirac: factor 1/2)."""
    p = DarkSectorPoint("i2dm", m1=m_chi1, m2=m_chi1 * (1 + delta), m_Ap=m_Ap, eps=1e-3, alpha_D=alpha_D, theta=theta)
    s4 = math.sin(theta) ** 4
    sv = float(sigma_v_thermal(np.array([1e4]), m_chi1, m_chi1, m_chi1, m_Ap, p.Gamma_Ap(), 1e-3, alpha_D, s4)[0])
    sv_cm3 = sv / 1e-6 * GeV2_to_cm2 * 2.99792458e10  # eps = 1; GeV^-2 -> cm^3/s
    return 0.5 * CMB_F_EFF * sv_cm3 / m_chi1


def cmb_eps_max(m_Ap: float, *, alpha_D: float, ratio: float, delta: float, theta: float) -> float:
    """Largest eps allowed by the CMB for i2DM (chi1 = all of the dark matter), Planck 2018 p_ann.

    ``p_ann = f_eff <sigma v>(chi1 chi1bar -> SM, v -> 0)/(2 m_chi1)`` (factor 1/2 for Dirac DM: only
    particle-antiparticle pairs annihilate), ``<sigma v>`` ~ eps^2 sin^4(theta) (EPJC 2023 Sec. 4).

    >>> 1e-5 < cmb_eps_max(0.3, alpha_D=0.1, ratio=3.0, delta=0.1, theta=0.04) < 1.0
    True
    """
    pu = _p_ann_unit(m_Ap / ratio, m_Ap, alpha_D, theta, delta)
    return math.sqrt(CMB_P_ANN_LIMIT / pu)


def _cmb(
    plane: str,
    *,
    alpha_D: float = 0.1,
    ratio: float = 3.0,
    delta: float = 0.1,
    theta: float | None = None,
    eps: float | None = None,
    m_range: tuple[float, float] = (0.003, 3.0),
    n: int = 40,
    kind: str = "i2dm",
) -> Polylines:
    if kind != "i2dm":
        return []  # chi2 has decayed at recombination: no chi1 chi1 annihilation in iDM (EPJC 2023 Sec. 4)
    if plane == "mchi1-tantheta":
        if eps is None:
            raise ParameterError("eps", eps, "a fixed eps for the (m_chi1, tan theta) plane")
        m1 = _mgrid(m_range, n)
        tt = []
        for m in m1:
            pu = _p_ann_unit(float(m), float(m) * ratio, alpha_D, math.pi / 4, delta) * 4.0  # sin^4(pi/4) = 1/4
            s4 = min(CMB_P_ANN_LIMIT / (pu * eps**2), 1.0)
            th = math.asin(s4**0.25)
            tt.append(math.tan(th) if th < math.pi / 2 - 1e-9 else 1e9)
        return [np.column_stack([m1, np.array(tt)])]
    if theta is None:
        raise ParameterError("theta", theta, "a mixing angle for the CMB bound on i2DM")
    mA = _mgrid(m_range, n) if plane == "mAp-eps" else _mgrid(m_range, n) * ratio
    e = np.array([cmb_eps_max(float(m), alpha_D=alpha_D, ratio=ratio, delta=delta, theta=theta) for m in mA])
    return [_to_plane(plane, mA, e, {"ratio": ratio, "alpha_D": alpha_D})]


# ---------------------------------------------------------------------------------------------- electron g-2
def _ae(
    plane: str,
    *,
    alpha_input: str = "rb2020",
    nsigma: float = 2.0,
    m_range: tuple[float, float] = (1e-3, 10.0),
    n: int = 50,
    **fixed: Any,
) -> Polylines:
    mA = _mgrid(m_range, n) if plane == "mAp-eps" else _mgrid(m_range, n) * float(fixed.get("ratio", 3.0))
    e = eps_electron_g2_max(mA, alpha_input, nsigma)
    return [_to_plane(plane, mA, e, {"ratio": 3.0, "alpha_D": 0.1, **fixed})]


_NO_DATA = (
    "Not drawn: no public data table of this recast exists for the iDM/i2DM benchmarks; the NA64 papers take the "
    "curve from {ref}. semivis does not invent a curve (see docs/physics/constraints.md)."
)

CONSTRAINTS: dict[str, Constraint] = {
    "lep_ewpo": Constraint(
        "lep_ewpo",
        "LEP (EWPO)",
        "0.6",
        ("mAp-eps", "mchi1-y"),
        ("idm", "i2dm", "invisible"),
        "Hook, Izaguirre, Wacker, Adv. High Energy Phys. 2011 (2011) 859762 (arXiv:1006.0973)",
        "EPJC 2023 Fig. 3 (grey band, Ref. [73])",
        {"any": "model independent"},
        "none needed: eps >~ 0.03 for m_A' << m_Z; in the y plane y = 0.03^2 alpha_D / R^4",
        "Electroweak precision (LEP): eps >~ 0.03 excluded, model independent.",
        _curves=_lep,
    ),
    "babar_semivisible": Constraint(
        "babar_semivisible",
        "BaBar (recast)",
        "tab:red",
        ("mAp-eps", "mchi1-y"),
        ("idm", "i2dm"),
        "BaBar, PRL 119 (2017) 131804 (mono-photon); recast by semivis (semivis.constraints.babar)",
        "EPJC 2023 Figs. 3, 6, 8 (red)",
        {"alpha_D": "any", "ratio": "any", "delta": "any"},
        "recomputed at every benchmark: eps^2 BR_dark P_inv(eps) >= eps_inv(m_A')^2 with semivis's chi2 width",
        "BaBar mono-photon limit recast for semi-visible A': chi2 must decay beyond r_T = 1.4 m or give a pair "
        "below 0.1 GeV (simplified detector, see docstring).",
        _curves=_babar,
    ),
    "cmb_planck2018": Constraint(
        "cmb_planck2018",
        "CMB (Planck 2018)",
        "tab:purple",
        ("mAp-eps", "mchi1-y", "mchi1-tantheta"),
        ("i2dm",),
        "Planck 2018 VI, A&A 641 (2020) A6, Eq. 89 (p_ann < 3.2e-28 cm^3/s/GeV); f_eff: Slatyer PRD 93 (2016) 023527",
        "EPJC 2023 Fig. 5",
        {"theta": "any", "f_eff": CMB_F_EFF},
        "recomputed: sigma v(chi1 chi1bar) ~ eps^2 alpha_D sin^4(theta); iDM: does not apply",
        "Late chi1 chi1bar annihilation at recombination (i2DM only, ~sin^4 theta); not for iDM, whose chi2 has "
        "decayed.",
        _curves=_cmb,
    ),
    "electron_g2": Constraint(
        "electron_g2",
        "(g-2)_e",
        "tab:olive",
        ("mAp-eps", "mchi1-y"),
        ("idm", "i2dm", "invisible"),
        "a_e: Hanneke et al. PRL 100 (2008) 120801; alpha: Morel et al. Nature 588 (2020) 61 (Rb, default) or "
        "Parker et al. Science 360 (2018) 191 (Cs)",
        "EPJC 2023 Sec. 4 (not drawn there)",
        {"alpha_input": "rb2020", "nsigma": 2.0},
        "none: Delta a_e(A') ~ eps^2, independent of the dark sector",
        "Electron g-2 bound, alpha from Rb 2020 by default (Cs 2018 on request).",
        _curves=_ae,
    ),
}

for _name, _label, _ref, _color in (
    (
        "e137",
        "E137",
        "Batell, Essig, Surujon PRL 113 (2014) 171802 and the iDM recast of Ref. [13] of EPJC 2023",
        "tab:green",
    ),
    ("lsnd", "LSND", "Izaguirre, Kahn, Krnjaic, Moschella PRD 96 (2017) 055007 (Ref. [66] of EPJC 2023)", "tab:cyan"),
    (
        "charm",
        "CHARM",
        "Tsai, deNiverville, Liu, PRL 126 (2021) 181801 (Ref. [14]); i2DM: arXiv:2201.08409",
        "tab:brown",
    ),
    ("nucal", "NuCal", "Tsai, deNiverville, Liu, PRL 126 (2021) 181801 (Ref. [14] of EPJC 2023)", "tab:pink"),
):
    CONSTRAINTS[_name] = Constraint(
        _name,
        _label,
        _color,
        ("mAp-eps", "mchi1-y", "mchi1-tantheta"),
        ("idm", "i2dm"),
        _ref,
        "EPJC 2023 Figs. 3, 6, 8; NA64 2021 Figs. 4, 5",
        {},
        "not available",
        _NO_DATA.format(ref=_ref),
        available=False,
    )
