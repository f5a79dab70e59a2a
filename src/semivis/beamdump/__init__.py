"""Beam-dump constraints computed by semivis: cards of past dump experiments, the electron-dump engine and the
proton-dump production (meson decays, proton bremsstrahlung).

Doors: beamdump -> production (the dump cascade), models (widths), planes, base. See
docs/physics/constraints.md ("Beam dumps computed by semivis").

>>> from semivis.beamdump import list_dumps
>>> list_dumps()
['charm', 'e137', 'e141', 'nucal', 'orsay']
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
from semivis.beamdump.mesons import (
    MESONS,
    barton_alpha,
    bmpt_pi_plus,
    br_meson_to_gamma_ap,
    meson_invariant,
    sample_meson_ap,
)
from semivis.beamdump.proton import ProtonApSample, pbrem_w, proton_ap_production, proton_form_factor

__all__ = [
    "DUMPS_PACKAGE_DIR",
    "MESONS",
    "DumpCard",
    "DumpEdges",
    "DumpSample",
    "InelasticDumpSample",
    "ProtonApSample",
    "barton_alpha",
    "bmpt_pi_plus",
    "br_meson_to_gamma_ap",
    "dump_sample",
    "inelastic_intervals",
    "inelastic_n_signal",
    "inelastic_sample",
    "list_dumps",
    "load_dump",
    "meson_invariant",
    "pbrem_w",
    "proton_ap_production",
    "proton_form_factor",
    "sample_meson_ap",
    "visible_branching",
    "visible_ctau_m",
    "visible_edges",
    "visible_n_signal",
]
