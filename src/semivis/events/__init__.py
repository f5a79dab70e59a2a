"""Recast products for other tools: weighted signal events of one model point in HepMC3 (pyhepmc) or LHE (pylhe),
for full-simulation chains (docs/events.md), and recast efficiency maps (docs/export.md).

:mod:`~semivis.events.generate` builds the events in chunks from the signal room's samples (production cascade,
chi2 Dalitz decays, response tables for forced regions and selections); :mod:`~semivis.events.writers` streams
them to disk atomically; :mod:`~semivis.events.effmap` tabulates the signal per EOT per eps^2 per branching ratio
over (m_A', m_chi1, m_chi2, c tau) for every selection and channel.

>>> from semivis.events import EVENT_FORMATS, DEFAULT_PDG_IDS
>>> EVENT_FORMATS, DEFAULT_PDG_IDS["Ap"]
(('hepmc3', 'lhe'), 1023)
"""

from semivis.events.effmap import EFFMAP_VARIABLE, EffMapSpec, build_effmap, recast_signal, write_effmap
from semivis.events.generate import (
    CHUNK_EVENTS,
    DEFAULT_PDG_IDS,
    EventChunk,
    EventRequest,
    generate_events,
    parse_pdg_ids,
)
from semivis.events.writers import EVENT_FORMATS, LHE_PARTICLE_FORMAT, write_events

__all__ = [
    "CHUNK_EVENTS",
    "DEFAULT_PDG_IDS",
    "EFFMAP_VARIABLE",
    "EVENT_FORMATS",
    "LHE_PARTICLE_FORMAT",
    "EffMapSpec",
    "EventChunk",
    "EventRequest",
    "build_effmap",
    "generate_events",
    "parse_pdg_ids",
    "recast_signal",
    "write_effmap",
    "write_events",
]
