"""Anomalous magnetic moments: the one-loop dark-photon contribution and the (g-2) bands / bounds.

One loop (Pospelov, PRD 80 (2009) 095002, Eq. 3; physics.md section 7)::

    Delta a_l = alpha eps^2/(2 pi) Int_0^1 dz 2 m_l^2 z (1-z)^2 / (m_l^2 (1-z)^2 + m_A'^2 z)

with limits alpha eps^2/(2 pi) for m_A' << m_l and alpha eps^2 m_l^2/(3 pi m_A'^2) for m_A' >> m_l.
The integral is done with 48-point Gauss-Legendre panels in ln z (the integrand peaks at z ~ m_l^2/m_A'^2).

Bands on Delta a_mu = a_mu(exp) - a_mu(SM):

* ``fnal2021``: (251 +- 59)e-11, FNAL Run 1 + BNL world average vs the 2020 White Paper (Abi et al., PRL 126
  (2021) 141801; Aoyama et al., Phys. Rept. 887 (2020) 1); the band used by both NA64 papers.
* ``bnl2006``: (279 +- 76)e-11, BNL E821 alone (Bennett et al., PRD 73 (2006) 072003) vs WP2020; the outer
  band of EPJC 2023 Fig. 3.
* ``wp2025``: (38 +- 63)e-11, final FNAL result vs the 2025 White Paper (lattice HVP; Aliberti et al.,
  arXiv:2505.21476): no favoured band, only an upper limit on a positive contribution.

Electron: Delta a_e = a_e(exp, Hanneke et al. PRL 100 (2008) 120801) - a_e(SM), whose SM value depends on the
fine-structure constant: Cs 2018 (Parker et al., Science 360 (2018) 191): Delta a_e = (-88 +- 36)e-14;
Rb 2020 (Morel et al., Nature 588 (2020) 61): Delta a_e = (+48 +- 30)e-14. The A' contribution is positive, so
the bound is Delta a_e(A') < max(Delta a_e, 0) + n sigma (the negative Cs central value is not credited to the
A', which would otherwise exclude every eps).

>>> from semivis.constants import alpha
>>> import math
>>> round(float(delta_a_lepton(1e-6, 0.105, 1.0) / (alpha / (2 * math.pi))), 6)
1.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq
from scipy.special import roots_legendre

from semivis._validation import check_range
from semivis.constants import alpha, m_e, m_mu
from semivis.errors import ParameterError

__all__ = [
    "AE_INPUTS",
    "G2_AMU_MAX",
    "G2_BANDS",
    "G2_NSIGMA_MAX",
    "G2Band",
    "delta_a_e",
    "delta_a_lepton",
    "delta_a_mu",
    "eps_electron_g2_max",
    "g2_band",
    "g2_eps",
    "g2_m_Ap_max",
]

#: largest |Delta a| and sigma of a custom band. Measured discrepancies and their errors are ~1e-9 (a_mu, FNAL 2021:
#: (251 +- 59)e-11) or smaller (a_e); 1e-6 is a thousand times that, and keeps central + nsigma sigma far below
#: alpha/(2 pi) = 1.2e-3, the eps = 1 value of Delta a at m_A' -> 0, so the band is reachable at small m_A'.
G2_AMU_MAX = 1e-6
#: largest band width in standard deviations (a Gaussian band beyond 100 sigma states nothing; keeps the band
#: edge central + nsigma sigma finite and below alpha/(2 pi) with sigma <= G2_AMU_MAX)
G2_NSIGMA_MAX = 100.0

_X, _W = roots_legendre(48)
_LNZ_EDGES = np.linspace(-46.0, 0.0, 24)  # z from 1e-20 to 1


def delta_a_lepton(m_Ap: ArrayLike, m_l: float, eps: ArrayLike) -> NDArray[np.float64]:
    """One-loop Delta a_l from a dark photon of mass m_Ap and mixing eps (Pospelov 2009, Eq. 3).

    >>> round(float(delta_a_lepton(100.0, 0.105, 1.0) / (alpha * 0.105**2 / (3 * math.pi * 100.0**2))), 4)
    1.0
    """
    mA = check_range("m_Ap", m_Ap, 0.0, low_inclusive=True)
    e = np.asarray(eps, dtype=np.float64)
    a, b = _LNZ_EDGES[:-1], _LNZ_EDGES[1:]
    lnz = (0.5 * (a + b))[:, None] + (0.5 * (b - a))[:, None] * _X[None, :]
    w = ((0.5 * (b - a))[:, None] * _W[None, :]).ravel()
    z = np.exp(lnz.ravel())
    r2 = (mA[..., None] / m_l) ** 2
    f = 2.0 * z * (1 - z) ** 2 / ((1 - z) ** 2 + r2 * z)
    integral = np.sum(f * z * w, axis=-1)  # dz = z dlnz
    return np.asarray(alpha * e**2 / (2 * math.pi) * integral, dtype=np.float64)


def delta_a_mu(m_Ap: ArrayLike, eps: ArrayLike) -> NDArray[np.float64]:
    """Delta a_mu from the dark photon (Pospelov 2009)."""
    return delta_a_lepton(m_Ap, m_mu, eps)


def delta_a_e(m_Ap: ArrayLike, eps: ArrayLike) -> NDArray[np.float64]:
    """Delta a_e from the dark photon (Pospelov 2009)."""
    return delta_a_lepton(m_Ap, m_e, eps)


@dataclass(frozen=True)
class G2Band:
    """A measured Delta a_l = central +- sigma, with its source; ``upper_limit_only`` when no band is favoured."""

    name: str
    central: float
    sigma: float
    source: str
    upper_limit_only: bool = False
    lepton: Literal["mu", "e"] = "mu"


G2_BANDS: dict[str, G2Band] = {
    "fnal2021": G2Band(
        "fnal2021",
        251e-11,
        59e-11,
        "FNAL Run 1 + BNL average vs WP2020: Abi et al., PRL 126 (2021) 141801; Aoyama et al., Phys. Rept. 887 "
        "(2020) 1 (the NA64 papers' band)",
    ),
    "bnl2006": G2Band(
        "bnl2006",
        279e-11,
        76e-11,
        "BNL E821 vs WP2020: Bennett et al., PRD 73 (2006) 072003 (outer band of EPJC 2023 Fig. 3)",
    ),
    "wp2025": G2Band(
        "wp2025",
        38e-11,
        63e-11,
        "final FNAL (2025) vs White Paper 2025 (lattice HVP), arXiv:2505.21476: no favoured band, upper limit",
        upper_limit_only=True,
    ),
}

#: electron g-2 inputs by fine-structure-constant measurement
AE_INPUTS: dict[str, G2Band] = {
    "cs2018": G2Band(
        "cs2018",
        -88e-14,
        36e-14,
        "alpha from Cs, Parker et al., Science 360 (2018) 191; a_e from Hanneke et al. 2008",
        upper_limit_only=True,
        lepton="e",
    ),
    "rb2020": G2Band(
        "rb2020",
        48e-14,
        30e-14,
        "alpha from Rb, Morel et al., Nature 588 (2020) 61; a_e from Hanneke et al. 2008",
        upper_limit_only=True,
        lepton="e",
    ),
}


def g2_band(name: str | None = None, *, central: float | None = None, sigma: float | None = None) -> G2Band:
    """A named band from :data:`G2_BANDS` or a custom one (``central``, ``sigma`` in units of a_mu).

    >>> g2_band("fnal2021").central
    2.51e-09
    >>> g2_band(central=1e-9, sigma=2e-10).name
    'custom'
    >>> g2_band(" FNAL2021 ").name  # case-insensitive, as the g2:<band>:<edge> rules
    'fnal2021'
    """
    if name is not None:
        key = name.strip().lower() if isinstance(name, str) else name
        if key not in G2_BANDS:
            raise ParameterError("band", name, "one of " + ", ".join(sorted(G2_BANDS)))
        return G2_BANDS[key]
    if central is None or sigma is None:
        raise ParameterError("band", None, "a band name or both delta_amu and sigma_amu")
    why = "a (g-2) discrepancy and its error are ~1e-9 (FNAL 2021: (251 +- 59)e-11); 1e-6 is a thousand times that"
    check_range("sigma_amu", sigma, 0.0, G2_AMU_MAX, high_inclusive=True, reason=why)
    check_range("delta_amu", central, -G2_AMU_MAX, G2_AMU_MAX, low_inclusive=True, high_inclusive=True, reason=why)
    return G2Band("custom", float(central), float(sigma), "user input", upper_limit_only=False)


def g2_eps(m_Ap: ArrayLike, band: G2Band, nsigma: float = 2.0) -> dict[str, NDArray[np.float64]]:
    """eps explaining the band at n sigma: ``eps_central``, ``eps_low``, ``eps_high``; or ``eps_max`` for a limit.

    Delta a is exactly proportional to eps^2, so eps = sqrt(Delta a / Delta a(eps = 1)). A band whose lower
    edge central - n sigma is <= 0 (or a band flagged ``upper_limit_only``) yields only ``eps_max`` from
    central + n sigma.

    >>> out = g2_eps(0.1, g2_band("fnal2021"))
    >>> 1e-3 < float(out["eps_low"]) < float(out["eps_central"]) < float(out["eps_high"]) < 1e-2
    True
    """
    check_range("nsigma", nsigma, 0.0, G2_NSIGMA_MAX, high_inclusive=True)
    m_l = m_mu if band.lepton == "mu" else m_e
    unit = delta_a_lepton(m_Ap, m_l, 1.0)
    lo = band.central - nsigma * band.sigma
    hi = band.central + nsigma * band.sigma
    if hi <= 0:
        raise ParameterError("nsigma", nsigma, f"a value with central + nsigma*sigma > 0 for band {band.name}")
    if band.upper_limit_only or lo <= 0:
        return {"eps_max": np.sqrt(hi / unit)}
    return {
        "eps_central": np.sqrt(band.central / unit),
        "eps_low": np.sqrt(lo / unit),
        "eps_high": np.sqrt(hi / unit),
    }


def g2_m_Ap_max(band: G2Band, nsigma: float = 2.0) -> float:
    """Largest m_A' [GeV] at which every eps of :func:`g2_eps` (band, nsigma) stays below 1 (kinetic mixing < 1).

    eps^2 = Delta a / Delta a(eps = 1) grows with m_A' (as m_A'^2 for m_A' >> m_l, Pospelov 2009 Eq. 3:
    Delta a(eps = 1) -> alpha m_l^2/(3 pi m_A'^2)); the largest eps is that of central + nsigma sigma. Solved
    in ln m_A' from that heavy-mass limit (about 48 GeV for fnal2021 at 2 sigma).

    >>> m = g2_m_Ap_max(g2_band("fnal2021"))
    >>> 40 < m < 60, round(float(g2_eps(m, g2_band("fnal2021"))["eps_high"]), 6)
    (True, 1.0)
    """
    check_range("nsigma", nsigma, 0.0, G2_NSIGMA_MAX, high_inclusive=True)
    hi = band.central + nsigma * band.sigma
    if hi <= 0:
        raise ParameterError("nsigma", nsigma, f"a value with central + nsigma*sigma > 0 for band {band.name}")
    m_l = m_mu if band.lepton == "mu" else m_e
    heavy = math.log(m_l * math.sqrt(alpha / (3.0 * math.pi * hi)))

    def ln_eps2(ln_m: float) -> float:
        return math.log(hi / float(delta_a_lepton(math.exp(ln_m), m_l, 1.0)))

    lo_m, hi_m = min(heavy, math.log(m_l)) - 5.0, heavy + 1.0
    if ln_eps2(lo_m) >= 0.0:  # the band needs eps >= 1 at every mass (Delta a >= alpha/(2 pi))
        return 0.0
    return float(math.exp(brentq(ln_eps2, lo_m, hi_m, xtol=1e-12)))


def eps_electron_g2_max(m_Ap: ArrayLike, alpha_input: str = "rb2020", nsigma: float = 2.0) -> NDArray[np.float64]:
    """Upper limit on eps from the electron g-2: Delta a_e(A') < max(Delta a_e, 0) + n sigma.

    ``alpha_input``: ``"rb2020"`` (default; Morel et al. 2020) or ``"cs2018"`` (Parker et al. 2018).

    >>> e_rb, e_cs = eps_electron_g2_max(0.1, "rb2020"), eps_electron_g2_max(0.1, "cs2018")
    >>> bool(e_cs < e_rb)
    True
    """
    if alpha_input not in AE_INPUTS:
        raise ParameterError("alpha_input", alpha_input, "one of " + ", ".join(sorted(AE_INPUTS)))
    band = AE_INPUTS[alpha_input]
    check_range("nsigma", nsigma, 0.0, G2_NSIGMA_MAX, high_inclusive=True)
    limit = max(band.central, 0.0) + nsigma * band.sigma
    return np.asarray(np.sqrt(limit / delta_a_lepton(m_Ap, m_e, 1.0)), dtype=np.float64)
