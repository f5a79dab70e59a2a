"""`semivis cite` and CITATION.cff: BibTeX of semivis and of the physics a figure or result rests on."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from semivis import __version__
from semivis.cli import main
from semivis.export import CONSTRAINT_KEYS, FIGURE_KEYS, SCAN_KEYS, bibtex, entries

ROOT = Path(__file__).resolve().parents[1]


def _keys(text: str) -> list[str]:
    return re.findall(r"^@\w+\{([^,]+),", text, flags=re.MULTILINE)


def test_database_has_every_cited_key_once() -> None:
    text = (ROOT / "src" / "semivis" / "data" / "references.bib").read_text()
    keys = _keys(text)
    assert len(keys) == len(set(keys))
    assert set(SCAN_KEYS) | set(FIGURE_KEYS) <= set(entries())
    assert f"version = {{{__version__}}}" in bibtex(["semivis"])


def test_cite_figure_names_its_paper_and_relic_physics() -> None:
    res = CliRunner().invoke(main, ["cite", "epjc2023-fig3"])
    assert res.exit_code == 0, res.output
    keys = _keys(res.stdout)
    assert keys[:2] == ["semivis", "Mongillo:2023na64"]
    assert {"Tsai:1973py", "Read:2002hq", "Planck:2018vyg", "Saikawa:2018rcs", "ParticleDataGroup:2020ssz"} <= set(keys)
    assert "NA64:2021semivisible" in _keys(CliRunner().invoke(main, ["cite", "epjc2021-fig4"]).stdout)
    # the regions Fig. 3 computes itself cite the experiment, the production model and the validation curve
    assert {"BaBar:2017tiz", "Bjorken:1988as", "Andreas:2012mt", "CHARM:1985anb", "Blumlein:1990ay"} <= set(keys)
    assert {"Bonesini:2001iz", "Blumlein:2013cua", "Tsai:2019mtm"} <= set(keys)
    assert "Davier:1989wz" not in keys  # Orsay is not drawn in Fig. 3


def test_every_constraint_key_is_a_drawn_or_registered_constraint() -> None:
    from semivis.constraints import CONSTRAINTS  # noqa: PLC0415

    assert set(CONSTRAINT_KEYS) <= set(CONSTRAINTS)
    assert {k for ks in CONSTRAINT_KEYS.values() for k in ks} <= set(entries())


def test_cite_without_argument_prints_everything() -> None:
    res = CliRunner().invoke(main, ["cite"])
    assert res.exit_code == 0
    assert set(_keys(res.stdout)) == set(entries())


def test_cite_bad_input_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.nc"
    notes.write_text("x")
    for args, option in ((["cite", "fig99"], "FIGURE"), (["cite", "--result", str(notes)], "--result")):
        res = CliRunner().invoke(main, args)
        assert res.exit_code == 2
        assert option in res.output
        assert len(res.output.strip().splitlines()) == 1


def test_citation_cff_matches_the_package() -> None:
    cff = (ROOT / "CITATION.cff").read_text()
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)[1]  # type: ignore[index]
    assert f'version: "{version}"' in cff
    assert "license: MIT" in cff
    assert "2302.05414" in cff
    assert "2107.02021" in cff
