"""A' production in a proton beam dump: meson decays M -> gamma A' and proton bremsstrahlung p N -> p N A'.

Method (docs/physics/constraints.md, "Proton dumps"):

* every proton on target interacts in the dump (a thick dump: probability 1 - exp(-T/lambda_I), depth z0 drawn
  from exp(-z/lambda_I), lambda_I the card's nuclear interaction length); only the primary interaction is counted
  (no hadronic cascade: a lower bound on soft mesons, the A' above the multi-GeV thresholds come from the first
  interaction);
* mesons (pi0, eta) from :mod:`semivis.beamdump.mesons` (BMPT spectra, A scaling, M -> gamma A');
* proton bremsstrahlung in the Fermi-Weizsaecker-Williams approximation of Bluemlein and Brunner, Phys. Lett. B
  731 (2014) 320 (arXiv:1311.3870), Eqs. (2)-(5) (:func:`pbrem_w`), times the time-like proton form factor
  |F_1(m_A'^2)|^2 of the extended vector-meson-dominance model of Faessler, Krivoruchenko, Martemyanov, Phys. Rev.
  C 82 (2010) 038201 (:func:`proton_form_factor`; the BB 2014 choice), in BB's validity region 0.1 < z < 0.9,
  pT < 1 GeV; the ratio sigma_pA(s')/sigma_pA(s) of BB Eq. (2) is set to 1 (the p-nucleus inelastic cross section
  is flat within a few per cent between s' and s at 70-400 GeV);
* the weights are A' per proton on target at eps = 1; the sample has the interface of the electron cascade's
  :class:`semivis.production.ApSample` (E, theta, phi, z, weight), so the engine's decay and acceptance code
  (:mod:`semivis.beamdump.engine`, :mod:`semivis.beamdump.inelastic`) is used unchanged.

>>> round(float(abs(proton_form_factor(0.0))), 2)  # F_1(0) = 1 (sum of the couplings; the widths shift it 1 %)
1.01
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis.beamdump.cards import DumpCard
from semivis.beamdump.mesons import MESONS, sample_meson_ap
from semivis.constants import alpha, m_p
from semivis.production import ApSample

__all__ = [
    "DRAWS_PER_PRIMARY",
    "PROTON_PROCESSES",
    "ProtonApSample",
    "pbrem_w",
    "proton_ap_production",
    "proton_form_factor",
]

#: Production processes of a proton dump card (``production.processes``).
PROTON_PROCESSES = ("pi0", "eta", "pbrem")

#: VMD form factor (f_V, m_V [GeV], Gamma_V [GeV]) of rho, rho', rho'', omega, omega', omega'': Faessler,
#: Krivoruchenko, Martemyanov PRC 82 (2010) 038201, as quoted by de Niverville, Chen, Pospelov, Ritz, Phys. Rev. D 95
#: (2017) 035006 (appendix); transcribed, not re-checked against the paper text in this session (docs/physics/
#: constraints.md, "Proton dumps"). F_1(0) = Sum f_V = 0.999.
_VMD = (
    (0.616, 0.77, 0.15),
    (0.223, 1.25, 0.30),
    (-0.339, 1.45, 0.50),
    (1.011, 0.77, 0.0085),
    (-0.881, 1.25, 0.30),
    (0.369, 1.45, 0.50),
)
#: Validity region of the FWW splitting function used by Bluemlein and Brunner 2014 (Sect. 2).
Z_RANGE = (0.1, 0.9)
PT_MAX_GEV = 1.0
_PROC_CODE = {"pi0": 0, "eta": 1, "pbrem": 2}
#: Weighted draws per process and simulated proton (``n_primaries`` of a proton card): a 400 GeV p-Cu interaction
#: makes O(10) pi0 and O(1) eta; the draws carry weights, so this number only sets the statistics.
DRAWS_PER_PRIMARY = 20


def proton_form_factor(q2: ArrayLike) -> NDArray[np.complex128]:
    """Time-like proton form factor F_1(q^2) = Sum_V f_V m_V^2 / (m_V^2 - q^2 - i m_V Gamma_V) (Faessler et al. 2010;
    module docstring); |F_1(0)| = 1.009 (the couplings sum to 0.999, the widths add 1 %)."""
    q = np.asarray(q2, dtype=np.float64)
    out = np.zeros(q.shape, dtype=np.complex128)
    for f, mv, gv in _VMD:
        out = out + f * mv * mv / (mv * mv - q - 1j * mv * gv)
    return out


def pbrem_w(z: ArrayLike, pT2: ArrayLike, m_Ap: float) -> NDArray[np.float64]:
    """FWW splitting function w_ba(z, pT^2) / eps^2 [1/GeV^2] of Bluemlein-Brunner PLB 731 (2014) 320, Eq. (4):

    w = alpha/(2 pi H) [ (1 + (1-z)^2)/z - 2 z (1-z) ((2 M^2 + m^2)/H - z^2 2 M^4/H^2)
        + 2 z (1-z)(z + (1-z)^2) M^2 m^2/H^2 + 2 z (1-z)^2 m^4/H^2 ],  H = pT^2 + (1-z) m^2 + z^2 M^2,

    M the proton mass, m the A' mass, z = E_A'/E_p. d2N/(dz dpT^2) = eps^2 |F_1(m^2)|^2 w (BB Eq. (2)).
    """
    zz = np.asarray(z, dtype=np.float64)
    p2 = np.asarray(pT2, dtype=np.float64)
    M2, m2 = m_p * m_p, m_Ap * m_Ap
    H = p2 + (1.0 - zz) * m2 + zz * zz * M2
    br = (
        (1.0 + (1.0 - zz) ** 2) / zz
        - 2.0 * zz * (1.0 - zz) * ((2.0 * M2 + m2) / H - zz * zz * 2.0 * M2 * M2 / (H * H))
        + 2.0 * zz * (1.0 - zz) * (zz + (1.0 - zz) ** 2) * M2 * m2 / (H * H)
        + 2.0 * zz * (1.0 - zz) ** 2 * m2 * m2 / (H * H)
    )
    return np.asarray(alpha / (2.0 * math.pi * H) * br, dtype=np.float64)


@dataclass(frozen=True)
class ProtonApSample(ApSample):
    """Weighted A' sample of a proton dump (interface of :class:`semivis.production.ApSample`).

    ``E`` [GeV], ``theta``, ``phi`` [rad], ``z`` [m from the dump front], ``weight`` (A' per proton on target at
    eps = 1), ``process`` (int8: 0 pi0, 1 eta, 2 pbrem), ``m_Ap`` [GeV], ``meta`` (yields per process, rel. error);
    ``yield_per_eot`` is per proton on target. Only the error estimate differs from the electron cascade's (no
    per-primary sums: independent weighted draws).
    """

    def relative_error(self) -> float:
        """Statistical relative error of the total yield, sqrt(Sum w^2)/Sum w (0 for an empty sample)."""
        s = float(self.weight.sum())
        return float(math.sqrt(float(np.sum(self.weight**2))) / s) if s > 0 else 0.0


def _pbrem(m_Ap: float, E_beam: float, n: int, rng: np.random.Generator, E_min: float) -> tuple[Any, ...]:
    """n weighted bremsstrahlung A' (four-momenta, weights per proton at eps = 1): z uniform in the validity range
    above E_min/E_beam, pT^2 uniform in [0, PT_MAX^2]."""
    z_lo = max(Z_RANGE[0], E_min / E_beam)
    if not (z_lo < Z_RANGE[1] and n > 0):
        return np.zeros((0, 4)), np.zeros(0)
    zz = z_lo + (Z_RANGE[1] - z_lo) * rng.random(n)
    pt2 = PT_MAX_GEV**2 * rng.random(n)
    ff2 = float(abs(proton_form_factor(m_Ap * m_Ap)) ** 2)
    w = pbrem_w(zz, pt2, m_Ap) * ff2 * (Z_RANGE[1] - z_lo) * PT_MAX_GEV**2 / n
    E = zz * E_beam
    pl2 = E * E - pt2 - m_Ap * m_Ap
    ok = pl2 > 0
    pT = np.sqrt(pt2)
    phi = 2.0 * math.pi * rng.random(n)
    p4 = np.column_stack([E, pT * np.cos(phi), pT * np.sin(phi), np.sqrt(np.where(ok, pl2, 0.0))])
    return p4, np.where(ok, w, 0.0)


def proton_ap_production(
    card: DumpCard, m_Ap: float, n_primaries: int, seed: np.random.SeedSequence, E_min_GeV: float | None = None
) -> ProtonApSample:
    """A' produced by the card's proton beam in its dump (module docstring): ``n_primaries`` x
    :data:`DRAWS_PER_PRIMARY` weighted A' per process of the card, kept when E_A' >= E_min_GeV (default: the card's
    detector threshold); seeded, bit-reproducible."""
    e_min = card.energy_threshold_GeV if E_min_GeV is None else float(E_min_GeV)
    n_per_process = int(n_primaries) * DRAWS_PER_PRIMARY
    rng = np.random.default_rng(seed)
    lam = card.lambda_int_m
    p_int = -math.expm1(-card.dump_thickness_m / lam)
    parts: list[tuple[NDArray[np.float64], NDArray[np.float64], int]] = []
    yields: dict[str, float] = {}
    for proc in card.processes:
        if proc in MESONS:
            p4, w, _ = sample_meson_ap(
                proc, m_Ap, card.energy_GeV, card.target_A, card.interaction_length_g_cm2, n_per_process, rng, e_min
            )
        else:
            p4, w = _pbrem(m_Ap, card.energy_GeV, n_per_process, rng, e_min)
        w = w * p_int
        keep = (w > 0) & (p4[:, 0] >= e_min) if p4.shape[0] else np.zeros(0, dtype=bool)
        yields[proc] = float(w[keep].sum()) if w.size else 0.0
        parts.append((p4[keep], w[keep], _PROC_CODE[proc]))
    p4 = np.concatenate([p[0] for p in parts]) if parts else np.zeros((0, 4))
    w = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)
    code = np.concatenate([np.full(p[0].shape[0], p[2], dtype=np.int8) for p in parts])
    pmag = np.linalg.norm(p4[:, 1:], axis=1)
    theta = np.arccos(np.clip(p4[:, 3] / np.where(pmag > 0, pmag, 1.0), -1.0, 1.0))
    phi = np.arctan2(p4[:, 2], p4[:, 1])
    u = rng.random(w.size)
    z0 = -lam * np.log1p(-u * p_int)  # exp(-z/lambda_I) truncated to the dump
    return ProtonApSample(
        E=np.ascontiguousarray(p4[:, 0]),
        theta=theta,
        phi=phi,
        z=z0,
        weight=np.ascontiguousarray(w),
        process=code,
        m_Ap=float(m_Ap),
        meta={"yields_above_threshold_per_pot": yields, "p_interaction": p_int, "n_primaries": int(n_primaries)},
    )
