"""Named signal selections with their efficiency factors and expected backgrounds (from the papers).

Each selection is a sum of *parts*; a part is one of the detector-level flags computed by
:mod:`semivis.detector.response` (``missing-energy``, ``s1``, ``s2``) times an extra efficiency on top of the
card's signal efficiency of the invisible selection. Parts of one selection are disjoint event classes,
so the union is their sum (no double counting).

* ``missing-energy`` (EPJC 2023, Sect. 3.2): E_ECAL < 50 GeV including the e+e- energy of chi2 decays in
  the ECAL, nothing in the VETO, E_HCAL < 1 GeV. Background 0.53 +- 0.17 (the invisible search; the paper
  sets limits as background-free, N_sig > 2.3).
* ``s1`` (EPJC 2021): a chi2 decays between the start of HCAL2 and the end of HCAL3 and leaves >= 1 GeV
  there, nothing in the VETO and HCAL1 (the shield), E_ECAL < 50 GeV; HCAL transverse-shape cut R < 0.06
  of efficiency ~52 % (minimum ~45 %). Background 0.19 +- 0.07.
* ``s2`` (EPJC 2021): every chi2 decays beyond the set-up (the invisible box, weighted by the probability
  to decay beyond all detectors). Background 0.53 +- 0.17. It is a subset of ``missing-energy``.
* ``combined``: the 2023 box united with the 2021 displaced signature S1. They are disjoint (S1 needs
  E_HCAL2+3 >= 1 GeV, the box E_HCAL < 1 GeV), so N = N_box + N_S1; background 0.53 + 0.19 = 0.72 with
  sigma_b = sqrt(0.17^2 + 0.07^2) = 0.18 (the two boxes' backgrounds are independent estimates).
  For a multibin limit use the parts separately (:attr:`Selection.parts`).

>>> SELECTIONS["s1"].background, SELECTIONS["s1"].sigma_b
(0.19, 0.07)
>>> round(SELECTIONS["combined"].background, 2), round(SELECTIONS["combined"].sigma_b, 3)
(0.72, 0.184)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from semivis.errors import ParameterError

if TYPE_CHECKING:
    from semivis.detector.cards import ExperimentCard

__all__ = ["SELECTIONS", "Selection", "selection_for_card"]


@dataclass(frozen=True)
class Selection:
    """A named signal selection.

    ``parts``: tuple of (flag name, extra efficiency) summed; ``background`` and ``sigma_b`` the expected
    background events and their uncertainty for the card's EOT as published.
    """

    name: str
    description: str
    parts: tuple[tuple[str, float], ...]
    background: float
    sigma_b: float
    source: str

    @property
    def efficiency(self) -> float:
        """Extra efficiency of a single-part selection (on top of the card's signal efficiency)."""
        if len(self.parts) != 1:
            raise ParameterError("selection", self.name, "a single-part selection for .efficiency")
        return self.parts[0][1]


SELECTIONS: dict[str, Selection] = {
    "missing-energy": Selection(
        "missing-energy",
        "E_ECAL < 50 GeV (incl. chi2 pairs in the ECAL), no VETO activity, E_HCAL < 1 GeV",
        (("missing-energy", 1.0),),
        0.53,
        0.17,
        "EPJC 83 (2023) 391, Sect. 3.2",
    ),
    "s1": Selection(
        "s1",
        "chi2 decays in HCAL2..HCAL3 (>= 1 GeV there), no VETO/HCAL1 activity, R < 0.06 (eff. 0.52)",
        (("s1", 0.52),),
        0.19,
        0.07,
        "EPJC 81 (2021) 959: R-cut efficiency ~52 %, background 0.19 +- 0.07",
    ),
    "s2": Selection(
        "s2",
        "every chi2 decays beyond the set-up (invisible box)",
        (("s2", 1.0),),
        0.53,
        0.17,
        "EPJC 81 (2021) 959: background 0.53 +- 0.17",
    ),
    "combined": Selection(
        "combined",
        "missing-energy box united with the S1 displaced signature (disjoint, summed)",
        (("missing-energy", 1.0), ("s1", 0.52)),
        0.53 + 0.19,
        math.hypot(0.17, 0.07),
        "EPJC 2023 Sect. 3.2 + EPJC 2021; backgrounds added, uncertainties in quadrature",
    ),
}


def selection_for_card(name: str, card: ExperimentCard) -> Selection:
    """The selection ``name`` with the card's overrides (extra efficiency, background, sigma_b) applied."""
    if name not in SELECTIONS:
        raise ParameterError("selection", name, "one of " + ", ".join(SELECTIONS))
    base = SELECTIONS[name]
    own = card.selections.get(name)
    if own is not None and not own.enabled:
        raise ParameterError("selection", name, f"a selection enabled in card {card.name} ({card.source})")
    if name == "combined":
        me = selection_for_card("missing-energy", card)
        s1 = selection_for_card("s1", card)
        parts: tuple[tuple[str, float], ...] = (me.parts[0], s1.parts[0])
        bkg, sig = me.background + s1.background, math.hypot(me.sigma_b, s1.sigma_b)
        ov = card.selections.get("combined")
        if ov is not None:
            bkg = ov.background if ov.background is not None else bkg
            sig = ov.sigma_b if ov.sigma_b is not None else sig
        return replace(base, parts=parts, background=bkg, sigma_b=sig)
    ov = card.selections.get(name)
    if ov is None:
        return base
    parts = tuple(base.parts)
    if ov.extra_efficiency is not None:
        parts = ((parts[0][0], float(ov.extra_efficiency)),)
    return replace(
        base,
        parts=parts,
        background=base.background if ov.background is None else float(ov.background),
        sigma_b=base.sigma_b if ov.sigma_b is None else float(ov.sigma_b),
    )
