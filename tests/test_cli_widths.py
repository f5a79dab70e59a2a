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


def _one_line_error(code: int, err: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if ln]
    assert code == 2
    assert len(lines) == 1, err
    assert lines[0].startswith("semivis: error: ")
    return lines[0]


@pytest.mark.parametrize("m_ap", ["1e-120", "1e-60", "1e-7"])
@pytest.mark.parametrize("model", [["--model", "idm", "--delta", "0.4"], ["--model", "invisible"]])
def test_mass_below_the_models_range_is_refused_naming_mA(m_ap: str, model: list[str]) -> None:
    """Below 1 keV (A' -> e+e- and chi2 -> chi1 e+e- closed, nothing new) the width formulas reach NaN at ~1e-60:
    refused up front with the range, naming --mA (never theta, which iDM/invisible users never give)."""
    res = CliRunner().invoke(
        main, ["widths", "--mA", m_ap, "--eps", "1e-3", "--alphaD", "0.1", "--ratio", "3", *model, "--json"]
    )
    line = _one_line_error(res.exit_code, res.stderr)
    assert f"--mA = {float(m_ap)!r}" in line
    assert "1e-06 <= --mA <= 100.0" in line
    assert "theta" not in line
    assert "chi2" not in line


@pytest.mark.parametrize(
    ("args", "name"),
    [(["--ratio", "1e308"], "--ratio = 1e+308"), (["--ratio", "2e8"], "--ratio"), (["--mchi1", "1e-200"], "--mchi1")],
)
def test_huge_ratio_is_refused_naming_the_option(args: list[str], name: str) -> None:
    """R = m_A'/m_chi1 <= 1e8 (beyond it 1/R^2 is below double precision: the massless-chi1 limit), where
    R = 1e308 gave a null chi2 width with chi2_stable false."""
    code, _, err = _run("--model", "idm", "--delta", "0.4", *args, "--json")
    assert name in _one_line_error(code, err)


@pytest.mark.parametrize("model", ["idm", "i2dm", "invisible"])
@pytest.mark.parametrize(("m_ap", "ratio"), [("1e-6", "3"), ("1e-6", "1e8"), ("100", "1e8"), ("100", "2.5")])
def test_range_ends_give_finite_consistent_output(model: str, m_ap: str, ratio: str) -> None:
    """At the corners of the allowed (m_A', R) range every number is finite, the BRs sum to 1, and chi2_stable is
    exactly 'Gamma(chi2) = 0' (no numpy warning either: warnings are errors in the tests)."""
    extra = {"idm": ["--delta", "0.1"], "i2dm": ["--delta", "0.1", "--theta", "0.3"], "invisible": []}[model]
    res = CliRunner().invoke(
        main, ["widths", "--model", model, "--mA", m_ap, "--eps", "1e-3", "--alphaD", "0.1", "--ratio", ratio,
               *extra, "--json"],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    assert res.stderr == ""
    d = json.loads(res.stdout)
    assert d["gamma_Ap_GeV"] > 0
    assert sum(d["branching_ratios"].values()) == pytest.approx(1.0, rel=1e-12)
    if model != "invisible":
        assert d["chi2_stable"] is (d["gamma_chi2_GeV"] == 0.0)
        assert (d["ctau_chi2_m"] is None) is d["chi2_stable"]
        assert all(v >= 0 for v in (d["gamma_chi2_GeV"], d["gamma_chi2_approx_GeV"], d["k_factor"]))


@pytest.mark.parametrize(
    ("args", "option", "internal"),
    [
        (["--model", "idm", "--ratio", "3", "--delta", "0.4", "--alphaD", "13"], "--alphaD = 13.0", "alpha_D"),
        (["--model", "idm", "--ratio", "3", "--delta", "0.4", "--mA", "-1"], "--mA = -1.0", "m_Ap"),
        (["--model", "idm", "--ratio", "3", "--delta", "0.4", "--eps", "1"], "--eps = 1.0", " eps "),
        (["--model", "idm", "--ratio", "1.5", "--delta", "0.4"], "--ratio = 1.5", "m_Ap"),
        (["--model", "invisible", "--ratio", "3", "--delta", "0.4"], "--delta = 0.4", " delta "),
    ],
)
def test_errors_name_the_users_options(args: list[str], option: str, internal: str) -> None:
    """Library names (m_Ap, alpha_D, ...) are re-labelled with the options the user typed (cli._common.relabel)."""
    line = _one_line_error(*_run(*args)[::2])
    assert option in line
    assert internal not in line


@pytest.mark.parametrize(
    ("model", "ratio", "bound"),
    [
        (["--model", "idm", "--delta", "0.4"], "2.225073858507203e-309", "> 2 + --delta = 2.4"),
        (["--model", "i2dm", "--delta", "1.0", "--theta", "1.0"], "2.225073858507e-311", "> 2 + --delta = 3.0"),
        (["--model", "invisible"], "1e-320", "> 2"),
        (["--model", "idm", "--delta", "0.4"], "1e-300", "> 2 + --delta = 2.4"),
    ],
)
def test_tiny_ratio_is_refused_with_the_value_typed(model: list[str], ratio: str, bound: str) -> None:
    """A subnormal R made m_chi1 = m_A'/R overflow (a numpy RuntimeWarning on stderr) and the error then said
    '--ratio = 0.0'; R > 2 + delta (A' -> chi1 chi2 open; chi chibar for the invisible model) is now checked on the
    value typed, before dividing."""
    code, _, err = _run(*model, "--ratio", ratio, "--json")
    line = _one_line_error(code, err)
    assert f"--ratio = {float(ratio)!r} is out of range" in line
    assert bound in line
    assert "kinematically closed" in line
