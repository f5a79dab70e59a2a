"""Property-based fuzz tests of experiment cards (issue 16): one value of a shipped card mutated, or its bytes.

A shipped card (``src/semivis/data/cards``) is copied with one value replaced: nan, inf, -inf, huge (1e308),
tiny (1e-320), negative, zero, the value scaled or negated, or a value of the wrong type (string, boolean,
array, table); or its bytes are damaged (non-UTF-8 bytes inserted, binary garbage, truncation). The property:

* :func:`semivis.detector.load_card` returns a card whose numbers are all finite and physical (EOT and beam
  energy > 0, module lengths and sizes > 0, modules in beam order, signal efficiency in (0, 1], backgrounds and
  their uncertainties >= 0), or raises :class:`semivis.errors.CardError` naming the mutated key (or, for a
  geometry clash, a position or length of a module); never another exception, never a warning;
* ``semivis yield --experiment FILE`` exits 0 with a finite, non-negative N_sig in strict JSON, or exits 2 with
  exactly one error line naming the card file and key.

Sizes: bounded and derandomized by default; ``SEMIVIS_FUZZ_EXAMPLES=N`` (or ``--hypothesis-profile=long``) runs
N random examples of the load property and N/20 of the CLI property (see tests/test_fuzz_cli.py).
"""

from __future__ import annotations

import json
import math
import os
import re
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from semivis.cli import main
from semivis.detector import ExperimentCard, list_cards, load_card
from semivis.detector.cards import CARDS_PACKAGE_DIR
from semivis.errors import CardError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def _profile_name() -> str:
    """The loaded hypothesis profile (``--hypothesis-profile``); older hypothesis versions cannot tell: "default"."""
    getter = getattr(settings, "get_current_profile_name", None)
    return str(getter()) if getter is not None else "default"


_ENV_EXAMPLES = int(os.environ.get("SEMIVIS_FUZZ_EXAMPLES", "0") or 0)
LONG_EXAMPLES = _ENV_EXAMPLES or (settings().max_examples if _profile_name() == "long" else 0)
_HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large]


def fuzz(default: int, weight: float = 1.0) -> settings:
    """Hypothesis settings: ``default`` derandomized examples, or ``weight * LONG_EXAMPLES`` random ones."""
    if LONG_EXAMPLES:
        n = max(default, int(LONG_EXAMPLES * weight))
        return settings(max_examples=n, deadline=None, database=None, suppress_health_check=_HEALTH)
    return settings(max_examples=default, deadline=None, derandomize=True, database=None, suppress_health_check=_HEALTH)


CARDS = list_cards()
_TEXTS = {name: (CARDS_PACKAGE_DIR / f"{name}.toml").read_text(encoding="utf-8") for name in CARDS}
_DATA = {name: tomllib.loads(text) for name, text in _TEXTS.items()}

#: the tables describing detector geometry (a bad value there may surface as a clash of two modules)
GEOMETRY = {"target", "veto", "hcal1", "hcal2", "hcal3"}

# --------------------------------------------------------------------------------------------- the mutations


def leaves(data: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], int | None]]:
    """Every (table path + key, array index or None) of a parsed card."""
    out: list[tuple[tuple[str, ...], int | None]] = []
    for key, value in data.items():
        path = (*prefix, key)
        if isinstance(value, dict):
            out.extend(leaves(value, path))
            continue
        out.append((path, None))
        if isinstance(value, list):
            out.extend((path, i) for i in range(len(value)))
    return out


def toml_literal(value: Any) -> str:
    """A TOML literal for a Python value (floats keep nan/inf spellings, which TOML allows)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string (JSON escapes are TOML escapes)
    if isinstance(value, list):
        return "[" + ", ".join(toml_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {toml_literal(v)}" for k, v in value.items()) + " }"
    raise TypeError(type(value))


def replace_value(text: str, path: tuple[str, ...], literal: str) -> str:
    """The card text with ``path``'s line (``key = ...`` under its table header) set to ``key = literal``."""
    *table, key = path
    header = "[" + ".".join(table) + "]" if table else None
    in_table = header is None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        code = line.split("#", 1)[0].strip()
        if code.startswith("["):
            in_table = code == header
            continue
        if in_table and re.match(rf"{re.escape(key)}\s*=", code):
            lines[i] = f"{key} = {literal}"
            return "\n".join(lines) + "\n"
    raise AssertionError(f"{'.'.join(path)} not found in the card text")


_NAN, _INF = float("nan"), float("inf")
SPECIAL_VALUES: list[Any] = [
    _NAN, _INF, -_INF, 1e308, -1e308, 1.7976931348623157e308, 1e-320, 5e-324, -1e-320, 0.0, -0.0, -1.0, -1e-3,
    0, -1, 1, 2**63 - 1, -(2**63), True, False, "", "nan", "inf", "1.0", "lead", "caf\u00e9", "\u0000",
    [], [1.0], [_NAN], ["a"], [[1.0]], {}, {"a": 1}, {"value": 0.5},
]  # fmt: skip

#: what a mutation does to the original value
MUTATION = st.one_of(
    st.sampled_from(SPECIAL_VALUES).map(lambda v: ("set", v)),
    st.sampled_from(SPECIAL_VALUES).map(lambda v: ("set", v)),
    st.sampled_from(["negate", "zero", "times 1e300", "times 1e-300", "plus 1e6"]).map(lambda op: (op, None)),
    st.floats().map(lambda v: ("set", v)),
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(lambda v: ("set", v)),
    st.text(max_size=10).map(lambda v: ("set", v)),
)


def mutated(original: Any, op: str, value: Any) -> Any:
    """The new value: ``value`` for "set", else ``op`` applied to a numeric original (else nan)."""
    if op == "set":
        return value
    if isinstance(original, bool) or not isinstance(original, int | float):
        return _NAN
    x = float(original)
    return {"negate": -x, "zero": 0.0 * x, "times 1e300": x * 1e300, "times 1e-300": x * 1e-300, "plus 1e6": x + 1e6}[
        op
    ]


@st.composite
def value_mutation(draw: st.DrawFn) -> tuple[str, str, str]:
    """(card name, mutated key path, mutated TOML text)."""
    name = draw(st.sampled_from(CARDS))
    data = _DATA[name]
    path, index = draw(st.sampled_from(leaves(data)))
    op, value = draw(MUTATION)
    original: Any = data
    for part in path:
        original = original[part]
    if index is None:
        new = mutated(original, op, value)
        key = ".".join(path)
    else:
        new = list(original)
        new[index] = mutated(original[index], op, value)
        key = f"{'.'.join(path)}[{index}]"
    return name, key, replace_value(_TEXTS[name], path, toml_literal(new))


@st.composite
def byte_damage(draw: st.DrawFn) -> tuple[str, bytes]:
    """(card name, damaged bytes): non-UTF-8 bytes inserted, garbage, truncation, a BOM, nothing."""
    name = draw(st.sampled_from(CARDS))
    raw = _TEXTS[name].encode()
    kind = draw(st.sampled_from(["insert", "insert", "garbage", "truncate", "bom", "empty", "latin1"]))
    if kind == "insert":
        at = draw(st.integers(0, len(raw)))
        junk = draw(st.binary(min_size=1, max_size=8))
        return name, raw[:at] + junk + raw[at:]
    if kind == "garbage":
        return name, draw(st.binary(min_size=1, max_size=512))
    if kind == "truncate":
        return name, raw[: draw(st.integers(0, len(raw) - 1))]
    if kind == "bom":
        return name, b"\xef\xbb\xbf" + raw
    if kind == "latin1":
        return name, _TEXTS[name].replace("Shashlik", "Shashlik \u00e9t\u00e9").encode("latin-1")
    return name, b""


# ------------------------------------------------------------------------------------------------ the property


def assert_physical(card: ExperimentCard) -> None:
    """Every number of a loaded card is finite and physical."""
    assert math.isfinite(card.eot), card.eot
    assert card.eot > 0, card.eot
    assert math.isfinite(card.beam_energy_GeV), card.beam_energy_GeV
    assert card.beam_energy_GeV > 0, card.beam_energy_GeV
    z = -math.inf
    for mod in card.modules:
        for v in (mod.z_start_m, mod.length_m, mod.transverse_size_m):
            assert math.isfinite(v), (mod.name, v)
        assert mod.length_m > 0, mod
        assert mod.transverse_size_m > 0, mod
        assert mod.z_start_m >= z - 1e-12, f"{mod.name} starts inside the previous module"
        z = mod.z_end_m
    for v in (card.veto_threshold_GeV, card.veto_mip_GeV, card.ecal_max_GeV, card.hcal_threshold_GeV):
        assert math.isfinite(v), v
        assert v >= 0, v
    eff = card.signal_efficiency(np.geomspace(1e-4, 10.0, 25))
    assert np.all(np.isfinite(eff)), eff
    assert np.all((eff > 0) & (eff <= 1)), eff
    for sel_name, sel in card.selections.items():
        for opt in (sel.extra_efficiency, sel.background, sel.sigma_b, sel.min_hcal_GeV):
            assert opt is None or (math.isfinite(opt) and opt >= 0), (sel_name, opt)
        assert sel.extra_efficiency is None or 0 < sel.extra_efficiency <= 1, (sel_name, sel.extra_efficiency)


def related(error_key: str, mutated_key: str, message: str = "") -> bool:
    """Does a CardError key name the mutated key (or its table, a geometry clash it causes, or a constraint whose
    message names the mutated key's table, e.g. ``thresholds.ecal_max_GeV: must be below the beam energy``)?"""
    base = mutated_key.split("[", 1)[0]
    if base.split(".", 1)[0] in message.lower():
        return True
    if (
        error_key.split("[", 1)[0] in {base, mutated_key}
        or error_key.startswith(base + ".")
        or base.startswith(error_key + ".")
    ):
        return True
    return base.split(".", 1)[0] in GEOMETRY and error_key.split(".", 1)[0] in GEOMETRY


def load_or_card_error(path: Path, what: str) -> ExperimentCard | CardError:
    try:
        return load_card(path)
    except CardError as err:
        return err
    except Exception as exc:  # the property: nothing but a CardError
        tb = "".join(traceback.format_exception(exc))
        raise AssertionError(f"{what}: load_card raised {type(exc).__name__}, not CardError\n{tb}") from exc


@fuzz(150)
@given(mut=value_mutation())
@example(mut=("na64-2016-2018", "veto.length_m", replace_value(_TEXTS["na64-2016-2018"], ("veto", "length_m"), "nan")))
@example(mut=("na64-2016-2018", "eot", replace_value(_TEXTS["na64-2016-2018"], ("eot",), "inf")))
@example(mut=("na64-2016-2018", "eot", replace_value(_TEXTS["na64-2016-2018"], ("eot",), "1e308")))
@example(
    mut=(
        "na64-2016-2018",
        "target.preshower_layers",
        replace_value(_TEXTS["na64-2016-2018"], ("target", "preshower_layers"), "1000"),
    )
)
def test_fuzz_card_value(mut: tuple[str, str, str]) -> None:
    """One mutated value: a finite, physical card, or a CardError naming that key."""
    name, key, text = mut
    with tempfile.TemporaryDirectory(prefix="semivis-fuzz-card-") as tmp:
        path = Path(tmp) / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        got = load_or_card_error(path, f"{name} with {key} mutated")
    if isinstance(got, CardError):
        assert str(path) in str(got), f"the error does not name the card file: {got}"
        assert got.key == "<toml>" or related(got.key, key, got.detail), (
            f"{key} was mutated, but the error names {got.key}: {got}"
        )
    else:
        assert_physical(got)


@fuzz(60)
@given(damage=byte_damage())
def test_fuzz_card_bytes(damage: tuple[str, bytes]) -> None:
    """Damaged bytes: a card (if they still make a valid card) or a CardError, never a traceback."""
    name, body = damage
    with tempfile.TemporaryDirectory(prefix="semivis-fuzz-card-") as tmp:
        path = Path(tmp) / f"{name}.toml"
        path.write_bytes(body)
        got = load_or_card_error(path, f"{name} with damaged bytes")
    if isinstance(got, CardError):
        assert str(path) in str(got), got
        assert got.key, got
    else:
        assert_physical(got)


_YIELD = [
    "yield", "--model", "idm", "--mA", "0.1", "--eps", "1e-3", "--alphaD", "0.1", "--ratio", "3", "--delta", "0.4",
    "--n-events", "100", "--json", "--experiment",
]  # fmt: skip


def _strict_json(text: str) -> Any:
    def reject(constant: str) -> Any:
        raise AssertionError(f"non-finite number {constant} in the JSON output")

    return json.loads(text, parse_constant=reject)


@fuzz(12, weight=0.05)
@given(mut=st.one_of(value_mutation(), byte_damage().map(lambda d: (d[0], "<bytes>", d[1]))))
@example(mut=("na64-2016-2018", "eot", replace_value(_TEXTS["na64-2016-2018"], ("eot",), "1e308")))
@example(
    mut=(
        "na64-2016-2018",
        "efficiency.value[0]",
        replace_value(_TEXTS["na64-2016-2018"], ("efficiency", "value"), "[nan, 0.68, 0.62, 0.55]"),
    )
)
def test_fuzz_card_via_yield(mut: tuple[str, str, str | bytes]) -> None:
    """``semivis yield --experiment FILE``: finite N_sig, or exit 2 with one line naming the file and key."""
    name, key, body = mut
    with tempfile.TemporaryDirectory(prefix="semivis-fuzz-card-") as tmp:
        path = Path(tmp) / f"{name}.toml"
        path.write_bytes(body.encode() if isinstance(body, str) else body)
        res = CliRunner().invoke(main, [*_YIELD, str(path)])
    what = f"semivis yield --experiment FILE ({name}, {key} mutated)"
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        tb = "".join(traceback.format_exception(res.exception))
        raise AssertionError(f"{what}: traceback (exit {res.exit_code})\n{tb}")
    assert res.exit_code in {0, 2}, f"{what}: exit {res.exit_code}\n{res.stderr}"
    if res.exit_code == 2:
        lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1, f"{what}:\n{res.stderr}"
        assert lines[0].startswith("semivis: error:"), f"{what}:\n{res.stderr}"
        assert re.search(r"key '[^']+'", lines[0]) or lines[0].startswith("semivis: error: --"), f"{what}: {lines[0]}"
        return
    rep = _strict_json(res.stdout)
    n_sig = rep["n_signal"]
    assert isinstance(n_sig, float | int), f"{what}: n_signal = {n_sig}"
    assert math.isfinite(n_sig), f"{what}: n_signal = {n_sig}"
    assert n_sig >= 0, f"{what}: n_signal = {n_sig}"
    eot = rep["eot"]
    assert isinstance(eot, float | int), eot
    assert math.isfinite(eot), eot
    assert eot > 0, eot


#: findings of the card campaigns (issue 16) as fixed cases of ``test_fuzz_card_via_yield``'s
#: property: (card, key path, TOML literal)
CARD_FINDINGS = [
    ("na64-2016-2018", ("beam", "energy_GeV"), "1e308"),
    ("na64-2016-2018", ("eot",), "1e308"),
    ("na64-2016-2018", ("veto", "length_m"), "nan"),
]


@pytest.mark.parametrize(("name", "path", "literal"), CARD_FINDINGS)
def test_fuzz_card_finding(name: str, path: tuple[str, ...], literal: str, tmp_path: Path) -> None:
    """A card finding: ``semivis yield --experiment FILE`` gives a finite N_sig or one line naming file and key."""
    card = tmp_path / f"{name}.toml"
    card.write_text(replace_value(_TEXTS[name], path, literal), encoding="utf-8")
    res = CliRunner().invoke(main, [*_YIELD, str(card)])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert res.exit_code in {0, 2}, res.stderr
    if res.exit_code == 2:
        assert res.stderr.count("\n") == 1, res.stderr
        assert f"{card}: key '{'.'.join(path)}'" in res.stderr, res.stderr
    else:
        n_sig = _strict_json(res.stdout)["n_signal"]
        assert isinstance(n_sig, float | int), n_sig
        assert math.isfinite(n_sig), n_sig
