"""Muon dark bremsstrahlung mu N -> mu N A' on nuclei (NA64mu; issue 15, docs/beams.md).

Two forms, per atom at eps = 1 in GeV^-2, coherent (nucleus, Tsai's elastic G2) plus incoherent (quasi-free protons,
Tsai's inelastic G2_in) as for electrons (docs/physics/production.md):

* **Exact tree level** (reference): the 2 -> 3 amplitude and kinematics of ``darkbrem_etl`` (Liu, Miller et al.,
  PRD 95 (2017) 016004, arXiv:1609.06781, App. A) evaluated with the muon mass: ``darkbrem_etl.etl_dsigma_dx``
  takes the radiating lepton's mass (``m_lepton``); nothing of it is rewritten here.
* **Weizsaecker-Williams** (``etl=False``): BEST PRD 80 (2009) 075018 Eq. A12 with the angle-dependent
  t_min = (U/(2 E0 (1-x)))^2, U = E0^2 x theta^2 + m^2 (1-x)/x + m_mu^2 x, flux chi with t_max = m_A'^2
  (``darkbrem.ww_dsigma_dx`` with ``m_lepton = m_mu``). Validated against the exact tree level for 160 GeV muons on
  lead: totals within the accuracy stated in ``tests/test_beams_muon.py`` (docs/beams.md).

x = E_A'/E0 ranges over m_A'/E0 < x < 1 - m_mu/E0.

The muon does not shower: :func:`muon_missing_momentum_yield` follows it through the target with its mean
ionisation loss and integrates the emission along its path, with NA64mu's missing-momentum cut on the outgoing muon.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis._validation import check_range
from semivis.constants import hbar_c_GeV_m, m_mu
from semivis.errors import ParameterError
from semivis.production.cascade import ApSample
from semivis.production.darkbrem import check_production_mass, photon_flux_table, ww_dsigma_dx
from semivis.production.darkbrem_etl import etl_dsigma_dx
from semivis.production.materials import Material, TargetSpec

__all__ = [
    "MUON_BEAMS",
    "etl_dsigma_dx_lepton",
    "muon_dark_brem_dsigma_dx",
    "muon_dark_brem_sigma",
    "muon_missing_momentum_yield",
    "simulate_muon_ap_production",
]

#: beam particles of a card that run this module (no shower) instead of the electromagnetic cascade
MUON_BEAMS: tuple[str, ...] = ("mu-", "mu+")

_N_XQ = 48  # Gauss-Legendre nodes per x panel of the total cross section


def etl_dsigma_dx_lepton(  # noqa: PLR0917
    E0: float,
    x: ArrayLike,
    m_Ap: float,
    Z: float,
    A: float,
    m_lepton: float = m_mu,
    part: str = "elastic",
    n: int = 40,
) -> NDArray[np.float64]:
    """Exact-tree-level d sigma/dx per atom (eps = 1, GeV^-2) for a lepton of mass ``m_lepton`` (default the muon).

    >>> import numpy as np
    >>> v = etl_dsigma_dx_lepton(160.0, np.array([0.5, 0.9]), 0.1, 82.0, 207.2)
    >>> bool(np.all(v > 0))
    True
    """
    ml = float(check_range("m_lepton", m_lepton, 0.0, 10.0))
    xs = np.ascontiguousarray(np.atleast_1d(np.asarray(x, dtype=np.float64)))
    return etl_dsigma_dx(float(E0), xs, float(m_Ap), float(Z), float(A), n=int(n), part=part, m_lepton=ml)


def muon_dark_brem_dsigma_dx(
    E0: float, x: ArrayLike, m_Ap: float, material: Material, *, etl: bool = True, inelastic: bool = True
) -> NDArray[np.float64]:
    """Muon dark-brem d sigma/dx per atom at eps = 1 (GeV^-2): exact tree level (default) or WW (``etl=False``).

    >>> from semivis.production.materials import load_material
    >>> pb = load_material("lead")
    >>> e, w = (float(muon_dark_brem_dsigma_dx(160.0, [0.7], 0.1, pb, etl=f)[0]) for f in (True, False))
    >>> bool(0.8 < w / e < 1.2)
    True
    """
    m = check_production_mass(m_Ap)
    E = float(check_range("E0", E0, 0.0, 1e4))
    xs = np.atleast_1d(np.asarray(x, dtype=np.float64))
    ok = (xs * E > m) & (xs < 1.0 - m_mu / E) & (xs > 0.0)
    xg = np.where(ok, xs, 0.5)
    if etl:
        out = etl_dsigma_dx_lepton(E, xg, m, material.Z, material.A)
        if inelastic:
            out = out + etl_dsigma_dx_lepton(E, xg, m, material.Z, material.A, part="inelastic")
    else:
        lt, chi = photon_flux_table(material.Z, material.A, m, bool(inelastic))
        out = ww_dsigma_dx(E, xg, m, lt, chi, m_lepton=m_mu)
    return np.asarray(np.where(ok, out, 0.0), dtype=np.float64)


def muon_dark_brem_sigma(
    E0: float, m_Ap: float, material: Material, x_min: float = 0.0, *, etl: bool = True, inelastic: bool = True
) -> float:
    """Total muon dark-brem cross section per atom at eps = 1 (GeV^-2) for max(x_min, m_A'/E0) < x < 1 - m_mu/E0:
    Gauss-Legendre (48 points) in ln x below 1/2 and in ln(1 - x) above.

    >>> from semivis.production.materials import load_material
    >>> bool(muon_dark_brem_sigma(160.0, 0.1, load_material("lead")) > 0)
    True
    """
    m = check_production_mass(m_Ap)
    E = float(check_range("E0", E0, 0.0, 1e4))
    lo = max(float(check_range("x_min", x_min, 0.0, 1.0, low_inclusive=True)), m / E * (1.0 + 1e-9))
    hi = 1.0 - m_mu / E * (1.0 + 1e-9)
    if not hi > lo:
        return 0.0
    gx, gw = np.polynomial.legendre.leggauss(_N_XQ)
    tot = 0.0
    if lo < 0.5:
        a, b = math.log(lo), math.log(min(0.5, hi))
        h = 0.5 * (b - a)
        xs = np.exp(a + h * (gx + 1.0))
        tot += float(np.sum(gw * h * xs * muon_dark_brem_dsigma_dx(E, xs, m, material, etl=etl, inelastic=inelastic)))
    if hi > 0.5:
        a, b = math.log(1.0 - max(lo, 0.5)), math.log(1.0 - hi)
        h = 0.5 * (b - a)
        ys = np.exp(a + h * (gx + 1.0))
        f = muon_dark_brem_dsigma_dx(E, 1.0 - ys, m, material, etl=etl, inelastic=inelastic)
        tot -= float(np.sum(gw * h * ys * f))
    return tot


def muon_missing_momentum_yield(
    target: TargetSpec,
    E0: float,
    m_Ap: float,
    p_out_max_GeV: float,
    *,
    n_z: int = 4,
    ionisation: bool = True,
    etl: bool = True,
    inelastic: bool = True,
) -> float:
    """A' per muon on target at eps = 1 whose outgoing muon passes the missing-momentum cut p_out < ``p_out_max_GeV``.

    The muon does not shower; it crosses the target (length L) losing its mean ionisation energy at the target's
    dE/dx_min (``TargetSpec.ionisation_GeV_per_m``, PDG; the relativistic rise and the muon's radiative losses,
    b E rho L ~ 0.4 GeV for 160 GeV in 22 cm of lead, are neglected, both < 0.5 % of E0), E(z) = E0 - (dE/dx) z.
    An A' emitted at z leaves the muon with p_out = E(z) (1 - x) (the recoil's transverse momentum and mass,
    O(m_mu^2/E), neglected), so the cut is x > 1 - p_max/E(z):

        Y = Sum_i n_i Int_0^L dz sigma_i(E(z), x > 1 - p_max/E(z))

    (n_i the emitters' nuclear densities, ``muon_dark_brem_sigma``), Gauss-Legendre with ``n_z`` points in z. The
    muon's own energy loss after the emission does not change p_out by more than the same 0.5 %.
    Without ionisation it is n sigma(E0, x > 1 - p_max/E0) L (the simple case of tests/test_beams_muon.py).

    >>> from semivis.production import load_material
    >>> pb = TargetSpec.homogeneous(load_material("lead"), 0.01)
    >>> bool(muon_missing_momentum_yield(pb, 160.0, 0.1, 80.0, n_z=1) > 0)
    True
    """
    if not isinstance(target, TargetSpec):
        raise ParameterError("target", target, "a semivis.production.TargetSpec")
    m = check_production_mass(m_Ap)
    E = float(check_range("E0", E0, m_mu, 1e4))
    p_max = float(check_range("p_out_max_GeV", p_out_max_GeV, 0.0, E))
    if isinstance(n_z, bool) or int(n_z) < 1:
        raise ParameterError("n_z", n_z, "an integer >= 1")
    L = target.length_m
    dedx = target.ionisation_GeV_per_m if ionisation else 0.0
    if E - dedx * L <= p_max:
        raise ParameterError(
            "p_out_max_GeV", p_max, f"below the muon's energy after the target, {E - dedx * L:.4g} GeV"
        )
    emitters = target.emitters()
    if not emitters:
        raise ParameterError("target", target.name, "a target with a dark-bremsstrahlung emitter (e.g. lead)")
    gx, gw = np.polynomial.legendre.leggauss(int(n_z))
    total = 0.0
    for xi, wi in zip(gx, gw, strict=True):
        z = 0.5 * L * (xi + 1.0)
        Ez = E - dedx * z
        x_min = 1.0 - p_max / Ez
        for mat, n in emitters:
            sig = muon_dark_brem_sigma(Ez, m, mat, x_min, etl=etl, inelastic=inelastic)
            total += 0.5 * L * wi * n * sig * hbar_c_GeV_m**2
    return float(total)


_N_XTAB = 192  # x points per half of the sampling table (ln x below 1/2, ln(1 - x) above)


def _x_table(
    E: float, m: float, x_min: float, emitters: list[tuple[Material, float]], etl: bool
) -> NDArray[np.float64]:
    """Rows (x, Sum_i n_i dsigma_i/dx) on max(x_min, m/E) < x < 1 - m_mu/E, dense in ln x and ln(1 - x)."""
    lo = max(x_min, m / E * (1.0 + 1e-9))
    hi = 1.0 - m_mu / E * (1.0 + 1e-9)
    parts = []
    if lo < 0.5:
        parts.append(np.exp(np.linspace(math.log(lo), math.log(min(0.5, hi)), _N_XTAB)))
    if hi > 0.5:
        parts.append(1.0 - np.exp(np.linspace(math.log(1.0 - max(lo, 0.5)), math.log(1.0 - hi), _N_XTAB)))
    xs = np.unique(np.concatenate(parts))
    f = np.zeros_like(xs)
    for mat, n in emitters:
        f += n * muon_dark_brem_dsigma_dx(E, xs, m, mat, etl=etl)
    return np.stack([xs, f])


def simulate_muon_ap_production(  # noqa: PLR0917
    target: TargetSpec,
    beam_energy_GeV: float,
    m_Ap: float,
    n_primaries: int,
    seed: int | np.random.SeedSequence,
    p_out_max_GeV: float,
    *,
    n_z: int = 4,
    etl: bool = True,
) -> ApSample:
    """Weighted A' sample of a muon beam with the missing-momentum cut p_out < ``p_out_max_GeV`` (issue 15).

    Same contract as ``simulate_ap_production`` (an :class:`~semivis.production.ApSample`: weight = A' per muon on
    target at eps = 1, process 0 = emission by the primary): the muon does not shower, so every A' comes from the
    beam muon. ``n_primaries`` A' are drawn with equal weights Y/n, where Y is :func:`muon_missing_momentum_yield`
    (same z quadrature, so the sample's total is that yield exactly): the emission depth z uniform over the target
    (the emission rate varies with z only through the mean ionisation loss, < 0.5 % of E0), the energy fraction x
    from Sum_i n_i dsigma_i/dx at the muon energy E(z_k) of the nearest quadrature node with x > 1 - p_max/E(z_k)
    (inverse CDF of the trapezoidal table, linear within a cell), E_A' = x E(z_k). The A' is taken collinear with
    the beam (theta = 0): its typical angle, ~ max(m_A', m_mu)/E_A' <~ 0.02 rad, moves a decay vertex 20 m
    downstream by < 0.4 m, inside the HCAL aperture (ASSUMPTION of docs/beams.md).

    >>> from semivis.production import load_material
    >>> pb = TargetSpec.homogeneous(load_material("lead"), 0.01)
    >>> ap = simulate_muon_ap_production(pb, 160.0, 0.1, 100, 1, 80.0, n_z=1)
    >>> y = muon_missing_momentum_yield(pb, 160.0, 0.1, 80.0, n_z=1)
    >>> bool(ap.E.min() > 80.0), bool(abs(ap.yield_per_eot() / y - 1.0) < 1e-12)
    (True, True)
    """
    if isinstance(n_primaries, bool) or int(n_primaries) < 1:
        raise ParameterError("n_primaries", n_primaries, "an integer >= 1")
    n = int(n_primaries)
    m = check_production_mass(m_Ap)
    E0 = float(check_range("beam_energy_GeV", beam_energy_GeV, m_mu, 1e4))
    Y = muon_missing_momentum_yield(target, E0, m, p_out_max_GeV, n_z=n_z, etl=etl)
    L = target.length_m
    dedx = target.ionisation_GeV_per_m
    emitters = target.emitters()
    gx, _ = np.polynomial.legendre.leggauss(int(n_z))
    z_nodes = 0.5 * L * (gx + 1.0)
    tables = [_x_table(E0 - dedx * z, m, 1.0 - float(p_out_max_GeV) / (E0 - dedx * z), emitters, etl) for z in z_nodes]
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    rng = np.random.default_rng(ss)
    z = rng.uniform(0.0, L, n)
    node = np.abs(z[:, None] - z_nodes[None, :]).argmin(axis=1) if len(z_nodes) > 1 else np.zeros(n, dtype=np.int64)
    u = rng.uniform(0.0, 1.0, n)
    x = np.empty(n)
    for k, (xs, f) in enumerate(tables):
        sel = node == k
        cdf = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(xs))])
        x[sel] = np.interp(u[sel] * cdf[-1], cdf, xs)
    E = x * (E0 - dedx * z_nodes[node])
    meta: dict[str, Any] = {
        "beam_particle": "mu",
        "beam_energy_GeV": E0,
        "m_Ap": m,
        "n_primaries": n,
        "p_out_max_GeV": float(p_out_max_GeV),
        "n_z": int(n_z),
        "etl": bool(etl),
        "yield_per_mot": Y,
        "rel_error": 0.0,  # equal weights: the total is the quadrature yield, no MC error
        "processes": ["brem"],
    }
    zeros = np.zeros(n)
    return ApSample(E, zeros, zeros.copy(), z, np.full(n, Y / n), np.zeros(n, dtype=np.int8), m, meta)
