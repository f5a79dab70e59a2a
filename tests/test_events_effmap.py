"""Recast efficiency maps: the worked example of docs/export.md recovers semivis's N_sig and eps limit from the map
within its interpolation error; the i2DM channel decomposition; netCDF / CSV round trip; bad input."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner
from scipy.optimize import brentq

from semivis.cli import main
from semivis.cli.yield_ import yield_report
from semivis.detector import load_card
from semivis.errors import ParameterError
from semivis.events.effmap import EFFMAP_VARIABLE, EffMapSpec, build_effmap, recast_signal, write_effmap
from semivis.models import make_model
from semivis.stats import upper_limit

CARD = load_card("na64-2016-2018")
CTAU = np.logspace(-4, 4, 65)  # 8 points per decade


@pytest.fixture(scope="module")
def idm_map() -> xr.Dataset:
    spec = EffMapSpec(CARD, [0.1], [3.0], [0.4], CTAU, selections=("missing-energy", "s1"), n_events=1500, seed=3)
    return build_effmap(spec)


def _n_map(ds: xr.Dataset, eps: float, selection: str = "missing-energy") -> float:
    m = make_model("idm", m_Ap=0.1, eps=eps, alpha_D=0.1, ratio=3.0, delta=0.4)
    br = {"chi1chi2": float(m.branching_ratios()["chi1chi2"])}
    return recast_signal(ds, selection, 0.1, 3.0, 0.4, float(m.ctau_chi2_m()), br, eps, CARD.eot)


def test_worked_example_recovers_n_sig_and_the_eps_limit(idm_map: xr.Dataset) -> None:
    """docs/export.md: N_sig = EOT eps^2 BR S(c tau) from the map equals `semivis yield` (same sample: seed and
    n_events) to the interpolation error of 8 points per decade in log c tau (measured <= 1e-4 here; bound 1e-3),
    and the eps where N_sig = s_up (zero background, 90 % CL) agrees to the same relative error / 2."""
    for eps in (1e-4, 3e-4, 1e-3):
        direct = yield_report("na64-2016-2018", "idm", 0.1, eps, 0.1, ratio=3.0, delta=0.4, n_events=1500, seed=3)
        assert _n_map(idm_map, eps) == pytest.approx(direct["n_signal"], rel=1e-3)
    s_up = upper_limit(0)
    eps_map = brentq(lambda e: _n_map(idm_map, e) - s_up, 1e-4, 1e-3, xtol=1e-12)

    def n_direct(e: float) -> float:
        rep = yield_report("na64-2016-2018", "idm", 0.1, e, 0.1, ratio=3.0, delta=0.4, n_events=1500, seed=3)
        return float(rep["n_signal"])

    assert n_direct(eps_map) == pytest.approx(s_up, rel=1e-3)  # the map's limit is semivis's, to 1e-3 in N_sig
    assert 3e-4 < eps_map < 4e-4  # N_sig(3e-4) = 2.25 < s_up = 2.30 (above)


def test_map_follows_the_decay_regions(idm_map: xr.Dataset) -> None:
    """Missing energy: a chi2 decaying promptly leaves its soft pair in the ECAL (passes), one decaying in the
    VETO/HCAL is vetoed, one escaping passes: S falls from short c tau to a minimum, then rises monotonically to the
    invisible plateau (its last decade flat to 1e-3).
    S1 (decays in HCAL2-3, ~ 2-4 m downstream; beta gamma ~ 1e3) needs decays in the set-up: it vanishes at both
    ends of the c tau range (c tau = 1e-4 m: decays in the ECAL; 1e4 m: beyond)."""
    me = idm_map[EFFMAP_VARIABLE].sel(selection="missing-energy", channel="chi1chi2").values.ravel()
    low = int(np.argmin(me))
    assert 0 < low < me.size - 1
    assert np.all(np.diff(me[: low + 1]) <= 0.0)
    assert np.all(np.diff(me[low:]) >= 0.0)
    assert me[-1] == pytest.approx(me[-9], rel=1e-3)
    s1 = idm_map[EFFMAP_VARIABLE].sel(selection="s1", channel="chi1chi2").values.ravel()
    assert s1.max() > 0
    assert s1[0] < 1e-3 * s1.max()
    assert s1[-1] < 0.1 * s1.max()
    assert bool(idm_map["channel_open"].all())


def test_i2dm_channels_add_up_to_n_sig() -> None:
    """i2DM: N_sig = EOT eps^2 Sum_ch BR_ch(theta) S_ch(c tau) with the channels' own maps (same sample as
    `semivis yield --model i2dm`), at a grid c tau (no interpolation): equal to rounding."""
    eps, theta = 3e-4, 0.3
    m = make_model("i2dm", m_Ap=0.3, eps=eps, alpha_D=0.1, ratio=3.0, delta=0.4, theta=theta)
    ctau = float(m.ctau_chi2_m())
    ds = build_effmap(EffMapSpec(CARD, [0.3], [3.0], [0.4], [ctau / 2, ctau, ctau * 2], ("missing-energy",),
                                 kind="i2dm", n_events=400, seed=4))  # fmt: skip
    brs = {ch: float(v) for ch, v in m.branching_ratios().items() if ch in ds["channel"].values}
    assert set(brs) == {"chi1chi1", "chi1chi2", "chi2chi2"}
    n_map = recast_signal(ds, "missing-energy", 0.3, 3.0, 0.4, ctau, brs, eps, CARD.eot)
    direct = yield_report("na64-2016-2018", "i2dm", 0.3, eps, 0.1, ratio=3.0, delta=0.4, theta=theta, n_events=400,
                          seed=4)  # fmt: skip
    assert n_map == pytest.approx(direct["n_signal"], rel=1e-6)
    s11 = ds[EFFMAP_VARIABLE].sel(selection="missing-energy", channel="chi1chi1").values.ravel()
    assert s11[0] > 0  # chi1 chi1 is invisible: S does not depend on c tau
    np.testing.assert_allclose(s11, s11[0], rtol=1e-12)


def test_netcdf_and_csv_round_trip(idm_map: xr.Dataset, tmp_path: Path) -> None:
    nc, csv = write_effmap(idm_map, tmp_path / "map.nc", tmp_path / "map.csv")
    back = xr.open_dataset(nc, engine="h5netcdf")
    try:
        np.testing.assert_array_equal(back[EFFMAP_VARIABLE].values, idm_map[EFFMAP_VARIABLE].values)
        assert back["ctau"].attrs["units"] == "m"
        assert back["m_Ap"].attrs["units"] == "GeV"
        assert "recast" in back.attrs
    finally:
        back.close()
    lines = [ln for ln in csv.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    rows = np.genfromtxt(lines, delimiter=",", names=True, dtype=None, encoding="utf-8")
    assert rows.size == idm_map[EFFMAP_VARIABLE].size
    me = rows[rows["selection"] == "missing-energy"]
    np.testing.assert_array_equal(me["ctau_m"], CTAU)
    np.testing.assert_array_equal(
        me[EFFMAP_VARIABLE], idm_map[EFFMAP_VARIABLE].sel(selection="missing-energy").values.ravel()
    )
    assert math.isclose(float(me["m_chi1"][0]), 0.1 / 3.0, rel_tol=1e-15)


def test_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="--ctau"):
        build_effmap(EffMapSpec(CARD, [0.1], [3.0], [0.4], [10.0, 1.0]))
    with pytest.raises(ParameterError, match="--model"):
        build_effmap(EffMapSpec(CARD, [0.1], [3.0], [0.4], [1.0], kind="invisible"))
    res = CliRunner().invoke(main, ["effmap", "--experiment", "na64-2016-2018", "--model", "idm", "--mA", "0.1",
                                    "--ratio", "3", "--delta", "0.4", "--ctau-min", "1", "--ctau-max", "10",
                                    "--n-ctau", "0", "--out", str(tmp_path / "m.nc")])  # fmt: skip
    assert res.exit_code == 2, res.output
    assert len(res.output.strip().splitlines()) == 1


def test_cli_effmap(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["effmap", "--experiment", "na64-2016-2018", "--model", "idm", "--mA", "0.1",
                                    "--ratio", "3", "--delta", "0.4", "--ctau-min", "0.1", "--ctau-max", "10",
                                    "--n-ctau", "3", "--selection", "s1", "--n-events", "200", "--out",
                                    str(tmp_path / "m.nc"), "--csv", str(tmp_path / "m.csv")])  # fmt: skip
    assert res.exit_code == 0, res.output
    with xr.open_dataset(tmp_path / "m.nc", engine="h5netcdf") as ds:
        assert ds[EFFMAP_VARIABLE].shape == (1, 1, 1, 1, 1, 3)
    assert (tmp_path / "m.csv").is_file()
