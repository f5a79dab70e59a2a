"""Numba kernels of the detector response: the package-internal API that ``semivis.signal`` builds on.

The Python API (cards in, named regions and arrays out) is :mod:`semivis.detector.response`; this module holds
the compiled pieces it and the signal room's segment kernels call, on flat arrays:

* the **geometry vector** ``g`` (built by :func:`semivis.detector.response.geometry_vector` from a card): every
  slot the kernels read has a name below (``G_*``); module m (0 ECAL, 1 VETO, 2..4 HCAL1..3) occupies
  ``g[G_MODULES + G_MODULE_STRIDE m + {G_Z_START, G_Z_END, G_HALF_SIZE}]``, read through
  :func:`module_z_start`, :func:`module_z_end` and :func:`module_half_size`;
* the **region codes** returned by :func:`decay_deposits` (indices into :data:`REGION_NAMES`);
* the **deposit vector** ``dep`` of length :data:`N_DEP` (ECAL, VETO, HCAL1, HCAL2, HCAL3) [GeV], which the
  kernels add to;
* the **ECAL containment** P(a, b t) (PDG RPP 2022 Sect. 34.5, Eq. 34.36 integrated), exact
  (:func:`containment`) or from the table of :func:`semivis.detector.response.containment_table`
  (:func:`containment_tab`, within :data:`CONTAINMENT_TABLE_TOL`), and the table's grid (``TAB_*``);
* **NA64's cuts on the pairs** (card table ``[cuts]``, EPJC 83 (2023) 391 Sect. 3.2): a deposit vector of length
  :data:`N_OBS` also collects the pair's additive cut observables (``OBS_*``: pre-shower energy, ECAL energy outside
  the central 3x3 cells, HCAL1 central/periphery energy), which :func:`na64_cuts_pass` turns into the longitudinal,
  lateral and HCAL1-periphery cuts; the VETO's response to a leaking shower (:func:`leak_charged_particles`).

The physics model of each kernel is described in :mod:`semivis.detector.response` and
``docs/physics/detector-and-signal.md`` Sect. 4.

The small kernels called once per flight-path segment are compiled with ``inline="always"`` (numba inlines them at
its IR level into the signal room's segment loop): there an out-of-line call with array arguments costs more than
its arithmetic. Inlining them makes the response table 1.4x faster, bit for bit the same, for +15 s of one-time
compilation; inlining the transcendental ones too (``containment``, the cuts) would give 1.5x for +60 s, so they
stay out of line (docs/performance.md). The segment loops that call them, and :func:`ecal_cuts_pass`, are compiled
without numba's reference counting (:data:`semivis._jit.NO_REFCOUNT`): the inlined array parameters otherwise
cost an atomic increment and decrement each, ~58 % of a response table. Each lepton's shower shape a and
ln Gamma(a) are computed once per chi2 (:func:`shower_constants`), not per ECAL slice.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from semivis._jit import NO_REFCOUNT

__all__ = [
    "CONTAINMENT_TABLE_TOL",
    "GP_S0",
    "GP_S1",
    "GP_T0",
    "G_B",
    "G_CUT_H1",
    "G_CUT_LAT",
    "G_CUT_LONG",
    "G_EC",
    "G_ECAL_HALF",
    "G_ECAL_MAX",
    "G_ECAL_Z_END",
    "G_ECAL_Z_START",
    "G_H1_CELL_THR",
    "G_H1_CENTRE_HALF",
    "G_HALF_SIZE",
    "G_HCAL_THR",
    "G_LAT_BOUND",
    "G_LAT_HALF",
    "G_LAT_R",
    "G_LEN",
    "G_MIP",
    "G_MODULES",
    "G_MODULE_STRIDE",
    "G_PS_Z_END",
    "G_S1_HI",
    "G_S1_LO",
    "G_S1_MIN",
    "G_SETUP_END",
    "G_VETO_CHARGED",
    "G_VETO_THR",
    "G_VETO_Z_END",
    "G_X0",
    "G_Z_END",
    "G_Z_START",
    "MOD_ECAL",
    "MOD_HCAL1",
    "MOD_VETO",
    "NO_TABLE",
    "N_DEP",
    "N_MODULES",
    "N_OBS",
    "OBS_H1C",
    "OBS_H1P",
    "OBS_OUT",
    "OBS_PS",
    "REGION_BEYOND",
    "REGION_ECAL",
    "REGION_GAPS",
    "REGION_NAMES",
    "REGION_VETO",
    "TAB_A_MAX",
    "TAB_H",
    "TAB_NA",
    "TAB_NS",
    "TAB_S_MAX",
    "WIN_COLS",
    "WIN_H",
    "WIN_N",
    "WIN_Y0",
    "charged_particles_at",
    "charged_particles_at_ln",
    "containment",
    "containment_tab",
    "decay_deposits",
    "ecal_cut_constants",
    "ecal_cut_observables",
    "ecal_cuts_pass",
    "ecal_cuts_verdict",
    "ecal_depth_table",
    "ecal_depth_x",
    "ecal_pair",
    "ecal_window_table",
    "gammainc_lower_reg",
    "gammainc_lower_reg_gln",
    "hcal1_cells",
    "hcal1_cut_pass",
    "lagrange4",
    "leak_charged_particles",
    "module_half_size",
    "module_z_end",
    "module_z_start",
    "na64_cuts_pass",
    "outside_bound",
    "propagate",
    "shower_a",
    "shower_constants",
    "square_fraction",
]

# ------------------------------------------------------------------------------------------ regions
#: decay regions, in the order of the region codes 0..6 returned by :func:`decay_deposits`
REGION_NAMES: tuple[str, ...] = ("ecal", "veto", "hcal1", "hcal2", "hcal3", "gaps", "beyond")
REGION_ECAL = 0
REGION_VETO = 1
#: codes 2..4 are HCAL1..3 (equal to their module index)
REGION_GAPS = 5
REGION_BEYOND = 6
#: number of energy deposits per decay: ECAL, VETO, HCAL1, HCAL2, HCAL3 (index = module index)
N_DEP = 5

# ------------------------------------------------------------------------------------------ geometry vector
#: modules along the beam: 0 ECAL, 1 VETO, 2 HCAL1, 3 HCAL2, 4 HCAL3
N_MODULES = 5
MOD_ECAL = 0
MOD_VETO = 1
MOD_HCAL1 = 2
#: module m's slots start at G_MODULES + G_MODULE_STRIDE * m
G_MODULES = 0
G_MODULE_STRIDE = 3
#: offsets within a module's slots: z of its front face, z of its back face, half transverse size [m]
G_Z_START = 0
G_Z_END = 1
G_HALF_SIZE = 2
#: the module slots read by name
G_ECAL_Z_START = G_MODULES + G_MODULE_STRIDE * MOD_ECAL + G_Z_START
G_ECAL_Z_END = G_MODULES + G_MODULE_STRIDE * MOD_ECAL + G_Z_END
G_ECAL_HALF = G_MODULES + G_MODULE_STRIDE * MOD_ECAL + G_HALF_SIZE
G_VETO_Z_END = G_MODULES + G_MODULE_STRIDE * MOD_VETO + G_Z_END
#: the S1 decay window of EPJC 2021: from the HCAL2 front face to the HCAL3 back face
G_S1_LO = G_MODULES + G_MODULE_STRIDE * 3 + G_Z_START
G_S1_HI = G_MODULES + G_MODULE_STRIDE * 4 + G_Z_END
#: the end of the set-up (HCAL3 back face): decays after it are in region ``beyond``
G_SETUP_END = G_S1_HI
#: ECAL radiation length X0 [m], critical energy E_c [GeV], shower-profile slope b
G_X0 = G_MODULES + G_MODULE_STRIDE * N_MODULES
G_EC = G_X0 + 1
G_B = G_X0 + 2
#: VETO: MIP deposit of a charged lepton [GeV], firing threshold [GeV]
G_MIP = G_X0 + 3
G_VETO_THR = G_X0 + 4
#: selection thresholds [GeV]: ECAL energy maximum, HCAL activity threshold, S1 minimum HCAL2+3 energy
G_ECAL_MAX = G_X0 + 5
G_HCAL_THR = G_X0 + 6
G_S1_MIN = G_X0 + 7
#: z of the pre-shower's back face [m] (the first ``preshower_layers`` of the ECAL, EPJC2023 Sect. 3.1)
G_PS_Z_END = G_X0 + 8
#: NA64's ECAL/HCAL1 cuts on the pair (card table ``[cuts]``, :func:`na64_cuts_pass`); a value <= 0 switches a cut
#: off. Longitudinal: the allowed shift of the shower start, in standard deviations of the depth of an electron
#: shower's maximum (Grindhammer-Peters).
G_CUT_LONG = G_X0 + 9
#: lateral: the largest allowed fraction of the ECAL energy outside the central 3x3 cells
G_CUT_LAT = G_X0 + 10
#: half width of the central 3x3 cells [m] (1.5 cell pitches), and the core radius R_M/3 of the lateral profile [m]
G_LAT_HALF = G_X0 + 11
G_LAT_R = G_X0 + 12
#: HCAL1 periphery cut: on (1) / off (0); half width of HCAL1's central cell [m]; the cell threshold [GeV]
G_CUT_H1 = G_X0 + 13
G_H1_CENTRE_HALF = G_X0 + 14
G_H1_CELL_THR = G_X0 + 15
#: VETO response to a shower leaking out of the ECAL: 1 = its charged-particle flux at the ECAL back face
#: (:func:`leak_charged_particles`), 0 = its leaked energy capped at one MIP per lepton (the response before)
G_VETO_CHARGED = G_X0 + 16
#: length of the geometry vector
G_LEN = G_X0 + 17
#: optional slot one past the geometry vector, set by the signal kernels on an extended copy of ``g`` (length
#: G_LEN + 1): when > 0, :func:`ecal_cut_observables` adds to OBS_OUT a cheap upper bound of the ECAL energy
#: outside the central 3x3 cells (:func:`outside_bound`) instead of the exact value; the callers re-evaluate a
#: segment with the plain ``g`` whenever that bound does not already decide the lateral cut (a speed-up only:
#: the flags are those of the exact value)
G_LAT_BOUND = G_LEN

# ------------------------------------------------------------------------------------------ cut observables
#: a deposit vector may be longer than N_DEP: slots N_DEP.. then hold the pair's contributions to the cut
#: observables (all additive over leptons and over the two chi2 of an event): its pre-shower energy, its ECAL
#: energy outside the central 3x3 cells, its HCAL1 energy in the central cell and in the periphery cells [GeV]
OBS_PS = N_DEP
OBS_OUT = N_DEP + 1
OBS_H1C = N_DEP + 2
OBS_H1P = N_DEP + 3
#: length of a deposit vector with the cut observables
N_OBS = N_DEP + 4
#: Grindhammer & Peters, hep-ex/0001020, Sect. 2.1 (longitudinal profiles, homogeneous media): mean and spread
#: of ln T of an electron shower's maximum T, <ln T> = ln(ln y - GP_T0), sigma(ln T) = 1 / (GP_S0 + GP_S1 ln y),
#: y = E/E_c
GP_T0 = 0.858
GP_S0 = -1.4
GP_S1 = 1.26
#: bounds of the longitudinal cut's window ends over intervals of y = ln(E_ECAL / E_c) (:func:`ecal_window_table`):
#: interval j covers [WIN_Y0 + j WIN_H, WIN_Y0 + (j + 1) WIN_H] (WIN_Y0 above GP_T0 and the zero of
#: GP_S0 + GP_S1 y; up to E_ECAL = E_c e^11.1, ~500 GeV), columns (min, max) of the lower end, (min, max) of the
#: upper end, each from WIN_SUB + 1 exact evaluations per interval
WIN_Y0 = 1.125
WIN_H = 1.0 / 256.0
WIN_N = 2560
WIN_SUB = 8
WIN_COLS = 4


@njit(cache=True, inline="always")
def module_z_start(g: NDArray[np.float64], m: int) -> float:  # pragma: no cover - numba
    """z of module m's front face [m] (from the ECAL front face)."""
    return float(g[G_MODULES + G_MODULE_STRIDE * m + G_Z_START])


@njit(cache=True, inline="always")
def module_z_end(g: NDArray[np.float64], m: int) -> float:  # pragma: no cover - numba
    """z of module m's back face [m]."""
    return float(g[G_MODULES + G_MODULE_STRIDE * m + G_Z_END])


@njit(cache=True, inline="always")
def module_half_size(g: NDArray[np.float64], m: int) -> float:  # pragma: no cover - numba
    """Half transverse (square) size of module m [m]."""
    return float(g[G_MODULES + G_MODULE_STRIDE * m + G_HALF_SIZE])


# ------------------------------------------------------------------------------------------ containment
@njit(cache=True)
def gammainc_lower_reg(a: float, x: float) -> float:  # pragma: no cover - numba
    """Regularised lower incomplete gamma P(a, x): series for x < a+1, Lentz continued fraction otherwise
    (Numerical Recipes 3rd ed., Sect. 6.2)."""
    if x <= 0.0:
        return 0.0
    return gammainc_lower_reg_gln(a, x, math.lgamma(a))


@njit(cache=True)
def gammainc_lower_reg_gln(a: float, x: float, gln: float) -> float:  # pragma: no cover - numba
    """:func:`gammainc_lower_reg` at x > 0 given gln = ln Gamma(a) (a shower's a is fixed per lepton, so its
    ln Gamma is computed once per lepton, :func:`shower_constants`)."""
    if x < a + 1.0:
        ap = a
        s = 1.0 / a
        d = s
        for _ in range(500):
            ap += 1.0
            d *= x / ap
            s += d
            if abs(d) < abs(s) * 1e-15:
                break
        return s * math.exp(-x + a * math.log(x) - gln)
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 500):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        if abs(d) < tiny:
            d = tiny
        c = b + an / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        de = d * c
        h *= de
        if abs(de - 1.0) < 1e-15:
            break
    return 1.0 - math.exp(-x + a * math.log(x) - gln) * h


@njit(cache=True, inline="always")
def shower_a(E: float, Ec: float, b: float) -> float:  # pragma: no cover - numba
    """Shape parameter a = 1 + b (ln(E/E_c) - 0.5), at least 1, of the longitudinal gamma profile of an e+-
    shower of energy E > 0 (PDG RPP 2022 Sect. 34.5 Eq. (34.36))."""
    return max(1.0 + b * (math.log(E / Ec) - 0.5), 1.0)


@njit(cache=True, inline="always")
def shower_constants(lep: NDArray[np.float64], g: NDArray[np.float64]) -> tuple[float, float, float, float]:
    """(a+, ln Gamma(a+), a-, ln Gamma(a-)) of a pair lep = (E+, tx+, ty+, E-, tx-, ty-) (:func:`shower_a`; a = 1
    for a lepton without energy): shared by every ECAL slice of one chi2's flight path."""  # pragma: no cover
    a0 = shower_a(lep[0], g[G_EC], g[G_B]) if lep[0] > 0.0 else 1.0
    a1 = shower_a(lep[3], g[G_EC], g[G_B]) if lep[3] > 0.0 else 1.0
    return a0, math.lgamma(a0), a1, math.lgamma(a1)


@njit(cache=True)
def containment(E: float, t_rem: float, Ec: float, b: float) -> float:  # pragma: no cover - numba
    """Fraction P(a, b t_rem) of an e+- shower of energy E contained within t_rem radiation lengths.

    Longitudinal gamma profile, PDG RPP 2022 Sect. 34.5 Eq. (34.36): a = 1 + b (ln(E/E_c) - 0.5), a >= 1.
    """
    if E <= 0.0:
        return 1.0
    if t_rem <= 0.0:
        return 0.0
    return gammainc_lower_reg(shower_a(E, Ec, b), b * t_rem)


#: containment table grid: a = 1 + b (ln(E/E_c) - 0.5) in [1, TAB_A_MAX] (a uniform ln E grid above
#: E_c e^(1/2)) x s = sqrt(b t) in [0, TAB_S_MAX] (the square root makes P(a, s^2) ~ s^(2a) smooth at 0)
TAB_H = 1.0 / 64.0
TAB_A_MAX = 8.0
TAB_S_MAX = 6.5
#: table sizes: one ghost node below, two above
TAB_NA = round((TAB_A_MAX - 1.0) / TAB_H) + 4
TAB_NS = round(TAB_S_MAX / TAB_H) + 4
#: guaranteed absolute error bound of the tabulated containment (4x4 Lagrange interpolation); the measured
#: maximum is ~1e-6, near t = 0 (tests/test_detector_response.py checks < TOL / 10 on a dense set)
CONTAINMENT_TABLE_TOL = 2e-5


@njit(cache=True, inline="always")
def lagrange4(t: float) -> tuple[float, float, float, float]:  # pragma: no cover - numba
    """Cubic Lagrange weights of the nodes -1, 0, 1, 2 at 0 <= t < 1."""
    tm1 = t - 1.0
    tm2 = t - 2.0
    tp1 = t + 1.0
    return -t * tm1 * tm2 / 6.0, tp1 * tm1 * tm2 / 2.0, -tp1 * t * tm2 / 2.0, tp1 * t * tm1 / 6.0


@njit(cache=True, inline="always")
def containment_tab(  # pragma: no cover - numba
    E: float, t_rem: float, Ec: float, b: float, tab: NDArray[np.float64]
) -> float:
    """:func:`containment` from the table (4x4 Lagrange in (a, sqrt(b t))); exact outside the table.

    Absolute error < CONTAINMENT_TABLE_TOL; the result is clipped to [0, 1].
    """
    if E <= 0.0:
        return 1.0
    if t_rem <= 0.0:
        return 0.0
    a = shower_a(E, Ec, b)
    sv = math.sqrt(b * t_rem)
    if a >= TAB_A_MAX or sv >= TAB_S_MAX:
        return gammainc_lower_reg(a, b * t_rem)
    fa = (a - 1.0) / TAB_H
    ia = int(fa)
    fs = sv / TAB_H
    js = int(fs)
    wa0, wa1, wa2, wa3 = lagrange4(fa - ia)
    wb0, wb1, wb2, wb3 = lagrange4(fs - js)
    r0 = wb0 * tab[ia, js] + wb1 * tab[ia, js + 1] + wb2 * tab[ia, js + 2] + wb3 * tab[ia, js + 3]
    r1 = wb0 * tab[ia + 1, js] + wb1 * tab[ia + 1, js + 1] + wb2 * tab[ia + 1, js + 2] + wb3 * tab[ia + 1, js + 3]
    r2 = wb0 * tab[ia + 2, js] + wb1 * tab[ia + 2, js + 1] + wb2 * tab[ia + 2, js + 2] + wb3 * tab[ia + 2, js + 3]
    r3 = wb0 * tab[ia + 3, js] + wb1 * tab[ia + 3, js + 1] + wb2 * tab[ia + 3, js + 2] + wb3 * tab[ia + 3, js + 3]
    r = float(wa0 * r0 + wa1 * r1 + wa2 * r2 + wa3 * r3)
    return min(max(r, 0.0), 1.0)


@njit(cache=True)
def leak_charged_particles(E: float, t_rem: float, Ec: float, b: float) -> float:  # pragma: no cover - numba
    """Mean number of charged particles crossing the plane t_rem radiation lengths after the start of an e+-
    shower of energy E: N = (1 / E_c) dE/dt (t_rem) (Rossi's approximation B: the charged track length per
    radiation length of depth is the energy deposited per X0 over E_c, PDG RPP 2022 Sect. 34.5), with the gamma
    profile dE/dt = E b (b t)^(a-1) e^(-b t) / Gamma(a) of :func:`containment`.
    """
    if E <= 0.0 or t_rem <= 0.0:
        return 0.0
    a = shower_a(E, Ec, b)
    return charged_particles_at(E, b * t_rem, a, math.lgamma(a), Ec, b)


@njit(cache=True, inline="always")
def charged_particles_at(E: float, x: float, a: float, lga: float, Ec: float, b: float) -> float:  # noqa: PLR0917
    """:func:`leak_charged_particles` at x = b t_rem > 0 given the shower's a and lga = ln Gamma(a)."""
    return charged_particles_at_ln(E, x, math.log(x), a, lga, Ec, b)


@njit(cache=True, inline="always")
def charged_particles_at_ln(  # noqa: PLR0917
    E: float, x: float, ln_x: float, a: float, lga: float, Ec: float, b: float
) -> float:  # pragma: no cover - numba
    """:func:`charged_particles_at` given ln x as well (an ECAL slice's fixed depth: :func:`ecal_depth_table`)."""
    return E * b * math.exp((a - 1.0) * ln_x - x - lga) / Ec


@njit(cache=True, inline="always")
def ecal_depth_x(z: float, g: NDArray[np.float64]) -> float:  # pragma: no cover - numba
    """x = b t_rem: the ECAL depth left after z, t_rem = (z_ECAL_end - z) / X0, times the b of the longitudinal
    gamma profile (PDG RPP 2022 Eq. 34.36; :func:`containment`)."""
    return float(g[G_B] * ((g[G_ECAL_Z_END] - z) / g[G_X0]))


@njit(cache=True)
def ecal_depth_table(z: NDArray[np.float64], g: NDArray[np.float64]) -> NDArray[np.float64]:  # pragma: no cover
    """(n, 2): :func:`ecal_depth_x` and its log at each z (log NaN where z is at or past the ECAL end): an ECAL
    slice's fixed depth for its containment table and the charged-particle VETO term (:func:`ecal_pair`), by the
    kernels' own arithmetic, so bit for bit the values they would compute."""
    out = np.empty((z.size, 2))
    for i in range(z.size):
        x = ecal_depth_x(z[i], g)
        out[i, 0] = x
        out[i, 1] = math.log(x) if x > 0.0 else math.nan
    return out


# ------------------------------------------------------------------------------------------ NA64 cuts
@njit(cache=True)
def _corner(X: float, Y: float, R: float) -> float:  # pragma: no cover - numba
    """Fraction of the lateral profile :func:`square_fraction` inside [0, X] x [0, Y] (signed: odd in X and Y).

    Int_0^X Int_0^Y dx dy R^2 / (pi (x^2 + y^2 + R^2)^2) = (1 / 2 pi) [X / A atan(Y / A) + Y / B atan(X / B)],
    A = sqrt(X^2 + R^2), B = sqrt(Y^2 + R^2) (inner integral Gradshteyn-Ryzhik 2.173, outer by parts; checked
    against numerical quadrature in tests/test_detector_response.py).
    """
    a = math.sqrt(X * X + R * R)
    b = math.sqrt(Y * Y + R * R)
    return (X / a * math.atan(Y / a) + Y / b * math.atan(X / b)) / (2.0 * math.pi)


@njit(cache=True)
def square_fraction(x0: float, y0: float, h: float, R: float) -> float:  # pragma: no cover - numba
    """Fraction of an electromagnetic shower centred at (x0, y0) contained in the square |x|, |y| <= h.

    Lateral profile dE/dA = E R^2 / (pi (r^2 + R^2)^2) (the radial form of Grindhammer & Peters, hep-ex/0001020
    Sect. 2.2, one component): the energy within radius r is r^2 / (r^2 + R^2). With R = R_M / 3 it holds 90 % of
    the energy within one Moliere radius and 99 % within 3.3 R_M (PDG RPP 2022 Sect. 34.5: "on average only 10 %
    of the energy lies outside the cylinder with radius R_M", "about 99 % is contained inside 3.5 R_M").
    """
    if R <= 0.0:
        return 1.0 if (abs(x0) <= h and abs(y0) <= h) else 0.0
    return (
        _corner(h - x0, h - y0, R)
        - _corner(-h - x0, h - y0, R)
        - _corner(h - x0, -h - y0, R)
        + _corner(-h - x0, -h - y0, R)
    )


@njit(cache=True, inline="always")
def outside_bound(x0: float, y0: float, h: float, R: float) -> float:  # pragma: no cover - numba
    """Upper bound of 1 - :func:`square_fraction` (x0, y0, h, R) without transcendental functions.

    The square |x|, |y| <= h contains the disk of radius rho = h - max(|x0|, |y0|) about the shower centre, which
    holds rho^2 / (rho^2 + R^2) of the profile (its energy within radius r, :func:`square_fraction`); so the
    fraction outside the square is at most R^2 / (rho^2 + R^2) (1 when rho <= 0).
    """
    rho = h - max(abs(x0), abs(y0))
    if rho <= 0.0:
        return 1.0
    r2 = R * R
    return r2 / (rho * rho + r2)


@njit(cache=True, inline="always")
def ecal_cut_observables(  # noqa: PLR0917
    z: float,
    xc: float,
    yc: float,
    E: float,
    tx: float,
    ty: float,
    f: float,
    a: float,
    lga: float,
    g: NDArray[np.float64],
    dep: NDArray[np.float64],
    ps_frac: float = math.nan,
) -> None:  # pragma: no cover - numba
    """Add one pair lepton's pre-shower energy and ECAL energy outside the central 3x3 cells to ``dep``
    (``a``, ``lga``: its shower's a and ln Gamma(a), :func:`shower_constants`; ``ps_frac``: the pre-shower
    fraction P(a, b (z_PS - z) / X0) if known, from an ECAL slice's table, else NaN: the exact series).

    The lepton of energy E starts its shower at (xc, yc, z) with slopes (tx, ty) and keeps the fraction f in the
    ECAL. Pre-shower (only with the longitudinal cut on): E P(a, b (z_PS - z) / X0) for z before the PS back
    face (the gamma profile of :func:`containment`). Lateral (only with the lateral cut on): its contained energy
    f E, centred where the lepton is at its profile's centroid depth a / b X0 (PDG RPP 2022 Eq. 34.36; capped at
    the ECAL end), spread with the profile of :func:`square_fraction` (R = R_M / 3). With the bound slot
    :data:`G_LAT_BOUND` set, the lateral term is the upper bound f E :func:`outside_bound` instead.
    """
    if E <= 0.0:
        return
    if g[G_CUT_LONG] > 0.0 and z < g[G_PS_Z_END]:
        if math.isnan(ps_frac):
            ps_frac = gammainc_lower_reg_gln(a, g[G_B] * ((g[G_PS_Z_END] - z) / g[G_X0]), lga)
        dep[OBS_PS] += E * ps_frac
    if g[G_CUT_LAT] > 0.0 and f > 0.0:
        d = min(a / g[G_B] * g[G_X0], g[G_ECAL_Z_END] - z)
        if g.shape[0] > G_LAT_BOUND and g[G_LAT_BOUND] > 0.0:
            # bound mode: the disk bound at the same centre (no atan)
            dep[OBS_OUT] += f * E * outside_bound(xc + tx * d, yc + ty * d, g[G_LAT_HALF], g[G_LAT_R])
            return
        inside = square_fraction(xc + tx * d, yc + ty * d, g[G_LAT_HALF], g[G_LAT_R])
        dep[OBS_OUT] += f * E * (1.0 - inside)


@njit(cache=True, inline="always")
def hcal1_cells(  # pragma: no cover - numba
    E: float, x: float, y: float, g: NDArray[np.float64], dep: NDArray[np.float64]
) -> None:
    """Add energy E entering HCAL1 at (x, y) to its central cell or to its periphery cells (3 x 3 cells, EPJC2023
    Sect. 3.1; the EM shower of an e+- in iron, R_M = 1.7 cm, stays in the cell it enters)."""
    hc = g[G_H1_CENTRE_HALF]
    if abs(x) <= hc and abs(y) <= hc:
        dep[OBS_H1C] += E
    else:
        dep[OBS_H1P] += E


@njit(cache=True, inline="always")
def hcal1_cut_pass(dep: NDArray[np.float64], g: NDArray[np.float64]) -> bool:  # pragma: no cover - numba
    """NA64's HCAL1 periphery cut alone (:func:`na64_cuts_pass`): "rejected if the energy deposition in the first
    HCAL periphery cells is higher than the one in the central cell" (EPJC 83 (2023) 391 Sect. 3.2)."""
    if g[G_CUT_H1] > 0.0:
        hp = dep[OBS_H1P]
        if hp > g[G_H1_CELL_THR] and hp > dep[OBS_H1C]:
            return False
    return True


@njit(cache=True, inline="always")
def ps_depth(g: NDArray[np.float64]) -> float:  # pragma: no cover - numba
    """t_PS [X0]: the depth of the pre-shower's back face behind the ECAL front (first 16 layers, EPJC 83 (2023)
    391 Sect. 3.1), where the longitudinal cut splits the shower (:func:`na64_cuts_pass`)."""
    return float((g[G_PS_Z_END] - g[G_ECAL_Z_START]) / g[G_X0])


@njit(cache=True, inline="always")
def window_shift(ly: float, g: NDArray[np.float64]) -> float:  # pragma: no cover - numba
    """dt [X0]: the longitudinal cut's allowed shift of the shower start, n sigma_T with sigma_T = T sigma(ln T),
    T = ln y - GP_T0 and sigma(ln T) = 1 / (GP_S0 + GP_S1 ln y) at ly = ln y = ln(E_ECAL / E_c) (Grindhammer &
    Peters, hep-ex/0001020 Sect. 2.1; n = the card's cut, :func:`na64_cuts_pass`). Callers ensure ly > GP_T0 and a
    positive denominator."""
    return float(g[G_CUT_LONG] * (ly - GP_T0) / (GP_S0 + GP_S1 * ly))


@njit(cache=True, inline="always")
def ecal_cut_constants(e_base: float, g: NDArray[np.float64], inside0: float) -> tuple[float, float]:
    """The recoil shower's terms of :func:`ecal_cuts_pass`, fixed per event: (ECAL energy outside the central 3x3
    cells, pre-shower energy) of a shower of energy ``e_base`` starting at the ECAL front on its axis.
    ``inside0`` = :func:`square_fraction` (0, 0, g[G_LAT_HALF], g[G_LAT_R]) (fixed per card). Each term is 0
    when its cut is off or e_base <= 0."""  # pragma: no cover - numba
    out_rec = e_base * (1.0 - inside0) if (g[G_CUT_LAT] > 0.0 and e_base > 0.0) else 0.0
    ps_rec = 0.0
    if g[G_CUT_LONG] > 0.0 and e_base > 0.0:
        ps_rec = e_base * containment(e_base, ps_depth(g), g[G_EC], g[G_B])
    return out_rec, ps_rec


#: a containment table argument where none is read (``use_tab`` False)
NO_TABLE = np.zeros((1, 1))


@njit(cache=True, inline="always")
def _window_ends(e_tot: float, t_ps: float, dt: float, g: NDArray[np.float64]) -> tuple[float, float]:
    """The exact ends P(a, b (t_PS -+ dt)) of the longitudinal cut's window (:func:`na64_cuts_pass`) for an ECAL
    energy e_tot, the PS depth t_PS and the allowed shift dt [X0]."""  # pragma: no cover - numba
    return containment(e_tot, t_ps - dt, g[G_EC], g[G_B]), containment(e_tot, t_ps + dt, g[G_EC], g[G_B])


@njit(cache=True)
def ecal_window_table(g: NDArray[np.float64]) -> NDArray[np.float64]:  # pragma: no cover - numba
    """(WIN_N, WIN_COLS): per interval of y = ln(E_ECAL / E_c) (:data:`WIN_Y0`) bounds (min, max) of the exact lower
    and upper ends of the longitudinal cut's window (:func:`ecal_cuts_verdict`, same expressions), for the
    card's geometry; (0, WIN_COLS) when the cut is off.

    Each bound comes from WIN_SUB + 1 evenly spaced exact evaluations over the interval, widened by the largest
    first and second differences of the samples and 1e-12: a smooth function between samples departs from their
    range by less (the widening exceeds |F'| h and |F''| h^2 / 8 at sample spacing h)."""
    if g[G_CUT_LONG] <= 0.0:
        return np.zeros((0, WIN_COLS))
    out = np.empty((WIN_N, WIN_COLS))
    t_ps = ps_depth(g)
    ends = np.empty((WIN_SUB + 1, 2))
    for j in range(WIN_N):
        for s in range(WIN_SUB + 1):
            e_tot = g[G_EC] * math.exp(WIN_Y0 + (j + s / WIN_SUB) * WIN_H)
            ly = math.log(e_tot / g[G_EC])
            lo, hi = _window_ends(e_tot, t_ps, window_shift(ly, g), g)
            ends[s, 0] = lo
            ends[s, 1] = hi
        for c in range(2):
            d1 = 0.0
            d2 = 0.0
            for s in range(WIN_SUB):
                d1 = max(d1, abs(ends[s + 1, c] - ends[s, c]))
                if s > 0:
                    d2 = max(d2, abs(ends[s + 1, c] - 2.0 * ends[s, c] + ends[s - 1, c]))
            widen = d1 + d2 + 1e-12
            out[j, 2 * c] = ends[:, c].min() - widen
            out[j, 2 * c + 1] = ends[:, c].max() + widen
    return out


@njit(cache=True, inline="always")
def ecal_cuts_pass(  # noqa: PLR0917
    e_base: float,
    dep: NDArray[np.float64],
    g: NDArray[np.float64],
    out_rec: float,
    ps_rec: float,
    tab: NDArray[np.float64],
    use_tab: bool,
) -> bool:  # pragma: no cover - numba
    """NA64's lateral and longitudinal ECAL cuts (:func:`na64_cuts_pass`) given the recoil shower's terms
    (out_rec, ps_rec) of :func:`ecal_cut_constants`: :func:`ecal_cuts_verdict` of an exact dep[OBS_PS]."""
    return bool(ecal_cuts_verdict(e_base, dep, g, out_rec, ps_rec, tab, use_tab, 0.0, tab) != 0)


@njit(**NO_REFCOUNT)
def ecal_cuts_verdict(  # noqa: PLR0917
    e_base: float,
    dep: NDArray[np.float64],
    g: NDArray[np.float64],
    out_rec: float,
    ps_rec: float,
    tab: NDArray[np.float64],
    use_tab: bool,
    ps_err: float,
    wtab: NDArray[np.float64],
) -> int:  # pragma: no cover - numba
    """NA64's lateral and longitudinal ECAL cuts (:func:`na64_cuts_pass`) given the recoil shower's terms
    (out_rec, ps_rec) of :func:`ecal_cut_constants`: 1 pass, 0 fail, -1 undecided. Reads only e_base,
    dep[MOD_ECAL], dep[OBS_OUT] and dep[OBS_PS]: events whose pairs leave none of these have the result of a
    zero ``dep``.

    ``use_tab``: the longitudinal window's ends come from the containment table ``tab`` (:func:`containment_tab`,
    error < CONTAINMENT_TABLE_TOL) where the profile ratio lies farther than that bound from both, and from the
    exact series otherwise: the decision is the exact one either way. ``ps_err``: a bound on the error of
    dep[OBS_PS] (a tabulated pre-shower energy; 0: exact); the result is -1 when the profile ratio lies within
    ps_err / E_ECAL of an exact end (the caller then re-evaluates with the exact dep[OBS_PS]), else the decision
    of the exact dep[OBS_PS]. With ps_err = 0 it is never -1 (NaN aside), and 1 / 0 are the decision of ``dep``.
    ``wtab``: the bounds of the window's exact ends of :func:`ecal_window_table` (any array with another number
    of columns: none); where the ratio lies outside the bounds of an end, or inside both, that decides without
    evaluating the ends (the exact decision: the bounds hold the exact ends)."""
    e_tot = e_base + dep[MOD_ECAL]
    if e_tot <= 0.0:
        return 1
    if g[G_CUT_LAT] > 0.0 and (out_rec + dep[OBS_OUT]) > g[G_CUT_LAT] * e_tot:
        return 0
    if g[G_CUT_LONG] > 0.0:
        ly = math.log(e_tot / g[G_EC])
        den = GP_S0 + GP_S1 * ly
        if ly > GP_T0 and den > 0.0:
            r = (ps_rec + dep[OBS_PS]) / e_tot
            # the exact dep[OBS_PS]'s ratio lies in [r_lo, r_hi] (ps_err >> the rounding of either ratio)
            r_err = ps_err / e_tot
            r_lo = r - r_err
            r_hi = r + r_err
            if wtab.shape[1] == WIN_COLS:
                fj = (ly - WIN_Y0) / WIN_H
                if 0.0 <= fj < wtab.shape[0]:
                    j = int(fj)
                    if r_hi < wtab[j, 0] or r_lo > wtab[j, 3]:
                        return 0
                    if wtab[j, 1] < r_lo and r_hi < wtab[j, 2]:
                        return 1
            dt = window_shift(ly, g)
            t_ps = ps_depth(g)
            if use_tab:
                lo = containment_tab(e_tot, t_ps - dt, g[G_EC], g[G_B], tab)
                hi = containment_tab(e_tot, t_ps + dt, g[G_EC], g[G_B], tab)
                tol = CONTAINMENT_TABLE_TOL
                if r_hi < lo - tol or r_lo > hi + tol:
                    return 0  # beyond an end by more than the table's error: the exact ends agree
                if lo + tol < r_lo and r_hi < hi - tol:
                    return 1
            lo, hi = _window_ends(e_tot, t_ps, dt, g)
            if r_hi < lo or r_lo > hi:
                return 0
            if not (lo <= r_lo and r_hi <= hi):
                return -1
    return 1


@njit(cache=True)
def na64_cuts_pass(e_base: float, dep: NDArray[np.float64], g: NDArray[np.float64]) -> bool:  # pragma: no cover
    """NA64's ECAL and HCAL1 cuts (EPJC 83 (2023) 391 Sect. 3.2) on an event whose pairs left ``dep`` (length
    :data:`N_OBS`); ``e_base`` is the ECAL energy of the recoil shower (no pairs). Each cut is off when its slot
    is <= 0; with no pair energy every cut passes (the invisible-mode efficiency is the card's).

    * HCAL1 periphery: "rejected if the energy deposition in the first HCAL periphery cells is higher than the
      one in the central cell": periphery > central and above the cell threshold fails.
    * Lateral: "the energy recorded in the cells outside the central 3x3 matrix of the ECAL must constitute a
      small fraction of the total ECAL energy": (recoil outside + pair outside) / E_ECAL <= the card's maximum;
      the recoil shower is centred on the central cell.
    * Longitudinal: "an ECAL shower profile consistent with one predicted for an incoming e-": with two
      longitudinal readout sections the profile is E_PS / E_ECAL; it must lie between the fractions of an
      electron of energy E_ECAL whose shower starts n sigma_T later or earlier (P(a, b (t_PS -+ n sigma_T)),
      sigma_T = T sigma(ln T) from Grindhammer-Peters, :data:`GP_T0`). The recoil shower starts at the ECAL front.
    """
    if not hcal1_cut_pass(dep, g):
        return False
    inside0 = square_fraction(0.0, 0.0, g[G_LAT_HALF], g[G_LAT_R]) if g[G_CUT_LAT] > 0.0 else 1.0
    out_rec, ps_rec = ecal_cut_constants(e_base, g, inside0)
    return bool(ecal_cuts_pass(e_base, dep, g, out_rec, ps_rec, NO_TABLE, False))


# ------------------------------------------------------------------------------------------ deposits
@njit(cache=True, inline="always")
def propagate(  # noqa: PLR0917
    E: float,
    x: float,
    y: float,
    tx: float,
    ty: float,
    z: float,
    m_first: int,
    g: NDArray[np.float64],
    dep: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """A lepton of energy E at (x, y, z) with slopes (tx, ty) enters modules m_first.. downstream.

    The VETO takes min(E, E_MIP) and the lepton goes on; an HCAL module inside whose aperture it arrives
    absorbs it fully (> 80 X0 of iron, physics.md Sect. 4).
    """
    for m in range(m_first, N_MODULES):
        if E <= 0.0:
            return
        zf = module_z_start(g, m)
        h = module_half_size(g, m)
        xf = x + tx * (zf - z)
        yf = y + ty * (zf - z)
        if abs(xf) > h or abs(yf) > h:
            continue
        if m == MOD_VETO:  # a MIP-like deposit, the lepton goes on
            d = min(E, g[G_MIP])
            dep[MOD_VETO] += d
            E -= d
        else:  # HCAL: full absorption
            dep[m] += E
            if m == MOD_HCAL1 and dep.shape[0] > N_DEP:
                hcal1_cells(E, xf, yf, g, dep)
            return


@njit(cache=True, inline="always")
def ecal_pair(  # noqa: PLR0917
    z: float,
    xc: float,
    yc: float,
    lep: NDArray[np.float64],
    sh: tuple[float, float, float, float],
    f0: float,
    f1: float,
    g: NDArray[np.float64],
    dep: NDArray[np.float64],
    ln_x: float = math.nan,
    ps0: float = math.nan,
    ps1: float = math.nan,
) -> None:  # pragma: no cover - numba
    """Deposits of a pair created in the ECAL at (xc, yc, z) whose leptons keep the fractions f0, f1 there;
    the rest of each shower leaks downstream along the lepton's direction (:func:`propagate`). ``sh``: the
    pair's :func:`shower_constants`; ``ln_x``: ln :func:`ecal_depth_x` (z) if known (an ECAL slice's fixed
    midpoint, :func:`ecal_depth_table`), else NaN (computed here); ``ps0``, ``ps1``: each lepton's pre-shower
    fraction of :func:`ecal_cut_observables` if known (an ECAL slice's table), else NaN."""
    z_end = g[G_ECAL_Z_END]
    obs = dep.shape[0] > N_DEP
    for k in range(2):
        E = lep[3 * k]
        f = f0 if k == 0 else f1
        a = sh[0] if k == 0 else sh[2]
        lga = sh[1] if k == 0 else sh[3]
        dep[MOD_ECAL] += f * E
        if obs:
            ps = ps0 if k == 0 else ps1
            ecal_cut_observables(z, xc, yc, E, lep[3 * k + 1], lep[3 * k + 2], f, a, lga, g, dep, ps)
        leak = (1.0 - f) * E
        xe = xc + lep[3 * k + 1] * (z_end - z)
        ye = yc + lep[3 * k + 2] * (z_end - z)
        m0 = MOD_VETO
        if g[G_VETO_CHARGED] > 0.0 and leak > 0.0:
            # the VETO sees the leaking shower's charged particles, one MIP each (at most the leaked energy)
            m0 = MOD_VETO + 1
            zf = module_z_start(g, MOD_VETO)
            h = module_half_size(g, MOD_VETO)
            if abs(xe + lep[3 * k + 1] * (zf - z_end)) <= h and abs(ye + lep[3 * k + 2] * (zf - z_end)) <= h:
                x = ecal_depth_x(z, g)
                if x > 0.0:
                    lx = math.log(x) if math.isnan(ln_x) else ln_x
                    n_ch = charged_particles_at_ln(E, x, lx, a, lga, g[G_EC], g[G_B])
                else:
                    n_ch = 0.0
                d = min(n_ch * g[G_MIP], leak)
                dep[MOD_VETO] += d
                leak -= d
        propagate(leak, xe, ye, lep[3 * k + 1], lep[3 * k + 2], z_end, m0, g, dep)


@njit(cache=True, inline="always")
def decay_deposits(  # noqa: PLR0917
    z: float,
    zv: float,
    tx: float,
    ty: float,
    lep: NDArray[np.float64],
    g: NDArray[np.float64],
    dep: NDArray[np.float64],
    tab: NDArray[np.float64],
    use_tab: bool,
) -> int:  # pragma: no cover - numba
    """Deposits (added to ``dep``) of a pair from a chi2 decaying at z; returns the region code 0..6.

    ``(zv, tx, ty)``: the chi2's origin depth and slopes dx/dz, dy/dz; ``lep`` = (E+, tx+, ty+, E-, tx-, ty-):
    lab energies and slopes of the two leptons. ``use_tab``: ECAL containment from ``tab``
    (:func:`containment_tab`; every deposit and every sum of deposits is then within CONTAINMENT_TABLE_TOL
    (E+ + E-) of the exact one), else the exact series (:func:`containment`).
    """
    xc = tx * (z - zv)
    yc = ty * (z - zv)
    if z >= g[G_SETUP_END]:
        return REGION_BEYOND
    m_in = -1
    m_next = N_MODULES
    for m in range(N_MODULES):
        if z < module_z_start(g, m):
            m_next = m
            break
        if z < module_z_end(g, m):
            m_in = m
            break
    if m_in >= 0:
        h = module_half_size(g, m_in)
        if abs(xc) > h or abs(yc) > h:
            return REGION_GAPS
        if m_in == MOD_ECAL:
            z_end = g[G_ECAL_Z_END]
            t_rem = (z_end - z) / g[G_X0]
            if use_tab:
                f0 = containment_tab(lep[0], t_rem, g[G_EC], g[G_B], tab)
                f1 = containment_tab(lep[3], t_rem, g[G_EC], g[G_B], tab)
            else:
                f0 = containment(lep[0], t_rem, g[G_EC], g[G_B])
                f1 = containment(lep[3], t_rem, g[G_EC], g[G_B])
            ecal_pair(z, xc, yc, lep, shower_constants(lep, g), f0, f1, g, dep)
            return REGION_ECAL
        if m_in == MOD_VETO:
            z_end = g[G_VETO_Z_END]
            for k in range(2):
                E = lep[3 * k]
                d = min(E, g[G_MIP])
                dep[MOD_VETO] += d
                propagate(
                    E - d,
                    xc + lep[3 * k + 1] * (z_end - z),
                    yc + lep[3 * k + 2] * (z_end - z),
                    lep[3 * k + 1],
                    lep[3 * k + 2],
                    z_end,
                    MOD_VETO + 1,
                    g,
                    dep,
                )
            return REGION_VETO
        dep[m_in] += lep[0] + lep[3]
        if m_in == MOD_HCAL1 and dep.shape[0] > N_DEP:
            hcal1_cells(lep[0] + lep[3], xc, yc, g, dep)
        return m_in  # HCAL1..3: region code = module index
    # in a gap upstream of module m_next
    for k in range(2):
        propagate(lep[3 * k], xc, yc, lep[3 * k + 1], lep[3 * k + 2], z, m_next, g, dep)
    return REGION_GAPS
