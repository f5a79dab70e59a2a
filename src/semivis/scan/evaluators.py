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

Lifetime kernels (issue 12): by default :class:`SignalEvaluator` evaluates a column from the sample's compressed
:class:`~semivis.signal.lifetime.LifetimeKernel` (microseconds per coupling, with a computed error bound), built
once per (sample, card detector, bins) and kept in a small memo and in the ``kernels/`` section of the cache
(``kernel_cache``, default :func:`semivis.scan.cache.default_cache_dir`; content-addressed: sample digest + card
detector content + bins + kernel format + the semivis source digest). A column whose bound exceeds
``RTOL N_sig + ATOL`` anywhere (never seen in practice) is evaluated exactly, and so is a call with fewer than
:data:`KERNEL_MIN_COUPLINGS` couplings (a kernel costs about as much as an exact column of ~50-80 couplings; the
rule depends on the call only, never on what is cached, so results do not depend on the cache's state).
``lifetime="exact"`` (or ``SEMIVIS_LIFETIME=exact`` in the environment) selects the exact
accumulation, the reference (:func:`semivis.signal.bin_signals`); it enters :meth:`SignalEvaluator.identity`,
so scan keys.

Evaluators are small picklable objects so they travel to process and dask workers.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import logging
import os
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from semivis.detector import load_card
from semivis.errors import CardError, ParameterError
from semivis.production.darkbrem import PRODUCTION_M_AP_MAX_GEV
from semivis.scan.cache import SampleCache, cache_key, source_digest
from semivis.scan.spec import DEFAULT_EFFICIENCY_NORMALISATION, DEFAULT_PROCESSES
from semivis.signal import SELECTIONS, EventSample, bin_for_card, bin_names, bin_signals, build_event_sample
from semivis.signal.events import simulate_production
from semivis.signal.lifetime import (
    ATOL,
    RTOL,
    KernelSum,
    LifetimeKernel,
    kernel_from_arrays,
    kernel_key,
    lifetime_kernel,
)
from semivis.signal.missing_momentum import missing_momentum_column

if TYPE_CHECKING:
    from semivis.scan.spec import ScanSpec

__all__ = ["KERNEL_MIN_COUPLINGS", "LIFETIME_MODES", "Evaluator", "SignalEvaluator", "clear_kernel_memo"]

Arrays = dict[str, NDArray[Any]]
_log = logging.getLogger(__name__)

#: how :class:`SignalEvaluator` reweights a column over the chi2 lifetime: ``kernel`` (compressed, bounded error;
#: the default) or ``exact`` (the reference accumulation)
LIFETIME_MODES = ("kernel", "exact")
#: fewer couplings than this in one call are evaluated exactly (a kernel pays off from ~50-80 couplings per sample)
KERNEL_MIN_COUPLINGS = 64
#: lifetime kernels kept in memory per process (each ~ 10-100 kB)
_KERNEL_MEMO_SIZE = 32
_KERNEL_MEMO: OrderedDict[str, LifetimeKernel | KernelSum] = OrderedDict()


def _kernel_bins(card: Any, bins: tuple[str, ...]) -> tuple[str, ...]:
    """``bins`` and then every other bin of the selection registry the card has: one kernel per (sample, card)
    serves every selection (e.g. epjc2023-fig3's missing-energy and box+s1 scans share their bremsstrahlung
    samples, so the second scan needs no response table). Each extra bin costs ~5 % of a response table."""
    out = list(bins)
    for sel in SELECTIONS:
        for name in bin_names(sel):
            if name in out:
                continue
            try:
                bin_for_card(name, card)
            except (ParameterError, CardError):
                continue  # a selection the card does not have
            out.append(name)
    return tuple(sorted(out))


def _default_lifetime() -> str:
    """``$SEMIVIS_LIFETIME`` (``kernel`` | ``exact``), else ``kernel``."""
    mode = os.environ.get("SEMIVIS_LIFETIME", "kernel")
    if mode not in LIFETIME_MODES:
        raise ParameterError("SEMIVIS_LIFETIME", mode, " | ".join(LIFETIME_MODES))
    return mode


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

    def build_production(self, experiment: str, m_Ap: float, n_events: int, seed: np.random.SeedSequence) -> Any:
        """A' production shared by every mass point with this m_A', or None: this evaluator has none to share, and
        each sample is built on its own. An evaluator that returns one accepts it as ``build_sample(...,
        production=)``."""
        return None

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

    def n_sig_with_error(
        self,
        experiment: str,
        kind: str,
        sample: Any,
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
        """(:meth:`n_sig`, its Monte Carlo standard error of the same shape, or None: the evaluator cannot tell).

        An adaptive per-cell scan (``ScanSpec.pilot_events``) keeps a pilot cell's value only where this error
        decides it; with None every cell is recomputed at full statistics. The base evaluator has no error."""
        return self.n_sig(experiment, kind, sample, bins, couplings), None

    def n_sig_from_key(
        self,
        experiment: str,
        kind: str,
        sample_key: str,
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> NDArray[np.float64] | None:
        """:meth:`n_sig` of the sample stored under the sample-cache key ``sample_key``, from something cached
        for it (without reading the sample), or None: nothing is (the scan then loads or builds the sample and
        calls :meth:`n_sig`, then :meth:`remember_sample_key`). The base evaluator caches nothing."""
        return None

    def remember_sample_key(  # noqa: PLR0917
        self,
        experiment: str,
        kind: str,
        sample_key: str,
        sample: Any,
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> None:
        """Note that ``sample`` is the one stored under ``sample_key`` (so :meth:`n_sig_from_key` can answer
        next time); the base evaluator keeps nothing."""

    def part_evaluators(self, experiment: str, couplings: Mapping[str, NDArray[np.float64]]) -> tuple[Evaluator, ...]:
        """The one-part evaluators whose samples make up this evaluator's sample (a union of A' production
        processes), when :meth:`n_sig_from_parts` can combine them for ``couplings``; else () (the base: none)."""
        return ()

    def has_kernel_for_key(self, experiment: str, sample_key: str, bins: tuple[str, ...]) -> bool:
        """Whether something cached for the sample under ``sample_key`` answers without the sample (base: no)."""
        return False

    def n_sig_from_parts(  # noqa: PLR0917
        self,
        experiment: str,
        kind: str,
        sample_key: str,
        part_keys: list[str],
        part_samples: list[Any],
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> NDArray[np.float64] | None:
        """:meth:`n_sig` of the union sample under ``sample_key`` from its parts (:meth:`part_evaluators`: their
        sample-cache keys ``part_keys``, and each part's sample, or None where :meth:`has_kernel_for_key` said its
        key answers), or None (the scan then builds the union sample). The base evaluator has no parts."""
        return None


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
    ``ap_per_primary``: the A' each primary keeps (the spec's, :data:`semivis.scan.spec.DEFAULT_AP_PER_PRIMARY`;
    None: every A'), in :meth:`identity` when it thins.

    ``lifetime``: ``kernel`` (default) or ``exact`` (module docstring; ``exact`` enters :meth:`identity`);
    ``kernel_cache``: cache root whose ``kernels/`` section stores lifetime kernels (None: the default root,
    :func:`semivis.scan.cache.default_cache_dir`). It is where, not what: it does not enter :meth:`identity`.
    """

    name: str = "signal"
    efficiency_normalisation: str = DEFAULT_EFFICIENCY_NORMALISATION
    processes: tuple[str, ...] = DEFAULT_PROCESSES
    ap_per_primary: int | None = None
    lifetime: str = field(default_factory=_default_lifetime)
    kernel_cache: str | None = None

    def __post_init__(self) -> None:
        if self.lifetime not in LIFETIME_MODES:
            raise ParameterError("lifetime", self.lifetime, " | ".join(LIFETIME_MODES))

    @property
    def coverage(self) -> str:
        """The production model's validated range (:meth:`covers`)."""

        return f"the production model's range, m_A' <= {PRODUCTION_M_AP_MAX_GEV:g} GeV"

    def identity(self) -> dict[str, Any]:
        """Name, and the production processes when they are not the default (a brem-only sample is another sample).

        >>> SignalEvaluator(lifetime="kernel").identity(), SignalEvaluator(processes=("brem",)).identity()
        ({'name': 'signal'}, {'name': 'signal', 'processes': ['brem']})
        >>> SignalEvaluator(lifetime="exact").identity()
        {'name': 'signal', 'lifetime': 'exact'}
        """
        out: dict[str, Any] = {"name": self.name}
        if self.processes != DEFAULT_PROCESSES:
            out["processes"] = list(self.processes)
        if self.lifetime != "kernel":
            out["lifetime"] = self.lifetime
        if self.ap_per_primary is not None:
            out["ap_per_primary"] = self.ap_per_primary
        return out

    def for_spec(self, spec: ScanSpec) -> SignalEvaluator:
        """This evaluator in ``spec``'s signal-efficiency mode, producing A' by ``spec``'s processes and keeping
        ``spec.ap_per_primary`` of them per primary."""
        return dataclasses.replace(
            self,
            efficiency_normalisation=spec.efficiency_normalisation,
            processes=spec.processes,
            ap_per_primary=spec.ap_per_primary,
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
        *,
        production: Any = None,
    ) -> Any:

        m_ap, m1, m2 = masses
        card = self._card(experiment)
        return build_event_sample(
            card, kind, m_ap, m1, m2, n_events=n_events, seed=seed, processes=self.processes, ap_sample=production,
            ap_per_primary=self.ap_per_primary,
        )  # fmt: skip

    def build_production(self, experiment: str, m_Ap: float, n_events: int, seed: np.random.SeedSequence) -> Any:
        """``semivis.signal.events.simulate_production`` on the card with this evaluator's processes."""
        return simulate_production(self._card(experiment), m_Ap, n_events, seed, self.processes)

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
        card = self._card(experiment)
        shape = couplings["eps"].shape
        if card.p_out_max_GeV is not None:  # a muon card: the missing-momentum selection (issue 15, docs/beams.md)
            col = missing_momentum_column(sample, card, eps=couplings["eps"], alpha_D=couplings["alpha_D"], theta=theta)
            return np.array([np.broadcast_to(col, shape) for _ in bins], dtype=np.float64)
        if self._uses_kernel(card, couplings):
            res = _from_kernel(self.kernel(sample, card, _kernel_bins(card, bins)), card, bins, couplings, theta)
            if res is not None:
                return res
            _log.debug("lifetime kernel bound above tolerance at m_A' = %g: exact evaluation", sample.m_Ap)
        by_bin = bin_signals(sample, card, bins, eps=couplings["eps"], alpha_D=couplings["alpha_D"], theta=theta)
        return np.array([np.broadcast_to(by_bin[b].n_signal, shape) for b in bins], dtype=np.float64)

    def n_sig_with_error(
        self,
        experiment: str,
        kind: str,
        sample: Any,
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
        """N_sig by the exact accumulation and its Monte Carlo error per bin: sqrt(sigma_e^2 + m^2), sigma_e the
        standard error over the beam primaries (:func:`semivis.signal.signal_result`) and m =
        ``SignalResult.max_event``, the most one event can carry, so that a cell where (almost) no event passes
        is not read as certain. None for a muon card (its missing-momentum column has no error estimate)."""
        theta = couplings["theta"] if kind == "i2dm" else None
        card = self._card(experiment)
        if card.p_out_max_GeV is not None:
            return self.n_sig(experiment, kind, sample, bins, couplings), None
        shape = couplings["eps"].shape
        by_bin = bin_signals(sample, card, bins, eps=couplings["eps"], alpha_D=couplings["alpha_D"], theta=theta)
        n = np.array([np.broadcast_to(by_bin[b].n_signal, shape) for b in bins], dtype=np.float64)
        err = np.array(
            [
                np.broadcast_to(np.hypot(by_bin[b].n_signal * by_bin[b].mc_rel_error, by_bin[b].max_event), shape)
                for b in bins
            ],
            dtype=np.float64,
        )
        return n, err

    def _uses_kernel(self, card: Any, couplings: Mapping[str, NDArray[np.float64]]) -> bool:
        """Whether :meth:`n_sig` evaluates ``couplings`` from the lifetime kernel (module docstring)."""
        return (
            card.p_out_max_GeV is None and self.lifetime == "kernel" and couplings["eps"].size >= KERNEL_MIN_COUPLINGS
        )

    def _alias_key(self, card: Any, sample_key: str, bins: tuple[str, ...]) -> str:
        """Kernel-cache key of the kernel of the sample stored under ``sample_key`` (a sample-cache key: it fixes
        the sample, the card content and the evaluator), for ``bins``, built by this code."""
        return cache_key(
            {"kernel_of_sample": sample_key, "bins": list(_kernel_bins(card, bins)), "card": _card_key(card)}
            | {"code": source_digest()}
        )

    def n_sig_from_key(
        self,
        experiment: str,
        kind: str,
        sample_key: str,
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> NDArray[np.float64] | None:
        """:meth:`n_sig` from the lifetime kernel stored for the sample under ``sample_key`` (memo or the
        ``kernels/`` cache section), without reading the sample; None when there is none, the call would be exact,
        or the kernel's bound is above the tolerance (the caller then goes through :meth:`n_sig`)."""
        card = self._card(experiment)
        if not self._uses_kernel(card, couplings):
            return None
        kernel = self._kernel_by_alias(card, sample_key, bins)
        if kernel is None:
            return None
        theta = couplings["theta"] if kind == "i2dm" else None
        return _from_kernel(kernel, card, bins, couplings, theta)

    def _kernel_by_alias(self, card: Any, sample_key: str, bins: tuple[str, ...]) -> LifetimeKernel | KernelSum | None:
        """The kernel stored for the sample under ``sample_key`` (memo, then the ``kernels/`` section), or None."""
        key = self._alias_key(card, sample_key, bins)
        kernel = _KERNEL_MEMO.get(key)
        if kernel is None:
            entry = SampleCache(self.kernel_cache, warn_unusable=False, section="kernels").load(key)
            if entry is None:
                return None
            try:
                kernel = kernel_from_arrays(entry[0], entry[1]["kernel"])
            except (KeyError, ValueError, TypeError):
                return None
            _memo_put(key, kernel)
        return kernel

    def _store_alias(
        self, card: Any, sample_key: str, bins: tuple[str, ...], kernel: LifetimeKernel | KernelSum
    ) -> None:
        """Keep ``kernel`` under the alias of ``sample_key`` (memo and ``kernels/`` section)."""
        key = self._alias_key(card, sample_key, bins)
        cache = SampleCache(self.kernel_cache, warn_unusable=False, section="kernels")
        if cache.load(key) is None:
            arrays, meta = kernel.to_arrays()
            cache.store(key, arrays, {"kernel": meta})
        _memo_put(key, kernel)

    def part_evaluators(self, experiment: str, couplings: Mapping[str, NDArray[np.float64]]) -> tuple[Evaluator, ...]:
        """For a union of production processes evaluated from lifetime kernels: one evaluator per process (the
        union's parts, in its order; ``semivis.signal.events``), so a union column reuses the kernel of a
        one-process scan's sample (e.g. EPJC 2023 Fig. 3's bremsstrahlung curves) instead of rebuilding that part."""
        card = self._card(experiment)
        if len(self.processes) < 2 or not self._uses_kernel(card, couplings):
            return ()
        return tuple(dataclasses.replace(self, processes=(p,)) for p in self.processes)

    def has_kernel_for_key(self, experiment: str, sample_key: str, bins: tuple[str, ...]) -> bool:
        """Whether a lifetime kernel is stored for the sample under ``sample_key``."""
        return self._kernel_by_alias(self._card(experiment), sample_key, bins) is not None

    def n_sig_from_parts(  # noqa: PLR0917
        self,
        experiment: str,
        kind: str,
        sample_key: str,
        part_keys: list[str],
        part_samples: list[Any],
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> NDArray[np.float64] | None:
        """N_sig of the union from its parts' kernels: the :class:`~semivis.signal.lifetime.KernelSum` of the
        non-empty parts, the kernel :meth:`kernel` makes of the union sample itself, so the numbers are the same
        bit for bit. A part given as a sample gets its kernel built and stored under its key's alias (a later
        one-process scan of that sample then answers from it); the union's kernel is stored under ``sample_key``'s.
        None where a part's kernel is gone, no part has events, or the bound is above the tolerance."""
        card = self._card(experiment)
        if not self._uses_kernel(card, couplings):
            return None
        kbins = _kernel_bins(card, bins)
        kernels: list[LifetimeKernel] = []
        for pkey, smp in zip(part_keys, part_samples, strict=True):
            if smp is None:
                got = self._kernel_by_alias(card, pkey, bins)
                if not isinstance(got, LifetimeKernel):
                    return None
                if int(got.meta.get("n_events", 1)) > 0:
                    kernels.append(got)
            elif smp.n_events > 0:
                got = self._one_kernel(smp, card, kbins)
                self._store_alias(card, pkey, bins, got)
                kernels.append(got)
        if not kernels:
            return None
        kernel: LifetimeKernel | KernelSum = kernels[0] if len(kernels) == 1 else KernelSum(tuple(kernels))
        theta = couplings["theta"] if kind == "i2dm" else None
        res = _from_kernel(kernel, card, bins, couplings, theta)
        if res is not None:
            self._store_alias(card, sample_key, bins, kernel)
        return res

    def remember_sample_key(  # noqa: PLR0917
        self,
        experiment: str,
        kind: str,
        sample_key: str,
        sample: Any,
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> None:
        """Store the sample's kernel (from the memo after :meth:`n_sig`) also under its sample-cache key's alias."""
        card = self._card(experiment)
        if not self._uses_kernel(card, couplings):
            return
        if self._alias_key(card, sample_key, bins) in _KERNEL_MEMO:
            return
        self._store_alias(card, sample_key, bins, self.kernel(sample, card, _kernel_bins(card, bins)))

    def kernel(self, sample: EventSample, card: Any, bins: tuple[str, ...]) -> LifetimeKernel | KernelSum:
        """The lifetime kernel of ``sample`` in ``card`` for ``bins``: from the memo, the ``kernels/`` cache section,
        or built (:func:`semivis.signal.lifetime.lifetime_kernel`) and stored in both. A union sample's kernel is
        the :class:`~semivis.signal.lifetime.KernelSum` of its non-empty parts' kernels (each cached on its own, so
        the brem part's is the brem-only sample's)."""
        parts = [p for p in sample.parts() if p.n_events > 0]
        if len(sample.parts()) > 1 and parts:
            kernels = tuple(self._one_kernel(p, card, bins) for p in parts)
            return kernels[0] if len(kernels) == 1 else KernelSum(kernels)
        return self._one_kernel(sample, card, bins)

    def _one_kernel(self, sample: EventSample, card: Any, bins: tuple[str, ...]) -> LifetimeKernel:
        """:meth:`kernel` of a sample of one part."""
        key = cache_key({"kernel": kernel_key(sample, card, bins), "code": source_digest()})
        hit = _KERNEL_MEMO.get(key)
        if isinstance(hit, LifetimeKernel):
            _KERNEL_MEMO.move_to_end(key)
            return hit
        cache = SampleCache(self.kernel_cache, warn_unusable=False, section="kernels")
        kernel = None
        entry = cache.load(key)
        if entry is not None:
            try:
                kernel = LifetimeKernel.from_arrays(entry[0], entry[1]["kernel"])
            except (KeyError, ValueError, TypeError):
                kernel = None  # readable but not a valid kernel: rebuild (and overwrite)
        if kernel is None:
            kernel = lifetime_kernel(sample, card, bins)
            arrays, meta = kernel.to_arrays()
            cache.store(key, arrays, {"kernel": meta})
        _memo_put(key, kernel)
        return kernel


def clear_kernel_memo() -> None:
    """Empty this process's kernel memo (tests and benchmarks measuring what the cache directory alone gives)."""
    _KERNEL_MEMO.clear()


def _memo_put(key: str, kernel: LifetimeKernel | KernelSum) -> None:
    """Keep ``kernel`` in the bounded memo (least recently used dropped)."""
    _KERNEL_MEMO[key] = kernel
    while len(_KERNEL_MEMO) > _KERNEL_MEMO_SIZE:
        _KERNEL_MEMO.popitem(last=False)


def _from_kernel(
    kernel: LifetimeKernel | KernelSum,
    card: Any,
    bins: tuple[str, ...],
    couplings: Mapping[str, NDArray[np.float64]],
    theta: NDArray[np.float64] | None,
) -> NDArray[np.float64] | None:
    """N_sig (n_bins, couplings' shape) from ``kernel``, or None where its error bound is above the tolerance."""
    shape = couplings["eps"].shape
    n, bound = kernel.n_signal(float(card.eot), couplings["eps"], couplings["alpha_D"], theta, bins)
    if np.all(bound <= RTOL * np.abs(n) + ATOL):
        return np.array([np.broadcast_to(n[i], shape) for i in range(len(bins))], dtype=np.float64)
    return None
