"""Beam-dump constraints computed by semivis: cards of past dump experiments and the electron-dump engine.

Doors: beamdump -> production (the dump cascade), models (widths), planes, base. See
docs/physics/constraints.md ("Beam dumps computed by semivis").

>>> from semivis.beamdump import list_dumps
>>> list_dumps()
['e137', 'e141', 'orsay']
"""

from semivis.beamdump.cards import DUMPS_PACKAGE_DIR, DumpCard, list_dumps, load_dump
from semivis.beamdump.engine import (
    DumpEdges,
    DumpSample,
    dump_sample,
    visible_branching,
    visible_ctau_m,
    visible_edges,
    visible_n_signal,
)
from semivis.beamdump.inelastic import InelasticDumpSample, inelastic_intervals, inelastic_n_signal, inelastic_sample

__all__ = [
    "DUMPS_PACKAGE_DIR",
    "DumpCard",
    "DumpEdges",
    "DumpSample",
    "InelasticDumpSample",
    "dump_sample",
    "inelastic_intervals",
    "inelastic_n_signal",
    "inelastic_sample",
    "list_dumps",
    "load_dump",
    "visible_branching",
    "visible_ctau_m",
    "visible_edges",
    "visible_n_signal",
]
