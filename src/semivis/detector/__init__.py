"""Experiment cards (validated TOML), geometry regions along the beam and the detector response.

The response's numba kernels (:mod:`semivis.detector.kernels`) are a package-internal API for ``semivis.signal``.

>>> from semivis.detector import load_card
>>> [r[0] for r in load_card("na64-2016-2018").regions]
['ecal', 'gaps', 'veto', 'gaps', 'hcal1', 'gaps', 'hcal2', 'gaps', 'hcal3', 'beyond']
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from semivis._lazy import attach

if TYPE_CHECKING:
    from semivis.detector.cards import CARD_SCHEMA, ExperimentCard, Module, SelectionOverride, list_cards, load_card
    from semivis.detector.response import REGION_NAMES, deposits_at, geometry_vector, shower_containment

__all__ = [
    "CARD_SCHEMA",
    "REGION_NAMES",
    "ExperimentCard",
    "Module",
    "SelectionOverride",
    "deposits_at",
    "geometry_vector",
    "list_cards",
    "load_card",
    "shower_containment",
]

# names imported on first use (semivis._lazy, SPEC 1): importing one submodule does not import the others
attach(
    __name__,
    {
        "CARD_SCHEMA": "semivis.detector.cards",
        "ExperimentCard": "semivis.detector.cards",
        "Module": "semivis.detector.cards",
        "SelectionOverride": "semivis.detector.cards",
        "list_cards": "semivis.detector.cards",
        "load_card": "semivis.detector.cards",
        "REGION_NAMES": "semivis.detector.response",
        "deposits_at": "semivis.detector.response",
        "geometry_vector": "semivis.detector.response",
        "shower_containment": "semivis.detector.response",
    },
)
