"""Signal: per-mass-point event samples, lifetime reweighting over the couplings, selections -> N_sig.

Read in this order: :mod:`~semivis.signal.selections` (the selection registry), :mod:`~semivis.signal.events`
(samples), :mod:`~semivis.signal.reweight` (the public N_sig API), :mod:`~semivis.signal.response_table` and
:mod:`~semivis.signal._kernels` (how it is computed), :mod:`~semivis.signal.validate` (the reference path).

>>> from semivis.signal import SELECTIONS
>>> list(SELECTIONS)
['missing-energy', 's1', 's2', 'box+s1', 's1+s2']
"""

from __future__ import annotations

from semivis.signal.events import CHANNELS_BY_KIND, EventSample, build_event_sample, sample_content_key
from semivis.signal.response_table import ResponseTable, response_table
from semivis.signal.reweight import SignalResult, bin_signals, decay_fractions, expected_signal, signal_result
from semivis.signal.selections import (
    SELECTION_FLAGS,
    SELECTIONS,
    Selection,
    SelectionBin,
    bin_for_card,
    bin_names,
    get_selection,
    selection_for_card,
)
from semivis.signal.validate import simulate_fixed_coupling

__all__ = [
    "CHANNELS_BY_KIND",
    "SELECTIONS",
    "SELECTION_FLAGS",
    "EventSample",
    "ResponseTable",
    "Selection",
    "SelectionBin",
    "SignalResult",
    "bin_for_card",
    "bin_names",
    "bin_signals",
    "build_event_sample",
    "decay_fractions",
    "expected_signal",
    "get_selection",
    "response_table",
    "sample_content_key",
    "selection_for_card",
    "signal_result",
    "simulate_fixed_coupling",
]
