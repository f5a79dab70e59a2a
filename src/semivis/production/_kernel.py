"""numba kernel of the electromagnetic-cascade Monte Carlo (see ``cascade.py`` for the physics and sources).

Depth in radiation lengths of the homogenised target, energies in GeV. One independent splitmix64 stream per
primary (Steele, Lea, Flood, OOPSLA 2014), keyed by the SeedSequence of the run and the primary's index, so
results do not depend on chunking.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from semivis.constants import m_e

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_ES_MS = 0.0136  # Highland scale (PDG Eq. 34.15) without the log term, GeV


@njit(cache=True)
def _next(state: np.ndarray) -> float:  # pragma: no cover - numba
    state[0] += _GOLDEN
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return (float(z >> np.uint64(11)) + 0.5) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _gauss(state: np.ndarray) -> float:  # pragma: no cover - numba
    u1 = _next(state)
    u2 = _next(state)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit(cache=True)
def _brem_rate(yc: float) -> float:  # pragma: no cover - numba
    # Int_{yc}^1 (4/3 - 4/3 y + y^2)/y dy per X0 (Tsai complete screening, PDG Eq. 34.29)
    r: float = (4.0 / 3.0) * (-math.log(yc)) - (4.0 / 3.0) * (1.0 - yc) + 0.5 * (1.0 - yc * yc)
    return r


@njit(cache=True)
def _soft_frac(yc: float) -> float:  # pragma: no cover - numba
    # Int_0^{yc} y (4/3 - 4/3 y + y^2)/y dy: fractional continuous loss per X0
    r: float = (4.0 / 3.0) * yc - (2.0 / 3.0) * yc * yc + yc * yc * yc / 3.0
    return r


@njit(cache=True)
def _interp_uniform(x: float, x0: float, dx: float, arr: np.ndarray) -> float:  # pragma: no cover
    f = (x - x0) / dx
    n = arr.shape[0]
    r: float
    if f <= 0.0:
        r = arr[0]
    elif f >= n - 1:
        r = arr[n - 1]
    else:
        i = int(f)
        w = f - i
        r = arr[i] * (1.0 - w) + arr[i + 1] * w
    return r


@njit(cache=True)
def _chi_at(tmin: float, lt0: float, dlt: float, chi: np.ndarray) -> float:  # pragma: no cover
    lt = math.log(tmin)
    if lt >= lt0 + dlt * (chi.shape[0] - 1):
        return 0.0
    return _interp_uniform(lt, lt0, dlt, chi)


@njit(cache=True)
def run_chunk(  # pragma: no cover - numba  # noqa: PLR0917
    first: int,
    n: int,
    key: np.uint64,
    E0: float,
    L: float,
    e_thr: float,
    g_thr: float,
    yc_max: float,
    ion: float,
    ms_on: bool,
    db_on: bool,
    m: float,
    E_min_ap: float,
    lE0: float,
    dlE: float,
    sig_row: np.ndarray,
    xg: np.ndarray,
    cdf: np.ndarray,
    lt0: float,
    dlt: float,
    chi: np.ndarray,
    ann_mode: int,
    E_res: float,
    delta: float,
    ann_norm: float,
    gam: float,
    cap: int,
    oE: np.ndarray,
    oth: np.ndarray,
    oph: np.ndarray,
    ot: np.ndarray,
    ow: np.ndarray,
    opr: np.ndarray,
    oip: np.ndarray,
    tally: bool,
    dt_bin: float,
    edep: np.ndarray,
    lEb0: float,
    dlEb: float,
    tl_em: np.ndarray,
    tl_ep: np.ndarray,
    tl_prim: np.ndarray,
    tot_track: np.ndarray,
    beam_sign: int,
    beam_sigma: float,
) -> int:
    """Track ``n`` primaries from index ``first``; ``beam_sign`` -1 (e-) or +1 (e+) is the primary's charge and
    ``beam_sigma`` [GeV] the rms of its Gaussian energy spread about ``E0`` (0: mono-energetic, no random number
    drawn, so the stream of a mono-energetic run does not depend on this option). Returns the number of A' written
    (or needed, if above ``cap``), -2 if the particle stack overflowed."""
    me = m_e
    state = np.zeros(1, dtype=np.uint64)
    NS = 200000
    sty = np.zeros(NS, dtype=np.int8)  # 0 gamma, -1 e-, +1 e+
    sE = np.zeros(NS)
    st = np.zeros(NS)
    sx = np.zeros(NS)
    sy = np.zeros(NS)
    sg = np.zeros(NS, dtype=np.int8)
    count = 0
    nrow = sig_row.shape[0]
    nx = xg.shape[1]
    nbins_t = edep.shape[0]
    nbins_e = tl_em.shape[0]
    for ip in range(first, first + n):
        state[0] = key ^ (np.uint64(ip + 1) * _M2)
        _next(state)
        sp = 0
        sty[0] = beam_sign
        sE[0] = E0
        if beam_sigma > 0.0:
            # Gaussian beam energy spread, truncated at E0 +- 5 sigma (probability outside 5.7e-7)
            while True:
                g = _gauss(state)
                if abs(g) < 5.0:
                    break
            sE[0] = max(E0 + beam_sigma * g, 0.0)
        st[0] = 0.0
        sx[0] = 0.0
        sy[0] = 0.0
        sg[0] = 0
        sp = 1
        while sp > 0:
            sp -= 1
            ty = sty[sp]
            E = sE[sp]
            t = st[sp]
            thx = sx[sp]
            thy = sy[sp]
            gen = sg[sp]
            if ty == 0:
                # photon: pair production, mean free path 9/7 X0 (Tsai complete screening, PDG Eq. 34.31)
                t += -math.log(_next(state)) * 9.0 / 7.0
                if t >= L:
                    continue
                while True:
                    xx = _next(state)
                    if _next(state) < 1.0 - (4.0 / 3.0) * xx * (1.0 - xx):
                        break
                for q in range(2):
                    Eq = xx * E if q == 0 else (1.0 - xx) * E
                    if Eq >= e_thr:
                        if sp >= NS:
                            return -2
                        sty[sp] = -1 if q == 0 else 1
                        sE[sp] = Eq
                        st[sp] = t
                        sx[sp] = thx
                        sy[sp] = thy
                        sg[sp] = 1
                        sp += 1
                    elif tally:
                        ib = int(t / dt_bin)
                        if ib < nbins_t:
                            edep[ib] += Eq
                        if ion > 0.0:
                            tot_track[0] += Eq / ion
                continue
            # charged particle
            tau = -math.log(_next(state))
            while True:
                if e_thr > E:
                    if tally:
                        ib = int(t / dt_bin)
                        if ib < nbins_t:
                            edep[ib] += E
                        if ion > 0.0:
                            tot_track[0] += E / ion
                    break
                if t >= L:
                    break
                yc = min(yc_max, g_thr / E)
                rate = _brem_rate(yc)
                ds = min(0.1, tau / rate, L - t)
                soft = _soft_frac(yc)
                E_end = E * math.exp(-soft * ds) - ion * ds
                E_end = max(E_end, 0.0)
                if tally:
                    tl_ = ds
                    Em = 0.5 * (E + E_end)
                    ib = int(t / dt_bin + 0.5 * ds / dt_bin)
                    if ib < nbins_t:
                        edep[ib] += E - E_end
                    tot_track[0] += tl_
                    je = int((math.log(Em) - lEb0) / dlEb)
                    if 0 <= je < nbins_e:
                        if ty < 0:
                            tl_em[je] += tl_
                        else:
                            tl_ep[je] += tl_
                        if gen == 0:
                            tl_prim[je] += tl_
                # dark bremsstrahlung, forced: one weighted A' per step
                if db_on and E_min_ap < E:
                    f = _next(state)
                    Es = E + (E_end - E) * f
                    if Es > E_min_ap:
                        w = _interp_uniform(math.log(Es), lE0, dlE, sig_row) * ds
                        if w > 0.0 and count < cap:
                            k = int((math.log(Es) - lE0) / dlE + 0.5)
                            k = min(max(k, 0), nrow - 1)
                            xlo = E_min_ap / Es
                            # CDF value at xlo (row k)
                            clo = 0.0
                            if xlo > xg[k, 0]:
                                j = np.searchsorted(xg[k], xlo) - 1
                                j = min(max(j, 0), nx - 2)
                                den = xg[k, j + 1] - xg[k, j]
                                ww = (xlo - xg[k, j]) / den if den > 0.0 else 0.0
                                clo = cdf[k, j] * (1.0 - ww) + cdf[k, j + 1] * ww
                            c = clo + _next(state) * (cdf[k, nx - 1] - clo)
                            j = np.searchsorted(cdf[k], c) - 1
                            j = min(max(j, 0), nx - 2)
                            dc = cdf[k, j + 1] - cdf[k, j]
                            ww = (c - cdf[k, j]) / dc if dc > 0 else 0.5
                            x = xg[k, j] + ww * (xg[k, j + 1] - xg[k, j])
                            x = min(x, 1.0 - me / Es)
                            if x * Es < E_min_ap:  # rounding of the tabulated CDF (weight share ~1e-8)
                                x = E_min_ap / Es
                            # emission angle: U ~ 1/U^2 on [U0, Umax], accept with the BEST A12 kernel x chi ratio
                            U0 = m * m * (1.0 - x) / x + me * me * x
                            Umax = 2.0 * Es * (1.0 - x) * m
                            th = 0.0
                            if Umax > U0:
                                c0 = _chi_at((U0 / (2.0 * Es * (1.0 - x))) ** 2, lt0, dlt, chi)
                                a0 = 1.0 - x + 0.5 * x * x
                                for _ in range(200):
                                    r = _next(state)
                                    U = 1.0 / (1.0 / U0 - r * (1.0 / U0 - 1.0 / Umax))
                                    acc = 1.0 - x * (1.0 - x) * m * m * (U - U0) / (U * U * a0)
                                    if c0 > 0.0:
                                        acc *= _chi_at((U / (2.0 * Es * (1.0 - x))) ** 2, lt0, dlt, chi) / c0
                                    if _next(state) < acc:
                                        th = math.sqrt((U - U0) / (Es * Es * x))
                                        break
                            ph = 2.0 * math.pi * _next(state)
                            ax = thx + th * math.cos(ph)
                            ay = thy + th * math.sin(ph)
                            oE[count] = x * Es
                            oth[count] = math.sqrt(ax * ax + ay * ay)
                            p_ = math.atan2(ay, ax)
                            oph[count] = p_ + 2.0 * math.pi if p_ < 0.0 else p_
                            ot[count] = t + f * ds
                            ow[count] = w
                            opr[count] = 0 if gen == 0 else 1
                            oip[count] = ip
                            count += 1
                        elif w > 0.0:
                            count += 1
                # resonant annihilation e+ e- -> A' on atomic electrons
                if ann_mode >= 0 and ty > 0:
                    if ann_mode == 0:
                        lo = E_res * (1.0 - delta)
                        hi = E_res * (1.0 + delta)
                        a = max(E_end, lo)
                        b = min(E, hi)
                        if b > a and E_end < E:
                            wl = ds * (b - a) / (E - E_end)
                            w = ann_norm * wl / (hi - lo)
                            if count < cap:
                                f2 = (E - b + _next(state) * (b - a)) / (E - E_end)
                                oE[count] = E_res + me
                                oth[count] = math.sqrt(thx * thx + thy * thy)
                                p_ = math.atan2(thy, thx)
                                oph[count] = p_ + 2.0 * math.pi if p_ < 0.0 else p_
                                ot[count] = t + f2 * ds
                                ow[count] = w
                                opr[count] = 2
                                oip[count] = ip
                            count += 1
                    elif E_end < E:
                        s1 = 2.0 * me * E + 2.0 * me * me
                        s0 = 2.0 * me * E_end + 2.0 * me * me
                        mg = m * gam
                        a1 = math.atan((s1 - m * m) / mg)
                        a0_ = math.atan((s0 - m * m) / mg)
                        w = ann_norm / math.pi * ds / (E - E_end) * (a1 - a0_)
                        if w > 1e-300:
                            if count < cap:
                                aa = a0_ + _next(state) * (a1 - a0_)
                                ss = m * m + mg * math.tan(aa)
                                Ep = (ss - 2.0 * me * me) / (2.0 * me)
                                oE[count] = Ep + me
                                oth[count] = math.sqrt(thx * thx + thy * thy)
                                p_ = math.atan2(thy, thx)
                                oph[count] = p_ + 2.0 * math.pi if p_ < 0.0 else p_
                                ot[count] = t + (E - Ep) / (E - E_end) * ds
                                ow[count] = w
                                opr[count] = 2
                                oip[count] = ip
                            count += 1
                if ms_on:
                    th0 = _ES_MS / max(0.5 * (E + E_end), 1e-6) * math.sqrt(ds)
                    thx += th0 * _gauss(state)
                    thy += th0 * _gauss(state)
                t += ds
                E = E_end
                tau -= rate * ds
                if tau <= 1e-12:
                    # hard bremsstrahlung: y from (4/3 - 4/3 y + y^2)/y on [yc, 1] (Tsai, PDG Eq. 34.29)
                    while True:
                        y = yc ** _next(state)
                        if _next(state) < 1.0 - y + 0.75 * y * y:
                            break
                    k_ = y * E
                    if k_ >= g_thr:
                        if sp >= NS:
                            return -2
                        sty[sp] = 0
                        sE[sp] = k_
                        st[sp] = t
                        sx[sp] = thx
                        sy[sp] = thy
                        sg[sp] = 1
                        sp += 1
                    elif tally:
                        ib = int(t / dt_bin)
                        if ib < nbins_t:
                            edep[ib] += k_
                        if ion > 0.0:
                            tot_track[0] += k_ / ion
                    E -= k_
                    tau = -math.log(_next(state))
    return count
