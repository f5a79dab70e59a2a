"""The selection registry: names, detector-level flags, counting bins and expected backgrounds (from the papers).

Every consumer reads this one registry: ``semivis yield``, ``semivis limit`` and the scan evaluators (through
:func:`selection_for_card` / :func:`bin_for_card` / :func:`bin_names`), the CLI ``--selection`` choices
(:data:`SELECTIONS`), the figure recipes and the card overrides (``[selections.NAME]``).

A selection has one or more **bins** (counting experiments combined in the limit); a bin is a sum of
**parts**, each one of the detector-level flags :data:`SELECTION_FLAGS` (computed by the kernels of
:mod:`semivis.signal._kernels`) times an extra efficiency on top of the card's signal efficiency of the
invisible selection. Parts of one bin are disjoint event classes, so their union is their sum.

* ``missing-energy`` (EPJC 83 (2023) 391, Sect. 3.2): E_ECAL < 50 GeV including the e+e- energy of chi2 decays
  in the ECAL, nothing in the VETO, E_HCAL < 1 GeV. Background 0.53 +- 0.17 (the invisible search; the paper
  sets limits as background-free, N_sig > 2.3).
* ``s1`` (EPJC 81 (2021) 959): a chi2 decays between the start of HCAL2 and the end of HCAL3 and leaves
  >= 1 GeV there, nothing in the VETO and HCAL1 (the shield), E_ECAL < 50 GeV; HCAL transverse-shape cut
  R < 0.06 of efficiency ~52 % (minimum ~45 %). Background 0.19 +- 0.07.
* ``s2`` (EPJC 81 (2021) 959): every chi2 decays beyond the set-up (the invisible box, weighted by the
  probability to decay beyond all detectors). Background 0.53 +- 0.17. It is a subset of ``missing-energy``.
* ``box+s1`` (the single-bin union suggested in EPJC 2023): the 2023 box united with the 2021 displaced
  signature S1, **one bin**. They are disjoint (S1 needs E_HCAL2+3 >= 1 GeV, the box E_HCAL < 1 GeV), so
  N = N_box + N_S1; background 0.53 + 0.19 = 0.72 with sigma_b = sqrt(0.17^2 + 0.07^2) = 0.18 (independent
  estimates).
* ``s1+s2`` (the EPJC 2021 combination): S1 and S2 as **two bins** of a multibin CLs limit, each with its own
  background.

The name ``combined`` (which meant ``box+s1`` in ``semivis yield`` and ``s1+s2`` in ``semivis limit``) is
refused with an error naming both.

>>> SELECTIONS["s1"].background, SELECTIONS["s1"].sigma_b
(0.19, 0.07)
>>> round(SELECTIONS["box+s1"].background, 2), round(SELECTIONS["box+s1"].sigma_b, 3)
(0.72, 0.184)
>>> bin_names("s1+s2"), bin_names("box+s1")
(('s1', 's2'), ('box+s1',))
>>> bin_names("combined")
Traceback (most recent call last):
...
semivis.errors.ParameterError: --selection = 'combined' is out of range: allowed one of missing-energy, s1, s2, \
box+s1, s1+s2 ('combined' was split in two: 'box+s1' (EPJC 2023: box united with S1, one bin) or 's1+s2' \
(EPJC 2021: S1 and S2, two bins))
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from semivis.errors import ParameterError

if TYPE_CHECKING:
    from semivis.detector.cards import ExperimentCard

__all__ = [
    "MISSING_MOMENTUM",
    "SELECTIONS",
    "SELECTION_FLAGS",
    "Selection",
    "SelectionBin",
    "bin_for_card",
    "bin_names",
    "get_selection",
    "missing_momentum_for_card",
    "selection_for_card",
]

#: detector-level flags computed per decay configuration by :func:`semivis.signal._kernels.flags`, in this order
SELECTION_FLAGS: tuple[str, ...] = ("missing-energy", "s1", "s2")

#: retired names -> what to use instead
_RENAMED: dict[str, str] = {
    "combined": "'combined' was split in two: 'box+s1' (EPJC 2023: box united with S1, one bin) or "
    "'s1+s2' (EPJC 2021: S1 and S2, two bins)",
}


@dataclass(frozen=True)
class SelectionBin:
    """One counting bin of a selection.

    ``parts``: (flag of :data:`SELECTION_FLAGS`, extra efficiency) summed (disjoint event classes);
    ``background`` and ``sigma_b``: expected background events and their uncertainty at the card's EOT.
    """

    name: str
    parts: tuple[tuple[str, float], ...]
    background: float
    sigma_b: float


@dataclass(frozen=True)
class Selection:
    """A named signal selection: one or more :class:`SelectionBin`.

    ``union_of``: the selection is one bin, the union of these single-bin selections (parts concatenated,
    backgrounds added, uncertainties in quadrature); ``bins_of``: one bin per named single-bin selection.
    Both are resolved with the card's overrides of the constituents by :func:`selection_for_card`.
    """

    name: str
    description: str
    bins: tuple[SelectionBin, ...]
    source: str
    union_of: tuple[str, ...] = ()
    bins_of: tuple[str, ...] = ()

    @property
    def bin(self) -> SelectionBin:
        """The only bin of a single-bin selection."""
        if len(self.bins) != 1:
            raise ParameterError("selection", self.name, "a single-bin selection (this one has bins)")
        return self.bins[0]

    @property
    def background(self) -> float:
        """Expected background of a single-bin selection."""
        return self.bin.background

    @property
    def sigma_b(self) -> float:
        """Background uncertainty of a single-bin selection."""
        return self.bin.sigma_b

    @property
    def efficiency(self) -> float:
        """Extra efficiency of a single-part, single-bin selection (on top of the card's signal efficiency)."""
        if len(self.bin.parts) != 1:
            raise ParameterError("selection", self.name, "a single-part selection for .efficiency")
        return self.bin.parts[0][1]


def _single(name: str, description: str, *, extra_eff: float, b: float, sigma_b: float, source: str) -> Selection:
    """A one-bin, one-part selection whose flag has its own name."""
    return Selection(name, description, (SelectionBin(name, ((name, extra_eff),), b, sigma_b),), source)


def _union(name: str, description: str, of: tuple[Selection, ...], source: str) -> Selection:
    """One bin, the union of disjoint single-bin selections: parts summed, backgrounds added, sigma_b in
    quadrature (independent estimates)."""
    parts = tuple(p for sel in of for p in sel.bin.parts)
    background = sum(sel.background for sel in of)
    sigma_b = math.hypot(*(sel.sigma_b for sel in of))
    return Selection(
        name, description, (SelectionBin(name, parts, background, sigma_b),), source, union_of=tuple(s.name for s in of)
    )


def _binned(name: str, description: str, of: tuple[Selection, ...], source: str) -> Selection:
    """One bin per single-bin selection (a multibin limit)."""
    return Selection(name, description, tuple(s.bin for s in of), source, bins_of=tuple(s.name for s in of))


_ME = _single(
    "missing-energy",
    "E_ECAL < 50 GeV (incl. chi2 pairs in the ECAL), no VETO activity, E_HCAL < 1 GeV",
    extra_eff=1.0,
    b=0.53,
    sigma_b=0.17,
    source="EPJC 83 (2023) 391, Sect. 3.2",
)
_S1 = _single(
    "s1",
    "chi2 decays in HCAL2..HCAL3 (>= 1 GeV there), no VETO/HCAL1 activity, R < 0.06 (eff. 0.52)",
    extra_eff=0.52,
    b=0.19,
    sigma_b=0.07,
    source="EPJC 81 (2021) 959: R-cut efficiency ~52 %, background 0.19 +- 0.07",
)
_S2 = _single(
    "s2",
    "every chi2 decays beyond the set-up (invisible box)",
    extra_eff=1.0,
    b=0.53,
    sigma_b=0.17,
    source="EPJC 81 (2021) 959: background 0.53 +- 0.17",
)

#: the registry: every selection by name
SELECTIONS: dict[str, Selection] = {
    s.name: s
    for s in (
        _ME,
        _S1,
        _S2,
        _union(
            "box+s1",
            "missing-energy box united with the S1 displaced signature (disjoint, summed), one bin",
            (_ME, _S1),
            "EPJC 2023 Sect. 3.2 + EPJC 2021; backgrounds added, uncertainties in quadrature",
        ),
        _binned(
            "s1+s2",
            "S1 and S2 as two bins of a multibin limit",
            (_S1, _S2),
            "EPJC 81 (2021) 959: combination of S1 and S2",
        ),
    )
}


#: The missing-momentum selection of a muon card (NA64mu, PRL 132 (2024) 211803, arXiv:2401.01708 abstract: "a
#: single scattered muon with momentum < 80 GeV/c ... no detectable activity in the downstream calorimeters"): its
#: own selection kind, evaluated by :mod:`semivis.signal.missing_momentum` (not a flag of the electron kernels, so
#: not in :data:`SELECTIONS`); the cut p_out < ``thresholds.p_out_max_GeV`` and the calorimeter vetoes come from the
#: card, the background from ``[selections.missing-momentum]`` (default 0: no event observed, background not read).
MISSING_MOMENTUM = _single(
    "missing-momentum",
    "one outgoing muon with p_out < p_out_max (card), no activity in the downstream calorimeters (chi2 decays "
    "before the end of the set-up veto)",
    extra_eff=1.0,
    b=0.0,
    sigma_b=0.0,
    source="PRL 132 (2024) 211803 (arXiv:2401.01708) abstract; background ASSUMPTION 0 (docs/beams.md)",
)

_MUON_BEAMS = ("mu-", "mu+")  # as semivis.production.muon.MUON_BEAMS (not imported: the signal room's registry
# stays free of numba imports); tests/test_beams_muon.py asserts the two agree


def missing_momentum_for_card(card: ExperimentCard) -> Selection:
    """:data:`MISSING_MOMENTUM` with the muon card's ``[selections.missing-momentum]`` overrides applied; a card
    with an electron or positron beam has no missing-momentum selection (ParameterError)."""
    if card.beam_particle not in _MUON_BEAMS:
        raise ParameterError(
            "selection", "missing-momentum", f"a muon card (card {card.name} has a {card.beam_particle} beam)"
        )
    own = card.selections.get("missing-momentum")
    if own is None:
        return MISSING_MOMENTUM
    if not own.enabled:
        raise ParameterError("selection", "missing-momentum", f"a selection enabled in card {card.name}")
    (b,) = MISSING_MOMENTUM.bins
    b = replace(
        b,
        parts=((b.parts[0][0], b.parts[0][1] if own.extra_efficiency is None else float(own.extra_efficiency)),),
        background=b.background if own.background is None else float(own.background),
        sigma_b=b.sigma_b if own.sigma_b is None else float(own.sigma_b),
    )
    return replace(MISSING_MOMENTUM, bins=(b,))


def get_selection(name: str, option: str = "selection") -> Selection:
    """The registry's selection ``name`` (paper values); a retired or unknown name is a ParameterError for the
    parameter called ``option``."""
    if name == MISSING_MOMENTUM.name:  # the muon cards' own kind (issue 15); selection_for_card checks the card
        return MISSING_MOMENTUM
    if name not in SELECTIONS:
        raise ParameterError(option, name, "one of " + ", ".join(SELECTIONS), _RENAMED.get(name, ""))
    return SELECTIONS[name]


def bin_names(name: str, option: str = "--selection") -> tuple[str, ...]:
    """Names of the bins of selection ``name``: each is the name of a single-bin selection (:func:`bin_for_card`).

    Used by the scan spec and ``semivis yield``, so a bad name is an error of their ``--selection`` option.
    """
    return tuple(b.name for b in get_selection(name, option).bins)


def selection_for_card(name: str, card: ExperimentCard) -> Selection:
    """The selection ``name`` with the card's overrides (extra efficiency, background, sigma_b) applied.

    A composite selection (``box+s1``, ``s1+s2``) is built from its constituents as the card gives them; the
    card may override the union's own background and sigma_b (``[selections.box+s1]``) and disable any
    selection (``enabled = false``).
    """
    if name == MISSING_MOMENTUM.name:
        return missing_momentum_for_card(card)  # refuses e+- cards (one-line ParameterError)
    base = get_selection(name)
    if card.beam_particle in _MUON_BEAMS:  # the electron kernels' flags mean nothing for a muon (issue 15)
        raise ParameterError(
            "selection", name, f"missing-momentum for muon card {card.name} (semivis.signal.missing_momentum)"
        )
    own = card.selections.get(name)
    if own is not None and not own.enabled:
        raise ParameterError("selection", name, f"a selection enabled in card {card.name} ({card.source})")
    if base.union_of:
        parts_of = tuple(selection_for_card(n, card) for n in base.union_of)
        union = _union(name, base.description, parts_of, base.source).bin
        if own is not None:
            union = replace(
                union,
                background=union.background if own.background is None else float(own.background),
                sigma_b=union.sigma_b if own.sigma_b is None else float(own.sigma_b),
            )
        return replace(base, bins=(union,))
    if base.bins_of:
        if own is not None and (own.background, own.sigma_b, own.extra_efficiency) != (None, None, None):
            raise ParameterError(
                f"card {card.name} [selections.{name}]",
                "background/sigma_b/extra_efficiency",
                "overrides of its bins' own selections " + ", ".join(base.bins_of),
            )
        return replace(base, bins=tuple(selection_for_card(n, card).bin for n in base.bins_of))
    if own is None:
        return base
    (b,) = base.bins
    parts = b.parts
    if own.extra_efficiency is not None:
        parts = ((parts[0][0], float(own.extra_efficiency)),)
    b = replace(
        b,
        parts=parts,
        background=b.background if own.background is None else float(own.background),
        sigma_b=b.sigma_b if own.sigma_b is None else float(own.sigma_b),
    )
    return replace(base, bins=(b,))


def bin_for_card(bin_name: str, card: ExperimentCard) -> SelectionBin:
    """The bin ``bin_name`` of a scan (a name from :func:`bin_names`) with the card's overrides.

    Every bin is the only bin of the single-bin selection of the same name (``s1+s2``'s bins are the ``s1`` and
    ``s2`` selections), so this is ``selection_for_card(bin_name, card).bin``.
    """
    return selection_for_card(bin_name, card).bin
