"""ECAL slices in blocks (issue 12): the response table evaluates a chi2's 40 ECAL slices in blocks of
``ECAL_BLOCK`` and fills a block's inner slices from its two ends where those agree. Against every slice evaluated
(``ecal_block=1``, the reference) the terms may differ only where a flag flips and flips back inside one block:
this bounds how often that happens on NA64's selections and what it does to N_sig."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from semivis.detector import load_card
from semivis.errors import ParameterError
from semivis.signal import build_event_sample
from semivis.signal._kernels import N_IND
from semivis.signal.lifetime import lifetime_kernel

rt = sys.modules["semivis.signal.response_table"]

#: the smallest 90 % CL upper limit (no observed event): ln 10; the issue's test region is N_sig > 0.1 s_up
S_UP_MIN = math.log(10.0)
BINS = ("missing-energy", "s1", "s2")


def _terms_of_event(t: object, e: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    off = t.off  # type: ignore[attr-defined]
    lo, hi = off[N_IND * e], off[N_IND * e + N_IND]
    return off[N_IND * e : N_IND * e + N_IND + 1] - lo, t.x[lo:hi], t.c[lo:hi]  # type: ignore[attr-defined]


def _differing_events(a: object, b: object) -> int:
    n = (a.off.size - 1) // N_IND  # type: ignore[attr-defined]
    bad = 0
    for e in range(n):
        ta, tb = _terms_of_event(a, e), _terms_of_event(b, e)
        if not all(np.array_equal(p, q) for p, q in zip(ta, tb, strict=True)):
            bad += 1
    return bad


def _n_sig(sample, card, block: int, eps: np.ndarray, theta: float | None):  # type: ignore[no-untyped-def]
    """N_sig of BINS at 1e13 EOT (a 300-primary sample then has N_sig > 0.1 s_up over a wide eps range at every
    mass tested), alpha_D = 0.1, from the lifetime kernel of the table with ``block``."""
    old = rt.ECAL_BLOCK
    try:
        rt.ECAL_BLOCK = block
        rt.clear_response_tables()
        return lifetime_kernel(sample, card, BINS).n_signal(1e13, eps, 0.1, theta)[0]
    finally:
        rt.ECAL_BLOCK = old
        rt.clear_response_tables()


@pytest.mark.parametrize(
    ("card_name", "kind", "m_ap", "theta"),
    [
        ("na64-2016-2018", "idm", 0.3, None),
        ("na64-2016-2018", "idm", 1.5, None),  # heavy A': wide, short-lived pairs, many decays inside the ECAL
        ("na64-2016-2022", "i2dm", 0.6, 0.2),  # one- and two-chi2 channels; the slots' region terms too
    ],
)
def test_blocks_reproduce_every_slice(card_name: str, kind: str, m_ap: float, theta: float | None) -> None:
    """Blocks of ECAL_BLOCK against every slice: at most 2e-3 of the events have other terms (measured ~1e-4 at
    20 000 primaries, docs/performance.md) and N_sig of every bin agrees to 1e-3 wherever N_sig > 0.1 s_up, over
    eps 1e-6..1e-1 (decays from far beyond the set-up to inside the first X0). A rule that fills a block whose ends
    differ, or that skips the block's far end, moves whole decay regions and fails this."""
    card = load_card(card_name)
    m1 = m_ap / 3.0
    s = build_event_sample(card, kind, m_ap, m1, 1.4 * m1, 300, 11, processes=("brem",))
    every = rt.response_table(s, card, ecal_block=1)
    blocks = rt.response_table(s, card)
    assert rt.ECAL_BLOCK > 1
    for ch in every.one:
        n = (every.one[ch].off.size - 1) // N_IND
        assert n > 500
        assert _differing_events(every.one[ch], blocks.one[ch]) <= 2e-3 * n, ch
    for ch in every.pair:  # the joint table is the pair slicing's; the slots' region terms use the blocks
        assert np.array_equal(every.pair[ch].ca, blocks.pair[ch].ca)
        for a, b in zip(every.pair[ch].slots, blocks.pair[ch].slots, strict=True):
            assert _differing_events(a, b) <= 2e-3 * ((a.off.size - 1) // N_IND)
    eps = np.logspace(-6, -1, 100)
    ref = _n_sig(s, card, 1, eps, theta)
    new = _n_sig(s, card, rt.ECAL_BLOCK, eps, theta)
    tested = 0
    for i, b in enumerate(BINS):
        m = ref[i] > 0.1 * S_UP_MIN
        tested += int(m.sum())
        np.testing.assert_array_less(np.abs(new[i] - ref[i])[m], 1e-3 * ref[i][m] + 1e-300, err_msg=b)
    assert tested > 30


def test_every_slice_is_the_reference_and_a_separate_table() -> None:
    """ecal_block=1 is kept selectable as the reference (its own memo entry), and the default is ECAL_BLOCK."""
    card = load_card("na64-2016-2018")
    s = build_event_sample(card, "idm", 0.3, 0.1, 0.14, 50, 3, processes=("brem",))
    every = rt.response_table(s, card, ecal_block=1)
    default = rt.response_table(s, card)
    assert every is not default
    assert default is rt.response_table(s, card, ecal_block=rt.ECAL_BLOCK)
    assert every.card_key != default.card_key


@pytest.mark.parametrize("bad", [0, -1, rt.N_ECAL_SLICES + 1, 2.5, True, "4"])
def test_bad_block_length_is_refused(bad: object) -> None:
    card = load_card("na64-2016-2018")
    s = build_event_sample(card, "idm", 0.3, 0.1, 0.14, 20, 3, processes=("brem",))
    with pytest.raises(ParameterError, match="ecal_block"):
        rt.response_table(s, card, ecal_block=bad)  # type: ignore[arg-type]
