"""semivis.stats: exact Poisson CLs limits, one bin and multibin."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from semivis.errors import ParameterError
from semivis.stats import (
    background_prior,
    cls,
    cls_multibin,
    multibin_table,
    upper_limit,
    upper_limit_multibin,
)

LN10 = math.log(10.0)


@pytest.mark.parametrize("b", [0.0, 0.1, 0.53, 3.0, 20.0])
@pytest.mark.parametrize("prior", ["gauss", "lognormal"])
def test_zero_observed_is_ln10_for_any_background(b: float, prior: str) -> None:
    # CLs = exp(-s) at n_obs = 0 (the background cancels in the ratio): s_up = ln 10
    assert upper_limit(0, b, 0.3 * b, prior=prior) == pytest.approx(LN10, abs=1e-9)


def test_pyhf_counterexample_exact_value() -> None:
    # physics.md Sect. 5: n = 0, b = 0.1 +- 0.03 -> 2.30 exactly (pyhf's asymptotic calculator: 1.46)
    s_up = upper_limit(0, 0.1, 0.03)
    assert s_up == pytest.approx(2.30, abs=0.005)
    assert abs(s_up - 1.46) > 0.8


@pytest.mark.parametrize(("n", "expected"), [(1, 3.8897), (2, 5.3223), (3, 6.6808), (5, 9.2747)])
def test_background_free_is_classical_poisson_limit(n: int, expected: float) -> None:
    # b = 0: CLs = CL_{s+b}; classical 90 % upper limits (PDG 2022, Table 40.3)
    assert upper_limit(n, 0.0) == pytest.approx(expected, abs=2e-4)


def test_cls_at_limit_equals_alpha() -> None:
    s = upper_limit(2, 1.2, 0.4)
    assert cls(s, 2, 1.2, 0.4) == pytest.approx(0.1, abs=1e-9)
    assert upper_limit(2, 1.2, 0.4, cl=0.95) > s


def test_monotonic_in_background_and_counts() -> None:
    bs = [0.0, 0.2, 0.5, 1.0, 2.0, 4.0]
    for n in (1, 2, 4):
        lims = [upper_limit(n, b, 0.2 * b) for b in bs]
        assert all(a > c for a, c in itertools.pairwise(lims)), lims  # more background: lower s_up
    for b in (0.0, 0.53, 3.0):
        lims = [upper_limit(n, b, 0.3 * b) for n in range(6)]
        assert all(a < c for a, c in itertools.pairwise(lims)), lims  # more events: higher s_up


def test_background_uncertainty_weakens_limit_with_events() -> None:
    # a wider background prior makes a low background less certain -> weaker (higher) limit for n = 1, b = 1
    assert upper_limit(1, 1.0, 0.5) > upper_limit(1, 1.0, 0.0)
    # the two priors agree for small relative uncertainty
    assert upper_limit(3, 2.0, 0.1) == pytest.approx(upper_limit(3, 2.0, 0.1, prior="lognormal"), rel=1e-3)


def test_prior_moments() -> None:
    nodes, w = background_prior(2.0, 0.3, "lognormal")
    assert nodes @ w == pytest.approx(2.0, rel=1e-9)
    assert math.sqrt(w @ (nodes - 2.0) ** 2) == pytest.approx(0.3, rel=1e-6)
    nodes, w = background_prior(2.0, 0.3, "gauss")  # truncation negligible at 6.7 sigma
    assert nodes @ w == pytest.approx(2.0, rel=1e-9)
    nodes, _ = background_prior(0.1, 0.2, "gauss")  # truncated at 0
    assert nodes.min() >= 0.0


def _toy_cls(
    s: float, n_obs: int, b: float, sb: float, *, n_toys: int, rng: np.random.Generator
) -> tuple[float, float]:
    def draw_b() -> np.ndarray:
        out = rng.normal(b, sb, size=n_toys)
        bad = out < 0
        while bad.any():  # truncated Gaussian by rejection
            out[bad] = rng.normal(b, sb, size=int(bad.sum()))
            bad = out < 0
        return out

    n_sb = rng.poisson(s + draw_b())
    n_b = rng.poisson(draw_b())
    p_sb = float(np.mean(n_sb <= n_obs))
    p_b = float(np.mean(n_b <= n_obs))
    value = p_sb / p_b
    err = value * math.sqrt((1 - p_sb) / (p_sb * n_toys) + (1 - p_b) / (p_b * n_toys))
    return value, err


@pytest.mark.parametrize(("n_obs", "b", "sb"), [(2, 1.5, 0.5), (1, 0.53, 0.17), (4, 3.0, 1.0)])
def test_exact_agrees_with_toy_mc(n_obs: int, b: float, sb: float) -> None:
    rng = np.random.default_rng(np.random.SeedSequence(2024))
    s_up = upper_limit(n_obs, b, sb)
    value, err = _toy_cls(s_up, n_obs, b, sb, n_toys=200_000, rng=rng)
    assert abs(value - 0.1) < 4 * err, (value, err)


def test_multibin_zero_observed_any_split() -> None:
    for f in (0.0, 0.1, 0.5, 0.9, 1.0):
        assert upper_limit_multibin([0, 0], [0.19, 0.53], [0.07, 0.17], [f, 1 - f]) == pytest.approx(LN10)


@pytest.mark.parametrize("n_obs", [(1, 0), (2, 1), (0, 3)])
def test_multibin_degenerate_split_is_single_bin(n_obs: tuple[int, int]) -> None:
    b, sb = (0.19, 0.53), (0.07, 0.17)
    assert upper_limit_multibin(n_obs, b, sb, [1.0, 0.0]) == pytest.approx(upper_limit(n_obs[0], b[0], sb[0]), rel=1e-6)
    assert upper_limit_multibin(n_obs, b, sb, [0.0, 1.0]) == pytest.approx(upper_limit(n_obs[1], b[1], sb[1]), rel=1e-6)


def test_multibin_toy_mc() -> None:
    # brute-force CLs with the LEP likelihood-ratio statistic, fixed seed, within 4 sigma
    n_obs, b, sb, f = np.array([1, 1]), np.array([0.19, 0.53]), np.array([0.07, 0.17]), np.array([0.4, 0.6])
    s = upper_limit_multibin(n_obs, b, sb, f)
    rng = np.random.default_rng(np.random.SeedSequence(7))
    n_toys = 200_000

    def draw(mu_s: np.ndarray) -> np.ndarray:
        bb = rng.normal(b, sb, size=(n_toys, 2))
        while (bb < 0).any():
            neg = bb < 0
            bb[neg] = rng.normal(np.broadcast_to(b, bb.shape)[neg], np.broadcast_to(sb, bb.shape)[neg])
        return rng.poisson(mu_s + bb)

    slope = np.log1p(s * f / b)
    q_obs = n_obs @ slope
    p_sb = float(np.mean(draw(s * f) @ slope <= q_obs + 1e-12))
    p_b = float(np.mean(draw(np.zeros(2)) @ slope <= q_obs + 1e-12))
    value = p_sb / p_b
    err = value * math.sqrt((1 - p_sb) / (p_sb * n_toys) + (1 - p_b) / (p_b * n_toys))
    assert abs(value - 0.1) < 4 * err, (value, err)
    assert cls_multibin(s, n_obs, b, sb, f) == pytest.approx(0.1, abs=1e-6)


def test_multibin_table_interpolates_exact() -> None:
    n_obs, b, sb = [0, 1], [0.19, 0.53], [0.07, 0.17]
    table = multibin_table(n_obs, b, sb, n_points=11)
    for f in (0.03, 0.61, 0.97):
        assert table(f) == pytest.approx(upper_limit_multibin(n_obs, b, sb, [f, 1 - f]), rel=3e-3)
    out = table(np.array([0.0, 1.0]))
    assert out[0] == pytest.approx(upper_limit(1, 0.53, 0.17), rel=1e-6)
    assert out[1] == pytest.approx(LN10, rel=1e-6)
    assert np.all(multibin_table([0, 0], b, sb, n_points=5)(np.linspace(0, 1, 7)) == pytest.approx(LN10))


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: upper_limit(-1), "n_obs"),
        (lambda: upper_limit(1.5), "n_obs"),
        (lambda: upper_limit(1, -0.1), "b"),
        (lambda: upper_limit(1, 0.5, -1.0), "sigma_b"),
        (lambda: upper_limit(1, 0.5, 0.1, cl=1.0), "cl"),
        (lambda: upper_limit(1, 0.5, 0.1, prior="flat"), "prior"),
        (lambda: upper_limit_multibin([0, 1], [0.1, 0.2], [0, 0], [0.5, 0.6]), "fractions"),
        (lambda: multibin_table([0, 1, 2], [0.1] * 3, [0.0] * 3), "n_obs"),
        (lambda: multibin_table([0, 1], [0.1] * 2, [0.0] * 2)(1.2), "fraction"),
    ],
)
def test_bad_input_names_parameter(call: object, name: str) -> None:
    with pytest.raises(ParameterError) as err:
        call()  # type: ignore[operator]
    assert err.value.name == name
