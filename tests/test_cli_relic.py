"""`semivis relic`: JSON output and one-line errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from semivis.cli import main


def test_relic_json_idm() -> None:
    res = CliRunner().invoke(
        main,
        ["relic", "--model", "idm", "--mchi1", "0.1", "--ratio", "3", "--delta", "0.1", "--alphaD", "0.1", "--json"],
    )
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert {"y", "eps", "omega_h2"} <= set(out)
    assert out["omega_h2"] == pytest.approx(0.12, rel=2e-3)
    assert out["y"] == pytest.approx(out["eps"] ** 2 * 0.1 / 3**4, rel=1e-12)
    assert 1e-10 < out["y"] < 5e-10


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["--model", "idm", "--mchi1", "-1", "--delta", "0.1", "--alphaD", "0.1"], "--mchi1"),
        (["--model", "idm", "--mchi1", "0.1", "--delta", "0", "--alphaD", "0.1"], "--delta"),
        (["--model", "idm", "--mchi1", "0.1", "--delta", "0.1", "--alphaD", "-2"], "--alphaD"),
        (["--model", "i2dm", "--mchi1", "0.1", "--delta", "0.1", "--alphaD", "0.1"], "--theta"),
        (["--model", "idm", "--mchi1", "0.1", "--delta", "0.1", "--alphaD", "0.1", "--theta", "0.1"], "--theta"),
        (["--model", "idm", "--delta", "0.1", "--alphaD", "0.1"], "--mchi1"),
        (["--model", "idm", "--mchi1", "0.1", "--ratio", "-3", "--delta", "0.1", "--alphaD", "0.1"], "--ratio"),
    ],
)
def test_relic_bad_input_one_line_exit_2(args: list[str], name: str) -> None:
    res = CliRunner().invoke(main, ["relic", *args])
    assert res.exit_code == 2
    lines = [ln for ln in res.output.strip().splitlines() if ln]
    assert len(lines) == 1
    assert name in lines[0]


def _error_line(args: list[str]) -> str:
    res = CliRunner().invoke(main, ["relic", *args])
    lines = [ln for ln in res.stderr.strip().splitlines() if ln]
    assert res.exit_code == 2, res.output
    assert len(lines) == 1, res.output
    assert lines[0].startswith("semivis: error: ")
    return lines[0]


IDM_POINT = ["--model", "idm", "--delta", "0.4", "--alphaD", "0.1"]


@pytest.mark.parametrize("ratio", ["0.5", "0.01", "1.5", "2"])
def test_ratio_at_or_below_two_is_refused_as_the_unmodelled_secluded_regime(ratio: str) -> None:
    """R <= 2: chi chi -> A'A' (no eps, ~alpha_D^2) is open (R < 1) or in the thermal tail and is not among the
    modelled rates, so no target is printed (R = 0.5 printed one; R = 0.01 was a ZeroDivisionError)."""
    line = _error_line([*IDM_POINT, "--mchi1", "0.1", "--ratio", ratio])
    assert f"--ratio = {float(ratio)!r}" in line
    assert "--ratio > 2" in line
    assert "A'A'" in line


def test_relic_target_refuses_the_secluded_regime_too() -> None:
    from semivis.cosmo import RELIC_RATIO_MIN, relic_target  # noqa: PLC0415
    from semivis.errors import ParameterError  # noqa: PLC0415

    assert RELIC_RATIO_MIN == 2.0
    with pytest.raises(ParameterError, match=r"^ratio = 0\.5 .*ratio > 2\.0"):
        relic_target("idm", m_chi1=0.1, ratio=0.5, delta=0.4, alpha_D=0.1)


def test_mA_errors_name_mA_not_mchi1() -> None:
    line = _error_line([*IDM_POINT, "--mA", "-0.3", "--ratio", "3"])
    assert "--mA = -0.3" in line
    assert "--mchi1 =" not in line


def test_alphaD_message_names_the_option_with_the_exact_bound() -> None:
    line = _error_line(["--model", "idm", "--mchi1", "0.1", "--delta", "0.4", "--alphaD", "13"])
    assert "--alphaD = 13.0" in line
    assert "alpha_D" not in line


def test_i2dm_at_tiny_theta_says_there_is_no_target_not_a_solver_failure() -> None:
    """theta = 1e-6: chi1 hardly converts (rates ~ theta^2) and Omega h^2 > 0.12 even at eps = 1 (0.60); the solver
    fails at the first guess eps = 1e-3, which must give that answer, not 'non-finite solution'."""
    line = _error_line(["--model", "i2dm", "--mchi1", "0.1", "--delta", "0.4", "--alphaD", "0.1", "--theta", "1e-6"])
    assert "no eps in [1e-09, 1] gives Omega h^2 = 0.120" in line
    assert "non-finite" not in line


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        (["--model", "idm", "--mchi1", "1.0", "--delta", "0.1", "--alphaD", "4.4e-271"], "--alphaD = 4.4e-271"),
        (["--model", "i2dm", "--mchi1", "1.0", "--delta", "0.1", "--alphaD", "1e-320", "--theta", "1.0"], "--alphaD"),
        (["--model", "idm", "--mchi1", "1.0", "--delta", "0.1", "--alphaD", "9e-9"], "--alphaD = 9e-09"),
        (["--model", "i2dm", "--mchi1", "1.0", "--delta", "0.1", "--alphaD", "1.0", "--theta", "1e-320"], "--theta"),
        (
            ["--model", "i2dm", "--mchi1", "1.0", "--delta", "0.1", "--alphaD", "1.0", "--theta", "5e-8"],
            "--theta = 5e-08",
        ),
    ],
)
def test_alphaD_and_theta_below_the_relic_range_are_refused_naming_the_option(args: list[str], shown: str) -> None:
    """alpha_D < 1e-8 (annihilation ~ eps^2 alpha_D: no eps <= 1 reaches 0.120) and theta < 1e-7 (chi1 decoupled
    from chi2 before freeze-out) are outside the target's range: before, the solver's 'no eps ...' or 'non-finite
    solution' named no option, and theta = 1e-320 printed a wrong target."""
    from semivis.cosmo import RELIC_ALPHA_D_MIN, RELIC_THETA_MIN  # noqa: PLC0415

    line = _error_line(args)
    assert shown in line
    bound = f">= {RELIC_ALPHA_D_MIN}" if "--alphaD" in shown else f">= {RELIC_THETA_MIN}"
    assert bound in line


def test_i2dm_target_across_a_jump_of_omega_is_refused_not_printed() -> None:
    """i2DM at theta = 1e-6, m_chi1 = 1 GeV: chi1 leaves equilibrium before the solver starts, and Omega h^2(eps)
    jumps from 0.21 to 0.107 across eps ~ 0.1 (the start moves by one grid node). Brent bracketed the jump and the
    command printed eps = 0.1004 with omega_h2 = 0.107 and exit 0; now the target is refused."""
    args = ["--model", "i2dm", "--mchi1", "1.0", "--delta", "0.05623413251903491", "--alphaD", "1.0"]
    line = _error_line([*args, "--theta", "1e-6"])
    assert "Omega h^2 jumps across 0.120" in line


def test_relic_command_checks_its_own_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The printed target is recomputed; an Omega h^2 away from 0.120 (beyond RELIC_OMEGA_RTOL) is never printed."""
    import semivis.cli.relic as relic_cli  # noqa: PLC0415

    monkeypatch.setattr(relic_cli, "relic_omega_h2", lambda *a, **k: 0.107)
    line = _error_line(["--model", "idm", "--mchi1", "0.1", "--ratio", "3", "--delta", "0.1", "--alphaD", "0.1"])
    assert "recomputed at eps" in line
    assert "is 0.107, not 0.120" in line


def test_i2dm_light_chi1_with_a_stable_chi2_has_a_target() -> None:
    """An ordinary point (fuzz finding): the coupled solver failed with 'non-finite solution'; now a target whose
    recomputed Omega h^2 is 0.120."""
    args = ["--model", "i2dm", "--mchi1", "0.01", "--delta", "0.1", "--alphaD", "1.0", "--theta", "0.01", "--json"]
    res = CliRunner().invoke(main, ["relic", *args])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["omega_h2"] == pytest.approx(0.12, rel=2e-3)
    assert 1e-5 < out["eps"] < 1e-3
