"""Thermal relic targets: the coupling that gives Omega h^2 = 0.120, in every plane of the figures.

y = eps^2 alpha_D (m_chi1/m_A')^4 (physics.md section 1). Each plane function is vectorised over its x axis
and takes an optional ``executor`` (any ``concurrent.futures.Executor``; points are independent, so a
``ProcessPoolExecutor`` parallelises a line). A point with no solution in the searched range raises
:class:`~semivis.errors.ConvergenceError` (``on_failure="raise"``, default) or is masked
(``on_failure="mask"``, a ``numpy.ma.MaskedArray``); never NaN.

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
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import brentq

from semivis._validation import check_range
from semivis.constants import Omega_c_h2_planck2018
from semivis.cosmo.boltzmann import DarkSectorPoint, solve_griest_seckel, solve_relic
from semivis.errors import ConvergenceError, ParameterError

__all__ = [
    "RELIC_PLANES",
    "RelicTarget",
    "relic_alphaD_vs_mAp",
    "relic_delta_vs_mchi1",
    "relic_eps_vs_mAp",
    "relic_omega_h2",
    "relic_tantheta_vs_mchi1",
    "relic_target",
    "relic_y_vs_mchi1",
    "relic_y_vs_ratio",
]

Kind = Literal["idm", "i2dm"]
OnFailure = Literal["raise", "mask"]
_TOL = 1e-3


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
) -> float:
    """Omega h^2 of chi1 at one model point (see :mod:`semivis.cosmo.boltzmann`).

    ``solver="reference"`` selects the slow reference path of :func:`~semivis.cosmo.boltzmann.solve_relic`.

    >>> 0.01 < relic_omega_h2("idm", 0.1, 0.1, 0.3, 1e-3, 0.1) < 0.1
    True
    """
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
    return fn(p, solver=solver).omega_h2


def _solve_log(  # noqa: PLR0917
    ln_omega: Callable[[float], float], guess: float, slope: float, lo: float, hi: float, what: str
) -> tuple[float, float]:
    """Find c in [lo, hi] with ln_omega(c) = ln 0.12; returns (c, Omega h^2)."""
    target = math.log(Omega_c_h2_planck2018)
    c = min(max(guess, lo), hi)
    lc = math.log(c)
    f = ln_omega(c) - target
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
            return math.exp(root), math.exp(ln_omega(math.exp(root)))
    grid = np.linspace(math.log(lo), math.log(hi), 13)
    vals = [ln_omega(math.exp(float(u))) - target for u in grid]
    for i in range(12):
        if vals[i] * vals[i + 1] < 0:
            root = brentq(lambda u: ln_omega(math.exp(u)) - target, float(grid[i]), float(grid[i + 1]), xtol=1e-5)
            return math.exp(root), math.exp(ln_omega(math.exp(root)))
    raise ConvergenceError(
        f"relic target: no {what} in [{lo:.3g}, {hi:.3g}] gives Omega h^2 = 0.120 "
        f"(Omega h^2 ranges over {math.exp(min(vals) + target):.3g} .. {math.exp(max(vals) + target):.3g})"
    )


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
    fixed: dict[str, Any],
    x: float,
) -> tuple[float, float, float, float, float, float, float]:
    """Solve one point. ``fixed`` holds m_chi1/ratio/delta/alpha_D/eps/theta; ``x`` the plane's x value.

    Returns (m_chi1, m_Ap, delta, eps, alpha_D, theta, omega).
    """
    f = dict(fixed)
    f[f.pop("_xname")] = x
    ratio = float(f["ratio"])
    m1 = float(f["m_chi1"]) if "m_chi1" in f and f["m_chi1"] is not None else float(f["m_Ap"]) / ratio
    mA = m1 * ratio
    theta: Any = f.get("theta")
    eps_in: Any = f.get("eps")
    if callable(eps_in):
        eps_in = float(eps_in(mA))
    aD: Any = f.get("alpha_D")
    delta: Any = f.get("delta")

    def omega(**kw: float) -> float:
        args = {"delta": delta, "eps": eps_in, "alpha_D": aD, "theta": theta}
        args.update(kw)
        return relic_omega_h2(
            kind,
            m1,
            float(args["delta"]),
            mA,
            float(args["eps"]),
            float(args["alpha_D"]),
            None if args["theta"] is None else float(args["theta"]),
        )

    if solve_for == "eps":
        c, om = _solve_log(lambda e: math.log(omega(eps=e)), 1e-3, -2.0, 1e-9, 1.0, "eps")
        return m1, mA, float(delta), c, float(aD), float(theta or 0.0), om
    if solve_for == "alpha_D":
        c, om = _solve_log(lambda a: math.log(omega(alpha_D=a)), 0.1, -1.0, 1e-8, 4 * math.pi, "alpha_D")
        return m1, mA, float(delta), float(eps_in), c, float(theta or 0.0), om
    if solve_for == "delta":
        c, om = _solve_log(lambda d: math.log(omega(delta=d)), 0.1, 1.0, 1e-3, 2.0, "delta")
        return m1, mA, c, float(eps_in), float(aD), float(theta or 0.0), om
    if solve_for == "tan_theta":
        c, om = _solve_log(lambda t: math.log(omega(theta=math.atan(t))), 1e-3, -2.0, 1e-7, 10.0, "tan(theta)")
        return m1, mA, float(delta), float(eps_in), float(aD), math.atan(c), om
    raise ParameterError("solve_for", solve_for, "'eps', 'alpha_D', 'delta' or 'tan_theta'")


def _run(  # noqa: PLR0917
    kind: str,
    solve_for: str,
    xname: str,
    xs: NDArray[np.float64],
    fixed: dict[str, Any],
    executor: Executor | None,
    on_failure: OnFailure,
) -> tuple[RelicTarget, NDArray[np.bool_]]:
    if kind not in ("idm", "i2dm"):
        raise ParameterError("model", kind, "'idm' or 'i2dm'")
    if kind == "i2dm" and solve_for != "tan_theta" and fixed.get("theta") is None:
        raise ParameterError("theta", None, "a mixing angle 0 < theta < pi/2 for i2DM")
    if on_failure not in ("raise", "mask"):
        raise ParameterError("on_failure", on_failure, "'raise' or 'mask'")
    fixed = {**fixed, "_xname": xname}
    fn = functools.partial(_safe_point, kind, solve_for, fixed, on_failure == "mask")
    flat = [float(v) for v in np.atleast_1d(xs).ravel()]
    results: Iterable[tuple[float, ...] | None]
    results = executor.map(fn, flat) if executor is not None else map(fn, flat)
    rows = list(results)
    bad = np.array([r is None for r in rows], dtype=bool)
    filled = np.array([r if r is not None else (1.0,) * 7 for r in rows], dtype=np.float64).reshape(-1, 7)
    m1, mA, d, e, a, th, om = (filled[:, i] for i in range(7))
    y = e**2 * a * (m1 / mA) ** 4
    return RelicTarget(m1, mA, d, e, a, th, y, om), bad


def _safe_point(kind: str, solve_for: str, fixed: dict[str, Any], mask: bool, x: float) -> tuple[float, ...] | None:
    try:
        return _point(kind, solve_for, fixed, x)
    except ConvergenceError:
        if mask:
            return None
        raise


def _out(values: NDArray[np.float64], bad: NDArray[np.bool_], on_failure: OnFailure) -> NDArray[np.float64]:
    if on_failure == "mask":
        return np.ma.masked_array(values, mask=bad)
    return values


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

    The contract's entry point: ``relic_target(...).y`` and ``.eps`` give Omega h^2 = 0.120.
    """
    m = check_range("m_chi1", m_chi1, 1e-3, 100.0, low_inclusive=True)
    check_range("ratio", ratio, 0.0)
    check_range("delta", delta, 0.0, 2.0, high_inclusive=True)
    check_range("alpha_D", alpha_D, 0.0, 4 * math.pi, high_inclusive=True)
    fixed = {"ratio": ratio, "delta": delta, "alpha_D": alpha_D, "theta": theta}
    res, _ = _run(kind, "eps", "m_chi1", m, fixed, executor, "raise")
    return res


def relic_eps_vs_mAp(
    m_Ap: ArrayLike,
    *,
    kind: str,
    alpha_D: float,
    ratio: float,
    delta: float,
    theta: float | None = None,
    executor: Executor | None = None,
    on_failure: OnFailure = "raise",
) -> NDArray[np.float64]:
    """(m_A', eps) plane: eps(m_A') giving Omega h^2 = 0.120 at fixed alpha_D, R, delta (theta)."""
    m = check_range("m_Ap", m_Ap, 0.0)
    fixed = {"ratio": ratio, "delta": delta, "alpha_D": alpha_D, "theta": theta}
    res, bad = _run(kind, "eps", "m_Ap", m, fixed, executor, on_failure)
    return _out(res.eps, bad, on_failure)


def relic_alphaD_vs_mAp(
    m_Ap: ArrayLike,
    *,
    kind: str,
    eps: float | Callable[[float], float],
    ratio: float,
    delta: float,
    theta: float | None = None,
    executor: Executor | None = None,
    on_failure: OnFailure = "raise",
) -> NDArray[np.float64]:
    """(m_A', alpha_D) plane: alpha_D(m_A') at fixed eps (a number or a function of m_A', e.g. the (g-2) eps)."""
    m = check_range("m_Ap", m_Ap, 0.0)
    fixed = {"ratio": ratio, "delta": delta, "eps": eps, "theta": theta}
    res, bad = _run(kind, "alpha_D", "m_Ap", m, fixed, executor, on_failure)
    return _out(res.alpha_D, bad, on_failure)


def relic_delta_vs_mchi1(
    m_chi1: ArrayLike,
    *,
    kind: str,
    eps: float | Callable[[float], float],
    alpha_D: float,
    ratio: float,
    theta: float | None = None,
    executor: Executor | None = None,
    on_failure: OnFailure = "raise",
) -> NDArray[np.float64]:
    """(m_chi1, delta) plane: the fractional splitting giving Omega h^2 = 0.120 (Omega grows with delta)."""
    m = check_range("m_chi1", m_chi1, 1e-3, low_inclusive=True)
    fixed = {"ratio": ratio, "alpha_D": alpha_D, "eps": eps, "theta": theta}
    res, bad = _run(kind, "delta", "m_chi1", m, fixed, executor, on_failure)
    return _out(res.delta, bad, on_failure)


def relic_y_vs_mchi1(
    m_chi1: ArrayLike,
    *,
    kind: str,
    alpha_D: float,
    ratio: float,
    delta: float,
    theta: float | None = None,
    executor: Executor | None = None,
    on_failure: OnFailure = "raise",
) -> NDArray[np.float64]:
    """(m_chi1, y) plane: y(m_chi1) at fixed alpha_D, R, delta (theta)."""
    m = check_range("m_chi1", m_chi1, 1e-3, low_inclusive=True)
    fixed = {"ratio": ratio, "delta": delta, "alpha_D": alpha_D, "theta": theta}
    res, bad = _run(kind, "eps", "m_chi1", m, fixed, executor, on_failure)
    return _out(res.y, bad, on_failure)


def relic_y_vs_ratio(
    ratio: ArrayLike,
    *,
    kind: str,
    m_chi1: float,
    alpha_D: float,
    delta: float,
    theta: float | None = None,
    executor: Executor | None = None,
    on_failure: OnFailure = "raise",
) -> NDArray[np.float64]:
    """(R, y) plane: y(R = m_A'/m_chi1) at fixed m_chi1, alpha_D, delta (theta); resonant near R = 2 + delta."""
    r = check_range("ratio", ratio, 0.0)
    fixed = {"m_chi1": m_chi1, "delta": delta, "alpha_D": alpha_D, "theta": theta}
    res, bad = _run(kind, "eps", "ratio", r, fixed, executor, on_failure)
    return _out(res.y, bad, on_failure)


def relic_tantheta_vs_mchi1(
    m_chi1: ArrayLike,
    *,
    eps: float | Callable[[float], float],
    alpha_D: float,
    ratio: float,
    delta: float,
    executor: Executor | None = None,
    on_failure: OnFailure = "raise",
) -> NDArray[np.float64]:
    """(m_chi1, tan theta) plane of i2DM (EPJC 2023 Fig. 8, eps = 1e-3): tan(theta) giving Omega h^2 = 0.120."""
    m = check_range("m_chi1", m_chi1, 1e-3, low_inclusive=True)
    fixed = {"ratio": ratio, "delta": delta, "alpha_D": alpha_D, "eps": eps}
    res, bad = _run("i2dm", "tan_theta", "m_chi1", m, fixed, executor, on_failure)
    return _out(np.tan(res.theta), bad, on_failure)


#: plane name -> function returning the relic-target line (x axis, y axis of the figures)
RELIC_PLANES: dict[str, Callable[..., NDArray[np.float64]]] = {
    "mAp-eps": relic_eps_vs_mAp,
    "mAp-alphaD": relic_alphaD_vs_mAp,
    "mchi1-delta": relic_delta_vs_mchi1,
    "mchi1-y": relic_y_vs_mchi1,
    "R-y": relic_y_vs_ratio,
    "mchi1-tantheta": relic_tantheta_vs_mchi1,
}
