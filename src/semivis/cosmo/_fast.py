"""numba kernels of the freeze-out solvers: table interpolation, right-hand sides and Jacobians.

The equations are those of :mod:`semivis.cosmo.boltzmann` (Gondolo & Gelmini, NPB 360 (1991) 145, Eq. 3.8;
Griest & Seckel, PRD 43 (1991) 3191, Eq. 5; Edsjo & Gondolo, PRD 56 (1997) 1879; arXiv:2201.08409 Eqs. 3.1-3.3),
written in z = ln Y (Griest-Seckel) and (ln Y1, q = ln[Y2/(r Y1)]) (coupled), with the tabulated rates
interpolated by a C1 Catmull-Rom cubic on a uniform ln x grid. The one implementation of these equations: the fast
path (LSODA) and the reference path (scipy Radau, ``solver="reference"``) of ``boltzmann`` both call it. Every
function is compiled with ``@njit(cache=True)``; the signatures follow :func:`scipy.integrate.odeint`
``(y, x, *args)``.

>>> import numpy as np
>>> tab = np.zeros((5, 2))
>>> tab[:, 1] = np.arange(5.0)  # linear column (ghost rows included): reproduced exactly
>>> out = np.empty(2)
>>> cr_eval(tab, 0.0, 1.0, float(np.exp(1.5)), out)
>>> out.round(12).tolist()
[0.0, 2.5]
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["coupled_jac", "coupled_rhs", "cr_eval", "gs_jac", "gs_rhs"]


@njit(cache=True)
def _ex(v: float) -> float:
    """exp with the argument capped at 700 (never overflows)."""
    return math.exp(min(v, 700.0))


@njit(cache=True)
def cr_eval(tab: NDArray[np.float64], lnx0: float, h: float, x: float, out: NDArray[np.float64]) -> None:
    """Catmull-Rom cubic interpolation (C1) of the columns of ``tab`` (with one linear ghost row each side).

    Nodes at ln x = lnx0 + i h, i = 0 .. n - 1 (the table layout of ``boltzmann._ghost``); C1-smooth, so the
    implicit ODE solvers do not stall at grid nodes.
    """
    n = tab.shape[0] - 2
    u = (math.log(x) - lnx0) / h
    i = min(max(int(u), 0), n - 2)
    w = min(max(u - i, 0.0), 1.0)
    w2 = w * w
    w3 = w2 * w
    c0 = (-w3 + 2.0 * w2 - w) / 2.0
    c1 = (3.0 * w3 - 5.0 * w2 + 2.0) / 2.0
    c2 = (-3.0 * w3 + 4.0 * w2 + w) / 2.0
    c3 = (w3 - w2) / 2.0
    for k in range(tab.shape[1]):
        out[k] = c0 * tab[i, k] + c1 * tab[i + 1, k] + c2 * tab[i + 2, k] + c3 * tab[i + 3, k]


@njit(cache=True)
def _gs_core(z: float, x: float, tab: NDArray[np.float64], lnx0: float, h: float) -> tuple[float, float]:
    r = np.empty(2)
    cr_eval(tab, lnx0, h, x, r)
    lam = math.exp(r[1])
    y = _ex(z)
    e = _ex(2.0 * (r[0] - z))
    return -lam * y * (1.0 - e), -lam * y * (1.0 + e)


@njit(cache=True)
def gs_rhs(y: NDArray[np.float64], x: float, tab: NDArray[np.float64], lnx0: float, h: float) -> NDArray[np.float64]:
    """dz/dx = -lambda(x) e^z (1 - e^(2(z_eq - z))), z = ln Y (Griest & Seckel 1991 Eq. 5 in ln Y).

    ``tab`` columns: ln Y_eq, ln lambda (lambda = sqrt(pi/45) M_Pl m1 g_*^(1/2) <sigma_eff v>/x^2).
    """
    out = np.empty(1)
    out[0] = _gs_core(y[0], x, tab, lnx0, h)[0]
    return out


@njit(cache=True)
def gs_jac(y: NDArray[np.float64], x: float, tab: NDArray[np.float64], lnx0: float, h: float) -> NDArray[np.float64]:
    """Analytic Jacobian of :func:`gs_rhs`: -lambda e^z (1 + e^(2(z_eq - z)))."""
    out = np.empty((1, 1))
    out[0, 0] = _gs_core(y[0], x, tab, lnx0, h)[1]
    return out


@njit(cache=True)
def _coupled_core(  # noqa: PLR0917
    y: NDArray[np.float64], x: float, tab: NDArray[np.float64], lnx0: float, h: float, has11: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Right-hand side and Jacobian of the coupled equations (boltzmann module docstring) in (z1, q).

    ``tab`` columns: ln Y1eq, ln Y2eq, ln lambda_12, ln lambda_b, ln lambda_G, ln lambda_11, ln lambda_22, d ln r/dx.
    """
    r = np.empty(8)
    cr_eval(tab, lnx0, h, x, r)
    e1, e2 = r[0], r[1]
    A, Lb, LG = math.exp(r[2]), math.exp(r[3]), math.exp(r[4])
    L11, L22, dlnr = math.exp(r[5]), math.exp(r[6]), r[7]
    z1, q = y[0], y[1]
    lnr = e2 - e1
    z2 = z1 + lnr + q
    Y1, Y2 = _ex(z1), _ex(z2)
    eq = _ex(-q)  # Y1 r / Y2
    E12 = _ex(e1 + e2 - z1 - z2)
    c12 = 1.0 - E12
    q21 = _ex(lnr + q)  # Y2/Y1
    f1 = -A * Y2 * c12 + Lb * Y2 * q21 * (1.0 - eq * eq) + LG * q21 * (1.0 - eq)
    f2 = -A * Y1 * c12 - Lb * Y2 * (1.0 - eq * eq) - LG * (1.0 - eq)
    j11 = -A * Y2 * E12 - Lb * (Y2 * q21 + Y1 * _ex(2 * lnr)) - LG * q21
    j12 = -A * Y2 + 2 * Lb * Y2 * q21 + LG * q21
    j21 = -A * Y1 + 2 * Lb * Y2 * eq * eq + LG * eq
    j22 = -A * Y1 * E12 - Lb * Y2 * (1.0 + eq * eq) - LG * eq
    if has11:
        E11, E22 = _ex(2 * (e1 - z1)), _ex(2 * (e2 - z2))
        f1 -= L11 * Y1 * (1.0 - E11)
        f2 -= L22 * Y2 * (1.0 - E22)
        j11 -= L11 * Y1 * (1.0 + E11)
        j22 -= L22 * Y2 * (1.0 + E22)
    f = np.empty(2)
    f[0] = f1
    f[1] = f2 - f1 - dlnr
    jac = np.empty((2, 2))
    jac[0, 0] = j11 + j12
    jac[0, 1] = j12
    jac[1, 0] = j21 + j22 - j11 - j12
    jac[1, 1] = j22 - j12
    return f, jac


@njit(cache=True)
def coupled_rhs(  # noqa: PLR0917
    y: NDArray[np.float64], x: float, tab: NDArray[np.float64], lnx0: float, h: float, has11: bool
) -> NDArray[np.float64]:
    """d(z1, q)/dx of the coupled chi1/chi2 equations (see :func:`_coupled_core`)."""
    return _coupled_core(y, x, tab, lnx0, h, has11)[0]


@njit(cache=True)
def coupled_jac(  # noqa: PLR0917
    y: NDArray[np.float64], x: float, tab: NDArray[np.float64], lnx0: float, h: float, has11: bool
) -> NDArray[np.float64]:
    """Analytic Jacobian of :func:`coupled_rhs` (row i = d f_i / d y_j)."""
    return _coupled_core(y, x, tab, lnx0, h, has11)[1]
