"""Numba kernels of the signal room: selection flags, flight-path segments and sums of exponentials.

Private to :mod:`semivis.signal` (the reweighting, :mod:`~semivis.signal.response_table` and
:mod:`~semivis.signal.validate`). They build on the detector's package-internal kernel API
(:mod:`semivis.detector.kernels`: named geometry slots, region codes, deposits, ECAL containment):

* :func:`selection_flags` / :func:`near_threshold`: the detector-level flags of
  :data:`semivis.signal.selections.SELECTION_FLAGS` from summed deposits, and whether a deposit sum lies within
  the containment table's error of a threshold (then the segment is re-evaluated exactly, :func:`exact_deps`);
  :func:`selection_flags_with` the same flags with NA64's cut terms of the event computed once
  (:func:`event_cut_terms`), and :func:`surely_failed` the segments (or segment pairs) whose ECAL or VETO sum
  fails its cut by more than the table's error, whose flags are all 0 without further work (the flags stay those
  of the full evaluation bit for bit: ``benchmarks/bench_response_table.py`` digests, docs/performance.md);
* :func:`boundaries` / :func:`segment_data`: the segments of a chi2's flight path (ECAL slices, gaps, VETO,
  HCAL modules split where the chi2 leaves their aperture, beyond) and each segment's deposits, region and
  S1-window flag, evaluated at its midpoint;
* :func:`terms_csr` (one chi2) and :func:`pair_table` (two chi2, joint pass table as its corner terms,
  :func:`pair_corners`): the selection and region indicators as sums of exponentials Sum_k c_k exp(-x_k / c tau),
  c_k = +-1 where the indicator flips (one chi2) or c_k = D in -2..2 at x_1 + x_2 (two chi2) (exponential decay
  law along the flight path, PDG RPP 2022 Kinematics Sect. 49.1);
* :func:`fused_sums` / :func:`eval_pair`: those sums evaluated for a vector of u = 1/c tau and accumulated
  over events (Sum t, Sum t^2, per production process).

Indicators (:data:`N_IND` per event): the :data:`N_FLAGS` selection flags, then the :data:`N_REGIONS` region
indicators (region codes of :data:`semivis.detector.kernels.REGION_NAMES`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from semivis._jit import NO_REFCOUNT
from semivis.detector.kernels import (
    CONTAINMENT_TABLE_TOL,
    G_CUT_LAT,
    G_CUT_LONG,
    G_ECAL_HALF,
    G_ECAL_MAX,
    G_ECAL_Z_END,
    G_HCAL_THR,
    G_LAT_BOUND,
    G_LAT_HALF,
    G_LAT_R,
    G_PS_Z_END,
    G_S1_HI,
    G_S1_LO,
    G_S1_MIN,
    G_VETO_THR,
    MOD_ECAL,
    MOD_VETO,
    N_DEP,
    N_MODULES,
    N_OBS,
    NO_TABLE,
    OBS_OUT,
    OBS_PS,
    REGION_BEYOND,
    REGION_ECAL,
    REGION_GAPS,
    REGION_NAMES,
    TAB_A_MAX,
    TAB_H,
    TAB_NA,
    decay_deposits,
    ecal_cut_constants,
    ecal_cuts_verdict,
    ecal_pair,
    hcal1_cut_pass,
    lagrange4,
    module_half_size,
    module_z_end,
    module_z_start,
    na64_cuts_pass,
    shower_constants,
    square_fraction,
)
from semivis.signal.selections import SELECTION_FLAGS

__all__ = [
    "MAX_EXTRA_SEGMENTS",
    "N_FLAGS",
    "N_IND",
    "N_REGIONS",
    "boundaries",
    "corner_block",
    "corner_passes",
    "eval_pair",
    "event_cut_terms",
    "exact_deps",
    "fused_sums",
    "lateral_bound_geometry",
    "lateral_decided",
    "near_threshold",
    "pair_corners",
    "pair_table",
    "segment_data",
    "segment_deposits",
    "selection_flags",
    "selection_flags_with",
    "surely_failed",
    "terms_csr",
]

#: selection flags computed by :func:`selection_flags` (in the order of SELECTION_FLAGS)
N_FLAGS = len(SELECTION_FLAGS)
#: region indicators (region codes 0..6)
N_REGIONS = len(REGION_NAMES)
#: indicators per event: N_FLAGS selection flags, then N_REGIONS regions
N_IND = N_FLAGS + N_REGIONS
#: segment starts of a flight path besides the ECAL grid points: its origin, the ECAL end, and per downstream
#: module its front face, lateral exit and back face (14), plus room for the sentinel
MAX_EXTRA_SEGMENTS = 16
#: column of the per-slice table (:func:`segment_data`'s ``slab``) holding the slice's ln(b t_rem)
#: (:func:`semivis.detector.kernels.ecal_depth_table`); columns 0..TAB_NA-1 are P(a_nodes, b t_i)
SLAB_LN_X = TAB_NA
#: first of the TAB_NA columns of the per-slice table holding P(a_nodes, b (z_PS - z_i) / X0), the pre-shower
#: fraction of a shower starting at the midpoint z_i of a slice before the pre-shower's back face (0 after it)
SLAB_PS = SLAB_LN_X + 1
#: the deposit vector of no pair energy (a compile-time constant of the kernels: no allocation per event)
_NO_PAIR_DEPOSITS = np.zeros(N_OBS)


@njit(cache=True, inline="always")
def selection_flags_with(  # noqa: PLR0917
    e_ecal_base: float,
    dep: NDArray[np.float64],
    n_in_window: int,
    n_beyond: int,
    n_chi2: int,
    g: NDArray[np.float64],
    out: NDArray[np.int8],
    cuts: tuple[float, float, float],
    tab: NDArray[np.float64],
    use_tab: bool,
    wtab: NDArray[np.float64],
    ps_err: float = 0.0,
) -> bool:  # pragma: no cover - numba
    """Selection flags (out[i] for SELECTION_FLAGS[i]: missing-energy, s1, s2) from summed deposits.

    ``dep`` = (ECAL, VETO, HCAL1, HCAL2, HCAL3) pair deposits [GeV] (the decay kernels' deposit vector; when it
    also holds the cut observables, length N_OBS, missing-energy and s2 apply NA64's ECAL/HCAL1 cuts of EPJC
    2023 Sect. 3.2, :func:`semivis.detector.kernels.na64_cuts_pass`, each off unless the card enables it; s1 is
    EPJC 2021's selection, which lists no such cut),
    ``e_ecal_base`` the ECAL energy without the chi2 pairs, ``n_in_window`` how many chi2 decayed in the S1
    window [G_S1_LO, G_S1_HI), ``n_beyond`` of ``n_chi2`` beyond the set-up. missing-energy: EPJC 83 (2023)
    391 Sect. 3.2 (E_ECAL < 50 GeV, VETO quiet, E_HCAL < 1 GeV); s1 and s2: EPJC 81 (2021) 959.
    ``cuts``: the event's terms of :func:`event_cut_terms`, or (-1, 0, 0) to compute NA64's cuts from ``dep``
    alone (:func:`selection_flags`); either way the flags are the same bit for bit. ``tab``, ``use_tab``: the
    containment table for the longitudinal cut's window (:func:`semivis.detector.kernels.ecal_cuts_pass`; the
    decision is the exact one); ``wtab``: the bounds of that window's ends
    (:func:`semivis.detector.kernels.ecal_window_table`; ``tab``: none). ``ps_err``: a bound on the error of
    dep[OBS_PS] (a tabulated pre-shower energy, :func:`segment_data`; 0: exact). Returns False if that error leaves
    the longitudinal cut undecided (:func:`semivis.detector.kernels.ecal_cuts_verdict`; ``out`` is then meaningless
    and the caller re-evaluates with the exact dep[OBS_PS]), else True: always with ps_err = 0.
    """
    ecal_ok = e_ecal_base + dep[0] < g[G_ECAL_MAX]
    veto_ok = dep[1] < g[G_VETO_THR]
    hsum = dep[2] + dep[3] + dep[4]
    me = ecal_ok and veto_ok and hsum < g[G_HCAL_THR]
    if me and dep.shape[0] > N_DEP:
        if cuts[0] < 0.0:
            me = na64_cuts_pass(e_ecal_base, dep, g)
        elif not hcal1_cut_pass(dep, g):
            me = False
        elif dep[MOD_ECAL] == 0.0 and dep[OBS_OUT] == 0.0 and dep[OBS_PS] == 0.0:
            me = cuts[0] > 0.0  # the ECAL cuts read nothing else of dep: the event's no-pair result
        else:
            verdict = ecal_cuts_verdict(e_ecal_base, dep, g, cuts[1], cuts[2], tab, use_tab, ps_err, wtab)
            if verdict < 0 and ps_err > 0.0:
                return False
            me = verdict != 0  # = ecal_cuts_pass
    out[0] = 1 if me else 0
    s1 = ecal_ok and veto_ok and dep[2] < g[G_HCAL_THR] and (dep[3] + dep[4]) >= g[G_S1_MIN] and n_in_window > 0
    out[1] = 1 if s1 else 0
    out[2] = 1 if (me and n_beyond == n_chi2) else 0
    return True


@njit(cache=True, inline="always")
def event_cut_terms(
    e_ecal_base: float, g: NDArray[np.float64], inside0: float, tab: NDArray[np.float64], use_tab: bool
) -> tuple[float, float, float]:
    """The per-event terms ``cuts`` of :func:`selection_flags_with`: (1 or 0: NA64's ECAL cuts pass with no pair
    energy in the ECAL, then the recoil shower's (outside, pre-shower) energies of
    :func:`semivis.detector.kernels.ecal_cut_constants`). ``inside0``: that function's per-card constant. Exact:
    the same expressions :func:`semivis.detector.kernels.na64_cuts_pass` evaluates, computed once per event
    instead of once per segment."""  # pragma: no cover - numba
    out_rec, ps_rec = ecal_cut_constants(e_ecal_base, g, inside0)
    ok = ecal_cuts_verdict(e_ecal_base, _NO_PAIR_DEPOSITS, g, out_rec, ps_rec, tab, use_tab, 0.0, tab) != 0
    return (1.0 if ok else 0.0), out_rec, ps_rec


@njit(cache=True, inline="always")
def selection_flags(  # noqa: PLR0917
    e_ecal_base: float,
    dep: NDArray[np.float64],
    n_in_window: int,
    n_beyond: int,
    n_chi2: int,
    g: NDArray[np.float64],
    out: NDArray[np.int8],
) -> None:  # pragma: no cover - numba
    """:func:`selection_flags_with` computing NA64's cuts from ``dep`` alone (no per-event terms)."""
    selection_flags_with(
        e_ecal_base, dep, n_in_window, n_beyond, n_chi2, g, out, (-1.0, 0.0, 0.0), NO_TABLE, False, NO_TABLE
    )


@njit(cache=True, inline="always")
def surely_failed(e_ecal_base: float, ecal: float, veto: float, err: float, g: NDArray[np.float64]) -> bool:
    """True if the ECAL or the VETO comparison of :func:`selection_flags` fails by more than ``err`` (the
    containment table's bound on the deposit sums, :func:`segment_data`): every flag is then 0 (missing-energy, s1
    and s2 each need both), for the tabulated deposits and for the exact ones alike, so the kernels skip the rest
    of the evaluation. ``ecal``, ``veto``: the summed ECAL and VETO pair deposits."""  # pragma: no cover - numba
    return bool(e_ecal_base + ecal - g[G_ECAL_MAX] > err or veto - g[G_VETO_THR] > err)


@njit(cache=True, inline="always")
def near_threshold(  # pragma: no cover - numba
    e_ecal_base: float, dep: NDArray[np.float64], err: float, g: NDArray[np.float64]
) -> bool:
    """True if a deposit sum compared by :func:`selection_flags` lies within ``err`` of its threshold."""
    if err <= 0.0:
        return False
    hsum = dep[2] + dep[3] + dep[4]
    return bool(
        abs(e_ecal_base + dep[0] - g[G_ECAL_MAX]) <= err
        or abs(dep[1] - g[G_VETO_THR]) <= err
        or abs(hsum - g[G_HCAL_THR]) <= err
        or abs(dep[2] - g[G_HCAL_THR]) <= err
        or abs(dep[3] + dep[4] - g[G_S1_MIN]) <= err
    )


@njit(cache=True, inline="always")
def boundaries(  # noqa: PLR0917
    zv: float, tx: float, ty: float, g: NDArray[np.float64], grid: NDArray[np.float64], out: NDArray[np.float64]
) -> int:  # pragma: no cover - numba
    """Segment start positions along z for a chi2 from z_v; returns how many (last segment -> +inf)."""
    k = 0
    out[k] = zv
    k += 1
    for zg in grid:
        if zv < zg < g[G_ECAL_Z_END]:
            out[k] = zg
            k += 1
    out[k] = max(g[G_ECAL_Z_END], zv)
    k += 1
    tmax = max(abs(tx), abs(ty))
    for m in range(MOD_VETO, N_MODULES):
        z0 = max(module_z_start(g, m), zv)
        z1 = max(module_z_end(g, m), zv)
        out[k] = z0
        k += 1
        if tmax > 0.0:
            ze = zv + module_half_size(g, m) / tmax
            if z0 < ze < z1:
                out[k] = ze
                k += 1
        out[k] = z1
        k += 1
    return k


@njit(cache=True, inline="always")
def _slab_setup(  # noqa: PLR0917
    zv: float,
    lep: NDArray[np.float64],
    g: NDArray[np.float64],
    grid: NDArray[np.float64],
    slab: NDArray[np.float64],
    use_tab: bool,
    sh: tuple[float, float, float, float],
) -> tuple[bool, int, int, int, int, tuple[float, float, float, float], tuple[float, float, float, float]]:
    """Per-chi2 set-up of the per-slice containment table (:func:`segment_data`): (fast, n_in, s0, ia0, ia1, w0,
    w1): whether it is used, how many grid points follow z_v, the first of them, and each lepton's a-node index
    and cubic Lagrange weights."""  # pragma: no cover - numba
    n_in = 0
    for zg in grid:
        if zv < zg < g[G_ECAL_Z_END]:
            n_in += 1
    s0 = grid.size - n_in
    fast = use_tab and slab.shape[0] == grid.size
    ia0 = 0
    ia1 = 0
    w0 = (0.0, 0.0, 0.0, 0.0)
    w1 = (0.0, 0.0, 0.0, 0.0)
    if fast:
        a0 = sh[0]
        a1 = sh[2]
        if lep[0] <= 0.0 or lep[3] <= 0.0 or a0 >= TAB_A_MAX or a1 >= TAB_A_MAX:
            fast = False
        else:
            fa0 = (a0 - 1.0) / TAB_H
            fa1 = (a1 - 1.0) / TAB_H
            ia0 = int(fa0)
            ia1 = int(fa1)
            w0 = lagrange4(fa0 - ia0)
            w1 = lagrange4(fa1 - ia1)
    return fast, n_in, s0, ia0, ia1, w0, w1


@njit(cache=True, inline="always")
def _ps_tabulated(ps_tab: bool, zm: float, g: NDArray[np.float64], slab: NDArray[np.float64]) -> bool:
    """True if an ECAL slice with midpoint zm (table path of :func:`_segment`) takes its leptons' pre-shower
    fractions from the per-slice table (columns SLAB_PS..): asked for (``ps_tab``), the longitudinal cut on, the
    slice before the pre-shower's back face, and the table has the columns."""  # pragma: no cover - numba
    return ps_tab and g[G_CUT_LONG] > 0.0 and zm < g[G_PS_Z_END] and slab.shape[1] >= SLAB_PS + TAB_NA


@njit(cache=True, inline="always")
def _segment(  # noqa: PLR0917
    k: int,
    nb: int,
    zv: float,
    tx: float,
    ty: float,
    lep: NDArray[np.float64],
    g: NDArray[np.float64],
    zb: NDArray[np.float64],
    tab: NDArray[np.float64],
    slab: NDArray[np.float64],
    use_tab: bool,
    setup: tuple[bool, int, int, int, int, tuple[float, float, float, float], tuple[float, float, float, float]],
    sh: tuple[float, float, float, float],
    e_skip: float,
    dep: NDArray[np.float64],
    ps_tab: bool,
) -> int:  # pragma: no cover - numba
    """Deposits (into the zeroed ``dep``) and region code of segment k (:func:`segment_data`; ``e_skip`` there;
    ``ps_tab``: the pre-shower fractions of an ECAL slice from the table, :func:`_ps_tabulated`)."""
    fast, n_in, s0, ia0, ia1, w0, w1 = setup
    za = zb[k]
    zm = 0.5 * (za + zb[k + 1]) if k + 1 < nb else za + 1.0
    if fast and 1 <= k <= n_in:
        i = s0 + k - 1
        xc = tx * (zm - zv)
        yc = ty * (zm - zv)
        h0 = g[G_ECAL_HALF]
        if abs(xc) > h0 or abs(yc) > h0:
            return REGION_GAPS
        f0 = w0[0] * slab[i, ia0] + w0[1] * slab[i, ia0 + 1] + w0[2] * slab[i, ia0 + 2] + w0[3] * slab[i, ia0 + 3]
        f1 = w1[0] * slab[i, ia1] + w1[1] * slab[i, ia1 + 1] + w1[2] * slab[i, ia1 + 2] + w1[3] * slab[i, ia1 + 3]
        f0 = min(max(f0, 0.0), 1.0)
        f1 = min(max(f1, 0.0), 1.0)
        # the ECAL sum exactly as ecal_pair accumulates it: beyond the table's error above the cut, every flag is 0
        ecal = (0.0 + f0 * lep[0]) + f1 * lep[3]
        if e_skip + ecal - g[G_ECAL_MAX] > CONTAINMENT_TABLE_TOL * (lep[0] + lep[3]):
            dep[MOD_ECAL] = ecal
            return REGION_ECAL
        ln_x = slab[i, SLAB_LN_X] if slab.shape[1] > SLAB_LN_X else math.nan
        ps0 = math.nan
        ps1 = math.nan
        if _ps_tabulated(ps_tab, zm, g, slab):
            # P(a, b (z_PS - z_i) / X0) interpolated in a like f0, f1 (same nodes and weights), error below
            # CONTAINMENT_TABLE_TOL: replaces two series per slice before the pre-shower end (segment_data's ps_errs)
            j0 = SLAB_PS + ia0
            j1 = SLAB_PS + ia1
            ps0 = w0[0] * slab[i, j0] + w0[1] * slab[i, j0 + 1] + w0[2] * slab[i, j0 + 2] + w0[3] * slab[i, j0 + 3]
            ps1 = w1[0] * slab[i, j1] + w1[1] * slab[i, j1 + 1] + w1[2] * slab[i, j1 + 2] + w1[3] * slab[i, j1 + 3]
            ps0 = min(max(ps0, 0.0), 1.0)
            ps1 = min(max(ps1, 0.0), 1.0)
        ecal_pair(zm, xc, yc, lep, sh, f0, f1, g, dep, ln_x, ps0, ps1)
        return REGION_ECAL
    return decay_deposits(zm, zv, tx, ty, lep, g, dep, tab, use_tab)


@njit(cache=True, inline="always")
def _fill_segment(  # noqa: PLR0917
    k: int,
    nb: int,
    zv: float,
    tx: float,
    ty: float,
    lep: NDArray[np.float64],
    g: NDArray[np.float64],
    zb: NDArray[np.float64],
    deps: NDArray[np.float64],
    cats: NDArray[np.int64],
    win: NDArray[np.int64],
    errs: NDArray[np.float64],
    tab: NDArray[np.float64],
    slab: NDArray[np.float64],
    use_tab: bool,
    setup: tuple[bool, int, int, int, int, tuple[float, float, float, float], tuple[float, float, float, float]],
    sh: tuple[float, float, float, float],
    e_skip: float,
    ps_errs: NDArray[np.float64],
    err_ecal: float,
) -> None:  # pragma: no cover - numba
    """Deposits, region, S1-window flag and error bounds of segment k (:func:`segment_data`, one segment)."""
    za = zb[k]
    zm = 0.5 * (za + zb[k + 1]) if k + 1 < nb else za + 1.0
    for d in range(deps.shape[1]):
        deps[k, d] = 0.0
    ps_tab = ps_errs.size > 0
    cats[k] = _segment(k, nb, zv, tx, ty, lep, g, zb, tab, slab, use_tab, setup, sh, e_skip, deps[k], ps_tab)
    win[k] = 1 if (g[G_S1_LO] <= zm < g[G_S1_HI]) else 0
    errs[k] = err_ecal if cats[k] == REGION_ECAL else 0.0
    if ps_tab:
        table_ps = setup[0] and 1 <= k <= setup[1] and cats[k] == REGION_ECAL and _ps_tabulated(True, zm, g, slab)
        ps_errs[k] = err_ecal if table_ps else 0.0


@njit(**NO_REFCOUNT)
def segment_data(  # noqa: PLR0917
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
    e_skip: float,
    ps_errs: NDArray[np.float64],
) -> int:  # pragma: no cover - numba
    """Boundaries, deposits, region and S1-window flag of every segment of one chi2's path.

    With ``use_tab`` the ECAL containment comes from the table and ``errs[k]`` bounds the error of every
    deposit (sum) of segment k (CONTAINMENT_TABLE_TOL (E+ + E-) in the ECAL, else 0); callers re-evaluate
    a segment exactly (:func:`exact_deps`) when a selection threshold lies within that bound. ECAL slices with
    a fixed midpoint (segments 1..n_in start at grid points) interpolate the containment in a only, from the
    per-slice table slab[i, :TAB_NA] = P(a_nodes, b t_i) and their ln(b t_i) from slab[i, SLAB_LN_X].

    ``e_skip`` (one chi2 alone, :func:`terms_csr`: the event's ECAL energy without pairs; -inf: off): an
    ECAL slice whose pair ECAL deposit puts e_skip + deposit above the ECAL cut by more than ``errs[k]`` gets only
    that deposit (the rest stays 0): every flag of the segment is 0 whatever the rest (:func:`surely_failed`).

    ``ps_errs`` (empty: off; :func:`terms_csr`): ECAL slices before the pre-shower's back face take their
    pre-shower energy from the per-slice table too (slab[i, SLAB_PS:], :func:`_ps_tabulated`), and ``ps_errs[k]``
    bounds its error (CONTAINMENT_TABLE_TOL (E+ + E-), else 0); the caller re-evaluates a segment whose
    longitudinal cut that error leaves undecided (:func:`selection_flags_with`).
    """
    nb = boundaries(zv, tx, ty, g, grid, zb)
    err_ecal = CONTAINMENT_TABLE_TOL * (lep[0] + lep[3]) if use_tab else 0.0
    sh = shower_constants(lep, g)
    setup = _slab_setup(zv, lep, g, grid, slab, use_tab, sh)
    for k in range(nb):
        _fill_segment(
            k, nb, zv, tx, ty, lep, g, zb, deps, cats, win, errs, tab, slab, use_tab, setup, sh, e_skip, ps_errs,
            err_ecal,
        )  # fmt: skip
    return nb


@njit(cache=True)
def segment_deposits(  # noqa: PLR0917
    k: int,
    nb: int,
    zv: float,
    tx: float,
    ty: float,
    lep: NDArray[np.float64],
    g: NDArray[np.float64],
    grid: NDArray[np.float64],
    zb: NDArray[np.float64],
    tab: NDArray[np.float64],
    slab: NDArray[np.float64],
    use_tab: bool,
    out: NDArray[np.float64],
) -> int:  # pragma: no cover - numba
    """Deposits of segment k alone, bit for bit those :func:`segment_data` gives it (same containment mode);
    returns its region code."""
    for d in range(out.shape[0]):
        out[d] = 0.0
    sh = shower_constants(lep, g)
    setup = _slab_setup(zv, lep, g, grid, slab, use_tab, sh)
    return _segment(k, nb, zv, tx, ty, lep, g, zb, tab, slab, use_tab, setup, sh, -math.inf, out, False)


@njit(cache=True)
def lateral_bound_geometry(g: NDArray[np.float64]) -> NDArray[np.float64]:  # pragma: no cover - numba
    """``g`` extended by the slot :data:`semivis.detector.kernels.G_LAT_BOUND`, set: segment deposits computed
    with it carry an upper bound of the ECAL energy outside the central 3x3 cells (no atan per lepton and
    segment); :func:`lateral_decided` says when that bound already gives the exact flags."""
    gb = np.zeros(G_LAT_BOUND + 1)
    for i in range(G_LAT_BOUND):
        gb[i] = g[i]
    gb[G_LAT_BOUND] = 1.0
    return gb


@njit(cache=True, inline="always")
def lateral_decided(  # pragma: no cover - numba
    e_ecal_base: float, dep: NDArray[np.float64], g: NDArray[np.float64], out_rec: float
) -> bool:
    """True if :func:`selection_flags` gives the same flags for ``dep`` whether its lateral term OBS_OUT is the
    upper bound of :func:`lateral_bound_geometry` or the exact value: the lateral cut is off, missing-energy
    fails before NA64's cuts, or even the bound plus the recoil shower's exact term ``out_rec`` (the event's
    :func:`semivis.detector.kernels.ecal_cut_constants`, the value the cut itself adds) passes the cut with a
    margin of 1e-9 relative + 1e-12 GeV (far above the rounding of either sum), so the exact value passes as well."""
    cut = g[G_CUT_LAT]
    if cut <= 0.0:
        return True
    if not (
        e_ecal_base + dep[0] < g[G_ECAL_MAX] and dep[1] < g[G_VETO_THR] and dep[2] + dep[3] + dep[4] < g[G_HCAL_THR]
    ):
        return True
    e_tot = e_ecal_base + dep[0]
    if e_tot <= 0.0:
        return True
    return bool(out_rec + dep[OBS_OUT] < cut * e_tot * (1.0 - 1e-9) - 1e-12)


@njit(**NO_REFCOUNT)
def exact_deps(  # noqa: PLR0917
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
    for d in range(out.shape[0]):
        out[d] = 0.0
    decay_deposits(zm, zv, tx, ty, lep, g, out, tab, False)


@njit(cache=True)
def terms_csr(  # noqa: PLR0917
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
    regions_only: bool,
    wtab: NDArray[np.float64],
    step: int = 1,
) -> int:  # pragma: no cover - numba
    """Sum-of-exponentials terms (x_k, c_k) of the 3 selection flags and the 7 region indicators, compressed:
    the terms of event e and indicator i are xo/co[off[10 e + i] : off[10 e + i + 1]].

    ``regions_only``: the region indicators alone (the flag indicators get no terms, and no ECAL slice's deposits
    are computed): a chi2 of a two-chi2 channel, whose flags are the joint table's (:func:`pair_table`).
    ``wtab``: the bounds of the longitudinal cut's window ends (:func:`semivis.detector.kernels.ecal_window_table`,
    decisions without evaluating the ends where they suffice; an array with another number of columns: none).

    ``step`` (>= 1): the ECAL slices are evaluated in blocks of ``step`` (slices 1, 1 + step, ...; the last
    slice ends the last block); a block whose two ends agree in region and in every flag gives its inner slices
    the same (no term), any other block is evaluated slice by slice. 1: every slice (the reference). With
    step > 1 the terms are those of step 1 except where a flag flips and flips back inside one block
    (:data:`semivis.signal.response_table.ECAL_BLOCK`: measured, bounded).

    Starts at event ``e0`` and stops before an event that might not fit into ``xo``; returns the next event
    (the caller grows the buffers and continues). Flags near a threshold are re-evaluated exactly.
    """
    kmax = grid.size + MAX_EXTRA_SEGMENTS
    # the lateral cut's observable as a cheap bound, made exact per segment only where the bound does not decide
    gs = lateral_bound_geometry(g) if g[G_CUT_LAT] > 0.0 else g
    return int(_terms_csr_events(
        e0, zv, tx, ty, xscale, lep, e_base, g, gs, grid, tab, slab, use_tab, off, xo, co, regions_only, wtab,
        np.empty(kmax), np.zeros((kmax, N_OBS)), np.zeros(kmax, dtype=np.int64), np.zeros(kmax, dtype=np.int64),
        np.zeros(kmax), np.empty(kmax), np.zeros((kmax, N_OBS)), np.zeros(kmax, dtype=np.int64),
        np.zeros(kmax, dtype=np.int64), np.zeros(kmax), np.zeros(N_OBS), np.zeros(N_FLAGS, dtype=np.int8),
        np.zeros(N_FLAGS, dtype=np.int64), np.empty((N_IND, kmax)),
        np.empty((N_IND, kmax), dtype=np.int8), np.zeros(N_IND, dtype=np.int64), np.zeros(kmax),
        np.zeros(N_FLAGS, dtype=np.int8), step,
    ))  # fmt: skip


@njit(cache=True, inline="always")
def _push_term(  # noqa: PLR0917
    i: int, x: float, c: int, tx_buf: NDArray[np.float64], tc_buf: NDArray[np.int8], cnt: NDArray[np.int64]
) -> None:  # pragma: no cover - numba
    """Append the term (x, c) to indicator i's terms of the event (:func:`terms_csr`)."""
    j = cnt[i]
    tx_buf[i, j] = x
    tc_buf[i, j] = c
    cnt[i] = j + 1


@njit(cache=True, inline="always")
def _segment_flags(  # noqa: PLR0917
    k: int,
    nb: int,
    zv: float,
    tx: float,
    ty: float,
    le: NDArray[np.float64],
    eb: float,
    g: NDArray[np.float64],
    grid: NDArray[np.float64],
    tab: NDArray[np.float64],
    slab: NDArray[np.float64],
    use_tab: bool,
    regions_only: bool,
    wtab: NDArray[np.float64],
    cuts: tuple[float, float, float],
    zb: NDArray[np.float64],
    deps: NDArray[np.float64],
    cats: NDArray[np.int64],
    win: NDArray[np.int64],
    errs: NDArray[np.float64],
    ps_errs: NDArray[np.float64],
    zb_x: NDArray[np.float64],
    deps_x: NDArray[np.float64],
    cats_x: NDArray[np.int64],
    win_x: NDArray[np.int64],
    errs_x: NDArray[np.float64],
    dex: NDArray[np.float64],
    fl: NDArray[np.int8],
    have_x: bool,
) -> bool:  # pragma: no cover - numba
    """The selection flags ``fl`` of segment k of an event (vertex ``zv``, slopes ``tx``, ``ty``, leptons ``le``,
    ECAL energy without pairs ``eb``) from its data (:func:`_fill_segment`), exact where the tables or the lateral
    bound leave a cut undecided (:func:`_terms_csr_events`); returns whether the event's exact segment data ``*_x``
    are computed (``have_x`` before). At most 30 arguments: beyond, CPython passes them as *args, which numba
    does not inline."""
    if regions_only or surely_failed(eb, deps[k, 0], deps[k, 1], errs[k], g):
        for i in range(N_FLAGS):
            fl[i] = 0
    elif near_threshold(eb, deps[k], errs[k], g):
        exact_deps(k, nb, zv, tx, ty, le, g, zb, tab, dex)
        selection_flags_with(eb, dex, win[k], 1 if cats[k] == REGION_BEYOND else 0, 1, g, fl, cuts, tab, use_tab, wtab)
    elif g[G_CUT_LAT] > 0.0 and cats[k] == REGION_ECAL and not lateral_decided(eb, deps[k], g, cuts[1]):
        if not have_x:
            segment_data(
                zv, tx, ty, le, g, grid, zb_x, deps_x, cats_x, win_x, errs_x, tab, slab, use_tab,
                -math.inf, errs_x[:0],
            )  # fmt: skip
            have_x = True
        selection_flags_with(eb, deps_x[k], win[k], 0, 1, g, fl, cuts, tab, use_tab, wtab)
    elif not selection_flags_with(
        eb, deps[k], win[k], 1 if cats[k] == REGION_BEYOND else 0, 1, g, fl, cuts, tab, use_tab, wtab,
        ps_errs[k],
    ):  # fmt: skip
        # an ECAL slice whose tabulated pre-shower energy leaves the longitudinal cut undecided: its flags
        # from the exact one (deps_x; their exact lateral observable gives the flags of the bound here, as
        # lateral_decided holds or the lateral cut is off). The same block as the branch above on purpose:
        # one shared "use deps_x" branch after the chain measured 1.3x slower (0.82 -> 1.16 s, session 12)
        if not have_x:
            segment_data(
                zv, tx, ty, le, g, grid, zb_x, deps_x, cats_x, win_x, errs_x, tab, slab, use_tab,
                -math.inf, errs_x[:0],
            )  # fmt: skip
            have_x = True
        selection_flags_with(eb, deps_x[k], win[k], 0, 1, g, fl, cuts, tab, use_tab, wtab)
    return have_x


@njit(**NO_REFCOUNT)
def _terms_csr_events(  # noqa: PLR0917
    e0: int,
    zv: NDArray[np.float64],
    tx: NDArray[np.float64],
    ty: NDArray[np.float64],
    xscale: NDArray[np.float64],
    lep: NDArray[np.float64],
    e_base: NDArray[np.float64],
    g: NDArray[np.float64],
    gs: NDArray[np.float64],
    grid: NDArray[np.float64],
    tab: NDArray[np.float64],
    slab: NDArray[np.float64],
    use_tab: bool,
    off: NDArray[np.int64],
    xo: NDArray[np.float64],
    co: NDArray[np.int8],
    regions_only: bool,
    wtab: NDArray[np.float64],
    zb: NDArray[np.float64],
    deps: NDArray[np.float64],
    cats: NDArray[np.int64],
    win: NDArray[np.int64],
    errs: NDArray[np.float64],
    zb_x: NDArray[np.float64],
    deps_x: NDArray[np.float64],
    cats_x: NDArray[np.int64],
    win_x: NDArray[np.int64],
    errs_x: NDArray[np.float64],
    dex: NDArray[np.float64],
    fl: NDArray[np.int8],
    prev: NDArray[np.int64],
    tx_buf: NDArray[np.float64],
    tc_buf: NDArray[np.int8],
    cnt: NDArray[np.int64],
    ps_errs: NDArray[np.float64],
    fl_b: NDArray[np.int8],
    step: int,
) -> int:  # pragma: no cover - numba
    """The event loop of :func:`terms_csr` (no allocation, no reference counting: ``semivis._jit``), with the
    geometry ``gs`` of the lateral bound and the caller's work buffers. ``*_x``: the event's segments with the
    exact lateral observable, computed once per event where the bound does not decide (~1e-3 of events):
    segment_data with g gives every segment the deposits segment_deposits would, bit for bit, and keeps a second
    inlined copy of the segment kernels out of this function's compilation. ``ps_errs``: the error bounds of the
    tabulated pre-shower energies (:func:`segment_data`); where one leaves the longitudinal cut undecided the
    segment's flags are those of ``*_x`` (exact pre-shower energy). ``fl_b``, ``step``: the flags of a block's
    far end and the block length (:func:`terms_csr`)."""
    kmax = zb.size
    cap = xo.size
    lat = g[G_CUT_LAT] > 0.0
    inside0 = square_fraction(0.0, 0.0, g[G_LAT_HALF], g[G_LAT_R]) if lat else 1.0
    for e in range(e0, zv.size):
        pos = off[N_IND * e]
        if pos + N_IND * kmax > cap:
            return e
        le = lep[e]
        cuts = (0.0, 0.0, 0.0) if regions_only else event_cut_terms(e_base[e], g, inside0, tab, use_tab)
        have_x = False
        # regions only: every ECAL slice takes the shortcut of a failed ECAL cut (its region is set before it)
        e_skip = math.inf if regions_only else e_base[e]
        nb = boundaries(zv[e], tx[e], ty[e], gs, grid, zb)
        err_ecal = CONTAINMENT_TABLE_TOL * (le[0] + le[3]) if use_tab else 0.0
        sh = shower_constants(le, gs)
        setup = _slab_setup(zv[e], le, gs, grid, slab, use_tab, sh)
        n_in = setup[1]  # the ECAL slices are segments 1..n_in
        for i in range(N_FLAGS):
            prev[i] = 0
        for i in range(N_IND):
            cnt[i] = 0
        region = -1  # the region of the segment before (none yet)
        ready = -1  # the segment whose data and flags (fl_b) a look-ahead computed
        kb = -1  # the far end of the block starting at k, while it is to be evaluated
        k = 0
        while k < nb:
            ahead = kb > k
            if ahead or k != ready:
                # the one place a segment is evaluated (each inlined kernel once: compile time)
                j = kb if ahead else k
                _fill_segment(
                    j, nb, zv[e], tx[e], ty[e], le, gs, zb, deps, cats, win, errs, tab, slab, use_tab, setup, sh,
                    e_skip, ps_errs, err_ecal,
                )  # fmt: skip
                have_x = _segment_flags(
                    j, nb, zv[e], tx[e], ty[e], le, e_base[e], g, grid, tab, slab, use_tab, regions_only, wtab, cuts,
                    zb, deps, cats, win, errs, ps_errs, zb_x, deps_x, cats_x, win_x, errs_x, dex,
                    fl_b if ahead else fl, have_x,
                )  # fmt: skip
            else:
                for i in range(N_FLAGS):
                    fl[i] = fl_b[i]
            if ahead:
                # if the region and every flag of the block's far end agree with slice k, the slices between take
                # them too (no term: go on at kb), else they are evaluated one by one
                ready = kb
                same = cats[kb] == cats[k]
                for i in range(N_FLAGS):
                    same = same and fl_b[i] == fl[i]
                k = kb if same else k + 1
                kb = -1
                continue
            x = (zb[k] - zv[e]) * xscale[e]
            for i in range(N_FLAGS):
                if fl[i] != prev[i]:
                    _push_term(i, x, fl[i] - prev[i], tx_buf, tc_buf, cnt)
                    prev[i] = fl[i]
            # the region indicators are one-hot: only the old and the new region's flip (the terms of every
            # indicator those of comparing all N_REGIONS, in the same order)
            if cats[k] != region:
                if region >= 0:
                    _push_term(N_FLAGS + region, x, -1, tx_buf, tc_buf, cnt)
                _push_term(N_FLAGS + cats[k], x, 1, tx_buf, tc_buf, cnt)
                region = cats[k]
            if step > 1 and 1 <= k < n_in and (k - 1) % step == 0 and k + 1 < min(k + step, n_in):
                kb = min(k + step, n_in)  # a block of ECAL slices k..kb: its far end next
                continue
            k += 1
        for i in range(N_IND):
            for j in range(cnt[i]):
                xo[pos + j] = tx_buf[i, j]
                co[pos + j] = tc_buf[i, j]
            pos += cnt[i]
            off[N_IND * e + i + 1] = pos
    return zv.size


@njit(cache=True)
def pair_table(  # noqa: PLR0917
    e0: int,
    zv: NDArray[np.float64],
    tx: NDArray[np.float64],
    ty: NDArray[np.float64],
    xscale: NDArray[np.float64],
    lep: NDArray[np.float64],
    e_base: NDArray[np.float64],
    g: NDArray[np.float64],
    grid: NDArray[np.float64],
    xb: NDArray[np.float64],
    nseg: NDArray[np.int64],
    coff: NDArray[np.int64],
    ca: NDArray[np.int8],
    cb: NDArray[np.int8],
    cd: NDArray[np.int8],
    tab: NDArray[np.float64],
    slab: NDArray[np.float64],
    use_tab: bool,
    wtab: NDArray[np.float64],
) -> int:  # pragma: no cover - numba
    """Joint response of two chi2 per event: xb (n, 2, K) right-aligned segment starts, nseg (n, 2) how many
    segments each chi2 has (its block is the last nseg of the K rows; the rest is padding: x = 0), and the
    pass table of each selection flag over the segment pairs as its corner terms (:func:`pair_corners`): those of
    event e and flag i are (ca, cb, cd)[coff[N_FLAGS e + i] : coff[N_FLAGS e + i + 1]], in (a, b) order.

    ``wtab``: the bounds of the longitudinal cut's window ends, as in :func:`terms_csr` (decisions without the
    ends' containments where the bounds suffice; the flags stay those of the exact ends).

    Starts at event ``e0`` and stops before an event whose corners might not fit into ``ca``; returns the next
    event (the caller grows the buffers and continues)."""
    kmax = xb.shape[2]
    # the lateral observable as a bound, made exact per segment where needed (as in terms_csr)
    gs = lateral_bound_geometry(g) if g[G_CUT_LAT] > 0.0 else g
    return int(_pair_table_events(
        e0, zv, tx, ty, xscale, lep, e_base, g, gs, grid, xb, nseg, coff, ca, cb, cd, tab, slab, use_tab, wtab,
        np.empty((2, kmax + 1)), np.zeros((2, kmax + 1)), np.zeros((2, N_OBS)), np.zeros((2, kmax + 1, N_OBS)),
        np.zeros((2, kmax + 1), dtype=np.int64), np.zeros((2, kmax + 1), dtype=np.int64),
        np.zeros(2, dtype=np.int64), np.zeros(N_OBS), np.zeros(N_FLAGS, dtype=np.int8),
        np.zeros((2, kmax + 1, N_OBS)), np.zeros(2, dtype=np.int8), np.empty(kmax + 1),
        np.zeros(kmax + 1, dtype=np.int64), np.zeros(kmax + 1, dtype=np.int64), np.zeros(kmax + 1),
        np.zeros((N_FLAGS, kmax + 1, kmax + 1), dtype=np.int8), np.zeros((2, kmax + 1), dtype=np.int8),
        np.zeros((2, kmax + 1), dtype=np.int8),
    ))  # fmt: skip


@njit(cache=True, inline="always")
def pair_corners(  # noqa: PLR0917
    blk: NDArray[np.int8],
    i: int,
    a0: int,
    b0: int,
    pos: int,
    ca: NDArray[np.int8],
    cb: NDArray[np.int8],
    cd: NDArray[np.int8],
    rows: NDArray[np.int8],
    cols: NDArray[np.int8],
) -> int:  # pragma: no cover - numba
    """Corner terms of one flag's pass table P[a, b] = blk[i, a + 1, b + 1] over the block a >= a0, b >= b0
    (row a0 and column b0 of ``blk`` zero: P = 0 before the block): the mixed second difference
    D[a, b] = P[a, b] - P[a - 1, b] - P[a, b - 1] + P[a - 1, b - 1] (in -2..2) where it is not 0, written as
    (a, b, D) from ``pos`` on in (a, b) order; returns the next free position.

    ``rows``, ``cols`` (length K + 1, indexed like ``blk``'s rows and columns): 0 only where that row (column) of
    ``blk`` is zero for every flag. D[a, b] reads rows a and a + 1 and columns b and b + 1 of ``blk``, so it is 0
    where both rows (or both columns) are: those are skipped without reading ``blk``, the terms are the same
    (arrays of ones: no skipping).

    Inclusion-exclusion: with S_s(x) = exp(-x u) the survival of chi2 s to the segment start x,
    Sum_{a, b} P[a, b] (S_1(x_1,a) - S_1(x_1,a+1)) (S_2(x_2,b) - S_2(x_2,b+1))
    = Sum_{a, b} D[a, b] exp(-(x_1,a + x_2,b) u), one exponential per corner (summation by parts in a and b;
    S = 0 past the last segment)."""
    kmax = blk.shape[1] - 1
    for a in range(a0, kmax):
        if rows[a] == 0 and rows[a + 1] == 0:
            continue
        for b in range(b0, kmax):
            if cols[b] == 0 and cols[b + 1] == 0:
                continue
            d = (np.int64(blk[i, a + 1, b + 1]) - np.int64(blk[i, a, b + 1])) - (
                np.int64(blk[i, a + 1, b]) - np.int64(blk[i, a, b])
            )
            if d != 0:
                ca[pos] = a
                cb[pos] = b
                cd[pos] = d
                pos += 1
    return pos


@njit(**NO_REFCOUNT)
def _pair_table_events(  # noqa: PLR0917
    e0: int,
    zv: NDArray[np.float64],
    tx: NDArray[np.float64],
    ty: NDArray[np.float64],
    xscale: NDArray[np.float64],
    lep: NDArray[np.float64],
    e_base: NDArray[np.float64],
    g: NDArray[np.float64],
    gs: NDArray[np.float64],
    grid: NDArray[np.float64],
    xb: NDArray[np.float64],
    nseg: NDArray[np.int64],
    coff: NDArray[np.int64],
    ca: NDArray[np.int8],
    cb: NDArray[np.int8],
    cd: NDArray[np.int8],
    tab: NDArray[np.float64],
    slab: NDArray[np.float64],
    use_tab: bool,
    wtab: NDArray[np.float64],
    zb: NDArray[np.float64],
    errs: NDArray[np.float64],
    dex: NDArray[np.float64],
    deps: NDArray[np.float64],
    cats: NDArray[np.int64],
    win: NDArray[np.int64],
    nbs: NDArray[np.int64],
    tot: NDArray[np.float64],
    fl: NDArray[np.int8],
    dlat: NDArray[np.float64],
    have: NDArray[np.int8],
    zb_x: NDArray[np.float64],
    cats_x: NDArray[np.int64],
    win_x: NDArray[np.int64],
    errs_x: NDArray[np.float64],
    blk: NDArray[np.int8],
    alone: NDArray[np.int8],
    live: NDArray[np.int8],
) -> int:  # pragma: no cover - numba
    """The event loop of :func:`pair_table` (no allocation, no reference counting: ``semivis._jit``), with the
    geometry ``gs`` of the lateral bound and the caller's work buffers; ``dlat`` (with ``*_x``): each chi2's
    segments with the exact lateral observable, once per event and chi2 where needed (as in terms_csr);
    ``blk`` (N_FLAGS, K + 1, K + 1): the event's pass table, shifted by one row and column (the zero padding
    :func:`pair_corners` reads); ``alone`` (2, K + 1): whether a segment fails by itself (:func:`surely_failed`
    with its own deposits and error): deposits are >= 0 (the tabulated containment is clipped to [0, 1]) and add
    up, so every pair with it has ECAL or VETO sum above its cut, tabulated and exact alike, and all flags 0, as
    the pairwise test would give; its row (column) of the table is skipped. ``live`` (2, K + 1): 1 where a row
    (chi2 1) or column (chi2 2) of ``blk`` holds a passing flag, else 0: the rows and columns :func:`pair_corners`
    may skip."""
    kmax = xb.shape[2]
    cap = ca.size
    lat = g[G_CUT_LAT] > 0.0
    inside0 = square_fraction(0.0, 0.0, g[G_LAT_HALF], g[G_LAT_R]) if lat else 1.0
    for e in range(e0, zv.shape[0]):
        pos = coff[N_FLAGS * e]
        if pos + N_FLAGS * kmax * kmax > cap:
            return e
        cuts = event_cut_terms(e_base[e], g, inside0, tab, use_tab)
        for s in range(2):
            nb = segment_data(
                zv[e], tx[e, s], ty[e, s], lep[e, s], gs, grid, zb[s], deps[s], cats[s], win[s], errs[s], tab, slab,
                use_tab, -math.inf, errs_x[:0],
            )  # fmt: skip
            have[s] = 0
            nbs[s] = nb
            nseg[e, s] = nb
            off = kmax - nb
            for k in range(off):
                xb[e, s, k] = 0.0
            for k in range(nb):
                xb[e, s, off + k] = (zb[s, k] - zv[e]) * xscale[e, s]
        off1 = kmax - nbs[0]
        off2 = kmax - nbs[1]
        for i in range(N_FLAGS):
            for a in range(off1, kmax + 1):
                for b in range(off2, kmax + 1):
                    blk[i, a, b] = 0
        for a in range(off1, kmax + 1):
            live[0, a] = 0
        for b in range(off2, kmax + 1):
            live[1, b] = 0
        for s in range(2):
            for k in range(nbs[s]):
                alone[s, k] = 1 if surely_failed(e_base[e], deps[s, k, 0], deps[s, k, 1], errs[s, k], g) else 0
        for a in range(nbs[0]):
            if alone[0, a]:
                continue  # every flag 0 with any segment of the other chi2: blk is zeroed above
            for b in range(nbs[1]):
                if alone[1, b] or surely_failed(
                    e_base[e], deps[0, a, 0] + deps[1, b, 0], deps[0, a, 1] + deps[1, b, 1], errs[0, a] + errs[1, b], g
                ):
                    continue  # every flag 0: blk is zeroed above
                for d in range(N_OBS):
                    tot[d] = deps[0, a, d] + deps[1, b, d]
                nbey = (1 if cats[0, a] == REGION_BEYOND else 0) + (1 if cats[1, b] == REGION_BEYOND else 0)
                if near_threshold(e_base[e], tot, errs[0, a] + errs[1, b], g):
                    exact_deps(a, nbs[0], zv[e], tx[e, 0], ty[e, 0], lep[e, 0], g, zb[0], tab, dex[0])
                    exact_deps(b, nbs[1], zv[e], tx[e, 1], ty[e, 1], lep[e, 1], g, zb[1], tab, dex[1])
                    for d in range(N_OBS):
                        tot[d] = dex[0, d] + dex[1, d]
                elif (
                    lat
                    and (cats[0, a] == REGION_ECAL or cats[1, b] == REGION_ECAL)
                    and not lateral_decided(e_base[e], tot, g, cuts[1])
                ):
                    for q in range(2):
                        if have[q] == 0:
                            segment_data(
                                zv[e], tx[e, q], ty[e, q], lep[e, q], g, grid, zb_x, dlat[q], cats_x, win_x, errs_x,
                                tab, slab, use_tab, -math.inf, errs_x[:0],
                            )  # fmt: skip
                            have[q] = 1
                    for d in range(N_OBS):
                        tot[d] = dlat[0, a, d] + dlat[1, b, d]
                selection_flags_with(e_base[e], tot, win[0, a] + win[1, b], nbey, 2, g, fl, cuts, tab, use_tab, wtab)
                for i in range(N_FLAGS):
                    blk[i, off1 + a + 1, off2 + b + 1] = fl[i]
                    if fl[i] != 0:
                        live[0, off1 + a + 1] = 1
                        live[1, off2 + b + 1] = 1
        for i in range(N_FLAGS):
            pos = pair_corners(blk, i, off1, off2, pos, ca, cb, cd, live[0], live[1])
            coff[N_FLAGS * e + i + 1] = pos
    return zv.size


@njit(cache=True, inline="always")
def corner_block(  # noqa: PLR0917
    coff: NDArray[np.int64],
    ca: NDArray[np.int8],
    cb: NDArray[np.int8],
    cd: NDArray[np.int8],
    e: int,
    i: int,
    out: NDArray[np.int8],
) -> None:  # pragma: no cover - numba
    """The dense pass table out (K, K) of event e and flag i from its corner terms (:func:`pair_table`):
    P[a, b] = Sum_{a' <= a, b' <= b} D[a', b'], the inverse of :func:`pair_corners` (integer sums: exact)."""
    kmax = out.shape[0]
    for a in range(kmax):
        for b in range(kmax):
            out[a, b] = 0
    for t in range(coff[N_FLAGS * e + i], coff[N_FLAGS * e + i + 1]):
        out[ca[t], cb[t]] += cd[t]
    for a in range(kmax):
        for b in range(1, kmax):
            out[a, b] += out[a, b - 1]
    for a in range(1, kmax):
        for b in range(kmax):
            out[a, b] += out[a - 1, b]


@njit(cache=True)
def corner_passes(  # noqa: PLR0917
    coff: NDArray[np.int64],
    ca: NDArray[np.int8],
    cb: NDArray[np.int8],
    cd: NDArray[np.int8],
    rows: NDArray[np.int64],
    out: NDArray[np.int8],
) -> None:  # pragma: no cover - numba
    """The dense pass tables out (len(rows), N_FLAGS, K, K) of events ``rows`` (:func:`corner_block`)."""
    for r in range(rows.size):
        for i in range(N_FLAGS):
            corner_block(coff, ca, cb, cd, rows[r], i, out[r, i])


@njit(cache=True)
def fused_sums(  # noqa: PLR0917
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
    cluster: NDArray[np.int64],
    cluster_part: NDArray[np.int64],
    extra: NDArray[np.float64],
    has_extra: bool,
    j0: int,
    j1: int,
    s: NDArray[np.float64],
    sp: NDArray[np.float64],
    s2: NDArray[np.float64],
    bp: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """For couplings j0..j1: t_e = w_e (Sum_k coefs[grp_k, j] c_k exp(-x_k u_j) + extra[e, j - j0]); accumulate
    Sum t (``s``), per sample part p Sum t (``sp[p]``) and Sum_c (Sum_{e in c} t_e)^2 over its clusters c of
    events (``s2[p]``; ``cluster``: non-decreasing ids, one per beam primary, ``cluster_part`` the part of each,
    :meth:`semivis.signal.events.EventSample.primary_clusters`; each event its own: Sum t^2), and Sum t per
    production process.

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
                r = N_IND * e + item_ind[it]
                mx = max(mx, offs[src, r + 1] - offs[src, r])
            cap += mx
    tx = np.empty(cap)
    tc = np.empty(cap)
    tg = np.empty(cap, dtype=np.int64)
    acc = np.empty(nj)
    tcl = np.zeros(nj)  # the current cluster's Sum t per coupling
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
                r = N_IND * e + ind
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
            tcl[j - j0] += t
            bp[pe, j] += t
        if e + 1 == n or cluster[e + 1] != cluster[e]:
            prt = cluster_part[cluster[e]]
            for j in range(j0, j1):
                sp[prt, j] += tcl[j - j0]
                s2[prt, j] += tcl[j - j0] * tcl[j - j0]
                tcl[j - j0] = 0.0


@njit(cache=True)
def eval_pair(  # noqa: PLR0917
    xb: NDArray[np.float64],
    coff: NDArray[np.int64],
    ca: NDArray[np.int8],
    cb: NDArray[np.int8],
    cd: NDArray[np.int8],
    flag: int,
    u: NDArray[np.float64],
    coef: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """out[e, j] += coef[j] * Sum_{a,b} pass[a, b] p1[a] p2[b] for two chi2 and selection flag ``flag``: the
    direct double sum over segment pairs (the reference of the corner terms), with each event's pass table
    rebuilt from its corners (:func:`corner_block`, exact; only the flag asked for)."""
    n = xb.shape[0]
    kmax = xb.shape[2]
    s1 = np.empty(kmax + 1)
    s2 = np.empty(kmax + 1)
    p1 = np.empty(kmax)
    p2 = np.empty(kmax)
    pas = np.zeros((kmax, kmax), dtype=np.int8)
    for e in range(n):
        corner_block(coff, ca, cb, cd, e, flag, pas)
        for j in range(u.size):
            uj = u[j]
            cj = coef[j]
            if cj == 0.0:
                continue
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
                    if pas[a, b] != 0:
                        row += p2[b]
                acc += p1[a] * row
            out[e, j] += cj * acc
