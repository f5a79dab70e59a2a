"""Registry of other constraints: every entry usable by a figure; BaBar recast and CMB physics checks."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from semivis.constraints import CONSTRAINTS, babar_invisible_limit, babar_semivisible_excluded_eps, cmb_eps_max
from semivis.errors import ParameterError
from semivis.planes import PLANES

FIXED = {"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4}


def test_every_entry_has_figure_metadata() -> None:
    for name, c in CONSTRAINTS.items():
        assert c.name == name
        assert c.label
        assert c.planes
        assert set(c.planes) <= set(PLANES)
        assert c.paper
        assert c.caption
        assert c.rescaling
        if not c.available:
            assert "no public data" in c.caption
            assert c.curves(PLANES[c.planes[0]]) == []
            assert c.applies(PLANES[c.planes[0]], c.models[0]) == c.caption


@pytest.mark.parametrize("name", ["lep_ewpo", "electron_g2", "cmb_planck2018"])
def test_available_curves_are_finite_polylines(name: str) -> None:
    c = CONSTRAINTS[name]
    for plane in c.planes:
        lines = c.curves(PLANES[plane], kind=c.models[-1], fixed=dict(FIXED, theta=0.04, eps=1e-3), n=8)
        assert lines, (name, plane)
        for line in lines:
            assert line.ndim == 2
            assert line.shape[1] == 2
            assert np.all(np.isfinite(line))
            assert np.all(line > 0)


def test_unknown_plane_is_parameter_error() -> None:
    assert "not mchi1-tantheta" in str(CONSTRAINTS["lep_ewpo"].applies(PLANES["mchi1-tantheta"], "idm"))
    with pytest.raises(ParameterError, match="plane"):
        CONSTRAINTS["lep_ewpo"].curves(PLANES["mchi1-tantheta"])


def test_lep_rescales_to_y_plane() -> None:
    line = CONSTRAINTS["lep_ewpo"].curves(PLANES["mchi1-y"], fixed={"ratio": 3.0, "alpha_D": 0.5}, n=4)[0]
    assert np.allclose(line[:, 1], 0.03**2 * 0.5 / 3.0**4, rtol=1e-14)
    # the same curve through the (m_A', eps) plane and Plane.to_xy: x = m_A'/R
    flat = CONSTRAINTS["lep_ewpo"].curves(PLANES["mAp-eps"], x_range=(3e-3, 30.0), n=4)[0]
    assert np.allclose(line[:, 0], flat[:, 0] / 3.0, rtol=1e-14)


def test_babar_long_lived_chi2_reproduces_invisible_limit() -> None:
    # delta = 0.05 at m_A' = 0.3 GeV: chi2 long-lived and soft -> the A' looks invisible
    iv = babar_semivisible_excluded_eps("idm", 0.3, 0.1, 0.05, 0.1)
    assert iv
    assert iv[0][0] == pytest.approx(float(babar_invisible_limit(0.3)), rel=0.02)


def test_babar_prompt_chi2_opens_large_eps() -> None:
    # delta = 0.4: visible chi2 decays inside BaBar raise the lower edge above the invisible limit (issue 11: the
    # soft-pair fraction keeps large eps excluded, no upper edge; physics in tests/test_constraints_babar.py)
    iv = babar_semivisible_excluded_eps("idm", 0.3, 0.1, 0.4, 0.1)
    assert iv
    assert iv[0][0] >= 1.05 * float(babar_invisible_limit(0.3))


def test_babar_region_is_closed_polygon() -> None:
    poly = CONSTRAINTS["babar_semivisible"].curves(PLANES["mAp-eps"], fixed=FIXED, x_range=(0.02, 0.5), n=6)[0]
    assert np.allclose(poly[0], poly[-1])


def test_cmb_scales_as_inverse_sin2_theta_and_not_for_idm() -> None:
    e1 = cmb_eps_max(0.3, alpha_D=0.1, ratio=3.0, delta=0.1, theta=0.02)
    e2 = cmb_eps_max(0.3, alpha_D=0.1, ratio=3.0, delta=0.1, theta=0.04)
    assert e1 / e2 == pytest.approx((math.sin(0.04) / math.sin(0.02)) ** 2, rel=1e-3)
    # iDM's chi2 has decayed at recombination: the CMB bound declares itself for i2DM only
    assert (
        CONSTRAINTS["cmb_planck2018"].applies(PLANES["mAp-eps"], "idm")
        == "cmb_planck2018 is defined for i2dm only, not idm"
    )
    with pytest.raises(ParameterError, match="i2dm only"):
        CONSTRAINTS["cmb_planck2018"].curves(PLANES["mAp-eps"], kind="idm", fixed=FIXED)


def test_fig3_computed_e137_region_is_closed_and_its_upper_edge_is_n_equals_s_up() -> None:
    """The E137 region drawn in EPJC 2023 Fig. 3 (the recipe's plane and benchmark, the registry's 500 primaries) is a
    closed polygon; at its first mass the upper edge is where a direct inelastic_n_signal evaluation gives N = s_up
    (the card's 3 events, 95 % CL), N falling through it (prompt chi2 decays in the 179 m shield), and the lower
    edge lies below it with N rising through it."""
    import dataclasses  # noqa: PLC0415

    from semivis.beamdump import inelastic_n_signal, inelastic_sample, load_dump  # noqa: PLC0415
    from semivis.constraints.registry import _DUMP_EDGE_TOL_LN  # noqa: PLC0415
    from semivis.figures import get_recipe  # noqa: PLC0415

    recipe = get_recipe("epjc2023-fig3")
    fixed = {k: float(v) for k, v in recipe.fixed.items()}
    (poly,) = CONSTRAINTS["e137_computed"].curves(
        PLANES[recipe.plane], kind=recipe.model, fixed=fixed, x_range=(0.05, 0.2), n=2
    )
    np.testing.assert_array_equal(poly[0], poly[-1])
    assert poly.shape == (5, 2)  # (m0, lo), (m1, lo), (m1, hi), (m0, hi), (m0, lo)
    m0, lo, hi = poly[0, 0], poly[0, 1], poly[3, 1]
    assert poly[3, 0] == m0 == 0.05
    assert 1e-6 < lo < 1e-5  # long-lived lower edge
    assert 1e-3 < hi < 0.1  # prompt upper edge
    dump = dataclasses.replace(load_dump("e137"), n_primaries=500)
    masses = (m0, m0 / 3.0, m0 / 3.0 * (1.0 + 0.4))
    seed = np.random.SeedSequence([dump.seed, *(round(m * 1e9) for m in masses)])
    smp = inelastic_sample(dump, masses, seed)
    step = math.exp(_DUMP_EDGE_TOL_LN)  # each edge is the last value inside, bisected to this in ln eps
    eps = np.array([hi / 1.02, hi, hi * step, hi * 1.02, lo / 1.02, lo / step, lo, lo * 1.02])
    n = inelastic_n_signal(smp, "idm", eps, np.full(eps.size, 0.1))
    assert n[0] > n[1] >= dump.s_up > n[2] > n[3]  # upper edge: N falls through s_up within the tolerance
    assert n[4] < n[5] < dump.s_up <= n[6] < n[7]  # lower edge: N rises through it
    assert n[1] == pytest.approx(dump.s_up, rel=0.01)
    assert n[6] == pytest.approx(dump.s_up, rel=0.01)


def test_computed_dump_entries_need_an_eps_where_eps_is_fixed() -> None:
    """In (m_A', alpha_D) the eps must be given (no silent NaN region); the eps = eps_(g-2) entry fixes it itself and
    refuses another."""
    with pytest.raises(ParameterError, match="eps"):
        CONSTRAINTS["e137_computed"].curves(PLANES["mAp-alphaD"], kind="idm", fixed={"delta": 0.4}, n=2)
    with pytest.raises(ParameterError, match="fixes eps by the rule g2:fnal2021:central"):
        CONSTRAINTS["e137_computed_g2"].curves(PLANES["mAp-alphaD"], kind="idm", fixed={"eps": 1e-3}, n=2)
    assert CONSTRAINTS["e137_computed_g2"].applies(PLANES["mAp-eps"], "idm") is not None


def test_per_cell_crossings_are_interpolated_in_log_y_without_extrapolation() -> None:
    from semivis.constraints.registry import _interpolated_intervals  # noqa: PLC0415

    grid = np.array([0.01, 0.1, 1.0, 10.0])
    # g linear in ln y between grid values: crossings at sqrt(0.01 * 0.1) and 10**0.5
    (iv,) = _interpolated_intervals(grid, np.array([-1.0, 1.0, 1.0, -1.0]))
    assert iv == pytest.approx((math.sqrt(1e-3), math.sqrt(10.0)), rel=1e-12)
    # a NaN neighbour (no sample: A' -> chi1 chi2 closed) and the grid's end keep the last grid value inside
    assert _interpolated_intervals(grid, np.array([1.0, 2.0, 0.5, math.nan])) == [(0.01, 1.0)]
    assert _interpolated_intervals(grid, np.array([-1.0, -2.0, -0.5, math.nan])) == []


def test_beam_dump_edges_are_found_to_their_tolerance_and_stay_inside() -> None:
    """A computed beam-dump edge: the crossing of g = ln(N/s_up) between a grid value outside and one inside, to
    within the tolerance in ln y, ending on the inside (the drawn region never exceeds the computed one), for the
    shapes of g the regions have (a power law on a long-lived edge, exp(-c eps^2) on a short-lived one, and a
    near-step that defeats the secant), in fewer evaluations than bisection (which needs 12-13 here) and never
    more than twice its count (the bisection safeguard)."""
    from semivis.constraints.registry import _DUMP_EDGE_TOL_LN, _edge_ln  # noqa: PLC0415

    y0 = 3.7e-9  # the crossing of the lower-edge shapes
    shapes = {
        "eps^4": (lambda y: 4.0 * math.log(y / y0), ((2.9e-9, 4.4e-9),), 3),
        "near step": (lambda y: 50.0 * math.tanh(30.0 * math.log(y / y0)), ((2.9e-9, 4.4e-9),), 12),
        # upper edge: N = s_up exp(5 (1 - (eps/eps0)^2)), crossing at eps0 = 3.7e-3
        "exp(-c eps^2)": (lambda y: 5.0 * (1.0 - (y / 3.7e-3) ** 2), ((4.2e-3, 3.3e-3),), 8),
    }
    for name, (g, brackets, most) in shapes.items():
        for y_out, y_in in brackets:
            calls: list[float] = []

            def counted(y: float, g: Any = g, calls: list[float] = calls) -> float:
                calls.append(y)
                return float(g(y))

            edge = _edge_ln(counted, y_out, y_in, g(y_out), g(y_in), _DUMP_EDGE_TOL_LN)
            crossing = y0 if name != "exp(-c eps^2)" else 3.7e-3
            assert abs(math.log(edge / crossing)) <= _DUMP_EDGE_TOL_LN, name
            assert g(edge) > 0.0, name  # inside
            bisection = math.ceil(math.log2(abs(math.log(y_in / y_out)) / _DUMP_EDGE_TOL_LN))
            assert len(calls) <= min(most, 2 * bisection), (name, len(calls))
