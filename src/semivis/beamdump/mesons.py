"""Light neutral mesons from high-energy protons on a thick dump, and their radiative decays M -> gamma A'.

Method (docs/physics/constraints.md, "Proton dumps"):

* **Charged-pion spectra**: the BMPT parametrisation of Bonesini, Marchionni, Pietropaolo, Tabarelli de Fatis,
  Eur. Phys. J. C 20 (2001) 13 (fit to the NA20/SPY p-Be data at 400-450 GeV), Eq. (3), read as the invariant
  cross section on beryllium [mb/GeV^2]::

      E d3sigma/dp3 = A (1 - x_R)^alpha (1 + B x_R) x_R^-beta (1 + a'(x_R) pT + b'(x_R) pT^2) exp(-a'(x_R) pT),
      a'(x_R) = a / x_R^gamma,   b'(x_R) = a^2 / (2 x_R^delta),

  x_R = E*/E*_max the radial-scaling variable (E* the pion energy in the nucleon-nucleon centre-of-mass frame,
  E*_max its kinematic maximum with a two-nucleon recoil), forward hemisphere. The reading as an invariant cross
  section is that of BdNMC (deNiverville et al., the code of the Tsai et al. 2021 recasts, ``src/BMPT_dist.cpp``,
  same parameter values), and it gives 2.1 forward pi0 per 400 GeV p-Be interaction, the NA27 multiplicity
  (:data:`ETA_OVER_PI0`'s source: 3.87 pi0 per pp collision, half forward, x 1.2-1.5 for Be); read as
  d2n/(dx_R dpT^2) per interacting proton the same numbers would give 7.6 (tests/test_beamdump_proton.py).
  pi-: the pi+/pi- ratio of the same paper, r(x_R) = r0 (1 + x_R)^r1. Radial scaling carries the fit to the CHARM
  (400 GeV) and NuCal (70 GeV) beams (BMPT's scaling hypothesis; at 70 GeV an extrapolation).
* **Target mass**: sigma_A = sigma_Be (A / 9)^alpha(x_F, pT) for the invariant cross section, alpha(x_F, pT) =
  (0.74 - 0.55 x_F + 0.26 x_F^2)(0.98 + 0.21 pT^2) (Barton et al., Phys. Rev. D 27 (1983) 2580, the form used by
  BMPT); mesons per interacting proton: sigma_A / sigma_inel(A), sigma_inel = A / (N_A lambda_I) with the PDG
  nuclear interaction length lambda_I of the dump.
* **pi0**: (pi+ + pi-)/2 (isospin; the assumption of the brief and of the dump recasts). **eta**: the pi0 spectrum
  at the same (x_R, pT) times the inclusive ratio <n_eta>/<n_pi0> (:data:`ETA_OVER_PI0`).
* **Decay**: BR(M -> gamma A') = 2 eps^2 BR(M -> gamma gamma) (1 - m_A'^2/m_M^2)^3 (Batell, Pospelov, Ritz,
  Phys. Rev. D 80 (2009) 095024, Eq. (9)); A' isotropic in the meson rest frame with momentum
  (m_M^2 - m_A'^2)/(2 m_M), boosted to the lab (two-body decay of a spin-0 meson).

>>> round(float(br_meson_to_gamma_ap("pi0", 0.0)), 5)  # 2 BR(pi0 -> gamma gamma)
1.97646
>>> float(br_meson_to_gamma_ap("eta", MESONS["eta"].mass))
0.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis.constants import N_avogadro, m_p, mb_to_cm2
from semivis.errors import ParameterError
from semivis.models.kinematics import boost_from_rest_frame

__all__ = [
    "BMPT_PI_PLUS",
    "BMPT_PI_RATIO",
    "ETA_OVER_PI0",
    "MESONS",
    "Meson",
    "barton_alpha",
    "bmpt_pi_plus",
    "br_meson_to_gamma_ap",
    "meson_invariant",
    "sample_meson_ap",
    "sigma_inel_mb",
]


@dataclass(frozen=True)
class Meson:
    """A neutral pseudoscalar meson: mass [GeV], BR(M -> gamma gamma), the sources of both."""

    name: str
    mass: float
    br_gg: float
    source: str


#: PDG 2022 (R. L. Workman et al., PTEP 2022 083C01): masses and two-photon branching ratios.
MESONS: dict[str, Meson] = {
    "pi0": Meson("pi0", 0.1349768, 0.98823, "PDG 2022: m_pi0 = 134.9768 MeV, BR(gamma gamma) = 98.823 %"),
    "eta": Meson("eta", 0.547862, 0.3936, "PDG 2022: m_eta = 547.862 MeV, BR(gamma gamma) = 39.36 %"),
}

#: BMPT pi+ parameters (A, B, alpha, beta, a [1/GeV], gamma, delta): Bonesini et al. EPJC 20 (2001) 13, fit table.
BMPT_PI_PLUS: dict[str, float] = {
    "A": 62.3,
    "B": 1.57,
    "alpha": 3.45,
    "beta": 0.517,
    "a": 6.10,
    "gamma": 0.153,
    "delta": 0.478,
}
#: BMPT pi+/pi- ratio r(x_R) = r0 (1 + x_R)^r1: Bonesini et al. EPJC 20 (2001) 13.
BMPT_PI_RATIO: dict[str, float] = {"r0": 1.05, "r1": 2.65}
#: Inclusive <n_eta>/<n_pi0> in 400 GeV pp collisions: NA27 (LEBC-EHS), M. Aguilar-Benitez et al., Z. Phys. C 50
#: (1991) 405: <n_pi0> = 3.87, <n_eta> = 0.30.
ETA_OVER_PI0 = 0.30 / 3.87
#: PDG nuclear interaction length of beryllium [g/cm^2] (the BMPT target) and its molar mass.
LAMBDA_I_BE_G_CM2 = 77.8
A_BE = 9.012


def br_meson_to_gamma_ap(meson: str, m_Ap: ArrayLike, eps: ArrayLike = 1.0) -> NDArray[np.float64]:
    """BR(M -> gamma A') = 2 eps^2 BR(M -> gamma gamma) (1 - m_A'^2/m_M^2)^3 (Batell, Pospelov, Ritz PRD 80 (2009)
    095024, Eq. (9)); zero at and above m_M."""
    if meson not in MESONS:
        raise ParameterError("meson", meson, ", ".join(MESONS))
    M = MESONS[meson]
    m = np.asarray(m_Ap, dtype=np.float64)
    r = np.clip(1.0 - m * m / (M.mass * M.mass), 0.0, None)  # closed channel: zero, not negative
    return np.asarray(2.0 * np.asarray(eps, dtype=np.float64) ** 2 * M.br_gg * r**3, dtype=np.float64)


def bmpt_pi_plus(x_R: ArrayLike, pT: ArrayLike) -> NDArray[np.float64]:
    """Invariant cross section E d3sigma/dp3 of p Be -> pi+ X [mb/GeV^2] (BMPT Eq. (3), module docstring)."""
    x = np.asarray(x_R, dtype=np.float64)
    p = np.asarray(pT, dtype=np.float64)
    c = BMPT_PI_PLUS
    inside = (x > 0.0) & (x < 1.0) & (p >= 0.0)
    xs = np.where(inside, x, 0.5)
    ap = c["a"] / xs ** c["gamma"]
    bp = c["a"] ** 2 / (2.0 * xs ** c["delta"])
    val = (
        c["A"]
        * (1.0 - xs) ** c["alpha"]
        * (1.0 + c["B"] * xs)
        * xs ** (-c["beta"])
        * (1.0 + ap * p + bp * p * p)
        * np.exp(-ap * p)
    )
    return np.asarray(np.where(inside, val, 0.0), dtype=np.float64)


def meson_invariant(meson: str, x_R: ArrayLike, pT: ArrayLike) -> NDArray[np.float64]:
    """E d3sigma/dp3 on Be [mb/GeV^2] of pi0 = (pi+ + pi-)/2 (pi- = pi+/r(x_R)) or eta = ETA_OVER_PI0 x pi0."""
    if meson not in MESONS:
        raise ParameterError("meson", meson, ", ".join(MESONS))
    x = np.asarray(x_R, dtype=np.float64)
    r = BMPT_PI_RATIO["r0"] * (1.0 + x) ** BMPT_PI_RATIO["r1"]
    pi0 = 0.5 * bmpt_pi_plus(x, pT) * (1.0 + 1.0 / r)
    return np.asarray(pi0 * (ETA_OVER_PI0 if meson == "eta" else 1.0), dtype=np.float64)


def barton_alpha(x_F: ArrayLike, pT: ArrayLike) -> NDArray[np.float64]:
    """alpha(x_F, pT) = (0.74 - 0.55 x_F + 0.26 x_F^2)(0.98 + 0.21 pT^2) (Barton et al. PRD 27 (1983) 2580)."""
    xf = np.asarray(x_F, dtype=np.float64)
    p = np.asarray(pT, dtype=np.float64)
    return np.asarray((0.74 - 0.55 * xf + 0.26 * xf * xf) * (0.98 + 0.21 * p * p), dtype=np.float64)


def _cm(E_beam: float) -> tuple[float, float, float]:
    """sqrt(s), gamma and gamma*beta of the nucleon-nucleon centre-of-mass frame for a proton of energy E_beam."""
    s = 2.0 * m_p * m_p + 2.0 * m_p * E_beam
    rs = math.sqrt(s)
    p_b = math.sqrt(max(E_beam * E_beam - m_p * m_p, 0.0))
    return rs, (E_beam + m_p) / rs, p_b / rs


def sigma_inel_mb(target_A: float, lambda_I_g_cm2: float) -> float:
    """Inelastic proton-nucleus cross section [mb] from the nuclear interaction length: A / (N_A lambda_I) (PDG)."""
    return target_A / (N_avogadro * lambda_I_g_cm2) / mb_to_cm2


def sample_meson_ap(  # noqa: PLR0917
    meson: str,
    m_Ap: float,
    E_beam: float,
    target_A: float,
    lambda_I_g_cm2: float,
    n: int,
    rng: np.random.Generator,
    E_min: float = 0.0,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Weighted A' from M -> gamma A' per proton interacting in a target of mass number ``target_A``.

    Returns (four-momenta (n, 4) of the A' in the lab [GeV], weight = A' per interacting proton at eps = 1,
    four-momenta (n, 4) of the parent mesons in the lab). Importance sampling in the meson's centre-of-mass
    rapidity y* (uniform over the forward hemisphere, 0 < y* < y*_max at x_R = 1) and pT (density
    pT exp(-pT/0.2 GeV)): d2n/(dy* dpT^2) = pi (E d3sigma/dp3)_A / sigma_inel(A) (dp_L/E = dy), so the weight is
    pi x invariant cross section x (A/9)^alpha / sigma_inel(A) x BR / pdf / n; draws with x_R >= 1 carry weight 0.
    ``E_min`` [GeV] drops mesons below it (an A' cannot carry more than its parent's energy).
    """
    M = MESONS[meson].mass
    if not (m_Ap < M and n > 0):
        return np.zeros((0, 4)), np.zeros(0), np.zeros((0, 4))
    rs, _, bg_cm = _cm(E_beam)
    y_cm = math.asinh(bg_cm)
    e_star_max = (rs * rs + M * M - 4.0 * m_p * m_p) / (2.0 * rs)
    p_star_max = math.sqrt(e_star_max**2 - M * M)
    y_max = math.acosh(e_star_max / M)
    ys = y_max * rng.random(n)
    p0 = 0.2
    pT = rng.gamma(2.0, p0, n)
    pdf = np.exp(-pT / p0) / (2.0 * p0 * p0) / y_max
    mT = np.sqrt(pT * pT + M * M)
    e_star = mT * np.cosh(ys)
    x = e_star / e_star_max
    ok = x < 1.0
    x_F = mT * np.sinh(ys) / p_star_max
    nuc = (target_A / A_BE) ** barton_alpha(x_F, pT) / sigma_inel_mb(target_A, lambda_I_g_cm2)
    br = float(br_meson_to_gamma_ap(meson, m_Ap))
    inv = meson_invariant(meson, np.where(ok, x, 0.5), pT)
    E_lab = mT * np.cosh(ys + y_cm)
    ok &= E_lab >= E_min
    w = np.where(ok, math.pi * inv * nuc / pdf, 0.0) * br / n
    # meson four-momentum in the lab (boost along the beam: rapidities add)
    phi = 2.0 * math.pi * rng.random(n)
    pz = mT * np.sinh(ys + y_cm)
    mes = np.column_stack([E_lab, pT * np.cos(phi), pT * np.sin(phi), pz])
    # M -> gamma A': isotropic in the meson rest frame
    q = (M * M - m_Ap * m_Ap) / (2.0 * M)
    cos = 2.0 * rng.random(n) - 1.0
    ph = 2.0 * math.pi * rng.random(n)
    sin = np.sqrt(1.0 - cos * cos)
    rest = np.column_stack([np.full(n, math.hypot(q, m_Ap)), q * sin * np.cos(ph), q * sin * np.sin(ph), q * cos])
    lab = boost_from_rest_frame(rest, mes)
    return lab, np.asarray(w, dtype=np.float64), mes
