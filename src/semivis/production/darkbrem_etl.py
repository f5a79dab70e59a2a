"""Exact-tree-level (ETL) dark bremsstrahlung e(p) + N(P) -> e(p') + N(P') + A'(k), no WW factorisation.

The nucleus is a heavy spin-0 particle of mass M = A u and charge form factor G2(t) (Tsai's elastic, as in
``formfactors.g2_elastic``); one-photon exchange, the A' radiated from the lepton line (two diagrams).  In the
lab frame (nucleus at rest, beam along z) the cross section is (Liu, Miller et al., PRD 95 (2017) 016004,
arXiv:1609.06781, Eqs. (9)-(11) and App. A, with the azimuth of the momentum transfer integrated analytically):

    d sigma / (dx dcos theta dt) = alpha^3 G2(t)/t^2 * k E0/(p V) * Phi(x, theta, t),

    Phi = [A0 + Y A1 + A_{-1}/sqrt(W) + Y A_{-2}/W^(3/2)] / (8 M^2),

where x = E_A'/E0, theta = angle(k, p), t = -(P - P')^2 > 0, k = |k|, p = |p|, V = |p - k|, and, with
u~ = (p - k)^2 - m_e^2 = m^2 - 2 p.k, the 3-momentum transfer q = sqrt(t + t^2/(4M^2)), q0 = -t/(2M), the angle
theta_q between q and p - k fixed by p'^2 = m_e^2, and

    Y = -t + 2 q0 E0 - 2 q p (p - k cos theta) cos theta_q / V,
    W = Y^2 - 4 q^2 p^2 k^2 sin^2 theta sin^2 theta_q / V^2,
    A_{-2} = -8 M (4 E0^2 M - t (2 E0 + M)) (m^2 + 2 m_e^2),          A1 = 8 M^2/u~,
    A_{-1} = (8/u~) {M^2 [2 t u~ + u~^2 + 4 E0^2 (2 (x-1)(m^2+2m_e^2) - t (x^2 - 2x + 2)) + 2 t (2 m_e^2 - m^2 + t)]
                     - 2 E0 M t [(1-x) u~ + (x-2)(m^2 + 2 m_e^2 + t)] + t^2 (u~ - m^2)},
    A0 = (8/u~^2) {M^2 [2 t u~ + (t - 4 E0^2 (x-1)^2)(m^2 + 2 m_e^2)] + 2 E0 M t [u~ - (x-1)(m^2 + 2 m_e^2)]}.

These coefficients are those of Liu-Miller App. A as used in the public exact-tree-level implementation of
PETITE (Blinov, Kelly, Hostert et al., "Dark showers", github.com/mhostert/PETITE,
``dsig_dx_dcostheta_dark_brem_exact_tree_level``), read and cross-checked, not copied.

The t-limits follow from p'^2 = m_e^2 with cos theta_q = -+1 (derived here): with a = E0(1-x) + M,
B = u~ + 2 M a and D = u~^2 + 4 M a u~ + 4 M^2 V^2 (using E'^2 - V^2 - m_e^2 = u~), the 3-momentum transfer Q
solves 4 (a^2 - V^2) Q^2 +- 4 B V Q + 4 a^2 M^2 - B^2 = 0, so it ranges over [Q-, Q+] with
Q+ = (B V + a sqrt(D))/(2 (a^2 - V^2)) and Q- = -u~ (u~ + 4 M a)/(4 (a^2 - V^2) Q+) (product of the roots,
cancellation-free); t = 2 M Q^2/(sqrt(M^2 + Q^2) + M).  Differences of nearly equal quantities
(x E0 E0 - k p, E'^2 - (p - k)^2) are rewritten in closed form so that the 100 GeV, m_e-scale kinematics keep
full double precision.

Incoherent (inelastic) part: the Z protons scatter quasi-freely.  Each is the same spin-0 target of the
amplitude above with M = m_p and Tsai's inelastic form factor G2_in(t) (Tsai RMP 46 (1974) 815 Eq. B49; BEST
PRD 80 075018 Eq. A19; the factor Z, the atomic-electron screening and the proton's magnetic term
1 + t (mu_p^2 - 1)/(4 m_p^2) are in G2_in), i.e. the exact proton-recoil kinematics instead of WW's
t_max = m_A'^2.  It adds ~1.5 % at m_A' = 1 MeV and 2-4 % at 0.1-1 GeV on lead (100 GeV) and grows where the
coherent flux dies (m_A'/E0 >~ 0.05).  The proton is treated as a point-like spin-0 particle apart from G2_in
(its spin enters only through that factor): an approximation, as is the quasi-free picture itself (no Pauli
blocking, no binding).  The physical region also requires the recoil system's invariant mass
(p + P - k)^2 >= (M + m_e)^2, which only binds for the light (proton) target.

Quadrature: 40-point Gauss-Legendre in ln(1 - cos theta) on two panels [u0 e^-14, u0 e^2.5], [u0 e^2.5,
min(u0 e^20, 2)] around the WW peak u0 = (m^2 (1-x)/x + m_e^2 x)/(2 E0^2 x), and in ln t over
[t-, min(t+, 100 GeV^2)] (the nuclear form factor kills larger t); doubling either rule changes totals by
< 1e-4.  Numba-compiled, cached on disk.  Cross sections per atom, eps = 1, GeV^-2.
"""

from __future__ import annotations

import functools
import math

import numba
import numpy as np
from numpy.typing import NDArray

from semivis.constants import alpha, m_e, m_p, m_u
from semivis.errors import ParameterError
from semivis.production.formfactors import g2_elastic, g2_inelastic

__all__ = ["etl_dsigma_dx", "etl_dsigma_dx_dcostheta", "nucleus_mass"]

_NU = 40
_NT = 40
#: Upper cut on t (GeV^2); the nuclear form factor makes larger t negligible (< 1e-3 of the total at 3 GeV).
_T_CUT_GEV2 = 100.0


def nucleus_mass(A: float) -> float:
    """Nucleus mass M = A u in GeV (the 0.1 % binding/electron corrections are irrelevant for M >> t^(1/2)).

    >>> round(nucleus_mass(207.2), 1)
    193.0
    """
    return float(A) * m_u


@numba.njit(cache=True)
def _g2(t: float, Z: float, A: float, part: int) -> float:
    """Form factor of the part: 0 = coherent (elastic, nucleus), 1 = incoherent (quasi-free protons)."""
    val: float = g2_elastic(t, Z, A) if part == 0 else g2_inelastic(t, Z)
    return val


@numba.njit(cache=True)
def _kin(  # noqa: PLR0917
    E: float, x: float, u: float, m: float, me: float, M: float
) -> tuple[float, float, float, float, float, float]:
    """Returns (k, p, V, utilde, t_minus, t_plus); t_plus < t_minus flags a closed point."""
    p = math.sqrt((E - me) * (E + me))
    xE = x * E
    k = math.sqrt((xE - m) * (xE + m))
    dpk = (xE * xE * me * me + m * m * E * E - m * m * me * me) / (xE * E + k * p)  # xE E - k p
    ut = m * m - 2.0 * (dpk + k * p * u)
    V = math.sqrt((p - k) ** 2 + 2.0 * p * k * u)
    a = E * (1.0 - x) + M
    B = ut + 2.0 * M * a
    D = ut * ut + 4.0 * M * a * ut + 4.0 * M * M * V * V
    # closed: no real root, or the recoil system (e', N') below its threshold (binds only for M = m_p)
    if D <= 0.0 or (a - V) * (a + V) <= (M + me) ** 2:
        return k, p, V, ut, 1.0, 0.0
    den = 2.0 * (a - V) * (a + V)
    Qp = (B * V + a * math.sqrt(D)) / den
    Qm = -ut * (ut + 4.0 * M * a) / (2.0 * den * Qp)
    Qm = abs(Qm)
    tp = 2.0 * M * Qp * Qp / (math.sqrt(M * M + Qp * Qp) + M)
    tm = 2.0 * M * Qm * Qm / (math.sqrt(M * M + Qm * Qm) + M)
    return k, p, V, ut, tm, tp


@numba.njit(cache=True)
def _phi(  # noqa: PLR0917
    E: float,
    x: float,
    u: float,
    t: float,
    m: float,
    me: float,
    M: float,
    kin: tuple[float, float, float, float, float, float],
) -> float:
    """k E/(p V) * Phi(x, theta, t) of Liu-Miller App. A (see module docstring); 0 outside the physical region."""
    k, p, V, ut, _, _ = kin
    c = 1.0 - u
    s2 = u * (2.0 - u)
    q0 = -t / (2.0 * M)
    q = math.sqrt(t + t * t / (4.0 * M * M))
    Ep = E * (1.0 - x)
    # E'^2 - (p - k)^2 with E - p and xE - k in closed form
    e_p = me * me / (E + math.sqrt((E - me) * (E + me)))
    xe_k = m * m / (x * E + k)
    d2 = (e_p - xe_k) * (Ep + p - k)
    num = d2 - 2.0 * p * k * u + 2.0 * Ep * q0 + q0 * q0 - me * me - q * q
    cq = num / (2.0 * V * q)
    if cq < -1.0 or cq > 1.0:
        return 0.0
    Y = -t + 2.0 * q0 * E - 2.0 * q * p * (p - k * c) * cq / V
    W = Y * Y - 4.0 * q * q * p * p * k * k * s2 * (1.0 - cq * cq) / (V * V)
    if W <= 0.0:
        return 0.0
    mm = m * m + 2.0 * me * me
    Am2 = -8.0 * M * (4.0 * E * E * M - t * (2.0 * E + M)) * mm
    A1 = 8.0 * M * M / ut
    Am1 = (8.0 / ut) * (
        M
        * M
        * (
            2.0 * t * ut
            + ut * ut
            + 4.0 * E * E * (2.0 * (x - 1.0) * mm - t * ((x - 2.0) * x + 2.0))
            + 2.0 * t * (-m * m + 2.0 * me * me + t)
        )
        - 2.0 * E * M * t * ((1.0 - x) * ut + (x - 2.0) * (mm + t))
        + t * t * (ut - m * m)
    )
    A0 = (8.0 / (ut * ut)) * (
        M * M * (2.0 * t * ut + (t - 4.0 * E * E * (x - 1.0) ** 2) * mm) + 2.0 * E * M * t * (ut - (x - 1.0) * mm)
    )
    sw = math.sqrt(W)
    ph = (A0 + Y * A1 + Am1 / sw + Y * Am2 / (W * sw)) / (8.0 * M * M)
    return k * E / (p * V) * ph


@numba.njit(cache=True)
def _dsdx_dcos(  # noqa: PLR0917
    E: float,
    x: float,
    u: float,
    m: float,
    me: float,
    M: float,
    Z: float,
    A: float,
    part: int,
    gx: NDArray[np.float64],
    gw: NDArray[np.float64],
) -> float:
    # me: the radiating lepton's mass (m_e for electrons and positrons, m_mu for production.muon)
    kin = _kin(E, x, u, m, me, M)
    tm, tp = kin[4], min(kin[5], _T_CUT_GEV2)
    if not tp > tm:
        return 0.0
    l0, l1 = math.log(tm), math.log(tp)
    h = 0.5 * (l1 - l0)
    s = 0.0
    for i in range(gx.size):
        t = math.exp(l0 + h * (gx[i] + 1.0))
        f = _phi(E, x, u, t, m, me, M, kin)
        if f != 0.0:
            s += gw[i] * _g2(t, Z, A, part) / t * f
    return s * h * alpha**3


@numba.njit(cache=True)
def _dsdx(  # noqa: PLR0917
    E: float,
    xs: NDArray[np.float64],
    m: float,
    me: float,
    M: float,
    Z: float,
    A: float,
    part: int,
    gx: NDArray[np.float64],
    gw: NDArray[np.float64],
) -> NDArray[np.float64]:
    out = np.zeros(xs.size)
    for j in range(xs.size):
        x = xs[j]
        if not (x * E > m and x < 1.0 - me / E):
            continue
        u0 = (m * m * (1.0 - x) / x + me * me * x) / (2.0 * E * E * x)
        edges = (math.log(u0) - 14.0, math.log(u0) + 2.5, min(math.log(u0) + 20.0, math.log(2.0)))
        s = 0.0
        for pnl in range(2):
            a, b = edges[pnl], edges[pnl + 1]
            if not b > a:
                continue
            h = 0.5 * (b - a)
            for i in range(gx.size):
                u = math.exp(a + h * (gx[i] + 1.0))
                s += gw[i] * h * u * _dsdx_dcos(E, x, u, m, me, M, Z, A, part, gx, gw)
        out[j] = s
    return out


@functools.cache
def gauss_legendre(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Nodes and weights of the n-point Gauss-Legendre rule on [-1, 1] (numpy.polynomial.legendre.leggauss),
    contiguous and memoised: the production room's one source of them (this module's ETL rules, the WW angular
    integral of ``darkbrem.ww_dsigma_dx``). Package-internal; read only."""
    gx, gw = np.polynomial.legendre.leggauss(n)
    return np.ascontiguousarray(gx, dtype=np.float64), np.ascontiguousarray(gw, dtype=np.float64)


def _part(part: str, A: float) -> tuple[int, float]:
    """(kernel code, target mass) of ``part``: ``"elastic"`` (nucleus, M = A u) or ``"inelastic"`` (M = m_p)."""
    if part == "elastic":
        return 0, nucleus_mass(A)
    if part == "inelastic":
        return 1, m_p
    raise ParameterError("part", part, "'elastic' or 'inelastic'")


def etl_dsigma_dx(  # noqa: PLR0917
    E0: float,
    x: NDArray[np.float64],
    m_Ap: float,
    Z: float,
    A: float,
    n: int = _NU,
    part: str = "elastic",
    m_lepton: float = m_e,
) -> NDArray[np.float64]:
    """ETL d sigma/dx per atom (eps = 1, GeV^-2) of one part; zero outside the kinematic region.

    ``part="elastic"``: coherent scattering on the nucleus (Tsai's elastic G2); ``"inelastic"``: incoherent
    scattering on the Z quasi-free protons (G2_in, M = m_p; see the module docstring). ``m_lepton``: the mass of
    the radiating lepton (m_e; :mod:`semivis.production.muon` passes m_mu: the Liu-Miller amplitudes keep the
    lepton mass throughout).

    >>> import numpy as np
    >>> el = etl_dsigma_dx(100.0, np.array([0.9]), 0.1, 82.0, 207.2)
    >>> inel = etl_dsigma_dx(100.0, np.array([0.9]), 0.1, 82.0, 207.2, part="inelastic")
    >>> bool(0.005 < inel[0] / el[0] < 0.05)
    True
    """
    code, M = _part(part, A)
    gx, gw = gauss_legendre(int(n))
    xs = np.ascontiguousarray(np.atleast_1d(np.asarray(x, dtype=np.float64)))
    return np.asarray(
        _dsdx(float(E0), xs, float(m_Ap), float(m_lepton), M, float(Z), float(A), code, gx, gw), dtype=np.float64
    )


def etl_dsigma_dx_dcostheta(  # noqa: PLR0917
    E0: float, x: float, theta: float, m_Ap: float, Z: float, A: float, part: str = "elastic"
) -> float:
    """ETL d sigma/(dx dcos theta) per atom (eps = 1, GeV^-2) at one point, of one part (see ``etl_dsigma_dx``)."""
    code, M = _part(part, A)
    gx, gw = gauss_legendre(_NT)
    u = 2.0 * math.sin(0.5 * theta) ** 2
    return float(_dsdx_dcos(float(E0), float(x), u, float(m_Ap), m_e, M, float(Z), float(A), code, gx, gw))
