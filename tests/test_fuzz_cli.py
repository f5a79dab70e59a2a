"""Property-based fuzz tests of the ``semivis`` command line (issue 16): every subcommand, hostile option values.

The property, for every invocation (in-process, click's ``CliRunner``):

* exit 0 with finite, physical output: the JSON on stdout parses with a strict parser that rejects ``NaN`` and
  ``Infinity``, every number in it is finite, no number the command promises is ``null``, probabilities lie in
  [0, 1], widths and yields are >= 0, eps lies in (0, 1);
* or exit 2 with exactly one error line on stderr (``semivis: error: ...`` alone, or click's usage message with
  one ``Error:`` line) that names a user-facing option of the command (``--mA``, never ``m_Ap``), and names
  *the* option whose value was non-finite or not a number when exactly one option was given such a value;
* never exit 1, never a traceback, never a Python warning (pytest turns warnings into errors, so a numpy
  ``RuntimeWarning`` leaking out of a command shows up here as a traceback).

``semivis limit`` runs on :class:`semivis.testing.ToyEvaluator` (an analytic stand-in for the signal, as in
tests/test_cli_limit.py) with grids of at most 4 x 5; on a refusal it must leave neither the ``--out`` file nor an
``OUT.partial-*`` checkpoint folder behind. ``semivis figure`` is fuzzed on its validation path only: redraws
(``--replot``) of good and corrupt data files, and runs with one invalid option whose scans are replaced by a guard
that fails the test if any computation starts before the options are checked.

Every finding of the campaigns is also a fixed case of ``test_fuzz_finding`` (or of the parametrized path tests);
those still open are strict xfails listed in ``OPEN``, each naming what is wrong and where. Two runs at
once on one cache and one ``--out`` (``test_two_concurrent_runs_on_one_cache_and_out``) complete the hostile use.

Size: by default each property runs a bounded, derandomized number of examples (reproducible in CI; the module
takes well under a minute on 2 cores after numba's first compile). A long randomized campaign:
``SEMIVIS_FUZZ_EXAMPLES=2000 python -m pytest tests/test_fuzz_cli.py tests/test_fuzz_cards.py`` (or
``--hypothesis-profile=long``): the cheap commands (widths, g2, card loading) get that many examples per
property, the costly ones (relic, yield, limit, figure) a fraction of it (see ``fuzz``).
"""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import semivis.scan.runner
from semivis.cli import SUBCOMMANDS, main
from semivis.detector import list_cards
from semivis.figures import FIGURES, FigureData, build
from semivis.scan import load_result
from semivis.testing import ToyEvaluator

# ----------------------------------------------------------------------------------------------------------- sizes


def _profile_name() -> str:
    """The loaded hypothesis profile (``--hypothesis-profile``); older hypothesis versions cannot tell: "default"."""
    getter = getattr(settings, "get_current_profile_name", None)
    return str(getter()) if getter is not None else "default"


_ENV_EXAMPLES = int(os.environ.get("SEMIVIS_FUZZ_EXAMPLES", "0") or 0)
_PROFILE_LONG = _profile_name() == "long"
#: examples per cheap property in a long campaign (0: the bounded default suite)
LONG_EXAMPLES = _ENV_EXAMPLES or (settings().max_examples if _PROFILE_LONG else 0)

_HEALTH = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]


@contextmanager
def chdir(path: Path) -> Iterator[None]:
    """Run a block in ``path`` (relative outputs such as ``--out -`` land there), then come back."""
    old = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def fuzz(default: int, weight: float = 1.0) -> settings:
    """Hypothesis settings: ``default`` derandomized examples, or ``weight * LONG_EXAMPLES`` random ones."""
    if LONG_EXAMPLES:
        return settings(
            max_examples=max(default, int(LONG_EXAMPLES * weight)),
            deadline=None,
            database=None,
            suppress_health_check=_HEALTH,
        )
    return settings(max_examples=default, deadline=None, derandomize=True, database=None, suppress_health_check=_HEALTH)


# ------------------------------------------------------------------------------------------------ values to type

#: hostile spellings of numbers: non-finite, overflowing, subnormal, signed zero, negative, out-of-range
HOSTILE_NUMBERS = (
    "nan",
    "-nan",
    "NaN",
    "inf",
    "-inf",
    "+Infinity",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e-320",
    "5e-324",
    "-1e-320",
    "0",
    "-0.0",
    "-1",
    "1e300",
    "1e-300",
    "1e-120",
    "1e-60",
    "1e4",
    "1e6",
    "0.5",
    "1",
    "2",
    "100",
)
NON_FINITE = {"nan", "-nan", "NaN", "inf", "-inf", "+Infinity"}

#: text that is not a number (printable, one line: what a shell can pass)
GARBAGE = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=8).filter(
    lambda s: not _is_float(s)
)


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def log_uniform(lo: float, hi: float) -> st.SearchStrategy[str]:
    """A valid-looking number between lo and hi (log-uniform), as typed."""
    return st.floats(math.log10(lo), math.log10(hi)).map(lambda e: repr(float(10.0**e)))


def hostile() -> st.SearchStrategy[str]:
    """Any hostile value: a special number, an arbitrary float, or not a number at all."""
    return st.one_of(st.sampled_from(HOSTILE_NUMBERS), st.sampled_from(HOSTILE_NUMBERS), st.floats().map(repr), GARBAGE)


@st.composite
def option_values(draw: st.DrawFn, valid: dict[str, st.SearchStrategy[str]]) -> tuple[dict[str, str], str | None]:
    """Values for the options of ``valid``: all valid, or (often) exactly one of them hostile.

    Returns the values and the name of the option given a hostile value (None if all are valid)."""
    bad = draw(st.sampled_from([None] * max(2, len(valid) // 2) + list(valid)))
    values = {opt: draw(hostile() if opt == bad else strat) for opt, strat in valid.items()}
    return values, bad


def as_args(values: dict[str, str | None]) -> list[str]:
    """``--opt value`` pairs (``--opt=value``, so a value starting with '-' is not taken for an option)."""
    return [f"{opt}={val}" for opt, val in values.items() if val is not None]


# ---------------------------------------------------------------------------------------------- the property


def strict_json(text: str) -> Any:
    """Parse JSON, rejecting the non-standard constants NaN, Infinity and -Infinity."""

    def reject(constant: str) -> Any:
        raise AssertionError(f"non-finite number {constant} in the JSON output")

    return json.loads(text, parse_constant=reject)


def numbers(obj: Any, path: str = "") -> Iterator[tuple[str, float]]:
    """Every number in a parsed JSON object, with its key path (booleans are not numbers)."""
    if isinstance(obj, bool):
        return
    if isinstance(obj, int | float):
        yield path, float(obj)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from numbers(v, f"{path}.{k}" if path else str(k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from numbers(v, f"{path}[{i}]")


def assert_all_finite(obj: Any) -> None:
    for path, v in numbers(obj):
        assert math.isfinite(v), f"{path} = {v} is not finite"


def number_at(obj: dict[str, Any], key: str) -> float:
    """The number under ``key``: present, not null (NaN in disguise), finite."""
    v = obj[key]
    assert isinstance(v, int | float), f"{key} = {v!r} is not a number"
    assert not isinstance(v, bool), f"{key} = {v!r} is not a number"
    assert math.isfinite(v), f"{key} = {v} is not finite"
    return float(v)


def option_names(subcommand: str) -> set[str]:
    """The user-facing names of a subcommand's options (and NAME for its argument)."""
    cmd = main.get_command(None, subcommand)  # type: ignore[arg-type]
    assert cmd is not None
    names = {"NAME"}
    for param in cmd.params:
        names.update(o for o in param.opts if o.startswith("-"))
        names.update(param.secondary_opts)
    return names


_PARAM_ERROR = re.compile(r"semivis: error: (?P<name>\S+)( \S+)? = ")
_CARD_ERROR = re.compile(r"semivis: error: .+: key '(?P<key>[^']+)': ")


def invoke(args: list[str], bad: str | None = None, bad_value: str | None = None) -> Result:
    """Run ``semivis ARGS`` in-process and check the property; return the result (exit 0 or 2).

    ``bad``: the one option given a hostile value ``bad_value``; when that value is not finite or not a number at
    all, a refusal must name that option."""
    cmdline = "semivis " + shlex.join(args)
    res = CliRunner().invoke(main, args)
    exc = res.exception
    if exc is not None and not isinstance(exc, SystemExit):
        tb = "".join(traceback.format_exception(exc))
        raise AssertionError(f"{cmdline}\n-> traceback (exit {res.exit_code}):\n{tb}")
    assert res.exit_code in {0, 2}, f"{cmdline}\n-> exit {res.exit_code}\n{res.stderr}"
    assert "Traceback" not in res.stderr, f"{cmdline}\n-> {res.stderr}"
    if res.exit_code == 2:
        check_refusal(res, cmdline, args[0], bad, bad_value)
    return res


def check_refusal(res: Result, cmdline: str, subcommand: str, bad: str | None, bad_value: str | None) -> None:
    """Exit 2: exactly one error line, naming a user-facing option (or card key)."""
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith(("semivis: error:", "Error:"))]
    assert len(errors) == 1, f"{cmdline}\n-> exit 2 without exactly one error line:\n{res.stderr}"
    line = errors[0]
    if line.startswith("semivis: error:"):
        assert lines == [line], f"{cmdline}\n-> more than the error line on stderr:\n{res.stderr}"
        card = _CARD_ERROR.match(line)
        param = _PARAM_ERROR.match(line)
        assert card or param, f"{cmdline}\n-> error line names neither an option nor a card key: {line}"
        if param and not card:
            allowed = option_names(subcommand)
            name = param["name"]
            assert all(part in allowed for part in name.split("/")), (
                f"{cmdline}\n-> error names {name!r}, not an option of 'semivis {subcommand}': {line}"
            )
    if bad is not None and bad_value is not None and (bad_value in NON_FINITE or not _is_float(bad_value)):
        assert bad in line, f"{cmdline}\n-> the hostile value was given to {bad}, but the error says: {line}"


# ------------------------------------------------------------------------------------------- open findings

#: findings still open when this module was last updated (case id -> what is wrong, and the file to fix):
#: strict xfails, so a fix turns them into failures until the entry is removed here
OPEN: dict[str, str] = {}


def marked(case_id: str) -> list[pytest.MarkDecorator]:
    """A strict xfail for an open finding (see ``OPEN``), else no mark."""
    reason = OPEN.get(case_id)
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


# ---------------------------------------------------------------------------------------------- model points

RATIO = st.floats(3.1, 10.0).map(repr)  # > 2 + delta for every DELTA: A' -> chi1 chi2 open
MCHI1 = log_uniform(1e-3, 0.25)
DELTA = log_uniform(0.01, 1.0)
THETA = log_uniform(1e-3, 1.5)

#: the structural mistakes a user makes with the model options (most examples get the structure right)
STRUCTURES = ["ok", "ok", "ok", "ok", "ok", "no-mass", "both-masses", "no-delta", "extra-delta", "theta-mismatch"]


@st.composite
def model_point(draw: st.DrawFn) -> tuple[list[str], str | None, str | None]:
    """``--model ... --mA ... --eps ... --alphaD ... (--ratio|--mchi1) [--delta] [--theta]`` as typed.

    With the structure right and no hostile value, the point is valid (A' -> chi1 chi2 open, m_A' <= 2.9 GeV);
    the returned option name is the one given a hostile value, when the structure is right."""
    model = draw(st.sampled_from(["idm", "idm", "i2dm", "invisible", "IDM", "i2DM"]))
    kind = model.lower()
    structure = draw(st.sampled_from(STRUCTURES))
    m_Ap = 10.0 ** draw(st.floats(-3.0, math.log10(2.9)))
    ratio = draw(st.floats(3.1, 10.0))
    valid: dict[str, st.SearchStrategy[str]] = {
        "--mA": st.just(repr(m_Ap)),
        "--eps": log_uniform(1e-7, 0.5),
        "--alphaD": log_uniform(1e-3, 5.0),
    }
    mass_opts = {"no-mass": [], "both-masses": ["--ratio", "--mchi1"]}.get(
        structure, [draw(st.sampled_from(["--ratio", "--ratio", "--mchi1"]))]
    )
    for opt in mass_opts:
        valid[opt] = st.just(repr(ratio if opt == "--ratio" else m_Ap / ratio))
    if (kind != "invisible") != (structure in {"no-delta", "extra-delta"}):
        valid["--delta"] = DELTA
    if (kind == "i2dm") != (structure == "theta-mismatch"):
        valid["--theta"] = THETA
    values, bad = draw(option_values(valid))
    if structure != "ok" or bad is None:
        return ["--model", model, *as_args(dict(values))], None, None
    return ["--model", model, *as_args(dict(values))], bad, values[bad]


# --------------------------------------------------------------------------------------------------- widths


# the probes of docs/reviews/reliability-probes.md run in every default run (hypothesis adds its own examples)
_PT = ["--model", "idm", "--eps=1e-3", "--alphaD=0.1", "--delta=0.4"]


@fuzz(80)
@given(point=model_point())
@example(point=([*_PT, "--mA=1e-120", "--ratio=3"], "--mA", "1e-120"))
@example(point=([*_PT, "--mA=1e-60", "--ratio=3"], "--mA", "1e-60"))
@example(point=([*_PT, "--mA=0.3", "--ratio=1e308"], "--ratio", "1e308"))
@example(point=([*_PT, "--mA=nan", "--ratio=3"], "--mA", "nan"))
@example(point=(["--model", "invisible", *_PT[2:], "--mA=0.3", "--ratio=3"], None, None))
def test_fuzz_widths(point: tuple[list[str], str | None, str | None]) -> None:
    args, bad, bad_value = point
    res = invoke(["widths", *args, "--json"], bad, bad_value)
    if res.exit_code:
        return
    rep = strict_json(res.stdout)
    assert_all_finite(rep)
    assert number_at(rep, "gamma_Ap_GeV") > 0
    brs = rep["branching_ratios"]
    assert brs
    for ch in brs:
        assert 0.0 <= number_at(brs, ch) <= 1.0, ch
    assert sum(brs.values()) == pytest.approx(1.0, rel=1e-9)
    if rep["chi2_stable"] is None:  # invisible
        return
    assert number_at(rep, "gamma_chi2_GeV") >= 0
    assert number_at(rep, "gamma_chi2_approx_GeV") >= 0
    assert number_at(rep, "k_factor") >= 0
    if rep["chi2_stable"]:
        assert rep["ctau_chi2_m"] is None
    else:
        assert number_at(rep, "ctau_chi2_m") > 0


# ------------------------------------------------------------------------------------------------------- g2

G2_BANDS = ["fnal2021", "bnl2006", "wp2025", "FNAL2021", "Bnl2006", "none", "", "fnal"]


@fuzz(80)
@given(
    values=option_values({"--mA": log_uniform(1e-3, 10.0), "--nsigma": log_uniform(0.5, 5.0)}),
    band=st.one_of(st.none(), st.none(), st.none(), st.sampled_from(G2_BANDS), GARBAGE),
    custom=st.one_of(
        st.none(),
        st.none(),
        st.none(),
        st.tuples(
            st.one_of(log_uniform(1e-10, 1e-8), st.sampled_from(HOSTILE_NUMBERS)),
            st.one_of(log_uniform(1e-11, 1e-9), st.sampled_from(HOSTILE_NUMBERS)),
        ),
        st.tuples(log_uniform(1e-10, 1e-8), st.none()),
    ),
)
@example(values=({"--mA": "1e4", "--nsigma": "2"}, "--mA"), band=None, custom=None)
@example(values=({"--mA": "1e300", "--nsigma": "2"}, "--mA"), band=None, custom=None)
@example(values=({"--mA": "0.3", "--nsigma": "2"}, None), band="FNAL2021", custom=None)
@example(values=({"--mA": "0.3", "--nsigma": "2"}, None), band=None, custom=("-251e-11", "59e-11"))
def test_fuzz_g2(
    values: tuple[dict[str, str], str | None], band: str | None, custom: tuple[str, str | None] | None
) -> None:
    opts, bad = values
    all_opts: dict[str, str | None] = dict(opts)
    all_opts["--band"] = band
    if custom is not None:
        all_opts["--delta-amu"], all_opts["--sigma-amu"] = custom
    custom_ok = custom is None or (custom[1] is not None and not set(custom) & set(HOSTILE_NUMBERS))
    band_ok = band is None or (custom is None and band.lower() in {"fnal2021", "bnl2006", "wp2025"})
    if not (custom_ok and band_ok):  # then the refusal may name another option
        bad = None
    res = invoke(["g2", *as_args(all_opts), "--json"], bad, opts.get(bad) if bad else None)
    if res.exit_code:
        return
    rep = strict_json(res.stdout)
    assert_all_finite(rep)
    eps_keys = [k for k in rep if k.startswith("eps_")]
    assert eps_keys, rep
    for k in eps_keys:
        assert 0.0 < number_at(rep, k) < 1.0, f"{k} = {rep[k]}"
    assert number_at(rep, "m_Ap") > 0


# ---------------------------------------------------------------------------------------------------- relic


@st.composite
def relic_args(draw: st.DrawFn) -> tuple[list[str], str | None, str | None]:
    model = draw(st.sampled_from(["idm", "idm", "idm", "i2dm", "i2dm", "invisible"]))
    valid: dict[str, st.SearchStrategy[str]] = {
        "--delta": log_uniform(0.05, 0.5),
        "--alphaD": log_uniform(0.01, 1.0),
    }
    mass = draw(st.sampled_from(["mchi1", "mchi1", "mchi1", "mchi1+ratio", "mA+ratio", "mA+ratio", "none", "mA"]))
    if "mchi1" in mass:
        valid["--mchi1"] = log_uniform(0.01, 1.0)
    if "mA" in mass:
        valid["--mA"] = log_uniform(0.03, 3.0)
    if "ratio" in mass:
        valid["--ratio"] = log_uniform(2.5, 5.0)
    stray_theta = model != "i2dm" and draw(st.integers(0, 9)) == 9
    if model == "i2dm" or stray_theta:
        valid["--theta"] = log_uniform(1e-3, 1.5)
    values, bad = draw(option_values(valid))
    structure_ok = model != "invisible" and not stray_theta and mass in {"mchi1", "mchi1+ratio", "mA+ratio"}
    if bad is None or not structure_ok:  # then the refusal may name another option
        return ["--model", model, *as_args(dict(values))], None, None
    return ["--model", model, *as_args(dict(values))], bad, values[bad]


_RELIC = ["--model", "idm", "--mchi1=0.1", "--delta=0.4", "--alphaD=0.1"]


@fuzz(25, weight=0.05)
@given(point=relic_args())
@example(point=([*_RELIC, "--ratio=0.01"], "--ratio", "0.01"))
@example(point=([*_RELIC, "--ratio=0.5"], "--ratio", "0.5"))
@example(point=(["--model", "idm", "--mA=-0.3", "--ratio=3", "--delta=0.4", "--alphaD=0.1"], "--mA", "-0.3"))
@example(point=(["--model", "idm", "--mchi1=0.1", "--delta=1e300", "--alphaD=0.1"], "--delta", "1e300"))
def test_fuzz_relic(point: tuple[list[str], str | None, str | None]) -> None:
    args, bad, bad_value = point
    res = invoke(["relic", *args, "--json"], bad, bad_value)
    if res.exit_code:
        return
    rep = strict_json(res.stdout)
    assert_all_finite(rep)
    assert 0.0 < number_at(rep, "eps") < 1.0
    assert number_at(rep, "y") > 0
    assert number_at(rep, "omega_h2") == pytest.approx(0.12, rel=0.02)
    # the relic rates are those of m_A' > m_chi1 (docs/physics/relic.md): a secluded point must not pass silently
    assert number_at(rep, "m_Ap") > number_at(rep, "m_chi1") or "warning" in res.stderr


# ---------------------------------------------------------------------------------------------------- yield


@fuzz(20, weight=0.05)
@given(
    point=model_point(),
    n_events=st.one_of(
        st.integers(1, 200).map(str), st.integers(1, 200).map(str), st.sampled_from(["0", "-5", "1e3", str(2**70)])
    ),
    seed=st.one_of(st.none(), st.integers(0, 2**31).map(str), st.sampled_from(["-1", str(2**70)])),
    eot=st.one_of(st.none(), st.none(), log_uniform(1e9, 1e13), st.sampled_from(HOSTILE_NUMBERS)),
    selection=st.sampled_from(["missing-energy", "missing-energy", "s1", "s2", "box+s1", "s1+s2", "nope"]),
    experiment=st.sampled_from([*list_cards(), *list_cards(), "nope", "/no/such/card.toml", "/tmp", ""]),
)
@example(
    point=([*_PT, "--mA=5", "--ratio=3"], "--mA", "5"),
    n_events="100",
    seed=None,
    eot=None,
    selection="s1",
    experiment="na64-2016-2018",
)
@example(
    point=([*_PT, "--mA=0.3", "--ratio=3"], None, None),
    n_events="100",
    seed=None,
    eot="nan",
    selection="s1",
    experiment="na64-2016-2018",
)
def test_fuzz_yield(
    *,
    point: tuple[list[str], str | None, str | None],
    n_events: str,
    seed: str | None,
    eot: str | None,
    selection: str,
    experiment: str,
) -> None:
    args, bad, bad_value = point
    extra = as_args({"--n-events": n_events, "--seed": seed, "--eot": eot, "--selection": selection})
    others_valid = (
        n_events.isdigit() and 1 <= int(n_events) <= 200 and (seed is None or (seed.isdigit() and int(seed) < 2**32))
        and (eot is None or eot not in HOSTILE_NUMBERS) and selection != "nope" and experiment in list_cards()
    )  # fmt: skip
    if not others_valid:  # then the refusal may name another option
        bad = bad_value = None
    res = invoke(["yield", "--experiment", experiment, *args, *extra, "--json"], bad, bad_value)
    if res.exit_code:
        return
    rep = strict_json(res.stdout)
    assert_all_finite(rep)
    assert 0.0 < number_at(rep, "eps") < 1.0
    assert number_at(rep, "eot") > 0
    assert number_at(rep, "n_signal") >= 0
    assert number_at(rep, "n_signal_per_eot") >= 0
    assert number_at(rep, "mc_rel_error") >= 0
    assert 0.0 < number_at(rep, "signal_efficiency") <= 1.0
    for k in rep["breakdown"]:
        assert number_at(rep["breakdown"], k) >= 0
    for k in rep["n_signal_by_selection"]:
        assert number_at(rep["n_signal_by_selection"], k) >= 0
    for name, b in rep["bins"].items():
        assert number_at(b, "n_signal") >= 0, name
        assert number_at(b, "background") >= 0, name
        assert number_at(b, "sigma_b") >= 0, name
    if rep["model"] != "invisible":
        for k in rep["chi2_decay_fractions"]:
            assert 0.0 <= number_at(rep["chi2_decay_fractions"], k) <= 1.0, k
        assert (rep["ctau_chi2_m"] is None) == rep["chi2_stable"]


# ---------------------------------------------------------------------------------------------------- limit


@pytest.fixture
def toy_evaluator(monkeypatch: pytest.MonkeyPatch) -> None:
    """`semivis limit` on the analytic stand-in (fast, not physics), as in tests/test_cli_limit.py."""
    monkeypatch.setattr(semivis.scan.runner, "SignalEvaluator", ToyEvaluator)


#: mass-dependent eps rules valid on every (m_A', ...) grid below 1 GeV (case-insensitive band names)
G2_RULES = ["g2:fnal2021:central", "g2:FNAL2021:low", "g2:bnl2006:high", "g2:wp2025:max"]

#: plane -> (its fixed options with valid values, valid x range, valid y range) for model idm
LIMIT_PLANES: dict[str, tuple[dict[str, st.SearchStrategy[str]], tuple[float, float], tuple[float, float]]] = {
    "mAp-eps": (
        {"--alphaD": log_uniform(0.01, 1.0), "--ratio": RATIO, "--delta": DELTA},
        (0.003, 1.0),
        (1e-6, 1e-2),
    ),
    "mAp-alphaD": (
        {"--eps": st.one_of(log_uniform(1e-6, 1e-2), st.sampled_from(G2_RULES)), "--ratio": RATIO, "--delta": DELTA},
        (0.003, 1.0),
        (1e-3, 1.0),
    ),
    "mchi1-y": ({"--alphaD": log_uniform(0.01, 1.0), "--ratio": RATIO, "--delta": DELTA}, (1e-3, 0.3), (1e-14, 1e-6)),
    "mchi1-delta": (
        {"--eps": log_uniform(1e-6, 1e-2), "--alphaD": log_uniform(0.01, 1.0), "--ratio": RATIO},
        (1e-3, 0.3),
        (0.01, 1.0),
    ),
    "R-y": ({"--mchi1": MCHI1, "--alphaD": log_uniform(0.01, 1.0), "--delta": DELTA}, (3.1, 10.0), (1e-14, 1e-6)),
}


@st.composite
def limit_args(draw: st.DrawFn) -> tuple[list[str], str | None, str | None]:
    plane = draw(st.sampled_from(sorted(LIMIT_PLANES)))
    fixed, (x0, x1), (y0, y1) = LIMIT_PLANES[plane]
    valid = dict(fixed)
    if draw(st.booleans()):
        valid["--x-min"] = log_uniform(x0, math.sqrt(x0 * x1))
        valid["--x-max"] = log_uniform(math.sqrt(x0 * x1) * 1.01, x1)
    if draw(st.booleans()):
        valid["--y-min"] = log_uniform(y0, math.sqrt(y0 * y1))
        valid["--y-max"] = log_uniform(math.sqrt(y0 * y1) * 1.01, y1)
    if draw(st.booleans()):
        valid["--cl"] = st.floats(0.5, 0.99).map(repr)
    if draw(st.booleans()):
        valid["--eot"] = log_uniform(1e9, 1e13)
    values, bad = draw(option_values(valid))
    grid = {
        "--nx": draw(st.one_of(*[st.integers(2, 4).map(str)] * 4, st.sampled_from(["1", "0", "-3", "x"]))),
        "--ny": draw(st.one_of(*[st.integers(2, 5).map(str)] * 4, st.sampled_from(["1", "0", "x"]))),
        "--n-events": draw(st.one_of(*[st.integers(1, 200).map(str)] * 4, st.sampled_from(["0", "-1"]))),
        "--n-obs": draw(st.one_of(st.none(), st.none(), st.integers(0, 50).map(str), st.just("-1"))),
        "--seed": draw(st.one_of(st.none(), st.none(), st.integers(0, 2**31).map(str), st.just("-1"))),
    }
    args = ["--model", "idm", "--plane", plane, "--executor", "serial", *as_args(dict(values)), *as_args(grid)]
    grid_valid = (
        all(v is None or v.isdigit() for v in grid.values())
        and min(int(grid[k] or 1) for k in ("--nx", "--ny", "--n-events")) >= (2 if grid["--n-events"] is None else 1)
        and grid["--nx"] != "1"
        and grid["--ny"] != "1"
    )
    if bad is None or not grid_valid:  # then the refusal may name another option
        return args, None, None
    return args, bad, values[bad]


@pytest.mark.usefixtures("toy_evaluator")
@fuzz(25, weight=0.05)
@given(point=limit_args())
def test_fuzz_limit(point: tuple[list[str], str | None, str | None]) -> None:
    """Exit 0 with a finite summary and the result file, or exit 2 leaving nothing behind (no partial folder)."""
    args, bad, bad_value = point
    with tempfile.TemporaryDirectory(prefix="semivis-fuzz-") as tmp:
        out = Path(tmp) / "out" / "r.nc"
        cache = Path(tmp) / "cache"
        res = invoke(["limit", *args, "--cache-dir", str(cache), "--out", str(out), "--json", "-"], bad, bad_value)
        left = sorted(p.name for p in out.parent.glob("*")) if out.parent.exists() else []
        if res.exit_code:
            assert left == [], f"refused run left {left} in the output folder"
            return
        assert left == ["r.nc"], left
        rep = strict_json(res.stdout)
        assert_all_finite(rep)
        assert number_at(rep, "s_up") > 0
        for e, n in rep["excluded_cells"].items():
            assert isinstance(n, int), e
            assert n >= 0, e
        for e in rep["eot"]:
            assert math.isfinite(e)
            assert e > 0


#: (--out, --json) a user may give by mistake: exit 0 keeping every foreign file intact, or exit 2 before any scan
OUT_CASES = [
    *[(target, None) for target in ("new.nc", "nested/new/dir/r.nc", "notes.txt", "existing.nc", "-", "a_dir")],
    *[(target, None) for target in ("a_file/r.nc", "r.nc.jpg")],
    *[("new.nc", json_target) for json_target in ("-", "s.json", "notes.txt", "a_dir", "a_file/s.json")],
]


@pytest.mark.usefixtures("toy_evaluator")
@pytest.mark.parametrize(
    ("target", "json_target"),
    [pytest.param(t, j, id=f"{t}-{j}", marks=marked(f"--out {t} --json {j}")) for t, j in OUT_CASES],
)
def test_fuzz_limit_out_paths(target: str, json_target: str | None, tmp_path: Path) -> None:
    """Hostile --out/--json paths: exit 0 (and every foreign file still intact), or exit 2 leaving nothing."""
    (tmp_path / "notes.txt").write_text("my precious notes\n")
    (tmp_path / "existing.nc").write_text("not a netCDF file, a user's file with the wrong suffix\n")
    (tmp_path / "a_dir").mkdir()
    (tmp_path / "a_file").write_text("a file in the way\n")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    args = [
        "limit", "--model", "idm", "--plane", "mAp-eps", "--executor", "serial", "--nx", "2", "--ny", "3",
        "--n-events", "50", "--cache-dir", str(tmp_path / "cache"), "--out", target,
    ]  # fmt: skip
    if json_target is not None:
        args += ["--json", json_target]
    with chdir(tmp_path):
        res = invoke(args)
    after = {name: (tmp_path / name).read_bytes() for name in before if (tmp_path / name).is_file()}
    assert after == before, f"--out {target} --json {json_target}: a foreign file was changed (exit {res.exit_code})"
    assert not list(tmp_path.glob("**/*.partial-*")), "a partial checkpoint folder was left behind"
    if res.exit_code == 0 and target == "-":
        assert json_target != "-", "--out - and --json - both on stdout"


# --------------------------------------------------------------------------------------------------- figure

_FIG = "epjc2023-fig8b"


def _write_replot_files(root: Path) -> dict[str, Path]:
    """Good and corrupt --replot inputs (a good one is what ``figure --data`` writes)."""
    data = FigureData(_FIG)
    ring = np.array([[0.01, 1e-4], [0.07, 1e-4], [0.07, 1.0], [0.01, 1.0], [0.01, 1e-4]])
    data.add("na64/2.84e11", [ring])
    data.add("na64/2.84e11/contour", [ring[1:3]])
    good = root / "good.json"
    data.write_json(good)
    text = good.read_text()
    files = {"good": good}
    bodies: dict[str, bytes] = {
        "truncated": text[: len(text) // 2].encode(),
        "empty": b"",
        "not-json": b"this is not JSON\n",
        "binary": bytes(range(256)) * 4,
        "latin1": '{"figure": "caf\xe9"}'.encode("latin-1"),
        "empty-object": b"{}",
        "list": b"[1, 2, 3]",
        "nan-curves": text.replace("0.07", "NaN").encode(),
        "string-curves": json.dumps({"figure": _FIG, "curves": {"na64/2.84e11": "nope"}}).encode(),
        "other-figure": text.replace(_FIG, "epjc2023-fig3").encode(),
    }
    for label, body in bodies.items():
        path = root / f"{label}.json"
        path.write_bytes(body)
        files[label] = path
    return files


class ComputationStartedError(AssertionError):
    """Raised by the guard in place of the figure's scans: options must be checked before any computation."""


@pytest.fixture
def no_figure_scans(monkeypatch: pytest.MonkeyPatch) -> None:
    def guard(*args: Any, **kwargs: Any) -> Any:
        raise ComputationStartedError("semivis figure started a scan before refusing an invalid option")

    monkeypatch.setattr(build, "run_scan", guard)


@pytest.mark.usefixtures("no_figure_scans")
@fuzz(10, weight=0.01)
@given(
    name=st.one_of(st.just(_FIG), st.just(_FIG), st.sampled_from(list(FIGURES)), GARBAGE),
    replot=st.sampled_from(
        [
            "good",
            "good",
            "truncated",
            "empty",
            "not-json",
            "binary",
            "latin1",
            "empty-object",
            "list",
            "nan-curves",
            "string-curves",
            "other-figure",
            "missing",
            "a_dir",
        ]
    ),
    out=st.sampled_from([None, "f.png", "f.pdf", "f", "f.jpg", "a_file/f.png", "sub/new/f.png", "-"]),
    data=st.sampled_from([None, "d.json", "a_file/d.json", "a_dir"]),
)
def test_fuzz_figure_replot(name: str, replot: str, out: str | None, data: str | None) -> None:
    """Redraw from good or corrupt data files with hostile --out/--data: exit 0 with the files, or one line."""
    with tempfile.TemporaryDirectory(prefix="semivis-fuzz-") as tmp:
        root = Path(tmp)
        files = _write_replot_files(root)
        (root / "a_dir").mkdir()
        (root / "a_file").write_text("in the way\n")
        replot_path = files.get(replot, root / replot)
        args = ["figure", name, "--replot", str(replot_path)]
        if out is not None:
            args += ["--out", out if out == "-" else str(root / out)]
        else:
            args += ["--out", str(root / "default")]
        if data is not None:
            args += ["--data", str(root / data)]
        with chdir(root):  # '--out -' and relative defaults land in the temporary folder
            res = invoke(args)
        if res.exit_code:
            return
        rep = strict_json(res.stdout)
        assert_all_finite(rep)
        written = [ln.removeprefix("wrote ") for ln in res.stderr.splitlines() if ln.startswith("wrote ")]
        assert written, res.stderr
        for path in written:
            file = root / path  # relative paths are relative to the folder it ran in
            assert file.is_file(), path
            assert file.stat().st_size > 0, path


#: one invalid option of `semivis figure` (paths relative to a folder holding a_dir/ and the file a_file)
FIGURE_BAD_OPTIONS = [
    ("--out", "f.jpg"), ("--out", "a_file/f.png"), ("--data", "a_file/d.json"), ("--data", "a_dir"),
    ("--resolution", "huge"), ("--executor", "threads"), ("--cache-dir", "a_file"),
]  # fmt: skip


@pytest.mark.usefixtures("no_figure_scans")
@pytest.mark.parametrize("name", ["epjc2023-fig3", "epjc2021-fig4"])
@pytest.mark.parametrize(
    ("opt", "value"),
    [pytest.param(o, v, id=f"{o}-{v}", marks=marked(f"figure {o} {v}")) for o, v in FIGURE_BAD_OPTIONS],
)
def test_fuzz_figure_refuses_before_computing(opt: str, value: str, name: str, tmp_path: Path) -> None:
    """One invalid option on a real figure: exit 2 with one line naming it, and no scan started (the guard)."""
    (tmp_path / "a_dir").mkdir()
    (tmp_path / "a_file").write_text("in the way\n")
    path_like = opt in {"--out", "--data", "--cache-dir"}
    with chdir(tmp_path):
        res = invoke(["figure", name, opt, str(tmp_path / value) if path_like else value])
    assert res.exit_code == 2, f"semivis figure {name} {opt} {value}: exit {res.exit_code}"
    assert opt in res.stderr, res.stderr


# ------------------------------------------------------------------------------------- the findings, one by one

_IDM_HEAVY = ["--model", "idm", "--mA=1.0", "--eps=0.1", "--alphaD=1.0", "--ratio=4.0", "--delta=1.0"]

#: every finding of the fuzz campaigns on the command line (issue 16), as a fixed regression
#: case: the property above must hold for each (open ones are strict xfails naming the owner's file)
FINDINGS = [
    ["widths", *_PT, "--mA=1e-120", "--ratio=3", "--json"],
    ["widths", *_PT, "--mA=0.3", "--ratio=1e308", "--json"],
    ["widths", *_PT, "--mA=-0.3", "--ratio=3", "--json"],
    ["widths", *_PT, "--mA=1.0", "--ratio=2.225073858507203e-309", "--json"],
    ["g2", "--mA=1e4", "--json"],
    ["g2", "--mA=1e300", "--json"],
    ["g2", "--mA=1.0", "--delta-amu=1e-8", "--sigma-amu=1e308", "--json"],
    ["relic", *_RELIC, "--ratio=0.01", "--json"],
    ["relic", *_RELIC, "--ratio=0.5", "--json"],
    ["relic", "--model", "idm", "--mchi1=1.0", "--delta=1e300", "--alphaD=1.0", "--json"],
    ["relic", "--model", "idm", "--mchi1=1.0", "--delta=0.1", "--alphaD=4.4e-271", "--json"],
    ["widths", "--model", "invisible", "--mA=1.0", "--eps=0.1", "--alphaD=1.0", "--ratio=1e-320", "--json"],
    ["widths", "--model", "idm", "--mA=1.0", "--eps=0.1", "--alphaD=1.0", "--mchi1=1e308", "--delta=1.0", "--json"],
    ["widths", "--model", "idm", "--mA=100", "--eps=0.1", "--alphaD=1.0", "--mchi1=100", "--delta=1e308", "--json"],
    ["relic", "--model", "i2dm", "--delta=0.4216965034285822", "--alphaD=1.0", "--mchi1=1.0", "--theta=0.01", "--json"],
    ["figure", "fig99"],
    ["yield", "--experiment", "na64-2016-2018", *_IDM_HEAVY, "--n-events=1", "--json"],
    [
        "relic",
        "--model",
        "i2dm",
        "--mchi1=1.0",
        "--delta=0.05623413251903491",
        "--alphaD=1.0",
        "--theta=1e-320",
        "--json",
    ],
    ["relic", "--model", "i2dm", "--mchi1=1.0", "--delta=0.1", "--alphaD=1e-320", "--theta=1.0", "--json"],
    ["relic", "--model", "i2dm", "--mchi1=0.01", "--delta=0.1", "--alphaD=1.0", "--theta=0.01", "--json"],
]


@pytest.mark.parametrize("args", [pytest.param(a, id=" ".join(a), marks=marked(" ".join(a))) for a in FINDINGS])
def test_fuzz_finding(args: list[str]) -> None:
    """exit 0 with finite strict JSON, or exit 2 with one line naming an option (see ``invoke``)."""
    res = invoke(args)
    if res.exit_code == 0 and "--json" in args:
        rep = strict_json(res.stdout)
        assert_all_finite(rep)
        for k, v in rep.get("chi2_decay_fractions", {}).items():
            assert 0.0 <= v <= 1.0, f"chi2 decay fraction {k} = {v!r}"
        if args[0] == "relic":  # the printed target gives the relic abundance
            assert rep["omega_h2"] == pytest.approx(0.12, rel=0.02)


# ----------------------------------------------------------------------------------------------- concurrency

_TOY_CLI = (
    "import semivis.scan.runner as r; from semivis.testing import ToyEvaluator; "
    "r.SignalEvaluator = lambda: ToyEvaluator(delay_s=0.05); from semivis.cli import main; main()"
)
_SMALL_SCAN = [
    "limit", "--model", "idm", "--plane", "mAp-eps", "--executor", "serial", "--nx", "6", "--ny", "5",
    "--n-events", "100", "--x-min", "0.01", "--x-max", "0.5",
]  # fmt: skip


@pytest.mark.usefixtures("toy_evaluator")
@pytest.mark.parametrize("stagger_s", [0.0, 0.3])
def test_two_concurrent_runs_on_one_cache_and_out(tmp_path: Path, stagger_s: float) -> None:
    """Two identical `semivis limit` runs at once (or staggered) on one cache and one --out: both exit 0, the result
    equals a run of its own, and no checkpoint folder is left (the last writer wins with a complete file)."""
    args = [*_SMALL_SCAN, "--cache-dir", str(tmp_path / "cache"), "--out", str(tmp_path / "r.nc")]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    procs = []
    for i in range(2):
        err = (tmp_path / f"stderr{i}.txt").open("w")
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", _TOY_CLI, *args], env=env, stdout=subprocess.DEVNULL, stderr=err, text=True
            )
        )
        err.close()
        time.sleep(stagger_s)
    try:
        codes = [p.wait(timeout=300) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    stderr = [(tmp_path / f"stderr{i}.txt").read_text() for i in range(2)]
    assert codes == [0, 0], stderr
    reference = tmp_path / "alone" / "r.nc"
    alone = [*_SMALL_SCAN, "--cache-dir", str(tmp_path / "c2"), "--out", str(reference)]
    assert invoke(alone).exit_code == 0
    with load_result(tmp_path / "r.nc") as shared, load_result(reference) as own:
        assert shared.equals(own)
    assert not list(tmp_path.glob("*.partial-*")), "a checkpoint folder was left behind"


# ----------------------------------------------------------------------------------------------- everything


def test_every_subcommand_is_fuzzed() -> None:
    """A new subcommand needs its fuzz property here."""
    fuzzed = {"widths", "g2", "relic", "yield", "limit", "figure", "export", "cite"}
    fuzzed |= {"events", "effmap"}  # tests/test_events_fuzz.py
    fuzzed |= {"constraint"}  # tests/test_beamdump_scan.py
    assert set(SUBCOMMANDS) == fuzzed
