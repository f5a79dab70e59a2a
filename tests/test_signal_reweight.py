"""Lifetime reweighting and selections: analytic decay law, agreement with direct simulation, limits."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semivis.detector import load_card
from semivis.errors import ParameterError
from semivis.models import make_model
from semivis.production import simulate_ap_production
from semivis.signal import (
    SELECTIONS,
    EventSample,
    bin_names,
    bin_signals,
    build_event_sample,
    decay_fractions,
    expected_signal,
    signal_result,
    simulate_fixed_coupling,
)
from semivis.signal.events import SAMPLE_FORMAT_VERSION
from semivis.testing import invisible_yield_per_eot, synthetic_ap_sample

stand_in_ap = synthetic_ap_sample


@pytest.fixture(scope="module")
def card():  # type: ignore[no-untyped-def]
    return load_card("na64-2016-2018")


@pytest.fixture(scope="module")
def idm(card):  # type: ignore[no-untyped-def]
    """iDM benchmark of EPJC2023 Fig. 3: m_A' = 0.3 GeV, R = 3, delta = 0.4 (unit-weight stand-in A')."""
    return build_event_sample(card, "idm", 0.3, 0.1, 0.14, n_events=6000, seed=11, ap_sample=stand_in_ap(0.3, 6000))


def fixed_boost_sample(bg: float, z_v: float = 0.1, n: int = 4) -> EventSample:
    """chi2 along the beam axis with a fixed beta*gamma, built directly from arrays."""
    m1, m2 = 0.1, 0.14
    p = bg * m2
    chi2 = np.tile([math.hypot(p, m2), 0.0, 0.0, p], (n, 1))
    lep = np.tile([5.0, 0.0, 0.0, 5.0], (n, 1))
    arrays = {
        "ap.E": np.full(n, 80.0),
        "ap.theta": np.zeros(n),
        "ap.phi": np.zeros(n),
        "ap.z": np.full(n, z_v),
        "ap.weight": np.full(n, 1e-9),
        "ap.process": np.zeros(n, dtype=np.int8),
        "chi1chi2.chi2_0.p4": chi2,
        "chi1chi2.chi2_0.ep": lep,
        "chi1chi2.chi2_0.em": lep.copy(),
    }
    meta = {
        "format": SAMPLE_FORMAT_VERSION,
        "kind": "idm",
        "m_Ap": 0.3,
        "m_chi1": m1,
        "m_chi2": m2,
        "channels": ["chi1chi2"],
        "chi2_stable": False,
        "beam_energy_GeV": 100.0,
        "content_key": "fixed",
    }
    return EventSample.from_arrays(arrays, meta)


def test_fraction_beyond_is_the_decay_law(card) -> None:  # type: ignore[no-untyped-def]
    bg, z_v = 250.0, 0.1
    s = fixed_boost_sample(bg, z_v)
    eps = np.geomspace(1e-4, 1e-2, 9)
    ctau = make_model("idm", m_Ap=0.3, eps=eps, alpha_D=0.1, m_chi1=0.1, delta=0.4).ctau_chi2_m()
    fr = decay_fractions(s, card, eps=eps, alpha_D=0.1)
    L = card.setup_end_m - z_v
    np.testing.assert_allclose(fr["beyond"], np.exp(-L / (bg * ctau)), rtol=1e-10, atol=1e-300)
    # every region: exponential law between its boundaries (ECAL from the vertex to its end)
    np.testing.assert_allclose(fr["ecal"], 1 - np.exp(-(card.ecal.z_end_m - z_v) / (bg * ctau)), rtol=1e-10)
    h2 = card.hcal2
    np.testing.assert_allclose(
        fr["hcal2"],
        np.exp(-(h2.z_start_m - z_v) / (bg * ctau)) - np.exp(-(h2.z_end_m - z_v) / (bg * ctau)),
        rtol=1e-9,
        atol=1e-300,
    )
    total = sum(fr.values())
    np.testing.assert_allclose(total, 1.0, rtol=1e-12)


def test_fractions_sum_to_one_and_move_downstream_with_lifetime(card, idm) -> None:  # type: ignore[no-untyped-def]
    eps = np.geomspace(1e-5, 3e-2, 25)
    fr = decay_fractions(idm, card, eps=eps, alpha_D=0.1)
    assert set(fr) == {"ecal", "veto", "hcal1", "hcal2", "hcal3", "gaps", "beyond"}
    np.testing.assert_allclose(sum(fr.values()), 1.0, rtol=1e-10)
    assert fr["beyond"][0] > 0.999
    assert fr["ecal"][-1] > 0.5
    assert np.all(np.diff(fr["beyond"]) <= 1e-12)  # shorter lifetime, fewer escape


def test_reweighting_equals_fresh_simulation(card, idm) -> None:  # type: ignore[no-untyped-def]
    """Reweight one sample to several eps; compare with a fresh sample (new seed) whose chi2 decay points are
    sampled at that eps. Agreement within the combined MC errors (4 sigma) and the ECAL slicing (2 %)."""
    fresh = build_event_sample(
        card, "idm", 0.3, 0.1, 0.14, n_events=6000, seed=12, ap_sample=stand_in_ap(0.3, 6000, seed=1)
    )
    for sel in ("missing-energy", "s1", "box+s1", "s1+s2"):
        for eps in (3e-4, 3e-3, 8e-3, 3e-2):
            r = signal_result(idm, card, sel, eps=eps, alpha_D=0.1)
            n_rw, err_rw = float(r.n_signal), float(r.n_signal * r.mc_rel_error)
            n_mc, err_mc = simulate_fixed_coupling(fresh, card, sel, eps=eps, alpha_D=0.1, seed=5)
            tol = 4.0 * math.hypot(err_rw, err_mc) + 0.02 * n_rw
            assert abs(n_rw - n_mc) <= tol, (sel, eps, n_rw, n_mc, tol)


def test_reweighting_a_real_production_sample(card) -> None:  # type: ignore[no-untyped-def]
    s = build_event_sample(card, "idm", 0.3, 0.1, 0.14, n_events=300, seed=21)
    for eps in (1e-3, 5e-3):
        r = signal_result(s, card, eps=eps, alpha_D=0.1)
        n_rw = float(r.n_signal)
        reps = [simulate_fixed_coupling(s, card, eps=eps, alpha_D=0.1, seed=k) for k in range(8)]
        # same A' events: only the decay points differ; mean of 8 direct replicas vs the analytic average
        mean, err = np.mean([x[0] for x in reps]), np.mean([x[1] for x in reps]) / math.sqrt(8)
        assert abs(mean - n_rw) <= 4 * err + 0.02 * n_rw, (eps, mean, n_rw, err)
        np.testing.assert_allclose(sum(r.breakdown.values()), n_rw, rtol=1e-12)


def test_two_chi2_pair_table_matches_direct_simulation(card) -> None:  # type: ignore[no-untyped-def]
    ap = stand_in_ap(0.45, 2000, seed=2)
    s = build_event_sample(card, "i2dm", 0.45, 0.15, 0.21, n_events=2000, seed=7, ap_sample=ap)
    theta = 0.01  # chi2 chi2 dominates (cos^4 theta)
    for eps in (2e-3, 1e-2, 4e-2):
        r = signal_result(s, card, "missing-energy", eps=eps, alpha_D=0.1, theta=theta)
        n_mc = [simulate_fixed_coupling(s, card, eps=eps, alpha_D=0.1, theta=theta, seed=k) for k in range(3)]
        mean = np.mean([x[0] for x in n_mc])
        err = math.hypot(float(r.n_signal * r.mc_rel_error), np.mean([x[1] for x in n_mc]) / math.sqrt(3))
        assert abs(mean - float(r.n_signal)) <= 4 * err + 0.05 * float(r.n_signal), (eps, mean, r.n_signal)


def test_branching_ratio_reweighting_in_theta(card) -> None:  # type: ignore[no-untyped-def]
    s = build_event_sample(card, "i2dm", 0.45, 0.15, 0.21, n_events=1500, seed=7, ap_sample=stand_in_ap(0.45, 1500))
    # at small eps every chi2 escapes: N = N_invisible-like x (sum of dark BRs) for any theta
    thetas = np.array([0.01, 0.3, 1.2])
    n = expected_signal(s, card, eps=1e-5, alpha_D=0.1, theta=thetas)
    br_dark = make_model("i2dm", m_Ap=0.45, eps=1e-5, alpha_D=0.1, m_chi1=0.15, delta=0.4, theta=thetas).BR_dark()
    np.testing.assert_allclose(n / br_dark, n[0] / br_dark[0], rtol=2e-3)


def test_stable_chi2_equals_invisible(card) -> None:  # type: ignore[no-untyped-def]
    """dm < 2 m_e: chi2 is stable and the semi-visible yield is the invisible one (same A' events)."""
    stable = build_event_sample(card, "idm", 0.3, 0.1, 0.1008, n_events=300, seed=8)
    inv = build_event_sample(card, "invisible", 0.3, 0.1, n_events=300, seed=8)
    assert stable.chi2_stable
    eps = np.array([1e-5, 1e-3, 1e-2])
    n_s = expected_signal(stable, card, eps=eps, alpha_D=0.1)
    n_i = expected_signal(inv, card, eps=eps, alpha_D=0.1)
    np.testing.assert_allclose(n_s, n_i, rtol=1e-6)
    fr = decay_fractions(stable, card, eps=eps, alpha_D=0.1)
    np.testing.assert_allclose(fr["beyond"], 1.0)
    assert np.all(expected_signal(stable, card, "s1", eps=eps, alpha_D=0.1) == 0.0)


def test_invisible_yield_matches_production(card) -> None:  # type: ignore[no-untyped-def]
    ap = simulate_ap_production(
        card.target, card.beam_energy_GeV, 0.05, n_primaries=300, seed=3, E_min_GeV=card.E_min_GeV
    )
    inv = build_event_sample(card, "invisible", 0.05, 0.01, n_events=300, seed=3, ap_sample=ap)
    eps = 1e-4
    n = float(expected_signal(inv, card, eps=eps, alpha_D=0.5))
    ref = card.eot * eps**2 * float(card.signal_efficiency(0.05)) * invisible_yield_per_eot(ap)
    assert n == pytest.approx(ref, rel=1e-6)  # BR(A' -> chi chi) = 1 - O(alpha eps^2 / alpha_D)


def test_dip_of_the_2023_limit(card, idm) -> None:  # type: ignore[no-untyped-def]
    """EPJC2023 Sect. 5: events lost when chi2 decays between the ECAL end and the HCAL end, regained when it
    decays promptly in the ECAL with soft pairs. N_sig / eps^2 vs eps at the Fig. 3 benchmark point."""
    eps = np.geomspace(1e-5, 0.2, 40)
    r0 = expected_signal(idm, card, eps=eps, alpha_D=0.1) / eps**2
    r = r0 / r0[0]
    i_min = int(np.argmin(r))
    assert r[i_min] < 0.3  # the dip: decays in VETO/HCAL vetoed
    assert 1e-3 < eps[i_min] < 3e-2
    assert r[-1] > 2.5 * r[i_min]
    assert r[-1] > 0.6
    s2 = expected_signal(idm, card, "s2", eps=eps, alpha_D=0.1) / eps**2 / r0[0]
    assert s2[-1] < 1e-3  # without the ECAL-contained pairs (2021 S2) nothing is regained


def test_selection_relations(card, idm) -> None:  # type: ignore[no-untyped-def]
    eps = np.geomspace(1e-4, 3e-2, 8)
    me = expected_signal(idm, card, "missing-energy", eps=eps)
    s1 = expected_signal(idm, card, "s1", eps=eps)
    s2 = expected_signal(idm, card, "s2", eps=eps)
    box_s1 = expected_signal(idm, card, "box+s1", eps=eps)
    np.testing.assert_allclose(box_s1, me + s1, rtol=1e-12)  # disjoint union, one bin
    by_bin = bin_signals(idm, card, bin_names("s1+s2"), eps=eps)
    assert list(by_bin) == ["s1", "s2"]  # two bins, each exactly the single-bin selection of its name
    np.testing.assert_array_equal(by_bin["s1"].n_signal, s1)
    np.testing.assert_array_equal(by_bin["s2"].n_signal, s2)
    np.testing.assert_allclose(expected_signal(idm, card, "s1+s2", eps=eps), s1 + s2, rtol=1e-12)  # the total
    assert np.all(s2 <= me * (1 + 1e-12))
    assert np.max(s1) > 0.0
    assert SELECTIONS["s1"].efficiency == 0.52
    # EOT scaling and eps^2 production at long lifetime
    np.testing.assert_allclose(
        expected_signal(idm, card, eps=1e-5, eot=1e12),
        expected_signal(idm, card, eps=1e-5) * 1e12 / card.eot,
        rtol=1e-12,
    )


def test_compact_hcal1_gains_short_lifetimes(card, idm) -> None:  # type: ignore[no-untyped-def]
    compact = load_card("na64-compact-hcal1")
    eps = 8e-3  # chi2 decay length ~ 1 m: the S1 window starts at 1.5 m instead of 2.6 m
    n_std = float(expected_signal(idm, card, "s1", eps=eps, eot=5e12))
    n_cmp = float(expected_signal(idm, compact, "s1", eps=eps, eot=5e12))
    assert n_cmp > 1.5 * n_std


#: N_sig of the pre-table implementation (exact containment series at every ECAL slice, dense term arrays),
#: semivis 2026-11-22, for the samples of test_fast_path_reproduces_the_reference_implementation
_REF_EPS_IDM = np.geomspace(1e-5, 0.1, 200)[[0, 60, 100, 130, 150, 170, 199]]
_REF_IDM = {
    "missing-energy": [6.663760990423319e-05, 0.017188584297305107, 0.6636872631022931, 5.325199589539816,
                       9.258058970750216, 223.81076111119955, 6536.867593816192],
    "s1": [9.710069463880636e-11, 6.469755132732039e-06, 0.010208741442295213, 1.4450446859919088,
           4.329271493944388, 0.009638998164115894, 0.0],
    "s2": [6.663759923666638e-05, 0.017187873006031404, 0.6625318465128026, 5.066376208195234,
           1.038760309805826, 3.374797887904671e-07, 0.0],
}  # fmt: skip
_REF_EPS_I2DM = np.geomspace(1e-5, 0.1, 30)[[0, 10, 15, 20, 25, 29]]
_REF_I2DM = {
    "missing-energy": [2.446408162984268e-05, 0.014020280506478178, 0.3288875141241395, 4.87986023005287,
                       11.72496573752336, 1596.7902579919191],
    "s1": [1.1659051653018806e-11, 3.8335108323880615e-06, 0.0021634487178674366, 0.8493239580383601,
           3.1458252174905508, 1.3647393555330208e-08],
}  # fmt: skip


def test_fast_path_reproduces_the_reference_implementation(card) -> None:  # type: ignore[no-untyped-def]
    """Tabulated containment + exact re-evaluation near thresholds gives the flags, hence N_sig, of the exact
    series: equal to the pre-table implementation's numbers to 1e-12 relative (only summation rounding),
    and equal to the exact-containment table of the same code."""
    card = card.with_cuts(veto_charged_flux=False, longitudinal=False, lateral=False, hcal1_periphery=False)  # old path
    s = build_event_sample(card, "idm", 0.3, 0.1, 0.14, n_events=4000, seed=11, ap_sample=stand_in_ap(0.3, 4000, 3))
    for sel, ref in _REF_IDM.items():
        np.testing.assert_allclose(expected_signal(s, card, sel, eps=_REF_EPS_IDM, alpha_D=0.1), ref, rtol=1e-12)
    s2 = build_event_sample(card, "i2dm", 0.45, 0.15, 0.21, n_events=1500, seed=7, ap_sample=stand_in_ap(0.45, 1500, 2))
    for sel, ref in _REF_I2DM.items():
        n = expected_signal(s2, card, sel, eps=_REF_EPS_I2DM, alpha_D=0.1, theta=0.3)
        np.testing.assert_allclose(n, ref, rtol=1e-12)
    fr = decay_fractions(s2, card, eps=_REF_EPS_I2DM, alpha_D=0.1, theta=0.3)
    assert fr["hcal2"][2] == pytest.approx(0.0033958260714390003, rel=1e-12)
    # the flags of the fast and the exact-containment tables agree term by term
    from semivis.signal.response_table import response_table  # noqa: PLC0415

    fast = response_table(s, card)
    exact = response_table(s, card, exact_containment=True)
    for ch, one in fast.one.items():
        np.testing.assert_array_equal(one.off, exact.one[ch].off)
        np.testing.assert_array_equal(one.x, exact.one[ch].x)
        np.testing.assert_array_equal(one.c, exact.one[ch].c)


def test_response_table_is_memoised_by_content(card, idm) -> None:  # type: ignore[no-untyped-def]
    from semivis.signal.response_table import TABLE_MEMO_SIZE, response_table  # noqa: PLC0415

    t1 = response_table(idm, card)
    again = EventSample.from_arrays(*idm.to_arrays())  # the scan room reloading a cached sample
    assert response_table(again, card) is t1
    other = fixed_boost_sample(250.0)
    other2 = fixed_boost_sample(20.0)  # same content key "fixed", different arrays: not confused
    assert response_table(other, card) is not response_table(other2, card)
    # one memo, bounded: after TABLE_MEMO_SIZE newer tables the least recently used one is rebuilt
    first = response_table(fixed_boost_sample(2.0), card)
    newest = [response_table(fixed_boost_sample(3.0 + k), card) for k in range(TABLE_MEMO_SIZE)]
    assert response_table(fixed_boost_sample(3.0 + TABLE_MEMO_SIZE - 1), card) is newest[-1]
    assert response_table(fixed_boost_sample(2.0), card) is not first


def test_bad_couplings(card, idm) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError):
        expected_signal(idm, card, eps=1.5)
    with pytest.raises(ParameterError):
        expected_signal(idm, card, eps=1e-3, theta=0.1)
    with pytest.raises(ParameterError):
        expected_signal(idm, card, "s3", eps=1e-3)
    with pytest.raises(ParameterError):
        expected_signal(idm, card, eps=1e-3, alpha_D=-1.0)
    with pytest.raises(ParameterError):
        expected_signal(idm, card, eps=float("nan"))
