"""The computed E137 visible limit against BOTH published recasts of E137 (issue 14, helper dr14).

Two recasts of the same data exist (tests/data/reference/darkcast/SOURCES.md): Bjorken, Essig, Schuster, Toro PRD 80
(2009) 075018 Fig. 1 (``E137_Bjorken2009mm``) and Andreas, Niebuhr, Ringwald PRD 86 (2012) 095019 Fig. 2
(``E137_Andreas2012mt``). Their upper (short-lived) edges agree within 6 % up to 0.2 GeV; their lower (long-lived)
edges differ by a factor 2-5 in eps (their inputs, not reachable here, differ). semivis's card (1 GeV threshold, 3 m
x 3 m face, 95 % CL) gives a lower edge between the two: within 30 % of Bjorken et al. 2009 from 30 MeV to 0.18 GeV,
stronger than it below, and weaker than Andreas et al. 2012 everywhere (the strict xfail of tests/test_beamdump.py).
So the computed E137 region drawn in the figures is conservative with respect to Andreas et al. 2012 only.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from semivis.beamdump import load_dump, visible_edges

REF = Path(__file__).parent / "data" / "reference" / "darkcast"


def _ref(name: str, m: float) -> tuple[float, float]:
    d = np.loadtxt(REF / name)
    lo = math.exp(float(np.interp(math.log(m), np.log(d[:, 0]), np.log(d[:, 1]))))
    hi = math.exp(float(np.interp(math.log(m), np.log(d[:, 0]), np.log(d[:, 2]))))
    return lo, hi


@pytest.fixture(scope="module")
def e137() -> dict[float, tuple[float, float]]:
    """semivis's E137 edges (card as shipped: 2000 primaries, its seed) at 3, 50 and 100 MeV."""
    card = load_dump("e137")
    out = {}
    for m in (0.003, 0.05, 0.1):
        e = visible_edges(card, m)
        assert e.lower is not None
        assert e.upper is not None
        out[m] = (e.lower, e.upper)
    return out


def test_the_two_published_e137_recasts_share_the_upper_edge_not_the_lower() -> None:
    for m in (0.003, 0.01, 0.03, 0.1, 0.2):
        (lo_b, hi_b), (lo_a, hi_a) = _ref("E137_Bjorken2009mm.lmt", m), _ref("E137_Andreas2012mt.lmt", m)
        assert hi_a == pytest.approx(hi_b, rel=0.06)
        assert 1.1 < lo_b / lo_a < 5.0


@pytest.mark.slow
@pytest.mark.parametrize("m", [0.05, 0.1])
def test_e137_lower_edge_within_30_percent_of_bjorken_2009(e137: dict[float, tuple[float, float]], m: float) -> None:
    """Above ~30 MeV the long-lived edge of the card reproduces Bjorken et al. 2009 (measured -27 / -19 / -9 / +4 /
    +19 % at 30 / 46 / 73 / 114 / 179 MeV; asserted at 50 and 100 MeV); the upper edge both recasts (+4 %)."""
    lo, hi = e137[m]
    lo_b, hi_b = _ref("E137_Bjorken2009mm.lmt", m)
    assert lo == pytest.approx(lo_b, rel=0.30)
    assert hi == pytest.approx(hi_b, rel=0.30)


@pytest.mark.slow
def test_e137_lower_edge_lies_between_the_two_published_recasts_at_3_mev(
    e137: dict[float, tuple[float, float]],
) -> None:
    """At 3 MeV semivis's lower edge (measured 5.0e-8) is below Bjorken et al. 2009 (1.04e-7) and above Andreas et
    al. 2012 (2.4e-8): N ~ eps^4 there, so the recasts differ by a factor ~350 in the number of events."""
    lo, _ = e137[0.003]
    assert _ref("E137_Andreas2012mt.lmt", 0.003)[0] < lo < _ref("E137_Bjorken2009mm.lmt", 0.003)[0]
