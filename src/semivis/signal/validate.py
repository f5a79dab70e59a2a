"""The reference path of the signal: sample every chi2's decay point at one coupling and apply the selection.

No ECAL slicing, no tables, no sums of exponentials: each chi2 decays at a sampled point along its flight
path (L = -beta gamma c tau ln U, the exponential decay law, PDG RPP 2022 Kinematics Sect. 49.1) and the
detector kernels (:mod:`semivis.detector.kernels`, exact containment series) and selection flags
(:func:`semivis.signal._kernels.selection_flags`) are applied directly. The tests compare it with
:func:`semivis.signal.reweight.signal_result` within MC errors; the ECAL slicing is the only approximation
between the two.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from semivis.detector.cards import ExperimentCard
from semivis.detector.kernels import G_ECAL_Z_START, G_S1_HI, G_S1_LO, N_OBS, REGION_BEYOND, decay_deposits
from semivis.detector.response import containment_table
from semivis.signal._kernels import N_FLAGS, selection_flags
from semivis.signal.events import N_CHI2, EventSample
from semivis.signal.response_table import base_flags, card_geometry, chi2_kinematics, ecal_base_energy
from semivis.signal.reweight import couplings
from semivis.signal.selections import SELECTION_FLAGS, selection_for_card

__all__ = ["simulate_fixed_coupling"]


@njit(cache=True)
def _sampled_flags(  # noqa: PLR0917
    zv: NDArray[np.float64],
    tx: NDArray[np.float64],
    ty: NDArray[np.float64],
    zd: NDArray[np.float64],
    lep: NDArray[np.float64],
    e_base: NDArray[np.float64],
    g: NDArray[np.float64],
    out: NDArray[np.int8],
    tab: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """Selection flags for sampled decay positions zd (n, s) of s chi2 per event (exact containment)."""
    n, ns = zd.shape
    dep = np.zeros(N_OBS)  # deposits and NA64's cut observables
    fl = np.zeros(N_FLAGS, dtype=np.int8)
    for e in range(n):
        for d in range(N_OBS):
            dep[d] = 0.0
        nw = 0
        nbey = 0
        for s in range(ns):
            c = decay_deposits(zd[e, s], zv[e], tx[e, s], ty[e, s], lep[e, s], g, dep, tab, False)
            if g[G_S1_LO] <= zd[e, s] < g[G_S1_HI]:
                nw += 1
            if c == REGION_BEYOND:
                nbey += 1
        selection_flags(e_base[e], dep, nw, nbey, ns, g, fl)
        for i in range(N_FLAGS):
            out[e, i] = fl[i]


def simulate_fixed_coupling(  # noqa: PLR0917
    sample: EventSample,
    card: ExperimentCard,
    selection: str = "missing-energy",
    eps: float = 1e-4,
    alpha_D: float = 0.1,
    theta: float | None = None,
    seed: int = 0,
    eot: float | None = None,
) -> tuple[float, float]:
    """Validation path: sample every chi2's decay point at one coupling and apply the selection directly.

    Returns (N_sig, absolute MC error) of the selection's total over its bins, as
    :func:`semivis.signal.reweight.signal_result`; agrees with it within MC errors (tests).
    """
    sel = selection_for_card(selection, card)
    parts = [p for b in sel.bins for p in b.parts]
    eot_v = card.eot if eot is None else float(eot)
    _, e_f, br, u = couplings(sample, eps, alpha_D, theta)
    g = card_geometry(card)
    e_base = ecal_base_energy(sample)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    n = sample.n_events
    zv = np.ascontiguousarray(sample.arrays["ap.z"], dtype=np.float64) + float(g[G_ECAL_Z_START])
    tot = np.zeros(n)
    for ch in sample.channels:
        k = N_CHI2[ch]
        if k == 0:
            flags = base_flags(e_base, g)
        else:
            kin = [chi2_kinematics(sample, ch, i) for i in range(k)]
            tx = np.ascontiguousarray(np.stack([q[0] for q in kin], axis=1))
            ty = np.ascontiguousarray(np.stack([q[1] for q in kin], axis=1))
            lep = np.ascontiguousarray(np.stack([q[3] for q in kin], axis=1))
            zd = np.empty((n, k))
            for i in range(k):
                xscale = kin[i][2]
                if u[0] > 0.0:
                    x = -np.log(rng.uniform(size=n)) / u[0]
                    zd[:, i] = zv + x / xscale
                else:
                    zd[:, i] = np.inf
            zd = np.where(np.isfinite(zd), zd, 1e30)
            fl8 = np.zeros((n, N_FLAGS), dtype=np.int8)
            _sampled_flags(zv, tx, ty, zd, lep, e_base, g, fl8, containment_table())
            flags = fl8.astype(np.float64)
        for flag, eff in parts:
            tot += br[ch][0] * eff * flags[:, SELECTION_FLAGS.index(flag)]
    w = sample.arrays["ap.weight"]
    norm = eot_v * float(e_f[0]) ** 2 * float(card.signal_efficiency(sample.m_Ap))
    t = w * tot
    return float(norm * t.sum()), float(norm * math.sqrt(float(np.sum(t * t))))
