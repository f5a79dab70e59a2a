"""`semivis g2`: JSON output, bands, upper limits, one-line errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from semivis.cli import main
from semivis.constraints import g2_band, g2_eps


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["g2", *args])
    return res.exit_code, res.output


def test_default_band_is_fnal2021_at_2_sigma() -> None:
    code, out = _run("--mA", "0.3", "--json")
    assert code == 0
    d = json.loads(out)
    ref = g2_eps(0.3, g2_band("fnal2021"), 2.0)
    assert d["band"] == "fnal2021"
    assert d["nsigma"] == 2.0
    for k in ("eps_central", "eps_low", "eps_high"):
        assert d[k] == pytest.approx(float(ref[k]), rel=1e-12)


def test_wp2025_gives_eps_max_only() -> None:
    code, out = _run("--mA", "0.3", "--band", "wp2025", "--json")
    d = json.loads(out)
    assert code == 0
    assert "eps_max" in d
    assert "eps_central" not in d


def test_custom_band_and_nsigma() -> None:
    code, out = _run("--mA", "0.5", "--delta-amu", "2e-9", "--sigma-amu", "4e-10", "--nsigma", "1", "--json")
    d = json.loads(out)
    assert code == 0
    assert d["band"] == "custom"
    assert d["eps_low"] < d["eps_central"] < d["eps_high"]


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["--mA", "-0.3"], "--mA"),
        (["--mA", "0.3", "--band", "xyz"], "--band"),
        (["--mA", "0.3", "--delta-amu", "2e-9"], "--sigma-amu"),
        (["--mA", "0.3", "--band", "bnl2006", "--delta-amu", "2e-9", "--sigma-amu", "1e-10"], "--band"),
        (["--mA", "0.3", "--nsigma", "0"], "--nsigma"),
    ],
)
def test_bad_input_one_line_exit_2(args: list[str], name: str) -> None:
    code, out = _run(*args)
    assert code == 2
    lines = [ln for ln in out.strip().splitlines() if ln]
    assert len(lines) == 1
    assert name in lines[0]


def _error_line(args: list[str]) -> str:
    res = CliRunner().invoke(main, ["g2", *args])
    lines = [ln for ln in res.stderr.strip().splitlines() if ln]
    assert res.exit_code == 2
    assert len(lines) == 1, res.output
    return lines[0]


@pytest.mark.parametrize("m_ap", ["1e4", "1e300", "48.4"])
def test_mass_where_eps_would_reach_one_is_refused(m_ap: str) -> None:
    """eps_(g-2) >= 1 (170 at 10 TeV; inf/null at 1e300 from an overflowing loop integral) is unphysical: refused,
    naming --mA and its range (48.4 GeV for fnal2021 at 2 sigma)."""
    line = _error_line(["--mA", m_ap, "--json"])
    assert f"--mA = {float(m_ap)!r}" in line
    assert "0 < --mA < 48.39" in line


def test_just_inside_the_mass_range_eps_stays_below_one() -> None:
    res = CliRunner().invoke(main, ["g2", "--mA", "48.39", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert d["eps_low"] < d["eps_central"] < d["eps_high"] < 1.0
    assert d["eps_high"] == pytest.approx(1.0, abs=1e-3)


def test_band_name_is_case_insensitive_like_the_rules() -> None:
    """`--band FNAL2021` as `limit --eps g2:FNAL2021:central` (documented case-insensitive)."""
    upper = CliRunner().invoke(main, ["g2", "--mA", "0.3", "--band", "FNAL2021", "--json"])
    lower = CliRunner().invoke(main, ["g2", "--mA", "0.3", "--band", "fnal2021", "--json"])
    assert upper.exit_code == 0, upper.output
    assert json.loads(upper.stdout) == json.loads(lower.stdout)


def test_negative_band_names_delta_amu_not_nsigma() -> None:
    """A band entirely below 0 (central + n sigma <= 0) cannot be explained by a positive A' contribution: the
    user's --delta-amu is blamed, never the internal 'nsigma'."""
    line = _error_line(["--mA", "0.3", "--delta-amu", "-251e-11", "--sigma-amu", "59e-11"])
    assert "--delta-amu = -2.51e-09" in line
    assert "nsigma =" not in line


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["--delta-amu", "1e-8", "--sigma-amu", "1e308"], "--sigma-amu = 1e+308"),
        (["--delta-amu", "1e-8", "--sigma-amu", "2e-6"], "--sigma-amu = 2e-06"),
        (["--delta-amu", "2e-6", "--sigma-amu", "1e-9"], "--delta-amu = 2e-06"),
        (["--nsigma", "1e308"], "--nsigma = 1e+308"),
    ],
)
def test_custom_band_beyond_its_range_is_refused_naming_the_option(args: list[str], shown: str) -> None:
    """|Delta a_mu|, sigma <= 1e-6 (a thousand times the measured ~1e-9) and nsigma <= 100: sigma = 1e308 made the
    band edge infinite and g2_m_Ap_max died in math.log ('math domain error' traceback)."""
    line = _error_line(["--mA", "0.01", *args])
    assert shown in line
    assert line.startswith("semivis: error: ")


def test_widest_custom_band_in_range_gives_eps_below_one() -> None:
    code, out = _run("--mA", "0.01", "--delta-amu", "1e-6", "--sigma-amu", "1e-6", "--nsigma", "100", "--json")
    assert code == 0, out
    d = json.loads(out)
    assert 0 < d["eps_max"] < 1
