"""Lifetime kernels: N_sig of one sample, card and selection at any chi2 lifetime, in microseconds.

For one sample and one selection bin the expected signal is a Laplace transform in u = 1/(c tau) of a signed
measure on the flight-path coordinate x (exponential decay law, PDG RPP 2022 Kinematics Sect. 49.1; terms of
:mod:`semivis.signal.response_table`):

    K_ch(u) = Sum_k W_k exp(-x_k u),   N_sig = EOT eps^2 eff_sig(m_A') Sum_ch BR_ch K_ch(u),

with W_k = w_e factor c_k over all events e, terms k and parts of the bin (c_k = +-1 where the bin's flag flips).

**Two chi2 (i2DM chi2 chi2) are exact in one dimension.** Both chi2 share one c tau, so the joint pass probability
Sum_{a,b} P[a,b] p1[a] p2[b] with p_s[a] = S_s[a] - S_s[a+1], S_s[a] = exp(-x_s,a u), S_s[K] = 0, is by summation
by parts in each index Sum_{a,b} D[a,b] exp(-(x_1,a + x_2,b) u) with the corner weights
D[a,b] = P[a,b] - P[a-1,b] - P[a,b-1] + P[a-1,b-1] (P = 0 outside): again a 1-D measure, at x = x_1,a + x_2,b.
The response table stores these corners per selection flag (integers D in -2..2, ~10 per event and flag
against K^2 = 625 segment pairs); a bin with several parts gets one term per part and corner.

**Compression with a rigorous bound.** The nonzero x are put in bins of a fixed grid, 32 per octave
(x_lo = 2^e (1 + s/32), width x_lo/32 at most; exact in floating point via ``frexp``), in one pass over the terms
without sorting them (an accumulator per bin of their exponent range). Per bin b the kernel keeps
the moments about its lower edge M_b,n = Sum W_k (x_k - x_lo)^n / n! (n <= :data:`ORDER`), so

    Sum_{k in b} W_k exp(-x_k u) = exp(-x_lo u) Sum_n M_b,n (-u)^n + R_b,
    |R_b| <= exp(-x_lo u) u^(p+1) Sum_{k in b} |W_k| (x_k - x_lo)^(p+1) / (p+1)!

(Taylor's theorem with Lagrange remainder; exp(-t) has derivatives bounded by 1 for t >= 0). Bins whose upper
edge lies below x u = :data:`PREFIX_XU` are summed at once from cumulative moments about x = 0, with the same
bound about 0; bins above x_lo u = :data:`CUTOFF_XU` are dropped (bounded by Sum |W| exp(-x_lo u) < 1e-20 Sum |W|,
as the exact path skips terms beyond x u = 46). :meth:`LifetimeKernel.evaluate` returns, with every N_sig, this
bound plus a floating-point rounding term: the bound is computed, not assumed, for every coupling.

Cost: ~ (number of bins within 0.5 <= x u <= 46, <= 7.5 octaves x 32) x (p + 1) per coupling and channel, a few
microseconds per coupling; the kernel of a 2.4e5-event sample is ~ 110 kB for 4 bins (docs/performance.md).

The exact accumulation (:func:`semivis.signal.reweight.bin_signals`) stays the reference; the scan's evaluator
uses a kernel only where its bound is within :data:`RTOL` N_sig + :data:`ATOL` (else it evaluates exactly).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import ArrayLike, NDArray

from semivis.detector.cards import ExperimentCard
from semivis.signal._kernels import N_FLAGS, N_IND
from semivis.signal.events import N_CHI2, EventSample
from semivis.signal.response_table import _memo_key, response_table
from semivis.signal.reweight import couplings_at
from semivis.signal.selections import SELECTION_FLAGS, bin_for_card

__all__ = [
    "ATOL",
    "BINS_PER_OCTAVE",
    "CUTOFF_XU",
    "KERNEL_FORMAT",
    "ORDER",
    "PREFIX_XU",
    "RTOL",
    "KernelSum",
    "LifetimeKernel",
    "kernel_from_arrays",
    "kernel_key",
    "lifetime_kernel",
]

#: Taylor order p of each bin's moments
ORDER = 7
#: bins per octave of x (a power of two: bin edges are exact binary fractions)
BINS_PER_OCTAVE = 32
#: bins entirely below x u = PREFIX_XU are summed from cumulative moments about x = 0
PREFIX_XU = 0.5
#: bins starting above x u = CUTOFF_XU are dropped (exp(-46) ~ 1e-20, as the exact path)
CUTOFF_XU = 46.0
#: relative tolerance the scan's evaluator demands of a kernel's bound (else the exact path)
RTOL = 1e-4
#: absolute tolerance [events] of the same test (1e-4 of 0.1 x the smallest 90 % CL s_up, ln 10 = 2.30)
ATOL = 2.3e-5
#: version of the kernel's array layout and algorithm (enters cache keys)
KERNEL_FORMAT = 2  # 2: moments summed in term order (no sort); the same bins, sums equal up to rounding
#: rounding: each stored sum is bounded by (terms summed) x unit roundoff x the sum of |terms|; 4x margin
_UNIT = 4.0 * 2.0**-53


# ------------------------------------------------------------------------------------------ gathering
@njit(cache=True)
def _gather_one(  # noqa: PLR0917
    off: NDArray[np.int64],
    x: NDArray[np.float64],
    c: NDArray[np.int8],
    w: NDArray[np.float64],
    inds: NDArray[np.int64],
    facs: NDArray[np.float64],
    xo: NDArray[np.float64],
    wo: NDArray[np.float64],
) -> int:  # pragma: no cover - numba
    """Terms (x, w_e factor c) of one chi2 slot for the parts (indicator, factor); returns how many (xo/wo must
    hold every term of the parts)."""
    n = w.size
    m = 0
    for e in range(n):
        for p in range(inds.size):
            r = N_IND * e + inds[p]
            f = w[e] * facs[p]
            for k in range(off[r], off[r + 1]):
                xo[m] = x[k]
                wo[m] = f * c[k]
                m += 1
    return m


@njit(cache=True)
def _gather_pair(  # noqa: PLR0917
    xb: NDArray[np.float64],
    coff: NDArray[np.int64],
    ca: NDArray[np.int8],
    cb: NDArray[np.int8],
    cd: NDArray[np.int8],
    w: NDArray[np.float64],
    inds: NDArray[np.int64],
    facs: NDArray[np.float64],
    xo: NDArray[np.float64],
    wo: NDArray[np.float64],
) -> int:  # pragma: no cover - numba
    """Corner terms of two chi2 (module docstring) for the bin Q = Sum_parts factor P: per event and part, the
    flag's corners (a, b, D) of the response table give x = x_1,a + x_2,b and weight w_e (factor D). A corner
    shared by several parts gives one term per part (their weights add in the kernel's moments)."""
    m = 0
    for e in range(xb.shape[0]):
        for p in range(inds.size):
            r = N_FLAGS * e + inds[p]
            for t in range(coff[r], coff[r + 1]):
                xo[m] = xb[e, 0, ca[t]] + xb[e, 1, cb[t]]
                wo[m] = w[e] * (facs[p] * cd[t])
                m += 1
    return m


# ------------------------------------------------------------------------------------------ compression
@njit(cache=True)
def _bin_of(x: float) -> tuple[int, int]:  # pragma: no cover - numba
    """(octave, sub-bin) of x > 0: x = 2^(e-1) y, y in [1, 2), sub-bin floor((y - 1) 32) (exact)."""
    f, e = math.frexp(x)
    s = int((2.0 * f - 1.0) * BINS_PER_OCTAVE)
    return e, s


@njit(cache=True)
def _bin_lo(e: int, s: int) -> float:  # pragma: no cover - numba
    """Lower edge x_lo = 2^(e-1) (1 + s/32) of the bin (octave e, sub-bin s) of :func:`_bin_of` (exact)."""
    return math.ldexp(1.0 + s / BINS_PER_OCTAVE, e - 1)


@njit(cache=True)
def _compress(
    x: NDArray[np.float64], w: NDArray[np.float64], p: int
) -> tuple[float, float, NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64],
           NDArray[np.float64], NDArray[np.float64]]:  # fmt: skip  # pragma: no cover - numba
    """(c0, |c0|, x_lo, moments (B, p+1) / n!, abs moment p+1 / (p+1)!, Sum |W|, cumulative moments about 0
    (B, p+1) / n!, cumulative abs moment p+1 about 0 / (p+1)!) of the terms (x, w), in any order.

    No sort: every bin of the exponent range of x > 0 gets an accumulator (at most 32 per octave), the terms are
    added in their given order, and the occupied bins are kept in x order. Two passes over the terms (the
    exponent range, then the sums); the order of the terms changes the sums by rounding only, which the bound's
    rounding term (:data:`_UNIT` x terms x Sum |W|) covers for any order."""
    e_lo = 1 << 30
    e_hi = -(1 << 30)
    for i in range(x.size):
        if x[i] > 0.0:
            e = math.frexp(x[i])[1]
            e_lo = min(e_lo, e)
            e_hi = max(e_hi, e)
    nd = max(0, (e_hi - e_lo + 1) * BINS_PER_OCTAVE)
    fact = np.ones(p + 2)
    for n in range(1, p + 2):
        fact[n] = fact[n - 1] * n
    cnt = np.zeros(nd, dtype=np.int64)
    mom_d = np.zeros((nd, p + 1))
    absm_d = np.zeros(nd)
    amp_d = np.zeros(nd)
    cmom_d = np.zeros((nd, p + 1))
    cabs_d = np.zeros(nd)
    c0 = 0.0
    a0 = 0.0
    for i in range(x.size):
        xi = x[i]
        wi = w[i]
        if xi <= 0.0:
            c0 += wi
            a0 += abs(wi)
            continue
        e, s = _bin_of(xi)
        j = (e - e_lo) * BINS_PER_OCTAVE + s
        d = xi - _bin_lo(e, s)
        cnt[j] += 1
        t = wi
        for n in range(p + 1):
            mom_d[j, n] += t / fact[n]
            t *= d
        absm_d[j] += abs(wi) * d ** (p + 1) / fact[p + 1]
        amp_d[j] += abs(wi)
        t = wi
        for n in range(p + 1):
            cmom_d[j, n] += t / fact[n]
            t *= xi
        cabs_d[j] += abs(wi) * xi ** (p + 1) / fact[p + 1]
    nb = 0
    for j in range(nd):
        if cnt[j] > 0:
            nb += 1
    xlo = np.empty(nb)
    mom = np.zeros((nb, p + 1))
    absm = np.zeros(nb)
    amp = np.zeros(nb)
    cmom = np.zeros((nb, p + 1))
    cabs = np.zeros(nb)
    b = 0
    for j in range(nd):
        if cnt[j] == 0:
            continue
        xlo[b] = _bin_lo(e_lo + j // BINS_PER_OCTAVE, j % BINS_PER_OCTAVE)
        for n in range(p + 1):
            mom[b, n] = mom_d[j, n]
            cmom[b, n] = cmom_d[j, n] + (cmom[b - 1, n] if b > 0 else 0.0)  # cumulative over bins
        absm[b] = absm_d[j]
        amp[b] = amp_d[j]
        cabs[b] = cabs_d[j] + (cabs[b - 1] if b > 0 else 0.0)
        b += 1
    return c0, a0, xlo, mom, absm, amp, cmom, cabs


@njit(cache=True)
def _evaluate(  # noqa: PLR0917
    off: NDArray[np.int64],
    c0: NDArray[np.float64],
    a0: NDArray[np.float64],
    nterms: NDArray[np.int64],
    xlo: NDArray[np.float64],
    mom: NDArray[np.float64],
    absm: NDArray[np.float64],
    amp: NDArray[np.float64],
    cmom: NDArray[np.float64],
    cabs: NDArray[np.float64],
    u: NDArray[np.float64],
    out: NDArray[np.float64],
    err: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """K_m(u_j) and its bound for every measure m (bins off[m]:off[m+1]) and coupling j (module docstring)."""
    p = mom.shape[1] - 1
    for m in range(off.size - 1):
        s0 = off[m]
        s1 = off[m + 1]
        cum_amp = 0.0
        for b in range(s0, s1):
            cum_amp += amp[b]
        rnd = _UNIT * (nterms[m] + 2 * (p + 2))
        for j in range(u.size):
            uj = u[j]
            val = c0[m]
            mag = a0[m]
            up = uj ** (p + 1)
            bound = 0.0
            # prefix: bins whose upper edge x_lo (1 + 2^-5) is below PREFIX_XU / u
            lim = PREFIX_XU / uj if uj > 0.0 else np.inf
            lo = s0
            hi = s1
            while lo < hi:  # first bin with upper edge > lim
                mid = (lo + hi) // 2
                if xlo[mid] * (1.0 + 1.0 / BINS_PER_OCTAVE) <= lim:
                    lo = mid + 1
                else:
                    hi = mid
            b0 = lo
            amp_pre = 0.0
            if b0 > s0:
                poly = cmom[b0 - 1, p]
                for n in range(p - 1, -1, -1):
                    poly = poly * (-uj) + cmom[b0 - 1, n]
                val += poly
                bound += up * cabs[b0 - 1]
                for b in range(s0, b0):
                    amp_pre += amp[b]
                mag += amp_pre
            rest = cum_amp - amp_pre
            for b in range(b0, s1):
                a = xlo[b] * uj
                f = math.exp(-a)
                if a > CUTOFF_XU:
                    bound += rest * f  # every later term is smaller than exp(-x_lo u) |W|
                    break
                poly = mom[b, p]
                for n in range(p - 1, -1, -1):
                    poly = poly * (-uj) + mom[b, n]
                val += f * poly
                bound += f * up * absm[b]
                mag += f * amp[b]
                rest -= amp[b]
            out[m, j] = val
            err[m, j] = bound + rnd * mag


# ------------------------------------------------------------------------------------------ the kernel
@dataclass(frozen=True)
class LifetimeKernel:
    """Compressed lifetime response of one sample in one card for a list of selection bins.

    ``meta``: the sample's kind, masses, channels, chi2 stability and the card's signal efficiency at m_A'
    (JSON-able); ``bins``: bin names; measures ordered (bin, channel) over ``channels``; ``arrays``: the
    compressed measures (``off``, ``c0``, ``a0``, ``nterms`` per measure; ``xlo``, ``mom``, ``absm``, ``amp``,
    ``cmom``, ``cabs`` per grid bin). :meth:`to_arrays`/:meth:`from_arrays` serialise it (no pickle).
    """

    meta: Mapping[str, Any]
    bins: tuple[str, ...]
    arrays: Mapping[str, NDArray[Any]]

    @property
    def channels(self) -> tuple[str, ...]:
        """Dark channels of the sample (measure order within a bin)."""
        return tuple(self.meta["channels"])

    def evaluate_u(
        self, u: ArrayLike, br: Mapping[str, NDArray[np.float64]], bins: Sequence[str] | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(Sum_ch BR_ch K_bin,ch(u), bound) per bin of ``bins`` (None: all of the kernel's), shape (n_bins, n_u):
        the sample-weighted selected probability (N_sig / (EOT eps^2 eff_sig)) and a rigorous bound on its error,
        for u = 1/c tau [1/m]. A bin the kernel does not hold raises ``KeyError``."""
        uu = np.ascontiguousarray(u, dtype=np.float64).ravel()
        a = self.arrays
        nch = len(self.channels)
        names = self.bins if bins is None else tuple(bins)
        val = np.zeros((len(names), uu.size))
        bnd = np.zeros((len(names), uu.size))
        for r, name in enumerate(names):
            if name not in self.bins:
                raise KeyError(name)
            m0 = self.bins.index(name) * nch  # the bin's measures: m0 .. m0 + nch - 1 (absolute grid offsets)
            k = np.zeros((nch, uu.size))
            e = np.zeros((nch, uu.size))
            _evaluate(
                a["off"][m0 : m0 + nch + 1], a["c0"][m0 : m0 + nch], a["a0"][m0 : m0 + nch],
                a["nterms"][m0 : m0 + nch], a["xlo"], a["mom"], a["absm"], a["amp"], a["cmom"], a["cabs"], uu, k, e,
            )  # fmt: skip
            for c, ch in enumerate(self.channels):
                val[r] += br[ch] * k[c]
                bnd[r] += np.abs(br[ch]) * e[c]
        return val, bnd

    def n_signal(
        self,
        eot: float,
        eps: ArrayLike,
        alpha_D: ArrayLike,
        theta: ArrayLike | None = None,
        bins: Sequence[str] | None = None,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(N_sig, error bound) per bin of ``bins`` (None: all) at ``eot`` electrons on target, shape
        (n_bins, *broadcast couplings shape).

        N_sig = EOT eps^2 eff_sig(m_A') Sum_ch BR_ch(eps, alpha_D, theta) K_ch(1/c tau) (module docstring);
        BR and c tau from ``semivis.models`` through :func:`semivis.signal.reweight.couplings_at`.
        """
        m = self.meta
        shape, e_f, br, u = couplings_at(
            m["kind"], m["m_Ap"], m["m_chi1"], m["m_chi2"], self.channels, m["chi2_stable"], eps, alpha_D, theta
        )
        val, bnd = self.evaluate_u(u, br, bins)
        norm = float(eot) * e_f**2 * float(m["eff_sig"])
        return (norm * val).reshape((val.shape[0], *shape)), (norm * bnd).reshape((val.shape[0], *shape))

    def to_arrays(self) -> tuple[dict[str, NDArray[Any]], dict[str, Any]]:
        """(arrays, JSON-able metadata) for a cache."""
        return {k: np.array(v, copy=True) for k, v in self.arrays.items()}, {
            **dict(self.meta),
            "bins": list(self.bins),
            "format": KERNEL_FORMAT,
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, NDArray[Any]], meta: Mapping[str, Any]) -> LifetimeKernel:
        """Inverse of :meth:`to_arrays`; raises ``ValueError`` on a layout it does not know."""
        if meta.get("format") != KERNEL_FORMAT:
            raise ValueError(f"kernel format {meta.get('format')!r}, expected {KERNEL_FORMAT}")
        names = ("off", "c0", "a0", "nterms", "xlo", "mom", "absm", "amp", "cmom", "cabs")
        missing = [k for k in names if k not in arrays]
        if missing:
            raise ValueError(f"kernel arrays miss {missing}")
        bins = tuple(str(b) for b in meta["bins"])
        out = {k: np.ascontiguousarray(arrays[k]) for k in names}
        nm = len(bins) * len(meta["channels"])
        nb = out["xlo"].size
        if out["off"].shape != (nm + 1,) or out["mom"].shape != (nb, ORDER + 1) or int(out["off"][-1]) != nb:
            raise ValueError("kernel arrays have inconsistent shapes")
        return cls({k: v for k, v in meta.items() if k not in {"bins", "format"}}, bins, out)


def _sum_parts(
    res: list[tuple[NDArray[np.float64], NDArray[np.float64]]],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """(values, error bounds) of the parts added in part order (each part's compression bound adds)."""
    return sum((r[0] for r in res[1:]), res[0][0]), sum((r[1] for r in res[1:]), res[0][1])


@dataclass(frozen=True)
class KernelSum:
    """The kernel of a union sample (:meth:`semivis.signal.events.EventSample.parts`): N_sig and its bound are the
    sums of its parts' (the measure of a union of events is the sum of the parts' measures; bounds add), so each
    part's kernel is built, cached and shared on its own (the brem part with the brem-only curves)."""

    parts: tuple[LifetimeKernel, ...]

    @property
    def meta(self) -> Mapping[str, Any]:
        """The first part's metadata (kind, masses, channels and eff_sig are the same in every part)."""
        return self.parts[0].meta

    @property
    def bins(self) -> tuple[str, ...]:
        """Bin names (the same in every part)."""
        return self.parts[0].bins

    @property
    def channels(self) -> tuple[str, ...]:
        """Dark channels (the same in every part)."""
        return self.parts[0].channels

    def evaluate_u(
        self, u: ArrayLike, br: Mapping[str, NDArray[np.float64]], bins: Sequence[str] | None = None
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """:meth:`LifetimeKernel.evaluate_u` summed over the parts (values and bounds)."""
        return _sum_parts([k.evaluate_u(u, br, bins) for k in self.parts])

    def n_signal(
        self,
        eot: float,
        eps: ArrayLike,
        alpha_D: ArrayLike,
        theta: ArrayLike | None = None,
        bins: Sequence[str] | None = None,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """:meth:`LifetimeKernel.n_signal` summed over the parts (values and bounds)."""
        return _sum_parts([k.n_signal(eot, eps, alpha_D, theta, bins) for k in self.parts])

    def to_arrays(self) -> tuple[dict[str, NDArray[Any]], dict[str, Any]]:
        """(arrays ``part<i>.<name>``, metadata with each part's) for a cache; :func:`kernel_from_arrays` reads it."""
        arrays: dict[str, NDArray[Any]] = {}
        metas = []
        for i, k in enumerate(self.parts):
            a, m = k.to_arrays()
            arrays |= {f"part{i}.{name}": v for name, v in a.items()}
            metas.append(m)
        return arrays, {"format": KERNEL_FORMAT, "parts": metas}


def kernel_from_arrays(arrays: Mapping[str, NDArray[Any]], meta: Mapping[str, Any]) -> LifetimeKernel | KernelSum:
    """A kernel written by :meth:`LifetimeKernel.to_arrays` or :meth:`KernelSum.to_arrays`; ``ValueError`` on a
    layout it does not know."""
    if "parts" not in meta:
        return LifetimeKernel.from_arrays(arrays, meta)
    if meta.get("format") != KERNEL_FORMAT or not meta["parts"]:
        raise ValueError(f"kernel format {meta.get('format')!r}, expected {KERNEL_FORMAT} with parts")
    parts = []
    for i, m in enumerate(meta["parts"]):
        prefix = f"part{i}."
        parts.append(
            LifetimeKernel.from_arrays({k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)}, m)
        )
    if len({(p.bins, p.channels) for p in parts}) != 1:
        raise ValueError("kernel parts differ in bins or channels")
    return KernelSum(tuple(parts))


def kernel_key(sample: EventSample, card: ExperimentCard, bins: Sequence[str]) -> str:
    """Content key of the kernel of ``sample`` in ``card`` for ``bins``: a digest of the sample (its input key and
    arrays), the card's detector content (EOT-independent), each bin's parts, the kernel format and parameters.
    The code that builds the response is not in it: a cache adds its own code digest."""
    h = hashlib.sha256()
    h.update(_memo_key(sample, card.detector_key()).encode())
    parts = [(name, [(f, float(fac).hex()) for f, fac in bin_for_card(name, card).parts]) for name in bins]
    h.update(json.dumps([parts, KERNEL_FORMAT, ORDER, BINS_PER_OCTAVE, PREFIX_XU, CUTOFF_XU]).encode())
    h.update(float(card.signal_efficiency(sample.m_Ap)).hex().encode())
    return h.hexdigest()


def lifetime_kernel(
    sample: EventSample, card: ExperimentCard, bins: Sequence[str], *, exact_containment: bool = False
) -> LifetimeKernel:
    """The compressed lifetime kernel of ``sample`` in ``card`` for the selection bins ``bins`` (module docstring).

    Built from the sample's response table (:func:`semivis.signal.response_table.response_table`); depends on
    the sample, the card's detector content and the bins' parts (flags and extra efficiencies), not on the
    couplings or the EOT.
    """
    table = response_table(sample, card, exact_containment=exact_containment)
    w = np.ascontiguousarray(sample.arrays["ap.weight"], dtype=np.float64)
    parts = {name: bin_for_card(name, card).parts for name in bins}
    chunks: dict[str, list[NDArray[Any]]] = {k: [] for k in ("c0", "a0", "nterms", "xlo", "mom", "absm", "amp")}
    chunks |= {"cmom": [], "cabs": []}
    off = [0]
    for name in bins:
        inds = np.asarray([SELECTION_FLAGS.index(f) for f, _ in parts[name]], dtype=np.int64)
        facs = np.asarray([float(fac) for _, fac in parts[name]], dtype=np.float64)
        for ch in sample.channels:
            k = N_CHI2[ch]
            if k == 0:
                xs = np.zeros(w.size)
                ws = w * (table.base_flags[:, inds] @ facs)
            elif k == 1:
                t = table.one[ch]
                n = w.size
                cnt = sum(int(np.sum(t.off[i + 1 :: N_IND][:n] - t.off[i::N_IND][:n])) for i in inds)
                xs = np.empty(cnt)
                ws = np.empty(cnt)
                _gather_one(t.off, t.x, t.c, w, inds, facs, xs, ws)
            else:
                pr = table.pair[ch]
                n = w.size
                cnt = sum(int(np.sum(pr.coff[i + 1 :: N_FLAGS][:n] - pr.coff[i::N_FLAGS][:n])) for i in inds)
                xs = np.empty(cnt)
                ws = np.empty(cnt)
                _gather_pair(pr.xb, pr.coff, pr.ca, pr.cb, pr.cd, w, inds, facs, xs, ws)
            c0, a0, xlo, mom, absm, amp, cmom, cabs = _compress(xs, ws, ORDER)
            for key, val in (
                ("c0", np.array([c0])), ("a0", np.array([a0])), ("nterms", np.array([xs.size], dtype=np.int64)),
                ("xlo", xlo), ("mom", mom), ("absm", absm), ("amp", amp), ("cmom", cmom), ("cabs", cabs),
            ):  # fmt: skip
                chunks[key].append(val)
            off.append(off[-1] + xlo.size)
    arrays: dict[str, NDArray[Any]] = {k: np.ascontiguousarray(np.concatenate(v)) for k, v in chunks.items()}
    arrays["off"] = np.asarray(off, dtype=np.int64)
    if arrays["mom"].ndim == 1:  # no bins at all
        arrays["mom"] = arrays["mom"].reshape(0, ORDER + 1)
        arrays["cmom"] = arrays["cmom"].reshape(0, ORDER + 1)
    meta = {
        "kind": sample.kind,
        "m_Ap": sample.m_Ap,
        "m_chi1": sample.m_chi1,
        "m_chi2": sample.m_chi2,
        "channels": list(sample.channels),
        "chi2_stable": sample.chi2_stable,
        "eff_sig": float(card.signal_efficiency(sample.m_Ap)),
        "n_events": sample.n_events,
    }
    return LifetimeKernel(meta, tuple(bins), arrays)
