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
