"""BaBar mono-photon search recast for semi-visible dark photons (iDM, i2DM).

BaBar (PRL 119 (2017) 131804) excludes eps > eps_inv(m_A') for e+e- -> gamma A', A' -> invisible (BR = 1).
For a semi-visible A' the event only passes the mono-photon selection if every chi2 from the A' decay is
"invisible": it decays beyond the detector, or its e+e- pair is too soft to be seen. The recast (cf. Izaguirre,
Kahn, Krnjaic, Moschella, PRD 96 (2017) 055007, Sec. IV; EPJC 2023 Sec. 4) is::

    N_semi(eps) / N_inv(eps_inv) = eps^2 BR(A' -> dark) P_inv(eps) / eps_inv^2   excluded where >= 1

Detector and kinematics assumptions (simple, documented; change them through the keyword arguments):

* e+e- centre-of-mass frame at sqrt(s) = 10.58 GeV (the boost of the asymmetric beams is neglected);
  E_A' = (s + m_A'^2)/(2 sqrt s); A' polar angle from d sigma/d cos ~ (1 + cos^2)/(1 - cos^2) restricted to the
  photon acceptance |cos theta_gamma| < 0.6 (the analysis' central region).
* A' -> chi_i chi_j isotropic in the A' rest frame; chi2 decay length beta gamma c tau, c tau from
  :func:`semivis.models.ctau_chi2_m_point` (the exact chi2 width of ``semivis.models``).
* A chi2 is seen (event vetoed) if it decays at a transverse distance r_T < ``r_veto_m`` = 1.4 m (outer radius
  of the BaBar EMC barrel; tracker and calorimeter see the pair) and its pair carries more than ``e_min_GeV`` =
  0.1 GeV; the pair energy is gamma_2 (m2^2 - m1^2)/(2 m2) (massless-pair approximation of the chi2 -> chi1 e+e-
  energy release, boosted).
* i2DM: A' -> chi1 chi1bar (always invisible), chi1 chi2bar + c.c. (one chi2), chi2 chi2bar (both must be
  invisible), weighted by the partial widths.

Deterministic: the angular integrals use a fixed Gauss-Legendre grid, not random numbers.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import roots_legendre

from semivis.data import data_path
from semivis.errors import ParameterError
from semivis.models import chi1_chi2_open, ctau_chi2_m_point, inelastic_kind, make_model

__all__ = ["SQRT_S_BABAR", "babar_invisible_limit", "babar_semivisible_excluded_eps", "p_invisible"]

#: Upsilon(4S) centre-of-mass energy [GeV]
SQRT_S_BABAR: float = 10.58

_CX, _CW = roots_legendre(24)


@functools.cache
def _limit_table() -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    raw = np.loadtxt(data_path("constraints/babar_invisible_2017_limit.lmt"), comments="#")
    return raw[:, 0], raw[:, 1]


def babar_invisible_limit(m_Ap: ArrayLike) -> NDArray[np.float64]:
    """BaBar 2017 90 % CL limit eps_inv(m_A') for BR(A' -> invisible) = 1 (DARKCAST digitisation).

    Raises ParameterError outside the published mass range.

    >>> round(float(babar_invisible_limit(0.1)), 6)
    0.000946
    """
    m, e = _limit_table()
    mA = np.asarray(m_Ap, dtype=np.float64)
    if np.any((mA < m[0]) | (mA > m[-1])):
        raise ParameterError("m_Ap", float(mA.flat[0]), f"{m[0]:.3g} <= m_A' <= {m[-1]:.3g} GeV (BaBar 2017 range)")
    return np.asarray(np.exp(np.interp(np.log(mA), np.log(m), np.log(e))), dtype=np.float64)


def _chi2_lab(
    m_Ap: float, m1: float, m2: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Quadrature of (weight, beta*gamma*sin(theta) of chi2, gamma of chi2) over A' and chi2 directions."""
    s = SQRT_S_BABAR**2
    E_A = (s + m_Ap**2) / (2 * SQRT_S_BABAR)
    p_A = (s - m_Ap**2) / (2 * SQRT_S_BABAR)
    g_A, bg_A = E_A / m_Ap, p_A / m_Ap
    # A' polar angle (opposite to the photon), |cos| < 0.6, weight (1 + c^2)/(1 - c^2)
    cA = 0.6 * _CX
    wA = 0.6 * _CW * (1 + cA**2) / (1 - cA**2)
    wA = wA / wA.sum()
    # chi2 in the A' frame, isotropic: cos theta* on [-1, 1]
    E_s = (m_Ap**2 + m2**2 - m1**2) / (2 * m_Ap)
    p_s = math.sqrt(max(E_s**2 - m2**2, 0.0))
    cs = _CX
    ws = _CW / 2.0
    phi = (np.arange(12) + 0.5) * (2 * math.pi / 12)
    A = cA[:, None, None]
    c = cs[None, :, None]
    sn = np.sqrt(1 - c**2)
    pl = g_A * p_s * c + bg_A * E_s  # along the A' direction
    pt = p_s * sn
    sinA = np.sqrt(1 - A**2)
    px = pl * sinA + pt * np.cos(phi) * A
    py = pt * np.sin(phi)
    bg_sin = np.sqrt(px**2 + py**2) / m2  # transverse momentum / m2: r_T = bg_sin * c tau * (exp. variate)
    E2 = g_A * E_s + bg_A * p_s * c + 0 * phi
    w = wA[:, None, None] * ws[None, :, None] * np.full(phi.shape, 1.0 / phi.size)
    bg_sin = np.broadcast_to(bg_sin, w.shape)
    E2 = np.broadcast_to(E2, w.shape)
    return w.ravel(), bg_sin.ravel(), (E2 / m2).ravel()


def p_invisible(  # noqa: PLR0917
    kind: str,
    m_Ap: float,
    m_chi1: float,
    delta: float,
    eps: ArrayLike,
    alpha_D: float,
    theta: float | None = None,
    *,
    r_veto_m: float = 1.4,
    e_min_GeV: float = 0.1,
) -> NDArray[np.float64]:
    """Probability that a BaBar A' -> dark event looks invisible, times BR(A' -> dark sector with chi2 info).

    Returns the factor BR_dark * P_inv that multiplies eps^2 in the recast (array over ``eps``).
    """
    eps_ = np.asarray(eps, dtype=np.float64)
    m1, m2 = m_chi1, m_chi1 * (1 + delta)
    kind_ = inelastic_kind(kind)
    if not bool(chi1_chi2_open(m_Ap, m1, delta)):
        return np.zeros_like(eps_)
    theta_ = theta if kind_ == "i2dm" else None
    delta_m = (m2 - m1) / m1  # delta recomputed from the masses: the value the published curves were made with
    ctau1 = ctau_chi2_m_point(kind_, m_Ap, m1, delta_m, 1.0, alpha_D, theta_)  # metres at eps = 1; c tau ~ 1/eps^2
    w, bg_sin, gam = _chi2_lab(m_Ap, m1, m2)
    e_pair = gam * (m2**2 - m1**2) / (2 * m2)
    soft = e_pair < e_min_GeV
    if math.isinf(ctau1):
        p1 = np.ones_like(eps_)
    else:
        lam = bg_sin[None, :] * ctau1 / eps_.reshape(-1, 1) ** 2
        escape = np.exp(-r_veto_m / np.maximum(lam, 1e-300))
        p_one = np.where(soft[None, :], 1.0, escape)
        p1 = (p_one @ w).reshape(eps_.shape)
    if kind_ == "idm":
        return np.asarray(p1, dtype=np.float64)
    # i2DM: the dark channels' shares (the SM channels are eps^2-suppressed and neglected here; the dark widths do
    # not depend on eps); two chi2 treated as independent (correlations of their directions neglected)
    dark = make_model(kind_, m_Ap=m_Ap, eps=1e-3, alpha_D=alpha_D, m_chi1=m1, delta=delta_m, theta=theta_)
    g = {ch: float(v) for ch, v in dark.partial_widths().items()}
    g11, g12, g22 = g["chi1chi1"], g["chi1chi2"], g["chi2chi2"]
    return np.asarray((g11 + g12 * p1 + g22 * p1**2) / (g11 + g12 + g22), dtype=np.float64)


def babar_semivisible_excluded_eps(  # noqa: PLR0917
    kind: str,
    m_Ap: float,
    m_chi1: float,
    delta: float,
    alpha_D: float,
    theta: float | None = None,
    *,
    eps_grid: ArrayLike | None = None,
    r_veto_m: float = 1.4,
    e_min_GeV: float = 0.1,
) -> list[tuple[float, float]]:
    """Excluded eps intervals [(eps_lo, eps_hi), ...] at one m_A' (BR(A' -> dark) ~ 1 assumed, alpha_D >> eps^2 alpha).

    >>> iv = babar_semivisible_excluded_eps("idm", 0.3, 0.1, 0.1, 0.1)
    >>> len(iv) >= 1 and iv[0][0] < 2e-3
    True
    """
    eg = np.geomspace(1e-6, 1.0, 241) if eps_grid is None else np.asarray(eps_grid, dtype=np.float64)
    lim = float(babar_invisible_limit(m_Ap))
    f = (
        eg**2
        * p_invisible(kind, m_Ap, m_chi1, delta, eg, alpha_D, theta, r_veto_m=r_veto_m, e_min_GeV=e_min_GeV)
        / lim**2
    )
    g = np.log(np.maximum(f, 1e-300))
    excl = g >= 0
    out: list[tuple[float, float]] = []
    i = 0
    n = eg.size
    le = np.log(eg)
    while i < n:
        if excl[i]:
            j = i
            while j + 1 < n and excl[j + 1]:
                j += 1
            lo = eg[i] if i == 0 else math.exp(float(np.interp(0.0, [g[i - 1], g[i]], [le[i - 1], le[i]])))
            hi = eg[j] if j == n - 1 else math.exp(float(np.interp(0.0, [g[j + 1], g[j]], [le[j + 1], le[j]])))
            out.append((lo, hi))
            i = j + 1
        else:
            i += 1
    return out
