"""Counts -> signal upper limits by exact Poisson CLs (knows nothing of physics).

Method
------
The modified frequentist CLs construction (A. L. Read, J. Phys. G 28 (2002) 2693, Eqs. 1-4; T. Junk,
NIM A 434 (1999) 435) evaluated *exactly*, by summing Poisson probabilities, never with the asymptotic
formulae (which fail at NA64's counts: pyhf's asymptotic calculator gives 1.46 signal events for n = 0,
b = 0.1 +- 0.03 where the exact answer is 2.30, see ``docs/scans.md``):

* one bin: the test statistic is the count n itself, ``CL_{s+b}(s) = P(N <= n_obs | s + b)``,
  ``CL_b = P(N <= n_obs | b)``, ``CLs = CL_{s+b} / CL_b``; the limit s_up solves ``CLs(s_up) = 1 - CL``.
  For n_obs = 0 the background cancels: ``CLs = exp(-s)`` and ``s_up = ln 10 = 2.303`` at 90 % CL for every b.
* several bins (the S1 + S2 combination of the 2021 paper, Phys. Lett. B / EPJC 2021, Sect. 4): the signal
  splits across the bins with known fractions f_k (``s_k = f_k s``); the test statistic is the LEP
  likelihood ratio ``-2 ln Q = 2 sum_k [s_k - n_k ln(1 + s_k / b_k)]`` (Read 2002, Eq. 6), whose
  distribution is obtained by enumerating every outcome (n_1, ..., n_K) up to a negligible Poisson tail.
  s_up depends on the split; :func:`multibin_table` tabulates it over the fraction for fast scans.

Background uncertainty is *marginalised* (Cousins & Highland, NIM A 320 (1992) 331): the Poisson
probabilities are averaged over a prior for the true background, by default a Gaussian of mean b and
width sigma_b **truncated at 0** (``prior="gauss"``, renormalised), optionally a **log-normal** of the same
mean and standard deviation (``prior="lognormal"``). Bins' background uncertainties are uncorrelated.
The test statistic uses the nominal b.

Examples
--------
>>> round(upper_limit(0, 0.1, 0.03), 3)         # background cancels at n_obs = 0
2.303
>>> round(upper_limit(1, 0.0), 3)                 # classical Poisson 90 % limit for n = 1, b = 0
3.89
>>> round(upper_limit_multibin([0, 0], [0.19, 0.53], [0.07, 0.17], [0.3, 0.7]), 3)
2.303
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special

from semivis.errors import ConvergenceError, ParameterError

__all__ = [
    "PRIORS",
    "MultibinLimitTable",
    "background_prior",
    "cls",
    "cls_multibin",
    "multibin_table",
    "upper_limit",
    "upper_limit_multibin",
]

Prior = Literal["gauss", "lognormal"]
#: Supported background priors for the marginalisation.
PRIORS: tuple[str, ...] = ("gauss", "lognormal")

_N_LEGENDRE = 96
_N_HERMITE = 48
_B_FLOOR = 1e-9  # background used in the test statistic of an empty bin (keeps ln(1 + s/b) finite)


def _check_cl(cl: float) -> float:
    if not (isinstance(cl, int | float) and 0.0 < float(cl) < 1.0):
        raise ParameterError("cl", cl, "0 < cl < 1")
    return float(cl)


def _check_counts(n_obs: ArrayLike, name: str = "n_obs") -> NDArray[np.int64]:
    arr = np.atleast_1d(np.asarray(n_obs))
    if arr.dtype.kind == "f" and np.all(np.isfinite(arr)) and np.all(arr == np.round(arr)):
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iu" or np.any(arr < 0):
        raise ParameterError(name, n_obs, "non-negative integer count(s)")
    return arr.astype(np.int64)


def _check_bkg(b: ArrayLike, sigma_b: ArrayLike, size: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    try:
        b_arr = np.broadcast_to(np.asarray(b, dtype=np.float64), (size,)).copy()
        s_arr = np.broadcast_to(np.asarray(sigma_b, dtype=np.float64), (size,)).copy()
    except (TypeError, ValueError) as exc:
        raise ParameterError("b", b, f"{size} finite non-negative background(s) and sigma_b(s)") from exc
    if not np.all(np.isfinite(b_arr)) or np.any(b_arr < 0):
        raise ParameterError("b", b, "finite b >= 0")
    if not np.all(np.isfinite(s_arr)) or np.any(s_arr < 0):
        raise ParameterError("sigma_b", sigma_b, "finite sigma_b >= 0")
    return b_arr, s_arr


def _check_prior(prior: str) -> None:
    if prior not in PRIORS:
        raise ParameterError("prior", prior, " or ".join(PRIORS))


def background_prior(b: float, sigma_b: float, prior: str = "gauss") -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Quadrature nodes and normalised weights of the background prior.

    ``"gauss"``: Gaussian N(b, sigma_b) truncated at 0 and renormalised (Gauss-Legendre on
    [max(0, b - 8 sigma_b), b + 8 sigma_b]); ``"lognormal"``: log-normal with mean b and standard deviation
    sigma_b (Gauss-Hermite in log b). ``sigma_b = 0`` or ``b = 0`` gives the single node b.

    >>> nodes, weights = background_prior(0.53, 0.17, "lognormal")
    >>> round(float(weights.sum()), 12), round(float(nodes @ weights), 4), round(float(weights @ (nodes - 0.53)**2), 4)
    (1.0, 0.53, 0.0289)
    """
    _check_prior(prior)
    b_arr, s_arr = _check_bkg(b, sigma_b, 1)
    b0, s0 = float(b_arr[0]), float(s_arr[0])
    if s0 == 0.0 or b0 == 0.0:
        return np.array([b0]), np.array([1.0])
    if prior == "gauss":
        lo, hi = max(0.0, b0 - 8.0 * s0), b0 + 8.0 * s0
        x, w = np.polynomial.legendre.leggauss(_N_LEGENDRE)
        nodes = 0.5 * (hi - lo) * x + 0.5 * (hi + lo)
        weights = w * np.exp(-0.5 * ((nodes - b0) / s0) ** 2)
    else:
        sig_ln = math.sqrt(math.log1p((s0 / b0) ** 2))
        mu_ln = math.log(b0) - 0.5 * sig_ln**2
        x, w = np.polynomial.hermite_e.hermegauss(_N_HERMITE)
        nodes = np.exp(mu_ln + sig_ln * x)
        weights = w.copy()
    return nodes, weights / weights.sum()


def _poisson_cdf(k: int, mu: NDArray[np.float64]) -> NDArray[np.float64]:
    out: NDArray[np.float64] = special.pdtr(k, mu)
    return out


def cls(s: float, n_obs: int, b: float = 0.0, sigma_b: float = 0.0, *, prior: str = "gauss") -> float:
    """Exact one-bin CLs value for signal s (Read 2002, Eq. 4, with marginalised background).

    >>> round(cls(math.log(10.0), 0, 0.5, 0.2), 6)
    0.1
    """
    n = int(_check_counts(n_obs)[0])
    nodes, weights = background_prior(b, sigma_b, prior)
    cl_b = float(weights @ _poisson_cdf(n, nodes))
    cl_sb = float(weights @ _poisson_cdf(n, nodes + float(s)))
    return cl_sb / cl_b


def _solve(f: Callable[[float], float], alpha: float, start: float) -> float:
    """Root of ``f(s) = alpha`` for a decreasing f with f(0) = 1, bracketed by doubling from ``start``."""
    hi = max(start, 1.0)
    for _ in range(60):
        if f(hi) < alpha:
            break
        hi *= 2.0
    else:  # pragma: no cover - CLs always falls eventually
        raise ConvergenceError(f"CLs did not fall below {alpha} for s up to {hi}")
    lo = 0.0
    root: float = optimize.brentq(lambda s: f(s) - alpha, lo, hi, xtol=1e-10, rtol=1e-10)
    return root


def upper_limit(n_obs: int, b: float = 0.0, sigma_b: float = 0.0, *, cl: float = 0.9, prior: str = "gauss") -> float:
    """Exact CLs upper limit on the signal count for n_obs observed events and background b +- sigma_b.

    Parameters
    ----------
    n_obs: observed events (non-negative integer).
    b, sigma_b: expected background and its uncertainty (marginalised, see the module docstring).
    cl: confidence level (0.9 for NA64's 90 % CL limits).
    prior: ``"gauss"`` (Gaussian truncated at 0, default) or ``"lognormal"``.

    >>> round(upper_limit(0, 0.53, 0.17), 4)
    2.3026
    >>> round(upper_limit(2, 0.0), 3)                 # classical 90 % Poisson limit for n = 2
    5.322
    >>> upper_limit(-1)
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: n_obs = -1 is out of range: allowed non-negative integer count(s)
    """
    alpha = 1.0 - _check_cl(cl)
    n = int(_check_counts(n_obs)[0])
    _check_prior(prior)
    _check_bkg(b, sigma_b, 1)
    if n == 0:
        return -math.log(alpha)
    nodes, weights = background_prior(b, sigma_b, prior)
    cl_b = float(weights @ _poisson_cdf(n, nodes))

    def f(s: float) -> float:
        return float(weights @ _poisson_cdf(n, nodes + s)) / cl_b

    return _solve(f, alpha, n + 3.0 * math.sqrt(n + 1.0) + 3.0)


@dataclass(frozen=True)
class _Multibin:
    """Precomputed per-bin priors and enumeration ranges for one multibin problem."""

    n_obs: NDArray[np.int64]
    b: NDArray[np.float64]
    nodes: tuple[NDArray[np.float64], ...]
    weights: tuple[NDArray[np.float64], ...]

    @classmethod
    def build(cls, n_obs: ArrayLike, b: ArrayLike, sigma_b: ArrayLike, prior: str) -> _Multibin:
        n = _check_counts(n_obs)
        if n.ndim != 1 or n.size < 1:
            raise ParameterError("n_obs", n_obs, "one count per bin")
        b_arr, s_arr = _check_bkg(b, sigma_b, n.size)
        _check_prior(prior)
        pri = [background_prior(float(bi), float(si), prior) for bi, si in zip(b_arr, s_arr, strict=True)]
        return cls(n, b_arr, tuple(p[0] for p in pri), tuple(p[1] for p in pri))

    def _pmfs(self, s_bins: NDArray[np.float64]) -> tuple[list[NDArray[np.float64]], list[NDArray[np.float64]]]:
        """Marginalised per-bin Poisson pmfs under s+b and b, on enumeration ranges covering the tails."""
        pmf_sb, pmf_b = [], []
        for k in range(self.n_obs.size):
            mu_max = s_bins[k] + float(self.nodes[k].max())
            n_max = int(max(self.n_obs[k], mu_max + 12.0 * math.sqrt(mu_max + 1.0) + 15.0))
            grid = np.arange(n_max + 1, dtype=np.float64)[:, None]
            pmf_sb.append(special_poisson_pmf(grid, self.nodes[k][None, :] + s_bins[k]) @ self.weights[k])
            pmf_b.append(special_poisson_pmf(grid, self.nodes[k][None, :]) @ self.weights[k])
        return pmf_sb, pmf_b

    def cls(self, s: float, fractions: NDArray[np.float64]) -> float:
        s_bins = s * fractions
        if s <= 0.0:
            return 1.0
        pmf_sb, pmf_b = self._pmfs(s_bins)
        slope = np.log1p(s_bins / np.maximum(self.b, _B_FLOOR))  # q = sum_k n_k ln(1 + s_k/b_k)
        q_obs = float(self.n_obs @ slope)
        q = np.zeros(())
        p_sb = np.ones(())
        p_b = np.ones(())
        for k in range(self.n_obs.size):
            n_k = np.arange(pmf_sb[k].size, dtype=np.float64)
            q = np.add.outer(q, n_k * slope[k])
            p_sb = np.multiply.outer(p_sb, pmf_sb[k])
            p_b = np.multiply.outer(p_b, pmf_b[k])
        mask = q <= q_obs * (1.0 + 1e-12) + 1e-12  # ties count as "as background-like as observed"
        cl_sb = float(p_sb[mask].sum())
        cl_b = float(p_b[mask].sum())
        return cl_sb / cl_b

    def upper_limit(self, fractions: NDArray[np.float64], alpha: float) -> float:
        if np.all(self.n_obs == 0):
            return -math.log(alpha)
        n_tot = float(self.n_obs.sum())
        return _solve(lambda s: self.cls(s, fractions), alpha, n_tot + 3.0 * math.sqrt(n_tot + 1.0) + 3.0)


def special_poisson_pmf(n: NDArray[np.float64], mu: NDArray[np.float64]) -> NDArray[np.float64]:
    """Poisson pmf P(n | mu) for float arrays (mu = 0 handled: P(0|0) = 1).

    >>> special_poisson_pmf(np.array([0.0, 1.0]), np.array([0.0, 2.0])).round(4)
    array([1.    , 0.2707])
    """
    out: NDArray[np.float64] = np.exp(special.xlogy(n, mu) - mu - special.gammaln(n + 1.0))
    return out


def _check_fractions(fractions: ArrayLike, size: int) -> NDArray[np.float64]:
    try:
        f = np.asarray(fractions, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise ParameterError("fractions", fractions, f"{size} non-negative numbers summing to 1") from exc
    if f.size != size or not np.all(np.isfinite(f)) or np.any(f < 0) or not math.isclose(f.sum(), 1.0, rel_tol=1e-9):
        raise ParameterError("fractions", fractions, f"{size} non-negative numbers summing to 1")
    return f


def cls_multibin(
    s: float,
    n_obs: Sequence[int],
    b: ArrayLike,
    sigma_b: ArrayLike,
    fractions: ArrayLike,
    *,
    prior: str = "gauss",
) -> float:
    """Exact multibin CLs value for total signal s split with ``fractions`` (Read 2002, Eqs. 4 and 6).

    >>> round(cls_multibin(math.log(10.0), [0, 0], [0.2, 0.5], [0.1, 0.2], [0.5, 0.5]), 6)
    0.1
    """
    mb = _Multibin.build(n_obs, b, sigma_b, prior)
    return mb.cls(float(s), _check_fractions(fractions, mb.n_obs.size))


def upper_limit_multibin(
    n_obs: Sequence[int],
    b: ArrayLike,
    sigma_b: ArrayLike,
    fractions: ArrayLike,
    *,
    cl: float = 0.9,
    prior: str = "gauss",
) -> float:
    """Exact CLs limit on the *total* signal s = sum_k s_k for signal fractions f_k per bin.

    Bins with f_k = 0 drop out of the statistic, so ``fractions = (1, 0)`` reproduces the one-bin limit
    of bin 1.

    >>> round(upper_limit_multibin([1, 0], [0.19, 0.53], [0.07, 0.17], [1.0, 0.0]), 4) == round(
    ...     upper_limit(1, 0.19, 0.07), 4)
    True
    """
    alpha = 1.0 - _check_cl(cl)
    mb = _Multibin.build(n_obs, b, sigma_b, prior)
    return mb.upper_limit(_check_fractions(fractions, mb.n_obs.size), alpha)


@dataclass(frozen=True)
class MultibinLimitTable:
    """s_up of a two-bin combination tabulated over the first bin's signal fraction f (second: 1 - f).

    Linear interpolation on adaptively refined nodes; call it with an array of fractions. Built by
    :func:`multibin_table`. The exact discrete CLs limit is only piecewise continuous in f for n_obs > 0
    (the ordering of outcomes by the likelihood ratio changes at isolated f, giving steps of up to ~10 %),
    so the nodes are bisected until linear interpolation matches the exact limit to ``rtol`` or the
    interval is narrower than ``min_width`` (a step is then located to that width). For n_obs = 0 it is
    exactly ln 10.
    """

    fraction: NDArray[np.float64]
    s_up: NDArray[np.float64]
    n_obs: tuple[int, ...]
    b: tuple[float, ...]
    sigma_b: tuple[float, ...]
    cl: float
    prior: str

    def __call__(self, f: ArrayLike) -> NDArray[np.float64]:
        """Interpolated s_up at first-bin fraction(s) f in [0, 1]."""
        arr = np.asarray(f, dtype=np.float64)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0) or np.any(arr > 1):
            raise ParameterError("fraction", f, "0 <= fraction <= 1")
        out: NDArray[np.float64] = np.interp(arr, self.fraction, self.s_up)
        return out


def multibin_table(
    n_obs: Sequence[int],
    b: ArrayLike,
    sigma_b: ArrayLike,
    *,
    n_points: int = 21,
    rtol: float = 2e-3,
    min_width: float = 1e-4,
    cl: float = 0.9,
    prior: str = "gauss",
) -> MultibinLimitTable:
    """Tabulate the two-bin s_up over the split fraction (exact at the nodes, adaptively refined).

    ``n_points`` uniform starting nodes; every interval is bisected (one extra node tested at its
    midpoint) until linear interpolation agrees with the exact limit to ``rtol`` or the interval is
    narrower than ``min_width``.

    >>> table = multibin_table([0, 0], [0.19, 0.53], [0.07, 0.17], n_points=5)
    >>> [round(float(v), 3) for v in table([0.0, 0.35, 1.0])]     # n_obs = 0: ln 10 for every split
    [2.303, 2.303, 2.303]
    """
    if not isinstance(n_points, int) or n_points < 2:
        raise ParameterError("n_points", n_points, "an integer >= 2")
    alpha = 1.0 - _check_cl(cl)
    mb = _Multibin.build(n_obs, b, sigma_b, prior)
    if mb.n_obs.size != 2:
        raise ParameterError("n_obs", list(n_obs), "exactly two bins for a fraction table")

    def exact(f: float) -> float:
        return mb.upper_limit(np.array([f, 1.0 - f]), alpha)

    nodes = {float(f): exact(float(f)) for f in np.linspace(0.0, 1.0, n_points)}
    stack = list(itertools.pairwise(sorted(nodes)))
    while stack:
        a, c = stack.pop()
        if c - a <= min_width:
            continue
        m = 0.5 * (a + c)
        v = exact(m)
        nodes[m] = v
        if abs(v - 0.5 * (nodes[a] + nodes[c])) > rtol * v:
            stack.extend([(a, m), (m, c)])
    frac = np.array(sorted(nodes))
    s_up = np.array([nodes[f] for f in frac])
    return MultibinLimitTable(
        frac,
        s_up,
        tuple(int(x) for x in mb.n_obs),
        tuple(float(x) for x in mb.b),
        tuple(float(x) for x in np.broadcast_to(np.asarray(sigma_b, dtype=np.float64), (2,))),
        float(cl),
        prior,
    )
