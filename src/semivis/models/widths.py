"""Two-body partial widths of a massive vector (the dark photon A').

These kernels take the vector's mass as an argument, so they also give "the width of an A' of mass
sqrt(s)" used in the co-annihilation cross section (physics.md section 6). They return exactly 0 where a
channel is closed. All masses in GeV, widths in GeV.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis.constants import alpha
from semivis.data import hadronic_R
from semivis.models.kinematics import kallen

__all__ = [
    "Gamma_V_to_fermion_pair",
    "Gamma_V_to_hadrons",
    "Gamma_V_to_leptons",
]


def Gamma_V_to_leptons(M: ArrayLike, m_l: float, eps: ArrayLike) -> NDArray[np.float64]:
    """Gamma(A' -> l+ l-) = alpha eps^2 M/3 (1 + 2 m_l^2/M^2) sqrt(1 - 4 m_l^2/M^2).

    Source: Batell, Pospelov, Ritz, PRD 80 (2009) 095024; physics.md section 2.1. Zero below threshold.

    >>> from semivis.constants import alpha
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
