"""Two-body kinematics kernels: small pure functions on arrays."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["kallen", "two_body_momentum"]


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
