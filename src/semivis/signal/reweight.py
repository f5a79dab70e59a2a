"""Lifetime reweighting, the public signal API: one event sample per mass point -> N_sig for a coupling vector.

The mass point -> N_sig composition has one home here: :func:`bin_signals` (N_sig per bin of a selection,
used by ``semivis yield`` and the scan's ``SignalEvaluator``), :func:`signal_result` (a selection's total)
and :func:`expected_signal`; :func:`decay_fractions` gives where the chi2 decay. The response tables they
evaluate are built in :mod:`semivis.signal.response_table` (kernels: :mod:`semivis.signal._kernels`); the
reference path that samples decay points directly is :mod:`semivis.signal.validate`.

For a chi2 with boost beta*gamma and direction slopes (tx, ty), produced at depth z_v, the probability to
decay between the positions z_a < z_b along the beam is the exponential decay law along its flight path
(e.g. PDG RPP 2022, Kinematics Sect. 49.1):

    P(z_a, z_b) = exp(-x_a / c tau) - exp(-x_b / c tau),   x = (z - z_v) sqrt(1 + tx^2 + ty^2) / (beta gamma).

The detector response of a decay is evaluated once per *segment* of the flight path (ECAL slices, gaps,
VETO, HCAL modules, lateral exits, beyond; :mod:`semivis.detector.kernels`) at the segment's midpoint, so
every selection becomes a piecewise-constant function of the decay position. For one chi2 the selected
probability is then a short sum of exponentials, Sum_k c_k exp(-x_k / c tau) with c_k = +-1 where the
selection flips, evaluated for all couplings at once (numba, no Python loop over events). For two chi2
(i2DM chi2 chi2) the joint pass table over segment pairs is used (deposits add up).

Coupling dependence (contracts.md; physics.md 2.1, 2.2):

* production ~ eps^2 (the sample's weights are at eps = 1): N = EOT eps^2 Sum_e w_e Sum_ch BR_ch P_ch,e;
* c tau ~ 1/(eps^2 alpha_D) (times 1/(s^2 c^2) for i2DM) at fixed masses, with the exact mass dependence of
  ``semivis.models`` (``ctau_chi2_m``), evaluated by the model for every coupling point;
* BR_ch(eps, alpha_D, theta) from the model's ``branching_ratios``; the A' decays promptly.

The ECAL slicing (``N_ECAL_SLICES`` for one chi2, evaluated in blocks of ``ECAL_BLOCK``; ``N_ECAL_SLICES_PAIR``
for two) is the only approximation with respect to sampling decay points directly
(:func:`semivis.signal.validate.simulate_fixed_coupling`).

Speed (docs/performance.md, Signal): the ECAL containment P(a, b t) of the slices comes from tables (per-slice
P(a_nodes, b t_i) interpolated in a = 1 + b (ln(E/E_c) - 0.5), and a global (a, sqrt(b t)) table for the
vertex slice), both built once with ``scipy.special.gammainc``; their error bound ``CONTAINMENT_TABLE_TOL``
(E+ + E-) on every deposit sum decides when a segment is near a selection threshold, and such segments are
re-evaluated with the exact series, so the flags, and N_sig, are those of the exact evaluation. The terms are
stored compressed per event and indicator; response tables are memoised by content in one small LRU.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis._validation import check_range
from semivis.detector.cards import ExperimentCard
from semivis.detector.kernels import REGION_NAMES
from semivis.errors import ParameterError
from semivis.models import make_model
from semivis.production import PROCESS_NAMES
from semivis.signal._kernels import N_FLAGS, N_IND, eval_pair, fused_sums
from semivis.signal.events import N_CHI2, EventSample
from semivis.signal.response_table import OneChi2Terms, ResponseTable, response_table
from semivis.signal.selections import SELECTION_FLAGS, bin_for_card, selection_for_card

__all__ = [
    "SignalResult",
    "bin_signals",
    "cluster_variance",
    "couplings",
    "couplings_at",
    "decay_fractions",
    "expected_signal",
    "signal_result",
]

#: couplings per block of the two-chi2 joint-table evaluation (bounds its (n_events, block) scratch array)
_U_BLOCK = 32


# ------------------------------------------------------------------------------------------ couplings
def _model_for(  # noqa: PLR0917
    kind: str,
    m_Ap: float,
    m_chi1: float,
    m_chi2: float,
    eps: NDArray[np.float64],
    alpha_D: NDArray[np.float64],
    theta: NDArray[np.float64] | None,
) -> Any:
    if kind == "invisible":
        return make_model("invisible", m_Ap=m_Ap, eps=eps, alpha_D=alpha_D, m_chi1=m_chi1)
    delta = (m_chi2 - m_chi1) / m_chi1
    if kind == "idm":
        return make_model("idm", m_Ap=m_Ap, eps=eps, alpha_D=alpha_D, m_chi1=m_chi1, delta=delta)
    return make_model("i2dm", m_Ap=m_Ap, eps=eps, alpha_D=alpha_D, m_chi1=m_chi1, delta=delta, theta=theta)


def couplings_at(  # noqa: PLR0917
    kind: str,
    m_Ap: float,
    m_chi1: float,
    m_chi2: float,
    channels: Sequence[str],
    chi2_stable: bool,
    eps: ArrayLike,
    alpha_D: ArrayLike,
    theta: ArrayLike | None,
) -> tuple[tuple[int, ...], NDArray[np.float64], dict[str, NDArray[np.float64]], NDArray[np.float64]]:
    """:func:`couplings` for a mass point given by its numbers (a sample's ``kind``, masses, ``channels`` and
    ``chi2_stable``): what a :class:`~semivis.signal.lifetime.LifetimeKernel` needs without its sample."""
    eps_a = check_range("eps", eps, 0.0, 1.0)
    a_a = check_range("alpha_D", alpha_D, 0.0)
    if kind == "i2dm":
        if theta is None:
            raise ParameterError("theta", None, "0 <= theta <= pi/2 (required for i2DM)")
        th = check_range("theta", theta, 0.0, math.pi / 2, low_inclusive=True, high_inclusive=True)
        e_b, a_b, t_b = np.broadcast_arrays(eps_a, a_a, th)
    else:
        if theta is not None:
            raise ParameterError("theta", theta, f"None for the {kind} model")
        e_b, a_b = np.broadcast_arrays(eps_a, a_a)
        t_b = None
    shape = e_b.shape
    e_f = np.ascontiguousarray(e_b.ravel())
    a_f = np.ascontiguousarray(a_b.ravel())
    t_f = None if t_b is None else np.ascontiguousarray(t_b.ravel())
    model = _model_for(kind, m_Ap, m_chi1, m_chi2, e_f, a_f, t_f)
    brs = model.branching_ratios()
    br = {ch: np.asarray(np.broadcast_to(brs[ch], e_f.shape), dtype=np.float64) for ch in channels}
    if kind == "invisible" or chi2_stable:
        u = np.zeros(e_f.shape)
    else:
        ctau = np.asarray(np.broadcast_to(model.ctau_chi2_m(), e_f.shape), dtype=np.float64)
        u = np.where(np.isfinite(ctau), 1.0 / ctau, 0.0)
    return shape, e_f, br, u


def couplings(
    sample: EventSample, eps: ArrayLike, alpha_D: ArrayLike, theta: ArrayLike | None
) -> tuple[tuple[int, ...], NDArray[np.float64], dict[str, NDArray[np.float64]], NDArray[np.float64]]:
    """(shape, eps flat, BR per stored channel flat, u = 1/c tau flat) over the broadcast couplings.

    BR_ch(eps, alpha_D, theta) and c tau from ``semivis.models`` (physics.md 2.1, 2.2) at the sample's masses;
    u = 0 for a stable chi2 or the invisible model.
    """
    return couplings_at(
        sample.kind, sample.m_Ap, sample.m_chi1, sample.m_chi2, sample.channels, sample.chi2_stable,
        eps, alpha_D, theta,
    )  # fmt: skip


def _flag_index(flag: str) -> int:
    """Indicator index of a selection flag (flags come first, in the order of SELECTION_FLAGS)."""
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
    srcs: list[OneChi2Terms] = []
    src_of: dict[int, int] = {}
    isrc: list[int] = []
    iind: list[int] = []
    igrp: list[int] = []
    groups: list[tuple[str, float]] = []
    for ind, factor in indicators:
        for ch in sample.channels:
            k = N_CHI2[ch]
            if k == 0:
                if ind >= N_FLAGS:
                    continue
                blocks: list[OneChi2Terms | None] = [None]
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
        offs = np.zeros((1, N_IND * n + 1), dtype=np.int64)
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
    """Sum_e t_e, its Monte Carlo variance (:func:`cluster_variance` over the sample's primary clusters) and
    Sum_e t_e per process, t_e = w_e Sum_ch BR_ch Sum_ind factor P_ind,ch,e."""
    offs, xall, call, isrc, iind, igrp, groups = _items(table, sample, indicators, slot_channels)
    nj = u.size
    coefs = np.zeros((max(len(groups), 1), nj))
    for gi, (ch, factor) in enumerate(groups):
        coefs[gi] = br[ch] * factor
    w = np.ascontiguousarray(sample.arrays["ap.weight"], dtype=np.float64)
    proc = np.ascontiguousarray(sample.arrays["ap.process"], dtype=np.int64)
    cluster, cluster_part, n_prim = sample.primary_clusters()
    u = np.ascontiguousarray(u, dtype=np.float64)
    s = np.zeros(nj)
    sp = np.zeros((len(n_prim), nj))
    s2 = np.zeros((len(n_prim), nj))
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
                eval_pair(pr.xb, pr.coff, pr.ca, pr.cb, pr.cd, ind, uu, coef, extra)
        order = np.argsort(uu, kind="stable").astype(np.int64)
        fused_sums(
            offs, xall, call, table.base_flags, isrc, iind, igrp, coefs, u, order, w, proc, cluster, cluster_part,
            extra, bool(pair_chs), j0, j1, s, sp, s2, bp,
        )  # fmt: skip
    return s, cluster_variance(sp, s2, n_prim), bp


def cluster_variance(
    sp: NDArray[np.float64], s2: NDArray[np.float64], n_primaries: Sequence[int | None]
) -> NDArray[np.float64]:
    """Monte Carlo variance of S = Sum_p S_p, a sum over independent sample parts p (one per production process),
    from each part's S_p = Sum_c T_c (``sp[p]``) and Sum_c T_c^2 (``s2[p]``) over its clusters c (the events of
    one beam primary, T_c their summed terms).

    A part of N primaries estimates its S_p as N times the mean of N independent per-primary totals (those
    with no A' are T = 0), so Var(S_p) = N/(N - 1) Sum_c (T_c - S_p/N)^2 = N/(N - 1) (Sum_c T_c^2 - S_p^2/N)
    (the unbiased sample variance of N independent totals, PDG RPP 2022, Statistics, Sect. 40.2.2, times N for
    their sum; the same estimator as the cascade's yield error ``ApSample.relative_error``); a part whose
    N is not known (None, or < 2) gets Sum_c T_c^2, the variance of independent weighted events. Rounding can
    make the difference a few ulp below 0 where every primary gives the same total; the variance is then 0.
    """
    var = np.zeros(sp.shape[1])
    for p, n in enumerate(n_primaries):
        if n is None or n < 2:
            var += s2[p]
        else:
            var += n / (n - 1.0) * np.maximum(s2[p] - sp[p] ** 2 / n, 0.0)
    return var


@dataclass
class SignalResult:
    """Expected signal over a coupling grid (arrays shaped like the broadcast couplings)."""

    n_signal: NDArray[np.float64]
    mc_rel_error: NDArray[np.float64]
    breakdown: dict[str, NDArray[np.float64]]
    eot: float
    selection: str
    #: the most N_sig one event can carry, norm w_max Sum_ch BR_ch Sum_parts eff_part (every P = 1): the scale of
    #: the Monte Carlo error where (almost) no event passes, which the sample variance cannot see (0 events, 0 error)
    max_event: NDArray[np.float64]


def _results(  # noqa: PLR0917
    sample: EventSample,
    card: ExperimentCard,
    bins: Sequence[tuple[str, Sequence[tuple[str, float]]]],
    eps: ArrayLike,
    alpha_D: ArrayLike,
    theta: ArrayLike | None,
    eot: float | None,
) -> dict[str, SignalResult]:
    """N_sig per (label, parts): each the sum of its ``parts`` (flag, extra efficiency), over the broadcast
    couplings; the couplings and the response table are evaluated once for all."""
    eot_v = card.eot if eot is None else float(check_range("eot", eot, 0.0))
    cpl = couplings(sample, eps, alpha_D, theta)
    table = response_table(sample, card)
    return {label: _result(sample, card, table, cpl, parts, label, eot_v) for label, parts in bins}


def _result(  # noqa: PLR0917
    sample: EventSample,
    card: ExperimentCard,
    table: ResponseTable,
    cpl: tuple[tuple[int, ...], NDArray[np.float64], dict[str, NDArray[np.float64]], NDArray[np.float64]],
    parts: Sequence[tuple[str, float]],
    label: str,
    eot_v: float,
) -> SignalResult:
    """N_sig of the summed ``parts`` (flag, extra efficiency) from the table and the evaluated couplings."""
    shape, e_f, br, u = cpl
    indicators = [(_flag_index(flag), eff) for flag, eff in parts]
    s, var, by_proc = _accumulate(table, sample, indicators, br, u)
    norm = eot_v * e_f**2 * float(card.signal_efficiency(sample.m_Ap))
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(s > 0.0, np.sqrt(var) / np.where(s > 0.0, s, 1.0), 0.0)
    w = sample.arrays["ap.weight"]
    w_max = float(np.max(w)) if w.size else 0.0
    br_sum = sum((br[ch] for ch in sample.channels), np.zeros_like(u))
    max_event = norm * w_max * br_sum * sum(eff for _, eff in parts)
    return SignalResult(
        n_signal=(norm * s).reshape(shape),
        mc_rel_error=rel.reshape(shape),
        breakdown={name: (norm * by_proc[p]).reshape(shape) for p, name in PROCESS_NAMES.items()},
        eot=eot_v,
        selection=label,
        max_event=np.asarray(max_event, dtype=np.float64).reshape(shape),
    )


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

    N_sig = EOT eps^2 eff_sig(m_A') Sum_parts eff_part Sum_e w_e Sum_ch BR_ch P_part,ch,e(c tau); the relative
    MC error is the standard error of that sum over the sample's beam primaries (:func:`cluster_variance`: the
    A' of one primary's cascade are summed before squaring, since they share its shower) over the sum itself.
    For a selection with several bins (``s1+s2``) this is their total (the bins are disjoint event classes);
    :func:`bin_signals` gives each bin, as a multibin limit uses them.
    """
    sel = selection_for_card(selection, card)
    parts = [p for b in sel.bins for p in b.parts]
    return _results(sample, card, [(selection, parts)], eps, alpha_D, theta, eot)[selection]


def bin_signals(  # noqa: PLR0917
    sample: EventSample,
    card: ExperimentCard,
    bins: Sequence[str],
    eps: ArrayLike = 1e-4,
    alpha_D: ArrayLike = 0.1,
    theta: ArrayLike | None = None,
    eot: float | None = None,
) -> dict[str, SignalResult]:
    """N_sig per bin: ``bins`` are bin names of one selection (``semivis.signal.bin_names(selection)``), each
    evaluated with the card's bin (:func:`semivis.signal.selections.bin_for_card`).

    The one mass point -> N_sig composition shared by ``semivis yield`` and the scan's ``SignalEvaluator``.
    """
    return _results(sample, card, [(name, bin_for_card(name, card).parts) for name in bins], eps, alpha_D, theta, eot)


def expected_signal(  # noqa: PLR0917
    sample: EventSample,
    card: ExperimentCard,
    selection: str = "missing-energy",
    eps: ArrayLike = 1e-4,
    alpha_D: ArrayLike = 0.1,
    theta: ArrayLike | None = None,
    eot: float | None = None,
) -> NDArray[np.float64]:
    """Expected signal events N_sig (:func:`signal_result`) over the broadcast couplings; ``eot=None`` means
    ``card.eot``."""
    return signal_result(sample, card, selection, eps, alpha_D, theta, eot).n_signal


def decay_fractions(
    sample: EventSample,
    card: ExperimentCard,
    eps: ArrayLike = 1e-4,
    alpha_D: ArrayLike = 0.1,
    theta: ArrayLike | None = None,
) -> dict[str, NDArray[np.float64]]:
    """Fraction of chi2 decaying in each region (REGION_NAMES), weighted by A' weight x BR; sums to 1 per chi2.

    The regions partition the flight path (vertex to infinity), so each fraction is the region's weighted count over
    the sum of all regions: every fraction lies in [0, 1] exactly and they sum to 1 within rounding (dividing by
    the separately summed chi2 weight instead could give 1 + 1 ulp). Empty dict for samples without chi2
    (invisible model, or every chi2 channel closed).
    """
    shape, _, br, u = couplings(sample, eps, alpha_D, theta)
    table = response_table(sample, card)
    if not any(N_CHI2[ch] > 0 for ch in sample.channels):
        return {}
    num = np.zeros((len(REGION_NAMES), u.size))
    for r in range(len(REGION_NAMES)):
        num[r] = _accumulate(table, sample, [(N_FLAGS + r, 1.0)], br, u, slot_channels=True)[0]
    total = num.sum(axis=0)  # >= every term: a floating-point sum of non-negative numbers never decreases
    frac = num / np.where(total > 0.0, total, 1.0)
    return {name: frac[r].reshape(shape) for r, name in enumerate(REGION_NAMES)}
