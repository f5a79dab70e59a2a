"""Dark-matter scattering on the electrons of a beam-dump detector: chi_i e- -> chi_j e- by A' exchange (issue 14).

The second E137 signal (Batell, Essig, Surujon PRL 113 (2014) 171802): a chi made in the dump crosses the shield and
the decay region and knocks an electron of the detector into an electromagnetic shower. Here: the cross section
and its kinematics, elastic (chi1 e -> chi1 e, i2DM's chi1 chi1 A' coupling) and inelastic (chi1 e -> chi2 e,
"upscattering", iDM and i2DM, when kinematically open), electron at rest, recoil-energy cuts as arguments.

Matrix element (Feynman rules of the dark current g_D c_ij chi_j-bar gamma^mu chi_i A'_mu and the SM one
eps e e-bar gamma^mu e A'_mu; EPJC 2023 Eq. 2.5 for the i2DM mixing factors; standard trace technology, Peskin &
Schroeder Sect. 5.1, masses kept), spin averaged, t = (k2 - k1)^2 = -2 m_e E_R with E_R the electron's recoil kinetic
energy::

    <|M|^2> = 8 g^2 [(p1.k1)(p2.k2) + (p1.k2)(p2.k1) - m1 m2 (k1.k2) - m_e^2 (p1.p2) + 2 m1 m2 m_e^2] / (t - m_A'^2)^2

with g^2 = 4 pi alpha_D c_ij^2 x 4 pi alpha eps^2, and dsigma/dE_R = 2 m_e <|M|^2> / (16 pi lambda(s, m1^2, m_e^2)),
lambda = 4 m_e^2 p1^2 in the electron's rest frame. For m1 = m2 it reduces to the elastic formula quoted by
Batell, Essig, Surujon 2014 (and deNiverville, Pospelov, Ritz PRD 84 (2011) 075020)::

    dsigma/dE_R = 4 pi eps^2 alpha alpha_D [2 m_e E^2 - (2 m_e E + m_chi^2 + m_e^2) E_R + m_e E_R^2]
                  / ((E^2 - m_chi^2) (m_A'^2 + 2 m_e E_R)^2),

which :func:`dsigma_dER_elastic` evaluates independently (tests compare the two), and at small E_R and m_A' -> 0 to
the Rutherford energy-transfer cross section 2 pi z^2 alpha^2 / (m_e beta^2 E_R^2) with z^2 alpha -> eps^2 alpha_D
(PDG Review "Passage of particles through matter", free-electron delta-ray cross section at T << T_max).

Coupling factors c_ij^2 (:func:`coupling_factor`): iDM chi1 -> chi2 1 (the off-diagonal current of strength g_D,
as the A' -> chi1 chi2 width of :class:`semivis.models.IDM`), chi1 -> chi1 0; i2DM (mixing angle theta, s = sin,
c = cos): chi1 -> chi1 s^4, chi1 -> chi2 s^2 c^2, chi2 -> chi2 c^4.

The chi1 flux on the detector face (:func:`chi_flux_sample`) and the expected number of scatterings
(:func:`scattering_n_signal`) take the detector's electron density, depth and recoil cuts as arguments: the original
analysis' numbers (Batell et al. 2014 / Bjorken et al. 1988) were not reachable here, so none is shipped as a default
and no registry entry draws the scattering region yet (docs/physics/constraints.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis import __version__
from semivis.beamdump.cards import DumpCard
from semivis.beamdump.inelastic import _iso, _two_body, ap_velocity, dump_ap_production
from semivis.constants import GeV2_to_cm2, alpha, m_e
from semivis.errors import ParameterError
from semivis.models import make_model
from semivis.models.kinematics import boost

__all__ = [
    "ChiFluxSample",
    "chi_flux_sample",
    "coupling_factor",
    "dsigma_dER",
    "dsigma_dER_elastic",
    "recoil_range",
    "scattering_n_signal",
    "sigma_recoil",
    "upscatter_threshold",
]

FloatArray = NDArray[np.float64]

#: Gauss-Legendre nodes used by :func:`sigma_recoil`
_GL_X, _GL_W = np.polynomial.legendre.leggauss(96)


def _check_masses(m1: float, m2: float, m_Ap: float) -> None:
    for name, v in (("m_chi_in", m1), ("m_chi_out", m2), ("m_Ap", m_Ap)):
        if not (math.isfinite(v) and v > 0.0):
            raise ParameterError(name, v, "a finite mass > 0 [GeV]")


def coupling_factor(kind: str, transition: str, theta: float | None = None) -> float:
    """c_ij^2 multiplying alpha_D for ``transition`` ``"11"`` (chi1 -> chi1), ``"12"`` (chi1 -> chi2) or ``"22"``.

    iDM: off-diagonal current only (1, 0, 0); i2DM: s^4, s^2 c^2, c^4 (EPJC 2023 Eq. 2.5; ``theta`` required).

    >>> coupling_factor("idm", "12"), coupling_factor("idm", "11")
    (1.0, 0.0)
    >>> round(coupling_factor("i2dm", "12", math.pi / 4), 12)
    0.25
    """
    if transition not in ("11", "12", "22"):
        raise ParameterError("transition", transition, "one of 11, 12, 22")
    if kind == "idm":
        return 1.0 if transition == "12" else 0.0
    if kind == "i2dm":
        if theta is None or not (0.0 <= theta <= math.pi / 2):
            raise ParameterError("theta", theta, "0 <= theta <= pi/2 for i2DM")
        s2, c2 = math.sin(theta) ** 2, math.cos(theta) ** 2
        return {"11": s2 * s2, "12": s2 * c2, "22": c2 * c2}[transition]
    raise ParameterError("kind", kind, "idm or i2dm")


def upscatter_threshold(m1: float, m2: float) -> float:
    """Smallest chi energy E1 [GeV] for chi(m1) e -> chi(m2) e on an electron at rest: s = (m2 + m_e)^2.

    >>> upscatter_threshold(0.1, 0.1) == 0.1  # elastic: open at rest
    True
    """
    return max(m1, ((m2 + m_e) ** 2 - m1 * m1 - m_e * m_e) / (2.0 * m_e))


def recoil_range(E1: float, m1: float, m2: float) -> tuple[float, float]:
    """(E_R min, E_R max) [GeV] of the electron's recoil kinetic energy, from the CM scattering angle 0 and pi.

    E1 is the energy of the incoming chi(m1) in the electron's rest frame; below :func:`upscatter_threshold` the
    reaction is closed and this raises :class:`~semivis.errors.ParameterError`. Elastic: E_R max =
    2 m_e p1^2 / (m1^2 + m_e^2 + 2 m_e E1), E_R min = 0.
    """
    if not (math.isfinite(E1) and upscatter_threshold(m1, m2) <= E1):
        raise ParameterError("E1", E1, f">= {upscatter_threshold(m1, m2):.6g} GeV (threshold of chi e -> chi' e)")
    s = m1 * m1 + m_e * m_e + 2.0 * m_e * E1
    rs = math.sqrt(s)
    p_in = math.sqrt(max(_kallen(s, m1 * m1, m_e * m_e), 0.0)) / (2.0 * rs)
    p_out = math.sqrt(max(_kallen(s, m2 * m2, m_e * m_e), 0.0)) / (2.0 * rs)
    e_in = (s + m_e * m_e - m1 * m1) / (2.0 * rs)  # electron energies in the CM
    e_out = (s + m_e * m_e - m2 * m2) / (2.0 * rs)
    # t = 2 m_e^2 - 2 (E_in E_out - p_in p_out cos) = -2 m_e E_R
    t_hi = 2.0 * m_e * m_e - 2.0 * (e_in * e_out - p_in * p_out)
    t_lo = 2.0 * m_e * m_e - 2.0 * (e_in * e_out + p_in * p_out)
    return max(-t_hi / (2.0 * m_e), 0.0), -t_lo / (2.0 * m_e)


def _kallen(a: float, b: float, c: float) -> float:
    return a * a + b * b + c * c - 2.0 * (a * b + a * c + b * c)


def dsigma_dER(  # noqa: PLR0917
    E1: float,
    E_R: ArrayLike,
    m1: float,
    m2: float,
    m_Ap: float,
    eps: float,
    alpha_D: float,
    coupling: float = 1.0,
) -> FloatArray:
    """dsigma/dE_R [GeV^-3] of chi(m1, energy E1) e -> chi(m2) e at recoil kinetic energies E_R [GeV] (module
    docstring formula); 0 outside :func:`recoil_range` and below threshold. ``coupling``: c_ij^2
    (:func:`coupling_factor`)."""
    _check_masses(m1, m2, m_Ap)
    er = np.atleast_1d(np.asarray(E_R, dtype=np.float64))
    if upscatter_threshold(m1, m2) > E1:
        return np.zeros_like(er)
    lo, hi = recoil_range(E1, m1, m2)
    s = m1 * m1 + m_e * m_e + 2.0 * m_e * E1
    t = -2.0 * m_e * er
    u = m1 * m1 + m2 * m2 + 2.0 * m_e * m_e - s - t
    p1k1 = 0.5 * (s - m1 * m1 - m_e * m_e)
    p2k2 = 0.5 * (s - m2 * m2 - m_e * m_e)
    p1k2 = 0.5 * (m1 * m1 + m_e * m_e - u)
    p2k1 = 0.5 * (m2 * m2 + m_e * m_e - u)
    p1p2 = 0.5 * (m1 * m1 + m2 * m2 - t)
    k1k2 = m_e * m_e - 0.5 * t
    bracket = p1k1 * p2k2 + p1k2 * p2k1 - m1 * m2 * k1k2 - m_e * m_e * p1p2 + 2.0 * m1 * m2 * m_e * m_e
    g2 = 16.0 * math.pi**2 * alpha * eps * eps * alpha_D * coupling
    msq = 8.0 * g2 * bracket / (t - m_Ap * m_Ap) ** 2
    p1sq = E1 * E1 - m1 * m1
    out = 2.0 * m_e * msq / (16.0 * math.pi * 4.0 * m_e * m_e * p1sq)
    inside = (er >= lo * (1.0 - 1e-12)) & (er <= hi * (1.0 + 1e-12))
    return np.asarray(np.where(inside, np.maximum(out, 0.0), 0.0), dtype=np.float64)


def dsigma_dER_elastic(  # noqa: PLR0917
    E: float, E_R: ArrayLike, m_chi: float, m_Ap: float, eps: float, alpha_D: float, coupling: float = 1.0
) -> FloatArray:
    """The elastic closed form of the module docstring (Batell, Essig, Surujon 2014; deNiverville, Pospelov, Ritz
    2011) [GeV^-3], without the kinematic range check (an independent evaluation for tests)."""
    er = np.atleast_1d(np.asarray(E_R, dtype=np.float64))
    num = 2.0 * m_e * E * E - (2.0 * m_e * E + m_chi * m_chi + m_e * m_e) * er + m_e * er * er
    den = (E * E - m_chi * m_chi) * (m_Ap * m_Ap + 2.0 * m_e * er) ** 2
    return np.asarray(4.0 * math.pi * eps * eps * alpha * alpha_D * coupling * num / den, dtype=np.float64)


def sigma_recoil(  # noqa: PLR0917
    E1: float,
    m1: float,
    m2: float,
    m_Ap: float,
    eps: float,
    alpha_D: float,
    E_R_min: float = 0.0,
    E_R_max: float = math.inf,
    coupling: float = 1.0,
) -> float:
    """Cross section [GeV^-2] with the recoil kinetic energy in [E_R_min, E_R_max] (the analysis' cuts) intersected
    with :func:`recoil_range`; 0 below threshold or for an empty window. 96-point Gauss-Legendre in the variable
    F that makes the propagator 1/(m_A'^2 + 2 m_e E_R)^2 the measure (the rest of the integrand is a polynomial)."""
    _check_masses(m1, m2, m_Ap)
    if not (E_R_min >= 0.0 and E_R_max > E_R_min):
        raise ParameterError("E_R_min/E_R_max", (E_R_min, E_R_max), "0 <= E_R_min < E_R_max [GeV]")
    if upscatter_threshold(m1, m2) > E1:
        return 0.0
    lo, hi = recoil_range(E1, m1, m2)
    a, b = max(lo, E_R_min), min(hi, E_R_max)
    if not b > a:
        return 0.0
    # F in [0, 1] = the fraction of Int dE_R / D(E_R)^2 below E_R, D = m_A'^2 + 2 m_e E_R (the propagator): with
    # c = 2 m_e (b - a), E_R - a = (b - a) D(a) F / (D(a) + c (1 - F)) and dE_R/dF = (b - a) D(a) (D(a) + c) /
    # (D(a) + c (1 - F))^2, written without cancellations at any m_A'^2 / (2 m_e E_R)
    d_a = m_Ap * m_Ap + 2.0 * m_e * a
    c = 2.0 * m_e * (b - a)
    F = 0.5 * (_GL_X + 1.0)
    den = d_a + c * (1.0 - F)
    er = np.minimum(a + (b - a) * d_a * F / den, b)
    jac = (b - a) * d_a * (d_a + c) / (den * den)
    f = dsigma_dER(E1, er, m1, m2, m_Ap, eps, alpha_D, coupling) * jac
    return float(0.5 * np.sum(_GL_W * f))


# ------------------------------------------------------------------------------------------------ chi flux and signal
@dataclass(frozen=True)
class ChiFluxSample:
    """chi1 from A' -> chi1 chi2 in an electron dump that hit the detector face (straight lines from the production
    point), at one mass point: energies ``E1`` [GeV] and weights (A' per EOT at eps = 1 times the card's efficiency).

    Only chi1 made directly in the A' decay are counted (chi1 from chi2 decays in flight, and chi2 that reach the
    detector, would add signal: the scattering count is conservative).
    """

    masses: tuple[float, float, float]
    E1: FloatArray
    weight: FloatArray
    n_on_target: float
    meta: dict[str, Any] = field(default_factory=dict)


def chi_flux_sample(
    card: DumpCard,
    masses: tuple[float, float, float],
    seed: np.random.SeedSequence | int = 0,
    n_primaries: int | None = None,
    *,
    E_min_GeV: float,
) -> ChiFluxSample:
    """The chi1 flux on ``card``'s detector face at ``masses`` = (m_A', m_chi1, m_chi2): the dump cascade's A'
    (:func:`semivis.production.simulate_ap_production`, A' above ``E_min_GeV`` > 0: a chi must carry at least the
    recoil cut, so the analysis' E_R cut is a safe choice), one isotropic A' -> chi1 chi2 decay each (as
    :func:`semivis.beamdump.inelastic_sample`), chi1 kept when its line reaches the face. Seeded, bit-reproducible."""
    m_ap, m1, m2 = (float(v) for v in masses)
    if card.particle != "e-":
        raise ParameterError("card", card.name, "an electron-dump card for the chi flux")
    if not m_ap > m1 + m2:
        raise ParameterError("masses", masses, "m_A' > m_chi1 + m_chi2 (on-shell A' -> chi1 chi2)")
    if not (math.isfinite(E_min_GeV) and 0.0 < E_min_GeV < card.energy_GeV):
        raise ParameterError("E_min_GeV", E_min_GeV, f"0 < E_min < the beam energy {card.energy_GeV:g} GeV")
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    ss_prod, ss_dec = ss.spawn(2)
    n_prim = card.n_primaries if n_primaries is None else int(n_primaries)
    ap = dump_ap_production(card, m_ap, n_prim, ss_prod, float(E_min_GeV))
    rng = np.random.default_rng(ss_dec)
    n = len(ap)
    beta_ap = ap_velocity(ap, m_ap)
    q = _two_body(m_ap, m1, m2)
    k1 = _iso(n, q, rng)  # chi1 direction, isotropic in the A' frame
    chi1 = boost(np.column_stack([np.full(n, math.hypot(q, m1)), k1]), beta_ap)
    pz = chi1[:, 3]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(pz > 0, (card.detector_z_m - ap.z) / pz, np.nan)
    hit = (pz > 0) & card.on_face(chi1[:, 1] * np.nan_to_num(scale), chi1[:, 2] * np.nan_to_num(scale))
    return ChiFluxSample(
        masses=(m_ap, m1, m2),
        E1=np.ascontiguousarray(chi1[hit, 0]),
        weight=np.ascontiguousarray(ap.weight[hit]) * card.efficiency,
        n_on_target=card.n_on_target,
        meta={"card": card.name, "n_primaries": n_prim, "n_ap": n, "semivis_version": __version__},
    )


def scattering_n_signal(  # noqa: PLR0917
    flux: ChiFluxSample,
    kind: str,
    transition: str,
    eps: float,
    alpha_D: float,
    theta: float | None,
    *,
    electron_density_m3: float,
    depth_m: float,
    E_R_min: float,
    E_R_max: float = math.inf,
) -> float:
    """Expected chi1 e- scatterings in the detector: N = N_e eps^2 BR(A' -> chi1 chi2) Sum_i w_i n_e L
    sigma(E_i; E_R in [E_R_min, E_R_max]) for ``transition`` ``"11"`` (elastic) or ``"12"`` (upscattering), thin
    detector (n_e L sigma << 1). The detector's electron density [m^-3], depth [m] and the recoil cuts are the
    analysis' numbers (no defaults: not sourced here). sigma is tabulated on 160 log-spaced energies and
    interpolated in (ln E, ln sigma)."""
    if transition not in ("11", "12"):
        raise ParameterError("transition", transition, "11 (chi1 e -> chi1 e) or 12 (chi1 e -> chi2 e)")
    for name, v in (("electron_density_m3", electron_density_m3), ("depth_m", depth_m)):
        if not (math.isfinite(v) and v > 0.0):
            raise ParameterError(name, v, "a finite number > 0")
    m_ap, m1, m2 = flux.masses
    c2 = coupling_factor(kind, transition, theta)
    if c2 == 0.0 or flux.E1.size == 0:
        return 0.0
    m_out = m1 if transition == "11" else m2
    e_lo = max(upscatter_threshold(m1, m_out), m1 * (1.0 + 1e-9))
    e_hi = float(flux.E1.max())
    if not e_hi > e_lo:
        return 0.0
    grid = np.geomspace(e_lo, e_hi, 160)
    sig = np.array([sigma_recoil(float(e), m1, m_out, m_ap, eps, alpha_D, E_R_min, E_R_max, c2) for e in grid])
    pos = sig > 0
    if not pos.any():
        return 0.0
    lg = np.log(grid[pos])
    ls = np.log(sig[pos])
    e = flux.E1
    s_i = np.where(
        (e >= grid[pos][0]) & (e <= grid[pos][-1]),
        np.exp(np.interp(np.log(np.clip(e, grid[pos][0], grid[pos][-1])), lg, ls)),
        0.0,
    )
    model = make_model(kind, m_Ap=m_ap, eps=eps, alpha_D=alpha_D, m_chi1=m1, delta=m2 / m1 - 1.0, theta=theta)
    br = float(np.asarray(model.branching_ratios()["chi1chi2"]).reshape(-1)[0])
    n_l = electron_density_m3 * depth_m * GeV2_to_cm2 * 1e-4  # n_e L sigma with sigma [GeV^-2] -> [m^2]
    return float(flux.n_on_target * eps * eps * br * n_l * np.sum(flux.weight * s_i))
