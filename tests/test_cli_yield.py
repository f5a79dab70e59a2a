"""`semivis yield`: JSON contract, agreement with production's invisible yield, bad input -> exit 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from semivis.cli import main
from semivis.cli.yield_ import yield_report
from semivis.detector import load_card
from semivis.production import simulate_ap_production
from semivis.signal.events import CHANNELS_BY_KIND
from semivis.testing import invisible_yield_per_eot


def _run(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(main, ["yield", *args])
    return res.exit_code, res.output


def test_invisible_agrees_with_production() -> None:
    code, out = _run(
        "--experiment",
        "na64-2016-2018",
        "--model",
        "invisible",
        "--mA",
        "0.05",
        "--eps",
        "1e-4",
        "--alphaD",
        "0.5",
        "--ratio",
        "3",
        "--n-events",
        "300",
        "--seed",
        "4",
        "--json",
    )
    assert code == 0, out
    rep = json.loads(out)
    card = load_card("na64-2016-2018")
    # the CLI's A' sample: production stream = first child of SeedSequence(seed), as build_event_sample spawns it
    child = np.random.SeedSequence(4).spawn(1 + len(CHANNELS_BY_KIND["invisible"]))[0]
    ap = simulate_ap_production(card.target, 100.0, 0.05, n_primaries=300, seed=child, E_min_GeV=50.0)
    ref = card.eot * 1e-8 * float(card.signal_efficiency(0.05)) * invisible_yield_per_eot(ap)
    assert rep["n_signal"] == pytest.approx(ref, rel=1e-6)
    assert rep["n_signal_per_eot"] == pytest.approx(ref / card.eot, rel=1e-6)
    assert sum(rep["breakdown"].values()) == pytest.approx(rep["n_signal"], rel=1e-9)
    assert "chi2_decay_fractions" not in rep
    assert rep["n_signal_by_selection"]["s1"] == 0.0


def test_idm_json_contract() -> None:
    code, out = _run(
        "--experiment",
        "na64-2016-2018",
        "--model",
        "idm",
        "--mA",
        "0.3",
        "--eps",
        "3e-3",
        "--alphaD",
        "0.1",
        "--ratio",
        "3",
        "--delta",
        "0.4",
        "--n-events",
        "200",
        "--eot",
        "1e12",
        "--selection",
        "s1+s2",
        "--json",
    )
    assert code == 0, out
    rep = json.loads(out)
    for key in (
        "n_signal",
        "n_signal_per_eot",
        "mc_rel_error",
        "breakdown",
        "chi2_decay_fractions",
        "n_signal_by_selection",
    ):
        assert key in rep
    assert set(rep["breakdown"]) == {"brem_primary", "brem_secondary", "annihilation"}
    fr = rep["chi2_decay_fractions"]
    assert set(fr) == {"ecal", "veto", "hcal1", "hcal2", "hcal3", "gaps", "beyond"}
    assert sum(fr.values()) == pytest.approx(1.0, abs=1e-9)
    assert rep["eot"] == 1e12
    by = rep["n_signal_by_selection"]
    assert by["box+s1"] == pytest.approx(by["missing-energy"] + by["s1"], rel=1e-9)  # one bin: the union
    assert by["s1+s2"] == pytest.approx(by["s1"] + by["s2"], rel=1e-9)  # total of the two bins
    assert rep["n_signal"] == pytest.approx(by["s1+s2"])
    assert rep["bins"] == {  # the two bins of the 2021 combination, with the card's backgrounds
        "s1": {"n_signal": by["s1"], "background": 0.19, "sigma_b": 0.07},
        "s2": {"n_signal": by["s2"], "background": 0.53, "sigma_b": 0.17},
    }


def test_yield_and_the_scan_evaluator_agree_on_every_selection() -> None:
    """`semivis yield` and the scan's SignalEvaluator (what `semivis limit` runs) give the same N_sig per bin for
    every selection of the registry, at the same mass point, couplings and seed (one composition: bin_signals)."""
    from semivis.scan.evaluators import SignalEvaluator  # noqa: PLC0415
    from semivis.signal import SELECTIONS, bin_names  # noqa: PLC0415

    rep = yield_report("na64-2016-2018", "idm", 0.3, 3e-3, 0.1, ratio=3.0, delta=0.4, n_events=300, seed=7)
    ev = SignalEvaluator()
    sample = ev.build_sample(
        "na64-2016-2018", "idm", (0.3, rep["m_chi1"], rep["m_chi2"]), 300, np.random.SeedSequence(7)
    )
    couplings = {"eps": np.array([3e-3]), "alpha_D": np.array([0.1]), "theta": np.array([np.nan])}
    by = rep["n_signal_by_selection"]
    assert by["s1"] > 0.0
    assert by["missing-energy"] > 0.0
    for name in SELECTIONS:
        bins = bin_names(name)
        rows = ev.n_sig("na64-2016-2018", "idm", sample, bins, couplings)[:, 0]
        assert rows.tolist() == [by[b] for b in bins], name  # a bin's N_sig is that of its single-bin selection
        assert float(rows.sum()) == pytest.approx(by[name], rel=1e-12)
        report = yield_report(
            "na64-2016-2018", "idm", 0.3, 3e-3, 0.1, ratio=3.0, delta=0.4, n_events=300, seed=7, selection=name
        )
        assert [report["bins"][b]["n_signal"] for b in bins] == rows.tolist()
        assert [tuple(report["bins"][b][k] for k in ("background", "sigma_b")) for b in bins] == [
            ev.background("na64-2016-2018", b) for b in bins
        ]


@pytest.mark.parametrize("command", ["yield", "limit"])
def test_old_selection_name_is_refused_naming_the_new_ones(command: str) -> None:
    res = CliRunner().invoke(main, [command, "--model", "idm", "--selection", "combined"])
    assert res.exit_code == 2
    assert "box+s1" in res.output
    assert "s1+s2" in res.output
    assert "Traceback" not in res.output


def test_text_output_and_i2dm() -> None:
    code, out = _run(
        "--experiment",
        "na64-ls3",
        "--model",
        "i2dm",
        "--mA",
        "0.3",
        "--eps",
        "1e-3",
        "--alphaD",
        "0.1",
        "--mchi1",
        "0.1",
        "--delta",
        "0.1",
        "--theta",
        "0.05",
        "--n-events",
        "100",
    )
    assert code == 0, out
    assert "N_sig" in out
    assert "chi2 decays" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--eps", "2"], "eps"),
        (["--eps", "1e-3", "--experiment", "no-card"], "no such card"),
        (["--eps", "1e-3", "--theta", "0.1"], "--theta"),
        (["--eps", "1e-3", "--mchi1", "0.1"], "--mchi1/--ratio"),
    ],
)
def test_bad_input_exit_2(args: list[str], needle: str) -> None:
    base = {
        "--experiment": "na64-2016-2018",
        "--model": "idm",
        "--mA": "0.3",
        "--alphaD": "0.1",
        "--ratio": "3",
        "--delta": "0.4",
        "--n-events": "50",
    }
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    flat = [x for kv in base.items() for x in kv]
    code, out = _run(*flat)
    assert code == 2
    assert needle in out
    assert "Traceback" not in out


YIELD_POINT = [
    "--experiment", "na64-2016-2018", "--model", "idm", "--eps", "3e-3", "--alphaD", "0.1", "--ratio", "3",
    "--delta", "0.4",
]  # fmt: skip


def _error_line(args: list[str]) -> str:
    res = CliRunner().invoke(main, ["yield", *args])
    lines = [ln for ln in res.stderr.strip().splitlines() if ln]
    assert res.exit_code == 2, res.output
    assert len(lines) == 1, res.output
    return lines[0]


def test_huge_n_events_is_refused_up_front_with_the_maximum() -> None:
    """1e9 primaries (~10 TB at ~10 kB each) was a MemoryError traceback after 13 s: refused before any work."""
    from semivis.cli.yield_ import YIELD_N_EVENTS_MAX  # noqa: PLC0415

    line = _error_line([*YIELD_POINT, "--mA", "0.3", "--n-events", "1000000000"])
    assert "--n-events = 1000000000" in line
    assert f"<= {YIELD_N_EVENTS_MAX}" in line
    assert "10 kB per primary" in line


@pytest.mark.parametrize("m_ap", ["5", "-1", "1e-7"])
def test_mA_outside_production_says_it_is_the_production_range(m_ap: str) -> None:
    """One allowed range for `yield --mA` (3 GeV for 5 and for -1 alike), stated as the production range."""
    line = _error_line([*YIELD_POINT, "--mA", m_ap, "--n-events", "10"])
    assert f"--mA = {float(m_ap)!r}" in line
    assert "1e-06 <= --mA <= 3.0 GeV" in line
    assert "production range" in line


def test_eot_error_names_the_option() -> None:
    line = _error_line([*YIELD_POINT, "--mA", "0.3", "--n-events", "10", "--eot", "0"])
    assert "--eot = 0.0" in line


def test_json_counts_primaries_and_ap_events_under_distinct_names() -> None:
    """`n_primaries` is --n-events; `n_ap_events` the A' events they made (about 12 per primary at 0.3 GeV)."""
    res = CliRunner().invoke(main, ["yield", *YIELD_POINT, "--mA", "0.3", "--n-events", "200", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert "n_events" not in d
    assert d["n_primaries"] == 200
    assert 5 * 200 < d["n_ap_events"] < 20 * 200


def test_lowest_mass_runs_without_numpy_warnings() -> None:
    """m_A' = 1 keV: the A' boost has gamma ~ 1e8, where beta^2 rounds to 1 (a sqrt of a negative number before);
    finite result, nothing on stderr (numpy warnings are errors in the tests)."""
    res = CliRunner().invoke(main, ["yield", *YIELD_POINT, "--mA", "1e-6", "--n-events", "200", "--json"])
    assert res.exit_code == 0, res.output
    assert res.stderr == ""
    d = json.loads(res.stdout)
    assert d["chi2_stable"] is True  # dm < m_A' < 2 m_e
    assert 0 < d["n_signal"] < float("inf")


@pytest.mark.parametrize(("m_ap", "ratio", "delta"), [("1.0", "4.0", "1.0"), ("0.01333521432163324", "3.5", "0.1")])
def test_chi2_decay_fractions_are_probabilities(m_ap: str, ratio: str, delta: str) -> None:
    """Short-lived chi2 (eps = 0.1, alpha_D = 1): the fraction of chi2 decaying in the ECAL (or beyond) came out
    as 1.0000000000000002, the region's weight divided by a separately summed total; now each fraction is in
    [0, 1] and they sum to 1 to rounding."""
    args = ["yield", "--experiment", "na64-2016-2018", "--model", "idm", "--mA", m_ap, "--eps", "0.1"]
    res = CliRunner().invoke(
        main, [*args, "--alphaD", "1.0", "--ratio", ratio, "--delta", delta, "--n-events", "1", "--json"]
    )
    assert res.exit_code == 0, res.output
    fractions = json.loads(res.stdout)["chi2_decay_fractions"]
    assert all(0.0 <= f <= 1.0 for f in fractions.values()), fractions
    assert sum(fractions.values()) == pytest.approx(1.0, abs=1e-12)
