"""Column evaluators: turn one mass point into an event sample and reweight it over the y axis.

A scan asks an evaluator three things: the background of each *bin* of its selection (the bins are
``semivis.signal.bin_names(selection)``: one, or ``s1``/``s2`` for the 2021 combination ``s1+s2``), how to
build (and serialise) an event sample for a mass point, and the expected signal per bin along the column's
couplings at the reference EOT.

* :class:`SignalEvaluator` is the real one: ``semivis.signal.build_event_sample`` / ``bin_signals`` on the
  card from ``semivis.detector.load_card`` in the spec's signal-efficiency mode
  (``ScanSpec.efficiency_normalisation``) and with the spec's A' production processes (``ScanSpec.processes``),
  both set by :meth:`Evaluator.for_spec`; bins and backgrounds from the selection registry
  (``semivis.signal.bin_for_card``).
* The tests' analytic stand-in is ``semivis.testing.ToyEvaluator``.

Evaluators are small picklable objects so they travel to process and dask workers.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from semivis.detector import load_card
from semivis.errors import ParameterError
from semivis.production.darkbrem import PRODUCTION_M_AP_MAX_GEV
from semivis.scan.spec import DEFAULT_EFFICIENCY_NORMALISATION, DEFAULT_PROCESSES
from semivis.signal import EventSample, bin_for_card, bin_signals, build_event_sample

if TYPE_CHECKING:
    from semivis.scan.spec import ScanSpec

__all__ = ["Evaluator", "SignalEvaluator"]

Arrays = dict[str, NDArray[Any]]


class Evaluator:
    """Interface of a column evaluator (see the module docstring)."""

    name: str = "abstract"

    @property
    def coverage(self) -> str:
        """The mass points :meth:`covers` accepts, in words (for messages and the result's provenance)."""
        return "all mass points"

    def identity(self) -> dict[str, Any]:
        """JSON-able description (enters cache keys and the result's provenance)."""
        return {"name": self.name}

    def for_spec(self, spec: ScanSpec) -> Evaluator:
        """This evaluator set up for ``spec``'s card options (the scan calls it once, before any work).

        An evaluator without a card has no signal efficiency to normalise and no A' production to choose: it
        accepts only the default ``--efficiency-normalisation`` and ``--processes``, so a result never claims a
        normalisation or a production it did not apply.
        """
        if spec.efficiency_normalisation != DEFAULT_EFFICIENCY_NORMALISATION:
            raise ParameterError(
                "--efficiency-normalisation",
                spec.efficiency_normalisation,
                DEFAULT_EFFICIENCY_NORMALISATION,
                f"evaluator {self.name!r} has no card signal efficiency",
            )
        if spec.processes != DEFAULT_PROCESSES:
            raise ParameterError(
                "--processes",
                ",".join(spec.processes),
                ",".join(DEFAULT_PROCESSES),
                f"evaluator {self.name!r} does not simulate A' production",
            )
        return self

    def card_info(self, experiment: str) -> dict[str, Any]:
        """``{"key": card content hash, "eot": reference EOT, "name": ...}``."""
        raise NotImplementedError

    def background(self, experiment: str, bin_name: str) -> tuple[float, float]:
        """(b, sigma_b) of one bin at the card's EOT."""
        raise NotImplementedError

    def covers(self, masses: tuple[float, float, float]) -> bool:
        """Whether the evaluator's physics is valid at this mass point (else the scan sets N_sig = 0 there)."""
        return True

    def build_sample(
        self,
        experiment: str,
        kind: str,
        masses: tuple[float, float, float],
        n_events: int,
        seed: np.random.SeedSequence,
    ) -> Any:
        """Event sample of one mass point (independent of the couplings)."""
        raise NotImplementedError

    def to_arrays(self, sample: Any) -> tuple[Arrays, dict[str, Any]]:
        """Serialise a sample to plain arrays plus JSON metadata (for the cache)."""
        raise NotImplementedError

    def from_arrays(self, arrays: Mapping[str, NDArray[Any]], meta: Mapping[str, Any]) -> Any:
        """Inverse of :meth:`to_arrays`."""
        raise NotImplementedError

    def n_sig(
        self,
        experiment: str,
        kind: str,
        sample: Any,
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> NDArray[np.float64]:
        """Expected signal, shape (n_bins, n_couplings), at the card's EOT."""
        raise NotImplementedError


# --------------------------------------------------------------------------------------------------
# the real evaluator
# --------------------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=8)
def _card(experiment: str, efficiency_normalisation: str) -> Any:
    """The card ``experiment`` in signal-efficiency mode ``efficiency_normalisation`` (both key the cache)."""

    return load_card(experiment, efficiency_normalisation)


def _card_key(card: Any) -> str:
    """Cache key of a card: its detector content without name, description and EOT (``detector_key``), so cards
    that differ only in statistics share event samples; the scan key adds the experiment name and EOT."""
    key = getattr(card, "detector_key", None)
    if callable(key):
        return str(key())
    return hashlib.sha256(repr(card).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SignalEvaluator(Evaluator):
    """semivis.signal on a card: ``build_event_sample`` per mass point, ``bin_signals`` per column.

    ``efficiency_normalisation`` is the card's signal-efficiency mode (the spec's, set by :meth:`for_spec`; it
    overrides the card file's ``efficiency.normalisation``). It is part of the card's content, so of its key
    (``ExperimentCard.detector_key``), which enters every sample-cache and scan key. ``processes`` are the A'
    production processes of its samples (the spec's ``processes``); they enter :meth:`identity`, so every
    sample-cache and scan key, when they are not the default (both), so default keys are unchanged.
    """

    name: str = "signal"
    efficiency_normalisation: str = DEFAULT_EFFICIENCY_NORMALISATION
    processes: tuple[str, ...] = DEFAULT_PROCESSES

    @property
    def coverage(self) -> str:
        """The production model's validated range (:meth:`covers`)."""

        return f"the production model's range, m_A' <= {PRODUCTION_M_AP_MAX_GEV:g} GeV"

    def identity(self) -> dict[str, Any]:
        """Name, and the production processes when they are not the default (a brem-only sample is another sample).

        >>> SignalEvaluator().identity(), SignalEvaluator(processes=("brem",)).identity()
        ({'name': 'signal'}, {'name': 'signal', 'processes': ['brem']})
        """
        if self.processes == DEFAULT_PROCESSES:
            return {"name": self.name}
        return {"name": self.name, "processes": list(self.processes)}

    def for_spec(self, spec: ScanSpec) -> SignalEvaluator:
        """This evaluator in ``spec``'s signal-efficiency mode, producing A' by ``spec``'s processes."""
        return dataclasses.replace(
            self, efficiency_normalisation=spec.efficiency_normalisation, processes=spec.processes
        )

    def _card(self, experiment: str) -> Any:
        return _card(experiment, self.efficiency_normalisation)

    def card_info(self, experiment: str) -> dict[str, Any]:
        """Key, reference EOT and name of the card, and its signal efficiency's mode, factor and words."""
        card = self._card(experiment)
        return {
            "key": _card_key(card),
            "eot": float(card.eot),
            "name": str(getattr(card, "name", experiment)),
            "efficiency_normalisation": str(card.efficiency_normalisation),
            "efficiency_factor": float(card.efficiency_factor),
            "efficiency_label": str(card.efficiency_label),
        }

    def background(self, experiment: str, bin_name: str) -> tuple[float, float]:
        """The card's (b, sigma_b) for ``bin_name``: the paper value unless the card overrides it.

        Goes through ``semivis.signal.bin_for_card``, so a card override of ``background`` or ``sigma_b``
        (each on its own) and a disabled selection act exactly as in ``bin_signals``.
        """

        b = bin_for_card(bin_name, self._card(experiment))
        return float(b.background), float(b.sigma_b)

    def covers(self, masses: tuple[float, float, float]) -> bool:
        """m_A' within the production model's range (``semivis.production.darkbrem.PRODUCTION_M_AP_MAX_GEV``, the ETL
        validation range): heavier A' (e.g. m_A' = 10 m_chi1 at m_chi1 > 0.3 GeV) get N_sig = 0, no exclusion."""

        return masses[0] <= PRODUCTION_M_AP_MAX_GEV

    def build_sample(
        self,
        experiment: str,
        kind: str,
        masses: tuple[float, float, float],
        n_events: int,
        seed: np.random.SeedSequence,
    ) -> Any:

        m_ap, m1, m2 = masses
        card = self._card(experiment)
        return build_event_sample(card, kind, m_ap, m1, m2, n_events=n_events, seed=seed, processes=self.processes)

    def to_arrays(self, sample: Any) -> tuple[Arrays, dict[str, Any]]:
        arrays, meta = sample.to_arrays()
        return {k: np.asarray(v) for k, v in arrays.items()}, dict(meta)

    def from_arrays(self, arrays: Mapping[str, NDArray[Any]], meta: Mapping[str, Any]) -> Any:

        return EventSample.from_arrays(dict(arrays), dict(meta))

    def n_sig(
        self,
        experiment: str,
        kind: str,
        sample: Any,
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> NDArray[np.float64]:

        theta = couplings["theta"] if kind == "i2dm" else None
        by_bin = bin_signals(
            sample, self._card(experiment), bins, eps=couplings["eps"], alpha_D=couplings["alpha_D"], theta=theta
        )
        shape = couplings["eps"].shape
        return np.array([np.broadcast_to(by_bin[b].n_signal, shape) for b in bins], dtype=np.float64)
