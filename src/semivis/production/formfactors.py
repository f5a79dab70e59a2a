"""Tsai's nuclear and atomic form factors G2(t) of dark bremsstrahlung: one source for numba and numpy.

The numba-compiled scalar functions (:func:`g2_elastic`, :func:`g2_inelastic`) are called by the compiled
exact-tree-level kernels (:mod:`semivis.production.darkbrem_etl`); the numpy API (:func:`G2_elastic`,
:func:`G2_inelastic`, arrays in, arrays out) feeds the Weizsaecker-Williams photon flux. Both sit here, side by
side, with the same formula and source. They differ only in the order of the floating-point operations (each
keeps the one its path was validated with), so they agree to a few units in the last place (tests); making the
numpy API loop the compiled function (the "write once, jit-wrap" pattern) moves the WW path's numbers by that
much, and is left for a release that may change results in the last digit. Units: t = -q^2 in GeV^2.

>>> import numpy as np
>>> t = np.geomspace(1e-8, 10.0, 50)
>>> bool(np.allclose(G2_elastic(t, 82.0, 207.2), [g2_elastic(v, 82.0, 207.2) for v in t], rtol=4e-16, atol=0))
True
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from semivis.constants import m_e, m_p, mu_p

__all__ = ["G2_elastic", "G2_inelastic", "g2_elastic", "g2_inelastic"]


@njit(cache=True)
def g2_elastic(t: float, Z: float, A: float) -> float:
    """Tsai's elastic (atomic screening x nuclear size) form factor squared at one t.

    ``G2_el = Z^2 [a^2 t/(1 + a^2 t)]^2 [1/(1 + t/d)]^2``, a = 111 Z^(-1/3)/m_e, d = 0.164 A^(-2/3) GeV^2
    (Tsai RMP 46 (1974) 815 Eq. B38-B44; BEST PRD 80 075018 Eq. A18).
    """
    a2 = (111.0 * Z ** (-1.0 / 3.0) / m_e) ** 2
    d = 0.164 * A ** (-2.0 / 3.0)
    r = a2 * t / (1.0 + a2 * t)
    val: float = Z * Z * r * r / ((1.0 + t / d) ** 2)
    return val


@njit(cache=True)
def g2_inelastic(t: float, Z: float) -> float:
    """Tsai's inelastic (quasi-free proton) form factor squared at one t.

    ``G2_in = Z [a'^2 t/(1 + a'^2 t)]^2 [(1 + t (mu_p^2 - 1)/(4 m_p^2))/(1 + t/0.71)^4]^2``, a' = 773 Z^(-2/3)/m_e
    (Tsai RMP 46 (1974) 815 Eq. B49; BEST Eq. A19).
    """
    ap2 = (773.0 * Z ** (-2.0 / 3.0) / m_e) ** 2
    r = ap2 * t / (1.0 + ap2 * t)
    nucl = (1.0 + t * (mu_p * mu_p - 1.0) / (4.0 * m_p * m_p)) / (1.0 + t / 0.71) ** 4
    val: float = Z * r * r * nucl * nucl
    return val


def G2_elastic(t: ArrayLike, Z: float, A: float) -> NDArray[np.float64]:
    """:func:`g2_elastic` over an array of t (any shape), evaluated by numpy.

    >>> round(float(G2_elastic(1e-3, 82, 207.2)) / 82**2, 3)
    0.679
    """
    t_ = np.asarray(t, dtype=np.float64)
    a2 = (111.0 * Z ** (-1.0 / 3.0) / m_e) ** 2
    d = 0.164 * A ** (-2.0 / 3.0)
    return np.asarray(Z**2 * (a2 * t_ / (1.0 + a2 * t_)) ** 2 / (1.0 + t_ / d) ** 2, dtype=np.float64)


def G2_inelastic(t: ArrayLike, Z: float) -> NDArray[np.float64]:
    """:func:`g2_inelastic` over an array of t (any shape), evaluated by numpy.

    >>> round(float(G2_inelastic(1e-3, 82)), 1)
    81.4
    """
    t_ = np.asarray(t, dtype=np.float64)
    ap2 = (773.0 * Z ** (-2.0 / 3.0) / m_e) ** 2
    nucl = (1.0 + t_ * (mu_p**2 - 1.0) / (4.0 * m_p**2)) / (1.0 + t_ / 0.71) ** 4
    return np.asarray(Z * (ap2 * t_ / (1.0 + ap2 * t_)) ** 2 * nucl**2, dtype=np.float64)
