"""Summary numbers of the figures as pure functions of polylines, on synthetic curves with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from semivis.errors import ParameterError
from semivis.figures.summary import (
    band_covered_intervals,
    band_excluded_up_to,
    inside_intervals_at,
    line_covered_intervals,
    line_probed_up_to,
    min_allowed_mass,
    points_inside,
)
from semivis.scan.contours import exclusion_rings, projection_lines


def box(x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]])


FLAT = np.array([[1e-3, 1e-4], [10.0, 1e-4]])  # a horizontal line at y = 1e-4


def test_single_box_line_and_band() -> None:
    rings = [box(1e-2, 0.5, 1e-6, 1e-2)]
    assert line_probed_up_to(rings, FLAT) == pytest.approx(0.5, rel=1e-9)
    lo, hi = FLAT * [1, 0.5], FLAT * [1, 2.0]
    assert band_excluded_up_to(rings, lo, hi) == pytest.approx(0.5, rel=1e-9)
    iv = band_covered_intervals(rings, lo, hi)
    assert iv[0][0] == pytest.approx(1e-2, rel=1e-9)


def test_islands_lowest_interval_wins() -> None:
    rings = [box(1e-2, 0.1, 1e-6, 1e-2), box(0.3, 2.0, 1e-6, 1e-2)]  # two islands
    iv = line_covered_intervals(rings, FLAT)
    assert [(round(a, 9), round(b, 9)) for a, b in iv] == [(0.01, 0.1), (0.3, 2.0)]
    assert line_probed_up_to(rings, FLAT) == pytest.approx(0.1, rel=1e-9)
    # an island narrower than min_width (decades) is ignored
    rings2 = [box(1e-2, 1.02e-2, 1e-6, 1e-2), box(0.3, 2.0, 1e-6, 1e-2)]
    assert line_probed_up_to(rings2, FLAT, min_width=0.05) == pytest.approx(2.0, rel=1e-9)


def test_hole_even_odd() -> None:
    # excluded box with a hole between 0.1 and 0.2 GeV around the line: the line leaves at 0.1
    rings = [box(1e-2, 1.0, 1e-6, 1e-2), box(0.1, 0.2, 1e-5, 1e-3)]
    assert not points_inside(rings, [[0.15, 1e-4]])[0]
    assert points_inside(rings, [[0.15, 1e-2 * 0.9]])[0]
    assert line_probed_up_to(rings, FLAT) == pytest.approx(0.1, rel=1e-9)
    assert [(round(a, 9), round(b, 9)) for a, b in line_covered_intervals(rings, FLAT)] == [(0.01, 0.1), (0.2, 1.0)]
    ivs = inside_intervals_at(rings, 0.15)
    assert len(ivs) == 2


def test_several_crossings_of_a_sloped_line() -> None:
    # a zig-zag exclusion boundary y_max(x) crossed several times by a rising line
    xs = np.geomspace(1e-2, 1.0, 9)
    top = np.array([1e-3, 1e-2, 1e-3, 1e-2, 1e-3, 1e-2, 1e-3, 1e-2, 1e-3])
    ring = np.vstack([np.column_stack([xs, top]), [[1.0, 1e-7], [1e-2, 1e-7], [1e-2, 1e-3]]])
    line = np.array([[1e-2, 2e-3], [1.0, 2e-3]])  # crosses the zig-zag 8 times
    iv = line_covered_intervals([ring], line)
    assert len(iv) == 4
    # first exit where the boundary falls from 1e-2 (x = xs[1]) to 1e-3 (x = xs[2]) through 2e-3 (log interpolation)
    t = np.log10(1e-2 / 2e-3) / np.log10(1e-2 / 1e-3)
    x_exit = 10 ** (np.log10(xs[1]) + t * (np.log10(xs[2]) - np.log10(xs[1])))
    assert line_probed_up_to([ring], line) == pytest.approx(x_exit, rel=1e-6)


def test_band_partially_covered_is_not_excluded() -> None:
    rings = [box(1e-2, 1.0, 1e-6, 1e-3)]
    lo = np.array([[1e-2, 1e-4], [1.0, 1e-4]])
    hi_rising = np.array([[1e-2, 2e-4], [1.0, 1e-2]])  # upper edge leaves the box at y = 1e-3
    x_cross = 10 ** (-2 + 2 * np.log10(1e-3 / 2e-4) / np.log10(1e-2 / 2e-4))
    assert band_excluded_up_to(rings, lo, hi_rising) == pytest.approx(x_cross, rel=1e-6)
    # line on the lower edge stays inside all the way
    assert line_probed_up_to(rings, lo) == pytest.approx(1.0, rel=1e-9)


def test_band_with_gap_in_exclusion_column() -> None:
    # the exclusion is two stacked slabs with a horizontal gap: a band straddling the gap is never fully covered
    rings = [box(1e-2, 1.0, 1e-6, 1e-4), box(1e-2, 1.0, 2e-4, 1e-2)]
    lo, hi = np.array([[1e-2, 5e-5], [1.0, 5e-5]]), np.array([[1e-2, 5e-3], [1.0, 5e-3]])
    assert band_excluded_up_to(rings, lo, hi) is None
    # adjacent slabs sharing an edge are merged: the band is covered
    rings2 = [box(1e-2, 1.0, 1e-6, 1e-4), box(1e-2, 1.0, 1e-4, 1e-2)]
    assert band_excluded_up_to(rings2, lo, hi) == pytest.approx(1.0, rel=1e-9)


def test_nothing_excluded_and_x_range() -> None:
    assert line_probed_up_to([], FLAT) is None
    rings = [box(1e-2, 0.5, 1e-6, 1e-2)]
    assert line_probed_up_to(rings, FLAT, x_range=(0.02, 0.3)) == pytest.approx(0.3, rel=1e-9)
    assert min_allowed_mass(rings, FLAT) == pytest.approx(0.5, rel=1e-9)
    assert line_probed_up_to(rings, FLAT, log_x=False, log_y=False) == pytest.approx(0.5, rel=1e-9)


@pytest.mark.parametrize(
    "bad",
    [np.array([1.0, 2.0]), np.array([[1.0, np.nan], [2.0, 1.0]]), np.array([[0.0, 1.0], [1.0, 1.0]])],
)
def test_bad_polylines_raise_parameter_error(bad: np.ndarray) -> None:
    with pytest.raises(ParameterError):
        line_probed_up_to([box(1e-2, 0.5, 1e-6, 1e-2)], bad)


def test_contours_from_grid_match_analytic_boundary() -> None:
    """N/s_up = (eps/eps_min(m))^2 with eps_min = 1e-5 (m/0.01): the relic line eps = 1e-4 leaves at m = 0.1."""
    m = np.geomspace(1e-2, 1.0, 41)
    eps = np.geomspace(1e-6, 1e-1, 101)
    eps_min = 1e-5 * (m / 1e-2)
    ratio = (eps[:, None] / eps_min[None, :]) ** 2
    rings = exclusion_rings(m, eps, ratio)
    relic = np.array([[1e-2, 1e-4], [1.0, 1e-4]])
    assert line_probed_up_to(rings, relic) == pytest.approx(0.1, rel=1e-6)
    lines = projection_lines(m, eps, ratio)
    assert len(lines) == 1
    assert np.allclose(lines[0][:, 1], 1e-5 * lines[0][:, 0] / 1e-2, rtol=1e-6)
    with pytest.raises(ParameterError):
        exclusion_rings(m, eps, ratio.T)
    assert exclusion_rings(m, eps, np.zeros_like(ratio)) == []
