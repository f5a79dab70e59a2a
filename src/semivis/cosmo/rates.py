"""Cross sections and thermally averaged rates of the iDM / i2DM dark sector (physics.md section 6).

Every rate is for dark-sector states chi1 (mass m1), chi2 (mass m2 = m1 (1 + delta)) coupled to a dark
photon of mass M with kinetic mixing eps and dark coupling alpha_D. The mixing factors are

* iDM (two Majorana states, off-diagonal current): chi1 chi2 only (``mix = 1``);
* i2DM (two Dirac states mixed by theta, arXiv:2201.08409 Eq. 2.5): chi1 chi1bar ``s^4``, chi2 chi2bar ``c^4``,
  chi1 chi2bar ``s^2 c^2``.

Units: GeV; cross sections in GeV^-2, <sigma v> in GeV^-2, rates in GeV.

>>> import numpy as np
>>> sv = sigma_v_thermal(np.array([20.0]), 0.1, 0.1, 0.11, 0.3, 1e-3, 1e-3, 0.1, 1.0)
>>> bool(sv[0] > 0)
True
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import k1e, kve, roots_laguerre, roots_legendre

from semivis.constants import alpha, m_e, m_mu
from semivis.models.widths import Gamma_V_to_fermion_pair, Gamma_V_to_SM

__all__ = [
    "coscattering_rate",
    "sigma_coannihilation",
    "sigma_v_conversion_22_11",
    "sigma_v_thermal",
    "sigma_v_thermal_parts",
]

_GL_X, _GL_W = roots_legendre(24)
_GL16_X, _GL16_W = roots_legendre(16)
_LAG_X, _LAG_W = roots_laguerre(32)
#: edges of the quadrature panels in u = sqrt((sqrt(s) - m_i - m_j)/T) (Boltzmann factor exp(-u^2))
_U_EDGES = np.array([0.0, 0.15, 0.35, 0.6, 1.0, 1.5, 2.0, 2.5, 3.0, 3.6, 4.3, 5.2, 6.5])
#: extra edges around the A' pole, in units of the A' width
_RES_EDGES = np.array([-40.0, -8.0, -2.0, -0.5, 0.5, 2.0, 8.0, 40.0])


def sigma_coannihilation(  # noqa: PLR0917
    s: ArrayLike,
    m_i: float,
    m_j: float,
    M: float,
    Gamma_A: float,
    eps: float,
    alpha_D: float,
    mix: float = 1.0,
) -> NDArray[np.float64]:
    """sigma(chi_i chi_j -> A'* -> SM) summed over e+e-, mu+mu- and hadrons (R ratio), exact in all masses.

    ``sigma = 12 pi s^2/lambda(s, m_i^2, m_j^2) Gh(A' -> chi_i chi_j)(sqrt s) Gh(A' -> SM)(sqrt s)
    / [(s - M^2)^2 + M^2 Gamma_A'^2]`` (physics.md section 6; the spin-averaged Breit-Wigner form of a
    vector resonance, PDG 2022 "Kinematics" Eq. 49.58, with widths of an A' of mass sqrt s). ``mix`` is the
    mixing factor of the dark current (1 for iDM; s^4, c^4, s^2 c^2 for i2DM). Zero below threshold.

    >>> float(sigma_coannihilation(0.04, 0.1, 0.11, 0.3, 1e-3, 1e-3, 0.1)[()])  # below threshold
    0.0
    """
    s_ = np.asarray(s, dtype=np.float64)
    sq = np.sqrt(np.clip(s_, 0.0, None))
    open_ = sq > m_i + m_j
    lam = (s_ - (m_i + m_j) ** 2) * (s_ - (m_i - m_j) ** 2)
    lam_safe = np.where(open_, lam, 1.0)
    g_in = mix * Gamma_V_to_fermion_pair(sq, m_i, m_j, alpha_D)
    g_out = Gamma_V_to_SM(sq, eps)
    bw = (s_ - M**2) ** 2 + M**2 * Gamma_A**2
    out = 12.0 * math.pi * s_**2 / lam_safe * g_in * g_out / bw
    return np.asarray(np.where(open_, out, 0.0), dtype=np.float64)


def _u_nodes(  # noqa: PLR0917
    x: NDArray[np.float64], m_ref: float, m_i: float, m_j: float, M: float, Gamma_A: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Quadrature nodes/weights in u for each x (shape (n_x, n_nodes)), with extra panels at the A' pole."""
    T = m_ref / x
    edges = np.broadcast_to(_U_EDGES, (x.size, _U_EDGES.size))
    if m_i + m_j < M:
        e_res = np.clip(M + _RES_EDGES * max(Gamma_A, 1e-12 * M) - m_i - m_j, 0.0, None)
        u_res = np.sqrt(e_res[None, :] / T[:, None])
        u_res = np.clip(u_res, 0.0, _U_EDGES[-1])
        edges = np.concatenate([edges, u_res], axis=1)
    edges = np.sort(edges, axis=1)
    a, b = edges[:, :-1], edges[:, 1:]
    half = 0.5 * (b - a)
    mid = 0.5 * (b + a)
    u = (mid[:, :, None] + half[:, :, None] * _GL_X[None, None, :]).reshape(x.size, -1)
    w = (half[:, :, None] * _GL_W[None, None, :]).reshape(x.size, -1)
    return u, w


def sigma_v_thermal_parts(  # noqa: PLR0917
    x: ArrayLike,
    m_ref: float,
    m_i: float,
    m_j: float,
    M: float,
    Gamma_A: float,
    eps: float,
    alpha_D: float,
    mix: float = 1.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The quadrature of :func:`sigma_v_thermal` split at the A' width: ``(num, A)`` with
    ``<sigma v>(x) = sum(num / (A + M^2 Gamma^2), axis=1)``, A = (s - M^2)^2 at the nodes.

    With Gamma = Gamma_A this is exactly :func:`sigma_v_thermal`; with a nearby Gamma it re-evaluates the same
    quadrature (nodes placed for Gamma_A) at another A' width, which the fast relic path uses when eps moves
    Gamma(A' -> SM) (Edsjo & Gondolo, PRD 56 (1997) 1879, Eq. 3.7; see :func:`sigma_v_thermal`).

    >>> import numpy as np
    >>> num, A = sigma_v_thermal_parts(np.array([20.0]), 0.1, 0.1, 0.11, 0.3, 1e-3, 1e-3, 0.1)
    >>> sv = sigma_v_thermal(np.array([20.0]), 0.1, 0.1, 0.11, 0.3, 1e-3, 1e-3, 0.1)
    >>> bool(abs(np.sum(num / (A + 0.3**2 * 1e-3**2)) / sv[0] - 1) < 1e-12)
    True
    """
    x_ = np.atleast_1d(np.asarray(x, dtype=np.float64))
    T = m_ref / x_
    u, w = _u_nodes(x_, m_ref, m_i, m_j, M, Gamma_A)
    Tc = T[:, None]
    sq = m_i + m_j + Tc * u**2
    s = sq**2
    g_in = mix * Gamma_V_to_fermion_pair(sq, m_i, m_j, alpha_D)
    g_out = Gamma_V_to_SM(sq, eps)
    # ds = 2 sqrt(s) d sqrt(s) = 2 sqrt(s) 2 T u du; K1(sqrt s/T)/(K2 K2) = k1e/(kve2 kve2) exp(-u^2)
    # (k1e is the exponentially scaled K1, identical to kve(1, .) to rounding and several times faster)
    bessel = k1e(sq / Tc) * np.exp(-(u**2)) / (kve(2, m_i / Tc) * kve(2, m_j / Tc))
    num = 3.0 * math.pi * s * g_in * g_out * sq * bessel * 4.0 * sq * Tc * u / (2.0 * m_i**2 * m_j**2 * Tc) * w
    return np.asarray(num, dtype=np.float64), np.asarray((s - M**2) ** 2, dtype=np.float64)


def sigma_v_thermal(  # noqa: PLR0917
    x: ArrayLike,
    m_ref: float,
    m_i: float,
    m_j: float,
    M: float,
    Gamma_A: float,
    eps: float,
    alpha_D: float,
    mix: float = 1.0,
) -> NDArray[np.float64]:
    """Relativistic thermal average <sigma v>_ij(T) for unequal masses, T = m_ref/x (Maxwell-Boltzmann).

    ``<sigma v>_ij = Int_{(m_i+m_j)^2} ds sigma(s) p_ij^2(s) sqrt(s) K1(sqrt(s)/T)
    / (2 m_i^2 m_j^2 T K2(m_i/T) K2(m_j/T))`` (Edsjo & Gondolo, PRD 56 (1997) 1879, Eq. 3.7 for two
    species; physics.md section 6), with sigma p^2 = 3 pi s Gh_in Gh_out / BW from
    :func:`sigma_coannihilation`. Integrated in u = sqrt((sqrt s - m_i - m_j)/T) on Gauss-Legendre panels
    (24 nodes each) with extra panels at +-0.5, 2, 8, 40 A' widths around the pole; Bessel functions
    exponentially scaled so nothing underflows.
    """
    num, A = sigma_v_thermal_parts(x, m_ref, m_i, m_j, M, Gamma_A, eps, alpha_D, mix)
    return np.asarray(np.sum(num / (A + M**2 * Gamma_A**2), axis=1), dtype=np.float64)


def _sigma_coscattering(  # noqa: PLR0917
    s: NDArray[np.float64], m1: float, m2: float, m_f: float, M: float, eps: float, alpha_D: float
) -> NDArray[np.float64]:
    """sigma(chi2 f -> chi1 f) by integrating dsigma/dt over t (16-point Gauss-Legendre).

    ``dsigma/dt = (g_D e eps Q_f)^2 [2 s^2 - 2 s (m1^2 + m2^2 + 2 m_f^2) + t^2 + t (2 s - d^2)
    + 2 (m1 m2 + m_f^2)^2] / (8 pi lambda(s, m2^2, m_f^2) (t - M^2)^2)`` (physics.md section 6;
    checked here against the massless-lepton, m1 = m2 limit, the textbook e mu -> e mu result,
    Peskin & Schroeder Eq. 5.61 crossed). d = m2 - m1; |Q_f| = 1.
    """
    sq = np.sqrt(s)
    lam_i = np.clip((s - (m2 + m_f) ** 2) * (s - (m2 - m_f) ** 2), 1e-300, None)
    lam_f = np.clip((s - (m1 + m_f) ** 2) * (s - (m1 - m_f) ** 2), 0.0, None)
    p_i = np.sqrt(lam_i) / (2 * sq)
    p_f = np.sqrt(lam_f) / (2 * sq)
    E2 = (s + m2**2 - m_f**2) / (2 * sq)
    E1 = (s + m1**2 - m_f**2) / (2 * sq)
    t0 = m1**2 + m2**2 - 2 * E1 * E2
    t_lo, t_hi = t0 - 2 * p_i * p_f, t0 + 2 * p_i * p_f
    half = 0.5 * (t_hi - t_lo)
    mid = 0.5 * (t_hi + t_lo)
    t = mid[..., None] + half[..., None] * _GL16_X
    d2 = (m2 - m1) ** 2
    ss = s[..., None]
    num = 2 * ss**2 - 2 * ss * (m1**2 + m2**2 + 2 * m_f**2) + t**2 + t * (2 * ss - d2) + 2 * (m1 * m2 + m_f**2) ** 2
    coupling = (4 * math.pi * alpha_D) * (4 * math.pi * alpha) * eps**2
    dsdt = coupling * num / (8 * math.pi * lam_i[..., None] * (t - M**2) ** 2)
    return np.asarray(np.sum(dsdt * _GL16_W, axis=-1) * half, dtype=np.float64)


def coscattering_rate(  # noqa: PLR0917
    x: ArrayLike, m_ref: float, m1: float, m2: float, M: float, eps: float, alpha_D: float, mix: float = 1.0
) -> NDArray[np.float64]:
    """Conversion rate per chi2, Gamma(chi2 f -> chi1 f) summed over f = e-, e+, mu-, mu+ [GeV].

    ``Gamma = sum_f g_f/(2 pi^2) Int dE p^2 exp(-E/T) sigma(s)``, s = m2^2 + m_f^2 + 2 m2 E, i.e. the chi2 at
    rest in a Maxwell-Boltzmann lepton bath (g_f = 2 spins, particle and antiparticle counted separately);
    a good approximation because the chi2 is non-relativistic at freeze-out (x >~ 10). Gauss-Laguerre (32
    nodes) in E - m_f. The inverse process follows from detailed balance in the Boltzmann equations.
    Source: Gondolo & Gelmini (1991) rate definition; D'Agnolo, Pappadopulo, Ruderman, PRL 119 (2017) 061102
    and arXiv:2201.08409 Eq. (3.6) for co-scattering.
    """
    x_ = np.atleast_1d(np.asarray(x, dtype=np.float64))
    T = m_ref / x_
    total = np.zeros_like(T)
    for m_f in (m_e, m_mu):
        E = m_f + T[:, None] * _LAG_X[None, :]
        p2 = E**2 - m_f**2
        s = m2**2 + m_f**2 + 2 * m2 * E
        sig = _sigma_coscattering(s, m1, m2, m_f, M, eps, alpha_D)
        boltz = np.exp(-m_f / T)
        total += 2.0 * 2.0 / (2 * math.pi**2) * T * boltz * np.sum(_LAG_W * p2 * sig, axis=1)
    return np.asarray(mix * total, dtype=np.float64)


def sigma_v_conversion_22_11(m1: float, m2: float, M: float, alpha_D: float, mix: float = 1.0) -> float:
    """s-wave estimate of <sigma v>(chi2 chi2 -> chi1 chi1) by t/u-channel A' exchange [GeV^-2].

    Heavy-mediator (contact) limit at threshold, derived for semivis (docs/physics/relic.md):
    ``sigma v ~= 16 pi alpha_D^2 m2 p_f / M^4``, p_f = sqrt(m2^2 - m1^2). An order-of-magnitude estimate:
    the process is O(alpha_D^2), so it keeps chi1 and chi2 in chemical equilibrium whenever it matters, and
    the relic abundance is insensitive to its normalisation (tested: a factor 10 either way changes
    Omega h^2 by less than 1 % at the benchmark points). For i2DM ``mix`` = s^4 c^4.

    >>> sigma_v_conversion_22_11(0.1, 0.1, 0.3, 0.1)
    0.0
    """
    p_f = math.sqrt(max(m2**2 - m1**2, 0.0))
    return mix * 16.0 * math.pi * alpha_D**2 * m2 * p_f / M**4
