"""`semivis events`: HepMC3 / LHE files read back; momentum balance, decay law, weights vs `semivis yield`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pyhepmc
import pylhe
import pytest
from click.testing import CliRunner
from scipy import stats

from semivis.cli import main
from semivis.cli.yield_ import yield_report
from semivis.detector import load_card
from semivis.events import EventRequest, generate_events, parse_pdg_ids, write_events
from semivis.models import make_model

CARD = load_card("na64-2016-2018")
# iDM benchmark point with c tau(chi2) ~ 13 m: decays spread over the whole set-up
POINT: dict[str, Any] = {"m_Ap": 0.1, "eps": 3e-4, "alpha_D": 0.1, "ratio": 3.0, "delta": 0.4}


def _request(kind: str = "idm", n: int = 3000, **kw: Any) -> EventRequest:
    extra = {"theta": kw.pop("theta")} if "theta" in kw else {}
    m = make_model(kind, **{**POINT, **({"delta": None} if kind == "invisible" else {}), **extra})
    return EventRequest(
        CARD, kind, POINT["m_Ap"], float(m.m_chi1), float(m.m_chi2), POINT["eps"], POINT["alpha_D"],
        n_events=n, chunk_events=kw.pop("chunk_events", 1500), **extra, **kw,
    )  # fmt: skip


def _p4(p: Any) -> np.ndarray:
    m = p.momentum
    return np.array([m.e, m.px, m.py, m.pz])


def _read_hepmc(path: Path) -> list[Any]:
    with pyhepmc.open(str(path)) as f:
        return list(f)


@pytest.fixture(scope="module")
def hepmc_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("ev") / "idm.hepmc3"
    return out, write_events(_request(), "hepmc3", out)


def test_hepmc3_reads_back_and_conserves_four_momentum_at_every_vertex(hepmc_file: tuple[Path, dict[str, Any]]) -> None:
    path, summary = hepmc_file
    events = _read_hepmc(path)
    assert len(events) == summary["n_events"] == 3000
    assert math.isclose(sum(ev.weights[0] for ev in events), summary["weight_sum"], rel_tol=1e-12)
    worst = 0.0
    n_dec = 0
    for ev in events:
        assert (ev.momentum_unit, ev.length_unit) == (pyhepmc.Units.GEV, pyhepmc.Units.MM)
        for v in ev.vertices:
            pin = sum(_p4(p) for p in v.particles_in)
            pout = sum(_p4(p) for p in v.particles_out)
            worst = max(worst, float(np.max(np.abs(pin - pout)) / pin[0]))
            n_dec += len(v.particles_out) == 3
    assert worst < 1e-9
    assert n_dec > 1000  # chi2 decays inside the record (c tau ~ 13 m, gamma ~ 1e3: many decay beyond, all written)


def test_decay_lengths_follow_the_exponential_law(hepmc_file: tuple[Path, dict[str, Any]]) -> None:
    """Proper decay length L / (beta gamma) of every chi2 ~ Exp(c tau) (KS test, fixed seed)."""
    path, _ = hepmc_file
    m = make_model("idm", **POINT)
    ctau_mm = float(m.ctau_chi2_m()) * 1e3
    x = []
    for ev in _read_hepmc(path):
        for v in ev.vertices:
            if len(v.particles_out) != 3:
                continue
            (chi2,) = v.particles_in
            prod = chi2.production_vertex.position
            d = v.position - prod
            L = math.sqrt(d.x**2 + d.y**2 + d.z**2)
            p = _p4(chi2)
            bg = float(np.linalg.norm(p[1:])) / float(m.m_chi2)
            x.append(L / bg)
            assert math.isclose(d.t, L * p[0] / np.linalg.norm(p[1:]), rel_tol=1e-9)  # t = L / beta
    res = stats.kstest(np.asarray(x) / ctau_mm, "expon")
    assert res.pvalue > 0.01, res


def test_lhe_reads_back_with_balanced_momenta_and_vertices(tmp_path: Path) -> None:
    out = tmp_path / "idm.lhe"
    summary = write_events(_request(n=400, chunk_events=400, seed=5), "lhe", out)
    lhe = pylhe.LHEFile.fromfile(str(out))
    events = list(lhe.events)
    assert len(events) == 400
    assert math.isclose(sum(e.eventinfo.weight for e in events), summary["weight_sum"], rel_tol=1e-12)
    worst = 0.0
    for ev in events:
        parts = ev.particles
        p4 = [np.array([q.e, q.px, q.py, q.pz]) for q in parts]
        kids: dict[int, list[int]] = {}
        for i, q in enumerate(parts):
            if q.mother1 > 0:
                kids.setdefault(int(q.mother1) - 1, []).append(i)
        for mom, ks in kids.items():
            worst = max(worst, float(np.max(np.abs(p4[mom] - sum(p4[k] for k in ks))) / p4[mom][0]))
        assert any(line.startswith("#vertex") for line in ev.optional)
        for line in ev.optional:
            if line.startswith("#decay_vertex"):
                k = int(line.split()[1]) - 1
                assert (parts[k].status, parts[k].lifetime > 0.0) == (2, True)
    assert worst < 1e-9


def test_weight_sum_with_selection_is_yields_n_sig() -> None:
    """--selection missing-energy: sum of weights = `semivis yield` N_sig within the combined MC error."""
    rep = yield_report("na64-2016-2018", "idm", **POINT, n_events=4000, seed=3)
    w = np.concatenate([c.weight for c in generate_events(_request(n=6000, selection="missing-energy", seed=11))])
    err = math.hypot(float(np.sqrt(np.sum(w**2))), rep["n_signal"] * rep["mc_rel_error"])
    assert w.sum() > 0
    assert abs(w.sum() - rep["n_signal"]) < 4.0 * err, (w.sum(), rep["n_signal"], err)


def test_weight_sum_before_selection_invisible() -> None:
    """Invisible model: every event passes the missing-energy selection, so the pre-selection sum times the card's
    signal efficiency is yield's N_sig."""
    rep = yield_report("na64-2016-2018", "invisible", 0.1, 3e-4, 0.1, ratio=3.0, n_events=4000, seed=3)
    w = np.concatenate([c.weight for c in generate_events(_request("invisible", n=6000, seed=2))])
    n = w.sum() * float(CARD.signal_efficiency(0.1))
    err = math.hypot(
        float(np.sqrt(np.sum(w**2))) * float(CARD.signal_efficiency(0.1)), rep["n_signal"] * rep["mc_rel_error"]
    )
    assert abs(n - rep["n_signal"]) < 4.0 * err, (n, rep["n_signal"], err)


def test_forced_region_weights_reproduce_chi2_decay_fractions() -> None:
    rep = yield_report("na64-2016-2018", "idm", **POINT, n_events=4000, seed=3)
    free = sum(c.weight.sum() for c in generate_events(_request(n=3000, seed=4)))
    sums: dict[str, float] = {}
    errs: dict[str, float] = {}
    for region in rep["chi2_decay_fractions"]:
        w = np.concatenate([c.weight for c in generate_events(_request(n=3000, seed=4, force_region=region))])
        sums[region], errs[region] = float(w.sum()), float(np.sqrt(np.sum(w**2)))
    # same seed, same events: the region probabilities of every chi2 add up to one
    assert math.isclose(sum(sums.values()), free, rel_tol=1e-9)
    for region, frac in rep["chi2_decay_fractions"].items():
        assert abs(sums[region] / free - frac) < 4.0 * errs[region] / free + 0.01 * frac + 1e-6, region


def test_forced_vertices_lie_in_the_region() -> None:
    hcal2 = next(r for r in CARD.regions if r[0] == "hcal2")
    for ch in generate_events(_request(n=500, chunk_events=500, force_region="hcal2")):
        ok = ch.decays[1] & (ch.weight > 0)
        z = ch.vtx[1, ok, 2] / 1e3
        assert ok.sum() > 100
        assert np.all((z >= hcal2[1] - 1e-9) & (z <= hcal2[2] + 1e-9))


def test_i2dm_channels_and_reproducibility(tmp_path: Path) -> None:
    req = _request("i2dm", n=300, chunk_events=300, theta=0.3, seed=9)
    a, b = tmp_path / "a.hepmc3", tmp_path / "b.hepmc3"
    write_events(req, "hepmc3", a)
    write_events(req, "hepmc3", b)
    assert a.read_bytes() == b.read_bytes()
    chans = {ev.attributes["channel"].astype(str) for ev in _read_hepmc(a)}
    assert chans <= {"chi1chi1", "chi1chi2", "chi2chi2"}
    assert len(chans) >= 2


def test_pdg_table() -> None:
    assert parse_pdg_ids("Ap=622")["Ap"] == 622
    with pytest.raises(Exception, match="--pdg"):
        parse_pdg_ids("Ap=11")


BASE = ["events", "--experiment", "na64-2016-2018", "--model", "idm", "--mA", "0.1", "--eps", "3e-4", "--alphaD",
        "0.1", "--ratio", "3", "--delta", "0.4", "--no-progress"]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "name"),
    [
        (["-n", "10", "--format", "root"], "--format"),
        (["-n", "0", "--format", "lhe"], "-n"),
        (["-n", "10", "--format", "lhe", "--force-region", "tracker"], "--force-region"),
        (["-n", "10", "--format", "lhe", "--out", "AFILE/x.lhe"], "--out"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path: Path, extra: list[str], name: str) -> None:
    (tmp_path / "AFILE").write_text("a file, not a folder")
    extra = [str(tmp_path / a) if a.startswith("AFILE") else a for a in extra]
    args = BASE + extra + ([] if "--out" in extra else ["--out", str(tmp_path / "x.lhe")])
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2, res.output
    lines = [ln for ln in res.output.splitlines() if ln.strip()]
    assert len(lines) == 1, res.output
    assert name in lines[0], res.output


def test_cli_writes_and_interrupted_export_leaves_no_file(tmp_path: Path) -> None:
    out = tmp_path / "ev.lhe"
    res = CliRunner().invoke(main, [*BASE, "-n", "50", "--format", "lhe", "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    assert out.exists()
    out2 = tmp_path / "cut.hepmc3"

    def stop(_: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_events(_request(n=200, chunk_events=100), "hepmc3", out2, progress=stop)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ev.lhe"]


def test_i2dm_forced_region_forces_both_chi2() -> None:
    """i2DM --force-region: both chi2 of a chi2 chi2 event decay in the region (weight x P0 x P1), chi1 chi1 events
    get weight 0, chi1 chi2 events carry P of their one chi2."""
    kw = {"theta": 0.3, "n": 600, "chunk_events": 600, "seed": 8}
    free = next(generate_events(_request("i2dm", **kw)))
    forced = next(generate_events(_request("i2dm", force_region="hcal3", **kw)))
    hcal3 = next(r for r in CARD.regions if r[0] == "hcal3")
    chans = forced.channels
    c11 = forced.channel == chans.index("chi1chi1")
    c22 = forced.channel == chans.index("chi2chi2")
    assert c11.any()
    assert c22.any()
    assert np.all(forced.weight[c11] == 0.0)
    assert np.all(forced.weight <= free.weight)
    both = c22 & (forced.weight > 0)
    assert both.sum() > 10
    for s in (0, 1):
        z = forced.vtx[s, both, 2] / 1e3
        assert np.all((z >= hcal3[1] - 1e-9) & (z <= hcal3[2] + 1e-9))
