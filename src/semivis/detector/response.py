"""Detector response to a chi2 -> chi1 e+ e- decay: where it decays and what energy its pair leaves where.

Small numba kernels on flat arrays. Geometry comes from an :class:`~semivis.detector.cards.ExperimentCard`
packed by :func:`geometry_vector`; positions are along the beam axis ``z`` from the ECAL front face.

Model (documented in ``docs/physics/detector-and-signal.md``):

* **Regions** (:data:`REGION_NAMES`): ``ecal``, ``veto``, ``hcal1``, ``hcal2``, ``hcal3``, ``gaps`` (the
  uninstrumented space between the ECAL end and the HCAL3 end, or a decay inside a module's z range but
  outside its transverse size) and ``beyond`` (after the end of HCAL3: the EPJC2021 S2 signature).
* **ECAL**: a lepton of energy E created at depth t_rem radiation lengths before the ECAL end deposits the
  fraction P(a, b t_rem) of its energy (longitudinal gamma profile, PDG RPP 2022 Sect. 34.5, Eq. 34.36:
  dE/dt = E b (bt)^(a-1) e^(-bt) / Gamma(a), t_max = (a-1)/b = ln(E/E_c) - 0.5 for electrons, b = 0.5; a >= 1
  enforced so that leptons below E_c e^(1/2) shower as a pure exponential of mean 2 X0). The rest leaks
  downstream.
* **VETO**: a charged lepton (or leaking shower) crossing it leaves min(E, E_MIP); it fires above its
  threshold ("no activity in the VETO", EPJC2023 Sect. 3.2).
* **HCAL**: ~7 interaction lengths, i.e. > 80 X0 of iron (physics.md Sect. 4), so an e+- entering a module
  within its transverse size deposits all its energy there (no sharing between modules).
* **Transverse acceptance**: a chi2 outside a module's square aperture at its decay point leaves no pair
  energy (category ``gaps``); a lepton from a decay in a gap or leaking from the ECAL hits a downstream
  module only if it is inside its aperture at the module's front face.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammainc

from semivis.detector.cards import ExperimentCard

__all__ = [
    "CONTAINMENT_TABLE_TOL",
    "N_DEP",
    "REGION_NAMES",
    "SELECTION_FLAGS",
    "containment_table",
    "deposits_at",
    "geometry_vector",
    "shower_containment",
]

#: decay regions, in the order of the category codes 0..6
REGION_NAMES: tuple[str, ...] = ("ecal", "veto", "hcal1", "hcal2", "hcal3", "gaps", "beyond")
#: selection flags computed by the kernels, in this order
SELECTION_FLAGS: tuple[str, ...] = ("missing-energy", "s1", "s2")
#: number of energy deposits returned per decay: ECAL, VETO, HCAL1, HCAL2, HCAL3
N_DEP = 5

# layout of the geometry vector
G_Z0 = 0  # module m occupies [G_Z0 + 3m, G_Z0 + 3m + 2] = (z_start, z_end, half size), m = 0..4
G_X0 = 15
G_EC = 16
G_B = 17
G_MIP = 18
G_VETO_THR = 19
G_ECAL_MAX = 20
G_HCAL_THR = 21
G_S1_MIN = 22
G_LEN = 23

#: shower-profile slope parameter b (PDG RPP 2022 Sect. 34.5: "b ~ 0.5")
SHOWER_B = 0.5


def geometry_vector(card: ExperimentCard, s1_min_hcal_GeV: float | None = None) -> NDArray[np.float64]:
    """Pack a card's geometry and thresholds into the float vector the kernels read."""
    g = np.zeros(G_LEN)
    for m, mod in enumerate(card.modules):
        g[3 * m : 3 * m + 3] = (mod.z_start_m, mod.z_end_m, mod.half_size_m)
    g[G_X0] = card.radiation_length_m
    g[G_EC] = card.critical_energy_GeV
    g[G_B] = SHOWER_B
    g[G_MIP] = card.veto_mip_GeV
    g[G_VETO_THR] = card.veto_threshold_GeV
    g[G_ECAL_MAX] = card.ecal_max_GeV
    g[G_HCAL_THR] = card.hcal_threshold_GeV
    g[G_S1_MIN] = card.hcal_threshold_GeV if s1_min_hcal_GeV is None else s1_min_hcal_GeV
    return g


@njit(cache=True)
def _gammainc_lower_reg(a: float, x: float) -> float:  # pragma: no cover - numba
    """Regularised lower incomplete gamma P(a, x): series for x < a+1, Lentz continued fraction otherwise."""
    if x <= 0.0:
        return 0.0
    gln = math.lgamma(a)
    if x < a + 1.0:
        ap = a
        s = 1.0 / a
        d = s
        for _ in range(500):
            ap += 1.0
            d *= x / ap
            s += d
            if abs(d) < abs(s) * 1e-15:
                break
        return s * math.exp(-x + a * math.log(x) - gln)
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 500):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < tiny:
            d = tiny
        c = b + an / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        de = d * c
        h *= de
        if abs(de - 1.0) < 1e-15:
            break
    return 1.0 - math.exp(-x + a * math.log(x) - gln) * h


@njit(cache=True)
def _containment(E: float, t_rem: float, Ec: float, b: float) -> float:  # pragma: no cover - numba
    if E <= 0.0:
        return 1.0
    if t_rem <= 0.0:
        return 0.0
    a = 1.0 + b * (math.log(E / Ec) - 0.5)
    a = max(a, 1.0)
    return _gammainc_lower_reg(a, b * t_rem)


# ------------------------------------------------------------------------ tabulated containment
#: containment table grid: a = 1 + b (ln(E/E_c) - 0.5) in [1, _TAB_A_MAX] (a uniform ln E grid above
#: E_c e^(1/2)) x s = sqrt(b t) in [0, _TAB_S_MAX] (the square root makes P(a, s^2) ~ s^(2a) smooth at 0)
_TAB_H = 1.0 / 64.0
_TAB_A_MAX = 8.0
_TAB_S_MAX = 6.5
_TAB_NA = round((_TAB_A_MAX - 1.0) / _TAB_H) + 4  # one ghost node below, two above
_TAB_NS = round(_TAB_S_MAX / _TAB_H) + 4
#: guaranteed absolute error bound of the tabulated containment (4x4 Lagrange interpolation); the measured
#: maximum is ~1e-6, near t = 0 (tests/test_detector_response.py checks < TOL / 10 on a dense set)
CONTAINMENT_TABLE_TOL = 2e-5
_TABLES: dict[float, NDArray[np.float64]] = {}


def containment_table(b: float = SHOWER_B) -> NDArray[np.float64]:
    """Tabulated P(a, s^2) (regularised lower incomplete gamma, PDG RPP 2022 Eq. 34.36 integrated) on the grid
    a = 1 + (i - 1) h, s = (j - 1) h, h = 1/64 (module-level cache; ``b`` only keys the cache).

    Built once with ``scipy.special.gammainc``; read by the numba kernels through :func:`_containment_tab`,
    whose absolute error is below :data:`CONTAINMENT_TABLE_TOL`.

    >>> t = containment_table()
    >>> t.shape == (_TAB_NA, _TAB_NS), bool(abs(t[1, 1]) < 1e-300), bool(t[-1, -1] > 0.999999)
    (True, True, True)
    """
    key = float(b)
    tab = _TABLES.get(key)
    if tab is None:
        a = 1.0 + (np.arange(_TAB_NA) - 1.0) * _TAB_H
        sv = (np.arange(_TAB_NS) - 1.0) * _TAB_H
        tab = np.ascontiguousarray(gammainc(a[:, None], (sv * sv)[None, :]), dtype=np.float64)
        tab.setflags(write=False)
        _TABLES[key] = tab
    return tab


@njit(cache=True, inline="always")
def _lagrange4(t: float) -> tuple[float, float, float, float]:  # pragma: no cover - numba
    """Cubic Lagrange weights of the nodes -1, 0, 1, 2 at 0 <= t < 1."""
    tm1 = t - 1.0
    tm2 = t - 2.0
    tp1 = t + 1.0
    return -t * tm1 * tm2 / 6.0, tp1 * tm1 * tm2 / 2.0, -tp1 * t * tm2 / 2.0, tp1 * t * tm1 / 6.0


@njit(cache=True)
def _containment_tab(  # pragma: no cover - numba
    E: float, t_rem: float, Ec: float, b: float, tab: NDArray[np.float64]
) -> float:
    """:func:`_containment` from the table (4x4 Lagrange in (a, sqrt(b t))); exact outside the table.

    Absolute error < CONTAINMENT_TABLE_TOL; the result is clipped to [0, 1].
    """
    if E <= 0.0:
        return 1.0
    if t_rem <= 0.0:
        return 0.0
    a = 1.0 + b * (math.log(E / Ec) - 0.5)
    a = max(a, 1.0)
    sv = math.sqrt(b * t_rem)
    if a >= _TAB_A_MAX or sv >= _TAB_S_MAX:
        return _gammainc_lower_reg(a, b * t_rem)
    fa = (a - 1.0) / _TAB_H
    ia = int(fa)
    fs = sv / _TAB_H
    js = int(fs)
    wa0, wa1, wa2, wa3 = _lagrange4(fa - ia)
    wb0, wb1, wb2, wb3 = _lagrange4(fs - js)
    r0 = wb0 * tab[ia, js] + wb1 * tab[ia, js + 1] + wb2 * tab[ia, js + 2] + wb3 * tab[ia, js + 3]
    r1 = wb0 * tab[ia + 1, js] + wb1 * tab[ia + 1, js + 1] + wb2 * tab[ia + 1, js + 2] + wb3 * tab[ia + 1, js + 3]
    r2 = wb0 * tab[ia + 2, js] + wb1 * tab[ia + 2, js + 1] + wb2 * tab[ia + 2, js + 2] + wb3 * tab[ia + 2, js + 3]
    r3 = wb0 * tab[ia + 3, js] + wb1 * tab[ia + 3, js + 1] + wb2 * tab[ia + 3, js + 2] + wb3 * tab[ia + 3, js + 3]
    r = float(wa0 * r0 + wa1 * r1 + wa2 * r2 + wa3 * r3)
    return min(max(r, 0.0), 1.0)


def shower_containment(
    E_GeV: ArrayLike, t_rem_X0: ArrayLike, Ec_GeV: float, b: float = SHOWER_B
) -> NDArray[np.float64]:
    """Fraction of an e+- shower of energy E contained within t_rem radiation lengths.

    Longitudinal gamma profile, PDG RPP 2022 Sect. 34.5 Eq. (34.36), with t_max = ln(E/E_c) - 0.5 and b = 0.5.

    >>> bool(shower_containment(10.0, 40.0, 0.0083) > 0.99999)
    True
    >>> f = shower_containment(10.0, [2.0, 8.0, 20.0], 0.0083)
    >>> bool(f[0] < f[1] < f[2] < 1.0)
    True
    """
    E, t = np.broadcast_arrays(np.asarray(E_GeV, dtype=np.float64), np.asarray(t_rem_X0, dtype=np.float64))
    out = np.empty(E.shape)
    flat_e, flat_t, flat_o = E.ravel(), t.ravel(), out.reshape(-1)
    for i in range(flat_e.size):
        flat_o[i] = _containment(float(flat_e[i]), float(flat_t[i]), Ec_GeV, b)
    return out


@njit(cache=True)
def _propagate(  # noqa: PLR0917
    E: float,
    x: float,
    y: float,
    tx: float,
    ty: float,
    z: float,
    m_first: int,
    g: NDArray[np.float64],
    dep: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """A lepton of energy E at (x, y, z) with slopes (tx, ty) enters modules m_first.. downstream."""
    for m in range(m_first, 5):
        if E <= 0.0:
            return
        zf = g[3 * m]
        h = g[3 * m + 2]
        xf = x + tx * (zf - z)
        yf = y + ty * (zf - z)
        if abs(xf) > h or abs(yf) > h:
            continue
        if m == 1:  # VETO: a MIP-like deposit, the lepton goes on
            d = min(E, g[G_MIP])
            dep[1] += d
            E -= d
        else:  # HCAL: full absorption
            dep[m] += E
            return


@njit(cache=True)
def _ecal_pair(  # noqa: PLR0917
    z: float,
    xc: float,
    yc: float,
    lep: NDArray[np.float64],
    f0: float,
    f1: float,
    g: NDArray[np.float64],
    dep: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """Deposits of a pair created in the ECAL at (xc, yc, z) whose leptons keep the fractions f0, f1 there."""
    z_end = g[1]
    for k in range(2):
        E = lep[3 * k]
        f = f0 if k == 0 else f1
        dep[0] += f * E
        _propagate(
            (1.0 - f) * E,
            xc + lep[3 * k + 1] * (z_end - z),
            yc + lep[3 * k + 2] * (z_end - z),
            lep[3 * k + 1],
            lep[3 * k + 2],
            z_end,
            1,
            g,
            dep,
        )


@njit(cache=True)
def _deposits_at(  # noqa: PLR0917
    z: float,
    zv: float,
    tx: float,
    ty: float,
    lep: NDArray[np.float64],
    g: NDArray[np.float64],
    dep: NDArray[np.float64],
    tab: NDArray[np.float64],
    use_tab: bool,
) -> int:  # pragma: no cover - numba
    """Deposits (added to ``dep``) of a pair from a chi2 decaying at z; returns the region code 0..6.

    ``lep`` = (E+, tx+, ty+, E-, tx-, ty-): lab energies and slopes dx/dz, dy/dz of the two leptons.
    ``use_tab``: ECAL containment from ``tab`` (:func:`containment_table`; every deposit and every sum of
    deposits is then within CONTAINMENT_TABLE_TOL (E+ + E-) of the exact one), else the exact series.
    """
    xc = tx * (z - zv)
    yc = ty * (z - zv)
    end = g[3 * 4 + 1]
    if z >= end:
        return 6
    m_in = -1
    m_next = 5
    for m in range(5):
        if z < g[3 * m]:
            m_next = m
            break
        if z < g[3 * m + 1]:
            m_in = m
            break
    if m_in >= 0:
        h = g[3 * m_in + 2]
        if abs(xc) > h or abs(yc) > h:
            return 5
        if m_in == 0:
            z_end = g[1]
            t_rem = (z_end - z) / g[G_X0]
            if use_tab:
                f0 = _containment_tab(lep[0], t_rem, g[G_EC], g[G_B], tab)
                f1 = _containment_tab(lep[3], t_rem, g[G_EC], g[G_B], tab)
            else:
                f0 = _containment(lep[0], t_rem, g[G_EC], g[G_B])
                f1 = _containment(lep[3], t_rem, g[G_EC], g[G_B])
            _ecal_pair(z, xc, yc, lep, f0, f1, g, dep)
            return 0
        if m_in == 1:
            z_end = g[4]
            for k in range(2):
                E = lep[3 * k]
                d = min(E, g[G_MIP])
                dep[1] += d
                _propagate(
                    E - d,
                    xc + lep[3 * k + 1] * (z_end - z),
                    yc + lep[3 * k + 2] * (z_end - z),
                    lep[3 * k + 1],
                    lep[3 * k + 2],
                    z_end,
                    2,
                    g,
                    dep,
                )
            return 1
        dep[m_in] += lep[0] + lep[3]
        return m_in
    # in a gap upstream of module m_next
    for k in range(2):
        _propagate(lep[3 * k], xc, yc, lep[3 * k + 1], lep[3 * k + 2], z, m_next, g, dep)
    return 5


@njit(cache=True)
def _flags(  # noqa: PLR0917
    e_ecal_base: float,
    dep: NDArray[np.float64],
    n_in_window: int,
    n_beyond: int,
    n_chi2: int,
    g: NDArray[np.float64],
    out: NDArray[np.int8],
) -> None:  # pragma: no cover - numba
    """Selection flags (missing-energy, s1, s2) from summed deposits (EPJC2023 Sect. 3.2; EPJC2021)."""
    ecal_ok = e_ecal_base + dep[0] < g[G_ECAL_MAX]
    veto_ok = dep[1] < g[G_VETO_THR]
    hsum = dep[2] + dep[3] + dep[4]
    me = ecal_ok and veto_ok and hsum < g[G_HCAL_THR]
    out[0] = 1 if me else 0
    s1 = ecal_ok and veto_ok and dep[2] < g[G_HCAL_THR] and (dep[3] + dep[4]) >= g[G_S1_MIN] and n_in_window > 0
    out[1] = 1 if s1 else 0
    out[2] = 1 if (me and n_beyond == n_chi2) else 0


@njit(cache=True)
def _near_threshold(  # pragma: no cover - numba
    e_ecal_base: float, dep: NDArray[np.float64], err: float, g: NDArray[np.float64]
) -> bool:
    """True if a deposit sum compared by :func:`_flags` lies within ``err`` of its threshold."""
    if err <= 0.0:
        return False
    hsum = dep[2] + dep[3] + dep[4]
    return bool(
        abs(e_ecal_base + dep[0] - g[G_ECAL_MAX]) <= err
        or abs(dep[1] - g[G_VETO_THR]) <= err
        or abs(hsum - g[G_HCAL_THR]) <= err
        or abs(dep[2] - g[G_HCAL_THR]) <= err
        or abs(dep[3] + dep[4] - g[G_S1_MIN]) <= err
    )


def deposits_at(  # noqa: PLR0917
    card: ExperimentCard,
    z: float,
    lep: ArrayLike,
    zv: float = 0.0,
    tx: float = 0.0,
    ty: float = 0.0,
) -> tuple[str, NDArray[np.float64]]:
    """Region name and (ECAL, VETO, HCAL1, HCAL2, HCAL3) deposits [GeV] of one chi2 decay at ``z`` [m].

    ``lep`` = (E+, tx+, ty+, E-, tx-, ty-) of the pair; (zv, tx, ty): chi2 origin depth and slopes.

    >>> from semivis.detector import load_card
    >>> card = load_card("na64-2016-2018")
    >>> deposits_at(card, 3.0, [2.0, 0, 0, 1.0, 0, 0])
    ('hcal2', array([0., 0., 0., 3., 0.]))
    >>> region, dep = deposits_at(card, 0.05, [0.5, 0, 0, 0.5, 0, 0])
    >>> region, bool(dep[0] > 0.9999), bool(dep[1] < 1e-4)
    ('ecal', True, True)
    """
    g = geometry_vector(card)
    dep = np.zeros(N_DEP)
    lep_a = np.asarray(lep, dtype=np.float64)
    code = _deposits_at(float(z), float(zv), float(tx), float(ty), lep_a, g, dep, containment_table(), False)
    return REGION_NAMES[code], dep
