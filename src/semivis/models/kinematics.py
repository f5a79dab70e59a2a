"""Kinematics kernels: small pure functions on arrays (two-body momenta, Lorentz boosts).

The Lorentz boost has its one home here: :func:`boost_into` (numba, inlined into the kernels that boost particle by
particle: the beam-dump pair acceptance), :func:`boost` (by velocities) and :func:`boost_from_rest_frame` (by the
parent's four-momentum), used by the NA64 event samples, the beam dumps and the BaBar recast.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from semivis.errors import ParameterError

__all__ = ["BETA2_MAX", "boost", "boost_from_rest_frame", "boost_into", "kallen", "two_body_momentum"]

#: The largest beta^2 a boost uses, the largest double below 1 (gamma ~ 7e7): beta^2 = |P|^2/E^2 rounds to >= 1 for
#: gamma >~ 1e8 (an A' of 1 keV at 100 GeV), where 1/sqrt(1 - beta^2) would be inf or NaN. Only such boosts change.
BETA2_MAX = 1.0 - 2.0**-53


def kallen(a: ArrayLike, b: ArrayLike, c: ArrayLike) -> NDArray[np.float64]:
    """Kallen triangle function lambda(a, b, c) = a^2 + b^2 + c^2 - 2ab - 2ac - 2bc.

    >>> float(kallen(4.0, 1.0, 1.0))
    0.0
    """
    a_, b_, c_ = (np.asarray(v, dtype=np.float64) for v in (a, b, c))
    return np.asarray(a_**2 + b_**2 + c_**2 - 2 * a_ * b_ - 2 * a_ * c_ - 2 * b_ * c_, dtype=np.float64)


def two_body_momentum(M: ArrayLike, m1: ArrayLike, m2: ArrayLike) -> NDArray[np.float64]:
    """Momentum of either daughter in the rest frame of M -> m1 m2: sqrt(lambda(M^2, m1^2, m2^2)) / (2M).

    Zero (not NaN) where the decay is closed.

    >>> float(two_body_momentum(1.0, 0.0, 0.0))
    0.5
    """
    M_ = np.asarray(M, dtype=np.float64)
    lam = kallen(M_**2, np.square(m1), np.square(m2))
    return np.asarray(np.sqrt(np.clip(lam, 0.0, None)) / (2.0 * M_), dtype=np.float64)


@njit(cache=True, inline="always")
def boost_into(  # noqa: PLR0917
    p: NDArray[np.float64], i: int, bx: float, by: float, bz: float, out: NDArray[np.float64], r: int
) -> None:  # pragma: no cover - numba
    """out[r] = the four-vector p[i] (E, px, py, pz) boosted by the velocity (bx, by, bz):
    E' = gamma (E + b.p), p' = p + [(gamma - 1) (b.p)/b^2 + gamma E] b (Jackson, Classical Electrodynamics,
    Eq. 11.19), gamma = 1/sqrt(1 - b^2) with b^2 at most :data:`BETA2_MAX`; b = 0 leaves p unchanged.

    The dot products add (x x' + z z') + y y': the order numpy.einsum used in the vectorised form that the NA64
    samples were made with (numpy 2.x, x86-64), so that they are unchanged bit for bit; any fixed order is as exact.
    """
    b2 = min((bx * bx + bz * bz) + by * by, BETA2_MAX)
    gamma = 1.0 / math.sqrt(1.0 - b2)
    bp = (bx * p[i, 1] + bz * p[i, 3]) + by * p[i, 2]
    coef = ((gamma - 1.0) * bp / b2 if b2 > 0.0 else 0.0) + gamma * p[i, 0]
    out[r, 0] = gamma * (p[i, 0] + bp)
    out[r, 1] = p[i, 1] + coef * bx
    out[r, 2] = p[i, 2] + coef * by
    out[r, 3] = p[i, 3] + coef * bz


@njit(cache=True)
def _boost_rows(
    p: NDArray[np.float64], beta: NDArray[np.float64], out: NDArray[np.float64]
) -> None:  # pragma: no cover - numba
    """out[i] = p[i] boosted by beta[i] (beta[0] for every row if beta has one row)."""
    one = beta.shape[0] == 1
    for i in range(p.shape[0]):
        j = 0 if one else i
        boost_into(p, i, beta[j, 0], beta[j, 1], beta[j, 2], out, i)


def boost(p: ArrayLike, beta: ArrayLike) -> NDArray[np.float64]:
    """Four-vectors ``p`` (n, 4) boosted by the velocities ``beta`` (n, 3), or all by one velocity (3,)
    (:func:`boost_into`): from the frame in which they are given to the frame in which that frame moves with beta.

    >>> boost([[3.0, 0.0, 0.0, 0.0]], [0.0, 0.0, 0.8])   # m = 3 at rest, beta = 0.8: gamma = 5/3
    array([[5., 0., 0., 4.]])
    """
    p4 = np.ascontiguousarray(p, dtype=np.float64)
    b = np.ascontiguousarray(beta, dtype=np.float64)
    if p4.ndim != 2 or p4.shape[1] != 4:
        raise ParameterError("p", p4.shape, "four-vectors of shape (n, 4)")
    b = b.reshape(1, 3) if b.shape == (3,) else b
    if b.shape not in {(p4.shape[0], 3), (1, 3)}:
        raise ParameterError("beta", b.shape, f"shape ({p4.shape[0]}, 3) or (3,) for four-vectors of shape (n, 4)")
    # |beta| <= 1 up to rounding (beta = p/E of a boost with gamma ~ 1e8 may round to |beta|^2 = 1 + 1 ulp)
    if not np.all(np.isfinite(b)) or np.any(np.einsum("ij,ij->i", b, b) > 1.0 + 1e-9):
        raise ParameterError("beta", "|beta| > 1 or not finite", "velocities with |beta| <= 1")
    out = np.empty_like(p4)
    _boost_rows(p4, b, out)
    return out


def boost_from_rest_frame(p: ArrayLike, P: ArrayLike) -> NDArray[np.float64]:
    """Four-momenta ``p`` (n, 4) from the rest frame of a parent with lab four-momentum ``P`` (n, 4) to the lab:
    :func:`boost` by beta = P/E (gamma = E/m).

    >>> boost_from_rest_frame([[3.0, 0.0, 0.0, 0.0]], [[5.0, 0.0, 0.0, 4.0]])   # m = 3, beta gamma = 4/3
    array([[5., 0., 0., 4.]])
    """
    P4 = np.ascontiguousarray(P, dtype=np.float64)
    if P4.ndim != 2 or P4.shape[1] != 4:
        raise ParameterError("P", P4.shape, "parent four-momenta of shape (n, 4)")
    return boost(p, P4[:, 1:] / P4[:, :1])
