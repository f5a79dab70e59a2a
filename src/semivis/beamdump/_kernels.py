"""numba kernel of the beam-dump engine: decay-in-volume sums over a weighted A' sample (package-internal)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True)
def decay_sums(  # noqa: PLR0917
    p_over_m: NDArray[np.float64],
    z0: NDArray[np.float64],
    weight: NDArray[np.float64],
    acc: NDArray[np.float64],
    edges: NDArray[np.float64],
    ctau: NDArray[np.float64],
) -> NDArray[np.float64]:
    """S(ctau_j) = Sum_i w_i Sum_k acc_ik [exp(-(e_k - z0_i)/L_ij) - exp(-(e_k+1 - z0_i)/L_ij)], L_ij = (p/m)_i ctau_j.

    The probability that a particle of decay length L made at z0 decays between e_k and e_k+1 is the difference
    of the survival probabilities exp(-(e - z0)/L) (exponential decay law; Bjorken et al. PRD 38 (1988) 3375).
    """
    n, k_n = acc.shape
    out = np.zeros(ctau.shape[0])
    for j in range(ctau.shape[0]):
        tot = 0.0
        for i in range(n):
            L = p_over_m[i] * ctau[j]
            if L <= 0.0:
                continue
            prev = math.exp(-(edges[0] - z0[i]) / L)
            if prev == 0.0:
                continue
            s = 0.0
            for k in range(k_n):
                nxt = math.exp(-(edges[k + 1] - z0[i]) / L)
                s += acc[i, k] * (prev - nxt)
                prev = nxt
            tot += weight[i] * s
        out[j] = tot
    return out


@njit(cache=True)
def pair_accepted(  # noqa: PLR0917
    lm: NDArray[np.float64],
    lp: NDArray[np.float64],
    beta: NDArray[np.float64],
    dirn: NDArray[np.float64],
    z_prod: NDArray[np.float64],
    z_d: NDArray[np.float64],
    detector_z: float,
    circle: bool,
    half_width: float,
    offset: float,
    threshold: float,
) -> NDArray[np.float64]:
    """Acceptance (1 or 0) of the e+ e- pair of each chi2 decay: event i of the chunk decays in slice k at depth
    ``z_d[i, k]`` with the rest-frame leptons ``lm``, ``lp`` (rows i n_slices + k); the chi2 flies from ``z_prod[i]``
    along the unit vector ``dirn[i]`` with velocity ``beta[i]``.

    Each lepton is boosted to the lab (Jackson, Classical Electrodynamics 11.19), flies straight from the decay
    point to the detector plane and counts when it moves forward and hits the face (square or circle of half
    width ``half_width``, offset along x); the pair is accepted when the energy that hits is >= ``threshold`` and
    the decay point is finite (a chi2 moving forward). The arithmetic is that of the vectorised numpy code it
    replaces, operation for operation (identical results, ``tests/test_beamdump.py``), without its temporaries.
    """
    nn, k_n = z_d.shape
    acc = np.zeros((nn, k_n))
    for i in range(nn):
        bx, by, bz = beta[i, 0], beta[i, 1], beta[i, 2]
        b2 = bx * bx + by * by + bz * bz
        gam = 1.0 / math.sqrt(1.0 - b2)
        ux, uy, uz = dirn[i, 0], dirn[i, 1], dirn[i, 2]
        for k in range(k_n):
            dz_prod = z_d[i, k] - z_prod[i]
            scale = dz_prod / uz if uz > 0 else math.inf
            x_d = ux * scale
            y_d = uy * scale
            dz = detector_z - z_d[i, k]
            r = i * k_n + k
            e_hit = 0.0
            for lep in (lm, lp):
                p0, px, py, pz = lep[r, 0], lep[r, 1], lep[r, 2], lep[r, 3]
                bp = bx * px + by * py + bz * pz
                coef = (gam - 1.0) * bp / b2 if b2 > 0 else 0.0
                lab_z = pz + coef * bz + gam * bz * p0
                if not lab_z > 0:
                    continue
                lab_x = px + coef * bx + gam * bx * p0
                lab_y = py + coef * by + gam * by * p0
                hx = x_d + dz * lab_x / lab_z - offset
                hy = y_d + dz * lab_y / lab_z
                on = (
                    hx * hx + hy * hy < half_width * half_width
                    if circle
                    else abs(hx) < half_width and abs(hy) < half_width
                )
                if on:
                    e_hit += gam * (p0 + bp)
            if math.isfinite(x_d) and e_hit >= threshold:
                acc[i, k] = 1.0
    return acc
