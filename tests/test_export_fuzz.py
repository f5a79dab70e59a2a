"""Hostile input to `semivis export` and `semivis cite` (the property of tests/test_fuzz_cli.py for these two
sub-commands): exit 0 or 2, never a traceback; a refusal is exactly one line naming an option or argument."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from semivis.cli import main

_ERROR = re.compile(r"semivis: error: (?P<name>\S+) = ")
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)


def _check(args: list[str], names: set[str]) -> None:
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


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(fmt=_TEXT, result=_TEXT, out=_TEXT)
def test_export_hostile_options(tmp_path_factory: pytest.TempPathFactory, fmt: str, result: str, out: str) -> None:
    base = tmp_path_factory.mktemp("fuzz")  # a fresh folder per example
    (base / "notes.nc").write_text("not a result")
    target = str(base / result) if result else str(base / "notes.nc")
    _check(["export", target, "--format", fmt, "--out", str(base / out)], {"--format", "--out", "RESULT"})


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(figure=_TEXT)
def test_cite_hostile_figure(figure: str) -> None:
    _check(["cite", figure], {"FIGURE", "--result"})
