"""Tsai's nuclear and atomic form factors G2(t) of dark bremsstrahlung: one source for numba and numpy.

Each form factor is written once, as a plain function of numpy-compatible arithmetic (:func:`_g2_elastic_source`,
:func:`_g2_inelastic_source`), and used twice (the "write once, jit-wrap" pattern of iminuit's ``cost.py``):
compiled by numba as the scalar :func:`g2_elastic` / :func:`g2_inelastic` called inside the exact-tree-level
kernels (:mod:`semivis.production.darkbrem_etl`), and evaluated by numpy on arrays as :func:`G2_elastic` /
:func:`G2_inelastic` for the Weizsaecker-Williams photon flux. The two evaluations run the same operations in the
same order and give identical numbers (tested bit for bit). Units: t = -q^2 in GeV^2.

>>> import numpy as np
>>> t = np.geomspace(1e-8, 10.0, 50)
>>> bool(np.allclose(G2_elastic(t, 82.0, 207.2), [g2_elastic(v, 82.0, 207.2) for v in t], rtol=4e-16, atol=0))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from semivis.constants import m_e, m_p, mu_p

__all__ = ["G2_elastic", "G2_inelastic", "g2_elastic", "g2_inelastic"]


def _g2_elastic_source(t: Any, Z: float, A: float) -> Any:
    """Tsai's elastic (atomic screening x nuclear size) form factor squared at one t.

    ``G2_el = Z^2 [a^2 t/(1 + a^2 t)]^2 [1/(1 + t/d)]^2``, a = 111 Z^(-1/3)/m_e, d = 0.164 A^(-2/3) GeV^2
    (Tsai RMP 46 (1974) 815 Eq. B38-B44; BEST PRD 80 075018 Eq. A18).
    """
    a2 = (111.0 * Z ** (-1.0 / 3.0) / m_e) ** 2
    d = 0.164 * A ** (-2.0 / 3.0)
    r = a2 * t / (1.0 + a2 * t)
    return Z * Z * r * r / ((1.0 + t / d) ** 2)


def _g2_inelastic_source(t: Any, Z: float) -> Any:
    """Tsai's inelastic (quasi-free proton) form factor squared at one t.

    ``G2_in = Z [a'^2 t/(1 + a'^2 t)]^2 [(1 + t (mu_p^2 - 1)/(4 m_p^2))/(1 + t/0.71)^4]^2``, a' = 773 Z^(-2/3)/m_e
    (Tsai RMP 46 (1974) 815 Eq. B49; BEST Eq. A19).
    """
    ap2 = (773.0 * Z ** (-2.0 / 3.0) / m_e) ** 2
    r = ap2 * t / (1.0 + ap2 * t)
    dipole2 = (1.0 + t / 0.71) * (1.0 + t / 0.71)  # squared by hand: numpy and numba evaluate x**4 differently
    nucl = (1.0 + t * (mu_p * mu_p - 1.0) / (4.0 * m_p * m_p)) / (dipole2 * dipole2)
    return Z * r * r * nucl * nucl


#: the compiled scalar form factors (one source: the functions above), for numba kernels
g2_elastic = njit(cache=True)(_g2_elastic_source)
g2_inelastic = njit(cache=True)(_g2_inelastic_source)


def G2_elastic(t: ArrayLike, Z: float, A: float) -> NDArray[np.float64]:
    """:func:`g2_elastic` over an array of t (any shape), evaluated by numpy from the same source.

    >>> round(float(G2_elastic(1e-3, 82, 207.2)) / 82**2, 3)
    0.679
    """
    t_ = np.asarray(t, dtype=np.float64)
    return np.asarray(_g2_elastic_source(t_, float(Z), float(A)), dtype=np.float64)


def G2_inelastic(t: ArrayLike, Z: float) -> NDArray[np.float64]:
    """:func:`g2_inelastic` over an array of t (any shape), evaluated by numpy from the same source.

    >>> round(float(G2_inelastic(1e-3, 82)), 1)
    81.4
    """
    t_ = np.asarray(t, dtype=np.float64)
    return np.asarray(_g2_inelastic_source(t_, float(Z)), dtype=np.float64)
