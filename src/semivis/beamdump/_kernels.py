"""numba kernel of the beam-dump engine: decay-in-volume sums over a weighted A' sample (package-internal)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from semivis.models.kinematics import boost_into


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
    The slices are of equal width w (``edges`` from ``np.linspace``; :func:`uniform_slice_width`), so the survival
    at e_k is exp(-(e_0 - z0)/L) (1 - d)^k and each difference is that times d = 1 - exp(-w/L), computed with
    expm1 (no cancellation for L >> w): two exponentials per particle and c tau instead of one per edge.
    """
    n, k_n = acc.shape
    w = uniform_slice_width(edges)
    out = np.zeros(ctau.shape[0])
    for j in range(ctau.shape[0]):
        tot = 0.0
        for i in range(n):
            L = p_over_m[i] * ctau[j]
            if L <= 0.0:
                continue
            surv = math.exp(-(edges[0] - z0[i]) / L)
            if surv == 0.0:
                continue
            d = -math.expm1(-w / L)
            keep = 1.0 - d
            s = 0.0
            for k in range(k_n):
                s += acc[i, k] * surv
                surv *= keep
            tot += weight[i] * (s * d)
        out[j] = tot
    return out


@njit(cache=True)
def uniform_slice_width(edges: NDArray[np.float64]) -> float:
    """The common width of the decay slices between ``edges``; raises if they are not equal to 1e-9 relative."""
    k_n = edges.size - 1
    w = float(edges[k_n] - edges[0]) / k_n
    for k in range(k_n):
        if abs(edges[k + 1] - edges[k] - w) > 1e-9 * w:
            raise ValueError("decay slice edges are not uniformly spaced")
    return w


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
    """Acceptance (1 or 0) of the e+ e- pair of chi2 ``i`` decaying in slice ``k`` at depth ``z_d[i, k]``: the
    chi2 flies from ``z_prod[i]`` along the unit vector ``dirn[i]`` with velocity ``beta[i]`` and decays into the
    rest-frame leptons ``lm[i]``, ``lp[i]`` (one decay per chi2, used at each of its decay points).

    Each lepton is boosted to the lab (:func:`semivis.models.kinematics.boost_into`), flies straight from the decay
    point to the detector plane and counts when it moves forward and hits the face (square or circle of half
    width ``half_width``, offset along x); the pair is accepted when the energy that hits is >= ``threshold`` (> 0,
    the card schema's bound) and the decay point is finite (a chi2 moving forward).
    """
    nn, k_n = z_d.shape
    acc = np.zeros((nn, k_n))
    lab = np.empty((2, 4))
    for i in range(nn):
        boost_into(lm, i, beta[i, 0], beta[i, 1], beta[i, 2], lab, 0)
        boost_into(lp, i, beta[i, 0], beta[i, 1], beta[i, 2], lab, 1)
        ux, uy, uz = dirn[i, 0], dirn[i, 1], dirn[i, 2]
        for k in range(k_n):
            scale = (z_d[i, k] - z_prod[i]) / uz if uz > 0 else math.inf
            x_d = ux * scale
            y_d = uy * scale
            if not math.isfinite(x_d):
                continue
            dz = detector_z - z_d[i, k]
            e_hit = 0.0
            for j in range(2):
                if not lab[j, 3] > 0:
                    continue
                hx = x_d + dz * lab[j, 1] / lab[j, 3] - offset
                hy = y_d + dz * lab[j, 2] / lab[j, 3]
                if circle:
                    on = hx * hx + hy * hy < half_width * half_width
                else:
                    on = abs(hx) < half_width and abs(hy) < half_width
                if on:
                    e_hit += lab[j, 0]
            if e_hit >= threshold:
                acc[i, k] = 1.0
    return acc
