"""The beam-dump engine's numba kernels against hand calculations: the pair acceptance (Lorentz boost, straight
flight to the detector face, energy threshold) and the decay-in-volume sums (exponential decay law)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from semivis.beamdump import _kernels


def _pair(e_star: float, k: float) -> tuple[np.ndarray, np.ndarray]:
    """Rest-frame l- and l+ back to back along x (massive leptons: E* > k)."""
    return np.array([[e_star, k, 0.0, 0.0]]), np.array([[e_star, -k, 0.0, 0.0]])


@pytest.mark.parametrize("circle", [False, True])
def test_pair_accepted_matches_the_hand_geometry(circle: bool) -> None:
    """chi2 along +z with velocity b; leptons back to back along x in its rest frame. In the lab each has
    E = gamma E*, p_x = +-k, p_z = gamma b E*, so from the decay point at z_d it reaches the detector plane at
    x = +-k (L - z_d) / (gamma b E*). Both hit (and the pair passes a threshold between gamma E* and 2 gamma E*)
    exactly for the slices where that is below the half width a."""
    b, e_star, k = 0.99, 0.05, 0.03
    gam = 1.0 / math.sqrt(1.0 - b * b)
    det_z, a = 100.0, 0.5
    z_d = np.array([[10.0, 40.0, 70.0, 95.0]])
    lm, lp = _pair(e_star, k)
    acc = _kernels.pair_accepted(
        lm, lp, np.array([[0.0, 0.0, b]]), np.array([[0.0, 0.0, 1.0]]), np.array([0.0]), z_d, det_z, circle, a,
        0.0, 1.5 * gam * e_star,
    )  # fmt: skip
    x_hit = k * (det_z - z_d[0]) / (gam * b * e_star)
    expected = (x_hit < a).astype(float)
    assert 0.0 < expected.sum() < expected.size  # the case separates slices that pass and fail
    np.testing.assert_array_equal(acc[0], expected)
    # a threshold above the pair's energy accepts nothing; one below a single lepton's keeps the same slices
    for thr, want in ((2.0 * gam * e_star * (1 + 1e-9), 0.0 * expected), (0.5 * gam * e_star, expected)):
        got = _kernels.pair_accepted(
            lm, lp, np.array([[0.0, 0.0, b]]), np.array([[0.0, 0.0, 1.0]]), np.array([0.0]), z_d, det_z, circle, a,
            0.0, thr,
        )  # fmt: skip
        np.testing.assert_array_equal(got[0], want)


def test_pair_accepted_offset_face_sees_one_lepton_and_backward_leptons_never() -> None:
    """A face offset along +x by more than its half width sees only the l- (p_x > 0) where it lands inside;
    a lepton moving backward in the lab never counts, and a chi2 moving backward is never accepted."""
    b, e_star, k = 0.99, 0.05, 0.03
    gam = 1.0 / math.sqrt(1.0 - b * b)
    det_z, a = 100.0, 0.2
    z_d = np.array([[10.0]])
    x_hit = k * (det_z - 10.0) / (gam * b * e_star)
    lm, lp = _pair(e_star, k)
    args = (np.array([[0.0, 0.0, b]]), np.array([[0.0, 0.0, 1.0]]), np.array([0.0]), z_d, det_z, False, a)
    assert _kernels.pair_accepted(lm, lp, *args, x_hit, 0.9 * gam * e_star)[0, 0] == 1.0  # l- alone
    assert _kernels.pair_accepted(lm, lp, *args, x_hit, 1.1 * gam * e_star)[0, 0] == 0.0  # not both
    # chi2 slow (b = 0.1) and the leptons along -z in its frame with k >> b E*: both move backward in the lab
    back = np.array([[e_star, 0.0, 0.0, -0.04]])
    slow = (np.array([[0.0, 0.0, 0.1]]), np.array([[0.0, 0.0, 1.0]]), np.array([0.0]), z_d, det_z, False, 10.0)
    assert _kernels.pair_accepted(back, back, *slow, 0.0, 1e-9)[0, 0] == 0.0
    # a chi2 moving backward never reaches a decay slice downstream
    rev = (np.array([[0.0, 0.0, -b]]), np.array([[0.0, 0.0, -1.0]]), np.array([0.0]), z_d, det_z, False, 10.0)
    assert _kernels.pair_accepted(lm, lp, *rev, 0.0, 1e-9)[0, 0] == 0.0


def test_decay_sums_equal_the_decay_law_slice_by_slice() -> None:
    """The recursion over equal slices equals the decay law evaluated per slice,
    exp(-(e_k - z0)/L) (1 - exp(-w/L)), to 1e-12 relative, from L << w to L >> the volume."""
    rng = np.random.default_rng(3)
    n, k_n = 300, 12
    p_over_m = rng.uniform(1.0, 1e4, n)
    z0 = rng.uniform(0.0, 0.5, n)
    weight = rng.random(n)
    acc = (rng.random((n, k_n)) < 0.4).astype(float)
    edges = np.linspace(20.0, 400.0, k_n + 1)
    ctau = np.geomspace(1e-3, 1e9, 40)
    got = _kernels.decay_sums(p_over_m, z0, weight, acc, edges, ctau)
    L = p_over_m[:, None, None] * ctau[None, :, None]
    w = edges[1] - edges[0]
    per_slice = np.exp(-(edges[None, None, :-1] - z0[:, None, None]) / L) * -np.expm1(-w / L)
    want = np.einsum("i,ijk,ik->j", weight, per_slice, acc)
    ok = want > 1e-250
    assert ok.sum() > 30
    np.testing.assert_allclose(got[ok], want[ok], rtol=1e-12)
    # long-lived limit: P(decay in the volume) -> (e_K - e_0)/L per particle
    far = _kernels.decay_sums(p_over_m, z0, weight, np.ones((n, k_n)), edges, np.array([1e12]))[0]
    assert far == pytest.approx(float(np.sum(weight * (edges[-1] - edges[0]) / (p_over_m * 1e12))), rel=1e-8)


def test_decay_sums_refuse_unequal_slices() -> None:
    edges = np.array([0.0, 1.0, 3.0])
    with pytest.raises(ValueError, match="uniformly"):
        _kernels.decay_sums(np.ones(2), np.zeros(2), np.ones(2), np.ones((2, 2)), edges, np.array([1.0]))
