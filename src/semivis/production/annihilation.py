"""Resonant annihilation e+ e- -> A' of shower positrons on atomic electrons.

Narrow width (physics.md section 3; Marsicano et al., PRD 98 (2018) 015031, Eq. 3):
``sigma = 4 pi^2 alpha eps^2 delta(s - m_A'^2)`` per electron (summed over A' final states, i.e. before any
branching ratio), s = 2 m_e E+ + 2 m_e^2, so ``E_res = (m_A'^2 - 2 m_e^2)/(2 m_e)``.
Breit-Wigner option: ``sigma(s) = 12 pi Gamma_ee Gamma / ((s - m^2)^2 + m^2 Gamma^2)``, Gamma_ee = alpha eps^2 m/3
(PDG Resonances review, Eq. 50.1 for J = 1, unpolarised e+e-), whose s-integral is the narrow-width result.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis._validation import check_range
from semivis.constants import alpha, m_e

__all__ = ["annihilation_resonant_energy", "annihilation_sigma_bw", "annihilation_sigma_integral"]


def annihilation_resonant_energy(m_Ap: ArrayLike) -> NDArray[np.float64]:
    """Positron energy of the resonance, E_res = (m_A'^2 - 2 m_e^2)/(2 m_e) in GeV.

    >>> round(float(annihilation_resonant_energy(0.226)), 1)
    50.0
    """
    m = check_range("m_Ap", m_Ap, 2.0 * m_e)
    return np.asarray((m * m - 2.0 * m_e * m_e) / (2.0 * m_e), dtype=np.float64)


def annihilation_sigma_integral(m_Ap: ArrayLike) -> NDArray[np.float64]:
    """Int sigma dE+ at eps = 1 in GeV^-1 (narrow width): 4 pi^2 alpha/(2 m_e).

    >>> round(float(annihilation_sigma_integral(0.3)), 1)
    281.9
    """
    m = check_range("m_Ap", m_Ap, 2.0 * m_e)
    return np.asarray(np.full_like(m, 4.0 * math.pi**2 * alpha / (2.0 * m_e)), dtype=np.float64)


def annihilation_sigma_bw(E_positron: ArrayLike, m_Ap: float, Gamma: float) -> NDArray[np.float64]:
    """Breit-Wigner e+ e- -> A' cross section at eps = 1 (GeV^-2), total width ``Gamma`` [GeV].

    Its integral over E+ equals :func:`annihilation_sigma_integral` for Gamma -> 0:

    >>> E = np.linspace(68.0, 108.0, 400001)  # E_res(0.3 GeV) = 88.1 GeV, half width 0.03 GeV
    >>> s = annihilation_sigma_bw(E, 0.3, 1e-4)
    >>> bool(abs(np.trapezoid(s, E) / float(annihilation_sigma_integral(0.3)) - 1) < 5e-3)
    True
    """
    E = check_range("E_positron", E_positron, 0.0)
    m = float(check_range("m_Ap", m_Ap, 2.0 * m_e))
    g = float(check_range("Gamma", Gamma, 0.0))
    s = 2.0 * m_e * E + 2.0 * m_e**2
    gee = alpha * m / 3.0
    return np.asarray(12.0 * math.pi * gee * g / ((s - m * m) ** 2 + m * m * g * g), dtype=np.float64)
