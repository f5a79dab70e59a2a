"""Thermal relic targets: the coupling that gives Omega h^2 = 0.120, in every plane of the figures.

:func:`relic_line` draws the target in any :class:`~semivis.planes.Plane`: it solves for the plane's y
coupling (eps, also for y = eps^2 alpha_D (m_chi1/m_A')^4 via :func:`semivis.planes.y_from_eps`; alpha_D;
Delta/m_chi1; tan theta) along the x axis at the plane's fixed parameters. It is vectorised over x and takes
an optional ``executor`` (any ``concurrent.futures.Executor``; points are independent, so a
``ProcessPoolExecutor`` parallelises a line). A point with no solution in the searched range raises
:class:`~semivis.errors.ConvergenceError` (``on_failure="raise"``, default) or is masked
(``on_failure="mask"``, a ``numpy.ma.MaskedArray``); never NaN. The solver is parametrised by m_chi1 and
R = m_A'/m_chi1 (m_A' = R m_chi1), with m_chi1 from the plane.

>>> from semivis.planes import PLANES
>>> y = relic_line(PLANES["mchi1-y"], [0.1], kind="idm", fixed={"alpha_D": 0.1, "ratio": 3.0, "delta": 0.1})
>>> 1e-10 < float(y[0]) < 1e-9
True

Root finding: secant iterations in ln(coupling) on ln(Omega h^2) - ln(0.120), started from the expected power
law (Omega ~ 1/<sigma v> ~ eps^-2 or alpha_D^-1), with a bracketing Brent search as fallback; converged to
|Omega/0.120 - 1| < 1e-3.

>>> t = relic_target("idm", m_chi1=0.1, ratio=3.0, delta=0.1, alpha_D=0.1)
>>> 1e-10 < float(t.y[0]) < 1e-9 and abs(float(t.omega_h2[0]) / 0.12 - 1) < 2e-3
True
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from semivis._validation import check_range
from semivis.constants import Omega_c_h2_planck2018
from semivis.cosmo.boltzmann import DarkSectorPoint, RelicResult, solve_griest_seckel, solve_relic
from semivis.errors import ConvergenceError, ParameterError
from semivis.planes import Plane, tan_theta_from_theta, y_from_eps

__all__ = [
    "RELIC_ALPHA_D_MIN",
    "RELIC_MODELS",
    "RELIC_M_CHI1_MIN",
    "RELIC_OMEGA_RTOL",
    "RELIC_RATIO_MIN",
    "RELIC_THETA_MIN",
    "RelicTarget",
    "relic_line",
    "relic_omega_h2",
    "relic_target",
]

Kind = Literal["idm", "i2dm"]
OnFailure = Literal["raise", "mask"]
_TOL = 1e-3

#: models with a thermal relic target here (the invisible A' model has no chi2 co-annihilation partner)
RELIC_MODELS: tuple[str, ...] = ("idm", "i2dm")

#: lightest m_chi1 [GeV] the solver accepts (as relic_target): lighter chi1 would freeze out after BBN starts
RELIC_M_CHI1_MIN = 1e-3

#: smallest R = m_A'/m_chi1 :func:`relic_target` accepts (exclusive). The solver's rates are chi_i chi_j -> A'* ->
#: SM (s-channel), co-scattering and chi2 decays; the secluded channels chi_i chi_j -> A'A' (t-channel, ~ alpha_D^2,
#: no eps) are not modelled. They are open for m_i + m_j > 2 m_A' (R < 1 for chi1 chi1) and, in the thermal tail,
#: suppressed relative to chi1 chi1 at rest by exp(-(2R - 2) x_f) for every pair (chi2 pays its own exp(-delta x)):
#: with x_f ~ 20 and alpha_D/(alpha eps^2) up to ~1e10, they are negligible only for R >~ 2 (e^-40 ~ 4e-18).
RELIC_RATIO_MIN = 2.0

#: smallest alpha_D :func:`relic_target` accepts (inclusive): the scope of the relic target here, the low end of the
#: alpha_D range that :func:`relic_line` searches. Off resonance, annihilation chi chi -> A'* -> SM scales as
#: alpha eps^2 alpha_D/m_chi1^2 with eps <= 1: at alpha_D = 1e-8 no eps gives the relic abundance already at
#: m_chi1 = 1 GeV (Omega h^2 = 3.6 at eps = 1, R = 3, delta = 0.1). Smaller alpha_D has targets only with eps -> 1
#: for light chi1 (m_chi1 = 1 MeV, R = 3: down to alpha_D ~ 1e-12) or near the pole R -> 2, not served here.
RELIC_ALPHA_D_MIN = 1e-8

#: smallest i2DM mixing angle theta [rad] :func:`relic_target` accepts (inclusive), the low end of the tan(theta)
#: range that :func:`relic_line` searches. chi1 couples to the A' only through sin(theta) (chi1 chi2: s^2 c^2,
#: chi1 chi1: s^4, arXiv:2201.08409 Eq. 2.5): for theta <~ 1e-5 chi1 leaves chemical equilibrium with chi2 before
#: the solver's start (a Griest-Seckel quasi-static point, x ~ 10 - 20), its abundance is then set earlier than
#: the equations are integrated from, and the solver's answer depends on that start instead of the physics (a jump
#: in Omega h^2(eps): :func:`relic_target` then raises ConvergenceError). The floor, deep inside that regime, refuses
#: the rest up front (sin^2 theta of a subnormal theta even underflows to 0: chi1 would not couple at all).
RELIC_THETA_MIN = 1e-7

#: a fixed parameter of a relic line: a number, or (for eps) a function of m_A' [GeV] such as a
#: :class:`semivis.constraints.rules.CouplingRule` (the papers' eps = eps_(g-2))
FixedCoupling = float | Callable[[float], Any]

#: the coupling solved for, by the plane's y axis (y is solved through eps)
_SOLVE_FOR: dict[str, str] = {
    "eps": "eps",
    "y": "eps",
    "alpha_D": "alpha_D",
    "delta": "delta",
    "tan_theta": "tan_theta",
}


def relic_omega_h2(  # noqa: PLR0917
    kind: str,
    m_chi1: float,
    delta: float,
    m_Ap: float,
    eps: float,
    alpha_D: float,
    theta: float | None = None,
    *,
    method: Literal["coupled", "griest-seckel"] = "coupled",
    solver: Literal["fast", "reference"] = "fast",
    require_equilibrium_start: bool = False,
) -> float:
    """Omega h^2 of chi1 at one model point (see :mod:`semivis.cosmo.boltzmann`).

    ``solver="reference"`` selects the slow reference path of :func:`~semivis.cosmo.boltzmann.solve_relic`.
    ``require_equilibrium_start=True`` raises ConvergenceError where chi1 had already left equilibrium where the
    integration starts (:attr:`~semivis.cosmo.boltzmann.RelicResult.start_in_equilibrium`; the value is then only a
    lower bound).

    >>> 0.01 < relic_omega_h2("idm", 0.1, 0.1, 0.3, 1e-3, 0.1) < 0.1
    True
    """
    res = _relic_result(kind, m_chi1, delta, m_Ap, eps, alpha_D, theta, method, solver)
    if require_equilibrium_start:
        _require_equilibrium_start(res)
    return res.omega_h2


def _require_equilibrium_start(res: RelicResult) -> None:
    if not res.start_in_equilibrium:
        p = res.point
        raise ConvergenceError(
            f"relic: outside the freeze-out solver's scope at {p.kind} m_chi1={p.m1:.4g} GeV, delta={p.delta:.3g}, "
            f"m_A'={p.m_Ap:.4g} GeV, eps={p.eps:.3g}, alpha_D={p.alpha_D:.3g}, theta={p.theta:.3g}: chi1 has left "
            f"equilibrium before the integration starts (chi1 -> chi2 conversions per Hubble time "
            f"{res.start_conversions:.2g} < 1 there), so Omega h^2 = {res.omega_h2:.3g} is only a lower bound"
        )


def _relic_result(  # noqa: PLR0917
    kind: str,
    m_chi1: float,
    delta: float,
    m_Ap: float,
    eps: float,
    alpha_D: float,
    theta: float | None,
    method: Literal["coupled", "griest-seckel"] = "coupled",
    solver: Literal["fast", "reference"] = "fast",
) -> RelicResult:
    if kind == "i2dm" and theta is None:
        raise ParameterError("theta", theta, "a mixing angle 0 < theta < pi/2 for i2DM")
    p = DarkSectorPoint(
        kind,  # type: ignore[arg-type]
        m1=float(m_chi1),
        m2=float(m_chi1) * (1.0 + float(delta)),
        m_Ap=float(m_Ap),
        eps=float(eps),
        alpha_D=float(alpha_D),
        theta=float(theta) if theta is not None else 0.0,
    )
    fn = solve_relic if method == "coupled" else solve_griest_seckel
    return fn(p, solver=solver)


def _solve_log(  # noqa: PLR0917
    ln_omega: Callable[[float], float], guess: float, slope: float, lo: float, hi: float, what: str
) -> tuple[float, float]:
    """Find c in [lo, hi] with ln_omega(c) = ln 0.12; returns (c, Omega h^2)."""
    target = math.log(Omega_c_h2_planck2018)
    c = min(max(guess, lo), hi)
    lc = math.log(c)
    try:
        f = ln_omega(c) - target
    except ConvergenceError:
        # The solver can fail at the first guess far from any root (e.g. i2DM at theta <~ 1e-5, where chi1 barely
        # converts and Omega h^2 >> 0.12 at eps = 1e-3): if even the end of the range where Omega is smallest
        # stays above 0.120 there is no root, which is the answer; otherwise the failure stands.
        end = hi if slope < 0 else lo
        f_end = ln_omega(end) - target
        if f_end > 0:
            _no_root(end, math.exp(f_end + target), lo, hi, what)
        raise
    tried: list[tuple[float, float]] = [(lc, f)]
    s = slope
    for _ in range(12):
        if abs(f) < _TOL:
            return math.exp(lc), math.exp(f + target)
        step = -f / s
        step = max(min(step, 3.0), -3.0)
        lc_new = min(max(lc + step, math.log(lo)), math.log(hi))
        if lc_new == lc:
            # pinned at an end of the range with no sign change: no root in [lo, hi]
            _no_root(math.exp(lc), math.exp(f + target), lo, hi, what)
        f_new = ln_omega(math.exp(lc_new)) - target
        tried.append((lc_new, f_new))
        if lc_new != lc and abs(f_new - f) > 1e-12:
            s_new = (f_new - f) / (lc_new - lc)
            if s_new * slope > 0:  # keep the expected sign of the slope
                s = s_new
        lc, f = lc_new, f_new
    # fallback: bracket and Brent
    tried.sort()
    pts = tried
    for (a, fa), (b, fb) in itertools.pairwise(pts):
        if fa == 0.0:
            return math.exp(a), math.exp(target)
        if fa * fb < 0:
            root = brentq(lambda u: ln_omega(math.exp(u)) - target, a, b, xtol=1e-5)
            return _checked_root(math.exp(root), ln_omega(math.exp(root)) - target, what)
    grid = np.linspace(math.log(lo), math.log(hi), 13)
    vals = [ln_omega(math.exp(float(u))) - target for u in grid]
    for i in range(12):
        if vals[i] * vals[i + 1] < 0:
            root = brentq(lambda u: ln_omega(math.exp(u)) - target, float(grid[i]), float(grid[i + 1]), xtol=1e-5)
            return _checked_root(math.exp(root), ln_omega(math.exp(root)) - target, what)
    raise ConvergenceError(
        f"relic target: no {what} in [{lo:.3g}, {hi:.3g}] gives Omega h^2 = 0.120 "
        f"(Omega h^2 ranges over {math.exp(min(vals) + target):.3g} .. {math.exp(max(vals) + target):.3g})"
    )


#: every target returned has |ln(Omega h^2/0.120)| below this. The secant iterations stop at 1e-3; at a root bracketed
#: by Brent (xtol 1e-5 in ln(coupling), slopes |d ln Omega/d ln c| <~ 4) a continuous Omega h^2 gives < 1e-4, so a
#: residual of 1e-2 there is a jump of Omega h^2 across 0.120 (a solver artefact), not a root.
RELIC_OMEGA_RTOL = 1e-2


def _checked_root(c: float, f: float, what: str) -> tuple[float, float]:
    """(c, Omega h^2) of a bracketed root whose residual f = ln(Omega h^2/0.120) is checked: a bracket around a
    discontinuity of Omega h^2 (a solver artefact, e.g. i2DM at theta <~ 1e-5, where chi1 leaves equilibrium before
    the integration starts) is not a target."""
    om = math.exp(f + math.log(Omega_c_h2_planck2018))
    if not abs(f) <= RELIC_OMEGA_RTOL:
        raise ConvergenceError(
            f"relic target: Omega h^2 jumps across 0.120 at {what} = {c:.4g} (Omega h^2 = {om:.4g} there): "
            "no coupling gives the relic abundance (the freeze-out solver's start assumption fails at this point)"
        )
    return c, om


def _no_root(c: float, om: float, lo: float, hi: float, what: str) -> None:
    raise ConvergenceError(
        f"relic target: no {what} in [{lo:.3g}, {hi:.3g}] gives Omega h^2 = 0.120 "
        f"(at the end of the range, {what} = {c:.3g}: Omega h^2 = {om:.3g})"
    )


@dataclass(frozen=True)
class RelicTarget:
    """Relic-target couplings along a line (arrays of equal length)."""

    m_chi1: NDArray[np.float64]
    m_Ap: NDArray[np.float64]
    delta: NDArray[np.float64]
    eps: NDArray[np.float64]
    alpha_D: NDArray[np.float64]
    theta: NDArray[np.float64]
    y: NDArray[np.float64]
    omega_h2: NDArray[np.float64]


def _point(
    kind: str,
    solve_for: str,
    fixed: Mapping[str, Any],
    masses: tuple[float, float],
) -> tuple[float, float, float, float, float, float, float]:
    """Solve one point at (m_chi1, m_A'); ``fixed`` holds delta/alpha_D/eps/theta (eps may be a function of m_A').

    Returns (m_chi1, m_Ap, delta, eps, alpha_D, theta, omega).
    """
    m1, mA = masses
    theta: Any = fixed.get("theta")
    eps_in: Any = fixed.get("eps")
    if callable(eps_in):
        eps_in = float(eps_in(mA))
    aD: Any = fixed.get("alpha_D")
    delta: Any = fixed.get("delta")

    last: dict[str, RelicResult] = {}

    def omega(**kw: float) -> float:
        args = {"delta": delta, "eps": eps_in, "alpha_D": aD, "theta": theta}
        args.update(kw)
        args_used = (float(args["delta"]), float(args["eps"]), float(args["alpha_D"]))
        th = None if args["theta"] is None else float(args["theta"])
        last["result"] = _relic_result(kind, m1, args_used[0], mA, args_used[1], args_used[2], th)
        return last["result"].omega_h2

    def in_scope(**kw: float) -> None:
        """The target's own Omega h^2 must come from a start in equilibrium (re-solved if the last solve was not
        at the target, e.g. a root found exactly on a bracket end)."""
        res = last.get("result")
        p = res.point if res is not None else None
        at = {"eps": p.eps, "alpha_D": p.alpha_D, "delta": p.delta, "theta": p.theta} if p is not None else {}
        if res is None or any(not math.isclose(at[k], v, rel_tol=1e-12) for k, v in kw.items()):
            omega(**kw)
        _require_equilibrium_start(last["result"])

    if solve_for == "eps":
        c, om = _solve_log(lambda e: math.log(omega(eps=e)), 1e-3, -2.0, 1e-9, 1.0, "eps")
        in_scope(eps=c)
        return m1, mA, float(delta), c, float(aD), float(theta or 0.0), om
    if solve_for == "alpha_D":
        c, om = _solve_log(lambda a: math.log(omega(alpha_D=a)), 0.1, -1.0, RELIC_ALPHA_D_MIN, 4 * math.pi, "alpha_D")
        in_scope(alpha_D=c)
        return m1, mA, float(delta), float(eps_in), c, float(theta or 0.0), om
    if solve_for == "delta":
        c, om = _solve_log(lambda d: math.log(omega(delta=d)), 0.1, 1.0, 1e-3, 2.0, "delta")
        in_scope(delta=c)
        return m1, mA, c, float(eps_in), float(aD), float(theta or 0.0), om
    if solve_for == "tan_theta":
        c, om = _solve_log(
            lambda t: math.log(omega(theta=math.atan(t))), 1e-3, -2.0, RELIC_THETA_MIN, 10.0, "tan(theta)"
        )
        in_scope(theta=math.atan(c))
        return m1, mA, float(delta), float(eps_in), float(aD), math.atan(c), om
    raise ParameterError("solve_for", solve_for, "'eps', 'alpha_D', 'delta' or 'tan_theta'")


def _run(  # noqa: PLR0917
    kind: str,
    solve_for: str,
    masses: list[tuple[float, float]],
    fixed: Mapping[str, Any],
    executor: Executor | None,
    on_failure: OnFailure,
) -> tuple[RelicTarget, NDArray[np.bool_]]:
    if kind not in RELIC_MODELS:
        raise ParameterError("model", kind, "'idm' or 'i2dm'")
    if kind == "i2dm" and solve_for != "tan_theta" and fixed.get("theta") is None:
        raise ParameterError("theta", None, "a mixing angle 0 < theta < pi/2 for i2DM")
    if on_failure not in ("raise", "mask"):
        raise ParameterError("on_failure", on_failure, "'raise' or 'mask'")
    fn = functools.partial(_safe_point, kind, solve_for, dict(fixed), on_failure == "mask")
    results: Iterable[tuple[float, ...] | None]
    results = executor.map(fn, masses) if executor is not None else map(fn, masses)
    rows = list(results)
    bad = np.array([r is None for r in rows], dtype=bool)
    filled = np.array([r if r is not None else (1.0,) * 7 for r in rows], dtype=np.float64).reshape(-1, 7)
    m1, mA, d, e, a, th, om = (filled[:, i] for i in range(7))
    return RelicTarget(m1, mA, d, e, a, th, y_from_eps(e, a, m1, mA), om), bad


def _safe_point(
    kind: str, solve_for: str, fixed: Mapping[str, Any], mask: bool, masses: tuple[float, float]
) -> tuple[float, ...] | None:
    try:
        return _point(kind, solve_for, fixed, masses)
    except ConvergenceError:
        if mask:
            return None
        raise


def relic_target(
    kind: str,
    *,
    m_chi1: ArrayLike,
    ratio: float,
    delta: float,
    alpha_D: float,
    theta: float | None = None,
    executor: Executor | None = None,
) -> RelicTarget:
    """Relic target (eps and y) at given m_chi1 (array), ratio R = m_A'/m_chi1, delta, alpha_D (and theta).

    The contract's entry point: ``relic_target(...).y`` and ``.eps`` give Omega h^2 = 0.120. R > 2
    (:data:`RELIC_RATIO_MIN`: the secluded chi chi -> A'A' regime is not modelled); for R < 2 + delta, where
    A' -> chi1 chi2 is closed, the small-splitting chi2 width is used (docs/physics/relic.md).

    >>> relic_target("idm", m_chi1=0.1, ratio=0.5, delta=0.4, alpha_D=0.1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: ratio = 0.5 is out of range: allowed ratio > 2.0 (chi chi -> A'A' ...
    """
    m = check_range("m_chi1", m_chi1, RELIC_M_CHI1_MIN, 100.0, low_inclusive=True)
    check_range(
        "ratio",
        ratio,
        RELIC_RATIO_MIN,
        reason="chi chi -> A'A' (secluded annihilation, open or in the thermal tail for R <~ 2) is not modelled",
    )
    check_range("delta", delta, 0.0, 2.0, high_inclusive=True)
    check_range("alpha_D", alpha_D, 0.0, 4 * math.pi, high_inclusive=True)
    check_range(
        "alpha_D",
        alpha_D,
        RELIC_ALPHA_D_MIN,
        low_inclusive=True,
        reason="the relic target's scope: annihilation ~ eps^2 alpha_D, eps <= 1 (none at m_chi1 = 1 GeV below it)",
    )
    if kind == "i2dm" and theta is not None:
        check_range("theta", theta, 0.0, math.pi / 2)
        check_range(
            "theta",
            theta,
            RELIC_THETA_MIN,
            low_inclusive=True,
            reason="smaller: chi1, coupled through the mixing, leaves equilibrium before freeze-out: no target",
        )
    fixed = {"delta": delta, "alpha_D": alpha_D, "theta": theta}
    masses = [(float(m1), float(m1) * float(ratio)) for m1 in np.atleast_1d(m).ravel()]
    res, _ = _run(kind, "eps", masses, fixed, executor, "raise")
    return res


def relic_line(
    plane: Plane,
    x: ArrayLike,
    *,
    kind: str,
    fixed: Mapping[str, FixedCoupling],
    executor: Executor | None = None,
    on_failure: OnFailure = "raise",
) -> NDArray[np.float64]:
    """The relic target in ``plane``: its y value (Omega h^2 = 0.120) at each x, the plane's fixed parameters
    ``fixed`` given (numbers; eps may also be a function of m_A', e.g. the (g-2) eps of EPJC 2023 Fig. 4).

    theta is used for i2DM only. Points with m_chi1 below :data:`RELIC_M_CHI1_MIN` (no freeze-out before BBN)
    and points without a solution raise (``on_failure="raise"``) or are masked (``"mask"``).

    >>> from semivis.planes import PLANES
    >>> fixed = {"alpha_D": 0.1, "ratio": 3.0, "delta": 0.1}
    >>> eps = relic_line(PLANES["mAp-eps"], [0.3], kind="idm", fixed=fixed)
    >>> y = relic_line(PLANES["mchi1-y"], [0.1], kind="idm", fixed=fixed)
    >>> bool(abs(float(y[0]) / (float(eps[0]) ** 2 * 0.1 / 81) - 1) < 3e-3)  # solver tolerance: Omega to 1e-3
    True
    """
    if on_failure not in ("raise", "mask"):
        raise ParameterError("on_failure", on_failure, "'raise' or 'mask'")
    if kind not in plane.models:
        raise ParameterError("model", kind, " | ".join(plane.models), f"plane {plane.name}")
    needed = [k for k in plane.fixed if k != "theta" or (kind == "i2dm" and plane.y != "tan_theta")]
    for key in needed:
        if fixed.get(key) is None:
            raise ParameterError(key, None, f"a fixed {key} for the relic target in plane {plane.name}")
    xv = np.atleast_1d(check_range(plane.x, x, 0.0)).ravel()
    masses_given = {k: float(cast(float, fixed[k])) for k in ("ratio", "m_chi1") if k in fixed}
    m1 = plane.masses(xv, masses_given)[1]
    m_ap: NDArray[np.float64] = m1 * plane.ratio(xv, masses_given)
    low = m1 < RELIC_M_CHI1_MIN
    if np.any(low) and on_failure == "raise":
        raise ParameterError(
            "m_chi1", float(m1[low][0]), f"m_chi1 >= {RELIC_M_CHI1_MIN} GeV (chi1 freezes out before BBN)"
        )
    params = {k: fixed.get(k) for k in ("delta", "alpha_D", "eps")}
    params["theta"] = fixed.get("theta") if kind == "i2dm" else None
    ok = np.flatnonzero(~low)
    res, bad_ok = _run(
        kind, _SOLVE_FOR[plane.y], [(float(m1[i]), float(m_ap[i])) for i in ok], params, executor, on_failure
    )
    values = {"eps": res.eps, "y": res.y, "alpha_D": res.alpha_D, "delta": res.delta}
    solved = tan_theta_from_theta(res.theta) if plane.y == "tan_theta" else values[plane.y]
    out = np.ones(xv.shape, dtype=np.float64)
    out[ok] = solved
    bad = low.copy()
    bad[ok] = bad_ok
    if on_failure == "mask":
        return np.ma.masked_array(out, mask=bad)
    return out
