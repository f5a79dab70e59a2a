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
