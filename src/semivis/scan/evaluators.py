"""Column evaluators: turn one mass point into an event sample and reweight it over the y axis.

A scan asks an evaluator three things: which *bins* the selection has (one, or ``s1``/``s2`` for the
2021 combination) with their backgrounds, how to build (and serialise) an event sample for a mass point,
and the expected signal per bin along the column's couplings at the reference EOT.

* :class:`SignalEvaluator` is the real one: ``semivis.signal.build_event_sample`` /
  ``expected_signal`` on the card from ``semivis.detector.load_card``.
* :class:`ToyEvaluator` is an analytic stand-in with the same structure (a random sample of chi2 boosts
  per mass point, an eps^2 production rate and a chi2 lifetime ~ 1/(eps^2 alpha_D Delta^5), decay
  probabilities in fixed z windows), used by the tests and as the benchmark fallback. It is *not*
  physics: only its scaling is realistic.

Evaluators are small picklable objects so they travel to process and dask workers.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from semivis.errors import ParameterError

__all__ = ["DEFAULT_BACKGROUNDS", "Evaluator", "SignalEvaluator", "ToyEvaluator", "ToySample"]

Arrays = dict[str, NDArray[Any]]

#: paper backgrounds of the analytic stand-in (ToyEvaluator) and the list of valid bins; the real evaluator
#: takes them from the card through ``semivis.signal.selection_for_card``
#: (EPJC 2023 Sect. 3.2: 0.53 +- 0.17 in the invisible box; 2021 paper: S1 0.19 +- 0.07, S2 0.53 +- 0.17)
DEFAULT_BACKGROUNDS: dict[str, tuple[float, float]] = {
    "missing-energy": (0.53, 0.17),
    "s1": (0.19, 0.07),
    "s2": (0.53, 0.17),
}


def selection_bins(selection: str) -> tuple[str, ...]:
    """Bins of a selection: ``combined`` is the 2021 S1 + S2 two-bin combination.

    >>> selection_bins("combined"), selection_bins("s1")
    (('s1', 's2'), ('s1',))
    """
    if selection == "combined":
        return ("s1", "s2")
    if selection not in DEFAULT_BACKGROUNDS:
        raise ParameterError("--selection", selection, "missing-energy | s1 | s2 | combined")
    return (selection,)


class Evaluator:
    """Interface of a column evaluator (see the module docstring)."""

    name: str = "abstract"

    def identity(self) -> dict[str, Any]:
        """JSON-able description (enters cache keys and the result's provenance)."""
        return {"name": self.name}

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
def _card(experiment: str) -> Any:
    from semivis.detector import load_card  # noqa: PLC0415

    return load_card(experiment)


def _card_key(card: Any) -> str:
    """Cache key of a card: its detector content without name, description and EOT (``detector_key``), so cards
    that differ only in statistics share event samples; the scan key adds the experiment name and EOT."""
    key = getattr(card, "detector_key", None)
    if callable(key):
        return str(key())
    return hashlib.sha256(repr(card).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class SignalEvaluator(Evaluator):
    """semivis.signal on a card: ``build_event_sample`` per mass point, ``expected_signal`` per bin."""

    name: str = "signal"

    def identity(self) -> dict[str, Any]:
        return {"name": self.name}

    def card_info(self, experiment: str) -> dict[str, Any]:
        card = _card(experiment)
        return {"key": _card_key(card), "eot": float(card.eot), "name": str(getattr(card, "name", experiment))}

    def background(self, experiment: str, bin_name: str) -> tuple[float, float]:
        """The card's (b, sigma_b) for ``bin_name``: the paper value unless the card overrides it.

        Goes through ``semivis.signal.selection_for_card``, so a card override of ``background`` or
        ``sigma_b`` (each on its own) and a disabled selection act exactly as in ``expected_signal``.
        """
        from semivis.signal.selections import selection_for_card  # noqa: PLC0415

        sel = selection_for_card(bin_name, _card(experiment))
        return float(sel.background), float(sel.sigma_b)

    def covers(self, masses: tuple[float, float, float]) -> bool:
        """m_A' within the production model's range (``semivis.production.darkbrem.M_AP_MAX_GEV``, the ETL
        validation range): heavier A' (e.g. m_A' = 10 m_chi1 at m_chi1 > 0.3 GeV) get N_sig = 0, no exclusion."""
        from semivis.production.darkbrem import M_AP_MAX_GEV  # noqa: PLC0415

        return masses[0] <= M_AP_MAX_GEV

    def build_sample(
        self,
        experiment: str,
        kind: str,
        masses: tuple[float, float, float],
        n_events: int,
        seed: np.random.SeedSequence,
    ) -> Any:
        from semivis.signal import build_event_sample  # noqa: PLC0415

        m_ap, m1, m2 = masses
        return build_event_sample(_card(experiment), kind, m_ap, m1, m2, n_events=n_events, seed=seed)

    def to_arrays(self, sample: Any) -> tuple[Arrays, dict[str, Any]]:
        arrays, meta = sample.to_arrays()
        return {k: np.asarray(v) for k, v in arrays.items()}, dict(meta)

    def from_arrays(self, arrays: Mapping[str, NDArray[Any]], meta: Mapping[str, Any]) -> Any:
        from semivis.signal import EventSample  # noqa: PLC0415

        return EventSample.from_arrays(dict(arrays), dict(meta))

    def n_sig(
        self,
        experiment: str,
        kind: str,
        sample: Any,
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> NDArray[np.float64]:
        from semivis.signal import expected_signal  # noqa: PLC0415

        card = _card(experiment)
        kw: dict[str, Any] = {"eps": couplings["eps"], "alpha_D": couplings["alpha_D"]}
        if kind == "i2dm":
            kw["theta"] = couplings["theta"]
        rows = [
            np.broadcast_to(
                np.asarray(expected_signal(sample, card, selection=b, **kw), dtype=np.float64), couplings["eps"].shape
            )
            for b in bins
        ]
        return np.array(rows, dtype=np.float64)


# --------------------------------------------------------------------------------------------------
# the analytic stand-in
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ToySample:
    """A stand-in sample: chi2 boosts (gamma beta) and per-event weights per EOT at eps = 1."""

    masses: tuple[float, float, float]
    gamma_beta: NDArray[np.float64]
    weight: NDArray[np.float64]

    @property
    def content_key(self) -> str:
        """Hash of the arrays (identifies the sample's content)."""
        h = hashlib.sha256(np.ascontiguousarray(self.gamma_beta).tobytes())
        h.update(np.ascontiguousarray(self.weight).tobytes())
        return h.hexdigest()[:16]


#: z windows [m] of the toy set-up: ECAL 0-0.45, S1 decay volume 2.6-6.0, end of set-up 6.0
_TOY_Z = {"ecal": 0.45, "s1_lo": 2.6, "end": 6.0}
_TOY_EOT = 2.84e11


@dataclass(frozen=True)
class ToyEvaluator(Evaluator):
    """Analytic stand-in (see module docstring); ``delay_s`` slows each sample build (for kill tests).

    >>> toy = ToyEvaluator()
    >>> s = toy.build_sample("toy", "idm", (0.3, 0.1, 0.14), 100, np.random.SeedSequence(1))
    >>> n = toy.n_sig("toy", "idm", s, ("missing-energy",), {"eps": np.array([1e-4, 1e-3]),
    ...     "alpha_D": np.array([0.1, 0.1]), "theta": np.array([np.nan, np.nan])})
    >>> n.shape, bool(n[0, 1] > n[0, 0])
    ((1, 2), True)
    """

    name: str = "toy"
    delay_s: float = 0.0
    marker_dir: str = ""  # if set, every sample build drops a file here (tests count recomputation)
    fail_after: int = -1  # with marker_dir: raise once this many builds have happened (simulated crash)

    def identity(self) -> dict[str, Any]:
        return {"name": self.name}

    def card_info(self, experiment: str) -> dict[str, Any]:
        return {
            "key": hashlib.sha256(f"toy:{experiment}".encode()).hexdigest()[:16],
            "eot": _TOY_EOT,
            "name": f"toy:{experiment}",
        }

    def background(self, experiment: str, bin_name: str) -> tuple[float, float]:
        return DEFAULT_BACKGROUNDS[bin_name]

    def build_sample(
        self,
        experiment: str,
        kind: str,
        masses: tuple[float, float, float],
        n_events: int,
        seed: np.random.SeedSequence,
    ) -> ToySample:
        if self.delay_s:
            time.sleep(self.delay_s)
        if self.marker_dir:
            marker = Path(self.marker_dir)
            if 0 <= self.fail_after <= len(list(marker.glob("*.built"))):
                raise RuntimeError("ToyEvaluator: simulated crash")
            (marker / f"{masses[0].hex()}-{masses[1].hex()}-{os.getpid()}-{uuid.uuid4().hex}.built").touch()
        rng = np.random.default_rng(seed)
        m_ap, _, m2 = masses
        x = rng.beta(5.0, 1.2, size=n_events)  # A' energy fraction of the 100 GeV beam (peaked at 1)
        e_ap = 100.0 * x
        z = rng.uniform(0.2, 0.8, size=n_events)  # chi2 share of the A' energy
        e2 = np.maximum(z * e_ap, m2 * 1.0001)
        gamma_beta = np.sqrt((e2 / m2) ** 2 - 1.0)
        # production per EOT at eps = 1 ~ 1e-4 (1 MeV / m_A')^2 (dark bremsstrahlung scaling), in E > 50 GeV
        weight = np.where(e_ap > 50.0, 1e-4 * (1e-3 / m_ap) ** 2 / n_events, 0.0)
        return ToySample(masses, gamma_beta, weight)

    def to_arrays(self, sample: Any) -> tuple[Arrays, dict[str, Any]]:
        return (
            {"gamma_beta": sample.gamma_beta, "weight": sample.weight},
            {"masses": list(sample.masses), "content_key": sample.content_key},
        )

    def from_arrays(self, arrays: Mapping[str, NDArray[Any]], meta: Mapping[str, Any]) -> ToySample:
        m = tuple(float(v) for v in meta["masses"])
        return ToySample((m[0], m[1], m[2]), np.asarray(arrays["gamma_beta"]), np.asarray(arrays["weight"]))

    def n_sig(
        self,
        experiment: str,
        kind: str,
        sample: Any,
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> NDArray[np.float64]:
        m_ap, m1, m2 = sample.masses
        eps, alpha_d, theta = couplings["eps"], couplings["alpha_D"], couplings["theta"]
        dm = m2 - m1
        # Gamma(chi2 -> chi1 e e) ~ 4 eps^2 alpha alpha_D dm^5 / (15 pi m_A'^4) (2021 paper, Eq. 3, dm << m)
        gamma = 4.0 * eps**2 * (1 / 137.036) * alpha_d * dm**5 / (15.0 * math.pi * m_ap**4)
        if kind == "i2dm":
            gamma = gamma * np.sin(theta) ** 2 * np.cos(theta) ** 2 * 4.0 + 1e-300
        if kind == "invisible":
            decay_len = np.full_like(eps, np.inf)
        else:
            ctau = 1.973269804e-16 / np.maximum(gamma, 1e-300)
            decay_len = ctau
        lam = np.multiply.outer(decay_len, sample.gamma_beta)  # (n_couplings, n_events)
        with np.errstate(divide="ignore", invalid="ignore"):

            def surv(z: float) -> NDArray[np.float64]:
                return np.where(np.isinf(lam), 1.0, np.exp(-z / np.maximum(lam, 1e-300)))

            p_ecal = 1.0 - surv(_TOY_Z["ecal"])
            p_beyond = surv(_TOY_Z["end"])
            p_s1 = surv(_TOY_Z["s1_lo"]) - p_beyond
        prob = {"missing-energy": 0.3 * p_ecal + p_beyond, "s1": 0.52 * p_s1, "s2": p_beyond}
        scale = _TOY_EOT * eps**2 * 0.6
        rows = [scale * (prob[b] @ sample.weight) for b in bins]
        return np.array(rows, dtype=np.float64)


def identity_json(evaluator: Evaluator) -> str:
    """Canonical JSON of an evaluator's identity."""
    return json.dumps(evaluator.identity(), sort_keys=True)
