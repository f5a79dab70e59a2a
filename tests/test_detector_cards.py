"""Experiment cards: shipped cards, schema validation, errors naming the file and the key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from semivis.detector import CARD_SCHEMA, list_cards, load_card
from semivis.detector.cards import CARDS_PACKAGE_DIR
from semivis.errors import CardError, ParameterError
from semivis.production import TargetSpec
from semivis.signal import selection_for_card

SHIPPED = {"na64-2016-2018": 2.84e11, "na64-2016-2022": 9.37e11, "na64-ls3": 5e12, "na64-compact-hcal1": 5e12}


def test_shipped_cards_load_with_published_eot() -> None:
    assert set(SHIPPED) <= set(list_cards())
    for name, eot in SHIPPED.items():
        card = load_card(name)
        assert card.name == name
        assert card.eot == eot  # EPJC2023 Sect. 3.2 / Fig. 3, EPJC2021 Fig. 5
        assert card.beam_energy_GeV == 100.0
        assert card.ecal_max_GeV == 50.0
        assert card.hcal_threshold_GeV == 1.0
        assert card.E_min_GeV == 50.0


def test_geometry_of_the_standard_setup() -> None:
    card = load_card("na64-2016-2018")
    assert isinstance(card.target, TargetSpec)
    # ~40 X0 of Pb/Sc, 150 layers, 0.45 m (EPJC2021, EPJC2023 Sect. 3.1)
    assert card.target.n_X0 == pytest.approx(40.0, rel=0.03)
    assert card.ecal.length_m == pytest.approx(0.45)
    assert card.target.length_m == pytest.approx(card.ecal.length_m)
    names = [r[0] for r in card.regions]
    assert names[0] == "ecal"
    assert names[-1] == "beyond"
    zs = [r[1] for r in card.regions]
    assert zs == sorted(zs)
    assert card.setup_end_m == pytest.approx(6.0)  # EPJC2021: S2 needs >~ 6 m
    for h in (card.hcal1, card.hcal2, card.hcal3):
        assert h.length_m == pytest.approx(1.6)
    assert 0.5 <= float(card.signal_efficiency(0.01)) <= 0.7
    assert 0.5 <= float(card.signal_efficiency(1.0)) <= 0.7


def test_compact_hcal1_card() -> None:
    card = load_card("na64-compact-hcal1")
    std = load_card("na64-2016-2018")
    assert card.hcal1.length_m == pytest.approx(0.5)  # EPJC2021: 50 cm instead of 150 cm
    assert card.hcal2.z_start_m < std.hcal2.z_start_m
    assert card.hcal3.length_m == std.hcal3.length_m


def _write(tmp_path: Path, text: str, name: str = "my-card.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _base_text() -> str:
    return (CARDS_PACKAGE_DIR / "na64-2016-2018.toml").read_text()


def test_new_setup_is_a_new_card(tmp_path: Path) -> None:
    text = _base_text().replace('name = "na64-2016-2018"', 'name = "my-setup"').replace("eot = 2.84e11", "eot = 1e10")
    card = load_card(_write(tmp_path, text))
    assert card.name == "my-setup"
    assert card.eot == 1e10


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("[hcal2]\n", "[hcal2]\nfoo = 1\n", "hcal2.foo"),
        ("eot = 2.84e11", "eot = 2.84e11\nbogus = 3", "bogus"),
        ("eot = 2.84e11", "eot = -1.0", "eot"),
        ('particle = "e-"', 'particle = "pi-"', "beam.particle"),
        ("n_layers = 150", 'n_layers = "many"', "target.n_layers"),
        ("hcal_GeV = 1.0", "", "thresholds.hcal_GeV"),
        ("background = 0.19", "background = 0.19\nextra = 2", "selections.s1.extra"),
    ],
)
def test_schema_errors_name_file_and_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    text = _base_text()
    assert old in text
    path = _write(tmp_path, text.replace(old, new, 1))
    with pytest.raises(CardError) as err:
        load_card(path)
    assert err.value.key == key
    assert str(path) in str(err.value)


def test_overlapping_modules_and_unknown_material(tmp_path: Path) -> None:
    text = _base_text().replace("z_start_m = 2.60", "z_start_m = 2.00")
    with pytest.raises(CardError, match=r"hcal2\.z_start_m"):
        load_card(_write(tmp_path, text))
    text = _base_text().replace('absorber = "lead"', 'absorber = "unobtainium"')
    with pytest.raises(CardError, match=r"target\.absorber"):
        load_card(_write(tmp_path, text, "b.toml"))


def test_bad_names_and_syntax(tmp_path: Path) -> None:
    with pytest.raises(CardError, match="no such card"):
        load_card("na64-2099")
    with pytest.raises(CardError, match="TOML syntax"):
        load_card(_write(tmp_path, "name = [", "c.toml"))
    with pytest.raises(CardError, match="no such file"):
        load_card(tmp_path / "missing.toml")


def test_schema_forbids_unknown_keys_everywhere() -> None:
    def walk(node: dict[str, object]) -> None:
        if node.get("type") == "object":
            assert node.get("additionalProperties") is False
        for value in node.values():
            if isinstance(value, dict):
                walk(value)

    walk(CARD_SCHEMA)


def test_card_selection_overrides(tmp_path: Path) -> None:
    text = _base_text().replace("extra_efficiency = 0.52", "extra_efficiency = 0.45")
    text += "\n[selections.combined]\nenabled = false\n"
    card = load_card(_write(tmp_path, text))
    assert selection_for_card("s1", card).efficiency == 0.45  # EPJC2021: minimum R-cut efficiency ~45 %
    assert selection_for_card("s1", load_card("na64-2016-2018")).background == 0.19
    with pytest.raises(ParameterError, match="enabled"):
        selection_for_card("combined", card)
