"""Signal: per-mass-point event samples, lifetime reweighting over the couplings, selections -> N_sig.

>>> from semivis.signal import SELECTIONS
>>> sorted(SELECTIONS)
['combined', 'missing-energy', 's1', 's2']
"""

from __future__ import annotations

from semivis.signal.events import CHANNELS_BY_KIND, EventSample, build_event_sample, sample_content_key
from semivis.signal.reweight import (
    PROCESS_NAMES,
    SignalResult,
    decay_fractions,
    expected_signal,
    response_table,
    signal_result,
    simulate_fixed_coupling,
)
from semivis.signal.selections import SELECTIONS, Selection, selection_for_card

__all__ = [
    "CHANNELS_BY_KIND",
    "PROCESS_NAMES",
    "SELECTIONS",
    "EventSample",
    "Selection",
    "SignalResult",
    "build_event_sample",
    "decay_fractions",
    "expected_signal",
    "response_table",
    "sample_content_key",
    "selection_for_card",
    "signal_result",
    "simulate_fixed_coupling",
]
