"""Adaptive per-cell scans: a pilot sample for every cell, full statistics where the exclusion contour is.

In a per-cell plane (the chi masses change along y, e.g. (m_chi1, Delta/m_chi1)) every cell needs its own chi2
decays and detector response; at publication statistics that is hours of CPU per figure (docs/performance.md,
"Per-cell planes"). Most cells are far from the contour: their N_sig is orders of magnitude above or below s_up,
and a sample of a few percent of the primaries tells that as surely as the full one. ``ScanSpec.pilot_events``
makes the scan adaptive (issue 12, item 4):

1. **Pilot.** Every cell with a sample is computed with ``pilot_events`` primaries (on the same seed scheme as
   any scan: the per-m_A' production stream and the cell's own decay streams), with its Monte Carlo error sigma
   (``Evaluator.n_sig_with_error``: the standard error over the beam primaries and, as a floor, the most one
   event can carry).
   With a ladder of pilots (``pilot_events`` an increasing tuple, e.g. (312, 1250)), each later pilot computes,
   with its own primaries, the cells the one before leaves undecided (step 2), and its value and error replace
   the earlier ones: most cells are decided by the cheapest pilot, and only the band around the contour pays
   for the larger ones. A cell kept is one some pilot decided; with L pilots the chance that a kept cell is on
   the wrong side is at most L times the one-pilot chance below (a union bound over the looks).
2. **Undecided cells.** For every statistic the scan reports (each EOT of each selection), a pilot cell is
   *decided* when N - z sigma >= s_up,max or N + z sigma < s_up,min, with z = :data:`PILOT_Z` = 5 and s_up,min/max
   the smallest and largest upper limit the selection can have (one value for one bin; the range of the
   multibin table for ``s1+s2``, whose s_up depends on the bin fractions). Cells the last pilot leaves undecided
   get full statistics.
3. **Cells of the contour.** The contour is traced by marching squares (``contourpy``) on the cell values: a quad
   (2 x 2 cells) contributes a segment only when its four corners are not all on one side of s_up, and then its
   segment depends on all four values. Every corner of such a quad gets full statistics; since a recomputed cell
   can change side, this repeats with the new values until no quad with mixed sides has a pilot corner.

Then every quad the contour crosses has its four corners at full statistics, each computed exactly as the
non-adaptive scan computes it (same samples, same code path): the contours, the ``excluded`` grids and the
summaries equal the full scan's, provided each pilot cell kept is on the side of s_up the pilot says. That holds
unless a cell's pilot N is off by more than 5 sigma (probability ~6e-7 per cell and statistic for a Gaussian
estimate; the test ``tests/test_scan_adaptive.py`` compares whole grids). sigma is the standard error over the
beam primaries (docs/physics/detector-and-signal.md, Sect. 3.1): before 2026-12-03 it was the per-event error,
~2x smaller, which made the 5-sigma margin ~2.4 true sigma. The N_sig of a pilot cell is the
pilot's estimate: the result says which cells are which (``n_events_cell``) and counts them in its provenance.

The functions here are the decisions, on arrays; :mod:`semivis.scan.runner` runs the passes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["PILOT_Z", "contour_corners", "undecided"]

#: how many standard deviations a pilot value must be from s_up for its cell to keep the pilot (module docstring)
PILOT_Z = 5.0


def undecided(
    n: NDArray[np.float64], sigma: NDArray[np.float64], s_up_min: float, s_up_max: float, z: float = PILOT_Z
) -> NDArray[np.bool_]:
    """Cells whose N (with standard error ``sigma``; inf: unknown) is within ``z`` sigma of [s_up_min, s_up_max].

    >>> undecided(np.array([100.0, 2.4, 0.01, 0.0]), np.array([1.0, 0.1, 0.001, np.inf]), 2.3, 2.3).tolist()
    [False, True, False, True]
    """
    n = np.asarray(n, dtype=np.float64)
    sigma = np.asarray(sigma, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        above = n - z * sigma >= s_up_max
        below = n + z * sigma < s_up_min
    return ~(above | below)


def contour_corners(excluded: NDArray[np.bool_], mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Cells (y, x) of ``mask`` that are a corner of a quad marching squares draws a contour segment in: a quad
    whose cells inside ``mask`` are at least three (``contourpy``'s default ``corner_mask``: a quad with one cell
    outside is drawn in the triangle of the other three; :func:`semivis.scan.contours.exclusion_rings`) and not
    all equal in ``excluded``.

    >>> ex = np.array([[0, 0, 0], [0, 1, 0], [0, 0, 0]], dtype=bool)
    >>> contour_corners(ex, np.ones((3, 3), dtype=bool)).astype(int).tolist()
    [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
    >>> ex = np.array([[0, 0, 0, 1], [0, 0, 0, 1]], dtype=bool)
    >>> contour_corners(ex, np.ones((2, 4), dtype=bool)).astype(int).tolist()
    [[0, 0, 1, 1], [0, 0, 1, 1]]
    >>> contour_corners(ex, np.array([[1, 1, 1, 1], [1, 1, 0, 1]], dtype=bool)).astype(int).tolist()
    [[0, 0, 1, 1], [0, 0, 0, 1]]
    """
    ex = np.asarray(excluded, dtype=np.bool_)
    ok = np.asarray(mask, dtype=np.bool_)
    views = ((slice(None, -1), slice(None, -1)), (slice(1, None), slice(None, -1)),
             (slice(None, -1), slice(1, None)), (slice(1, None), slice(1, None)))  # fmt: skip
    count = sum(ok[v].astype(np.int8) for v in views)
    any_ex = np.logical_or.reduce([ok[v] & ex[v] for v in views])
    all_ex = np.logical_and.reduce([~ok[v] | ex[v] for v in views])
    mixed = (count >= 3) & any_ex & ~all_ex
    out = np.zeros(ex.shape, dtype=np.bool_)
    for v in views:
        out[v] |= mixed
    return out & ok
