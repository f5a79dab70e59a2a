"""Lifetime reweighting: one event sample per mass point -> N_sig for a whole vector of couplings.

For a chi2 with boost beta*gamma and direction slopes (tx, ty), produced at depth z_v, the probability to
decay between the positions z_a < z_b along the beam is the exponential decay law along its flight path
(e.g. PDG RPP 2022, Kinematics Sect. 49.1):

    P(z_a, z_b) = exp(-x_a / c tau) - exp(-x_b / c tau),   x = (z - z_v) sqrt(1 + tx^2 + ty^2) / (beta gamma).

The detector response of a decay is evaluated once per *segment* of the flight path (ECAL slices, gaps,
VETO, HCAL modules, lateral exits, beyond; :mod:`semivis.detector.response`) at the segment's midpoint, so
every selection becomes a piecewise-constant function of the decay position. For one chi2 the selected
probability is then a short sum of exponentials, Sum_k c_k exp(-x_k / c tau) with c_k = +-1 where the
selection flips, evaluated for all couplings at once (numba, no Python loop over events). For two chi2
(i2DM chi2 chi2) the joint pass table over segment pairs is used (deposits add up).

Coupling dependence (contracts.md; physics.md 2.1, 2.2):

* production ~ eps^2 (the sample's weights are at eps = 1): N = EOT eps^2 Sum_e w_e Sum_ch BR_ch P_ch,e;
* c tau ~ 1/(eps^2 alpha_D) (times 1/(s^2 c^2) for i2DM) at fixed masses, with the exact mass dependence of
  ``semivis.models`` (``ctau_chi2_m``), evaluated by the model for every coupling point;
* BR_ch(eps, alpha_D, theta) from the model's ``branching_ratios``; the A' decays promptly.

The ECAL slicing (``N_ECAL_SLICES`` for one chi2, ``N_ECAL_SLICES_PAIR`` for two) is the only
approximation with respect to sampling decay points directly (:func:`simulate_fixed_coupling`).

Speed (docs/performance.md, Signal): the ECAL containment P(a, b t) of the slices comes from tables (per-slice
P(a_nodes, b t_i) interpolated in a = 1 + b (ln(E/E_c) - 0.5), and a global (a, sqrt(b t)) table for the
vertex slice), both built once with ``scipy.special.gammainc``; their error bound ``CONTAINMENT_TABLE_TOL``
(E+ + E-) on every deposit sum decides when a segment is near a selection threshold, and such segments are
re-evaluated with the exact series, so the flags, and N_sig, are those of the exact evaluation. The terms are
stored compressed per event and indicator; response tables are memoised per sample object and, across
reloads of the same content, in a small LRU.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammainc

from semivis._validation import check_range
from semivis.detector.cards import ExperimentCard
from semivis.detector.response import (
    _TAB_A_MAX,
    _TAB_H,
    _TAB_NA,
    CONTAINMENT_TABLE_TOL,
    G_B,
    G_EC,
    G_HCAL_THR,
    G_X0,
    N_DEP,
    REGION_NAMES,
    SELECTION_FLAGS,
    _deposits_at,
    _ecal_pair,
    _flags,
    _lagrange4,
    _near_threshold,
    containment_table,
    geometry_vector,
)
from semivis.errors import ParameterError
from semivis.signal.events import N_CHI2, EventSample
from semivis.signal.selections import selection_for_card

__all__ = [
    "N_ECAL_SLICES",
    "N_ECAL_SLICES_PAIR",
    "PROCESS_NAMES",
    "ResponseTable",
    "SignalResult",
    "decay_fractions",
    "expected_signal",
    "response_table",
    "signal_result",
    "simulate_fixed_coupling",
]

#: ECAL slices along the beam for one chi2 (0.45 m / 40 = 1.1 cm ~ 1 X0)
N_ECAL_SLICES = 40
#: ECAL slices for events with two chi2 (joint table ~ (slices + 14)^2 per event)
N_ECAL_SLICES_PAIR = 10
#: production processes (production's PROCESS_NAMES order)
PROCESS_NAMES: tuple[str, ...] = ("brem_primary", "brem_secondary", "annihilation")
_N_IND = len(SELECTION_FLAGS) + len(REGION_NAMES)  # indicators: 3 selection flags + 7 regions
_U_BLOCK = 32


# ----------------------------------------------------------------------------------------------- kernels
@njit(cache=True)
def _boundaries(  # noqa: PLR0917
    zv: float, tx: float, ty: float, g: NDArray[np.float64], grid: NDArray[np.float64], out: NDArray[np.float64]
) -> int:  # pragma: no cover - numba
    """Segment start positions along z for a chi2 from z_v; returns how many (last segment -> +inf)."""
    k = 0
    out[k] = zv
    k += 1
    for zg in grid:
        if zv < zg < g[1]:
            out[k] = zg
            k += 1
    out[k] = max(g[1], zv)
    k += 1
    tmax = max(abs(tx), abs(ty))
    for m in range(1, 5):
        z0 = max(g[3 * m], zv)
        z1 = max(g[3 * m + 1], zv)
        out[k] = z0
        k += 1
        if tmax > 0.0:
            ze = zv + g[3 * m + 2] / tmax
            if z0 < ze < z1:
                out[k] = ze
                k += 1
        out[k] = z1
        k += 1
    return k


@njit(cache=True)
def _segment_data(  # noqa: PLR0917
    zv: float,
    tx: float,
    ty: float,
    lep: NDArray[np.float64],
    g: NDArray[np.float64],
    grid: NDArray[np.float64],
    zb: NDArray[np.float64],
    deps: NDArray[np.float64],
    cats: NDArray[np.int64],
    win: NDArray[np.int64],
    errs: NDArray[np.float64],
    tab: NDArray[np.float64],
    slab: NDArray[np.float64],
    use_tab: bool,
) -> int:  # pragma: no cover - numba
    """Boundaries, deposits, region and S1-window flag of every segment of one chi2's path.

    With ``use_tab`` the ECAL containment comes from the table and ``errs[k]`` bounds the error of every
    deposit (sum) of segment k (CONTAINMENT_TABLE_TOL (E+ + E-) in the ECAL, else 0); callers re-evaluate
    a segment exactly (:func:`_exact_deps`) when a selection threshold lies within that bound.
    """
    nb = _boundaries(zv, tx, ty, g, grid, zb)
    err_ecal = CONTAINMENT_TABLE_TOL * (lep[0] + lep[3]) if use_tab else 0.0
    # ECAL slices with a fixed midpoint (segments 1..n_in start at grid points): containment interpolated in
    # a only, from the per-slice table slab[i, :] = P(a_nodes, b t_i)
    n_in = 0
    for zg in grid:
        if zv < zg < g[1]:
            n_in += 1
    s0 = grid.size - n_in
    fast = use_tab and slab.shape[0] == grid.size
    ia0 = 0
    ia1 = 0
    w0 = (0.0, 0.0, 0.0, 0.0)
    w1 = (0.0, 0.0, 0.0, 0.0)
    if fast:
        a0 = max(1.0 + g[G_B] * (math.log(lep[0] / g[G_EC]) - 0.5), 1.0) if lep[0] > 0.0 else 1.0
        a1 = max(1.0 + g[G_B] * (math.log(lep[3] / g[G_EC]) - 0.5), 1.0) if lep[3] > 0.0 else 1.0
        if lep[0] <= 0.0 or lep[3] <= 0.0 or a0 >= _TAB_A_MAX or a1 >= _TAB_A_MAX:
            fast = False
        else:
            fa0 = (a0 - 1.0) / _TAB_H
            fa1 = (a1 - 1.0) / _TAB_H
            ia0 = int(fa0)
            ia1 = int(fa1)
            w0 = _lagrange4(fa0 - ia0)
            w1 = _lagrange4(fa1 - ia1)
    h0 = g[2]
    for k in range(nb):
        za = zb[k]
        zm = 0.5 * (za + zb[k + 1]) if k + 1 < nb else za + 1.0
        for d in range(N_DEP):
            deps[k, d] = 0.0
        if fast and 1 <= k <= n_in:
            i = s0 + k - 1
            xc = tx * (zm - zv)
            yc = ty * (zm - zv)
            if abs(xc) > h0 or abs(yc) > h0:
                cats[k] = 5
            else:
                f0 = (
                    w0[0] * slab[i, ia0]
                    + w0[1] * slab[i, ia0 + 1]
                    + w0[2] * slab[i, ia0 + 2]
                    + w0[3] * slab[i, ia0 + 3]
                )
                f1 = (
                    w1[0] * slab[i, ia1]
                    + w1[1] * slab[i, ia1 + 1]
                    + w1[2] * slab[i, ia1 + 2]
                    + w1[3] * slab[i, ia1 + 3]
                )
                _ecal_pair(zm, xc, yc, lep, min(max(f0, 0.0), 1.0), min(max(f1, 0.0), 1.0), g, deps[k])
                cats[k] = 0
        else:
            cats[k] = _deposits_at(zm, zv, tx, ty, lep, g, deps[k], tab, use_tab)
        win[k] = 1 if (g[9] <= zm < g[13]) else 0
        errs[k] = err_ecal if cats[k] == 0 else 0.0
    return nb


def _slice_table(g: NDArray[np.float64], grid: NDArray[np.float64]) -> NDArray[np.float64]:
    """P(a_nodes, b t_i) at the fixed midpoints t_i of the ECAL slices (a nodes of the containment table).

    PDG RPP 2022 Eq. 34.36 integrated (scipy.special.gammainc); cached per geometry and grid.
    """
    key = (float(g[1]), float(g[G_X0]), float(g[G_B]), grid.tobytes())
    tab = _SLICE_TABLES.get(key)
    if tab is None:
        nxt = np.append(grid[1:], g[1])
        t = (g[1] - 0.5 * (grid + nxt)) / g[G_X0]
        a = 1.0 + (np.arange(_TAB_NA) - 1.0) * _TAB_H
        tab = np.ascontiguousarray(gammainc(a[None, :], (g[G_B] * t)[:, None]), dtype=np.float64)
        _SLICE_TABLES[key] = tab
    return tab


_SLICE_TABLES: dict[tuple[float, float, float, bytes], NDArray[np.float64]] = {}


@njit(cache=True)
def _exact_deps(  # noqa: PLR0917
    k: int,
    nb: int,
    zv: float,
    tx: float,
    ty: float,
    lep: NDArray[np.float64],
    g: NDArray[np.float64],
    zb: NDArray[np.float64],
    tab: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """Deposits of segment k with the exact containment series (the pre-table evaluation, bit for bit)."""
    za = zb[k]
    zm = 0.5 * (za + zb[k + 1]) if k + 1 < nb else za + 1.0
    for d in range(N_DEP):
        out[d] = 0.0
    _deposits_at(zm, zv, tx, ty, lep, g, out, tab, False)


@njit(cache=True)
def _terms_csr(  # noqa: PLR0917
    e0: int,
    zv: NDArray[np.float64],
    tx: NDArray[np.float64],
    ty: NDArray[np.float64],
    xscale: NDArray[np.float64],
    lep: NDArray[np.float64],
    e_base: NDArray[np.float64],
    g: NDArray[np.float64],
    grid: NDArray[np.float64],
    tab: NDArray[np.float64],
    slab: NDArray[np.float64],
    use_tab: bool,
    off: NDArray[np.int64],
    xo: NDArray[np.float64],
    co: NDArray[np.int8],
) -> int:  # pragma: no cover - numba
    """Sum-of-exponentials terms (x_k, c_k) of the 3 selection flags and the 7 region indicators, compressed:
    the terms of event e and indicator i are xo/co[off[10 e + i] : off[10 e + i + 1]].

    Starts at event ``e0`` and stops before an event that might not fit into ``xo``; returns the next event
    (the caller grows the buffers and continues). Flags near a threshold are re-evaluated exactly.
    """
    kmax = grid.size + 16
    zb = np.empty(kmax)
    deps = np.zeros((kmax, N_DEP))
    dex = np.zeros(N_DEP)
    cats = np.zeros(kmax, dtype=np.int64)
    win = np.zeros(kmax, dtype=np.int64)
    errs = np.zeros(kmax)
    fl = np.zeros(3, dtype=np.int8)
    prev = np.zeros(_N_IND, dtype=np.int64)
    cur = np.zeros(_N_IND, dtype=np.int64)
    tx_buf = np.empty((_N_IND, kmax))
    tc_buf = np.empty((_N_IND, kmax), dtype=np.int8)
    cnt = np.zeros(_N_IND, dtype=np.int64)
    cap = xo.size
    for e in range(e0, zv.size):
        pos = off[_N_IND * e]
        if pos + _N_IND * kmax > cap:
            return e
        le = lep[e]
        nb = _segment_data(zv[e], tx[e], ty[e], le, g, grid, zb, deps, cats, win, errs, tab, slab, use_tab)
        for i in range(_N_IND):
            prev[i] = 0
            cnt[i] = 0
        for k in range(nb):
            if _near_threshold(e_base[e], deps[k], errs[k], g):
                _exact_deps(k, nb, zv[e], tx[e], ty[e], le, g, zb, tab, dex)
                _flags(e_base[e], dex, win[k], 1 if cats[k] == 6 else 0, 1, g, fl)
            else:
                _flags(e_base[e], deps[k], win[k], 1 if cats[k] == 6 else 0, 1, g, fl)
            for i in range(3):
                cur[i] = fl[i]
            for i in range(7):
                cur[3 + i] = 1 if cats[k] == i else 0
            x = (zb[k] - zv[e]) * xscale[e]
            for i in range(_N_IND):
                if cur[i] != prev[i]:
                    j = cnt[i]
                    tx_buf[i, j] = x
                    tc_buf[i, j] = cur[i] - prev[i]
                    cnt[i] = j + 1
                    prev[i] = cur[i]
        for i in range(_N_IND):
            for j in range(cnt[i]):
                xo[pos + j] = tx_buf[i, j]
                co[pos + j] = tc_buf[i, j]
            pos += cnt[i]
            off[_N_IND * e + i + 1] = pos
    return zv.size


@njit(cache=True)
def _pair_table(  # noqa: PLR0917
    zv: NDArray[np.float64],
    tx: NDArray[np.float64],
    ty: NDArray[np.float64],
    xscale: NDArray[np.float64],
    lep: NDArray[np.float64],
    e_base: NDArray[np.float64],
    g: NDArray[np.float64],
    grid: NDArray[np.float64],
    xb: NDArray[np.float64],
    passes: NDArray[np.int8],
    tab: NDArray[np.float64],
    slab: NDArray[np.float64],
    use_tab: bool,
) -> None:  # pragma: no cover - numba
    """Joint pass table of two chi2 per event: xb (n, 2, K) right-aligned segment starts, passes (n, 3, K, K)."""
    kmax = xb.shape[2]
    zb = np.empty((2, kmax + 1))
    errs = np.zeros((2, kmax + 1))
    dex = np.zeros((2, N_DEP))
    deps = np.zeros((2, kmax + 1, N_DEP))
    cats = np.zeros((2, kmax + 1), dtype=np.int64)
    win = np.zeros((2, kmax + 1), dtype=np.int64)
    nbs = np.zeros(2, dtype=np.int64)
    tot = np.zeros(N_DEP)
    fl = np.zeros(3, dtype=np.int8)
    for e in range(zv.shape[0]):
        for s in range(2):
            nb = _segment_data(
                zv[e], tx[e, s], ty[e, s], lep[e, s], g, grid, zb[s], deps[s], cats[s], win[s], errs[s], tab, slab,
                use_tab,
            )  # fmt: skip
            nbs[s] = nb
            off = kmax - nb
            for k in range(off):
                xb[e, s, k] = 0.0
            for k in range(nb):
                xb[e, s, off + k] = (zb[s, k] - zv[e]) * xscale[e, s]
        off1 = kmax - nbs[0]
        off2 = kmax - nbs[1]
        for i in range(3):
            for a in range(kmax):
                for b in range(kmax):
                    passes[e, i, a, b] = 0
        for a in range(nbs[0]):
            for b in range(nbs[1]):
                for d in range(N_DEP):
                    tot[d] = deps[0, a, d] + deps[1, b, d]
                nbey = (1 if cats[0, a] == 6 else 0) + (1 if cats[1, b] == 6 else 0)
                if _near_threshold(e_base[e], tot, errs[0, a] + errs[1, b], g):
                    _exact_deps(a, nbs[0], zv[e], tx[e, 0], ty[e, 0], lep[e, 0], g, zb[0], tab, dex[0])
                    _exact_deps(b, nbs[1], zv[e], tx[e, 1], ty[e, 1], lep[e, 1], g, zb[1], tab, dex[1])
                    for d in range(N_DEP):
                        tot[d] = dex[0, d] + dex[1, d]
                _flags(e_base[e], tot, win[0, a] + win[1, b], nbey, 2, g, fl)
                for i in range(3):
                    passes[e, i, off1 + a, off2 + b] = fl[i]


@njit(cache=True)
def _fused(  # noqa: PLR0917
    offs: NDArray[np.int64],
    xall: NDArray[np.float64],
    call: NDArray[np.int8],
    base_flags: NDArray[np.float64],
    item_src: NDArray[np.int64],
    item_ind: NDArray[np.int64],
    item_grp: NDArray[np.int64],
    coefs: NDArray[np.float64],
    u: NDArray[np.float64],
    order: NDArray[np.int64],
    w: NDArray[np.float64],
    proc: NDArray[np.int64],
    extra: NDArray[np.float64],
    has_extra: bool,
    j0: int,
    j1: int,
    s: NDArray[np.float64],
    s2: NDArray[np.float64],
    bp: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """For couplings j0..j1: t_e = w_e (Sum_k coefs[grp_k, j] c_k exp(-x_k u_j) + extra[e, j - j0]); accumulate
    Sum t, Sum t^2 and Sum t per production process.

    The terms of event e are gathered item by item (item = indicator x channel source; source -1: the
    chi1chi1 base flag with x = 0) from the compressed tables; ``order`` sorts u[j0:j1] ascending so that the
    coupling loop of a term stops at the first x u > 46 (< 1e-20, skipped). Per (event, coupling) the terms
    are summed in item order, so the result does not depend on ``order``.
    """
    n = w.size
    nj = j1 - j0
    cap = 0
    for it in range(item_src.size):
        src = item_src[it]
        if src < 0:
            cap += 1
        else:
            mx = 0
            for e in range(n):
                r = _N_IND * e + item_ind[it]
                mx = max(mx, offs[src, r + 1] - offs[src, r])
            cap += mx
    tx = np.empty(cap)
    tc = np.empty(cap)
    tg = np.empty(cap, dtype=np.int64)
    acc = np.empty(nj)
    for e in range(n):
        nt = 0
        for it in range(item_src.size):
            src = item_src[it]
            ind = item_ind[it]
            if src < 0:
                c = base_flags[e, ind]
                if c != 0.0:
                    tx[nt] = 0.0
                    tc[nt] = c
                    tg[nt] = item_grp[it]
                    nt += 1
            else:
                r = _N_IND * e + ind
                for k in range(offs[src, r], offs[src, r + 1]):
                    tx[nt] = xall[k]
                    tc[nt] = float(call[k])
                    tg[nt] = item_grp[it]
                    nt += 1
        for jj in range(nj):
            acc[jj] = 0.0
        for q in range(nt):
            xq = tx[q]
            cq = tc[q]
            gq = tg[q]
            for jj in range(nj):
                j = j0 + order[jj]
                a = xq * u[j]
                if a == 0.0:
                    acc[j - j0] += cq * coefs[gq, j]
                elif a < 46.0:
                    acc[j - j0] += cq * coefs[gq, j] * math.exp(-a)
                else:
                    break
        we = w[e]
        pe = proc[e]
        for j in range(j0, j1):
            t_acc = acc[j - j0]
            if has_extra:
                t_acc += extra[e, j - j0]
            t = we * t_acc
            s[j] += t
            s2[j] += t * t
            bp[pe, j] += t


@njit(cache=True)
def _eval_pair(
    xb: NDArray[np.float64],
    passes: NDArray[np.int8],
    u: NDArray[np.float64],
    coef: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """out[e, j] += coef[j] * Sum_{a,b} pass[a, b] p1[a] p2[b] for two chi2 (selection already sliced)."""
    n = xb.shape[0]
    kmax = xb.shape[2]
    s1 = np.empty(kmax + 1)
    s2 = np.empty(kmax + 1)
    p1 = np.empty(kmax)
    p2 = np.empty(kmax)
    for j in range(u.size):
        uj = u[j]
        cj = coef[j]
        if cj == 0.0:
            continue
        for e in range(n):
            for k in range(kmax):
                s1[k] = math.exp(-xb[e, 0, k] * uj)
                s2[k] = math.exp(-xb[e, 1, k] * uj)
            s1[kmax] = 0.0
            s2[kmax] = 0.0
            for k in range(kmax):
                p1[k] = s1[k] - s1[k + 1]
                p2[k] = s2[k] - s2[k + 1]
            acc = 0.0
            for a in range(kmax):
                if p1[a] == 0.0:
                    continue
                row = 0.0
                for b in range(kmax):
                    if passes[e, a, b] != 0:
                        row += p2[b]
                acc += p1[a] * row
            out[e, j] += cj * acc


@njit(cache=True)
def _direct(  # noqa: PLR0917
    zv: NDArray[np.float64],
    tx: NDArray[np.float64],
    ty: NDArray[np.float64],
    zd: NDArray[np.float64],
    lep: NDArray[np.float64],
    e_base: NDArray[np.float64],
    g: NDArray[np.float64],
    out: NDArray[np.int8],
    tab: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """Selection flags for sampled decay positions zd (n, s) of s chi2 per event (validation path, exact
    containment)."""
    n, ns = zd.shape
    dep = np.zeros(N_DEP)
    fl = np.zeros(3, dtype=np.int8)
    for e in range(n):
        for d in range(N_DEP):
            dep[d] = 0.0
        nw = 0
        nbey = 0
        for s in range(ns):
            c = _deposits_at(zd[e, s], zv[e], tx[e, s], ty[e, s], lep[e, s], g, dep, tab, False)
            if g[9] <= zd[e, s] < g[13]:
                nw += 1
            if c == 6:
                nbey += 1
        _flags(e_base[e], dep, nw, nbey, ns, g, fl)
        for i in range(3):
            out[e, i] = fl[i]


# ------------------------------------------------------------------------------------------ tables
@dataclass
class _OneChi2:
    off: NDArray[np.int64]  # (10 n + 1,): terms of event e, indicator i at [off[10 e + i], off[10 e + i + 1])
    x: NDArray[np.float64]  # flight-path coordinate x_k of each term
    c: NDArray[np.int8]  # +-1


@dataclass
class _PairChi2:
    xb: NDArray[np.float64]  # (n, 2, K)
    passes: NDArray[np.int8]  # (n, 3, K, K)
    slots: list[_OneChi2]  # per chi2: region indicators


@dataclass
class ResponseTable:
    """Selection and region response of a sample in a card's detector, ready for any coupling vector."""

    card_key: str
    base_flags: NDArray[np.float64]  # (n, 3): flags of an event with no chi2 decay inside the set-up
    one: dict[str, _OneChi2]
    pair: dict[str, _PairChi2]


def _chi2_kinematics(sample: EventSample, ch: str, i: int) -> tuple[NDArray[np.float64], ...]:
    p4 = sample.arrays[f"{ch}.chi2_{i}.p4"]
    ep = sample.arrays[f"{ch}.chi2_{i}.ep"]
    em = sample.arrays[f"{ch}.chi2_{i}.em"]
    pz = np.where(p4[:, 3] > 0.0, p4[:, 3], 1e-300)
    tx, ty = p4[:, 1] / pz, p4[:, 2] / pz
    pabs = np.sqrt(np.einsum("ij,ij->i", p4[:, 1:], p4[:, 1:]))
    m2 = sample.m_chi2
    bg = pabs / m2
    sec = np.sqrt(1.0 + tx**2 + ty**2)
    xscale = sec / bg
    lep = np.empty((p4.shape[0], 6))
    for k, q in enumerate((ep, em)):
        qz = np.where(q[:, 3] > 0.0, q[:, 3], 1e-300)
        lep[:, 3 * k] = q[:, 0]
        lep[:, 3 * k + 1] = np.where(q[:, 3] > 0.0, q[:, 1] / qz, 1e6)
        lep[:, 3 * k + 2] = np.where(q[:, 3] > 0.0, q[:, 2] / qz, 1e6)
    return tx, ty, xscale, lep


def _ecal_grid(card: ExperimentCard, n: int) -> NDArray[np.float64]:
    return np.asarray(np.linspace(card.ecal.z_start_m, card.ecal.z_end_m, n + 1)[1:-1], dtype=np.float64)


def _e_base(sample: EventSample) -> NDArray[np.float64]:
    """ECAL energy without the chi2 pairs: E_beam - E_A' (the A' energy is missing, the rest is absorbed)."""
    return np.asarray(float(sample.meta["beam_energy_GeV"]) - sample.arrays["ap.E"], dtype=np.float64)


def _one_terms(  # noqa: PLR0917
    sample: EventSample,
    ch: str,
    i: int,
    g: NDArray[np.float64],
    grid: NDArray[np.float64],
    e_base: NDArray[np.float64],
    use_tab: bool = True,
) -> _OneChi2:
    tx, ty, xscale, lep = _chi2_kinematics(sample, ch, i)
    zv = np.ascontiguousarray(sample.arrays["ap.z"], dtype=np.float64) + float(g[0])
    n = zv.size
    lep = np.ascontiguousarray(lep)
    tab = containment_table()
    slab = _slice_table(g, grid)
    kmax = grid.size + 16
    off = np.zeros(_N_IND * n + 1, dtype=np.int64)
    cap = 32 * n + _N_IND * kmax  # ~25 terms per event in practice; grown below if needed
    xo = np.empty(cap)
    co = np.empty(cap, dtype=np.int8)
    e = 0
    while True:
        e = _terms_csr(e, zv, tx, ty, xscale, lep, e_base, g, grid, tab, slab, use_tab, off, xo, co)
        if e >= n:
            break
        cap = max(2 * cap, int(off[_N_IND * e]) + _N_IND * kmax)  # grow and go on
        xo = np.concatenate([xo, np.empty(cap - xo.size)])
        co = np.concatenate([co, np.empty(cap - co.size, dtype=np.int8)])
    m = int(off[-1])
    return _OneChi2(off, xo[:m].copy(), co[:m].copy())


#: response tables of recently seen samples, keyed by content (sample content key, array digest, card)
_TABLE_MEMO: OrderedDict[str, ResponseTable] = OrderedDict()
_TABLE_MEMO_SIZE = 6


def _memo_key(sample: EventSample, card_key: str, use_tab: bool) -> str:
    """Content key of (sample, card): the sample's input key plus a digest of its arrays (cheap, ~10 ms/1e5)."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"{sample.meta.get('content_key')}|{card_key}|{use_tab}|{sample.m_chi2!r}".encode())
    for k in sorted(sample.arrays):
        a = np.ascontiguousarray(sample.arrays[k])
        h.update(f"{k}:{a.dtype.str}:{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def response_table(sample: EventSample, card: ExperimentCard, *, exact_containment: bool = False) -> ResponseTable:
    """Build (or fetch from the sample's in-memory cache) the response of ``sample`` in ``card``'s detector.

    Memoised on the sample object and, across sample objects with the same content (a sample reloaded from
    the scan cache), in a small module-level LRU. The ECAL containment comes from a table
    (:func:`semivis.detector.response.containment_table`); a segment whose deposits lie within the table's
    error bound of a selection threshold is re-evaluated with the exact series, so the flags, and N_sig, are
    those of the exact evaluation. ``exact_containment=True`` uses the exact series everywhere (reference).
    """
    s1 = card.selections.get("s1")
    s1_min = None if s1 is None else s1.min_hcal_GeV
    key = card.detector_key() + ("|exact" if exact_containment else "")  # EOT-independent: shared by statistics
    cached = sample._cache.get(key)
    if isinstance(cached, ResponseTable):
        mkey = str(sample._cache.get(key + "|memo-key", ""))
        if mkey:  # keep it fresh in the LRU
            _TABLE_MEMO[mkey] = cached
            _TABLE_MEMO.move_to_end(mkey)
        return cached
    mkey = _memo_key(sample, key, not exact_containment)
    sample._cache[key + "|memo-key"] = mkey
    memo = _TABLE_MEMO.get(mkey)
    if memo is not None:
        _TABLE_MEMO.move_to_end(mkey)
        sample._cache[key] = memo
        return memo
    use_tab = not exact_containment
    g = geometry_vector(card, s1_min)
    e_base = _e_base(sample)
    base = np.zeros((sample.n_events, 3))
    base[:, 0] = e_base < card.ecal_max_GeV
    base[:, 2] = base[:, 0]
    one: dict[str, _OneChi2] = {}
    pair: dict[str, _PairChi2] = {}
    for ch in sample.channels:
        if N_CHI2[ch] == 1:
            one[ch] = _one_terms(sample, ch, 0, g, _ecal_grid(card, N_ECAL_SLICES), e_base, use_tab)
        elif N_CHI2[ch] == 2:
            grid = _ecal_grid(card, N_ECAL_SLICES_PAIR)
            kin = [_chi2_kinematics(sample, ch, i) for i in range(2)]
            n = sample.n_events
            kmax = grid.size + 16
            tx = np.ascontiguousarray(np.stack([k[0] for k in kin], axis=1))
            ty = np.ascontiguousarray(np.stack([k[1] for k in kin], axis=1))
            xsc = np.ascontiguousarray(np.stack([k[2] for k in kin], axis=1))
            lep = np.ascontiguousarray(np.stack([k[3] for k in kin], axis=1))
            xb = np.zeros((n, 2, kmax))
            passes = np.zeros((n, 3, kmax, kmax), dtype=np.int8)
            zv = np.ascontiguousarray(sample.arrays["ap.z"], dtype=np.float64) + float(g[0])
            _pair_table(
                zv, tx, ty, xsc, lep, e_base, g, grid, xb, passes, containment_table(), _slice_table(g, grid), use_tab
            )
            slots = [_one_terms(sample, ch, i, g, _ecal_grid(card, N_ECAL_SLICES), e_base, use_tab) for i in range(2)]
            pair[ch] = _PairChi2(xb, passes, slots)
    table = ResponseTable(key, base, one, pair)
    sample._cache[key] = table
    _TABLE_MEMO[mkey] = table
    while len(_TABLE_MEMO) > _TABLE_MEMO_SIZE:
        _TABLE_MEMO.popitem(last=False)
    return table


# ------------------------------------------------------------------------------------------ couplings
def _model_for(
    sample: EventSample, eps: NDArray[np.float64], alpha_D: NDArray[np.float64], theta: NDArray[np.float64] | None
) -> Any:
    from semivis.models import make_model  # noqa: PLC0415

    kind = sample.kind
    if kind == "invisible":
        return make_model("invisible", m_Ap=sample.m_Ap, eps=eps, alpha_D=alpha_D, m_chi1=sample.m_chi1)
    delta = (sample.m_chi2 - sample.m_chi1) / sample.m_chi1
    if kind == "idm":
        return make_model("idm", m_Ap=sample.m_Ap, eps=eps, alpha_D=alpha_D, m_chi1=sample.m_chi1, delta=delta)
    return make_model(
        "i2dm", m_Ap=sample.m_Ap, eps=eps, alpha_D=alpha_D, m_chi1=sample.m_chi1, delta=delta, theta=theta
    )


def _couplings(
    sample: EventSample, eps: ArrayLike, alpha_D: ArrayLike, theta: ArrayLike | None
) -> tuple[tuple[int, ...], NDArray[np.float64], dict[str, NDArray[np.float64]], NDArray[np.float64]]:
    """(shape, eps flat, BR per stored channel flat, u = 1/c tau flat) over the broadcast couplings."""
    eps_a = check_range("eps", eps, 0.0, 1.0)
    a_a = check_range("alpha_D", alpha_D, 0.0)
    if sample.kind == "i2dm":
        if theta is None:
            raise ParameterError("theta", None, "0 <= theta <= pi/2 (required for i2DM)")
        th = check_range("theta", theta, 0.0, math.pi / 2, low_inclusive=True, high_inclusive=True)
        e_b, a_b, t_b = np.broadcast_arrays(eps_a, a_a, th)
    else:
        if theta is not None:
            raise ParameterError("theta", theta, f"None for the {sample.kind} model")
        e_b, a_b = np.broadcast_arrays(eps_a, a_a)
        t_b = None
    shape = e_b.shape
    e_f = np.ascontiguousarray(e_b.ravel())
    a_f = np.ascontiguousarray(a_b.ravel())
    t_f = None if t_b is None else np.ascontiguousarray(t_b.ravel())
    model = _model_for(sample, e_f, a_f, t_f)
    brs = model.branching_ratios()
    br = {ch: np.asarray(np.broadcast_to(brs[ch], e_f.shape), dtype=np.float64) for ch in sample.channels}
    if sample.kind == "invisible" or sample.chi2_stable:
        u = np.zeros(e_f.shape)
    else:
        ctau = np.asarray(np.broadcast_to(model.ctau_chi2_m(), e_f.shape), dtype=np.float64)
        u = np.where(np.isfinite(ctau), 1.0 / ctau, 0.0)
    return shape, e_f, br, u


def _flag_index(flag: str) -> int:
    return SELECTION_FLAGS.index(flag)


def _items(
    table: ResponseTable, sample: EventSample, indicators: list[tuple[int, float]], slot_channels: bool
) -> tuple[
    NDArray[np.int64], NDArray[np.float64], NDArray[np.int8], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64],
    list[tuple[str, float]],
]:  # fmt: skip
    """Term sources of the indicators in the order of the reference evaluation (indicator, channel, slot).

    Returns the stacked offsets (S, 10 n + 1) into the concatenated (x, c) of the S sources used, and per
    item its source (-1: the chi1chi1 base flag), indicator and group; groups are (channel, factor).
    ``slot_channels``: also include each chi2 of the two-chi2 channels (region indicators only).
    """
    srcs: list[_OneChi2] = []
    src_of: dict[int, int] = {}
    isrc: list[int] = []
    iind: list[int] = []
    igrp: list[int] = []
    groups: list[tuple[str, float]] = []
    for ind, factor in indicators:
        for ch in sample.channels:
            k = N_CHI2[ch]
            if k == 0:
                if ind >= len(SELECTION_FLAGS):
                    continue
                blocks: list[_OneChi2 | None] = [None]
            elif k == 1:
                blocks = [table.one[ch]]
            elif slot_channels:
                blocks = list(table.pair[ch].slots)
            else:
                continue
            groups.append((ch, factor))
            for blk in blocks:
                if blk is None:
                    isrc.append(-1)
                else:
                    if id(blk) not in src_of:
                        src_of[id(blk)] = len(srcs)
                        srcs.append(blk)
                    isrc.append(src_of[id(blk)])
                iind.append(ind)
                igrp.append(len(groups) - 1)
    n = sample.n_events
    if srcs:
        shifts = np.cumsum([0] + [sr.x.size for sr in srcs[:-1]])
        offs = np.ascontiguousarray(np.stack([sr.off + sh for sr, sh in zip(srcs, shifts, strict=True)]))
        xall = np.concatenate([sr.x for sr in srcs]) if len(srcs) > 1 else srcs[0].x
        call = np.concatenate([sr.c for sr in srcs]) if len(srcs) > 1 else srcs[0].c
    else:
        offs = np.zeros((1, _N_IND * n + 1), dtype=np.int64)
        xall = np.zeros(0)
        call = np.zeros(0, dtype=np.int8)
    return (
        offs,
        xall,
        call,
        np.asarray(isrc, dtype=np.int64),
        np.asarray(iind, dtype=np.int64),
        np.asarray(igrp, dtype=np.int64),
        groups,
    )


def _accumulate(  # noqa: PLR0917
    table: ResponseTable,
    sample: EventSample,
    indicators: list[tuple[int, float]],
    br: dict[str, NDArray[np.float64]],
    u: NDArray[np.float64],
    slot_channels: bool = False,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Sum_e t_e, Sum_e t_e^2 and Sum_e t_e per process, t_e = w_e Sum_ch BR_ch Sum_ind factor P_ind,ch,e."""
    offs, xall, call, isrc, iind, igrp, groups = _items(table, sample, indicators, slot_channels)
    nj = u.size
    coefs = np.zeros((max(len(groups), 1), nj))
    for gi, (ch, factor) in enumerate(groups):
        coefs[gi] = br[ch] * factor
    w = np.ascontiguousarray(sample.arrays["ap.weight"], dtype=np.float64)
    proc = np.ascontiguousarray(sample.arrays["ap.process"], dtype=np.int64)
    u = np.ascontiguousarray(u, dtype=np.float64)
    s = np.zeros(nj)
    s2 = np.zeros(nj)
    bp = np.zeros((len(PROCESS_NAMES), nj))
    pair_chs = [ch for ch in sample.channels if N_CHI2[ch] == 2] if not slot_channels else []
    for j0 in range(0, nj, _U_BLOCK if pair_chs else nj):
        j1 = min(nj, j0 + (_U_BLOCK if pair_chs else nj))
        extra = np.zeros((sample.n_events if pair_chs else 1, j1 - j0))
        uu = np.ascontiguousarray(u[j0:j1])
        for ch in pair_chs:
            pr = table.pair[ch]
            for ind, factor in indicators:
                coef = np.ascontiguousarray(br[ch][j0:j1] * factor)
                _eval_pair(pr.xb, np.ascontiguousarray(pr.passes[:, ind]), uu, coef, extra)
        order = np.argsort(uu, kind="stable").astype(np.int64)
        _fused(
            offs, xall, call, table.base_flags, isrc, iind, igrp, coefs, u, order, w, proc, extra, bool(pair_chs),
            j0, j1, s, s2, bp,
        )  # fmt: skip
    return s, s2, bp


@dataclass
class SignalResult:
    """Expected signal over a coupling grid (arrays shaped like the broadcast couplings)."""

    n_signal: NDArray[np.float64]
    mc_rel_error: NDArray[np.float64]
    breakdown: dict[str, NDArray[np.float64]]
    eot: float
    selection: str


def signal_result(  # noqa: PLR0917
    sample: EventSample,
    card: ExperimentCard,
    selection: str = "missing-energy",
    eps: ArrayLike = 1e-4,
    alpha_D: ArrayLike = 0.1,
    theta: ArrayLike | None = None,
    eot: float | None = None,
) -> SignalResult:
    """N_sig, its relative Monte Carlo error and the per-process breakdown for every coupling point.

    N_sig = EOT eps^2 eff_sig(m_A') Sum_parts eff_part Sum_e w_e Sum_ch BR_ch P_part,ch,e(c tau); the MC error
    is sqrt(Sum_e (w_e t_e)^2) / Sum_e w_e t_e with t_e the per-event bracket.
    """
    sel = selection_for_card(selection, card)
    eot_v = card.eot if eot is None else float(check_range("eot", eot, 0.0))
    shape, e_f, br, u = _couplings(sample, eps, alpha_D, theta)
    table = response_table(sample, card)
    indicators = [(_flag_index(flag), eff) for flag, eff in sel.parts]
    s, s2, by_proc = _accumulate(table, sample, indicators, br, u)
    norm = eot_v * e_f**2 * float(card.signal_efficiency(sample.m_Ap))
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(s > 0.0, np.sqrt(s2) / np.where(s > 0.0, s, 1.0), 0.0)
    return SignalResult(
        n_signal=(norm * s).reshape(shape),
        mc_rel_error=rel.reshape(shape),
        breakdown={name: (norm * by_proc[p]).reshape(shape) for p, name in enumerate(PROCESS_NAMES)},
        eot=eot_v,
        selection=selection,
    )


def expected_signal(  # noqa: PLR0917
    sample: EventSample,
    card: ExperimentCard,
    selection: str = "missing-energy",
    eps: ArrayLike = 1e-4,
    alpha_D: ArrayLike = 0.1,
    theta: ArrayLike | None = None,
    eot: float | None = None,
) -> NDArray[np.float64]:
    """Expected signal events N_sig over the broadcast couplings; ``eot=None`` means ``card.eot``."""
    return signal_result(sample, card, selection, eps, alpha_D, theta, eot).n_signal


def decay_fractions(
    sample: EventSample,
    card: ExperimentCard,
    eps: ArrayLike = 1e-4,
    alpha_D: ArrayLike = 0.1,
    theta: ArrayLike | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Fraction of chi2 decaying in each region (REGION_NAMES), weighted by A' weight x BR; sums to 1 per chi2.

    Empty dict for samples without chi2 (invisible model, or every chi2 channel closed).
    """
    shape, _, br, u = _couplings(sample, eps, alpha_D, theta)
    table = response_table(sample, card)
    w = sample.arrays["ap.weight"]
    chans = [ch for ch in sample.channels if N_CHI2[ch] > 0]
    if not chans:
        return {}
    nj = u.size
    num = np.zeros((len(REGION_NAMES), nj))
    den = np.zeros(nj)
    for ch in chans:
        den += N_CHI2[ch] * br[ch] * w.sum()
    for r in range(len(REGION_NAMES)):
        num[r] = _accumulate(table, sample, [(len(SELECTION_FLAGS) + r, 1.0)], br, u, slot_channels=True)[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(den > 0.0, num / np.where(den > 0.0, den, 1.0), 0.0)
    return {name: frac[r].reshape(shape) for r, name in enumerate(REGION_NAMES)}


def simulate_fixed_coupling(  # noqa: PLR0917
    sample: EventSample,
    card: ExperimentCard,
    selection: str = "missing-energy",
    eps: float = 1e-4,
    alpha_D: float = 0.1,
    theta: float | None = None,
    seed: int = 0,
    eot: float | None = None,
) -> tuple[float, float]:
    """Validation path: sample every chi2's decay point at one coupling and apply the selection directly.

    Returns (N_sig, absolute MC error). Decay length L = -beta gamma c tau ln(U) along the flight path; no
    slicing. Agrees with :func:`expected_signal` within MC errors (tests).
    """
    sel = selection_for_card(selection, card)
    eot_v = card.eot if eot is None else float(eot)
    _, e_f, br, u = _couplings(sample, eps, alpha_D, theta)
    s1 = card.selections.get("s1")
    g = geometry_vector(card, None if s1 is None else s1.min_hcal_GeV)
    e_base = _e_base(sample)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    n = sample.n_events
    zv = np.ascontiguousarray(sample.arrays["ap.z"], dtype=np.float64) + float(g[0])
    tot = np.zeros(n)
    for ch in sample.channels:
        k = N_CHI2[ch]
        if k == 0:
            flags = np.zeros((n, 3))
            flags[:, 0] = e_base < g[20]
            flags[:, 2] = flags[:, 0]
        else:
            kin = [_chi2_kinematics(sample, ch, i) for i in range(k)]
            tx = np.ascontiguousarray(np.stack([q[0] for q in kin], axis=1))
            ty = np.ascontiguousarray(np.stack([q[1] for q in kin], axis=1))
            lep = np.ascontiguousarray(np.stack([q[3] for q in kin], axis=1))
            zd = np.empty((n, k))
            for i in range(k):
                xscale = kin[i][2]
                if u[0] > 0.0:
                    x = -np.log(rng.uniform(size=n)) / u[0]
                    zd[:, i] = zv + x / xscale
                else:
                    zd[:, i] = np.inf
            zd = np.where(np.isfinite(zd), zd, 1e30)
            fl8 = np.zeros((n, 3), dtype=np.int8)
            _direct(zv, tx, ty, zd, lep, e_base, g, fl8, containment_table())
            flags = fl8.astype(np.float64)
        for flag, eff in sel.parts:
            tot += br[ch][0] * eff * flags[:, _flag_index(flag)]
    w = sample.arrays["ap.weight"]
    norm = eot_v * float(e_f[0]) ** 2 * float(card.signal_efficiency(sample.m_Ap))
    t = w * tot
    return float(norm * t.sum()), float(norm * math.sqrt(float(np.sum(t * t))))


_ = G_HCAL_THR  # exported index used by tests
