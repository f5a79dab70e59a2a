"""The selection registry: one definition per name, bins and backgrounds as published, the retired name refused."""

from __future__ import annotations

import math

import pytest

from semivis.detector import load_card
from semivis.errors import ParameterError
from semivis.signal import SELECTION_FLAGS, SELECTIONS, bin_for_card, bin_names, get_selection, selection_for_card


def test_names_bins_and_published_backgrounds() -> None:
    assert list(SELECTIONS) == ["missing-energy", "s1", "s2", "box+s1", "s1+s2"]
    card = load_card("na64-2016-2018")
    # EPJC 83 (2023) 391 Sect. 3.2: box background 0.53 +- 0.17; EPJC 81 (2021) 959: S1 0.19 +- 0.07, R-cut 52 %
    me, s1, s2 = (selection_for_card(n, card).bin for n in ("missing-energy", "s1", "s2"))
    assert (me.parts, me.background, me.sigma_b) == ((("missing-energy", 1.0),), 0.53, 0.17)
    assert (s1.parts, s1.background, s1.sigma_b) == ((("s1", 0.52),), 0.19, 0.07)
    assert (s2.parts, s2.background, s2.sigma_b) == ((("s2", 1.0),), 0.53, 0.17)
    # box+s1 (EPJC 2023's suggested union): ONE bin, parts summed, backgrounds added, sigma_b in quadrature
    (union,) = selection_for_card("box+s1", card).bins
    assert union.parts == me.parts + s1.parts
    assert union.background == pytest.approx(0.72)
    assert union.sigma_b == pytest.approx(math.hypot(0.17, 0.07))
    # s1+s2 (the 2021 combination): TWO bins, each the single-bin selection of its name
    assert selection_for_card("s1+s2", card).bins == (s1, s2)
    assert bin_names("s1+s2") == ("s1", "s2")
    assert bin_names("box+s1") == ("box+s1",)
    for name, sel in SELECTIONS.items():
        for b in sel.bins:
            assert bin_for_card(b.name, card) == selection_for_card(name, card).bins[bin_names(name).index(b.name)]
            assert {flag for flag, _ in b.parts} <= set(SELECTION_FLAGS)


def test_card_overrides_reach_composite_selections(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from semivis.detector.cards import CARDS_PACKAGE_DIR  # noqa: PLC0415

    text = (CARDS_PACKAGE_DIR / "na64-2016-2018.toml").read_text()
    text = text.replace("extra_efficiency = 0.52", "extra_efficiency = 0.45").replace(
        "background = 0.19", "background = 0.25"
    )
    path = tmp_path / "card.toml"
    path.write_text(text + '\n[selections."box+s1"]\nsigma_b = 0.3\n')
    card = load_card(path)
    (union,) = selection_for_card("box+s1", card).bins
    assert union.parts == (("missing-energy", 1.0), ("s1", 0.45))
    assert union.background == pytest.approx(0.53 + 0.25)
    assert union.sigma_b == 0.3
    assert selection_for_card("s1+s2", card).bins[0].background == 0.25


@pytest.mark.parametrize("call", [get_selection, bin_names, lambda n: selection_for_card(n, load_card("na64-ls3"))])
def test_retired_name_combined_names_its_successors(call) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match=r"box\+s1") as err:
        call("combined")
    assert "s1+s2" in str(err.value)
    assert "EPJC 2021" in str(err.value)
    assert "EPJC 2023" in str(err.value)


def test_single_bin_accessors_refuse_multibin() -> None:
    with pytest.raises(ParameterError, match="single-bin"):
        _ = SELECTIONS["s1+s2"].background
    with pytest.raises(ParameterError, match="single-part"):
        _ = SELECTIONS["box+s1"].efficiency


def test_na64_pair_cuts_only_remove_events_whose_pairs_are_seen() -> None:
    """NA64's [cuts] (EPJC 2023 Sect. 3.2) through the lifetime reweighting: a long-lived chi2 (small eps) escapes
    and every pass/fail cut passes (the invisible-mode efficiency is the card's); they never add events (at a fixed
    VETO response); prompt pairs carrying most of the ECAL energy fail the longitudinal (E_PS / E_ECAL) cut; s1
    (EPJC 2021) has none of them. The VETO response itself (charged-particle flux vs capped energy) may go either way
    for a leaking shower, but not for a chi2 that escapes."""
    from semivis.signal import build_event_sample, signal_result  # noqa: PLC0415
    from semivis.testing import synthetic_ap_sample  # noqa: PLC0415

    card = load_card("na64-2016-2018")
    resp = card.with_cuts(longitudinal=False, lateral=False, hcal1_periphery=False)  # VETO with its response only
    legacy = resp.with_cuts(veto_charged_flux=False)
    m = 0.8
    s = build_event_sample(
        card, "idm", m, m / 3, 1.4 * m / 3, n_events=1500, seed=3, ap_sample=synthetic_ap_sample(m, 1500)
    )

    def n(c, sel: str, eps: float) -> float:  # type: ignore[no-untyped-def]
        return float(signal_result(s, c, sel, eps=eps, alpha_D=0.1).n_signal)

    assert n(card, "missing-energy", 1e-5) == pytest.approx(n(resp, "missing-energy", 1e-5), rel=1e-12)
    assert n(card, "missing-energy", 1e-5) == pytest.approx(n(legacy, "missing-energy", 1e-5), rel=1e-5)
    for eps in (3e-4, 3e-3, 3e-2):
        assert n(card, "missing-energy", eps) <= n(resp, "missing-energy", eps) * (1 + 1e-12)
    loss = 1.0 - n(card, "missing-energy", 3e-2) / n(resp, "missing-energy", 3e-2)
    assert 0.0 < loss < 0.1
    only_long = resp.with_cuts(longitudinal=True)
    assert loss == pytest.approx(1.0 - n(only_long, "missing-energy", 3e-2) / n(resp, "missing-energy", 3e-2), rel=0.2)
    assert n(card, "s1", 1e-3) == pytest.approx(n(resp, "s1", 1e-3), rel=1e-12)
