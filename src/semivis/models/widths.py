"""Two-body partial widths of a massive vector (the dark photon A').

These kernels take the vector's mass as an argument, so they also give "the width of an A' of mass
sqrt(s)" used in the co-annihilation cross section (physics.md section 6). They return exactly 0 where a
channel is closed. All masses in GeV, widths in GeV.
"""

from __future__ import annotations

import functools

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from semivis.constants import alpha, m_e, m_mu
from semivis.data import hadronic_R
from semivis.models.kinematics import kallen

__all__ = [
    "CHI2_GL_ORDER",
    "Gamma_V_to_SM",
    "Gamma_V_to_fermion_pair",
    "Gamma_V_to_hadrons",
    "Gamma_V_to_leptons",
    "Gamma_chi2_approx",
    "Gamma_chi2_to_chi1_ll",
    "chi2_width_nodes",
    "chi2_width_prefactor",
    "dGamma_chi2_dq2",
]


def Gamma_V_to_leptons(M: ArrayLike, m_l: float, eps: ArrayLike) -> NDArray[np.float64]:
    """Gamma(A' -> l+ l-) = alpha eps^2 M/3 (1 + 2 m_l^2/M^2) sqrt(1 - 4 m_l^2/M^2).

    Source: Batell, Pospelov, Ritz, PRD 80 (2009) 095024; physics.md section 2.1. Zero below threshold.

    >>> from semivis.constants import alpha, m_e, m_mu
    >>> round(float(Gamma_V_to_leptons(1.0, 0.0, 1.0)) / (alpha / 3), 12)
    1.0
    """
    M_ = np.asarray(M, dtype=np.float64)
    eps_ = np.asarray(eps, dtype=np.float64)
    r2 = np.where(M_ > 0, (m_l / np.where(M_ > 0, M_, 1.0)) ** 2, np.inf)
    open_ = r2 < 0.25
    beta = np.sqrt(np.where(open_, 1.0 - 4.0 * r2, 0.0))
    width = alpha * eps_**2 * M_ / 3.0 * (1.0 + 2.0 * np.where(open_, r2, 0.0)) * beta
    return np.asarray(np.where(open_, width, 0.0), dtype=np.float64)


def Gamma_V_to_hadrons(M: ArrayLike, eps: ArrayLike) -> NDArray[np.float64]:
    """Gamma(A' -> hadrons) = alpha eps^2 M R(M) / 3, with the PDG 2020 R ratio (package data).

    Source: physics.md section 2.1; R from :func:`semivis.data.hadronic_R`. Zero below 2 m_pi+.
    """
    M_ = np.asarray(M, dtype=np.float64)
    eps_ = np.asarray(eps, dtype=np.float64)
    return np.asarray(alpha * eps_**2 * M_ * hadronic_R(M_) / 3.0, dtype=np.float64)


def Gamma_V_to_SM(M: ArrayLike, eps: ArrayLike) -> NDArray[np.float64]:
    """Visible width of the A' (or of an A' of mass sqrt(s)): Gamma(e+e-) + Gamma(mu+mu-) + Gamma(hadrons).

    The sum of :func:`Gamma_V_to_leptons` (e, mu) and :func:`Gamma_V_to_hadrons` (physics.md 2.1, 6).

    >>> round(float(Gamma_V_to_SM(1.0, 1.0) / Gamma_V_to_leptons(1.0, 0.0, 1.0)), 2)  # 2 leptons + R(1 GeV)
    3.32
    """
    rs = np.asarray(M, dtype=np.float64)
    return np.asarray(
        Gamma_V_to_leptons(rs, m_e, eps) + Gamma_V_to_leptons(rs, m_mu, eps) + Gamma_V_to_hadrons(rs, eps),
        dtype=np.float64,
    )


def Gamma_V_to_fermion_pair(M: ArrayLike, m1: ArrayLike, m2: ArrayLike, alpha_D: ArrayLike) -> NDArray[np.float64]:
    """Gamma(V -> f1 f2bar) for a vector coupled as g_D f2bar gamma^mu f1 (Dirac or off-diagonal Majorana).

    Gamma = alpha_D (M^2 - d^2)(2 M^2 + S^2) lambda^(1/2)(M^2, m1^2, m2^2) / (6 M^5), d = m2 - m1, S = m1 + m2.
    For m1 = m2 = m it equals the Dirac result alpha_D M/3 (1 + 2 m^2/M^2) sqrt(1 - 4 m^2/M^2).
    Source: physics.md section 2.1 (iDM: Izaguirre, Krnjaic, Schuster, Toro, PRD 96 (2017) 055007).
    Zero where M <= m1 + m2.

    >>> round(float(Gamma_V_to_fermion_pair(1.0, 0.0, 0.0, 3.0)), 12)
    1.0
    """
    M_ = np.asarray(M, dtype=np.float64)
    m1_ = np.asarray(m1, dtype=np.float64)
    m2_ = np.asarray(m2, dtype=np.float64)
    aD = np.asarray(alpha_D, dtype=np.float64)
    d = m2_ - m1_
    S = m1_ + m2_
    open_ = M_ > S
    Msafe = np.where(open_, M_, 1.0)
    lam = np.clip(kallen(Msafe**2, m1_**2, m2_**2), 0.0, None)
    width = aD * (Msafe**2 - d**2) * (2.0 * Msafe**2 + S**2) * np.sqrt(lam) / (6.0 * Msafe**5)
    return np.asarray(np.where(open_, width, 0.0), dtype=np.float64)


# ---------------------------------------------------------------------------------------------------------------
# chi2 -> chi1 l+ l- through an off-shell A' (three-body width, exact in all masses)
# ---------------------------------------------------------------------------------------------------------------

#: Default Gauss-Legendre order of the chi2 width integral (relative error < 1e-6 against scipy quad, see tests).
CHI2_GL_ORDER: int = 48


@functools.cache
def _gl_phi(n: int) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Gauss-Legendre nodes on phi in (0, pi/2): (sin phi, cos phi, weights), read-only."""
    x, w = np.polynomial.legendre.leggauss(n)
    phi = (x + 1.0) * (np.pi / 4.0)
    out = (np.sin(phi), np.cos(phi), w * (np.pi / 4.0))
    for arr in out:
        arr.setflags(write=False)
    return out


def chi2_width_nodes(
    m_chi1: ArrayLike, delta: ArrayLike, m_l: float, n_nodes: int = CHI2_GL_ORDER
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Quadrature nodes of the chi2 -> chi1 l+ l- width integral, independent of couplings and of m_A'.

    Returns ``(q2, num)`` with a trailing axis of length ``n_nodes`` such that

        Int dq2 lambda^(1/2)(m2^2, m1^2, q2) beta_l (1 + 2 m_l^2/q2) (dm^2 - q2)(S^2 + 2 q2) / D(q2)
            = sum(num / D(q2), axis=-1)

    for any propagator denominator D (physics.md section 2.1). The variable q2 = a + (b - a) sin^2 phi,
    a = 4 m_l^2, b = dm^2, absorbs the square-root end points (beta_l at a, (dm^2 - q2)^(3/2) at b), so the
    integrand is smooth in phi and fixed-order Gauss-Legendre converges fast. Differences such as
    dm^2 - q2 = (b - a) cos^2 phi and S^2 - q2 = 4 m1 m2 + (b - a) cos^2 phi are written without
    cancellation, which keeps tiny splittings (delta ~ 1e-4) accurate. ``num`` is 0 where the channel is
    closed (dm <= 2 m_l).

    >>> q2, num = chi2_width_nodes(0.1, 0.4, 0.0, n_nodes=8)
    >>> q2.shape, bool(q2.max() < 0.04**2), bool(num.min() > 0)
    ((8,), True, True)
    """
    m1, dl = np.broadcast_arrays(np.asarray(m_chi1, dtype=np.float64), np.asarray(delta, dtype=np.float64))
    sphi, cphi, w = _gl_phi(n_nodes)
    q2, num = _chi2_nodes_kernel(
        np.ascontiguousarray(m1).ravel(), np.ascontiguousarray(dl).ravel(), float(m_l), sphi, cphi, w
    )
    shape = (*m1.shape, n_nodes)
    return q2.reshape(shape), num.reshape(shape)


@njit(cache=True)
def _chi2_nodes_kernel(  # noqa: PLR0917
    m1: NDArray[np.float64],
    dl: NDArray[np.float64],
    m_l: float,
    sphi: NDArray[np.float64],
    cphi: NDArray[np.float64],
    w: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:  # pragma: no cover - compiled
    """Loop form of :func:`chi2_width_nodes` (one allocation per output, no temporaries)."""
    n_pts, n_nodes = m1.size, sphi.size
    q2 = np.empty((n_pts, n_nodes))
    num = np.zeros((n_pts, n_nodes))
    a = 4.0 * m_l * m_l
    for i in range(n_pts):
        d = dl[i] * m1[i]
        m2 = m1[i] + d
        S2 = (m1[i] + m2) ** 2
        if d <= 2.0 * m_l:
            for j in range(n_nodes):
                q2[i, j] = a
            continue
        ba = (d - 2.0 * m_l) * (d + 2.0 * m_l)
        four_m1m2 = 4.0 * m1[i] * m2
        for j in range(n_nodes):
            s2 = sphi[j] * sphi[j]
            c2 = cphi[j] * cphi[j]
            q = a + ba * s2
            q2[i, j] = q
            num[i, j] = (
                w[j]
                * 2.0
                * ba**3
                * s2
                * c2
                * c2
                * np.sqrt(four_m1m2 + ba * c2)
                * (1.0 + a / (2.0 * q))
                * (S2 + 2.0 * q)
                / np.sqrt(q)
            )
    return q2, num


def _propagator(q2: NDArray[np.float64], m_Ap: ArrayLike, Gamma_Ap: ArrayLike) -> NDArray[np.float64]:
    M2 = np.asarray(m_Ap, dtype=np.float64) ** 2
    G = np.asarray(Gamma_Ap, dtype=np.float64)
    return np.asarray((M2 - q2) ** 2 + M2 * G**2, dtype=np.float64)


def chi2_width_prefactor(
    m_chi1: ArrayLike, delta: ArrayLike, eps: ArrayLike, alpha_D: ArrayLike
) -> NDArray[np.float64]:
    """alpha alpha_D eps^2 / (12 pi m_chi2^3), the prefactor of the chi2 three-body width (physics.md 2.1)."""
    m2 = np.asarray(m_chi1, dtype=np.float64) * (1.0 + np.asarray(delta, dtype=np.float64))
    eps_ = np.asarray(eps, dtype=np.float64)
    return np.asarray(alpha * np.asarray(alpha_D, dtype=np.float64) * eps_**2 / (12.0 * np.pi * m2**3))


def Gamma_chi2_to_chi1_ll(  # noqa: PLR0917
    m_chi1: ArrayLike,
    delta: ArrayLike,
    m_Ap: ArrayLike,
    m_l: float,
    eps: ArrayLike,
    alpha_D: ArrayLike,
    Gamma_Ap: ArrayLike = 0.0,
    n_nodes: int = CHI2_GL_ORDER,
) -> NDArray[np.float64]:
    """Exact Gamma(chi2 -> chi1 l+ l-) through an off-shell A' (iDM off-diagonal vector coupling).

    Gamma = alpha alpha_D eps^2 / (12 pi m2^3) Int_{4 m_l^2}^{dm^2} dq2 lambda^(1/2)(m2^2, m1^2, q2) beta_l
    (1 + 2 m_l^2/q2) (dm^2 - q2)(S^2 + 2 q2) / [(q2 - M^2)^2 + M^2 Gamma_A'^2], dm = delta m1, S = m1 + m2.
    Source: physics.md section 2.1 (re-derived: it is Gamma(chi2 -> chi1 V*(q2)) x sqrt(q2) Gamma(V* -> l l) / pi
    / |D|^2, and the integral over s2 of the Dalitz density of :func:`semivis.models.decay.chi2_decay_msq`).
    Finite lepton mass, finite chi masses and the A' propagator are kept. Exactly 0 where dm <= 2 m_l.

    >>> from semivis.constants import m_e
    >>> g = Gamma_chi2_to_chi1_ll(0.1, 0.4, 0.3, m_e, 1e-3, 0.1)
    >>> round(float(g / Gamma_chi2_approx(0.1, 0.4, 0.3, 1e-3, 0.1)), 3)  # the 2021 paper's K = 0.640
    0.642
    """
    q2, num = chi2_width_nodes(m_chi1, delta, m_l, n_nodes)
    D = _propagator(
        q2, np.asarray(m_Ap, dtype=np.float64)[..., None], np.asarray(Gamma_Ap, dtype=np.float64)[..., None]
    )
    integral = np.sum(num / D, axis=-1)
    return np.asarray(chi2_width_prefactor(m_chi1, delta, eps, alpha_D) * integral, dtype=np.float64)


def dGamma_chi2_dq2(  # noqa: PLR0917
    q2: ArrayLike,
    m_chi1: ArrayLike,
    delta: ArrayLike,
    m_Ap: ArrayLike,
    m_l: float,
    eps: ArrayLike,
    alpha_D: ArrayLike,
    Gamma_Ap: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Differential width dGamma(chi2 -> chi1 l+ l-)/dq2, q2 = m^2(l+ l-); the integrand of
    :func:`Gamma_chi2_to_chi1_ll` (physics.md section 2.1). Zero outside 4 m_l^2 < q2 < dm^2.

    >>> float(dGamma_chi2_dq2(0.5, 0.1, 0.4, 0.3, 0.0, 1e-3, 0.1))  # above dm^2: outside the Dalitz plane
    0.0
    """
    q = np.asarray(q2, dtype=np.float64)
    m1 = np.asarray(m_chi1, dtype=np.float64)
    d = np.asarray(delta, dtype=np.float64) * m1
    m2 = m1 + d
    S = m1 + m2
    a = 4.0 * m_l * m_l
    inside = (q > a) & (q < d * d)
    qs = np.where(inside, q, 0.5 * (a + d * d))
    qs = np.where(qs > 0, qs, 1.0)
    lam_half = np.sqrt(np.clip((S * S - qs) * (d * d - qs), 0.0, None))
    beta = np.sqrt(np.clip(1.0 - a / qs, 0.0, None))
    val = (
        chi2_width_prefactor(m1, delta, eps, alpha_D)
        * lam_half
        * beta
        * (1.0 + a / (2.0 * qs))
        * (d * d - qs)
        * (S * S + 2.0 * qs)
        / _propagator(qs, m_Ap, Gamma_Ap)
    )
    return np.asarray(np.where(inside, val, 0.0), dtype=np.float64)


def Gamma_chi2_approx(
    m_chi1: ArrayLike, delta: ArrayLike, m_Ap: ArrayLike, eps: ArrayLike, alpha_D: ArrayLike
) -> NDArray[np.float64]:
    """Small-splitting approximation Gamma(chi2 -> chi1 e+ e-) ~ 4 eps^2 alpha alpha_D dm^5 / (15 pi m_A'^4).

    Source: NA64 2021 semi-visible (g-2) paper Eq. 2 without K; EPJC 2023 Eq. 5.1; physics.md section 2.1.
    It is the limit dm << m_chi1, m_e -> 0, m_A' >> dm of :func:`Gamma_chi2_to_chi1_ll` (one lepton flavour),
    with dm = m_chi2 - m_chi1 the absolute splitting.

    >>> from semivis.constants import alpha, m_e, m_mu
    >>> import math
    >>> round(float(Gamma_chi2_approx(1.0, 0.1, 1.0, 1.0, 1.0)) / (4 * alpha * 1e-5 / (15 * math.pi)), 12)
    1.0
    """
    d = np.asarray(m_chi1, dtype=np.float64) * np.asarray(delta, dtype=np.float64)
    M = np.asarray(m_Ap, dtype=np.float64)
    eps_ = np.asarray(eps, dtype=np.float64)
    return np.asarray(4.0 * eps_**2 * alpha * np.asarray(alpha_D, dtype=np.float64) * d**5 / (15.0 * np.pi * M**4))
