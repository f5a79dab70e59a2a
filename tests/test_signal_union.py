"""Samples with both production processes are unions of per-process parts (issue 12, deliverable 3).

The brem part of a union is the brem-only sample bit for bit (so its response table and lifetime kernel are
shared with the NA64 papers' brem-only curves); the annihilation part holds only annihilation events and is empty
where the resonance lies below the card's E_min; the union's kernel is the sum of its parts' and agrees with the
exact accumulation within its computed bound.
"""

from __future__ import annotations

import numpy as np
import pytest

from semivis.detector.cards import load_card
from semivis.errors import ParameterError
from semivis.production import simulate_ap_production
from semivis.scan.evaluators import SignalEvaluator
from semivis.signal.events import (
    EventSample,
    build_event_sample,
    part_seed,
    production_seed,
    simulate_production,
)
from semivis.signal.lifetime import KernelSum, LifetimeKernel, kernel_from_arrays
from semivis.signal.reweight import bin_signals

CARD = load_card("na64-2016-2022")
BOTH = ("brem", "annihilation")


def _seed() -> np.random.SeedSequence:
    return np.random.SeedSequence(11, spawn_key=(3,))


def _sample(m_ap: float, processes: tuple[str, ...], n: int = 300, ap: object = None) -> EventSample:
    return build_event_sample(
        CARD, "idm", m_ap, m_ap / 3, 1.4 * m_ap / 3, n_events=n, seed=_seed(), processes=processes, ap_sample=ap
    )


def _same(a: EventSample, b: EventSample) -> bool:
    return (
        a.meta == b.meta
        and a.arrays.keys() == b.arrays.keys()
        and all(np.array_equal(a.arrays[k], b.arrays[k]) for k in a.arrays)
    )


@pytest.fixture(scope="module")
def union() -> EventSample:
    # m_A' = 0.3 GeV: E_res = m^2 / 2 m_e = 88 GeV lies inside [E_min, E_beam], so shower positrons annihilate
    return _sample(0.3, BOTH)


def test_the_brem_part_of_a_union_is_the_brem_only_sample(union: EventSample) -> None:
    brem, ann = union.parts()
    assert _same(brem, _sample(0.3, ("brem",)))
    assert ann.n_events > 0
    assert set(np.unique(ann.arrays["ap.process"])) == {2}
    assert set(np.unique(brem.arrays["ap.process"])) <= {0, 1}
    assert union.n_events == brem.n_events + ann.n_events
    # the yield is the sum of the two processes' yields
    w = union.arrays["ap.weight"]
    assert w.sum() == pytest.approx(brem.arrays["ap.weight"].sum() + ann.arrays["ap.weight"].sum(), rel=1e-14)


def test_the_annihilation_part_has_its_own_streams_and_is_empty_below_the_window() -> None:
    ss = np.random.SeedSequence(7)
    assert part_seed(ss, "brem").spawn_key == ()
    assert part_seed(ss, "annihilation").spawn_key != part_seed(ss, "brem").spawn_key
    # m_A' = 50 MeV: E_res = 2.4 GeV, far below E_min: no annihilation event, the union is the brem sample's events
    low = _sample(0.05, BOTH)
    brem, ann = low.parts()
    assert ann.n_events == 0
    assert _same(brem, _sample(0.05, ("brem",)))


def test_a_shared_production_is_a_union_of_the_same_parts() -> None:
    prod = simulate_production(CARD, 0.3, 300, production_seed(5, 0.3), BOTH)
    brem_prod = simulate_production(CARD, 0.3, 300, production_seed(5, 0.3), ("brem",))
    assert [p["process"] for p in prod.meta["parts"]] == list(BOTH)
    shared = _sample(0.3, BOTH, ap=prod)
    assert _same(shared.parts()[0], _sample(0.3, ("brem",), ap=brem_prod))
    assert shared.meta["production_stream"] == prod.meta["stream"]


def test_union_round_trip_and_inconsistent_parts(union: EventSample) -> None:
    arrays, meta = union.to_arrays()
    back = EventSample.from_arrays(arrays, meta)
    assert all(_same(a, b) for a, b in zip(back.parts(), union.parts(), strict=True))
    meta["parts"][0]["n_events"] += 1
    with pytest.raises(ParameterError, match=r"meta\.parts"):
        EventSample.from_arrays(arrays, meta)


def test_the_union_is_an_unbiased_estimate_of_the_joint_cascade() -> None:
    """Forced emissions do not change the shower: the annihilation yield of independent annihilation-only showers
    equals that of the joint cascade within the Monte Carlo error (4 sigma; the error of each mean from the spread
    of 5 seeds: shower-positron annihilation is rare, ~50 % per 1500-primary run)."""
    kw = {"beam_energy_GeV": 100.0, "m_Ap": 0.3, "n_primaries": 1500, "E_min_GeV": CARD.E_min_GeV}
    joint, alone = [], []
    for s in range(5):
        seed_j, seed_a = np.random.SeedSequence(100 + s), np.random.SeedSequence(200 + s)
        joint.append(simulate_ap_production(CARD.target, seed=seed_j, processes=BOTH, **kw).yield_per_eot(2))
        alone.append(
            simulate_ap_production(CARD.target, seed=seed_a, processes=("annihilation",), **kw).yield_per_eot(2)
        )
    err = np.hypot(np.std(joint, ddof=1), np.std(alone, ddof=1)) / np.sqrt(5)
    assert 0 < err < 0.5 * np.mean(joint)  # the test has power: the means are known to better than 50 %
    assert abs(np.mean(alone) - np.mean(joint)) < 4 * err


def test_the_union_kernel_is_the_sum_of_the_parts_and_matches_the_exact_sum(
    union: EventSample, tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import semivis.scan.evaluators as ev_mod  # noqa: PLC0415

    ev = SignalEvaluator(processes=BOTH, kernel_cache=tmp_path)  # type: ignore[arg-type]
    ev_mod._KERNEL_MEMO.clear()
    bins = ("missing-energy",)
    brem_kernel = ev.kernel(union.parts()[0], CARD, bins)  # as the brem-only scan leaves it in the cache
    built: list[int] = []
    real = ev_mod.lifetime_kernel
    monkeypatch.setattr(ev_mod, "lifetime_kernel", lambda s, *a, **k: built.append(s.n_events) or real(s, *a, **k))
    ev_mod._KERNEL_MEMO.clear()
    k = ev.kernel(union, CARD, bins)
    assert isinstance(k, KernelSum)
    assert isinstance(brem_kernel, LifetimeKernel)
    assert built == [union.parts()[1].n_events]  # only the annihilation part is built; brem comes from the cache
    eps = np.geomspace(1e-5, 1e-2, 120)
    alpha = np.full(eps.shape, 0.1)
    n, bound = k.n_signal(CARD.eot, eps, alpha, None, bins)
    exact = bin_signals(union, CARD, bins, eps=eps, alpha_D=alpha, theta=None)["missing-energy"].n_signal
    assert np.all(np.abs(n[0] - exact) <= bound[0] + 1e-12 * np.abs(exact))
    big = exact > 0.23
    assert big.any()
    assert np.max(np.abs(n[0][big] / exact[big] - 1)) < 1e-3
    # the sum is the parts' sum, and it survives a cache round trip
    parts = [ev.kernel(p, CARD, bins).n_signal(CARD.eot, eps, alpha, None, bins)[0] for p in union.parts()]
    assert np.array_equal(n, parts[0] + parts[1])
    back = kernel_from_arrays(*k.to_arrays())
    assert np.array_equal(back.n_signal(CARD.eot, eps, alpha, None, bins)[0], n)
