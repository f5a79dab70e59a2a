"""`semivis widths`: table, JSON keys, exit status 2 with a one-line message on bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from semivis.cli import main

KEYS = {
    "gamma_Ap_GeV",
    "branching_ratios",
    "gamma_chi2_GeV",
    "gamma_chi2_approx_GeV",
    "k_factor",
    "ctau_chi2_m",
    "chi2_stable",
}
BASE = ["widths", "--mA", "0.3", "--eps", "1e-3", "--alphaD", "0.1"]


def _run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(main, [*BASE, *args])
    return res.exit_code, res.stdout, res.stderr


def test_json_idm_has_exactly_the_keys() -> None:
    code, out, _ = _run("--model", "idm", "--ratio", "3", "--delta", "0.4", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == KEYS
    assert set(data["branching_ratios"]) == {"e+e-", "mu+mu-", "hadrons", "chi1chi2"}
    assert sum(data["branching_ratios"].values()) == pytest.approx(1.0)
    assert data["k_factor"] == pytest.approx(0.64, abs=0.02)
    assert data["chi2_stable"] is False
    assert data["ctau_chi2_m"] > 0


def test_json_i2dm_with_mchi1() -> None:
    code, out, _ = _run("--model", "i2dm", "--mchi1", "0.1", "--delta", "0.1", "--theta", "0.3", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data["branching_ratios"]) == {"e+e-", "mu+mu-", "hadrons", "chi1chi1", "chi1chi2", "chi2chi2"}


def test_json_invisible_has_null_chi2_keys() -> None:
    code, out, _ = _run("--model", "invisible", "--ratio", "3", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == KEYS
    for key in KEYS - {"gamma_Ap_GeV", "branching_ratios"}:
        assert data[key] is None


def test_json_stable_chi2() -> None:
    res = CliRunner().invoke(
        main,
        [
            "widths",
            "--model",
            "idm",
            "--mA",
            "0.03",
            "--eps",
            "1e-4",
            "--alphaD",
            "0.1",
            "--mchi1",
            "0.01",
            "--delta",
            "0.1",
            "--json",
        ],
    )
    assert res.exit_code == 0
    data = json.loads(res.stdout)
    assert data["chi2_stable"] is True
    assert data["gamma_chi2_GeV"] == 0.0
    assert data["ctau_chi2_m"] is None


def test_table_output() -> None:
    code, out, _ = _run("--model", "idm", "--ratio", "3", "--delta", "0.4")
    assert code == 0
    assert "K = exact/approx" in out
    assert "chi1chi2" in out
    assert "[m]" in out


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["--model", "idm", "--ratio", "3", "--delta", "-0.4"], "delta"),
        (["--model", "idm", "--ratio", "1.5", "--delta", "0.4"], "ratio"),
        (["--model", "idm", "--mchi1", "0.1", "--ratio", "3", "--delta", "0.4"], "--mchi1/--ratio"),
        (["--model", "idm", "--delta", "0.4"], "--mchi1/--ratio"),
        (["--model", "idm", "--ratio", "3"], "--delta"),
        (["--model", "i2dm", "--ratio", "3", "--delta", "0.4"], "--theta"),
        (["--model", "i2dm", "--ratio", "3", "--delta", "0.4", "--theta", "2"], "theta"),
        (["--model", "idm", "--ratio", "3", "--delta", "0.4", "--theta", "0.2"], "--theta"),
        # the invisible model has no chi2: a splitting or an angle is refused, not silently dropped (as `yield` does)
        (["--model", "invisible", "--ratio", "3", "--delta", "0.4"], "--delta = 0.4"),
        (["--model", "invisible", "--ratio", "3", "--theta", "0.2"], "--theta = 0.2"),
    ],
)
def test_invalid_input_exit_2_one_line(args: list[str], name: str) -> None:
    code, out, err = _run(*args, "--json")
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert name in lines[0]
    assert "Traceback" not in err


def test_bad_eps_exit_2() -> None:
    res = CliRunner().invoke(
        main,
        ["widths", "--model", "idm", "--mA", "0.3", "--eps", "2", "--alphaD", "0.1", "--ratio", "3", "--delta", "0.4"],
    )
    assert res.exit_code == 2
    assert "eps = 2.0" in res.stderr
