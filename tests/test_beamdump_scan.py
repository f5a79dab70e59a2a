"""Beam dumps for iDM/i2DM, through the scan machinery and `semivis constraint` (issue 14, items 2 and 5)."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from semivis.beamdump import InelasticDumpSample, inelastic_intervals, inelastic_n_signal, inelastic_sample, load_dump
from semivis.beamdump.inelastic import dump_ap_production
from semivis.cli import main
from semivis.errors import ParameterError
from semivis.scan import BeamDumpEvaluator, ScanSpec, load_result, run_scan
from semivis.scan.beamdump import dump_s_up

MASSES = (0.1, 0.1 / 3, 0.1 / 3 * 1.4)  # EPJC 2023 Fig. 3 benchmark: R = 3, Delta = 0.4


@pytest.fixture(scope="module")
def sample() -> InelasticDumpSample:
    card = dataclasses.replace(load_dump("e137"), n_primaries=300)
    return inelastic_sample(card, MASSES, seed=5)


def test_inelastic_sample_with_a_given_production_is_the_same_sample() -> None:
    """A production passed in (shared by a column's chi2 masses) gives the sample the function would make from the
    same production stream: the decays keep their own stream. A production of another m_A' or size is refused."""
    card = dataclasses.replace(load_dump("e137"), n_primaries=300)
    prod = dump_ap_production(card, MASSES[0], 300, np.random.SeedSequence(5).spawn(2)[0])
    made = inelastic_sample(card, MASSES, seed=5)
    given = inelastic_sample(card, MASSES, seed=5, production=prod)
    for a, b in zip(dataclasses.astuple(made)[:5], dataclasses.astuple(given)[:5], strict=True):
        assert np.array_equal(a, b)
    with pytest.raises(ParameterError, match="production"):
        inelastic_sample(card, (0.2, *MASSES[1:]), seed=5, production=prod)
    with pytest.raises(ParameterError, match="production"):
        inelastic_sample(card, MASSES, seed=5, n_primaries=200, production=prod)


def test_inelastic_sample_is_reproducible(sample: InelasticDumpSample) -> None:
    card = dataclasses.replace(load_dump("e137"), n_primaries=300)
    again = inelastic_sample(card, MASSES, seed=5)
    assert np.array_equal(again.weight, sample.weight)
    assert np.array_equal(again.acc, sample.acc)
    assert np.all(sample.p_over_m > 0)


def test_long_lived_scaling(sample: InelasticDumpSample) -> None:
    """Long-lived chi2: N ~ eps^2 (production) x Gamma_chi2 ~ eps^2 alpha_D (decay), with BR(A' -> chi1 chi2) ~ 1."""
    n = inelastic_n_signal(sample, "idm", [1e-8, 2e-8, 1e-8], [0.1, 0.1, 0.2])
    assert n[1] / n[0] == pytest.approx(16.0, rel=1e-3)
    assert n[2] / n[0] == pytest.approx(2.0, rel=1e-3)


def test_i2dm_at_theta_pi_over_4_is_idm_up_to_the_mixing_factors(sample: InelasticDumpSample) -> None:
    """i2DM: A' -> chi1 chi2 ~ 2 s^2 c^2 = 1/2 and Gamma_chi2 ~ s^2 c^2 = 1/4 at theta = pi/4 (EPJC 2023 Eqs. 2.5,
    6.1), so in the long-lived regime N(i2DM) = N(iDM) x BR ratio x 1/4; checked against the models' own BRs."""
    from semivis.models import make_model  # noqa: PLC0415

    m_ap, m1, m2 = MASSES
    eps, ad = 1e-8, 0.1
    n_i = inelastic_n_signal(sample, "idm", eps, ad)[0]
    n_2 = inelastic_n_signal(sample, "i2dm", eps, ad, math.pi / 4)[0]
    br = {
        k: float(
            make_model(k, m_Ap=m_ap, eps=eps, alpha_D=ad, m_chi1=m1, delta=m2 / m1 - 1, **t).branching_ratios()[
                "chi1chi2"
            ]
        )
        for k, t in (("idm", {}), ("i2dm", {"theta": math.pi / 4}))
    }
    assert n_2 / n_i == pytest.approx(br["i2dm"] / br["idm"] / 4.0, rel=1e-6)


def test_intervals_bracket_s_up(sample: InelasticDumpSample) -> None:
    card = load_dump("e137")
    iv = inelastic_intervals(card, "idm", MASSES, 0.1, sample=sample)
    assert len(iv) == 1
    lo, hi = iv[0]
    n = inelastic_n_signal(sample, "idm", [lo * 0.98, lo * 1.02, hi * 0.98, hi * 1.02], 0.1)
    assert n[0] < card.s_up < n[1]
    assert n[2] > card.s_up > n[3]


def test_evaluator_round_trip_and_run_scan(tmp_path: Path, sample: InelasticDumpSample) -> None:
    ev = BeamDumpEvaluator(n_primaries=300)
    arrays, meta = ev.to_arrays(sample)
    back = ev.from_arrays(arrays, json.loads(json.dumps(meta)))
    eps = np.geomspace(1e-7, 1e-2, 7)
    np.testing.assert_array_equal(
        ev.n_sig("e137", "idm", back, ("missing-energy",), {"eps": eps, "alpha_D": np.full(7, 0.1)})[0],
        inelastic_n_signal(sample, "idm", eps, 0.1),
    )
    spec = ScanSpec.from_ranges(
        "idm", "mAp-eps", x_range=(0.05, 0.2), y_range=(1e-7, 1e-2), nx=2, ny=12, experiment="e137", n_obs=(0,),
        cl=0.95, n_events=300, seed=137,
    )  # fmt: skip
    ds = run_scan(spec, evaluator=ev, cache_dir=tmp_path / "cache", out=tmp_path / "r.nc", progress=False)
    assert float(ds["s_up"].values.max()) == pytest.approx(-math.log(0.05))
    assert int(ds["excluded"].sum()) > 0
    assert load_result(tmp_path / "r.nc")["n_sig"].shape == (1, 12, 2)


def test_s_up_of_a_card_must_be_its_cls_limit() -> None:
    assert dump_s_up(load_dump("e137")) == pytest.approx(2.9957, abs=1e-4)
    with pytest.raises(ParameterError, match=r"signal\.s_up"):
        dump_s_up(load_dump("e141"))  # background-subtracted published limit: not a Poisson limit of its counts


def test_cli_constraint_visible_and_idm(tmp_path: Path) -> None:
    r = CliRunner()
    env = {"SEMIVIS_CACHE_DIR": str(tmp_path / "cache")}
    res = r.invoke(
        main,
        ["constraint", "orsay", "--model", "visible", "--nx", "3", "--ny", "20", "--x-min", "0.005", "--x-max",
         "0.04", "--n-primaries", "300", "--out", str(tmp_path / "v.nc"), "--json", str(tmp_path / "v.json")],
        env=env,
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "v.json").read_text())
    assert summary["model"] == "visible"
    assert summary["contours"]
    assert summary["cl"] == 0.95
    res = r.invoke(
        main,
        ["constraint", "e137", "--model", "idm", "--plane", "mAp-eps", "--nx", "2", "--ny", "10", "--x-min", "0.05",
         "--x-max", "0.2", "--y-min", "1e-7", "--y-max", "1e-2", "--n-primaries", "300", "--out",
         str(tmp_path / "i.nc"), "--json", str(tmp_path / "i.json")],
        env=env,
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    summary = json.loads((tmp_path / "i.json").read_text())
    assert summary["experiment"] == "e137"
    assert summary["processes"] == ["brem"]
    assert summary["contours"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["e137", "--model", "visible", "--plane", "mchi1-y"], "--plane"),
        (["e141", "--model", "idm"], "signal.s_up"),
        (["e999", "--model", "idm"], "no such beam-dump card"),
    ],
)
def test_cli_constraint_refuses(tmp_path: Path, args: list[str], words: str) -> None:
    res = CliRunner().invoke(main, ["constraint", *args, "--out", str(tmp_path / "x.nc")])
    assert res.exit_code == 2
    assert words in res.output


@pytest.mark.slow
def test_registry_region_is_the_same_in_the_eps_and_y_planes() -> None:
    """The computed E137 iDM region (EPJC 2023 Fig. 3 benchmark) found along eps in (m_A', eps) and along y in
    (m_chi1, y) is the same set: y = eps^2 alpha_D / R^4 maps one polygon onto the other (bisection tolerance)."""
    from semivis.constraints import CONSTRAINTS  # noqa: PLC0415
    from semivis.constraints.registry import _DUMP_EDGE_TOL_LN  # noqa: PLC0415
    from semivis.planes import PLANES  # noqa: PLC0415

    c = CONSTRAINTS["e137_computed"]
    assert c.applies(PLANES["mAp-eps"], "idm") is None
    (a,) = c.curves(PLANES["mAp-eps"], kind="idm", x_range=(0.03, 0.3), n=2)
    (b,) = c.curves(PLANES["mchi1-y"], kind="idm", x_range=(0.01, 0.1), n=2)
    np.testing.assert_array_equal(a[0], a[-1])  # closed polygon
    np.testing.assert_allclose(b[:, 0], a[:, 0] / 3.0, rtol=1e-12)
    # each edge is bisected to _DUMP_EDGE_TOL_LN in its own axis: 2x that in ln y from the eps plane, 1x in the y plane
    np.testing.assert_allclose(b[:, 1], a[:, 1] ** 2 * 0.1 / 3.0**4, rtol=3.0 * _DUMP_EDGE_TOL_LN)
    lo = a[:2, 1]
    assert np.all((lo > 1e-6) & (lo < 2e-5))  # lower edge at a few 1e-6 (long-lived chi2 decays in 204 m)


_HOSTILE = st.sampled_from(["nan", "inf", "-inf", "-1", "0", "1e308", "abc", "", "1e-3", "0.3", "2", "3"])
_OPTIONS = ("--alphaD", "--ratio", "--delta", "--theta", "--eps", "--x-min", "--x-max", "--y-min", "--y-max",
            "--nx", "--ny", "--n-primaries")  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(["e137", "orsay", "e141", "nope", "../e137", ""]),
    model=st.sampled_from(["visible", "idm", "i2dm", "invisible", "x"]),
    plane=st.sampled_from(["mAp-eps", "mchi1-y", "mAp-alphaD", "R-y", "bad"]),
    option=st.sampled_from(_OPTIONS),
    value=_HOSTILE,
)
def test_fuzz_cli_constraint(tmp_path: Path, name: str, model: str, plane: str, option: str, value: str) -> None:  # noqa: PLR0917
    """Any option value: exit 0, or exit 2 with one 'semivis: error:' line; never a traceback (tiny runs: 2 x 2
    grid, one primary)."""
    args = ["constraint", name, "--model", model, "--plane", plane, "--nx", "2", "--ny", "2", "--n-primaries", "1"]
    args += [option, value, "--out", str(tmp_path / "f.nc"), "--force"]
    res = CliRunner().invoke(main, args, env={"SEMIVIS_CACHE_DIR": str(tmp_path / "c")})
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        raise AssertionError(f"{args}: {res.exception!r}") from res.exception
    assert res.exit_code in {0, 2}, (args, res.output)
    if res.exit_code == 2:
        assert "Traceback" not in res.output
        assert "rror" in res.output, (args, res.output)


@pytest.mark.parametrize(("m1", "delta"), [(0.1 / 3, 0.4), (0.3, 0.1), (0.01, 1.0)])
def test_pair_energy_bound_holds_and_is_reached(m1: float, delta: float) -> None:
    """inelastic_sample draws decays only for chi2 whose e+ e- can carry the card's threshold (pair_energy_bound):
    boosted along random directions from 1 to 1e3 GeV, no decay's lab pair energy exceeds the bound (a bound too
    tight would drop chi2 that can be accepted), and the largest comes within 3 % of it (a loose one would keep
    chi2 that cannot)."""
    from semivis.beamdump.inelastic import pair_energy_bound  # noqa: PLC0415
    from semivis.models import sample_chi2_decay  # noqa: PLC0415
    from semivis.models.kinematics import boost  # noqa: PLC0415

    m2 = m1 * (1.0 + delta)
    rng = np.random.default_rng(11)
    n = 200_000
    dec = sample_chi2_decay(m1, m2, 3.0 * m1, n, rng)
    e2 = np.geomspace(1.0, 1e3, n) * max(1.0, m2)
    p2 = np.sqrt(e2**2 - m2**2)
    u = rng.normal(size=(n, 3))
    u /= np.linalg.norm(u, axis=1)[:, None]
    beta = u * (p2 / e2)[:, None]
    pair = boost(dec["l-"], beta)[:, 0] + boost(dec["l+"], beta)[:, 0]
    ratio = pair / pair_energy_bound(e2, m1, m2)
    assert ratio.max() <= 1.0 + 1e-12
    assert ratio.max() > 0.97


def test_chi2_that_cannot_reach_the_threshold_are_never_accepted() -> None:
    """The chi2 inelastic_sample skips (pair_energy_bound below the threshold, or flying backwards) are exactly the
    ones pair_accepted would reject: their decays, drawn anyway, give acceptance 0 in every slice, while some of the
    others are accepted."""
    from semivis.beamdump import _kernels  # noqa: PLC0415
    from semivis.beamdump.inelastic import ap_velocity, pair_energy_bound  # noqa: PLC0415
    from semivis.models import sample_chi2_decay  # noqa: PLC0415
    from semivis.models.kinematics import boost, two_body_momentum  # noqa: PLC0415

    card = dataclasses.replace(load_dump("e137"), n_primaries=200)
    m_ap, m1, m2 = MASSES
    ap = dump_ap_production(card, m_ap, 200, np.random.SeedSequence(3))
    rng = np.random.default_rng(4)
    n = len(ap)
    q = float(two_body_momentum(m_ap, m1, m2))
    u = rng.normal(size=(n, 3))
    u /= np.linalg.norm(u, axis=1)[:, None]
    chi2 = boost(np.column_stack([np.full(n, math.hypot(q, m2)), q * u]), ap_velocity(ap, m_ap))
    p2 = np.linalg.norm(chi2[:, 1:], axis=1)
    k_n = card.n_decay_slices
    edges = np.linspace(card.shield_m, card.detector_z_m, k_n + 1)
    z_d = edges[:-1][None, :] + rng.random((n, k_n)) * (edges[1] - edges[0])
    dec = sample_chi2_decay(m1, m2, m_ap, n, rng)
    acc = _kernels.pair_accepted(
        dec["l-"], dec["l+"], chi2[:, 1:] / chi2[:, :1], chi2[:, 1:] / p2[:, None], ap.z, z_d, card.detector_z_m,
        card.detector_shape == "circle", card.detector_half_width_m, card.detector_offset_m, card.energy_threshold_GeV,
    )  # fmt: skip
    skipped = (pair_energy_bound(chi2[:, 0], m1, m2) < card.energy_threshold_GeV) | (chi2[:, 3] <= 0.0)
    assert skipped.sum() > n // 10
    assert not acc[skipped].any()
    assert acc[~skipped].any()
