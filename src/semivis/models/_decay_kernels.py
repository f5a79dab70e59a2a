"""numba kernels of the chi2 -> chi1 l+ l- sampler (:func:`semivis.models.decay.sample_chi2_decay`), package-internal.

The sampler keeps its random draws and its transcendental functions (sin, cos, x**4) in numpy, so the stream and
every libm/SIMD rounding stay those of the vectorised code; these kernels do the rest of the arithmetic element by
element, in the same order of operations as the numpy expressions they replace, so a decay sample is identical bit
for bit to the one the numpy code drew (checked against it on 6 mass points and 70 000 mixed-mass decays when the
kernels replaced it, docs/performance.md; the sampler's physics is tested in ``tests/test_models_decay.py``). What
they save is the numpy temporaries and the fancy indexing of every accept-reject round (~15 arrays per round).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True)
def s1_round(  # noqa: PLR0917
    pending: NDArray[np.int64],
    sp: NDArray[np.float64],
    cp: NDArray[np.float64],
    cp4: NDArray[np.float64],
    y: NDArray[np.float64],
    a: float,
    ba: NDArray[np.float64],
    M2: NDArray[np.float64],
    G: NDArray[np.float64],
    m1: NDArray[np.float64],
    m2: NDArray[np.float64],
    S: NDArray[np.float64],
    bound1: NDArray[np.float64],
    s1: NDArray[np.float64],
) -> NDArray[np.int64]:  # pragma: no cover - numba
    """One accept-reject round of s1 = m^2(l+ l-) in phi (``sp``, ``cp`` = sin, cos phi; ``cp4`` = cos^4 phi; ``y``
    the uniform of the test) for the decays ``pending``: writes the accepted s1 and returns the still pending ones.
    The density g(phi) is the one of :func:`semivis.models.decay._sample_block` (physics.md 2.1), term for term."""
    n = pending.size
    left = np.empty(n, dtype=np.int64)
    nl = 0
    for j in range(n):
        i = pending[j]
        q2 = a + ba[i] * sp[j] * sp[j]
        g = (
            sp[j]
            * sp[j]
            * cp4[j]
            * math.sqrt(4.0 * m1[i] * m2[i] + ba[i] * cp[j] * cp[j])
            * (1.0 + a / (2.0 * q2))
            * (S[i] * S[i] + 2.0 * q2)
            / math.sqrt(q2)
            / ((M2[i] - q2) * (M2[i] - q2) + M2[i] * (G[i] * G[i]))
        )
        if y[j] * bound1[i] < g:
            s1[i] = q2
        else:
            left[nl] = i
            nl += 1
    return left[:nl]


@njit(cache=True)
def cos_theta_round(  # noqa: PLR0917
    pending: NDArray[np.int64],
    u: NDArray[np.float64],
    y: NDArray[np.float64],
    A: NDArray[np.float64],
    B: NDArray[np.float64],
    cth: NDArray[np.float64],
) -> NDArray[np.int64]:  # pragma: no cover - numba
    """One accept-reject round of cos theta* (density A - B c^2, c = 2 u - 1) for the decays ``pending``: writes the
    accepted values and returns the still pending ones."""
    n = pending.size
    left = np.empty(n, dtype=np.int64)
    nl = 0
    for j in range(n):
        i = pending[j]
        c = 2.0 * u[j] - 1.0
        if y[j] * A[i] < A[i] - B[i] * c * c:
            cth[i] = c
        else:
            left[nl] = i
            nl += 1
    return left[:nl]


@njit(cache=True)
def four_momenta(  # noqa: PLR0917
    m1: NDArray[np.float64],
    m2: NDArray[np.float64],
    ml: float,
    s1: NDArray[np.float64],
    cth: NDArray[np.float64],
    cps: NDArray[np.float64],
    sps: NDArray[np.float64],
    cos_rot: NDArray[np.float64],
    cf: NDArray[np.float64],
    sf: NDArray[np.float64],
    chi1: NDArray[np.float64],
    lm: NDArray[np.float64],
    lp: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """Rest-frame four-momenta (E, px, py, pz) of chi1, l- and l+ (rows of the three (n, 4) outputs) from s1, cos
    theta* of the l- in the dilepton frame (azimuth: ``cps``, ``sps`` = cos, sin phi*), then an isotropic rotation
    (``cos_rot``; ``cf``, ``sf`` = cos, sin of its azimuth): chi1 along -z and the dilepton along +z before it."""
    for i in range(s1.size):
        d = m2[i] - m1[i]
        S = m1[i] + m2[i]
        sq = math.sqrt(s1[i])
        dms1 = (d - sq) * (d + sq)  # dm^2 - s1 without cancellation
        p = math.sqrt((S * S - s1[i]) * (dms1 if dms1 > 0.0 else 0.0)) / (2.0 * m2[i])
        E1 = m1[i] + dms1 / (2.0 * m2[i])
        Eq = d - dms1 / (2.0 * m2[i])
        gam = Eq / sq
        gb = p / sq
        kstar = 0.5 * math.sqrt((sq - 2.0 * ml) * (sq + 2.0 * ml))
        s2 = 1.0 - cth[i] * cth[i]
        sth = math.sqrt(s2 if s2 > 0.0 else 0.0)
        kx = kstar * sth * cps[i]
        ky = kstar * sth * sps[i]
        kz = kstar * cth[i]
        Estar = 0.5 * sq
        r2 = 1.0 - cos_rot[i] * cos_rot[i]
        sin_rot = math.sqrt(r2 if r2 > 0.0 else 0.0)
        _rotated(E1, 0.0, 0.0, -p, cos_rot[i], sin_rot, cf[i], sf[i], chi1, i)
        _rotated(gam * Estar + gb * kz, kx, ky, gb * Estar + gam * kz, cos_rot[i], sin_rot, cf[i], sf[i], lm, i)
        _rotated(gam * Estar - gb * kz, -kx, -ky, gb * Estar - gam * kz, cos_rot[i], sin_rot, cf[i], sf[i], lp, i)


@njit(cache=True, inline="always")
def _rotated(  # noqa: PLR0917
    E: float,
    x: float,
    y: float,
    z: float,
    cos_rot: float,
    sin_rot: float,
    cf: float,
    sf: float,
    out: NDArray[np.float64],
    i: int,
) -> None:  # pragma: no cover - numba
    """Row ``i`` of ``out``: (E, x, y, z) rotated by polar angle arccos(cos_rot) about y, then azimuth about z."""
    xr = cos_rot * x + sin_rot * z
    out[i, 0] = E
    out[i, 1] = cf * xr - sf * y
    out[i, 2] = sf * xr + cf * y
    out[i, 3] = -sin_rot * x + cos_rot * z
