"""semivis.planes and ScanSpec: mapping grid points onto models, y <-> eps, curves into planes, validation."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pytest

from semivis.constraints.rules import parse_rule
from semivis.errors import ParameterError
from semivis.models.dark_sector import ALPHA_D_MAX
from semivis.planes import PLANES, eps_from_y, resolve_fixed, theta_from_tan_theta, y_from_eps
from semivis.scan import ScanSpec
from semivis.scan.spec import DEFAULT_AP_PER_PRIMARY

FIX = {"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4, "eps": 1e-3, "theta": 0.08, "m_chi1": 0.05}


def test_all_paper_planes_present() -> None:
    assert set(PLANES) == {"mAp-eps", "mAp-alphaD", "mchi1-delta", "mchi1-y", "R-y", "mchi1-tantheta"}
    assert [p.name for p in PLANES.values() if p.per_cell] == ["mchi1-delta"]


def test_mass_points_and_couplings() -> None:
    y = np.array([1e-5, 1e-4])
    p = PLANES["mAp-eps"]
    assert p.mass_points(0.3, y, FIX) == [pytest.approx((0.3, 0.1, 0.14))]
    assert np.array_equal(p.couplings(0.3, y, FIX)["eps"], y)
    p = PLANES["R-y"]
    ((m_ap, m1, _m2),) = p.mass_points(4.0, y, FIX)
    assert m_ap == pytest.approx(0.2)
    assert m1 == 0.05
    c = p.couplings(4.0, y, FIX)
    # y = eps^2 alpha_D (m_chi1/m_A')^4 (EPJC 2023, Sect. 6) is recovered
    assert np.allclose(c["eps"] ** 2 * c["alpha_D"] * (m1 / m_ap) ** 4, y, rtol=1e-12)
    p = PLANES["mchi1-tantheta"]
    assert np.allclose(np.tan(p.couplings(0.1, y, FIX)["theta"]), y)
    p = PLANES["mchi1-delta"]
    pts = p.mass_points(0.1, np.array([0.05, 0.4]), FIX)
    assert [round(m2 / m1 - 1, 12) for _, m1, m2 in pts] == [0.05, 0.4]
    assert all(math.isclose(m_ap, 0.3) for m_ap, _, _ in pts)


def test_closed_channel_is_not_open() -> None:
    p = PLANES["R-y"]
    assert not p.is_open((0.1, 0.05, 0.07), "idm")  # R = 2 < 2 + delta
    assert p.is_open((0.2, 0.05, 0.07), "idm")
    assert p.is_open((0.11, 0.05, 0.05), "invisible")


@pytest.mark.parametrize(
    ("kwargs", "option"),
    [
        ({"model": "sterile", "plane": "mAp-eps"}, "--model"),
        ({"model": "idm", "plane": "nope"}, "--plane"),
        ({"model": "idm", "plane": "mchi1-tantheta"}, "--model"),
        ({"model": "i2dm", "plane": "mAp-eps"}, "--theta"),
        ({"model": "idm", "plane": "mAp-alphaD"}, "--eps"),
        ({"model": "idm", "plane": "R-y"}, "--mchi1"),
        ({"model": "idm", "plane": "mAp-eps", "fixed": {"alpha_D": -1.0}}, "--alphaD"),
        ({"model": "idm", "plane": "mAp-eps", "fixed": {"eps": 1e-3}}, "--eps"),
        ({"model": "idm", "plane": "mAp-eps", "y_range": (1e-3, 2.0)}, "--y-max"),
        # alpha_D beyond 4 pi: refused when the spec is built, naming what the user typed (not alpha_D)
        ({"model": "idm", "plane": "mAp-eps", "fixed": {"alpha_D": 13.0}}, "--alphaD"),
        ({"model": "idm", "plane": "mAp-alphaD", "fixed": {"eps": 1e-3}, "y_range": (1e-3, 100.0)}, "--y-max"),
        # y above 4 pi is unphysical for any point (and overflowed eps_from_y: found by a 10000-example fuzz run)
        (
            {
                "model": "idm",
                "plane": "R-y",
                "fixed": {"m_chi1": 0.1, "alpha_D": 1.0, "delta": 1.0},
                "y_range": (1e-10, 1e308),
            },
            "--y-max",
        ),
        ({"model": "idm", "plane": "mchi1-delta", "fixed": {"eps": 1e-3}, "y_range": (0.1, 1e9)}, "--y-max"),
        # A' -> chi1 chi2 closed on the whole plane: refused, naming the option that closes it
        ({"model": "idm", "plane": "mAp-eps", "fixed": {"ratio": 1.5}}, "--ratio"),
        ({"model": "invisible", "plane": "mAp-eps", "fixed": {"ratio": 2.0}}, "--ratio"),
        ({"model": "idm", "plane": "mAp-eps", "fixed": {"delta": 100.0}}, "--delta"),
        ({"model": "idm", "plane": "R-y", "fixed": {"m_chi1": 0.1}, "x_range": (1.1, 2.3)}, "--x-max"),
        ({"model": "idm", "plane": "mchi1-delta", "fixed": {"eps": 1e-3}, "y_range": (1.0, 2.0)}, "--y-min"),
        ({"model": "idm", "plane": "mAp-eps", "eot": (-1.0,)}, "--eot"),
        ({"model": "idm", "plane": "mAp-eps", "seed": -3}, "--seed"),
        ({"model": "idm", "plane": "mAp-eps", "selection": "s3"}, "--selection"),
        ({"model": "idm", "plane": "mAp-eps", "selection": "s1+s2", "n_obs": (0,)}, "--n-obs"),
        ({"model": "idm", "plane": "mAp-eps", "nx": 1}, "--nx"),
    ],
)
def test_spec_validation_names_option(kwargs: dict[str, object], option: str) -> None:
    kwargs = {"nx": 3, "ny": 3, **kwargs}
    with pytest.raises(ParameterError) as err:
        ScanSpec.from_ranges(**kwargs)  # type: ignore[arg-type]
    assert err.value.name == option


def test_alpha_d_bound_is_the_models() -> None:
    """The scan's alpha_D bound is the model's ALPHA_D_MAX = 4 pi, inclusive (both ends agree)."""
    spec = ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2, fixed={"alpha_D": ALPHA_D_MAX})
    assert spec.fixed["alpha_D"] == ALPHA_D_MAX == 4 * math.pi
    grid = ScanSpec.from_ranges("idm", "mAp-alphaD", nx=2, ny=2, fixed={"eps": 1e-3}, y_range=(1.0, ALPHA_D_MAX))
    assert grid.y[-1] == ALPHA_D_MAX
    with pytest.raises(ParameterError, match="alphaD"):
        ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2, fixed={"alpha_D": math.nextafter(ALPHA_D_MAX, 20.0)})


def test_plane_open_only_in_part_is_accepted() -> None:
    """A plane where the channel is open on some cells only is a valid scan (the rest is marked not computed)."""
    spec = ScanSpec.from_ranges("idm", "mchi1-delta", nx=2, ny=3, fixed={"eps": 1e-3}, y_range=(0.5, 2.0))
    assert spec.y[0] == 0.5


def test_spec_json_roundtrip_is_stable() -> None:
    a = ScanSpec.from_ranges("i2dm", "mchi1-tantheta", nx=3, ny=4, fixed={"eps": 1e-3})
    b = ScanSpec(**{**a.to_dict(), "x": tuple(a.x), "y": tuple(a.y)})
    assert a.to_json() == b.to_json()


# --------------------------------------------------------------------------------------------------
# mass-dependent fixed eps: eps = eps_(g-2)(m_A') as a named rule
# --------------------------------------------------------------------------------------------------
G2_FIX: dict[str, float | str] = {"eps": "g2:fnal2021:central", "ratio": 3.0, "delta": 0.4, "alpha_D": 0.1}


def _semivis_g2(m_ap: float, band: str = "fnal2021") -> dict[str, float]:
    """What `semivis g2 --mA m_ap --band band --json` prints."""
    from click.testing import CliRunner  # noqa: PLC0415

    from semivis.cli import main  # noqa: PLC0415

    res = CliRunner().invoke(main, ["g2", "--mA", repr(m_ap), "--band", band, "--json"])
    assert res.exit_code == 0, res.output
    out: dict[str, float] = json.loads(res.output)
    return out


def _first_column(plane: str, x: float, fixed: dict[str, float | str]) -> dict[str, float]:
    """The fixed parameters as numbers at column x of a spec (rules resolved once, by the spec)."""
    fx = {k: v for k, v in fixed.items() if k in PLANES[plane].fixed}
    return ScanSpec("idm", plane, (x, 1.5 * x), (0.1, 0.4), fixed=fx).fixed_at(0)


@pytest.mark.parametrize("m_ap", [0.003, 0.02, 0.105, 0.5, 2.0])
def test_g2_rule_is_the_central_g2_eps_at_each_mass(m_ap: float) -> None:
    ref = _semivis_g2(m_ap)
    # (m_A', alpha_D): the column is m_A' itself
    assert _first_column("mAp-alphaD", m_ap, G2_FIX)["eps"] == pytest.approx(ref["eps_central"], rel=1e-12)
    # (m_chi1, Delta/m_chi1): the column is m_chi1 = m_A'/R, and every cell (any Delta) shares the column's eps
    c = PLANES["mchi1-delta"].couplings(m_ap / 3.0, [0.1, 0.4, 1.0], _first_column("mchi1-delta", m_ap / 3.0, G2_FIX))
    assert np.allclose(c["eps"], ref["eps_central"], rtol=1e-12)
    assert np.allclose(c["alpha_D"], 0.1)
    for edge in ("low", "high"):
        fx = {**G2_FIX, "eps": f"g2:fnal2021:{edge}"}
        assert _first_column("mAp-alphaD", m_ap, fx)["eps"] == pytest.approx(ref[f"eps_{edge}"], rel=1e-12)


def test_g2_rule_other_bands_and_physics_limits() -> None:
    bnl = _semivis_g2(0.1, "bnl2006")
    fx = {**G2_FIX, "eps": "g2:bnl2006:high"}
    assert _first_column("mAp-alphaD", 0.1, fx)["eps"] == pytest.approx(bnl["eps_high"], rel=1e-12)
    wp = _semivis_g2(0.1, "wp2025")
    fx = {**G2_FIX, "eps": "G2:WP2025:Max"}
    assert _first_column("mAp-alphaD", 0.1, fx)["eps"] == pytest.approx(wp["eps_max"], rel=1e-12)
    # Pospelov 2009 limits: Delta a_mu = alpha eps^2/(2 pi) for m_A' << m_mu, alpha eps^2 m_mu^2/(3 pi m_A'^2) above
    from semivis.constants import alpha, m_mu  # noqa: PLC0415

    rule = parse_rule("--eps", "g2:fnal2021:central")
    assert float(rule(1e-5)) == pytest.approx(math.sqrt(251e-11 * 2 * math.pi / alpha), rel=1e-3)
    assert float(rule(30.0)) == pytest.approx(math.sqrt(251e-11 * 3 * math.pi / alpha) * 30.0 / m_mu, rel=1e-3)


def test_spec_stores_the_rule_by_name_and_resolves_per_column() -> None:
    spec = ScanSpec.from_ranges(
        "idm", "mAp-alphaD", nx=4, ny=3, x_range=(0.01, 1.0), fixed={"eps": " g2:FNAL2021:central"}
    )
    assert spec.fixed == {"eps": "g2:fnal2021:central", "ratio": 3.0, "delta": 0.4}
    vals = spec.fixed_values()["eps"]
    assert vals == pytest.approx([_semivis_g2(x)["eps_central"] for x in spec.x], rel=1e-12)
    assert np.all(np.diff(vals) > 0)  # eps_(g-2) grows with m_A'
    d = json.loads(spec.to_json())
    assert d["fixed"]["eps"] == "g2:fnal2021:central"
    again = ScanSpec(**{**d, "x": tuple(d["x"]), "y": tuple(d["y"]), "eot": None, "n_obs": tuple(d["n_obs"])})
    assert again.to_json() == spec.to_json()
    other = ScanSpec.from_ranges(
        "idm", "mAp-alphaD", nx=4, ny=3, x_range=(0.01, 1.0), fixed={"eps": "g2:fnal2021:high"}
    )
    assert other.to_json() != spec.to_json()
    number = ScanSpec.from_ranges("idm", "mAp-alphaD", nx=4, ny=3, x_range=(0.01, 1.0), fixed={"eps": 1e-3})
    assert number.fixed_values() == {}
    # per-cell plane: m_A' = R m_chi1
    s2 = ScanSpec.from_ranges("idm", "mchi1-delta", nx=3, ny=3, x_range=(0.01, 0.1), fixed={"eps": "g2:fnal2021:low"})
    assert s2.fixed_values()["eps"] == pytest.approx([_semivis_g2(3 * x)["eps_low"] for x in s2.x], rel=1e-12)


@pytest.mark.parametrize(
    ("fixed", "option", "words"),
    [
        ({"eps": "g2:nope:central"}, "--eps", "g2:fnal2021:central"),
        ({"eps": "g2:fnal2021:middle"}, "--eps", "central | low | high"),
        ({"eps": "g2:fnal2021:max"}, "--eps", "band fnal2021 offers central | low | high only"),
        ({"eps": "g2:wp2025:central"}, "--eps", "band wp2025 offers max only"),
        ({"eps": "g2:fnal2021"}, "--eps", "bnl2006 | fnal2021 | wp2025"),
        ({"eps": "__import__('os')"}, "--eps", "g2:<band>:<edge>"),
        ({"eps": "1e-3"}, "--eps", "a number (0 < eps < 1)"),
        ({"eps": ""}, "--eps", "g2:<band>:<edge>"),
        ({"eps": "g2:fnal2021:central", "ratio": "g2:fnal2021:central"}, "--ratio", "only --eps may be a rule"),
    ],
)
def test_bad_rules_are_one_clear_error(fixed: dict[str, object], option: str, words: str) -> None:
    with pytest.raises(ParameterError) as err:
        ScanSpec.from_ranges("idm", "mAp-alphaD", nx=3, ny=3, fixed=fixed)
    assert err.value.name == option
    assert words in str(err.value)


def test_rule_giving_eps_above_one_on_the_grid_is_an_error() -> None:
    # eps_(g-2) ~ m_A'/m_mu sqrt(3 pi Delta a/alpha) reaches 1 near m_A' ~ 50 GeV
    with pytest.raises(ParameterError, match=r"--eps = 'g2:fnal2021:central'.*gives eps = .* at m_Ap = 100"):
        ScanSpec.from_ranges(
            "idm", "mAp-alphaD", nx=3, ny=3, x_range=(1.0, 100.0), fixed={"eps": "g2:fnal2021:central"}
        )


# --------------------------------------------------------------------------------------------------
# one parameter space: y <-> eps, tan theta <-> theta, curves in (m_A', eps) mapped into each plane
# --------------------------------------------------------------------------------------------------
def test_y_eps_round_trip_and_analytic_value() -> None:
    eps = np.geomspace(1e-6, 0.5, 13)
    alpha_d, m1, m_ap = 0.5, 0.02, 0.07
    y = y_from_eps(eps, alpha_d, m1, m_ap)
    # y = eps^2 alpha_D (m_chi1/m_A')^4 (EPJC 2023 Sect. 6) and back
    assert np.allclose(y, eps**2 * alpha_d / (m_ap / m1) ** 4, rtol=1e-14, atol=0)
    assert np.allclose(eps_from_y(y, alpha_d, m1, m_ap), eps, rtol=1e-14, atol=0)
    # the scan's couplings of a y column are the same inverse
    c = PLANES["mchi1-y"].couplings(m1, y, {"alpha_D": alpha_d, "ratio": m_ap / m1, "delta": 0.4})
    assert np.allclose(c["eps"], eps, rtol=1e-12, atol=0)


def test_tan_theta_is_settled_once() -> None:
    assert theta_from_tan_theta(1.0) == pytest.approx(math.pi / 4, rel=1e-15)
    fx = resolve_fixed(PLANES["mchi1-y"], "i2dm", {"tan_theta": 1e-3})
    assert fx["theta"] == math.atan(1e-3)
    spec = ScanSpec.from_ranges("i2dm", "mchi1-y", nx=2, ny=2, fixed={"tan_theta": 1e-2})
    assert spec.fixed["theta"] == math.atan(1e-2)
    with pytest.raises(ParameterError, match="either theta or tan_theta"):
        resolve_fixed(PLANES["mchi1-y"], "i2dm", {"tan_theta": 1e-3, "theta": 0.1})


M_CURVE = np.array([0.01, 0.1, 0.3, 1.0])
EPS_CURVE = np.array([1e-5, 3e-4, 1e-3, 2e-2])


@pytest.mark.parametrize("plane", sorted(PLANES))
def test_curve_in_mAp_eps_mapped_into_every_plane(plane: str) -> None:
    fixed = {"alpha_D": 0.5, "ratio": 2.5, "m_chi1": 0.04, "delta": 0.4}
    p = PLANES[plane]
    if p.y not in ("eps", "y"):  # alpha_D, Delta, tan theta are not functions of eps at fixed masses
        with pytest.raises(ParameterError, match="eps or y axis"):
            p.to_xy(M_CURVE, EPS_CURVE, fixed)
        return
    xy = p.to_xy(M_CURVE, EPS_CURVE, fixed)
    assert xy.shape == (4, 2)
    m_chi1 = M_CURVE / 2.5 if p.x != "R" else np.full(4, 0.04)
    expect_x = {"m_Ap": M_CURVE, "m_chi1": M_CURVE / 2.5, "R": M_CURVE / 0.04}[p.x]
    expect_y = EPS_CURVE if p.y == "eps" else EPS_CURVE**2 * 0.5 * (m_chi1 / M_CURVE) ** 4
    assert np.allclose(xy[:, 0], expect_x, rtol=1e-14, atol=0)
    assert np.allclose(xy[:, 1], expect_y, rtol=1e-14, atol=0)
    # and back: the plane's own grid -> couplings inverts the mapping (m_A' and eps recovered at each point)
    for (x, y), m, e in zip(xy, M_CURVE, EPS_CURVE, strict=True):
        assert p.m_ap(x, fixed) == pytest.approx(m, rel=1e-14)
        assert float(p.couplings(x, [y], fixed)["eps"][0]) == pytest.approx(e, rel=1e-12)


def test_validity_mask_marks_eps_at_or_above_one() -> None:
    # (R, y) at large R and y: eps = sqrt(y / alpha_D) R^2 exceeds 1
    p = PLANES["R-y"]
    c = p.couplings(50.0, [1e-12, 1e-6], {"alpha_D": 0.1, "m_chi1": 0.01, "delta": 0.1})
    assert p.valid(c, (2,)).tolist() == [True, False]


# --------------------------------------------------------------------------------------------------
# the signal-efficiency mode (--efficiency-normalisation)


def test_spec_refuses_an_unknown_efficiency_normalisation_naming_the_option() -> None:
    with pytest.raises(ParameterError, match=r"--efficiency-normalisation = 'per-mass'.*first-principles"):
        ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2, efficiency_normalisation="per-mass")


def test_default_efficiency_normalisation_keeps_the_spec_json_of_before_the_option() -> None:
    """The spec JSON (what scan keys, checkpoints and caches hash) of a spec in the default efficiency mode is byte
    for byte the one semivis wrote before the option existed (taken from f16891a), plus the A' kept per primary
    (null: all; the default's thinning changes its samples, so its key too); a normalised spec says so and hashes
    differently, and it round-trips."""
    kw: dict[str, Any] = {"nx": 3, "ny": 4, "x_range": (0.01, 0.1), "y_range": (1e-5, 1e-3), "eot": (1e12,)}
    kw["experiment"] = "na64-2016-2022"
    kw["ap_per_primary"] = None  # every A', as before the thinning (below: the default thins, and says so)
    spec = ScanSpec.from_ranges("idm", "mAp-eps", **kw)
    before = (
        '{"cl": 0.9, "eot": [1000000000000.0], "experiment": "na64-2016-2022", "fixed": {"alpha_D": 0.1, '
        '"delta": 0.4, "ratio": 3.0}, "model": "idm", "n_events": 20000, "n_obs": [0], "plane": "mAp-eps", '
        '"prior": "gauss", "seed": 20231, "selection": "missing-energy", "x": [0.01, 0.03162277660168379, 0.1], '
        '"y": [1e-05, 4.641588833612782e-05, 0.00021544346900318823, 0.001]}'
    )
    # the A' per primary is always in the JSON (None: every A'; the key sorts first), so the spec reads back as it was
    before = '{"ap_per_primary": null, ' + before[1:]
    assert spec.to_json() == before
    assert spec.efficiency_normalisation == "first-principles"
    explicit = ScanSpec.from_ranges("idm", "mAp-eps", efficiency_normalisation="first-principles", **kw)
    assert explicit.to_json() == spec.to_json()
    normalised = ScanSpec.from_ranges("idm", "mAp-eps", efficiency_normalisation="na64-invisible-2016-2022", **kw)
    d = json.loads(normalised.to_json())
    assert d["efficiency_normalisation"] == "na64-invisible-2016-2022"
    assert {k: v for k, v in d.items() if k != "efficiency_normalisation"} == json.loads(before)
    thinned = json.loads(ScanSpec.from_ranges("idm", "mAp-eps", **{**kw, "ap_per_primary": 4}).to_json())
    assert thinned == {**json.loads(before), "ap_per_primary": 4}
    default = ScanSpec.from_ranges("idm", "mAp-eps", **{k: v for k, v in kw.items() if k != "ap_per_primary"})
    assert default.to_dict()["ap_per_primary"] == DEFAULT_AP_PER_PRIMARY
    again = ScanSpec(
        **{**d, "x": tuple(d["x"]), "y": tuple(d["y"]), "eot": tuple(d["eot"]), "n_obs": tuple(d["n_obs"])}
    )
    assert again == normalised


# --------------------------------------------------------------------------------------------------
# the A' production processes (ScanSpec.processes, --processes)


def test_default_processes_keep_the_spec_json_of_before_the_option() -> None:
    """A spec with both processes (the default, in any order) writes the JSON it wrote before the option (pinned at
    f16891a above), so scan keys, checkpoints and caches stay valid; a brem-only spec says so, hashes differently
    and round-trips."""
    kw: dict[str, Any] = {"nx": 3, "ny": 4, "x_range": (0.01, 0.1), "y_range": (1e-5, 1e-3), "eot": (1e12,)}
    kw["experiment"] = "na64-2016-2022"
    default = ScanSpec.from_ranges("idm", "mAp-eps", **kw)
    assert default.processes == ("brem", "annihilation")
    for order in (("brem", "annihilation"), ("annihilation", "brem"), ["annihilation", "brem"]):
        assert ScanSpec.from_ranges("idm", "mAp-eps", processes=order, **kw).to_json() == default.to_json()
    assert "processes" not in default.to_dict()
    brem = ScanSpec.from_ranges("idm", "mAp-eps", processes=("brem",), **kw)
    d = json.loads(brem.to_json())
    assert d["processes"] == ["brem"]
    assert {k: v for k, v in d.items() if k != "processes"} == json.loads(default.to_json())
    again = ScanSpec(
        **{**d, "x": tuple(d["x"]), "y": tuple(d["y"]), "eot": tuple(d["eot"]), "n_obs": tuple(d["n_obs"])}
    )
    assert again == brem


@pytest.mark.parametrize("bad", [(), ("brem", "brem"), ("compton",), "brem", None, ("brem", 1)])
def test_spec_refuses_bad_processes_naming_the_option(bad: object) -> None:
    with pytest.raises(ParameterError, match=r"--processes = .*non-empty set of brem, annihilation"):
        ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2, processes=bad)
