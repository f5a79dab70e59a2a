"""Experiment cards: shipped cards, schema validation, errors naming the file and the key path."""

from __future__ import annotations

import copy
import json
import math
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from semivis.cli import main
from semivis.detector import CARD_SCHEMA, ExperimentCard, list_cards, load_card
from semivis.detector.cards import CARDS_PACKAGE_DIR
from semivis.errors import CardError, ParameterError
from semivis.production import TargetSpec
from semivis.signal import selection_for_card

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

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


NORMALISED = "na64-invisible-2016-2022"


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_efficiency_normalisation_default_is_first_principles(name: str) -> None:
    """Every shipped card uses its efficiency table as it is unless asked (issue 11: results stay bit-identical)."""
    card = load_card(name)
    assert card.efficiency_normalisation == "first-principles"
    assert card.efficiency_factor == 1.0
    assert card.efficiency_label == "first-principles signal efficiency"
    m = [1e-3, 0.03, 0.1, 0.5, 2.0]
    table = np.interp(np.log(m), np.log(card.efficiency_mass_GeV), card.efficiency_value)
    assert np.array_equal(card.signal_efficiency(m), table)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_normalised_efficiency_is_one_global_factor(name: str) -> None:
    """The normalised mode multiplies the table by the card's one factor at every mass (never per mass)."""
    card = load_card(name)
    norm = card.with_efficiency_normalisation(NORMALISED)
    assert norm == load_card(name, NORMALISED)
    assert norm.efficiency_normalisation == NORMALISED
    factor = card.efficiency_normalisations[NORMALISED].factor
    assert norm.efficiency_factor == factor
    assert 0.5 < factor < 0.8  # NA64's yield x efficiency is ~1/1.5 of semivis's (tests/test_invisible_validation.py)
    m = np.geomspace(1e-3, 2.0, 17)
    assert np.array_equal(norm.signal_efficiency(m), card.signal_efficiency(m) * factor)
    assert "PRL 131 (2023) 161801" in norm.efficiency_label
    assert norm.with_efficiency_normalisation("first-principles").signal_efficiency(0.1) == card.signal_efficiency(0.1)
    # the mode is part of the card content: caches keep the two apart
    assert norm.detector_key() != card.detector_key()
    assert load_card(name).raw == card.raw  # the shipped card object is not modified


def test_standard_setup_cards_share_factor_and_detector_key() -> None:
    """na64-2016-2018, -2022 and -ls3 are one detector: same factor, same detector_key in either mode."""
    for mode in ("first-principles", NORMALISED):
        keys = {load_card(n, mode).detector_key() for n in ("na64-2016-2018", "na64-2016-2022", "na64-ls3")}
        assert len(keys) == 1


def test_unknown_normalisation_mode_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="efficiency_normalisation"):
        load_card("na64-2016-2022", "per-mass")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ('normalisation = "first-principles"', 'normalisation = "per-mass"', "efficiency.normalisation"),
        ("factor = 0.655", "factor = 0.0", "efficiency.na64-invisible-2016-2022.factor"),
        ("factor = 0.655", "factor = 1.5", "efficiency.na64-invisible-2016-2022.factor"),
        ("uncertainty = 0.018", "uncertainty = -0.1", "efficiency.na64-invisible-2016-2022.uncertainty"),
        ("uncertainty = 0.018", "", "efficiency.na64-invisible-2016-2022.uncertainty"),
    ],
)
def test_bad_normalisation_entries_name_the_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    text = _base_text()
    assert old in text
    with pytest.raises(CardError) as err:
        load_card(_write(tmp_path, text.replace(old, new, 1)))
    assert err.value.key == key


def test_normalised_mode_without_its_factor_is_a_card_error(tmp_path: Path) -> None:
    text = _base_text()
    head, _, tail = text.partition("[efficiency.na64-invisible-2016-2022]")
    without = head + tail[tail.index("[selections") :]
    assert load_card(_write(tmp_path, without)).efficiency_normalisations == {}
    with pytest.raises(CardError, match="no factor") as err:
        load_card(_write(tmp_path, without), NORMALISED)
    assert err.value.key == f"efficiency.{NORMALISED}"
    chosen = without.replace('normalisation = "first-principles"', f'normalisation = "{NORMALISED}"')
    with pytest.raises(CardError, match="required") as err:
        load_card(_write(tmp_path, chosen))
    assert err.value.key == f"efficiency.{NORMALISED}"


def test_card_file_can_select_the_normalised_mode(tmp_path: Path) -> None:
    text = _base_text().replace('normalisation = "first-principles"', f'normalisation = "{NORMALISED}"')
    card = load_card(_write(tmp_path, text))
    assert card.efficiency_normalisation == NORMALISED
    assert card.signal_efficiency(0.1) == pytest.approx(0.62 * 0.655, rel=1e-12)


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
    text += '\n[selections."box+s1"]\nenabled = false\n'
    card = load_card(_write(tmp_path, text))
    assert selection_for_card("s1", card).efficiency == 0.45  # EPJC2021: minimum R-cut efficiency ~45 %
    assert selection_for_card("s1", load_card("na64-2016-2018")).background == 0.19
    with pytest.raises(ParameterError, match="enabled"):
        selection_for_card("box+s1", card)


def test_retired_selection_name_in_a_card_names_the_new_ones(tmp_path: Path) -> None:
    path = _write(tmp_path, _base_text() + "\n[selections.combined]\nenabled = false\n")
    with pytest.raises(CardError, match=r"box\+s1, s1\+s2") as err:
        load_card(path)
    assert err.value.key == "selections.combined"


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        # TOML allows nan/inf; each of these used to give a wrong result or a null yield with exit 0 (issue 16)
        ("length_m = 0.10", "length_m = nan", "veto.length_m"),  # the VETO vanished: N_sig 52.6 -> 54.8
        ("z_start_m = 0.80", "z_start_m = nan", "hcal1.z_start_m"),  # HCAL1 vanished: N_sig -> 66.0
        ("eot = 2.84e11", "eot = nan", "eot"),
        ("eot = 2.84e11", "eot = inf", "eot"),
        ("eot = 2.84e11", "eot = -inf", "eot"),
        ("value = [0.70, 0.68, 0.62, 0.55]", "value = [0.70, nan, 0.62, 0.55]", "efficiency.value[1]"),
        ("background = 0.19", "background = nan", "selections.s1.background"),
        ("energy_GeV = 100.0", "energy_GeV = +inf", "beam.energy_GeV"),
    ],
)
def test_non_finite_numbers_are_refused_naming_file_and_key(tmp_path: Path, old: str, new: str, key: str) -> None:
    text = _base_text()
    assert old in text
    path = _write(tmp_path, text.replace(old, new, 1))
    with pytest.raises(CardError, match="not a finite number") as err:
        load_card(path)
    assert err.value.key == key
    assert str(path) in str(err.value)


@pytest.mark.parametrize(
    "payload",
    [
        bytes(range(256)) * 16,  # binary garbage
        b'# a comment with a Latin-1 byte: \xe9\nname = "x"\n',
    ],
)
def test_non_utf8_card_is_a_one_line_card_error(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "binary.toml"
    path.write_bytes(payload)
    with pytest.raises(CardError, match="not a UTF-8 text file") as err:
        load_card(path)
    assert err.value.key == "<file>"
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_schema_is_the_versioned_package_data_file() -> None:
    import json  # noqa: PLC0415

    from semivis.data import data_path, load_schema  # noqa: PLC0415

    shipped = json.loads(data_path("schemas/card.v1.json").read_text(encoding="utf-8"))
    assert CARD_SCHEMA == shipped == load_schema("card.v1.json")
    assert shipped["properties"]["schema_version"] == {"const": 1}
    for name in list_cards():  # every shipped card declares the version of the file it is checked against
        assert load_card(name).raw["schema_version"] == 1


def test_card_schema_knows_exactly_the_selection_registry() -> None:
    from semivis.signal import SELECTIONS  # noqa: PLC0415
    from semivis.signal.selections import MISSING_MOMENTUM  # noqa: PLC0415  (muon cards' own selection kind)

    assert set(CARD_SCHEMA["properties"]["selections"]["properties"]) == set(SELECTIONS) | {MISSING_MOMENTUM.name}


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value == math.inf else "-inf" if value == -math.inf else repr(value))
        )
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string (same escapes)
    assert isinstance(value, list)
    return "[" + ", ".join(_toml_value(v) for v in value) + "]"


def _toml(table: dict[str, object], prefix: str = "") -> str:
    """Minimal TOML writer for card-shaped data (scalars and arrays, then sub-tables)."""
    lines = [f"{json.dumps(k)} = {_toml_value(v)}" for k, v in table.items() if not isinstance(v, dict)]
    for key, sub in table.items():
        if isinstance(sub, dict):
            name = f"{prefix}.{json.dumps(key)}" if prefix else json.dumps(key)
            lines.append(f"\n[{name}]\n{_toml(sub, name)}")
    return "\n".join(lines)


def _leaves(node: object, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))]
    return [path]


BASE_CARD = tomllib.loads(_base_text())
CARD_LEAVES = [p for p in _leaves(BASE_CARD) if p[0] != "schema_version"]
CARD_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, 1e308, 5e-324, -1.0]),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.text(max_size=8),
    st.booleans(),
    st.lists(st.floats(allow_nan=True), max_size=3),
)


@settings(deadline=None)
@given(path=st.sampled_from(CARD_LEAVES), value=CARD_VALUES)
def test_fuzzed_card_value_loads_finite_or_is_one_card_error(path: tuple[str | int, ...], value: object) -> None:
    data = copy.deepcopy(BASE_CARD)
    node = data
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    with tempfile.TemporaryDirectory() as tmp:
        card_path = Path(tmp) / "fuzz.toml"
        card_path.write_text(_toml(data), encoding="utf-8")
        outcome = _load_or_error(card_path)
    if isinstance(outcome, CardError):
        assert "\n" not in str(outcome)
        assert str(card_path) in str(outcome)
        if isinstance(value, float) and not math.isfinite(value):
            key = ".".join(str(p) for p in path if isinstance(p, str))
            assert outcome.key.startswith(key), (outcome.key, key)
        return
    numbers = [_get(outcome.raw, p) for p in _leaves(outcome.raw)]
    assert all(math.isfinite(v) for v in numbers if isinstance(v, float))
    assert all(math.isfinite(x) for m in outcome.modules for x in (m.z_start_m, m.length_m, m.transverse_size_m))
    assert math.isfinite(outcome.eot)
    assert outcome.eot > 0


def _load_or_error(path: Path) -> ExperimentCard | CardError:
    try:
        return load_card(path)
    except CardError as exc:
        return exc


def _get(node: object, path: tuple[str | int, ...]) -> object:
    for step in path:
        node = node[step]  # type: ignore[index]
    return node


@settings(deadline=None)
@given(payload=st.binary(min_size=1, max_size=256))
def test_fuzzed_card_bytes_give_a_card_error_not_a_traceback(payload: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        card_path = Path(tmp) / "bytes.toml"
        card_path.write_bytes(payload)
        with pytest.raises(CardError) as err:
            load_card(card_path)
        assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "key", "why"),
    [
        ("energy_GeV = 100.0", "energy_GeV = 1e308", "beam.energy_GeV", "range of semivis.production"),
        ("energy_GeV = 100.0", "energy_GeV = 10000.0", "beam.energy_GeV", "below 10 TeV"),
        ("eot = 2.84e11", "eot = 1e308", "eot", "LDMX"),
        ("length_m = 0.10", "length_m = 1e308", "veto.length_m", "at most 1 km"),
        ("n_layers = 150", "n_layers = 20000", "target.n_layers", "at most 10000"),
        ("background = 0.19", "background = 1e300", "selections.s1.background", "at most 1e6"),
        ("hcal_GeV = 1.0", "hcal_GeV = 1e308", "thresholds.hcal_GeV", "at most 10 TeV"),
        # a subnormal threshold leaves E0 - ecal_max == E0 (found by a 10000-example fuzz run of semivis yield)
        ("ecal_max_GeV = 50.0", "ecal_max_GeV = 1e-320", "thresholds.ecal_max_GeV", "missing-energy window"),
    ],
)
def test_absurd_finite_values_are_refused_naming_key_and_reason(
    tmp_path: Path, old: str, new: str, key: str, why: str
) -> None:
    """Every card number has an upper bound with its reason (schema card.v1.json): beam.energy_GeV = 1e308 used to
    load and fail later in the production room, naming its internal 'beam_energy_GeV' instead of the card key."""
    text = _base_text()
    assert old in text
    path = _write(tmp_path, text.replace(old, new, 1))
    with pytest.raises(CardError) as err:
        load_card(path)
    assert err.value.key == key
    assert why in str(err.value)


def test_every_card_number_is_bounded_above() -> None:
    """No number of the schema is left without an upper bound (the shipped cards all load, see above)."""

    def unbounded(node: object, where: str) -> list[str]:
        if isinstance(node, dict):
            if node.get("type") in {"number", "integer"} and not ({"maximum", "exclusiveMaximum"} & set(node)):
                return [where]
            return [p for k, v in node.items() for p in unbounded(v, f"{where}/{k}")]
        if isinstance(node, list):
            return [p for i, v in enumerate(node) for p in unbounded(v, f"{where}/{i}")]
        return []

    assert unbounded(CARD_SCHEMA, "#") == []


def test_yield_with_a_huge_beam_energy_names_the_card_file_and_key(tmp_path: Path) -> None:
    path = _write(tmp_path, _base_text().replace("energy_GeV = 100.0", "energy_GeV = 1e308", 1))
    args = ["yield", "--experiment", str(path), "--model", "idm", "--mA", "0.1", "--eps", "1e-3", "--alphaD", "0.1"]
    res = CliRunner().invoke(main, [*args, "--ratio", "3", "--delta", "0.4", "--n-events", "10"])
    assert res.exit_code == 2
    assert res.stderr.startswith(f"semivis: error: {path}: key 'beam.energy_GeV': ")
    assert "beam_energy_GeV" not in res.stderr
    assert res.stderr.count("\n") == 1
