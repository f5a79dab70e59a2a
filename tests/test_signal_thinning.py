"""Thinning the A' of each beam primary (docs/physics/detector-and-signal.md Sect. 3.2).

``semivis.production.cascade.thin_per_primary`` keeps k of a primary's ~12 A' by systematic sampling on its
cumulative weight, each at weight W_c n_e / k: unbiased, every primary's total weight kept exactly. The scans keep
``semivis.scan.spec.DEFAULT_AP_PER_PRIMARY`` per primary; ``None`` is the exact path (every A').
"""

from __future__ import annotations

import numpy as np
import pytest

from semivis.detector import load_card
from semivis.errors import ParameterError
from semivis.production.cascade import ApSample, thin_per_primary
from semivis.scan import ScanSpec
from semivis.scan.evaluators import SignalEvaluator
from semivis.scan.spec import DEFAULT_AP_PER_PRIMARY
from semivis.signal import build_event_sample, signal_result
from semivis.signal.events import AP_PRIMARY

EPS = np.array([1e-5, 1e-3, 1e-2])


@pytest.fixture(scope="module")
def card():  # type: ignore[no-untyped-def]
    return load_card("na64-2016-2022")


def _toy(n_prim: int, rng: np.random.Generator) -> ApSample:
    """A' samples with 0-20 A' per primary (some primaries without any), weights spread over 1e-3 .. 1."""
    counts = rng.integers(0, 21, n_prim)
    prim = np.repeat(np.arange(n_prim), counts)
    n = prim.size
    return ApSample(
        E=rng.uniform(50, 100, n),
        theta=rng.uniform(0, 1e-3, n),
        phi=rng.uniform(0, 2 * np.pi, n),
        z=rng.uniform(0, 0.4, n),
        weight=10 ** rng.uniform(-3, 0, n),
        process=np.zeros(n, dtype=np.int8),
        m_Ap=0.1,
        primary=prim,
    )


def test_thinning_keeps_each_primarys_total_weight_and_at_most_k_a_primes() -> None:
    rng = np.random.default_rng(1)
    ap = _toy(300, rng)
    for k in (1, 2, 4, 7):
        t = thin_per_primary(ap, k, np.random.default_rng(k))
        assert t.primary is not None
        assert np.all(np.diff(t.primary) >= 0)
        np.testing.assert_allclose(
            np.bincount(t.primary, t.weight, minlength=300), np.bincount(ap.primary, ap.weight, minlength=300),
            rtol=1e-12,
        )  # fmt: skip
        assert np.bincount(t.primary, minlength=300).max() <= k
        # the kept A' are A' of the sample, in their order, with their own kinematics and primary
        idx = np.flatnonzero(np.isin(ap.E, t.E))
        assert idx.size == len(t)
        for name in ("E", "theta", "phi", "z", "process", "primary"):
            np.testing.assert_array_equal(getattr(ap, name)[idx], getattr(t, name))
        assert t.meta["ap_per_primary"] == k
        assert t.meta["n_ap_unthinned"] == len(ap)


def test_thinning_is_unbiased_for_every_a_prime() -> None:
    """Systematic sampling hits A' e either floor(k w_e / W_c) or one more time, with mean k w_e / W_c: its count
    has variance f (1 - f), f the fractional part. Over 4 000 independent thinnings the mean thinned weight of each
    A' is its weight within 5 of these standard errors, and the pulls have unit variance (0.8-1.2 over ~400 A')."""
    rng = np.random.default_rng(2)
    ap = _toy(40, rng)
    k, n_rep = 3, 4000
    assert ap.primary is not None
    total = np.bincount(ap.primary, ap.weight)[ap.primary]
    acc = np.zeros(len(ap))
    index = {float(e): i for i, e in enumerate(ap.E)}
    for r in range(n_rep):
        t = thin_per_primary(ap, k, np.random.default_rng(1000 + r))
        acc[[index[float(e)] for e in t.E]] += t.weight
    frac = np.mod(k * ap.weight / total, 1.0)
    sem = total / k * np.sqrt(frac * (1.0 - frac) / n_rep)
    varies = sem > 1e-9 * ap.weight
    pull = (acc / n_rep - ap.weight)[varies] / sem[varies]
    assert varies.sum() > 300
    assert np.all(np.abs(pull) < 5.0), np.abs(pull).max()
    assert 0.8 < np.mean(pull**2) < 1.2, np.mean(pull**2)
    # an A' whose count cannot vary is kept with its weight, every time
    np.testing.assert_allclose(acc[~varies] / n_rep, ap.weight[~varies], rtol=1e-9)


def test_nothing_to_thin_returns_the_sample_and_bad_k_is_refused() -> None:
    ap = _toy(20, np.random.default_rng(3))
    assert thin_per_primary(ap, 25, np.random.default_rng(0)) is ap  # no primary has more than 20 A'
    no_index = ApSample(ap.E, ap.theta, ap.phi, ap.z, ap.weight, ap.process, ap.m_Ap)
    assert thin_per_primary(no_index, 2, np.random.default_rng(0)) is no_index
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ParameterError, match="ap_per_primary"):
            thin_per_primary(ap, bad, np.random.default_rng(0))  # type: ignore[arg-type]


def test_thinned_sample_gives_the_full_sample_where_the_a_prime_is_invisible(card) -> None:  # type: ignore[no-untyped-def]
    """At eps = 1e-5 the chi2 leaves the detector: every A' above E_min passes the missing-energy cut, each primary
    contributes its total weight, and thinning keeps that total exactly, so N_sig and its per-primary error are
    the full sample's (to rounding, and to the ~1e-6 of chi2 that decay inside), from a quarter of the events."""
    kw = {"n_events": 1000, "seed": 4, "processes": ("brem",)}
    full = build_event_sample(card, "idm", 0.3, 0.1, 0.14, **kw)
    thin = build_event_sample(card, "idm", 0.3, 0.1, 0.14, ap_per_primary=4, **kw)
    assert thin.n_events < 0.4 * full.n_events
    assert thin.meta["ap_per_primary"] == 4
    assert thin.meta["content_key"] != full.meta["content_key"]
    rf = signal_result(full, card, "missing-energy", eps=EPS[:1], alpha_D=0.1)
    rt = signal_result(thin, card, "missing-energy", eps=EPS[:1], alpha_D=0.1)
    np.testing.assert_allclose(rt.n_signal, rf.n_signal, rtol=1e-5)
    np.testing.assert_allclose(rt.mc_rel_error, rf.mc_rel_error, rtol=1e-4)
    # bit-reproducible for a seed; another seed thins otherwise
    again = build_event_sample(card, "idm", 0.3, 0.1, 0.14, ap_per_primary=4, **kw)
    np.testing.assert_array_equal(again.arrays["ap.weight"], thin.arrays["ap.weight"])
    np.testing.assert_array_equal(again.arrays["chi1chi2.chi2_0.ep"], thin.arrays["chi1chi2.chi2_0.ep"])
    with pytest.raises(ParameterError, match="ap_per_primary"):
        build_event_sample(card, "idm", 0.3, 0.1, 0.14, ap_per_primary=0, **kw)


@pytest.mark.parametrize("selection", ["missing-energy", "s1"])
def test_thinned_samples_agree_with_full_ones_and_their_error_is_their_spread(card, selection) -> None:  # type: ignore[no-untyped-def]
    """40 pairs of samples of 300 primaries (seeds 1-40), each built in full and thinned to 2 A' per primary:
    (a) the mean of N_sig(thinned) - N_sig(full) is 0 within 4 standard errors of that mean, at eps from
    invisible-like to decays in the detector (unbiased); (b) the spread of the thinned N_sig between seeds over its
    mean reported per-primary variance is 1 within its statistical spread (accepted 0.55-1.8, as in
    tests/test_signal_mc_error.py): the reported error stays honest after thinning."""
    diffs, vals, errs = [], [], []
    for seed in range(1, 41):
        kw = {"n_events": 300, "seed": seed, "processes": ("brem",)}
        full = build_event_sample(card, "idm", 0.3, 0.1, 0.14, **kw)
        thin = build_event_sample(card, "idm", 0.3, 0.1, 0.14, ap_per_primary=2, **kw)
        rf = signal_result(full, card, selection, eps=EPS, alpha_D=0.1)
        rt = signal_result(thin, card, selection, eps=EPS, alpha_D=0.1)
        diffs.append(rt.n_signal - rf.n_signal)
        vals.append(rt.n_signal)
        errs.append(rt.n_signal * rt.mc_rel_error)
    d = np.array(diffs)
    sem = np.std(d, axis=0, ddof=1) / np.sqrt(d.shape[0])
    assert np.all(np.abs(d.mean(axis=0)) <= 4 * sem + 1e-9 * np.abs(np.mean(vals, axis=0))), (d.mean(axis=0), sem)
    ratio = np.var(np.array(vals), axis=0, ddof=1) / np.mean(np.array(errs) ** 2, axis=0)
    assert np.all((ratio > 0.55) & (ratio < 1.8)), ratio


def test_scans_thin_by_default_and_keep_the_exact_path(card) -> None:  # type: ignore[no-untyped-def]
    spec = ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2, experiment="na64-2016-2022", processes=("brem",))
    assert spec.ap_per_primary == DEFAULT_AP_PER_PRIMARY
    exact = ScanSpec.from_ranges(
        "idm", "mAp-eps", nx=2, ny=2, experiment="na64-2016-2022", processes=("brem",), ap_per_primary=None
    )
    masses = (0.3, 0.1, 0.14)
    seed = np.random.SeedSequence(9)
    s_default = SignalEvaluator().for_spec(spec).build_sample(spec.experiment, "idm", masses, 300, seed)
    s_exact = SignalEvaluator().for_spec(exact).build_sample(spec.experiment, "idm", masses, 300, seed)
    assert s_default.meta["ap_per_primary"] == DEFAULT_AP_PER_PRIMARY
    assert "ap_per_primary" not in s_exact.meta
    assert np.bincount(s_default.arrays[AP_PRIMARY]).max() <= DEFAULT_AP_PER_PRIMARY
    assert s_exact.n_events > 2 * s_default.n_events
    with pytest.raises(ParameterError, match="--ap-per-primary"):
        ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2, ap_per_primary=0)


def test_the_environment_selects_the_exact_path_for_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    """``SEMIVIS_AP_PER_PRIMARY`` sets the default of every spec (a figure's cache key holds every ``SEMIVIS_*``
    switch); a bad value is one error naming the variable."""
    kw = {"nx": 2, "ny": 2, "experiment": "na64-2016-2022"}
    monkeypatch.setenv("SEMIVIS_AP_PER_PRIMARY", "all")
    assert ScanSpec.from_ranges("idm", "mAp-eps", **kw).ap_per_primary is None
    monkeypatch.setenv("SEMIVIS_AP_PER_PRIMARY", "2")
    assert ScanSpec.from_ranges("idm", "mAp-eps", **kw).ap_per_primary == 2
    monkeypatch.setenv("SEMIVIS_AP_PER_PRIMARY", "many")
    with pytest.raises(ParameterError, match="SEMIVIS_AP_PER_PRIMARY"):
        ScanSpec.from_ranges("idm", "mAp-eps", **kw)
    monkeypatch.delenv("SEMIVIS_AP_PER_PRIMARY")
    assert ScanSpec.from_ranges("idm", "mAp-eps", **kw).ap_per_primary == DEFAULT_AP_PER_PRIMARY
