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
