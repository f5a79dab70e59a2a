"""`semivis yield`: JSON contract, agreement with production's invisible yield, bad input -> exit 2."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from semivis.cli import main
from semivis.detector import load_card
from semivis.production import invisible_yield_per_eot, simulate_ap_production
from semivis.signal.events import CHANNELS_BY_KIND


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
        "combined",
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
    assert by["combined"] == pytest.approx(by["missing-energy"] + by["s1"], rel=1e-9)
    assert rep["n_signal"] == pytest.approx(by["combined"])


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
