"""Electron beam dumps for iDM and i2DM: A' -> chi1 chi2 in the dump, chi2 -> chi1 e+ e- in the decay volume.

Method (docs/physics/constraints.md, "Beam dumps computed by semivis"):

* the A' sample of the dump cascade (:func:`semivis.production.simulate_ap_production`, E_A' above the
  detector threshold, a lower bound on the pair energy);
* per A', one two-body decay A' -> chi1 chi2, isotropic in the A' rest frame (the A' polarisation is averaged;
  documented approximation), giving the chi2 momentum and direction;
* per A', one chi2 -> chi1 e+ e- decay from the exact matrix element (:func:`semivis.models.sample_chi2_decay`),
  boosted to the lab and seen from a decay point uniform in each decay slice (an unbiased estimate of each
  slice's acceptance, docs/physics/constraints.md); the
  e+ and e- fly straight to the detector face and the event is accepted when the energy of those that hit it
  exceeds the card's threshold (the pair inside the calorimeter and above threshold);
* N = N_e eps^2 BR(A' -> chi1 chi2) BR(chi2 -> chi1 e+ e-) Sum_i w_i Sum_k acc_ik P_ik, with the chi2 decay
  length (p/m)_chi2 c tau_chi2 from :meth:`semivis.models.DarkSectorModel.ctau_chi2_m` (exact widths).

Only A' -> chi1 chi2 is counted (for i2DM, chi2 chi2 pairs would add signal: the computed region is conservative).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis import __version__
from semivis.beamdump import _kernels
from semivis.beamdump.cards import DumpCard
from semivis.constants import m_e
from semivis.errors import ParameterError
from semivis.models import chi1_chi2_open, make_model, sample_chi2_decay
from semivis.models.kinematics import boost, two_body_momentum
from semivis.production import simulate_ap_production

__all__ = ["InelasticDumpSample", "inelastic_intervals", "inelastic_n_signal", "inelastic_sample", "pair_energy_bound"]

_CHUNK = 8192


@dataclass(frozen=True)
class InelasticDumpSample:
    """chi2 sample of one card and mass point with the acceptance of its e+ e- pair per decay slice.

    ``p_over_m``: gamma beta of the chi2; ``z0`` [m]: production depth; ``weight``: A' per EOT at eps = 1 times the
    card's efficiency; ``acc`` (n, n_slices): probability that a chi2 -> chi1 e+ e- decay in slice k is accepted.
    """

    masses: tuple[float, float, float]
    p_over_m: NDArray[np.float64]
    z0: NDArray[np.float64]
    weight: NDArray[np.float64]
    acc: NDArray[np.float64]
    edges: NDArray[np.float64]
    n_on_target: float
    meta: dict[str, Any] = field(default_factory=dict)

    def decay_sum(self, ctau_m: ArrayLike) -> NDArray[np.float64]:
        """Sum_i w_i Sum_k acc_ik P_ik for each chi2 c tau [m]."""
        ct = np.atleast_1d(np.asarray(ctau_m, dtype=np.float64))
        return np.asarray(_kernels.decay_sums(self.p_over_m, self.z0, self.weight, self.acc, self.edges, ct))


def _two_body(M: float, m1: float, m2: float) -> float:
    """Momentum of the daughters of a two-body decay M -> m1 m2 in the rest frame (Kallen function)."""
    lam = (M * M - (m1 + m2) ** 2) * (M * M - (m1 - m2) ** 2)
    return math.sqrt(max(lam, 0.0)) / (2.0 * M)


def _iso(n: int, p: float, rng: np.random.Generator) -> NDArray[np.float64]:
    cos = 2.0 * rng.random(n) - 1.0
    phi = 2.0 * math.pi * rng.random(n)
    sin = np.sqrt(1.0 - cos * cos)
    return np.column_stack([p * sin * np.cos(phi), p * sin * np.sin(phi), p * cos])


def dump_ap_production(
    card: DumpCard, m_ap: float, n_primaries: int, seed: np.random.SeedSequence, E_min_GeV: float | None = None
) -> Any:
    """The A' the card's beam makes in its dump: the electron cascade (:func:`semivis.production.
    simulate_ap_production`, E_A' >= ``E_min_GeV``, default the card's energy threshold) or, for a proton card,
    :func:`semivis.beamdump.proton.proton_ap_production` (meson decays, proton bremsstrahlung)."""
    if card.particle == "p":  # proton dump (semivis.beamdump.proton)
        from semivis.beamdump.proton import proton_ap_production  # noqa: PLC0415 - proton imports this module

        return proton_ap_production(card, m_ap, n_primaries, seed, E_min_GeV)
    return simulate_ap_production(
        card.target,
        card.energy_GeV,
        m_ap,
        n_primaries=n_primaries,
        seed=seed,
        E_min_GeV=card.energy_threshold_GeV if E_min_GeV is None else float(E_min_GeV),
        processes=card.processes,
    )


def ap_velocity(ap: Any, m_ap: float) -> NDArray[np.float64]:
    """Lab velocity vectors (n, 3) of the A' of a production sample (E, theta, phi): beta = p/E along (theta, phi)."""
    p_ap = np.sqrt(np.maximum(ap.E**2 - m_ap**2, 0.0))
    st, ct = np.sin(ap.theta), np.cos(ap.theta)
    u = np.column_stack([st * np.cos(ap.phi), st * np.sin(ap.phi), ct])
    return np.asarray(u * (p_ap / ap.E)[:, None], dtype=np.float64)


def pair_energy_bound(e_chi2: ArrayLike, m1: float, m2: float) -> NDArray[np.float64]:
    """Largest lab energy the e+ e- of chi2 -> chi1 e+ e- can carry, for a chi2 of lab energy ``e_chi2``.

    In the chi2 rest frame the pair of mass^2 s in [4 m_e^2, (m2 - m1)^2] has energy E*(s) = (m2^2 - m1^2 + s)/
    (2 m2) and momentum p*(s) = lambda^(1/2)(m2^2, m1^2, s)/(2 m2) (two-body kinematics, PDG RPP 2022 Sect. 49);
    boosted, E = gamma (E* + beta p* cos) <= gamma (E*(s) + p*(s)). That sum falls with s (its derivative is
    (1 - (m2^2 + m1^2 - s)/lambda^(1/2))/(2 m2) < 0, as lambda < (m2^2 + m1^2 - s)^2), so it is largest at
    s = 4 m_e^2: E <= (E_chi2/m2) (E*(4 m_e^2) + p*(4 m_e^2)), reached by a forward pair of a fast chi2. The energy
    that hits a detector is at most that.

    >>> bool(pair_energy_bound(10.0, 0.1, 0.14)[()] < 10.0 * 0.49)
    True
    """
    e = np.asarray(e_chi2, dtype=np.float64)
    e_star = (m2 * m2 - m1 * m1 + 4.0 * m_e * m_e) / (2.0 * m2)  # the pair's energy at m_ee = 2 m_e
    top = e_star + float(two_body_momentum(m2, m1, 2.0 * m_e))
    return np.asarray(e / m2 * top, dtype=np.float64)


def inelastic_sample(
    card: DumpCard,
    masses: tuple[float, float, float],
    seed: np.random.SeedSequence | int = 0,
    n_primaries: int | None = None,
    production: Any = None,
) -> InelasticDumpSample:
    """The chi2 sample of ``card`` at ``masses`` = (m_A', m_chi1, m_chi2) [GeV]; seeded, bit-reproducible.

    ``production``: the card's A' sample at this m_A' (:func:`dump_ap_production`, e.g. one shared by every chi2
    mass pair of a column: production depends on m_A' only); by default made here from the first child of
    ``seed``. The decays always use the second child, so a shared production changes only the production stream.
    """
    m_ap, m1, m2 = (float(v) for v in masses)
    if not bool(chi1_chi2_open(m_ap, m1, m2 / m1 - 1.0)):
        raise ParameterError("masses", masses, "m_A' > m_chi1 + m_chi2 (on-shell A' -> chi1 chi2)")
    if not m2 - m1 > 2.0 * m_e:
        raise ParameterError("masses", masses, "m_chi2 - m_chi1 > 2 m_e (chi2 -> chi1 e+ e- open)")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    ss_prod, ss_dec = ss.spawn(2)
    n_prim = card.n_primaries if n_primaries is None else int(n_primaries)
    if production is None:
        ap = dump_ap_production(card, m_ap, n_prim, ss_prod)
    elif float(production.m_Ap) != m_ap or production.meta.get("n_primaries") != n_prim:
        raise ParameterError(
            "production",
            f"m_A' = {production.m_Ap}, {production.meta.get('n_primaries')} primaries",
            f"m_A' = {m_ap}, {n_prim}",
        )
    else:
        ap = production
    rng = np.random.default_rng(ss_dec)
    k_n = card.n_decay_slices
    edges = np.linspace(card.shield_m, card.detector_z_m, k_n + 1)
    n = len(ap)
    beta_ap = ap_velocity(ap, m_ap)
    # chi2 from A' -> chi1 chi2, isotropic in the A' rest frame
    q = _two_body(m_ap, m1, m2)
    k2 = _iso(n, q, rng)
    chi2 = boost(np.column_stack([np.full(n, math.hypot(q, m2)), k2]), beta_ap)
    p2 = np.linalg.norm(chi2[:, 1:], axis=1)
    beta2 = chi2[:, 1:] / chi2[:, :1]
    d2 = chi2[:, 1:] / np.maximum(p2, 1e-300)[:, None]
    acc = np.zeros((n, k_n))
    # only a chi2 whose pair can reach the threshold and that flies forward can be accepted: the others keep
    # acc = 0 without drawing their decays (pair_energy_bound)
    can = np.flatnonzero(
        (pair_energy_bound(chi2[:, 0], m1, m2) >= card.energy_threshold_GeV * (1.0 - 1e-12)) & (d2[:, 2] > 0.0)
    )
    for s in range(0, can.size, _CHUNK):
        rows = can[s : s + _CHUNK]
        nn = rows.size
        z_d = edges[:-1][None, :] + rng.random((nn, k_n)) * (edges[1] - edges[0])
        ev = sample_chi2_decay(m1, m2, m_ap, nn, rng)  # one decay per chi2, seen from each of its slices
        acc[rows] = _kernels.pair_accepted(
            ev["l-"], ev["l+"], np.ascontiguousarray(beta2[rows]), np.ascontiguousarray(d2[rows]), ap.z[rows], z_d,
            card.detector_z_m, card.detector_shape == "circle", card.detector_half_width_m, card.detector_offset_m,
            card.energy_threshold_GeV,
        )  # fmt: skip
    keep = acc.any(axis=1)
    return InelasticDumpSample(
        masses=(m_ap, m1, m2),
        p_over_m=np.ascontiguousarray(p2[keep] / m2),
        z0=np.ascontiguousarray(ap.z[keep]),
        weight=np.ascontiguousarray(ap.weight[keep]) * card.efficiency,
        acc=np.ascontiguousarray(acc[keep]),
        edges=edges,
        n_on_target=card.n_on_target,
        meta={
            "card": card.name,
            "n_primaries": n_prim,
            "yield_per_eot": ap.yield_per_eot(),
            "rel_error": ap.relative_error(),
            "semivis_version": __version__,
        },
    )


def inelastic_n_signal(
    sample: InelasticDumpSample,
    kind: str,
    eps: ArrayLike,
    alpha_D: ArrayLike,
    theta: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Expected chi2 -> chi1 e+ e- signal events for the couplings (arrays of one shape) at the sample's masses."""
    m_ap, m1, m2 = sample.masses
    e = np.atleast_1d(np.asarray(eps, dtype=np.float64))
    ad = np.broadcast_to(np.asarray(alpha_D, dtype=np.float64), e.shape)
    th = None if theta is None else np.broadcast_to(np.asarray(theta, dtype=np.float64), e.shape)
    model = make_model(kind, m_Ap=m_ap, eps=e, alpha_D=ad, m_chi1=m1, delta=m2 / m1 - 1.0, theta=th)
    br_ap = np.asarray(model.branching_ratios()["chi1chi2"], dtype=np.float64)
    widths = model.Gamma_chi2_channels()
    tot = model.Gamma_chi2()
    br_ee = np.divide(widths["e+e-"], tot, out=np.zeros_like(tot), where=tot > 0)
    ct = np.asarray(model.ctau_chi2_m(), dtype=np.float64).reshape(-1)
    s = sample.decay_sum(np.where(np.isfinite(ct), ct, 1e300))
    return np.asarray(sample.n_on_target * e**2 * br_ap.reshape(-1) * br_ee.reshape(-1) * s, dtype=np.float64)


def inelastic_intervals(  # noqa: PLR0917
    card: DumpCard,
    kind: str,
    masses: tuple[float, float, float],
    alpha_D: float,
    theta: float | None = None,
    eps_grid: ArrayLike | None = None,
    s_up: float | None = None,
    sample: InelasticDumpSample | None = None,
) -> list[tuple[float, float]]:
    """Excluded eps intervals (N >= s_up) at one mass point, each end refined by bisection in ln eps to 1e-3.

    ``eps_grid``: the bracketing grid (default 121 log-spaced values in [1e-8, 0.3]); ``s_up``: the card's by
    default; ``sample``: a precomputed :func:`inelastic_sample` (default: built with the card's seed and the mass).
    """
    grid = np.geomspace(1e-8, 0.3, 121) if eps_grid is None else np.asarray(eps_grid, dtype=np.float64)
    lim = card.s_up if s_up is None else float(s_up)
    if sample is None:
        seed = np.random.SeedSequence([card.seed, *(round(m * 1e9) for m in masses)])
        sample = inelastic_sample(card, masses, seed)
    th = None if theta is None else float(theta)

    def f(e: NDArray[np.float64]) -> NDArray[np.float64]:
        n = inelastic_n_signal(sample, kind, e, np.full(e.shape, alpha_D), None if th is None else np.full(e.shape, th))
        return np.asarray(np.log(np.maximum(n, 1e-300)) - math.log(lim), dtype=np.float64)

    above = f(grid) > 0
    out: list[tuple[float, float]] = []
    i = 0
    while i < grid.size:
        if not above[i]:
            i += 1
            continue
        j = i
        while j + 1 < grid.size and above[j + 1]:
            j += 1
        ends = []
        for a_in, b_out in ((i, i - 1), (j, j + 1)):
            if b_out < 0 or b_out >= grid.size:
                ends.append(float(grid[a_in]))
                continue
            lo, hi = math.log(grid[b_out]), math.log(grid[a_in])  # lo: outside, hi: inside
            for _ in range(20):
                mid = 0.5 * (lo + hi)
                if f(np.array([math.exp(mid)]))[0] > 0:
                    hi = mid
                else:
                    lo = mid
            ends.append(math.exp(hi))
        out.append((ends[0], ends[1]))
        i = j + 1
    return out
