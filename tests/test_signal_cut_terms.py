"""NA64's ECAL cuts with per-event terms (issue 12): the response kernels compute the recoil shower's terms of the
lateral and longitudinal cuts (and the cuts' result with no pair energy in the ECAL) once per event instead of once
per segment. Same expressions on the same inputs, so the flags must agree bit for bit with the per-segment
evaluation, on deposit vectors that exercise every cut (each passing and failing)."""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from semivis.detector import kernels as dk
from semivis.detector import load_card
from semivis.detector.response import containment_table
from semivis.signal import _kernels as sk
from semivis.signal.response_table import card_geometry


@njit
def _compare(e_base, deps, g, inside0, tab, wtab):  # type: ignore[no-untyped-def]  # noqa: PLR0917
    """(disagreements between selection_flags and selection_flags_with, segments passing missing-energy, failing
    it after the basic cuts, using the no-pair shortcut). selection_flags_with is run with the exact longitudinal
    window and with the tabulated one and the window's bounds (its decision must be the exact one)."""
    f3 = np.zeros(sk.N_FLAGS, dtype=np.int8)
    f1 = np.zeros(sk.N_FLAGS, dtype=np.int8)
    f2 = np.zeros(sk.N_FLAGS, dtype=np.int8)
    bad = 0
    n_pass = 0
    n_cut = 0
    n_short = 0
    for e in range(e_base.size):
        cuts = sk.event_cut_terms(e_base[e], g, inside0, dk.NO_TABLE, False)
        cuts_t = sk.event_cut_terms(e_base[e], g, inside0, tab, True)
        for k in range(deps.shape[1]):
            d = deps[e, k]
            sk.selection_flags(e_base[e], d, 0, 1, 1, g, f1)
            sk.selection_flags_with(e_base[e], d, 0, 1, 1, g, f2, cuts, dk.NO_TABLE, False, dk.NO_TABLE)
            sk.selection_flags_with(e_base[e], d, 0, 1, 1, g, f3, cuts_t, tab, True, wtab)
            for i in range(sk.N_FLAGS):
                if f1[i] != f2[i] or f1[i] != f3[i]:
                    bad += 1
            basic = e_base[e] + d[0] < g[dk.G_ECAL_MAX] and d[1] < g[dk.G_VETO_THR] and d[2] + d[3] + d[4] < 1.0
            n_pass += f1[0]
            if basic and f1[0] == 0:
                n_cut += 1
            if basic and d[dk.MOD_ECAL] == 0.0 and d[dk.OBS_OUT] == 0.0 and d[dk.OBS_PS] == 0.0:
                n_short += 1
    return bad, n_pass, n_cut, n_short


def _deposits(rng: np.random.Generator, n_events: int, n_seg: int) -> NDArray[np.float64]:
    """Deposit vectors (N_OBS) spanning every cut: a third with no pair energy in the ECAL (the shortcut), the rest
    with ECAL, pre-shower and outside-3x3 energies from 0 to beyond the cut values, and HCAL1 cells either way."""
    d = np.zeros((n_events, n_seg, dk.N_OBS))
    ecal = rng.uniform(0.0, 30.0, size=(n_events, n_seg))
    d[..., dk.MOD_ECAL] = ecal
    d[..., dk.OBS_PS] = ecal * rng.uniform(0.0, 1.0, size=ecal.shape)
    d[..., dk.OBS_OUT] = ecal * rng.uniform(0.0, 0.2, size=ecal.shape)
    d[..., dk.OBS_H1C] = rng.choice([0.0, 0.3], size=ecal.shape)
    d[..., dk.OBS_H1P] = rng.choice([0.0, 0.2, 0.5], size=ecal.shape)
    d[..., dk.MOD_HCAL1] = d[..., dk.OBS_H1C] + d[..., dk.OBS_H1P]
    nopair = rng.uniform(size=ecal.shape) < 1.0 / 3.0
    for j in (dk.MOD_ECAL, dk.OBS_PS, dk.OBS_OUT):
        d[..., j] = np.where(nopair, 0.0, d[..., j])
    return d


def test_per_event_cut_terms_give_the_per_segment_flags() -> None:
    card = load_card("na64-2016-2022")  # lateral, longitudinal and HCAL1 cuts on
    g = card_geometry(card)
    assert g[dk.G_CUT_LAT] > 0.0
    assert g[dk.G_CUT_LONG] > 0.0
    assert g[dk.G_CUT_H1] > 0.0
    rng = np.random.default_rng(2026)
    e_base = rng.uniform(0.0, 60.0, size=400)
    e_base[:20] = 0.0  # no recoil shower: the recoil terms vanish
    deps = _deposits(rng, e_base.size, 60)
    inside0 = dk.square_fraction(0.0, 0.0, g[dk.G_LAT_HALF], g[dk.G_LAT_R])
    bad, n_pass, n_cut, n_short = _compare(e_base, deps, g, inside0, containment_table(), dk.ecal_window_table(g))
    assert bad == 0
    # the comparison is not vacuous: segments pass, NA64's cuts reject others, and the shortcut is taken
    assert n_pass > 1000
    assert n_cut > 1000
    assert n_short > 1000


def test_ecal_cuts_read_only_the_ecal_slots() -> None:
    """What the no-pair shortcut relies on: NA64's ECAL cuts read only the ECAL, outside-3x3 and pre-shower slots of
    the deposit vector, so scrambling every other slot (VETO, HCAL modules, HCAL1 cells) never changes them; and
    they do read those three (each cut fails for some deposits)."""
    g = card_geometry(load_card("na64-2016-2022"))
    inside0 = dk.square_fraction(0.0, 0.0, g[dk.G_LAT_HALF], g[dk.G_LAT_R])
    rng = np.random.default_rng(7)
    deps = _deposits(rng, 50, 40).reshape(-1, dk.N_OBS)[:400]
    read = (dk.MOD_ECAL, dk.OBS_OUT, dk.OBS_PS)
    others = [j for j in range(dk.N_OBS) if j not in read]
    outcomes = set()
    for e_base in rng.uniform(0.0, 60.0, size=40):
        out_rec, ps_rec = dk.ecal_cut_constants(e_base, g, inside0)
        for d in deps:
            ok = dk.ecal_cuts_pass(e_base, d, g, out_rec, ps_rec, dk.NO_TABLE, False)
            scrambled = d.copy()
            scrambled[others] = rng.uniform(0.0, 50.0, size=len(others))
            assert dk.ecal_cuts_pass(e_base, scrambled, g, out_rec, ps_rec, dk.NO_TABLE, False) == ok
            outcomes.add(ok)
    assert outcomes == {True, False}


def test_tabulated_longitudinal_window_decides_as_the_exact_one_at_its_ends() -> None:
    """The longitudinal cut's window [P(a, b (t_PS - dt)), P(a, b (t_PS + dt))] from the containment table decides
    only where the profile ratio is farther than the table's error from an end, else the exact series does: with
    the ratio put at each exact end shifted by 0, +-TOL/4, +-TOL, +-2 TOL and +-1e-3, both decisions agree, and the
    cases pass and fail on both sides of each end."""
    g = card_geometry(load_card("na64-2016-2022"))
    tab = containment_table()
    rng = np.random.default_rng(5)
    tol = dk.CONTAINMENT_TABLE_TOL
    outcomes = set()
    n = 0
    for e_tot in rng.uniform(0.5, 60.0, size=300):
        ly = np.log(e_tot / g[dk.G_EC])
        den = dk.GP_S0 + dk.GP_S1 * ly
        if not (ly > dk.GP_T0 and den > 0.0):
            continue
        dt = g[dk.G_CUT_LONG] * (ly - dk.GP_T0) / den
        t_ps = (g[dk.G_PS_Z_END] - g[dk.G_ECAL_Z_START]) / g[dk.G_X0]
        for end in (
            dk.containment(e_tot, t_ps - dt, g[dk.G_EC], g[dk.G_B]),
            dk.containment(e_tot, t_ps + dt, g[dk.G_EC], g[dk.G_B]),
        ):
            for shift in (0.0, 0.25 * tol, -0.25 * tol, tol, -tol, 2 * tol, -2 * tol, 1e-3, -1e-3):
                dep = np.zeros(dk.N_OBS)
                dep[dk.OBS_PS] = (end + shift) * e_tot  # e_base = 0: the pair alone, r = E_PS / E_ECAL
                dep[dk.MOD_ECAL] = e_tot
                exact = dk.ecal_cuts_pass(0.0, dep, g, 0.0, 0.0, dk.NO_TABLE, False)
                assert dk.ecal_cuts_pass(0.0, dep, g, 0.0, 0.0, tab, True) == exact
                outcomes.add((shift > 0, exact))
                n += 1
    assert n > 1000
    assert outcomes == {(True, True), (True, False), (False, True), (False, False)}


@njit
def _decided_flags(e_base, deps, errs, g):  # type: ignore[no-untyped-def]
    """(segments decided by surely_failed, of those any with a flag set after a shift of every deposit within its
    error, segments not decided)."""
    fl = np.zeros(sk.N_FLAGS, dtype=np.int8)
    shifted = np.zeros(dk.N_OBS)
    n_dec = 0
    n_bad = 0
    n_open = 0
    for e in range(e_base.size):
        for k in range(deps.shape[1]):
            d = deps[e, k]
            if not sk.surely_failed(e_base[e], d[0], d[1], errs[e, k], g):
                n_open += 1
                continue
            n_dec += 1
            for sign in (-1.0, 0.0, 1.0):
                for j in range(dk.N_OBS):
                    shifted[j] = max(d[j] + sign * errs[e, k], 0.0)
                sk.selection_flags(e_base[e], shifted, 1, 1, 1, g, fl)  # in the S1 window and beyond: any flag may set
                if fl[0] + fl[1] + fl[2] > 0:
                    n_bad += 1
    return n_dec, n_bad, n_open


def test_surely_failed_segments_have_no_flag() -> None:
    """A segment whose ECAL or VETO sum fails its cut by more than the table error has every flag 0, for its deposits
    and for any within that error (the exact ones): the kernels may skip it."""
    g = card_geometry(load_card("na64-2016-2022"))
    rng = np.random.default_rng(11)
    e_base = rng.uniform(0.0, 55.0, size=300)
    deps = _deposits(rng, e_base.size, 50)
    deps[..., dk.MOD_VETO] = rng.choice([0.0, 0.003, 0.006, 0.02], size=deps.shape[:2])
    deps[..., 3] = rng.uniform(0.0, 3.0, size=deps.shape[:2])  # HCAL2: s1 would pass without the ECAL/VETO cuts
    errs = rng.choice([0.0, 1e-4, 0.5], size=deps.shape[:2])
    n_dec, n_bad, n_open = _decided_flags(e_base, deps, errs, g)
    assert n_bad == 0
    assert n_dec > 1000
    assert n_open > 1000


def test_region_only_terms_are_the_full_terms_region_indicators() -> None:
    """The two chi2 of an i2DM chi2 chi2 event keep only their region indicators (their flags are the joint
    table's): the same terms as the full evaluation, event by event, and no flag terms."""
    import importlib  # noqa: PLC0415

    from semivis.signal.events import build_event_sample  # noqa: PLC0415

    rt = importlib.import_module("semivis.signal.response_table")
    card = load_card("na64-2016-2022")
    s = build_event_sample(card, "i2dm", 0.3, 0.1, 0.14, 300, 5, processes=("brem",))
    g = card_geometry(card)
    grid = rt._ecal_grid(card, rt.N_ECAL_SLICES)
    slab = rt._slice_table(g, grid)
    e_base = rt.ecal_base_energy(s)
    n_region_terms = 0
    for i in range(2):
        full = rt._one_terms(s, "chi2chi2", i, g, grid, slab, e_base)
        reg = rt._one_terms(s, "chi2chi2", i, g, grid, slab, e_base, regions_only=True)
        for e in range(s.n_events):
            for ind in range(sk.N_IND):
                a, b = full.off[sk.N_IND * e + ind], full.off[sk.N_IND * e + ind + 1]
                c, d = reg.off[sk.N_IND * e + ind], reg.off[sk.N_IND * e + ind + 1]
                if ind < sk.N_FLAGS:
                    assert c == d  # no flag terms
                else:
                    np.testing.assert_array_equal(reg.x[c:d], full.x[a:b])
                    np.testing.assert_array_equal(reg.c[c:d], full.c[a:b])
                    n_region_terms += d - c
    assert n_region_terms > 2 * s.n_events  # every chi2 crosses regions: the comparison is not empty


def test_pair_slots_are_built_on_demand_and_slice_tables_once_per_geometry() -> None:
    """A two-chi2 table's slots (each chi2's region terms, read by decay_fractions and the event files only) are
    built on first use, equal to the region-only terms, and then kept; the per-slice containment table is built
    once per (geometry, grid) content and is the freshly built one."""
    import importlib  # noqa: PLC0415

    from semivis.signal.events import build_event_sample  # noqa: PLC0415

    rt = importlib.import_module("semivis.signal.response_table")
    card = load_card("na64-2016-2022")
    s = build_event_sample(card, "i2dm", 0.3, 0.1, 0.14, 200, 6, processes=("brem",))
    g = card_geometry(card)
    grid = rt._ecal_grid(card, rt.N_ECAL_SLICES)
    rt.clear_response_tables()
    pair = rt.response_table(s, card).pair["chi2chi2"]
    assert pair._slots is None  # a scan's table: no slot terms
    slots = pair.slots
    e_base = rt.ecal_base_energy(s)
    for i in range(2):
        ref = rt._one_terms(
            s, "chi2chi2", i, g, grid, rt._slice_table(g, grid), e_base, regions_only=True, ecal_block=rt.ECAL_BLOCK
        )
        for got, want in ((slots[i].off, ref.off), (slots[i].x, ref.x), (slots[i].c, ref.c)):
            np.testing.assert_array_equal(got, want)
    assert pair.slots is slots
    one = rt._slice_table(g, grid)
    assert rt._slice_table(g.copy(), grid.copy()) is one
    np.testing.assert_array_equal(one, rt._build_slice_table(g, grid))
    assert rt._slice_table(g, rt._ecal_grid(card, rt.N_ECAL_SLICES_PAIR)).shape[0] != one.shape[0]


def test_window_table_bounds_the_exact_window_ends() -> None:
    """The bounds of :func:`semivis.detector.kernels.ecal_window_table` hold the exact ends of the longitudinal cut's
    window (the expressions of ecal_cuts_verdict) at every ECAL energy of their interval, so decisions taken from
    them are the exact ones; and they are tight enough to decide (the response table's speed-up)."""
    for name in ("na64-2016-2018", "na64-2016-2022"):
        g = card_geometry(load_card(name))
        wtab = dk.ecal_window_table(g)
        assert wtab.shape == (dk.WIN_N, dk.WIN_COLS)
        rng = np.random.default_rng(7)
        y = rng.uniform(dk.WIN_Y0, dk.WIN_Y0 + dk.WIN_N * dk.WIN_H, size=20000)
        y[:50] = dk.WIN_Y0 + np.arange(50) * dk.WIN_H  # interval edges
        ec, b = g[dk.G_EC], g[dk.G_B]
        t_ps = (g[dk.G_PS_Z_END] - g[dk.G_ECAL_Z_START]) / g[dk.G_X0]
        for yi in y:
            e_tot = ec * np.exp(yi)
            ly = np.log(e_tot / ec)
            j = int((ly - dk.WIN_Y0) / dk.WIN_H)
            if not 0 <= j < dk.WIN_N:
                continue
            dt = g[dk.G_CUT_LONG] * (ly - dk.GP_T0) / (dk.GP_S0 + dk.GP_S1 * ly)
            lo = dk.containment(e_tot, t_ps - dt, ec, b)
            hi = dk.containment(e_tot, t_ps + dt, ec, b)
            assert wtab[j, 0] <= lo <= wtab[j, 1]
            assert wtab[j, 2] <= hi <= wtab[j, 3]
        above_1gev = dk.WIN_Y0 + np.arange(dk.WIN_N) * dk.WIN_H > np.log(1.0 / ec)
        assert np.max((wtab[:, 1] - wtab[:, 0])[above_1gev]) < 1e-2
    off = card_geometry(load_card("na64-2016-2018")).copy()
    off[dk.G_CUT_LONG] = 0.0
    assert dk.ecal_window_table(off).shape == (0, dk.WIN_COLS)


def test_preshower_slice_table_accuracy() -> None:
    """The per-slice pre-shower fractions (slab[:, SLAB_PS:], interpolated in a like the containment) are within
    CONTAINMENT_TABLE_TOL / 10 of P(a, b (z_PS - z_i) / X0), the bound segment_data's ps_errs rely on."""
    import importlib  # noqa: PLC0415

    from scipy.special import gammainc  # noqa: PLC0415

    rtm = importlib.import_module("semivis.signal.response_table")
    g = card_geometry(load_card("na64-2016-2018"))
    grid = rtm._ecal_grid(load_card("na64-2016-2018"), 40)
    slab = rtm._build_slice_table(g, grid)
    mid = 0.5 * (grid + np.append(grid[1:], g[dk.G_ECAL_Z_END]))
    before = np.flatnonzero(mid < g[dk.G_PS_Z_END])
    assert before.size > 0
    rng = np.random.default_rng(3)
    worst = 0.0
    for a in rng.uniform(1.0, dk.TAB_A_MAX, size=2000):
        fa = (a - 1.0) / dk.TAB_H
        ia = int(fa)
        w = np.array(dk.lagrange4(fa - ia))
        for i in before:
            got = float(w @ slab[i, sk.SLAB_PS + ia : sk.SLAB_PS + ia + 4])
            x = g[dk.G_B] * ((g[dk.G_PS_Z_END] - mid[i]) / g[dk.G_X0])
            worst = max(worst, abs(min(max(got, 0.0), 1.0) - float(gammainc(a, x))))
    assert worst < dk.CONTAINMENT_TABLE_TOL / 10


def test_pair_pass_table_is_the_exact_evaluation_of_every_segment_pair() -> None:
    """The joint two-chi2 pass table (tabulated containment, the segments failing by themselves skipped as whole rows
    and columns, the pairs failing together skipped, window bounds, exact re-evaluation near thresholds) equals the
    brute force: every segment pair's flags from the exact deposits of both chi2 summed (NA64's cuts on)."""
    import importlib  # noqa: PLC0415

    from semivis.signal.events import build_event_sample  # noqa: PLC0415

    rt = importlib.import_module("semivis.signal.response_table")
    card = load_card("na64-2016-2022")
    s = build_event_sample(card, "i2dm", 0.3, 0.1, 0.14, 60, 8, processes=("brem",))
    g = card_geometry(card)
    grid = rt._ecal_grid(card, rt.N_ECAL_SLICES_PAIR)
    tab = containment_table()
    rt.clear_response_tables()
    pair = rt.response_table(s, card).pair["chi2chi2"]
    passes = pair.passes()
    kin = [rt.chi2_kinematics(s, "chi2chi2", i) for i in range(2)]
    zv = np.asarray(s.arrays["ap.z"], dtype=np.float64) + g[dk.G_ECAL_Z_START]
    e_base = rt.ecal_base_energy(s)
    kmax = pair.xb.shape[2]
    fl = np.zeros(sk.N_FLAGS, dtype=np.int8)
    n_pass = n_fail = 0
    for e in range(s.n_events):
        seg = []  # per chi2: (exact deposits, S1 window, beyond) of each segment
        for i in range(2):
            tx, ty, _, lep = (q[e] for q in kin[i])
            zb = np.empty(kmax + 1)
            nb = sk.boundaries(zv[e], tx, ty, g, grid, zb)
            assert nb == pair.nseg[e, i]
            rows = []
            for k in range(nb):
                zm = 0.5 * (zb[k] + zb[k + 1]) if k + 1 < nb else zb[k] + 1.0
                dep = np.zeros(dk.N_OBS)
                region = dk.decay_deposits(zm, zv[e], tx, ty, np.ascontiguousarray(lep), g, dep, tab, False)
                rows.append((dep, int(g[dk.G_S1_LO] <= zm < g[dk.G_S1_HI]), int(region == dk.REGION_BEYOND)))
            seg.append(rows)
        off1, off2 = kmax - len(seg[0]), kmax - len(seg[1])
        for a, (d1, w1, b1) in enumerate(seg[0]):
            for b, (d2, w2, b2) in enumerate(seg[1]):
                sk.selection_flags(e_base[e], d1 + d2, w1 + w2, b1 + b2, 2, g, fl)
                got = passes[e, :, off1 + a, off2 + b]
                np.testing.assert_array_equal(got, fl, err_msg=f"event {e}, segments {a}, {b}")
                n_pass += int(fl[0])
                n_fail += int(fl[0] == 0)
    assert n_pass > 100
    assert n_fail > 100


def test_verdict_with_a_preshower_error_is_exact_or_undecided() -> None:
    """ecal_cuts_verdict with a bound ps_err on the pre-shower energy (a tabulated one, segment_data's ps_errs)
    answers -1 (undecided: the caller re-evaluates) or the decision every pre-shower energy within ps_err gives,
    with and without the window bounds; with ps_err = 0 it is ecal_cuts_pass. Ratios are drawn around both
    window ends, so all three answers occur."""
    g = card_geometry(load_card("na64-2016-2018"))
    tab = containment_table()
    wtab = dk.ecal_window_table(g)
    rng = np.random.default_rng(19)
    counts = {-1: 0, 0: 0, 1: 0}
    dep = np.zeros(dk.N_OBS)
    for _ in range(3000):
        e_tot = float(rng.uniform(5.0, 100.0))
        ly = np.log(e_tot / g[dk.G_EC])
        lo, hi = (
            dk.containment(e_tot, dk.ps_depth(g) + s * dk.window_shift(ly, g), g[dk.G_EC], g[dk.G_B]) for s in (-1, 1)
        )
        end = lo if rng.uniform() < 0.5 else hi
        ps_err = float(rng.choice([1e-4, 1e-3, 1e-2])) * e_tot
        ps = max(0.0, (end + rng.uniform(-3.0, 3.0) * ps_err / e_tot) * e_tot)
        dep[dk.MOD_ECAL] = e_tot
        dep[dk.OBS_PS] = ps
        for w in (wtab, tab):  # bounds, or none (another column count)
            got = dk.ecal_cuts_verdict(0.0, dep, g, 0.0, 0.0, tab, True, ps_err, w)
            counts[got] += 1
            if got >= 0:
                for shift in (-ps_err, 0.0, ps_err):
                    dep[dk.OBS_PS] = ps + shift
                    assert int(dk.ecal_cuts_pass(0.0, dep, g, 0.0, 0.0, tab, True)) == got
                dep[dk.OBS_PS] = ps
        assert dk.ecal_cuts_verdict(0.0, dep, g, 0.0, 0.0, tab, True, 0.0, wtab) == int(
            dk.ecal_cuts_pass(0.0, dep, g, 0.0, 0.0, tab, False)
        )
    assert min(counts.values()) > 100, counts
