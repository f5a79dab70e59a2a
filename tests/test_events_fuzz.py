"""Hostile input to `semivis events` and `semivis effmap` (the property of tests/test_fuzz_cli.py for these two
sub-commands): exit 0 or 2, never a traceback; a refusal is one line naming an option of the command; a refused
`semivis events` leaves no file under --out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from semivis.cli import main

_ERROR = re.compile(r"semivis: error: (?P<name>\S+) = ")
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=10)
_NUM = st.one_of(st.sampled_from(["nan", "inf", "-1", "0", "1e-300", "abc", ""]), st.floats(-10, 10).map(str))
_EVENTS_OPTIONS = {"--format", "-n", "--force-region", "--selection", "--pdg", "--out", "--seed", "--mA", "--eps",
                   "--alphaD", "--mchi1", "--ratio", "--delta", "--theta", "--mchi1/--ratio", "--eot", "--experiment",
                   "--model", "--mA/--mchi1"}  # fmt: skip


def _check(args: list[str], names: set[str]) -> int:
    res = CliRunner().invoke(main, args)
    if res.exception is not None:
        assert isinstance(res.exception, SystemExit), (args, res.exception)
    assert res.exit_code in {0, 2}, (args, res.output)
    assert "Traceback" not in res.output
    if res.exit_code == 2:
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 or lines[-1].startswith("Error:"), (args, res.stderr)  # click usage errors: 3 lines
        param = _ERROR.match(lines[0])
        if param:
            assert param["name"] in names, (args, lines[0])
    return int(res.exit_code)


@settings(max_examples=20, deadline=None, derandomize=True, database=None)
@given(
    fmt=st.one_of(st.sampled_from(["hepmc3", "lhe"]), _TEXT),
    n=st.integers(-3, 30),
    region=st.one_of(st.none(), st.sampled_from(["hcal2", "beyond"]), _TEXT),
    selection=st.one_of(st.none(), st.sampled_from(["s1", "missing-energy"]), _TEXT),
    pdg=st.one_of(st.none(), st.sampled_from(["Ap=622", "chi1=11", "x=1"]), _TEXT),
    m_Ap=st.one_of(st.sampled_from(["0.1", "0.05"]), _NUM),
    eps=st.one_of(st.just("3e-4"), _NUM),
)
def test_events_hostile_options(  # noqa: PLR0917
    tmp_path_factory: pytest.TempPathFactory,
    fmt: str,
    n: int,
    region: str | None,
    selection: str | None,
    pdg: str | None,
    m_Ap: str,
    eps: str,
) -> None:
    base = tmp_path_factory.mktemp("fuzz")
    out = base / "ev.out"
    args = ["events", "--experiment", "na64-2016-2018", "--model", "idm", "--mA", m_Ap, "--eps", eps, "--alphaD",
            "0.1", "--ratio", "3", "--delta", "0.4", "-n", str(n), "--format", fmt, "--out", str(out),
            "--no-progress"]  # fmt: skip
    args += [] if region is None else ["--force-region", region]
    args += [] if selection is None else ["--selection", selection]
    args += [] if pdg is None else ["--pdg", pdg]
    code = _check(args, _EVENTS_OPTIONS)
    assert out.exists() == (code == 0)
    assert sorted(p.name for p in base.iterdir()) == (["ev.out"] if code == 0 else [])  # no temporary file left


@settings(max_examples=15, deadline=None, derandomize=True, database=None)
@given(
    m_Ap=st.one_of(st.just("0.1"), _NUM, _TEXT),
    ctau_min=st.one_of(st.just("0.1"), _NUM),
    n_ctau=st.integers(-2, 4),
    model=st.one_of(st.sampled_from(["idm", "i2dm", "invisible"]), _TEXT),
)
def test_effmap_hostile_options(
    tmp_path_factory: pytest.TempPathFactory, m_Ap: str, ctau_min: str, n_ctau: int, model: str
) -> None:
    base = tmp_path_factory.mktemp("fuzz")
    args = ["effmap", "--experiment", "na64-2016-2018", "--model", model, "--mA", m_Ap, "--ratio", "3", "--delta",
            "0.4", "--ctau-min", ctau_min, "--ctau-max", "10", "--n-ctau", str(n_ctau), "--selection", "s1",
            "--n-events", "100", "--out", str(base / "m.nc")]  # fmt: skip
    code = _check(args, {"--experiment", "--model", "--mA", "--ratio", "--delta", "--ctau", "--ctau-min/--ctau-max",
                         "--n-ctau", "--selection", "--n-events", "--out", "--csv", "--seed"})  # fmt: skip
    assert (base / "m.nc").exists() == (code == 0)


def test_events_refusal_leaves_no_file(tmp_path: Path) -> None:
    code = _check(["events", "--experiment", "na64-2016-2018", "--model", "idm", "--mA", "0.1", "--eps", "3e-4",
                   "--alphaD", "0.1", "--ratio", "3", "--delta", "0.4", "-n", "5", "--format", "lhe", "--out",
                   str(tmp_path / "e.lhe"), "--seed", "-1"], _EVENTS_OPTIONS)  # fmt: skip
    assert code == 2
    assert not list(tmp_path.iterdir())
