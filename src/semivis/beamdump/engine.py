"""Electron beam dumps: A' production in the dump, decay in the decay volume, detector acceptance, limits.

Method (docs/physics/constraints.md, "Beam dumps computed by semivis"):

* **Production**: the cascade Monte Carlo of :mod:`semivis.production` (``simulate_ap_production``) in the dump
  material, tracking every e+- above the detector threshold, with forced, weighted A' emission (exact tree level
  dark bremsstrahlung, angles from the WW double differential, multiple scattering of the emitter). This replaces
  the thick-target yield integral of Bjorken et al. PRD 38 (1988) 3375 and Andreas, Niebuhr, Ringwald PRD 86 (2012)
  095019 (approximate electron track-length distribution, no emission angle) by the validated cascade,
  and it gives the production depth z0 needed when the shield is short (E141). Weights are A' per electron on
  target at eps = 1; the yield scales as eps^2.
* **Decay**: an A' of momentum p made at z0 decays between z and z + dz with probability
  exp(-(z - z0)/L) dz/L (distances along the beam axis: small-angle approximation, the A' angles are
  milliradians), L = (p/m) c tau(eps), c tau = hbar c/Gamma(eps) with the full visible width of
  :func:`semivis.models.widths.Gamma_V_to_SM` (e+e-, mu+mu-, hadrons via the PDG R ratio), Gamma ~ eps^2.
* **Acceptance**: for each A' and each of ``n_decay_slices`` equal slices of the decay volume, one decay point
  (uniform in the slice) and one isotropic two-body decay (rest frame, A' polarisation averaged: an
  approximation; boosted along the A' direction); the
  daughters are followed in straight lines to the square detector face; the event is accepted when the
  energy of the daughters that hit the face exceeds the card's threshold.
* **Signal**: N(eps) = N_e x efficiency x eps^2 x Sum_i w_i Sum_k BR_c acc_ikc P_ik(eps) for the card's final
  states c; the limit is N(eps) = s_up (the card's published upper limit on signal events at its CL).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from semivis import __version__
from semivis.beamdump import _kernels
from semivis.beamdump.cards import DumpCard
from semivis.beamdump.proton import proton_ap_production
from semivis.constants import hbar_c_GeV_m, m_e, m_mu, m_pi_charged
from semivis.errors import ParameterError
from semivis.models.widths import Gamma_V_to_hadrons, Gamma_V_to_leptons, Gamma_V_to_SM
from semivis.production import simulate_ap_production

__all__ = [
    "DumpEdges",
    "DumpSample",
    "dump_sample",
    "visible_branching",
    "visible_ctau_m",
    "visible_edges",
    "visible_n_signal",
]

#: Daughter mass of each visible final state (hadrons: the pi+ pi- threshold channel, documented approximation).
_DAUGHTER_MASS = {"e+e-": m_e, "mu+mu-": m_mu, "hadrons": m_pi_charged}
_CHUNK = 16384
_EPS_LO, _EPS_HI = 1e-10, 0.3


def visible_ctau_m(m_Ap: float, eps: ArrayLike = 1.0) -> NDArray[np.float64]:
    """c tau of the minimal dark photon [m]: hbar c / Gamma(A' -> e+e-, mu+mu-, hadrons) (models.widths).

    >>> round(float(visible_ctau_m(0.01, 1e-5)) * 100, 2)  # 10 MeV, eps = 1e-5: 8.1 cm
    8.11
    """
    gam = Gamma_V_to_SM(m_Ap, eps)
    return np.asarray(hbar_c_GeV_m / gam, dtype=np.float64)


def visible_branching(m_Ap: float, final_state: str) -> float:
    """BR(A' -> final_state) of the minimal dark photon (ratio of the widths of :mod:`semivis.models.widths`)."""
    if final_state not in _DAUGHTER_MASS:
        raise ParameterError("final_state", final_state, ", ".join(_DAUGHTER_MASS))
    tot = float(Gamma_V_to_SM(m_Ap, 1.0))
    if final_state == "hadrons":
        part = float(Gamma_V_to_hadrons(m_Ap, 1.0))
    else:
        part = float(Gamma_V_to_leptons(m_Ap, _DAUGHTER_MASS[final_state], 1.0))
    return part / tot


@dataclass(frozen=True)
class DumpSample:
    """Weighted A' sample of one card and mass, with the detector acceptance per decay slice.

    ``p_over_m`` (gamma beta), ``z0`` [m, production depth], ``weight`` (A' per EOT at eps = 1 times the card's
    efficiency), ``acc`` (n, n_slices): BR-weighted probability that a decay in slice k is accepted,
    ``edges`` [m]: slice edges from the dump front.
    """

    m_Ap: float
    p_over_m: NDArray[np.float64]
    z0: NDArray[np.float64]
    weight: NDArray[np.float64]
    acc: NDArray[np.float64]
    edges: NDArray[np.float64]
    n_on_target: float
    meta: dict[str, Any] = field(default_factory=dict)

    def decay_sum(self, ctau_m: ArrayLike) -> NDArray[np.float64]:
        """Sum_i w_i Sum_k acc_ik P_ik for each c tau [m] (per EOT, eps^2 not included)."""
        ct = np.atleast_1d(np.asarray(ctau_m, dtype=np.float64))
        return np.asarray(_kernels.decay_sums(self.p_over_m, self.z0, self.weight, self.acc, self.edges, ct))


def _seed(card: DumpCard, m_Ap: float) -> np.random.SeedSequence:
    return np.random.SeedSequence([card.seed, round(m_Ap * 1e9)])


def _acceptance(  # noqa: PLR0917
    E: NDArray[np.float64],
    theta: NDArray[np.float64],
    phi: NDArray[np.float64],
    z0: NDArray[np.float64],
    m: float,
    m_d: float,
    card: DumpCard,
    rng: np.random.Generator,
) -> NDArray[np.float64]:
    """Accepted fraction per (A', slice) for the two-body decay A' -> d dbar (one sampled decay per cell)."""
    n, k_n = E.shape[0], card.n_decay_slices
    edges = np.linspace(card.shield_m, card.detector_z_m, k_n + 1)
    z_d = edges[:-1][None, :] + rng.random((n, k_n)) * (edges[1] - edges[0])
    cos_s = 2.0 * rng.random((n, k_n)) - 1.0
    phi_s = 2.0 * math.pi * rng.random((n, k_n))
    if not m > 2.0 * m_d:
        return np.zeros((n, k_n))
    p_star = math.sqrt(m * m / 4.0 - m_d * m_d)
    p = np.sqrt(np.maximum(E * E - m * m, 0.0))
    gam = (E / m)[:, None]
    bg = (p / m)[:, None]
    sin_s = np.sqrt(1.0 - cos_s**2)
    st, ct, sp, cp = np.sin(theta)[:, None], np.cos(theta)[:, None], np.sin(phi)[:, None], np.cos(phi)[:, None]
    tan_t = st / np.where(ct > 0, ct, 1.0)  # an A' flying backwards (ct <= 0) never reaches the decay volume
    x_d = (z_d - z0[:, None]) * tan_t * cp
    y_d = (z_d - z0[:, None]) * tan_t * sp
    dz = card.detector_z_m - z_d
    e_hit = np.zeros((n, k_n))
    for sign in (1.0, -1.0):
        pl = gam * sign * p_star * cos_s + bg * 0.5 * m  # momentum along the A' direction (boost)
        en = gam * 0.5 * m + bg * sign * p_star * cos_s
        pt1 = sign * p_star * sin_s * np.cos(phi_s)
        pt2 = sign * p_star * sin_s * np.sin(phi_s)
        px = pt1 * ct * cp - pt2 * sp + pl * st * cp
        py = pt1 * ct * sp + pt2 * cp + pl * st * sp
        pz = -pt1 * st + pl * ct
        fwd = pz > 0
        safe = np.where(fwd, pz, 1.0)
        hit = fwd & (ct > 0) & card.on_face(x_d + dz * px / safe, y_d + dz * py / safe)
        e_hit += np.where(hit, en, 0.0)
    return np.asarray(e_hit >= card.energy_threshold_GeV, dtype=np.float64)


def dump_sample(card: DumpCard, m_Ap: float, n_primaries: int | None = None) -> DumpSample:
    """Run the dump cascade for ``m_Ap`` [GeV] and tabulate the acceptance (seeded from the card and the mass).

    ``n_primaries`` overrides the card's number of simulated beam electrons.
    """
    m = float(m_Ap)
    if not (math.isfinite(m) and m > 2.0 * m_e):
        raise ParameterError("m_Ap", m_Ap, f"a mass above 2 m_e = {2 * m_e:.6g} GeV (visible decays)")
    n_prim = card.n_primaries if n_primaries is None else int(n_primaries)
    ss = _seed(card, m)
    ss_prod, ss_acc = ss.spawn(2)
    if card.particle == "p":  # proton dump: meson decays and proton bremsstrahlung (semivis.beamdump.proton)
        ap: Any = proton_ap_production(card, m, n_prim, ss_prod)
    else:
        ap = simulate_ap_production(
            card.target,
            card.energy_GeV,
            m,
            n_primaries=n_prim,
            seed=ss_prod,
            E_min_GeV=card.energy_threshold_GeV,
            processes=card.processes,
        )
    rng = np.random.default_rng(ss_acc)
    k_n = card.n_decay_slices
    acc = np.zeros((len(ap), k_n))
    brs = {c: visible_branching(m, c) for c in card.final_states}
    for c, br in brs.items():
        if br <= 0.0:
            continue
        for s in range(0, len(ap), _CHUNK):
            sl = slice(s, s + _CHUNK)
            acc[sl] += br * _acceptance(ap.E[sl], ap.theta[sl], ap.phi[sl], ap.z[sl], m, _DAUGHTER_MASS[c], card, rng)
    keep = acc.any(axis=1)
    p = np.sqrt(np.maximum(ap.E[keep] ** 2 - m * m, 0.0))
    return DumpSample(
        m_Ap=m,
        p_over_m=p / m,
        z0=np.ascontiguousarray(ap.z[keep]),
        weight=np.ascontiguousarray(ap.weight[keep]) * card.efficiency,
        acc=np.ascontiguousarray(acc[keep]),
        edges=np.linspace(card.shield_m, card.detector_z_m, k_n + 1),
        n_on_target=card.n_on_target,
        meta={
            "card": card.name,
            "n_primaries": n_prim,
            "yield_per_eot": ap.yield_per_eot(),
            "rel_error": ap.relative_error(),
            "branching": brs,
            "semivis_version": __version__,
        },
    )


def visible_n_signal(sample: DumpSample, eps: ArrayLike) -> NDArray[np.float64]:
    """Expected signal events N(eps) = N_e eps^2 Sum_i w_i Sum_k acc_ik P_ik(eps) of the minimal dark photon."""
    e = np.atleast_1d(np.asarray(eps, dtype=np.float64))
    if not np.all(np.isfinite(e) & (e > 0)):
        raise ParameterError("eps", eps, "finite positive kinetic mixing(s)")
    ct = visible_ctau_m(sample.m_Ap, e)
    return np.asarray(sample.n_on_target * e**2 * sample.decay_sum(ct), dtype=np.float64)


@dataclass(frozen=True)
class DumpEdges:
    """Excluded eps interval at one mass: ``lower`` < eps < ``upper`` (both None when nothing is excluded)."""

    m_Ap: float
    lower: float | None
    upper: float | None
    n_max: float


def visible_edges(card: DumpCard, m_Ap: float, sample: DumpSample | None = None, n_grid: int = 49) -> DumpEdges:
    """Lower and upper edge of the minimal-dark-photon exclusion N(eps) = s_up at one mass (brentq in ln eps).

    ``n_grid`` log-spaced eps in [1e-10, 0.3] bracket the crossings; the lowest upward and the highest downward
    crossing are refined to 1e-4 in ln eps.
    """
    smp = dump_sample(card, m_Ap) if sample is None else sample
    grid = np.geomspace(_EPS_LO, _EPS_HI, int(n_grid))
    n = visible_n_signal(smp, grid)
    f = np.log(np.maximum(n, 1e-300)) - math.log(card.s_up)
    n_max = float(n.max())
    above = f > 0
    if not above.any():
        return DumpEdges(float(m_Ap), None, None, n_max)
    idx = np.flatnonzero(above)
    i_lo, i_hi = int(idx[0]), int(idx[-1])

    def g(le: float) -> float:
        val = float(visible_n_signal(smp, math.exp(le))[0])
        return math.log(max(val, 1e-300)) - math.log(card.s_up)

    lg = np.log(grid)
    lower = float(grid[0]) if i_lo == 0 else math.exp(optimize.brentq(g, lg[i_lo - 1], lg[i_lo], xtol=1e-4))
    upper = (
        float(grid[-1]) if i_hi == grid.size - 1 else math.exp(optimize.brentq(g, lg[i_hi], lg[i_hi + 1], xtol=1e-4))
    )
    return DumpEdges(float(m_Ap), lower, upper, n_max)
