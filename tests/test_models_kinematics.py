"""Kinematics kernels (semivis.models.kinematics): the one Lorentz boost against hand values, invariants and the
numpy form it replaced."""

from __future__ import annotations

import numpy as np
import pytest

from semivis.errors import ParameterError
from semivis.models.kinematics import BETA2_MAX, boost, boost_from_rest_frame


def _boost_numpy(p: np.ndarray, P: np.ndarray) -> np.ndarray:
    """The vectorised numpy form of the Lorentz boost (Jackson Eq. 11.19) that boost's kernel replaced."""
    bvec = P[:, 1:] / P[:, :1]
    b2 = np.minimum(np.einsum("ij,ij->i", bvec, bvec), BETA2_MAX)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.einsum("ij,ij->i", bvec, p[:, 1:])
    coef = np.where(b2 > 0.0, (gamma - 1.0) * bp / np.where(b2 > 0.0, b2, 1.0), 0.0) + gamma * p[:, 0]
    return np.column_stack([gamma * (p[:, 0] + bp), p[:, 1:] + coef[:, None] * bvec])


def test_boost_is_a_lorentz_transformation() -> None:
    """boost keeps every invariant mass, takes a particle at rest to the parent's momentum, is undone by the boost
    with the opposite velocity, and agrees with the numpy form it replaced (to rounding; bit for bit where numpy's
    einsum adds in the kernel's order, as on the x86-64 builds the samples were made with); a parent at rest (beta
    = 0) leaves p unchanged."""
    rng = np.random.default_rng(3)
    n, m_parent, m_child = 20000, 0.3, 0.1
    pp = rng.normal(size=(n, 3)) * rng.exponential(30.0, size=(n, 1))
    P = np.column_stack([np.sqrt(m_parent**2 + np.sum(pp**2, axis=1)), pp])
    q = rng.normal(size=(n, 3)) * 0.1
    p = np.column_stack([np.sqrt(m_child**2 + np.sum(q**2, axis=1)), q])
    out = boost_from_rest_frame(p, P)
    mass2 = out[:, 0] ** 2 - np.sum(out[:, 1:] ** 2, axis=1)
    np.testing.assert_allclose(mass2, m_child**2, rtol=0.0, atol=1e-9 * np.max(out[:, 0] ** 2))
    rest = np.tile([m_parent, 0.0, 0.0, 0.0], (n, 1))
    # gamma = 1/sqrt(1 - beta^2) carries ~gamma^2 x 1e-16 of rounding (gamma up to ~1e3 here)
    np.testing.assert_allclose(boost_from_rest_frame(rest, P), P, rtol=2e-9, atol=0.0)
    back = boost_from_rest_frame(out, P * np.array([1.0, -1.0, -1.0, -1.0]))
    np.testing.assert_allclose(back, p, rtol=0.0, atol=1e-8 * np.max(out[:, 0]))
    ref = _boost_numpy(p, P)
    np.testing.assert_allclose(out, ref, rtol=0.0, atol=1e-13 * np.max(np.abs(ref)))
    np.testing.assert_array_equal(boost_from_rest_frame(p, np.tile([m_parent, 0.0, 0.0, 0.0], (n, 1))), p)
    with pytest.raises(ParameterError, match="p"):
        boost_from_rest_frame(p[:, :3], P)


def test_boost_by_velocity_invariants_and_inverse() -> None:
    """boost by random velocities keeps the invariant mass, the opposite velocity undoes it, one velocity (3,)
    equals the same velocity on every row, and a boost along z by beta = 0.6 of a particle at rest gives
    (gamma m, 0, 0, gamma beta m) = (1.25, 0, 0, 0.75) m."""
    rng = np.random.default_rng(1)
    p = rng.normal(size=(50, 3))
    m = 0.3
    p4 = np.column_stack([np.sqrt(m * m + (p * p).sum(1)), p])
    beta = rng.uniform(-0.5, 0.5, size=(50, 3))
    out = boost(p4, beta)
    np.testing.assert_allclose(out[:, 0] ** 2 - (out[:, 1:] ** 2).sum(1), m * m, rtol=1e-10)
    np.testing.assert_allclose(boost(out, -beta), p4, atol=1e-12)
    np.testing.assert_array_equal(boost(p4, beta[0]), boost(p4, np.tile(beta[0], (50, 1))))
    np.testing.assert_allclose(boost([[m, 0.0, 0.0, 0.0]], [0.0, 0.0, 0.6]), [[1.25 * m, 0.0, 0.0, 0.75 * m]])


@pytest.mark.parametrize(
    ("p", "beta", "name"),
    [
        (np.ones((3, 3)), np.zeros((3, 3)), "p"),
        (np.ones((3, 4)), np.zeros((2, 3)), "beta"),
        (np.ones((3, 4)), np.array([0.0, 0.0, 1.5]), "beta"),
        (np.ones((3, 4)), np.array([0.0, np.nan, 0.1]), "beta"),
    ],
)
def test_boost_bad_input(p: np.ndarray, beta: np.ndarray, name: str) -> None:
    with pytest.raises(ParameterError, match=name):
        boost(p, beta)
