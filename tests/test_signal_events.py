"""Event samples: reproducibility, cache round trip, kinematics, channels (fast stand-in A' samples)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from semivis.constants import m_e
from semivis.detector import load_card
from semivis.errors import ParameterError
from semivis.signal import EventSample, build_event_sample, sample_content_key
from semivis.signal.events import PRODUCTION_STREAM_TAG, production_seed, simulate_production
from semivis.testing import synthetic_ap_sample

#: unit-weight synthetic stand-in for production's A' sample
stand_in_ap = synthetic_ap_sample


@pytest.fixture(scope="module")
def card():  # type: ignore[no-untyped-def]
    return load_card("na64-2016-2018")


def _idm(card, n: int = 2000, seed: int = 3) -> EventSample:  # type: ignore[no-untyped-def]
    return build_event_sample(card, "idm", 0.3, 0.1, 0.14, n_events=n, seed=seed, ap_sample=stand_in_ap(0.3, n))


def test_bit_for_bit_reproducible(card) -> None:  # type: ignore[no-untyped-def]
    a, b, c = _idm(card), _idm(card), _idm(card, seed=4)
    for k in a.arrays:
        assert np.array_equal(a.arrays[k], b.arrays[k])
    assert not np.array_equal(a.arrays["chi1chi2.chi2_0.ep"], c.arrays["chi1chi2.chi2_0.ep"])
    assert a.content_key() == b.content_key() != c.content_key()


def test_real_production_is_reproducible(card) -> None:  # type: ignore[no-untyped-def]
    a = build_event_sample(card, "idm", 0.3, 0.1, 0.14, n_events=100, seed=5)
    b = build_event_sample(card, "idm", 0.3, 0.1, 0.14, n_events=100, seed=5)
    assert a.n_events > 0
    for k in a.arrays:
        assert np.array_equal(a.arrays[k], b.arrays[k])


def test_cache_round_trip(card) -> None:  # type: ignore[no-untyped-def]
    s = _idm(card, 500)
    arrays, meta = s.to_arrays()
    meta = json.loads(json.dumps(meta))  # JSON-able, no pickle
    t = EventSample.from_arrays(arrays, meta)
    assert t.content_key() == s.content_key()
    for k in s.arrays:
        assert np.array_equal(s.arrays[k], t.arrays[k])
    with pytest.raises(ParameterError):
        EventSample.from_arrays({k: v for k, v in arrays.items() if k != "ap.E"}, meta)
    key = sample_content_key(card, "idm", 0.3, 0.1, 0.14, 500, 3)
    assert key == s.content_key()
    assert key != sample_content_key(card, "idm", 0.3, 0.1, 0.15, 500, 3)
    # the downstream detector does not enter the sample: cards sharing beam and target share samples
    assert key == sample_content_key(load_card("na64-compact-hcal1"), "idm", 0.3, 0.1, 0.14, 500, 3)


def test_arrays_are_read_only_and_the_digest_is_their_content(card) -> None:  # type: ignore[no-untyped-def]
    """A sample's arrays cannot be written (the response-table memo keys on a digest computed once), and the digest
    is a function of the arrays' content: equal for a copy, different when one number differs."""
    s = _idm(card, 300)
    with pytest.raises(ValueError, match="read-only"):
        s.arrays["ap.E"][0] = 1.0
    copy = EventSample({k: np.array(v) for k, v in s.arrays.items()}, dict(s.meta))
    assert copy.array_digest() == s.array_digest()
    changed = {k: np.array(v) for k, v in s.arrays.items()}
    changed["chi1chi2.chi2_0.ep"][7, 2] = np.nextafter(changed["chi1chi2.chi2_0.ep"][7, 2], np.inf)
    assert EventSample(changed, dict(s.meta)).array_digest() != s.array_digest()


def test_kinematics(card) -> None:  # type: ignore[no-untyped-def]
    s = _idm(card)
    chi2 = s.arrays["chi1chi2.chi2_0.p4"]
    ep, em = s.arrays["chi1chi2.chi2_0.ep"], s.arrays["chi1chi2.chi2_0.em"]

    def mass2(p: np.ndarray) -> np.ndarray:
        return p[:, 0] ** 2 - np.sum(p[:, 1:] ** 2, axis=1)

    np.testing.assert_allclose(np.sqrt(mass2(chi2)), 0.14, rtol=1e-6)
    np.testing.assert_allclose(np.sqrt(np.clip(mass2(ep), 0, None)), m_e, rtol=1e-2)
    mll = np.sqrt(mass2(ep + em))
    assert np.all(mll >= 2 * m_e * (1 - 1e-6))
    assert np.all(mll <= 0.04 * (1 + 1e-6))
    # chi1 = chi2 - pair must be on shell: m_chi1 = 0.1
    np.testing.assert_allclose(np.sqrt(mass2(chi2 - ep - em)), 0.1, rtol=1e-4)
    # the A' energy is shared: E_chi2 < E_A'
    assert np.all(chi2[:, 0] < s.arrays["ap.E"])


def test_channels_by_model(card) -> None:  # type: ignore[no-untyped-def]
    ap = stand_in_ap(0.3, 300)
    s = build_event_sample(card, "i2dm", 0.3, 0.1, 0.14, n_events=300, seed=1, ap_sample=ap)
    assert s.channels == ("chi1chi1", "chi1chi2", "chi2chi2")
    assert "chi2chi2.chi2_1.ep" in s.arrays
    # chi2 chi2 closed at m_A' = 0.25 < 2 m_chi2 = 0.28
    s = build_event_sample(card, "i2dm", 0.25, 0.1, 0.14, n_events=300, seed=1, ap_sample=stand_in_ap(0.25, 300))
    assert s.channels == ("chi1chi1", "chi1chi2")
    inv = build_event_sample(card, "invisible", 0.3, 0.1, n_events=300, seed=1, ap_sample=ap)
    assert inv.channels == ("chi1chi1",)
    st = build_event_sample(card, "idm", 0.3, 0.1, 0.1005, n_events=300, seed=1, ap_sample=ap)
    assert st.chi2_stable
    assert np.all(st.arrays["chi1chi2.chi2_0.ep"] == 0.0)


def test_bad_input(card) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError):
        build_event_sample(card, "dirac", 0.3, 0.1, 0.14)
    with pytest.raises(ParameterError):
        build_event_sample(card, "idm", 0.3, 0.1, 0.05)
    with pytest.raises(ParameterError):
        build_event_sample(card, "idm", 0.3, 0.1, 0.14, n_events=0)
    with pytest.raises(ParameterError):
        build_event_sample(card, "idm", -0.3, 0.1, 0.14)


# --------------------------------------------------------------------------------------------------
# shared A' production (issue 12, deliverable 4)
# --------------------------------------------------------------------------------------------------
def test_shared_production_changes_only_the_production_stream(card) -> None:  # type: ignore[no-untyped-def]
    """build_event_sample(ap_sample=P) draws the chi decays from the mass point's own channel streams: with P the
    very production a sample makes for itself (child 0 of its seed), every array is bit-identical to that sample,
    and the content key says where the production came from."""
    own = build_event_sample(card, "idm", 0.3, 0.1, 0.14, n_events=150, seed=5, processes=("brem",))
    prod = simulate_production(card, 0.3, 150, np.random.SeedSequence(5, spawn_key=(0,)), ("brem",))
    shared = build_event_sample(card, "idm", 0.3, 0.1, 0.14, n_events=150, seed=5, processes=("brem",), ap_sample=prod)
    assert set(shared.arrays) == set(own.arrays)
    for k in own.arrays:
        assert np.array_equal(shared.arrays[k], own.arrays[k]), k
    assert shared.meta["production_stream"] == {"seed": 5, "spawn_key": [0]}
    assert "production_stream" not in own.meta
    assert shared.content_key() != own.content_key()


def test_one_production_serves_every_chi_mass_pair(card) -> None:  # type: ignore[no-untyped-def]
    """One production per m_A' for several (m_chi1, m_chi2): identical A' arrays, decays per mass point, and each
    sample's kinematics exact for its own masses (chi2 on shell, m_ee <= m_chi2 - m_chi1, E_chi2 < E_A')."""
    prod = simulate_production(card, 0.3, 300, production_seed(7, 0.3), ("brem",))
    samples = [
        build_event_sample(card, "idm", 0.3, 0.1, m2, n_events=300, seed=s, processes=("brem",), ap_sample=prod)
        for m2, s in ((0.11, 1), (0.14, 2), (0.19, 3))
    ]
    for s in samples:
        for k in ("ap.E", "ap.z", "ap.weight"):
            assert np.array_equal(s.arrays[k], samples[0].arrays[k])
        p4 = s.arrays["chi1chi2.chi2_0.p4"]
        mass2 = p4[:, 0] ** 2 - np.sum(p4[:, 1:] ** 2, axis=1)
        np.testing.assert_allclose(np.sqrt(mass2), s.m_chi2, rtol=1e-6)
        pee = s.arrays["chi1chi2.chi2_0.ep"] + s.arrays["chi1chi2.chi2_0.em"]
        m_ee = np.sqrt(np.maximum(pee[:, 0] ** 2 - np.sum(pee[:, 1:] ** 2, axis=1), 0.0))
        assert np.all(m_ee <= (s.m_chi2 - s.m_chi1) * (1 + 1e-6))
        assert np.all(m_ee >= 2 * m_e * (1 - 1e-6))
        assert np.all(p4[:, 0] < s.arrays["ap.E"])
    assert not np.array_equal(samples[0].arrays["chi1chi2.chi2_0.ep"], samples[1].arrays["chi1chi2.chi2_0.ep"])
    assert len({s.content_key() for s in samples}) == 3


def test_shared_production_yield_agrees_with_an_own_production_within_mc_error(card) -> None:  # type: ignore[no-untyped-def]
    """The shared stream is just another seed: the A' yield per EOT of the production on production_seed and of a
    sample's own production agree within 4 combined standard deviations (their meta ``rel_error``)."""
    a = simulate_production(card, 0.1, 400, production_seed(20231, 0.1), ("brem",))
    b = simulate_production(card, 0.1, 400, np.random.SeedSequence(20231, spawn_key=(1, 2, 3, 0)), ("brem",))
    ya, yb = a.yield_per_eot(), b.yield_per_eot()
    sigma = np.hypot(ya * a.relative_error(), yb * b.relative_error())
    assert min(ya, yb) > 0
    assert np.isfinite(sigma)
    assert sigma > 0
    assert abs(ya - yb) < 4 * sigma
    assert a.meta["stream"]["spawn_key"][-1] == PRODUCTION_STREAM_TAG


def test_production_seed_is_a_function_of_seed_and_m_ap_only() -> None:
    a, b = production_seed(3, 0.2), production_seed(3, 0.2)
    assert np.array_equal(a.generate_state(4), b.generate_state(4))
    assert not np.array_equal(a.generate_state(4), production_seed(4, 0.2).generate_state(4))
    assert not np.array_equal(a.generate_state(4), production_seed(3, 0.2000001).generate_state(4))
    with pytest.raises(ParameterError, match="seed"):
        production_seed(-1, 0.2)
    with pytest.raises(ParameterError, match="m_Ap"):
        production_seed(1, -0.2)
