"""Freeze-out of chi1/chi2: coupled Boltzmann equations and the Griest-Seckel single equation.

Equations (n_i counts particles and antiparticles, Maxwell-Boltzmann statistics; Edsjo & Gondolo, PRD 56
(1997) 1879; arXiv:2201.08409 Eqs. 3.1-3.3; physics.md section 6)::

    dn1/dt + 3 H n1 = -a11 (n1^2 - n1e^2) - a12 (n1 n2 - n1e n2e) + b (n2^2 - n1^2 r^2) + G (n2 - n1 r)
    dn2/dt + 3 H n2 = -a22 (n2^2 - n2e^2) - a12 (n1 n2 - n1e n2e) - b (n2^2 - n1^2 r^2) - G (n2 - n1 r)

with r = n2e/n1e, G = co-scattering + <1/gamma> Gamma(chi2 -> chi1 e+e-), and

* iDM (Majorana, g = 2 each): a11 = a22 = 0, a12 = <sigma v>_12, b = <sigma v>(chi2 chi2 -> chi1 chi1);
* i2DM (Dirac, g = 4 each incl. antiparticles): a11 = <sigma v>_11/2, a22 = <sigma v>_22/2,
  a12 = <sigma v>_12/2, b = <sigma v>(chi2 chi2bar -> chi1 chi1bar)/2.

In x = m1/T and Y = n/s, d/dt -> (H x / F) d/dx with F = 1 + (1/3) dln g_*s/dln T (Gondolo & Gelmini 1991).
The system is solved for z_i = ln Y_i with an implicit Radau method (stiff: rates exceed H by up to ~1e12 at
the start), from x = 1 in equilibrium to x_end, where Y_inf = Y1 + Y2 (every chi2 eventually decays into chi1).
When conversions are fast this reduces to the Griest-Seckel equation (Griest & Seckel, PRD 43 (1991) 3191)
with <sigma_eff v> = sum_ij a_ij-weighted r_i r_j; :func:`solve_griest_seckel` solves that one directly.
"""

from __future__ import annotations

import math
import warnings
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray
from scipy.integrate import ODEintWarning, odeint, solve_ivp
from scipy.special import kve

from semivis._validation import check_range
from semivis.constants import M_Planck_GeV, m_e
from semivis.cosmo import _fast
from semivis.cosmo.rates import (
    coscattering_rate,
    sigma_v_conversion_22_11,
    sigma_v_thermal_parts,
)
from semivis.cosmo.thermo import (
    OMEGA_H2_PER_GEV_Y,
    entropy_density,
    gstar_s,
    gstar_sqrt_eff,
    log_yield_eq,
)
from semivis.errors import ConvergenceError, ParameterError
from semivis.models import INELASTIC_KINDS, Gamma_chi2_point, InelasticKind, chi1_chi2_open
from semivis.models.dark_sector import ALPHA_D_MAX, MODEL_M_AP_MAX_GEV
from semivis.models.widths import Gamma_chi2_approx, Gamma_V_to_fermion_pair, Gamma_V_to_SM

__all__ = ["DarkSectorPoint", "RelicResult", "omega_h2", "solve_griest_seckel", "solve_relic"]

Solver = Literal["fast", "reference"]

_X_START = 1.0
#: smallest chi1 -> chi2 conversion rate per Hubble time at the solver's start (x = m1/T where the annihilation rate
#: is 1e4 H) when the coupled equations must start there: below it chi1 has already left equilibrium (i2DM at
#: theta <~ 1e-5, conversions ~ sin^2 theta) and its abundance depends on where the integration starts
_MIN_START_CONVERSIONS_PER_HUBBLE = 1.0
_X_END = 2000.0
_N_GRID = 240


@dataclass(frozen=True)
class DarkSectorPoint:
    """The inputs of one relic calculation (scalars; GeV): an iDM/i2DM point of :mod:`semivis.models`.

    The solver's own record (plain floats, any eps > 0, chi1/chi2 masses directly), validated in the models'
    scope (alpha_D <= 4 pi, m_A' <= 100 GeV); its widths come from :mod:`semivis.models`. ``theta`` is the i2DM
    mixing angle (ignored for iDM). ``conversion_scale`` multiplies the chi2 chi2 -> chi1 chi1 estimate (for
    sensitivity studies only).

    >>> p = DarkSectorPoint("idm", m1=0.1, m2=0.14, m_Ap=0.3, eps=1e-3, alpha_D=0.1)
    >>> round(p.delta, 6)
    0.4
    """

    kind: InelasticKind
    m1: float
    m2: float
    m_Ap: float
    eps: float
    alpha_D: float
    theta: float = 0.0
    conversion_scale: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in INELASTIC_KINDS:
            raise ParameterError("kind", self.kind, " or ".join(repr(k) for k in INELASTIC_KINDS))
        for name in ("m1", "m2", "m_Ap", "eps", "alpha_D"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise ParameterError(name, v, f"{name} > 0 and finite")
        if self.m2 < self.m1:
            raise ParameterError("m2", self.m2, f"m2 >= m1 = {self.m1}")
        if self.m1 < 1e-3:
            raise ParameterError("m_chi1", self.m1, "m_chi1 >= 1 MeV (freeze-out before BBN)")
        if self.kind == "i2dm" and not (0.0 < self.theta < math.pi / 2):
            raise ParameterError("theta", self.theta, "0 < theta < pi/2")
        check_range("alpha_D", self.alpha_D, 0.0, ALPHA_D_MAX, high_inclusive=True)
        check_range("m_Ap", self.m_Ap, 0.0, MODEL_M_AP_MAX_GEV, high_inclusive=True)

    @property
    def delta(self) -> float:
        """Fractional splitting (m2 - m1)/m1."""
        return (self.m2 - self.m1) / self.m1

    @property
    def mixes(self) -> tuple[float, float, float]:
        """(chi1chi1, chi2chi2, chi1chi2) factors of the dark current (iDM: 0, 0, 1; i2DM: s^4, c^4, s^2 c^2,
        arXiv:2201.08409 Eq. 2.5)."""
        if self.kind == "idm":
            return 0.0, 0.0, 1.0
        s2, c2 = math.sin(self.theta) ** 2, math.cos(self.theta) ** 2
        return s2 * s2, c2 * c2, s2 * c2

    @property
    def g(self) -> float:
        """Internal states per species (2 Majorana spins; 4 for Dirac particle + antiparticle)."""
        return 2.0 if self.kind == "idm" else 4.0

    def Gamma_Ap(self) -> float:
        """Total A' width [GeV]: the partial widths of :mod:`semivis.models.widths` (SM: e, mu, hadrons; dark:
        chi_i chi_j) weighted by :attr:`mixes` (physics.md 2.1, 2.2).

        The sum of :meth:`semivis.models.DarkSectorModel.partial_widths` (equal to rounding, tests), added up
        in the order the relic results were validated with; unlike the models it also serves points with
        A' -> chi1 chi2 closed (dark part 0).
        """
        mix11, mix22, mix12 = self.mixes
        M = self.m_Ap
        dark = mix12 * float(Gamma_V_to_fermion_pair(M, self.m1, self.m2, self.alpha_D))
        if self.kind == "i2dm":
            dark = 2.0 * dark  # chi1 chi2bar + chi2 chi1bar
            dark += mix11 * float(Gamma_V_to_fermion_pair(M, self.m1, self.m1, self.alpha_D))
            dark += mix22 * float(Gamma_V_to_fermion_pair(M, self.m2, self.m2, self.alpha_D))
        return float(Gamma_V_to_SM(M, self.eps)) + dark

    def Gamma_chi2(self) -> float:
        """chi2 -> chi1 l+ l- width [GeV]: the exact one of :mod:`semivis.models` (e and mu), 0 below the e+e-
        threshold.

        Where A' -> chi1 chi2 is closed (outside the models' scope) the small-splitting width of
        :func:`semivis.models.widths.Gamma_chi2_approx` (NA64, arXiv:2107.02021 Eq. 2 with K = 1), times s^2 c^2
        for i2DM (arXiv:2201.08409 / EPJC 2023 Eq. 6.1).
        """
        if self.m2 - self.m1 <= 2 * m_e:
            return 0.0
        theta = self.theta if self.kind == "i2dm" else None
        if bool(chi1_chi2_open(self.m_Ap, self.m1, self.delta)):
            return Gamma_chi2_point(self.kind, self.m_Ap, self.m1, self.delta, self.eps, self.alpha_D, theta)
        _, _, mix12 = self.mixes
        return mix12 * float(Gamma_chi2_approx(self.m1, self.delta, self.m_Ap, self.eps, self.alpha_D))


@dataclass(frozen=True)
class RelicResult:
    """Outcome of a freeze-out calculation."""

    omega_h2: float
    Y_inf: float
    x_freeze_out: float
    method: str
    point: DarkSectorPoint
    x: NDArray[np.float64] = field(repr=False)
    Y1: NDArray[np.float64] = field(repr=False)
    Y2: NDArray[np.float64] = field(repr=False)
    #: chi1 -> chi2 conversions per Hubble time where the coupled equations start, when they must start at the
    #: solver's first point (inf otherwise: chi1 and chi2 were in chemical equilibrium there)
    start_conversions: float = math.inf

    @property
    def start_in_equilibrium(self) -> bool:
        """False where chi1 had already left equilibrium where the integration starts (i2DM at theta <~ 1e-5:
        conversions ~ sin^2 theta): Omega h^2 then depends on that start. It is a lower bound there (chi1 froze
        out earlier, at a larger abundance), so Omega h^2 > 0.120 still means overabundance."""
        return self.start_conversions >= _MIN_START_CONVERSIONS_PER_HUBBLE


@dataclass
class _Tables:
    lnx: NDArray[np.float64]
    ln_lam: dict[str, NDArray[np.float64]]  # ln of (F s a / (H x)) etc. on the grid, per process
    lnY1e: NDArray[np.float64]
    lnY2e: NDArray[np.float64]
    #: per annihilation channel: (prefactor(x), num, A) with lam = prefactor * sum(num/(A + M^2 Gamma_A'^2), axis=1)
    sv_parts: dict[str, tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]] = field(
        default_factory=dict
    )


def _safe_log(v: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.asarray(np.log(np.clip(v, 1e-300, None)), dtype=np.float64)


def _tables(p: DarkSectorPoint, x_end: float) -> _Tables:
    x = np.geomspace(_X_START, x_end, _N_GRID)
    T = p.m1 / x
    GA = p.Gamma_Ap()
    mix11, mix22, mix12 = p.mixes
    s_ent = entropy_density(T)
    # F/(H x) through g_*^(1/2): s F/(H x) = sqrt(pi/45) M_Pl m1 g_*^(1/2)/x^2 (Gondolo-Gelmini Eq. 3.8)
    pref_s = math.sqrt(math.pi / 45.0) * M_Planck_GeV * p.m1 * gstar_sqrt_eff(T) / x**2
    pref_1 = pref_s / s_ent  # F/(H x)
    half = 1.0 if p.kind == "idm" else 0.5
    lam: dict[str, NDArray[np.float64]] = {}
    parts: dict[str, tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]] = {}
    channels = {"12": (p.m1, p.m2, mix12)}
    if p.kind == "i2dm":
        channels.update({"11": (p.m1, p.m1, mix11), "22": (p.m2, p.m2, mix22)})
    for key, (mi, mj, mix) in channels.items():
        num, A = sigma_v_thermal_parts(x, p.m1, mi, mj, p.m_Ap, GA, p.eps, p.alpha_D, mix)
        parts[key] = (pref_s * half, num, A)
        lam[key] = pref_s * half * np.sum(num / (A + p.m_Ap**2 * GA**2), axis=1)
    if p.kind == "i2dm":
        b = half * sigma_v_conversion_22_11(p.m1, p.m2, p.m_Ap, p.alpha_D, mix11 * mix22)
    else:
        b = sigma_v_conversion_22_11(p.m1, p.m2, p.m_Ap, p.alpha_D)
    lam["b"] = pref_s * b * p.conversion_scale
    x2 = x * p.m2 / p.m1
    time_dilation = kve(1, x2) / kve(2, x2)  # <1/gamma> of a Maxwell-Boltzmann chi2
    G = coscattering_rate(x, p.m1, p.m1, p.m2, p.m_Ap, p.eps, p.alpha_D, mix12) + p.Gamma_chi2() * time_dilation
    lam["G"] = pref_1 * G
    g_s = gstar_s(T)
    return _Tables(
        lnx=np.log(x),
        ln_lam={k: _safe_log(v) for k, v in lam.items()},
        lnY1e=log_yield_eq(x, p.g, g_s),
        lnY2e=log_yield_eq(x2, p.g, g_s),
        sv_parts=parts,
    )


#: relative change of the A' width below which a cached rate table is reused (its effect on <sigma v> is at most
#: twice this, at the pole: d ln <sigma v>/d ln Gamma_A' lies in [-2, 0])
_WIDTH_RTOL = 1e-6
#: beyond _WIDTH_RTOL and up to this relative change of Gamma_A', the cached quadrature (nodes placed for the cached
#: width, panels at 0.5 - 40 widths around the pole) is re-summed with the new width; beyond it, recomputed
_WIDTH_REQUAD = 0.02
_CACHE_SIZE = 4
#: (point without eps, x_end) -> list of (eps, Gamma_A', tables at that eps)
_TABLE_CACHE: OrderedDict[tuple[Any, ...], list[tuple[float, float, _Tables]]] = OrderedDict()
_EPS2_KEYS = ("12", "11", "22", "G")  # rates proportional to eps^2 at fixed Gamma_A' ("b" does not depend on eps)


def _tables_cached(p: DarkSectorPoint, x_end: float) -> _Tables:
    """Rate tables of ``p`` from a per-point cache, rescaled in eps where that is exact.

    At fixed A' width every tabulated rate except chi2 chi2 -> chi1 chi1 is exactly proportional to eps^2
    (annihilation: Gamma(A' -> SM) ~ eps^2; co-scattering: coupling ~ eps^2; chi2 decay width ~ eps^2), so a
    table computed at eps0 serves eps by adding 2 ln(eps/eps0) to their logarithms. The A' width in the
    propagator depends on eps through Gamma(A' -> SM): while Gamma_A'(eps) equals the cached one to 1e-6 relative
    (changes <sigma v> by < 2e-6) the rescaled table is used as is; up to 2 % away the cached quadrature of
    <sigma v> is re-summed with the new width in the Breit-Wigner (:func:`~semivis.cosmo.rates.sigma_v_thermal_parts`;
    within 1e-4 of a fresh quadrature even for Gamma_A'/M ~ 1e-11, ~1e-8 for a wide A'); beyond that the table is
    recomputed and cached as well.
    A target solve at fixed alpha_D with A' -> chi chi open (Gamma_A' dominated by the dark width) thus
    computes the thermal averages once per mass point.
    """
    key = (p.kind, p.m1, p.m2, p.m_Ap, p.alpha_D, p.theta, p.conversion_scale, x_end)
    GA = p.Gamma_Ap()
    entries = _TABLE_CACHE.get(key)
    if entries is not None:
        _TABLE_CACHE.move_to_end(key)
        eps0, GA0, tab0 = min(entries, key=lambda e: abs(GA / e[1] - 1.0))
        change = abs(GA / GA0 - 1.0)
        if change <= _WIDTH_REQUAD:
            shift = 2.0 * math.log(p.eps / eps0)
            ln_lam = {k: (v + shift if k in _EPS2_KEYS else v) for k, v in tab0.ln_lam.items()}
            if change > _WIDTH_RTOL:  # same quadrature nodes, the A' width of this eps in the propagator
                bw2 = p.m_Ap**2 * GA**2
                for k, (pref, num, A) in tab0.sv_parts.items():
                    ln_lam[k] = _safe_log(pref * np.sum(num / (A + bw2), axis=1)) + shift
            return _Tables(lnx=tab0.lnx, ln_lam=ln_lam, lnY1e=tab0.lnY1e, lnY2e=tab0.lnY2e, sv_parts=tab0.sv_parts)
    tab = _tables(p, x_end)
    if entries is None:
        entries = []
        _TABLE_CACHE[key] = entries
        while len(_TABLE_CACHE) > _CACHE_SIZE:
            _TABLE_CACHE.popitem(last=False)
    entries.append((p.eps, GA, tab))
    del entries[:-4]
    return tab


def _check(sol: object, p: DarkSectorPoint, what: str) -> None:
    status = getattr(sol, "status", -1)
    y = getattr(sol, "y", None)
    if status != 0 or y is None or not np.all(np.isfinite(y)):
        msg = getattr(sol, "message", "")
        raise ConvergenceError(
            f"relic {what} did not converge for {p.kind} m_chi1={p.m1:.4g} GeV, delta={p.delta:.3g}, "
            f"m_A'={p.m_Ap:.4g} GeV, eps={p.eps:.3g}, alpha_D={p.alpha_D:.3g}, theta={p.theta:.3g}: {msg}"
        )


def _result(  # noqa: PLR0917
    p: DarkSectorPoint,
    x: NDArray[np.float64],
    Y1: NDArray[np.float64],
    Y2: NDArray[np.float64],
    lnYeq: NDArray[np.float64],
    method: str,
    start_conversions: float = math.inf,
) -> RelicResult:
    Y_inf = float(Y1[-1] + Y2[-1])
    if not (math.isfinite(Y_inf) and Y_inf > 0):
        raise ConvergenceError(f"relic {method}: non-finite or non-positive yield {Y_inf} for {p}")
    dev = np.nonzero(np.log(Y1 + Y2) > lnYeq + math.log(2.0))[0]
    x_f = float(x[dev[0]]) if dev.size else float(x[-1])
    return RelicResult(OMEGA_H2_PER_GEV_Y * p.m1 * Y_inf, Y_inf, x_f, method, p, x, Y1, Y2, start_conversions)


def _integrate(  # noqa: PLR0917
    rhs: Callable[[float, NDArray[np.float64]], NDArray[np.float64]],
    jac: Callable[[float, NDArray[np.float64]], NDArray[np.float64]],
    x0: float,
    x_end: float,
    z0: NDArray[np.float64],
    rtol: float,
    p: DarkSectorPoint,
    what: str,
) -> Any:
    """Radau (implicit, order 5) with the analytic Jacobian; every failure becomes a ConvergenceError."""
    try:
        with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
            sol = solve_ivp(rhs, (x0, x_end), z0, method="Radau", jac=jac, rtol=rtol, atol=1e-8)
    except (OverflowError, FloatingPointError, ValueError, ZeroDivisionError) as exc:
        raise ConvergenceError(
            f"relic {what} failed for {p.kind} m_chi1={p.m1:.4g} GeV, delta={p.delta:.3g}, m_A'={p.m_Ap:.4g} GeV, "
            f"eps={p.eps:.3g}, alpha_D={p.alpha_D:.3g}, theta={p.theta:.3g}: {type(exc).__name__}: {exc}"
        ) from exc
    _check(sol, p, what)
    return sol


#: tolerances of the fast path (LSODA on ln Y, where |ln Y| ~ 10 - 40): tighter than the reference's, cheap here
_FAST_RTOL = 1e-8
_FAST_ATOL = 1e-9


def _integrate_fast(  # noqa: PLR0917
    rhs: Callable[..., NDArray[np.float64]],
    jac: Callable[..., NDArray[np.float64]],
    args: tuple[Any, ...],
    x_out: NDArray[np.float64],
    z0: NDArray[np.float64],
    p: DarkSectorPoint,
    what: str,
) -> NDArray[np.float64]:
    """LSODA (ODEPACK, via scipy odeint; stiff BDF with the analytic Jacobian) at the points ``x_out``.

    Returns the solution, shape (len(x_out), len(z0)); a warning, a solver failure or a non-finite value
    becomes a :class:`~semivis.errors.ConvergenceError` naming the point. A failed run is repeated once with
    ``tcrit = x_end``: LSODA otherwise steps beyond the last output point and interpolates back, and a long last
    step there can leave the range where the right-hand sides stay finite (e.g. a stable chi2, whose
    q = ln[Y2/(r Y1)] grows as delta x, seen at x = 2000 for i2DM at m_chi1 = 10 MeV, delta = 0.1). Only failed
    runs are repeated, so every result that converged before is unchanged to the bit.
    """
    msg = _lsoda(rhs, jac, args, x_out, z0, ())
    if isinstance(msg, str):
        msg_tcrit = _lsoda(rhs, jac, args, x_out, z0, (float(x_out[-1]),))
        if not isinstance(msg_tcrit, str):
            return msg_tcrit
        raise ConvergenceError(
            f"relic {what} failed for {p.kind} m_chi1={p.m1:.4g} GeV, delta={p.delta:.3g}, m_A'={p.m_Ap:.4g} GeV, "
            f"eps={p.eps:.3g}, alpha_D={p.alpha_D:.3g}, theta={p.theta:.3g}: {msg}"
        )
    return msg


def _lsoda(  # noqa: PLR0917
    rhs: Callable[..., NDArray[np.float64]],
    jac: Callable[..., NDArray[np.float64]],
    args: tuple[Any, ...],
    x_out: NDArray[np.float64],
    z0: NDArray[np.float64],
    tcrit: tuple[float, ...],
) -> NDArray[np.float64] | str:
    """One LSODA run of :func:`_integrate_fast`: the solution, or why it failed."""
    try:
        with warnings.catch_warnings(record=True) as caught, np.errstate(over="raise", invalid="raise", divide="raise"):
            warnings.simplefilter("always", ODEintWarning)
            sol, _ = odeint(
                rhs,
                z0,
                x_out,
                args=args,
                Dfun=jac,
                rtol=_FAST_RTOL,
                atol=_FAST_ATOL,
                mxstep=20000,
                full_output=True,
                tcrit=list(tcrit) or None,
            )
    except (OverflowError, FloatingPointError, ValueError, ZeroDivisionError) as exc:
        return f"{type(exc).__name__}: {exc}"
    bad = [str(w.message) for w in caught if issubclass(w.category, ODEintWarning)]
    if bad:
        return bad[0]
    if not np.all(np.isfinite(sol)):
        return "non-finite solution"
    return np.asarray(sol, dtype=np.float64)


def _ghost(columns: list[NDArray[np.float64]]) -> NDArray[np.float64]:
    """Stack columns and add one linear ghost row each side (the layout of :func:`_fast.cr_eval`)."""
    tab = np.stack(columns, axis=1)
    return np.ascontiguousarray(np.vstack([2 * tab[0] - tab[1], tab, 2 * tab[-1] - tab[-2]]), dtype=np.float64)


def _out_points(lnx_arr: NDArray[np.float64], x0: float, x_end: float) -> NDArray[np.float64]:
    """x0 followed by the table nodes beyond it, ending exactly at x_end (output points of the fast path)."""
    xg = np.exp(lnx_arr)
    xg = xg[(xg > x0 * (1 + 1e-9)) & (xg < x_end * (1 - 1e-9))]
    return np.concatenate([[x0], xg, [x_end]])


_STIFF_START = 1e4  # start the ODE where the fastest rate is this many times the expansion rate


def _gs(
    p: DarkSectorPoint, tab: _Tables, x_end: float, rtol: float, solver: Solver = "reference"
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Griest-Seckel solution: (x, Y, ln Y_eq) from the quasi-static start to x_end."""
    lnx_arr, l1e, l2e = tab.lnx, tab.lnY1e, tab.lnY2e
    leq = np.logaddexp(l1e, l2e)
    r1 = np.exp(l1e - leq)
    r2 = np.exp(l2e - leq)
    lam = 2.0 * np.exp(tab.ln_lam["12"]) * r1 * r2
    if "11" in tab.ln_lam:
        lam = lam + np.exp(tab.ln_lam["11"]) * r1**2 + np.exp(tab.ln_lam["22"]) * r2**2
    ln_lam = _safe_log(lam)
    stiff = 2.0 * lam * np.exp(leq) * np.exp(lnx_arr)
    late = np.nonzero(stiff < _STIFF_START)[0]
    i0 = max(int(late[0]) - 1, 0) if late.size else lnx_arr.size - 2
    x0 = float(np.exp(lnx_arr[i0]))
    # quasi-static start: Y = Y_eq (1 + d), d = -(dln Y_eq/dx)/(2 lam Y_eq)
    dzeq = float(np.gradient(leq, np.exp(lnx_arr))[i0])
    d0 = -dzeq / (2.0 * lam[i0] * math.exp(leq[i0]))
    z0 = np.array([leq[i0] + math.log1p(max(d0, -0.5))])

    args = (_ghost([leq, ln_lam]), float(lnx_arr[0]), float(lnx_arr[1] - lnx_arr[0]))
    if solver == "fast":
        x_out = _out_points(lnx_arr, x0, x_end)
        zs = _integrate_fast(_fast.gs_rhs, _fast.gs_jac, args, x_out, z0, p, "Griest-Seckel solver")
        return x_out, np.exp(zs[:, 0]), np.interp(np.log(x_out), lnx_arr, leq)

    def rhs(x: float, z: NDArray[np.float64]) -> NDArray[np.float64]:
        return _fast.gs_rhs(z, x, *args)

    def jac(x: float, z: NDArray[np.float64]) -> NDArray[np.float64]:
        return _fast.gs_jac(z, x, *args)

    sol = _integrate(rhs, jac, x0, x_end, z0, rtol, p, "Griest-Seckel solver")
    return sol.t, np.exp(sol.y[0]), np.interp(np.log(sol.t), lnx_arr, leq)


def solve_griest_seckel(
    p: DarkSectorPoint, *, x_end: float = _X_END, rtol: float = 1e-5, solver: Solver = "fast"
) -> RelicResult:
    """Griest-Seckel single equation: chi1 and chi2 in chemical equilibrium (fast conversions).

    ``dY/dx = -sqrt(pi/45) M_Pl m1 g_*^(1/2)/x^2 <sigma_eff v> (Y^2 - Y_eq^2)``, Y = Y1 + Y2,
    ``<sigma_eff v> = 2 a12 r1 r2 + a11 r1^2 + a22 r2^2`` with r_i = Y_i^eq/Y^eq (Griest & Seckel, PRD 43 (1991)
    3191, Eq. 5; physics.md section 6: ``2 <sigma_12 v> r1 r2`` for iDM). Started where the annihilation rate is
    1e4 times the expansion rate, from the quasi-static solution. ``solver`` as in :func:`solve_relic`.

    >>> p = DarkSectorPoint("idm", m1=0.1, m2=0.14, m_Ap=0.3, eps=1e-2, alpha_D=0.1)
    >>> r_gs, r_c = solve_griest_seckel(p), solve_relic(p)
    >>> abs(r_gs.omega_h2 / r_c.omega_h2 - 1) < 0.02
    True
    """
    tab = _select_tables(p, x_end, solver)
    x, Y, leq = _gs(p, tab, x_end, rtol, solver)
    r2 = np.exp(np.interp(np.log(x), tab.lnx, tab.lnY2e) - leq)
    return _result(p, x, Y * (1 - r2), Y * r2, leq, "griest-seckel")


def _coupled(  # noqa: PLR0917
    p: DarkSectorPoint,
    tab: _Tables,
    x0: float,
    z0: NDArray[np.float64],
    x_end: float,
    rtol: float,
    solver: Solver = "reference",
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Coupled equations in (z1 = ln Y1, q = ln[Y2/(r Y1)]); q measures the departure from chemical equilibrium.

    Using q instead of ln Y2 keeps every exponential bounded when chi2 is tightly coupled to chi1 (its
    conversion rate per chi2 exceeds H by up to e^(Delta x)) or decays away at late times.
    """
    has11 = "11" in tab.ln_lam
    lnx_arr, l1e, l2e = tab.lnx, tab.lnY1e, tab.lnY2e
    lnr_arr = l2e - l1e
    dlnr_arr = np.gradient(lnr_arr, np.exp(lnx_arr))
    lam = tab.ln_lam

    zero = np.full_like(l1e, -800.0)
    columns = [l1e, l2e, lam["12"], lam["b"], lam["G"], lam.get("11", zero), lam.get("22", zero), dlnr_arr]
    args = (_ghost(columns), float(lnx_arr[0]), float(lnx_arr[1] - lnx_arr[0]), has11)
    lnr0 = float(np.interp(math.log(x0), lnx_arr, lnr_arr))
    y0 = np.array([z0[0], z0[1] - z0[0] - lnr0])
    if solver == "fast":
        x_out = _out_points(lnx_arr, x0, x_end)
        ys = _integrate_fast(_fast.coupled_rhs, _fast.coupled_jac, args, x_out, y0, p, "coupled chi1/chi2 solver")
        z1 = ys[:, 0]
        z2 = z1 + np.interp(np.log(x_out), lnx_arr, lnr_arr) + ys[:, 1]
        return x_out, np.exp(np.vstack([z1, z2]))

    def rhs(x: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
        return _fast.coupled_rhs(y, x, *args)

    def jac(x: float, y: NDArray[np.float64]) -> NDArray[np.float64]:
        return _fast.coupled_jac(y, x, *args)

    sol = _integrate(rhs, jac, x0, x_end, y0, rtol, p, "coupled chi1/chi2 solver")
    lnr_t = np.interp(np.log(sol.t), lnx_arr, lnr_arr)
    z1 = sol.y[0]
    z2 = z1 + lnr_t + sol.y[1]
    return sol.t, np.exp(np.vstack([z1, z2]))


_CONV_EQUILIBRIUM = (
    100.0  # conversions keep chi1/chi2 in chemical equilibrium while faster than this times annihilation
)


def _select_tables(p: DarkSectorPoint, x_end: float, solver: Solver) -> _Tables:
    if solver == "fast":
        return _tables_cached(p, x_end)
    if solver == "reference":
        return _tables(p, x_end)
    raise ParameterError("solver", solver, "'fast' or 'reference'")


def solve_relic(
    p: DarkSectorPoint, *, x_end: float = _X_END, rtol: float = 1e-5, solver: Solver = "fast"
) -> RelicResult:
    """Solve the chi1/chi2 freeze-out (module docstring) and return Omega h^2.

    Strategy: solve the Griest-Seckel equation first; along its solution compute the chi1 -> chi2 conversion
    rate per chi1 (co-scattering, inverse decays, chi1 chi1 -> chi2 chi2). If it stays above 100 times the
    rate at which annihilations change the yield, chi1 and chi2 are in chemical equilibrium throughout and the
    Griest-Seckel result is the solution (``method = "griest-seckel"``). Otherwise the coupled equations are
    integrated from the last point where conversions were still fast (``method = "coupled"``). Raises
    :class:`~semivis.errors.ConvergenceError` when the stiff solver fails or yields a non-finite value.

    ``solver="fast"`` (default): rate tables cached per point and rescaled in eps (:func:`_tables_cached`),
    numba right-hand sides and Jacobians integrated by LSODA (rtol 1e-8 on ln Y) with output at the table nodes.
    ``solver="reference"``: the cross-check path (tables recomputed every call, scipy Radau with rtol, the same
    numba right-hand sides and Jacobians evaluated anywhere in x); the two agree to < 1e-3 in Omega h^2
    (tests/test_cosmo_relic.py).

    >>> r = solve_relic(DarkSectorPoint("idm", m1=0.1, m2=0.14, m_Ap=0.3, eps=1e-2, alpha_D=0.1))
    >>> 1e-4 < r.omega_h2 < 1e3
    True
    """
    tab = _select_tables(p, x_end, solver)
    x, Y, leq = _gs(p, tab, x_end, rtol, solver)
    lnx = np.log(x)
    lnr = np.interp(lnx, tab.lnx, tab.lnY2e) - np.interp(lnx, tab.lnx, tab.lnY1e)
    r2 = np.exp(lnr - np.logaddexp(0.0, lnr))  # Y2/Y in chemical equilibrium
    Y1, Y2 = Y * (1 - r2), Y * r2
    Lb = np.exp(np.interp(lnx, tab.lnx, tab.ln_lam["b"]))
    LG = np.exp(np.interp(lnx, tab.lnx, tab.ln_lam["G"]))
    # chi1 -> chi2 up-conversion rate per chi1 (units of dx) vs the rate at which annihilation changes Y
    K1 = Lb * Y1 * np.exp(2 * lnr) + LG * np.exp(lnr)
    leq_all = np.logaddexp(tab.lnY1e, tab.lnY2e)
    r1a = np.exp(tab.lnY1e - leq_all)
    r2a = np.exp(tab.lnY2e - leq_all)
    lam_eff = 2.0 * np.exp(tab.ln_lam["12"]) * r1a * r2a
    if "11" in tab.ln_lam:
        lam_eff = lam_eff + np.exp(tab.ln_lam["11"]) * r1a**2 + np.exp(tab.ln_lam["22"]) * r2a**2
    ann = np.interp(lnx, tab.lnx, lam_eff) * Y
    slow = np.nonzero(_CONV_EQUILIBRIUM * ann > K1)[0]
    if slow.size == 0:
        return _result(p, x, Y1, Y2, leq, "griest-seckel")
    i_c = max(int(slow[0]) - 1, 0)
    start_conversions = float(K1[0] * x[0]) if i_c == 0 else math.inf
    z0 = np.array([math.log(Y1[i_c]), math.log(Y2[i_c])])
    xc, Yc = _coupled(p, tab, float(x[i_c]), z0, x_end, rtol, solver)
    xs = np.concatenate([x[:i_c], xc])
    Y1s = np.concatenate([Y1[:i_c], Yc[0]])
    Y2s = np.concatenate([Y2[:i_c], Yc[1]])
    leq_s = np.interp(np.log(xs), tab.lnx, np.logaddexp(tab.lnY1e, tab.lnY2e))
    return _result(p, xs, Y1s, Y2s, leq_s, "coupled", start_conversions)


def omega_h2(
    p: DarkSectorPoint, *, method: Literal["coupled", "griest-seckel"] = "coupled", solver: Solver = "fast"
) -> float:
    """Omega h^2 of chi1 (after all chi2 have decayed) for one model point.

    >>> p = DarkSectorPoint("idm", m1=0.1, m2=0.14, m_Ap=0.3, eps=1e-2, alpha_D=0.1)
    >>> omega_h2(p) > 0
    True
    """
    if method == "coupled":
        return solve_relic(p, solver=solver).omega_h2
    if method == "griest-seckel":
        return solve_griest_seckel(p, solver=solver).omega_h2
    raise ParameterError("method", method, "'coupled' or 'griest-seckel'")
