"""Dark bremsstrahlung e+- N -> e+- N A' on nuclei: form factors, photon flux, cross sections.

All cross sections are per atom, at kinetic mixing eps = 1, in GeV^-2 (multiply by eps^2 and by
``semivis.constants.GeV2_to_pb`` for picobarn). The process is charge-symmetric at tree level (one photon
exchange with the nucleus, A' radiated from the lepton line), so e+ and e- share these functions.

Approximation used (docs/physics/production.md):

1. Weizsaecker-Williams (WW) with the angle-dependent minimal momentum transfer, Bjorken, Essig, Schuster,
   Toro (BEST), PRD 80 (2009) 075018, Eqs. (A12)-(A13) (and Liu & Miller, PRD 95 (2017) 016004, Sec. III):
   ``dsigma/(dx dcos theta) = 8 alpha^3 E0^2 x beta chi(t_min)/U^2 [(1 - x + x^2/2) - x (1-x) m^2 E0^2 x theta^2/U^2]``
   with ``U = E0^2 x theta^2 + m^2 (1-x)/x + m_e^2 x`` and ``t_min = (U/(2 E0 (1-x)))^2``, beta = sqrt(1 - m^2/(xE0)^2).
   In the m_e -> 0, constant-chi limit its angular integral is the IWW form
   ``4 alpha^3 chi beta x [1 + x^2/(3(1-x))]/m^2`` (physics.md section 3) -- checked by a doctest below.
2. Photon flux ``chi(t_min) = Int_{t_min}^{t_max} dt (t - t_min)/t^2 [G2_el(t) + G2_in(t)]``, t_max = m_A'^2,
   Tsai's elastic and inelastic form factors (Tsai, Rev. Mod. Phys. 46 (1974) 815, Eqs. B38-B49; BEST Eqs. A18-A19;
   ``semivis.production.formfactors``).
3. Exact tree level (ETL, the default ``etl=True``): ``semivis.production.darkbrem_etl`` integrates the full 2 -> 3
   phase space (nucleus = heavy scalar with Tsai's elastic G2; Liu, Miller et al., PRD 95 (2017) 016004,
   arXiv:1609.06781, App. A) without WW factorisation.  Totals agree with the DMG4 ETL table (Gninenko,
   Kirpichnikov, Kirsanov, Krasnikov, PLB 782 (2018) 406) within 2.9 % for 1 MeV - 0.5 GeV at 20 - 160 GeV
   without any calibration (tests/test_production_xsec.py; worse at m > 1 GeV with E0 <= 40 GeV, see
   docs/physics/production.md).  For the Monte Carlo the x-shape is the WW one times the exact, x- and
   E0-dependent ratio ETL/WW tabulated per (material, m_A') (``etl_ww_ratio``).
4. Opt-in legacy calibration: ``etl_correction`` = sigma_DMG4/sigma_WW read from the DMG4 table
   (``ETL_CALIBRATION`` in materials.toml).  Not used by any default path; kept only to reproduce the DMG4 table
   exactly (``calibration="dmg4"``), e.g. for comparisons with NA64's own simulation.
"""

from __future__ import annotations

import functools
import math

import numba
import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis._jit import NO_REFCOUNT
from semivis._validation import check_range
from semivis.constants import GeV2_to_pb, alpha, m_e
from semivis.errors import ParameterError
from semivis.production import darkbrem_etl
from semivis.production.formfactors import G2_elastic, G2_inelastic
from semivis.production.materials import Material, _materials_toml, load_material

__all__ = [
    "ETL_CALIBRATION",
    "PRODUCTION_M_AP_MAX_GEV",
    "PRODUCTION_M_AP_MIN_GEV",
    "check_production_mass",
    "chi_flux",
    "dark_brem_dsigma_dx",
    "dark_brem_dsigma_dx_dcostheta",
    "dark_brem_sigma",
    "etl_correction",
    "etl_ww_ratio",
    "photon_flux_table",
    "ww_dsigma_dx",
]

#: Largest A' mass the production room handles (the DMG4 ETL validation table ends at 3 GeV); the models' own range
#: is larger (``semivis.models.dark_sector.MODEL_M_AP_MAX_GEV``).
PRODUCTION_M_AP_MAX_GEV = 3.0
#: Smallest A' mass (ETL table starts at 1 keV).
PRODUCTION_M_AP_MIN_GEV = 1e-6
#: Name of the opt-in DMG4 calibration (``calibration="dmg4"``; key in materials.toml). Not used by default.
ETL_CALIBRATION = "calibration.dark_brem_etl.lead"

_N_LNT = 1500
#: Gauss-Legendre nodes in ln U of the WW angular integral (:func:`ww_dsigma_dx`): within 1.2e-4 of the converged
#: integral over the x rows of the cascade tables (lead, aluminium; 1.5-160 GeV; m_A' 2 MeV-2.5 GeV), where the
#: 96-node trapezoid it replaced was within 4e-3 (issue 12, session 20: docs/physics/production.md;
#: tests/test_production_xsec.py::test_ww_rule_is_converged)
_N_U = 24
_N_X_LOW = 80
_N_X_HIGH = 220


@functools.lru_cache(maxsize=256)
def photon_flux_table(
    Z: float, A: float, m_Ap: float, inelastic: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(ln t_min grid, chi(t_min)) for t_max = m_A'^2; chi = A(t_min) - t_min B(t_min) with cumulative
    integrals A = Int G2/t dt, B = Int G2/t^2 dt from t_min to t_max, trapezoidal in ln t (BEST Eq. A17).
    Package-internal (used by ``cascade``); memoised per (Z, A, m_A', inelastic)."""
    t_max = m_Ap * m_Ap
    lt = np.linspace(math.log(1e-18), math.log(t_max), _N_LNT)
    t = np.exp(lt)
    g = G2_elastic(t, Z, A)
    if inelastic:
        g = g + G2_inelastic(t, Z)
    dl = np.diff(lt)
    fa = 0.5 * (g[1:] + g[:-1]) * dl
    fb = 0.5 * (g[1:] / t[1:] + g[:-1] / t[:-1]) * dl
    a_cum = np.concatenate([np.cumsum(fa[::-1])[::-1], [0.0]])
    b_cum = np.concatenate([np.cumsum(fb[::-1])[::-1], [0.0]])
    chi = np.maximum(a_cum - t * b_cum, 0.0)
    return lt, chi


@numba.njit(cache=True, inline="always")
def _chi_at(lnt: float, lt: NDArray[np.float64], chi: NDArray[np.float64]) -> float:  # pragma: no cover - numba
    """chi at ln t_min = ``lnt`` from the table (``lt``, ``chi``) of :func:`photon_flux_table`: linear in ln t
    between its equidistant nodes (numpy.interp's formula), chi[0] below them, 0 from lt[-1] on (t_min >= t_max:
    no flux). The node interval is found in O(1) from the spacing, then checked against the nodes themselves."""
    n_lt = lt.size
    if not lnt < lt[n_lt - 1]:  # NaN too, as numpy.interp's NaN fell to 0 here
        return 0.0
    if lnt <= lt[0]:
        return float(chi[0])
    j = min(int((lnt - lt[0]) / ((lt[n_lt - 1] - lt[0]) / (n_lt - 1))), n_lt - 2)
    while j > 0 and lt[j] > lnt:
        j -= 1
    while j < n_lt - 2 and lt[j + 1] <= lnt:
        j += 1
    return float(chi[j] + (chi[j + 1] - chi[j]) / (lt[j + 1] - lt[j]) * (lnt - lt[j]))


@numba.njit(cache=True)
def _chi_at_many(
    lnt: NDArray[np.float64], lt: NDArray[np.float64], chi: NDArray[np.float64], out: NDArray[np.float64]
) -> None:  # pragma: no cover - numba
    """out[i] = :func:`_chi_at` (lnt[i])."""
    for i in range(lnt.size):
        out[i] = _chi_at(lnt[i], lt, chi)


def _chi_interp(t_min: NDArray[np.float64], lt: NDArray[np.float64], chi: NDArray[np.float64]) -> NDArray[np.float64]:
    """chi(t_min) (any shape) from the flux table: :func:`_chi_at` at ln max(t_min, 1e-300)."""
    lnt = np.asarray(np.log(np.maximum(t_min, 1e-300)), dtype=np.float64)
    out = np.empty(lnt.size)
    _chi_at_many(np.ascontiguousarray(lnt.reshape(-1)), lt, chi, out)
    return out.reshape(lnt.shape)


def chi_flux(t_min: ArrayLike, m_Ap: float, material: Material, inelastic: bool = True) -> NDArray[np.float64]:
    """Effective photon flux chi(t_min) with t_max = m_A'^2 (BEST Eq. A17), elastic + inelastic form factors.

    For lead at m_A' = 10 MeV and t_min -> 0 it is Z^2 (ln(a^2 m^2) - 1) = 11.4 Z^2 (complete screening, t_max << d):

    >>> from semivis.production.materials import load_material
    >>> pb = load_material("lead")
    >>> round(float(chi_flux(1e-16, 0.01, pb, inelastic=False)) / 82**2, 1)
    11.4
    """
    m = check_production_mass(m_Ap)
    lt, chi = photon_flux_table(material.Z, material.A, m, bool(inelastic))
    return _chi_interp(np.asarray(t_min, dtype=np.float64), lt, chi)


def check_production_mass(m_Ap: float) -> float:
    """m_A' as a float if the production room handles it (PRODUCTION_M_AP_MIN_GEV <= m_A' <= PRODUCTION_M_AP_MAX_GEV),
    else ParameterError. Package-internal (used by ``cascade``)."""
    return float(
        check_range(
            "m_Ap", m_Ap, PRODUCTION_M_AP_MIN_GEV, PRODUCTION_M_AP_MAX_GEV, low_inclusive=True, high_inclusive=True
        )
    )


def dark_brem_dsigma_dx_dcostheta(  # noqa: PLR0917
    E0: ArrayLike, x: ArrayLike, theta: ArrayLike, m_Ap: float, material: Material, inelastic: bool = True
) -> NDArray[np.float64]:
    """WW double-differential cross section d sigma/(dx dcos theta) at eps = 1 in GeV^-2 (BEST Eq. A12,
    angle-dependent t_min(x, theta) = (U/(2 E0 (1-x)))^2). Zero outside m_A'/E0 < x < 1 - m_e/E0. Not ETL-normalised.

    >>> from semivis.production.materials import load_material
    >>> v = dark_brem_dsigma_dx_dcostheta(100.0, [0.5, 0.9], 1e-4, 0.1, load_material("lead"))
    >>> bool(np.all(v > 0))
    True
    """
    m = check_production_mass(m_Ap)
    E = check_range("E0", E0, 0.0)
    xx = np.asarray(x, dtype=np.float64)
    th = check_range("theta", theta, 0.0, math.pi, low_inclusive=True, high_inclusive=True)
    E, xx, th = np.broadcast_arrays(E, xx, th)
    lt, chi = photon_flux_table(material.Z, material.A, m, bool(inelastic))
    ok = (xx * E > m) & (xx < 1.0 - m_e / E)
    xs = np.where(ok, xx, 0.5)
    u = E**2 * xs * th**2
    U = u + m * m * (1.0 - xs) / xs + m_e**2 * xs
    tmin = (U / (2.0 * E * (1.0 - xs))) ** 2
    beta = np.sqrt(np.maximum(1.0 - (m / (xs * E)) ** 2, 0.0))
    br = (1.0 - xs + 0.5 * xs * xs) - xs * (1.0 - xs) * m * m * u / U**2
    val = 8.0 * alpha**3 * E**2 * xs * beta * _chi_interp(tmin, lt, chi) / U**2 * br
    return np.asarray(np.where(ok, val, 0.0), dtype=np.float64)


def ww_dsigma_dx(  # noqa: PLR0917
    E: float,
    x: NDArray[np.float64],
    m: float,
    lt: NDArray[np.float64],
    chi: NDArray[np.float64],
    m_lepton: float = m_e,
) -> NDArray[np.float64]:
    """Angle-integrated WW dsigma/dx at fixed E (vector in x), integral in ln U from U0 to U(t_min = t_max), for the
    flux table ``(lt, chi)`` of :func:`photon_flux_table`. Package-internal (used by ``cascade`` and ``muon``);
    ``m_lepton`` is the radiating lepton's mass in U = E^2 x theta^2 + m^2 (1-x)/x + m_lepton^2 x (BEST A12, whose U
    keeps the lepton mass), default the electron's; the rest of A12's bracket is unchanged (validated for muons
    against the exact tree level in ``semivis.production.muon``).

    With u = E^2 x theta^2 and dcos(theta) = du/(2 E^2 x) (small angles), BEST A12 becomes
    ``4 alpha^3 beta Int du [(1-x+x^2/2)/U^2 - x(1-x) m^2 u/U^4] chi(t_min(U))``; the integral is a
    :data:`_N_U`-point Gauss-Legendre rule in ln U (:func:`semivis.production.darkbrem_etl.gauss_legendre`).
    """
    xx = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty(xx.size)
    gx, gw = darkbrem_etl.gauss_legendre(_N_U)
    _ww_dsigma_dx_kernel(float(E), xx, float(m), float(m_lepton), lt, chi, gx, gw, out)
    return out


@numba.njit(**NO_REFCOUNT)
def _ww_dsigma_dx_kernel(  # noqa: PLR0917
    E: float,
    x: NDArray[np.float64],
    m: float,
    m_lepton: float,
    lt: NDArray[np.float64],
    chi: NDArray[np.float64],
    gx: NDArray[np.float64],
    gw: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """:func:`ww_dsigma_dx` into ``out``: per x the Gauss-Legendre rule (``gx``, ``gw`` on [-1, 1]) in ln U from
    U0 = m^2 (1-x)/x + m_lepton^2 x to U(t_min = t_max) = 2 E (1-x) m of
    ``[(1-x+x^2/2)/U^2 - x(1-x) m^2 (U-U0)/U^4] chi(t_min) U`` (BEST A12 in u = E^2 x theta^2, u = U - U0), with
    chi from :func:`_chi_at` at ln t_min = 2 (ln U - ln(2 E (1-x))) (t_min = (U/(2 E (1-x)))^2: one logarithm
    per x, not per node). The integrand is smooth in ln U apart from the flux table's piecewise-linear nodes, so
    the rule converges fast (:data:`_N_U`)."""
    lnt_floor = math.log(1e-300)
    for i in range(x.size):
        xs = x[i]
        u0 = m * m * (1.0 - xs) / xs + m_lepton * m_lepton * xs
        lu0 = math.log(u0)
        lu1 = math.log(max(2.0 * E * (1.0 - xs) * m, u0))
        c_el = 1.0 - xs + 0.5 * xs * xs
        c_mag = xs * (1.0 - xs) * m * m
        l_den = math.log(2.0 * E * (1.0 - xs))
        h = 0.5 * (lu1 - lu0)
        s = 0.0
        for k in range(gx.size):
            lu = lu0 + h * (gx[k] + 1.0)
            u = math.exp(lu)
            kern = c_el / (u * u) - c_mag * (u - u0) / (u * u * u * u)
            s += gw[k] * kern * _chi_at(max(2.0 * (lu - l_den), lnt_floor), lt, chi) * u
        beta = math.sqrt(max(1.0 - (m / (xs * E)) ** 2, 0.0))
        out[i] = 4.0 * alpha**3 * beta * s * h


def _x_grid(x_lo: float, x_hi: float) -> NDArray[np.float64]:
    """Integration grid: log-spaced in x below 0.5, log-spaced in (1 - x) above."""
    pts = []
    if x_lo < 0.5:
        pts.append(np.geomspace(x_lo, min(0.5, x_hi), _N_X_LOW))
    lo2 = max(x_lo, 0.5)
    if x_hi > lo2:
        pts.append(1.0 - np.geomspace(1.0 - lo2, 1.0 - x_hi, _N_X_HIGH))
    return np.unique(np.concatenate(pts))


def _sigma_ww(E: float, m: float, material: Material, x_lo: float, x_hi: float, inelastic: bool) -> float:  # noqa: PLR0917
    if not x_hi > x_lo:
        return 0.0
    lt, chi = photon_flux_table(material.Z, material.A, m, inelastic)
    xg = _x_grid(x_lo, x_hi)
    f = ww_dsigma_dx(E, xg, m, lt, chi)
    return float(np.sum(0.5 * (f[1:] + f[:-1]) * np.diff(xg)))


@functools.cache
def _etl_table() -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    cal = _materials_toml()["calibration"]["dark_brem_etl"]["lead"]
    E0s = np.asarray(cal["E0_GeV"], dtype=np.float64)
    ms = np.asarray(cal["m_Ap_MeV"], dtype=np.float64) * 1e-3
    sig = np.array([cal[f"sigma_pb_E{int(E)}"] for E in E0s], dtype=np.float64).T  # (n_m, n_E)
    return ms, E0s, sig


@functools.lru_cache(maxsize=512)
def _ratio_at(i_m: int, j_E: int) -> float:
    ms, E0s, sig = _etl_table()
    m, E = float(ms[i_m]), float(E0s[j_E])
    pb = load_material("lead")
    x_lo = max(0.01, 2.0 * m) / E
    ww = _sigma_ww(E, m, pb, x_lo, 1.0 - m_e / E, inelastic=False) * GeV2_to_pb * 1e-8
    return float(sig[i_m, j_E] / ww)


def etl_correction(m_Ap: float, E0: ArrayLike) -> NDArray[np.float64]:
    """R(m_A', E0) = sigma_ETL/sigma_WW on lead (named calibration ``ETL_CALIBRATION``).

    Bilinear in (ln m_A', ln E0) between the DMG4 table nodes; constant in E0 outside 20-160 GeV.

    >>> r = etl_correction(1.0, 100.0)
    >>> 0.6 < float(r) < 0.8
    True
    """
    m = check_production_mass(m_Ap)
    E = np.asarray(check_range("E0", E0, 0.0), dtype=np.float64)
    ms, E0s, _ = _etl_table()
    i = int(np.clip(np.searchsorted(ms, m) - 1, 0, len(ms) - 2))
    wm = (math.log(m) - math.log(ms[i])) / (math.log(ms[i + 1]) - math.log(ms[i]))
    lE = np.log(np.clip(E, E0s[0], E0s[-1]))
    lnodes = np.log(E0s)
    rows = []
    for ii in (i, i + 1):
        vals = np.array([_ratio_at(ii, j) for j in range(len(E0s))])
        rows.append(np.interp(lE, lnodes, vals))
    return np.asarray((1.0 - wm) * rows[0] + wm * rows[1], dtype=np.float64)


_N_XQ = 40
_N_ER = 5
_N_XR = 48


def _etl_dsdx(  # noqa: PLR0917
    E: float, x: NDArray[np.float64], m: float, Z: float, A: float, inelastic: bool
) -> NDArray[np.float64]:
    """Exact-tree-level dsigma/dx (``darkbrem_etl``; Liu-Miller PRD 95 016004 App. A): coherent part, plus the
    incoherent quasi-free-proton part when ``inelastic``."""
    out = darkbrem_etl.etl_dsigma_dx(E, x, m, Z, A)
    if inelastic:
        out = out + darkbrem_etl.etl_dsigma_dx(E, x, m, Z, A, part="inelastic")
    return out


def _sigma_etl(E: float, m: float, material: Material, x_lo: float, x_hi: float, inelastic: bool) -> float:  # noqa: PLR0917
    """Int dx of the ETL dsigma/dx: Gauss-Legendre in ln x on [x_lo, 1/2] and in ln(1-x) on [1/2, x_hi]."""
    if not x_hi > x_lo:
        return 0.0
    gx, gw = np.polynomial.legendre.leggauss(_N_XQ)
    tot = 0.0
    if x_lo < 0.5:
        a, b = math.log(x_lo), math.log(min(0.5, x_hi))
        h = 0.5 * (b - a)
        xs = np.exp(a + h * (gx + 1.0))
        tot += float(np.sum(gw * h * xs * _etl_dsdx(E, xs, m, material.Z, material.A, inelastic)))
    if x_hi > 0.5:
        a, b = math.log(1.0 - max(x_lo, 0.5)), math.log(1.0 - x_hi)
        h = 0.5 * (b - a)
        ys = np.exp(a + h * (gx + 1.0))
        tot -= float(np.sum(gw * h * ys * _etl_dsdx(E, 1.0 - ys, m, material.Z, material.A, inelastic)))
    return tot


def _xi(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(np.log(x) - np.log1p(-x), dtype=np.float64)


@functools.lru_cache(maxsize=64)
def _ratio_table(  # noqa: PLR0917
    Z: float, A: float, m: float, lE_lo: float, lE_hi: float, inelastic: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """(ln E nodes, logit-x nodes per E, ETL/WW_elastic at the nodes) for one (material, m_A') and E range."""
    lE = np.linspace(lE_lo, lE_hi, _N_ER) if lE_hi > lE_lo else np.array([lE_lo, lE_lo + 1e-9])
    lt, chi = photon_flux_table(Z, A, m, False)
    xi = np.zeros((lE.size, _N_XR))
    rat = np.ones((lE.size, _N_XR))
    for k, le in enumerate(lE):
        E = math.exp(le)
        lo, hi = m / E * (1.0 + 1e-6), 1.0 - m_e / E * (1.0 + 1e-6)
        if not hi > lo:
            continue
        xg = np.unique(
            np.concatenate(
                [np.geomspace(lo, min(0.5, hi), 16), 1.0 - np.geomspace(1.0 - max(lo, 0.5), 1.0 - hi, _N_XR - 16)]
            )
        )
        xg = np.interp(np.linspace(0, xg.size - 1, _N_XR), np.arange(xg.size), xg)
        ww = ww_dsigma_dx(E, xg, m, lt, chi)
        etl = _etl_dsdx(E, xg, m, Z, A, inelastic)
        xi[k] = _xi(xg)
        rat[k] = np.where(ww > 0, etl / np.where(ww > 0, ww, 1.0), 1.0)
    return lE, xi, rat


def etl_ww_ratio(  # noqa: PLR0917
    E0: float,
    x: ArrayLike,
    m_Ap: float,
    material: Material,
    E_range: tuple[float, float] | None = None,
    inelastic: bool = True,
) -> NDArray[np.float64]:
    """Exact ratio R(E0, x) = (dsigma/dx)_ETL/(dsigma/dx)_WW,elastic, tabulated per (material, m_A', E range).

    The numerator is the ETL coherent part plus, with ``inelastic`` (default), the ETL incoherent part.

    Nodes: 5 energies linear in ln E0 over ``E_range`` (default: E0 alone), 48 x nodes per energy (ln x below 1/2,
    ln(1-x) above); R is linear in logit(x) between nodes and in ln E0 between energies.  Used by the cascade to turn
    the WW x-spectrum into the ETL one (no fit: every node is a full ETL integral).

    >>> from semivis.production.materials import load_material
    >>> r = etl_ww_ratio(100.0, [0.5, 0.999], 0.2, load_material("lead"))
    >>> bool(abs(r[0] - 1) < 0.02 and r[1] < 0.8)
    True
    """
    E = float(check_range("E0", E0, 0.0))
    table = etl_ww_ratio_table(m_Ap, material, (E, E) if E_range is None else E_range, inelastic)
    return ratio_at(table, E, x)


RatioTable = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


def etl_ww_ratio_table(
    m_Ap: float, material: Material, E_range: tuple[float, float], inelastic: bool = True
) -> RatioTable:
    """The table of :func:`etl_ww_ratio` for (``material``, ``m_Ap``, ``E_range``), for :func:`ratio_at` (a caller
    with many energies, e.g. the cascade's rows, validates and looks it up once). Package-internal."""
    m = check_production_mass(m_Ap)
    lo, hi = float(E_range[0]), float(E_range[1])
    return _ratio_table(material.Z, material.A, m, math.log(lo), math.log(hi), bool(inelastic))


def ratio_at(table: RatioTable, E: float, x: ArrayLike) -> NDArray[np.float64]:
    """R(E, x) from a table of :func:`etl_ww_ratio_table` (the interpolation of :func:`etl_ww_ratio`)."""
    lE, xi, rat = table
    xx = np.clip(np.atleast_1d(np.asarray(x, dtype=np.float64)), 1e-300, 1.0 - 1e-16)
    z = _xi(xx)
    le = math.log(E)
    j = int(np.clip(np.searchsorted(lE, le) - 1, 0, lE.size - 2))
    w = float(np.clip((le - lE[j]) / (lE[j + 1] - lE[j]), 0.0, 1.0))
    r0 = np.interp(z, xi[j], rat[j]) if np.any(xi[j]) else np.ones_like(z)
    r1 = np.interp(z, xi[j + 1], rat[j + 1]) if np.any(xi[j + 1]) else r0
    return np.asarray((1.0 - w) * r0 + w * r1, dtype=np.float64).reshape(np.shape(x))


def dark_brem_dsigma_dx(  # noqa: PLR0917
    E0: float,
    x: ArrayLike,
    m_Ap: float,
    material: Material,
    etl: bool = True,
    inelastic: bool = True,
    calibration: str | None = None,
) -> NDArray[np.float64]:
    """Angle-integrated dsigma/dx (GeV^-2 per atom, eps = 1).

    ``etl=True`` (default): exact tree level (``darkbrem_etl``, Liu-Miller PRD 95 016004 App. A) for the coherent
    part and, with ``inelastic`` (default), for the incoherent quasi-free-proton part (M = m_p, Tsai G2_in).
    ``etl=False``: WW with t_min(x, theta), elastic flux plus (``inelastic``) Tsai's inelastic flux up to
    t_max = m_A'^2 (BEST Eq. A17).  ``calibration="dmg4"`` (opt-in, only with ``etl=False``) rescales the WW
    coherent part by ``etl_correction``.  Zero where x E0 <= m_A' or x >= 1 - m_e/E0.

    >>> from semivis.production.materials import load_material
    >>> v = dark_brem_dsigma_dx(100.0, [0.3, 0.99], 0.5, load_material("lead"))
    >>> bool(v[1] > v[0] > 0)
    True
    """
    m = check_production_mass(m_Ap)
    E = float(check_range("E0", E0, 0.0))
    cal = _check_calibration(calibration, etl, bool(inelastic))
    xx = np.atleast_1d(np.asarray(x, dtype=np.float64))
    ok = (xx * E > m) & (xx < 1.0 - m_e / E) & (xx > 0)
    out = np.zeros_like(xx)
    if np.any(ok):
        if etl:
            out[ok] = _etl_dsdx(E, np.ascontiguousarray(xx[ok]), m, material.Z, material.A, bool(inelastic))
        else:
            lt0, chi0 = photon_flux_table(material.Z, material.A, m, False)
            el_ww = ww_dsigma_dx(E, xx[ok], m, lt0, chi0)
            el = el_ww * (float(etl_correction(m, E)) if cal else 1.0)
            if inelastic:
                lt, chi = photon_flux_table(material.Z, material.A, m, True)
                el = el + (ww_dsigma_dx(E, xx[ok], m, lt, chi) - el_ww)
            out[ok] = el
    return out.reshape(np.shape(x)) if np.ndim(x) else out.reshape(())


def _check_calibration(calibration: str | None, etl: bool, inelastic: bool) -> bool:
    if calibration is None:
        return False
    if calibration != "dmg4" or etl or inelastic:
        # the DMG4 table is a total: adding an incoherent part on top of it would count it twice
        raise ParameterError("calibration", calibration, "None, or 'dmg4' together with etl=False, inelastic=False")
    return True


def dark_brem_sigma(  # noqa: PLR0917
    E0: ArrayLike,
    m_Ap: float,
    material: Material,
    x_min: ArrayLike | None = None,
    etl: bool = True,
    inelastic: bool = True,
    calibration: str | None = None,
) -> NDArray[np.float64]:
    """Total dark-brem cross section per atom at eps = 1 (GeV^-2) for x_min < x < 1 - m_e/E0.

    ``x_min=None`` uses the DMG4 convention max(0.01 GeV, 2 m_A')/E0 of the ETL table.  ``etl=True`` (default):
    exact tree level (``darkbrem_etl``, no calibration), coherent part on the nucleus plus, with ``inelastic``
    (default), the incoherent part on the Z quasi-free protons (M = m_p, Tsai's G2_in): +1.5 % at 1 MeV,
    +1.4 % at 0.1 GeV, +2.7 % at 1 GeV for 100 GeV on lead, growing where the coherent flux dies (m_A'/E0 >~ 0.05).
    ``etl=False``: WW with t_min(x, theta) (its incoherent part, with t_max = m_A'^2, grossly overestimates the
    ETL one at large m_A'/E0); ``calibration="dmg4"`` (opt-in, with ``etl=False`` only) rescales the WW
    coherent part by ``etl_correction`` (the DMG4 table itself).

    >>> from semivis.constants import GeV2_to_pb
    >>> from semivis.production.materials import load_material
    >>> s = dark_brem_sigma(100.0, 0.1, load_material("lead")) * GeV2_to_pb * 1e-8
    >>> abs(float(s) / 106.04 - 1) < 0.05
    True
    """
    m = check_production_mass(m_Ap)
    if not isinstance(material, Material):
        raise ParameterError("material", material, "a semivis.production.Material")
    cal = _check_calibration(calibration, bool(etl), bool(inelastic))
    E = np.atleast_1d(check_range("E0", E0, 0.0)).astype(np.float64)
    xm = np.broadcast_to(
        np.maximum(0.01, 2.0 * m) / E if x_min is None else np.asarray(x_min, dtype=np.float64), E.shape
    )
    r = etl_correction(m, E) if cal else np.ones_like(E)
    out = np.empty_like(E)
    for k, (e, xl) in enumerate(zip(E, xm, strict=True)):
        lo, hi = max(float(xl), m / float(e)), 1.0 - m_e / float(e)
        if etl:
            out[k] = _sigma_etl(float(e), m, material, lo, hi, bool(inelastic))
            continue
        el_ww = _sigma_ww(float(e), m, material, lo, hi, False)
        tot = _sigma_ww(float(e), m, material, lo, hi, True) if inelastic else el_ww
        out[k] = el_ww * r[k] + (tot - el_ww)
    return out.reshape(np.shape(E0)) if np.ndim(E0) else out.reshape(())
