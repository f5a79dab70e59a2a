"""Thermodynamics of the early Universe: g_*(T), entropy, Hubble rate, equilibrium yields.

Sources
-------
* g_*rho(T), g_*s(T): Saikawa & Shirai, JCAP 05 (2018) 035 (arXiv:1803.01038), shipped table
  (:func:`semivis.data.gstar_table`), interpolated linearly in log T; held constant outside the table
  (1e-5 GeV - 1.5e6 GeV), where the Standard Model plasma content does not change.
* Freeze-out equation in the form of Gondolo & Gelmini, Nucl. Phys. B 360 (1991) 145, Eq. (3.8)-(3.9):
  ``dY/dx = -sqrt(pi/45) M_Pl m g_*^(1/2)/x^2 <sigma v> (Y^2 - Y_eq^2)`` with
  ``g_*^(1/2) = g_*s/sqrt(g_*rho) (1 + (1/3) dln g_*s/dln T)``.
* Maxwell-Boltzmann equilibrium yield with the exact Bessel function (Gondolo & Gelmini Eq. 3.3):
  ``Y_eq = n_eq/s = 45 g x^2 K2(x) / (4 pi^4 g_*s)``, x = m/T, evaluated in logarithms with the
  exponentially scaled ``kve`` against underflow.
* Omega h^2 = m Y_inf s_0 h^2/rho_c = 2.744e8 (m/GeV) Y_inf (s_0 = 2891.2 cm^-3, rho_c/h^2 =
  1.05371e-5 GeV cm^-3, PDG 2022 "Astrophysical constants"); physics.md section 6.

>>> round(float(gstar_rho(1e-5)), 3), round(float(gstar_s(1e-5)), 3)
(3.383, 3.931)
>>> import math
>>> round(math.exp(float(log_yield_eq(1.0, 2.0, 10.75)[()] - log_yield_eq(1.0, 2.0, 10.75)[()])), 6)
1.0
"""

from __future__ import annotations

import functools
import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import kve

from semivis.constants import M_Planck_GeV, rho_crit_over_h2_GeV_cm3, s0_entropy_cm3
from semivis.data import gstar_table

__all__ = [
    "OMEGA_H2_PER_GEV_Y",
    "entropy_density",
    "gstar_rho",
    "gstar_s",
    "gstar_sqrt_eff",
    "hubble_rate",
    "log_yield_eq",
]

#: Omega h^2 per (m/GeV * Y): s_0 h^2 / rho_c with s_0 = 2891.2 cm^-3, rho_c/h^2 = 1.05371e-5 GeV cm^-3 (PDG 2022).
OMEGA_H2_PER_GEV_Y: float = s0_entropy_cm3 / rho_crit_over_h2_GeV_cm3


@functools.cache
def _log_tables() -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    T, gs, grho = gstar_table()
    lnT = np.log(T)
    lngs = np.log(gs)
    # d ln g_*s / d ln T by centred differences on the (log-spaced) table, mildly smoothed
    dlngs = np.gradient(lngs, lnT)
    kernel = np.array([0.25, 0.5, 0.25])
    dlngs = np.convolve(np.pad(dlngs, 1, mode="edge"), kernel, mode="valid")
    return lnT, gs, grho, dlngs


def gstar_rho(T: ArrayLike) -> NDArray[np.float64]:
    """Energy-density degrees of freedom g_*rho(T) (Saikawa & Shirai 2018), T in GeV."""
    lnT, _, grho, _ = _log_tables()
    return np.asarray(np.interp(np.log(np.asarray(T, dtype=np.float64)), lnT, grho), dtype=np.float64)


def gstar_s(T: ArrayLike) -> NDArray[np.float64]:
    """Entropy degrees of freedom g_*s(T) (Saikawa & Shirai 2018), T in GeV."""
    lnT, gs, _, _ = _log_tables()
    return np.asarray(np.interp(np.log(np.asarray(T, dtype=np.float64)), lnT, gs), dtype=np.float64)


def _dlngs_dlnT(T: ArrayLike) -> NDArray[np.float64]:
    lnT, _, _, d = _log_tables()
    return np.asarray(np.interp(np.log(np.asarray(T, dtype=np.float64)), lnT, d, left=0.0, right=0.0))


def gstar_sqrt_eff(T: ArrayLike) -> NDArray[np.float64]:
    """g_*^(1/2) = g_*s/sqrt(g_*rho) (1 + (1/3) dln g_*s/dln T) (Gondolo & Gelmini 1991, Eq. 3.9).

    >>> round(float(gstar_sqrt_eff(1e-5)), 3)  # today's plasma: 3.931/sqrt(3.383)
    2.137
    """
    return np.asarray(gstar_s(T) / np.sqrt(gstar_rho(T)) * (1.0 + _dlngs_dlnT(T) / 3.0), dtype=np.float64)


def entropy_density(T: ArrayLike) -> NDArray[np.float64]:
    """s = (2 pi^2/45) g_*s T^3 [GeV^3] (Kolb & Turner, The Early Universe, Eq. 3.91)."""
    T_ = np.asarray(T, dtype=np.float64)
    return np.asarray(2.0 * math.pi**2 / 45.0 * gstar_s(T_) * T_**3, dtype=np.float64)


def hubble_rate(T: ArrayLike) -> NDArray[np.float64]:
    """H = sqrt(4 pi^3 g_*rho/45) T^2/M_Pl [GeV] (Kolb & Turner Eq. 3.29; M_Pl the non-reduced Planck mass)."""
    T_ = np.asarray(T, dtype=np.float64)
    return np.asarray(np.sqrt(4.0 * math.pi**3 * gstar_rho(T_) / 45.0) * T_**2 / M_Planck_GeV, dtype=np.float64)


def log_yield_eq(x: ArrayLike, g: float, g_s: ArrayLike) -> NDArray[np.float64]:
    """ln Y_eq for a Maxwell-Boltzmann species with g internal states at x = m/T (exact K2).

    ``Y_eq = 45 g x^2 K2(x) / (4 pi^4 g_*s)`` (Gondolo & Gelmini 1991, Eq. 3.3 divided by s), computed as
    ``ln(45 g/(4 pi^4 g_*s)) + 2 ln x + ln kve(2, x) - x`` so that it never underflows.

    >>> round(float(log_yield_eq(1e-3, 1.0, 1.0)), 4)  # relativistic limit Y_eq -> 45 g/(2 pi^4 g_*s)
    -1.4654
    """
    x_ = np.asarray(x, dtype=np.float64)
    return np.asarray(
        np.log(45.0 * g / (4.0 * math.pi**4) / np.asarray(g_s, dtype=np.float64))
        + 2.0 * np.log(x_)
        + np.log(kve(2, x_))
        - x_,
        dtype=np.float64,
    )
