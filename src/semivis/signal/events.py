"""Per-mass-point event samples: A' production x A' -> chi_i chi_j x chi2 -> chi1 e+ e-.

An :class:`EventSample` holds everything that does not depend on eps, alpha_D or theta: the A' (energy,
direction, vertex depth, weight at eps = 1, process) from production's ``simulate_ap_production``, and for
every open dark channel (``chi1chi2`` for iDM; ``chi1chi1``, ``chi1chi2``, ``chi2chi2`` for i2DM;
``chi1chi1`` for the invisible model) one decay of each A' into that channel, with the chi2 lab
four-momenta and their e+ e- lab four-momenta. Each channel is stored for every A', so the branching
ratios BR(theta) enter later as weights (:mod:`semivis.signal.reweight`).

Kinematics:

* A' -> chi_i chi_j: two-body decay, isotropic in the A' rest frame (unpolarised A'; the lab-frame energy
  sharing of the chi's is what matters and it is symmetric under this assumption), then boosted along the
  A' direction. Two-body momentum from :func:`semivis.models.kinematics.two_body_momentum`.
* chi2 -> chi1 e+ e-: :func:`semivis.models.sample_chi2_decay` (exact matrix element, physics.md 2.1), boosted
  with the chi2 lab four-momentum. Only the e+e- channel is generated: chi2 -> chi1 mu+ mu- opens at
  dm > 2 m_mu (m_A' >~ 1.6 GeV at R = 3, delta = 0.4), beyond NA64's on-shell range; it enters the lifetime
  through the model's total chi2 width.
* If chi2 -> chi1 e+ e- is closed (dm <= 2 m_e) the chi2 is stable: lepton arrays are zero and the sample
  says ``chi2_stable`` (every chi2 then reaches "beyond").

Reproducible bit for bit from ``seed`` via ``numpy.random.SeedSequence.spawn`` (production stream, then one
stream per channel).

Shared production (issue 12, deliverable 4): the A' production depends on m_A' (and the card's target, beam and
E_min, the processes, the statistics and the seed) but not on the chi masses, and it dominates the cost of a small
sample (its cross-section tables alone are ~60 ms per m_A'). :func:`simulate_production` runs it once, on its own
stream (the scan's is :func:`production_seed`), and ``build_event_sample(..., ap_sample=production)`` reuses it for
every (m_chi1, m_chi2) of that m_A': only the chi decays are drawn per mass point, from the mass point's own
channel streams (children 1.. of its seed, exactly as without sharing). The production's stream is recorded in the
sample's metadata and content key (``meta["production_stream"]``), so a shared-production sample never passes for
an own-production one.

Process parts (issue 12, deliverable 3): a sample made with both production processes (an electron or positron
beam) is the union of a dark-bremsstrahlung part and an annihilation part, generated independently: the brem part
is bit for bit the sample a brem-only call makes with the same seed (same streams), the annihilation part uses the
streams of :func:`part_seed`. The forced emissions of either process leave the shower untouched (they only carry
weights, :mod:`semivis.production.cascade`), so the union of two independent showers is an unbiased estimate of
the summed yield, and everything built from the brem part (its response table, its lifetime kernel) is shared
with the NA64 papers' brem-only curves: the annihilation curve costs only its few annihilation events.
:meth:`EventSample.parts` gives the parts back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from semivis import __version__
from semivis._validation import check_range
from semivis.constants import m_e
from semivis.detector.cards import ExperimentCard
from semivis.errors import ParameterError
from semivis.models import sample_chi2_decay
from semivis.models.kinematics import boost_from_rest_frame, two_body_momentum
from semivis.production import ApSample, simulate_ap_production
from semivis.production.cascade import check_ap_per_primary, thin_per_primary
from semivis.production.muon import MUON_BEAMS, simulate_muon_ap_production

__all__ = [
    "AP_PRIMARY",
    "AP_PROCESSES",
    "CHANNELS_BY_KIND",
    "N_CHI2",
    "PRODUCTION_STREAM_TAG",
    "SAMPLE_FORMAT_VERSION",
    "ApLike",
    "EventSample",
    "build_event_sample",
    "check_processes",
    "part_seed",
    "production_seed",
    "sample_content_key",
    "simulate_production",
]

#: bump when the stored arrays or the generation algorithm change (part of every content key)
SAMPLE_FORMAT_VERSION = 3  # 2: samples with both processes are unions of per-process parts; 3: ap.primary

#: dark channels generated per model kind (names as in semivis.models.DARK_CHANNELS)
CHANNELS_BY_KIND: dict[str, tuple[str, ...]] = {
    "idm": ("chi1chi2",),
    "i2dm": ("chi1chi1", "chi1chi2", "chi2chi2"),
    "invisible": ("chi1chi1",),
}
#: the A' production processes of ``semivis.production.simulate_ap_production`` (dark bremsstrahlung, resonant
#: e+ e- -> A' annihilation of shower positrons), in canonical order; a sample made without ``processes`` has both
AP_PROCESSES: tuple[str, ...] = ("brem", "annihilation")

#: number of chi2 per channel
N_CHI2: dict[str, int] = {"chi1chi1": 0, "chi1chi2": 1, "chi2chi2": 2}

_AP_KEYS = ("ap.E", "ap.theta", "ap.phi", "ap.z", "ap.weight", "ap.process")
#: optional array: the beam primary of each A' (:class:`semivis.production.ApSample` ``primary``); without it
#: every event counts as its own primary (:meth:`EventSample.primary_clusters`)
AP_PRIMARY = "ap.primary"

#: last spawn-key word of a process part's streams (None: the seed itself; ASCII "anni" for annihilation)
PART_STREAM_TAG: dict[str, int | None] = {"brem": None, "annihilation": 0x616E6E69}

#: last spawn-key word of a sample's thinning stream (ASCII "thin"), apart from its production and decay streams
THINNING_STREAM_TAG = 0x7468696E


class ApLike(Protocol):
    """What the signal room needs of production's ``ApSample`` (read-only attributes)."""

    @property
    def E(self) -> NDArray[np.float64]: ...
    @property
    def theta(self) -> NDArray[np.float64]: ...
    @property
    def phi(self) -> NDArray[np.float64]: ...
    @property
    def z(self) -> NDArray[np.float64]: ...
    @property
    def weight(self) -> NDArray[np.float64]: ...
    @property
    def process(self) -> NDArray[np.int8]: ...


def check_processes(processes: object, option: str = "processes") -> tuple[str, ...]:
    """``processes`` as a canonical tuple: a non-empty set of :data:`AP_PROCESSES` names, without repeats, in
    :data:`AP_PROCESSES` order; anything else raises :class:`~semivis.errors.ParameterError` naming ``option``.

    >>> check_processes(["annihilation", "brem"])
    ('brem', 'annihilation')
    >>> check_processes(("brem", "compton"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: processes = ('brem', 'compton') is out of range: allowed a non-empty set of ...
    """
    allowed = f"a non-empty set of {', '.join(AP_PROCESSES)} without repeats"
    if isinstance(processes, str) or not isinstance(processes, list | tuple):
        raise ParameterError(option, processes, allowed)
    names = tuple(processes)
    if not names or len(set(names)) != len(names) or any(p not in AP_PROCESSES for p in names):
        raise ParameterError(option, names, allowed)
    return tuple(p for p in AP_PROCESSES if p in names)


def _isotropic(n: int, rng: np.random.Generator) -> NDArray[np.float64]:
    cos_t = rng.uniform(-1.0, 1.0, n)
    phi = rng.uniform(0.0, 2.0 * np.pi, n)
    sin_t = np.sqrt(1.0 - cos_t**2)
    return np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], axis=1)


def _seed_int(seed: int | np.random.SeedSequence) -> int:
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.entropy)  # type: ignore[arg-type]
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or int(seed) < 0:
        raise ParameterError("seed", seed, "a non-negative int or a numpy.random.SeedSequence")
    return int(seed)


def sample_content_key(  # noqa: PLR0917
    card: ExperimentCard,
    kind: str,
    m_Ap: float,
    m_chi1: float,
    m_chi2: float,
    n_events: int,
    seed: int | np.random.SeedSequence,
    processes: tuple[str, ...] = AP_PROCESSES,
    production_stream: dict[str, Any] | None = None,
    ap_per_primary: int | None = None,
) -> str:
    """Stable key of a sample's inputs (production-relevant card content, masses, statistics, seed, production
    processes, code). ``processes`` enters only when it is not :data:`AP_PROCESSES`, so the keys of samples made
    with both processes are the ones they had before the option; ``production_stream`` (the stream of a shared
    production, :func:`simulate_production`) only when given, so own-production keys are unchanged; likewise
    ``ap_per_primary`` (the thinning of :func:`build_event_sample`) only when it thins."""
    blob: dict[str, Any] = {
        "format": SAMPLE_FORMAT_VERSION,
        "semivis": __version__,
        "production": card.production_key(),
        "kind": kind,
        "m_Ap": repr(float(m_Ap)),
        "m_chi1": repr(float(m_chi1)),
        "m_chi2": repr(float(m_chi2)),
        "n_events": int(n_events),
        "seed": _seed_int(seed),
        "spawn_key": list(seed.spawn_key) if isinstance(seed, np.random.SeedSequence) else [],
    }
    if tuple(processes) != AP_PROCESSES:
        blob["processes"] = list(processes)
    if production_stream is not None:
        blob["production_stream"] = production_stream
    if ap_per_primary is not None:
        blob["ap_per_primary"] = int(ap_per_primary)
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()


@dataclass
class EventSample:
    """Events of one mass point, independent of eps, alpha_D and theta.

    ``arrays``: flat dict of numpy arrays: ``ap.*`` (E, theta, phi, z, weight, process) and per channel and
    chi2 slot ``<channel>.chi2_<i>.{p4,ep,em}`` (n, 4) lab four-momenta of the chi2, e+ and e-.
    ``meta``: JSON-able metadata (kind, masses, channels, seed, content key, production meta).

    The arrays are made read-only: a sample is a record of generated events, and the response-table and kernel
    keys use a digest of its arrays computed once (:meth:`array_digest`).
    """

    arrays: dict[str, NDArray[Any]]
    meta: dict[str, Any]
    _digest: str | None = field(default=None, init=False, repr=False, compare=False)
    _parts: list[EventSample] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for a in self.arrays.values():
            a.flags.writeable = False

    def array_digest(self) -> str:
        """BLAKE2b digest (20 bytes, hex) of the arrays: names, dtypes, shapes and bytes in name order. Computed
        once per sample (~25 ms per 1e5 events): the arrays cannot change, they are read-only."""
        if self._digest is None:
            h = hashlib.blake2b(digest_size=20)
            for k in sorted(self.arrays):
                a = np.ascontiguousarray(self.arrays[k])
                h.update(f"{k}:{a.dtype.str}:{a.shape}".encode())
                h.update(a.tobytes())
            self._digest = h.hexdigest()
        return self._digest

    @property
    def kind(self) -> str:
        """Model kind: ``idm``, ``i2dm`` or ``invisible``."""
        return str(self.meta["kind"])

    @property
    def channels(self) -> tuple[str, ...]:
        """Dark channels stored."""
        return tuple(self.meta["channels"])

    @property
    def n_events(self) -> int:
        """Number of A' events."""
        return int(self.arrays["ap.E"].shape[0])

    def primary_clusters(self) -> tuple[NDArray[np.int64], NDArray[np.int64], list[int | None]]:
        """The events grouped by beam primary, for Monte Carlo errors: (cluster, part, n_primaries).

        ``cluster[e]``: the index (0, 1, ...) of event e's cluster, the run of consecutive events from one primary
        of one process part (``ap.primary``); ``part[c]``: the part of cluster c (0 without parts);
        ``n_primaries[p]``: how many primaries part p simulated (those that emitted no A' included), None where
        the sample does not say (then each event is its own cluster and the variance is Sum t^2, as for
        independent weighted events). The A' of one primary's cascade share its shower and are correlated: the
        variance of a sum over events is that of N_p independent per-primary totals T_c
        (docs/physics/detector-and-signal.md, Sect. 3.1). The cascade emits a primary's A' consecutively
        (non-decreasing ``ap.primary`` within a part); a decreasing index would split a cluster and is refused.
        """
        n = self.n_events
        prim = self.arrays.get(AP_PRIMARY)
        if prim is None:
            return np.arange(n, dtype=np.int64), np.zeros(n, dtype=np.int64), [None]
        parts = self.meta.get("parts") or [{"n_events": n, "meta": self.meta}]
        new = np.ones(n, dtype=bool)
        new[1:] = prim[1:] != prim[:-1]
        part_of_event = np.empty(n, dtype=np.int64)
        n_prim: list[int | None] = []
        start = 0
        for ip, part in enumerate(parts):
            stop = start + int(part["n_events"])
            if stop - start > 1 and np.any(np.diff(prim[start:stop]) < 0):
                raise ParameterError(AP_PRIMARY, "decreasing within a part", "non-decreasing (one run per primary)")
            if start < n:
                new[start] = True
            part_of_event[start:stop] = ip
            np_ = part["meta"].get("n_primaries")
            n_prim.append(None if np_ is None else int(np_))
            start = stop
        cluster = np.asarray(np.cumsum(new) - 1, dtype=np.int64)
        return cluster, np.ascontiguousarray(part_of_event[new]), n_prim

    @property
    def m_Ap(self) -> float:
        """A' mass [GeV]."""
        return float(self.meta["m_Ap"])

    @property
    def m_chi1(self) -> float:
        """chi1 mass [GeV]."""
        return float(self.meta["m_chi1"])

    @property
    def m_chi2(self) -> float:
        """chi2 mass [GeV]."""
        return float(self.meta["m_chi2"])

    @property
    def chi2_stable(self) -> bool:
        """True when chi2 -> chi1 e+ e- is closed (dm <= 2 m_e)."""
        return bool(self.meta["chi2_stable"])

    def content_key(self) -> str:
        """Stable hash of the inputs that determine this sample (see :func:`sample_content_key`)."""
        return str(self.meta["content_key"])

    def parts(self) -> list[EventSample]:
        """The per-process parts of a union sample (module docstring), each the sample a one-process call makes;
        ``[self]`` for a sample of one part."""
        info = self.meta.get("parts")
        if not info:
            return [self]
        if self._parts is None:  # made once: each part keeps its array digest
            out, start = [], 0
            for part in info:
                stop = start + int(part["n_events"])
                out.append(EventSample({k: v[start:stop] for k, v in self.arrays.items()}, dict(part["meta"])))
                start = stop
            self._parts = out
        return list(self._parts)

    def to_arrays(self) -> tuple[dict[str, NDArray[Any]], dict[str, Any]]:
        """(dict of numpy arrays, JSON-able metadata): the sample for a cache (no pickle). The arrays are the
        sample's own, read-only (no copy)."""
        return dict(self.arrays), json.loads(json.dumps(self.meta))

    @classmethod
    def from_arrays(cls, arrays: dict[str, NDArray[Any]], meta: dict[str, Any]) -> EventSample:
        """Rebuild a sample written by :meth:`to_arrays`; checks the keys and shapes."""
        if meta.get("format") != SAMPLE_FORMAT_VERSION:
            raise ParameterError("meta.format", meta.get("format"), f"{SAMPLE_FORMAT_VERSION}")
        required = list(_AP_KEYS)
        for ch in meta["channels"]:
            for i in range(N_CHI2[ch]):
                required += [f"{ch}.chi2_{i}.{q}" for q in ("p4", "ep", "em")]
        missing = [k for k in required if k not in arrays]
        if missing:
            raise ParameterError("arrays", missing[0], "the keys written by EventSample.to_arrays")
        n = np.asarray(arrays["ap.E"]).shape[0]
        out: dict[str, NDArray[Any]] = {}
        if AP_PRIMARY in arrays:
            required.append(AP_PRIMARY)
        for k in required:
            a = np.asarray(arrays[k])
            if a.shape[0] != n:
                raise ParameterError(f"arrays[{k!r}].shape", a.shape, f"first dimension {n}")
            out[k] = a
        parts = meta.get("parts")
        if parts and sum(int(part["n_events"]) for part in parts) != n:
            raise ParameterError("meta.parts", [part["n_events"] for part in parts], f"event counts summing to {n}")
        return cls(out, dict(meta))


#: last spawn-key word of a production stream (ASCII "prod"): keeps it apart from every mass point's stream
PRODUCTION_STREAM_TAG = 0x70726F64


def production_seed(seed: int, m_Ap: float) -> np.random.SeedSequence:
    """Stream of the A' production shared by every mass point with this m_A':
    ``SeedSequence(seed, spawn_key=(float64 bits of m_Ap, PRODUCTION_STREAM_TAG))``.

    Independent of the chi masses, of the grid and of the executor; distinct from the per-mass-point streams
    ``SeedSequence(seed, spawn_key=bits of (m_Ap, m_chi1, m_chi2))`` (three words, no tag) of the scan.

    >>> production_seed(7, 0.3).spawn_key == (int(np.float64(0.3).view(np.uint64)), PRODUCTION_STREAM_TAG)
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or int(seed) < 0:
        raise ParameterError("seed", seed, "a non-negative int")
    m_Ap = float(check_range("m_Ap", m_Ap, 0.0))
    return np.random.SeedSequence(
        entropy=int(seed), spawn_key=(int(np.float64(m_Ap).view(np.uint64)), PRODUCTION_STREAM_TAG)
    )


def _copy_seed(ss: np.random.SeedSequence) -> np.random.SeedSequence:
    """A fresh SeedSequence equal to ``ss`` (``spawn`` advances its argument: each part gets its own copy)."""
    return np.random.SeedSequence(
        ss.entropy, spawn_key=ss.spawn_key, pool_size=ss.pool_size, n_children_spawned=ss.n_children_spawned
    )


def part_seed(seed: np.random.SeedSequence, process: str) -> np.random.SeedSequence:
    """The stream of the ``process`` part of a sample or production on ``seed`` (module docstring): the seed itself
    for dark bremsstrahlung (a union's brem part is the brem-only sample), its child tagged
    :data:`PART_STREAM_TAG` for annihilation.

    >>> ss = np.random.SeedSequence(7)
    >>> part_seed(ss, "brem").spawn_key, part_seed(ss, "annihilation").spawn_key
    ((), (1634627177,))
    """
    tag = PART_STREAM_TAG[process]
    if tag is None:
        return _copy_seed(seed)
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, tag), pool_size=seed.pool_size)


def _is_union(card: ExperimentCard, processes: tuple[str, ...], ap_sample: Any) -> bool:
    """Whether a sample/production with ``processes`` is built as a union of process parts: more than one process
    on a showering beam, and no production given or one that is itself a union."""
    if len(processes) < 2 or card.beam_particle in MUON_BEAMS:
        return False
    return ap_sample is None or bool(getattr(ap_sample, "meta", {}).get("parts"))


def _production_part(ap: Any, process: str) -> Any:
    """The ``process`` part of a union production (None stays None)."""
    if ap is None:
        return None
    start = 0
    for part in ap.meta["parts"]:
        stop = start + int(part["n"])
        if part["process"] == process:
            sl = slice(start, stop)
            return dataclasses.replace(
                ap, E=ap.E[sl], theta=ap.theta[sl], phi=ap.phi[sl], z=ap.z[sl], weight=ap.weight[sl],
                process=ap.process[sl], meta=dict(part["meta"]),
                primary=None if ap.primary is None else ap.primary[sl],
            )  # fmt: skip
        start = stop
    raise ParameterError("ap_sample", process, "a union production holding this process")


def _stream(seed: np.random.SeedSequence) -> dict[str, Any]:
    return {"seed": int(seed.entropy), "spawn_key": [int(k) for k in seed.spawn_key]}  # type: ignore[arg-type]


def simulate_production(
    card: ExperimentCard,
    m_Ap: float,
    n_events: int,
    seed: np.random.SeedSequence,
    processes: tuple[str, ...] = AP_PROCESSES,
) -> Any:
    """The A' production of :func:`build_event_sample` alone, on stream ``seed`` (e.g. :func:`production_seed`),
    to be shared by every (m_chi1, m_chi2) of this m_A' through ``build_event_sample(..., ap_sample=...)``.

    Same call as inside :func:`build_event_sample` (``simulate_ap_production(card.target, beam_energy_GeV=
    card.beam_energy_GeV, m_Ap, n_primaries=n_events, E_min_GeV=card.E_min_GeV, processes)``); the stream is
    recorded in ``meta["stream"]`` of the returned production's ``ApSample``.
    """
    processes = check_processes(processes)
    if isinstance(n_events, bool) or not isinstance(n_events, int | np.integer) or n_events < 1:
        raise ParameterError("n_events", n_events, "an integer >= 1")
    if not isinstance(seed, np.random.SeedSequence):
        raise ParameterError("seed", seed, "a numpy.random.SeedSequence (e.g. production_seed(seed, m_Ap))")
    m_Ap = float(check_range("m_Ap", m_Ap, 0.0))
    if _is_union(card, processes, None):
        parts = [simulate_production(card, m_Ap, n_events, _copy_seed(seed), (p,)) for p in processes]
        cat = {a: np.concatenate([getattr(q, a) for q in parts]) for a in ("E", "theta", "phi", "z", "weight")}
        info = [{"process": p, "n": len(q), "meta": q.meta} for p, q in zip(processes, parts, strict=True)]
        yields = [float(q.weight.sum()) for q in parts]
        var = sum((float(q.meta.get("rel_error", 0.0)) * y) ** 2 for q, y in zip(parts, yields, strict=True))
        rel = float(np.sqrt(var) / sum(yields)) if sum(yields) > 0 else float("inf")
        meta = {"processes": list(processes), "parts": info, "stream": _stream(seed), "rel_error": rel}
        # each part's primaries are its own (independent streams); _production_part gives each part its indices back
        prim = None if any(q.primary is None for q in parts) else np.concatenate([q.primary for q in parts])
        return dataclasses.replace(
            parts[0], **cat, process=np.concatenate([q.process for q in parts]), meta=meta, primary=prim
        )
    if card.beam_particle in MUON_BEAMS:  # a muon does not shower: production.muon, missing-momentum cut (issue 15)
        mu = simulate_muon_ap_production(
            card.target, card.beam_energy_GeV, m_Ap, int(n_events), seed, float(card.p_out_max_GeV or 0.0)
        )
        return dataclasses.replace(mu, meta={**mu.meta, "stream": _stream(seed)})
    ap = simulate_ap_production(
        card.target,
        beam_energy_GeV=card.beam_energy_GeV,
        m_Ap=m_Ap,
        n_primaries=int(n_events),
        seed=part_seed(seed, processes[0]) if len(processes) == 1 else seed,
        E_min_GeV=card.E_min_GeV,
        processes=processes,
        beam_particle=card.beam_particle,
        beam_energy_spread=card.beam_energy_spread,
    )
    return dataclasses.replace(ap, meta={**ap.meta, "stream": _stream(seed)})


def build_event_sample(  # noqa: PLR0917
    card: ExperimentCard,
    kind: str,
    m_Ap: float,
    m_chi1: float,
    m_chi2: float | None = None,
    n_events: int = 20000,
    seed: int | np.random.SeedSequence = 1,
    ap_sample: ApLike | None = None,
    processes: tuple[str, ...] = AP_PROCESSES,
    ap_per_primary: int | None = None,
) -> EventSample:
    """Generate the eps-independent events of one mass point (m_A', m_chi1, m_chi2) for ``card``.

    ``n_events`` primaries go to production (``simulate_ap_production(card.target, ..., n_primaries=n_events,
    E_min_GeV=card.E_min_GeV)``); each returned A' gets one decay per channel. ``ap_sample`` short-cuts
    production (tests, an A' sample cached elsewhere, or one shared by every mass point of its m_A',
    :func:`simulate_production`: its ``meta["stream"]`` then enters ``meta["production_stream"]`` and the content
    key; the decays are drawn from this mass point's own channel streams either way). For ``kind="invisible"``
    ``m_chi2`` is ignored.
    ``processes``: the A' production processes (:func:`check_processes`; default both, ``("brem",)`` is what the
    NA64 papers' recasts used), recorded in ``meta["processes"]`` and the content key.
    ``ap_per_primary`` (None: every A'): keep that many A' per beam primary before the decays are drawn
    (:func:`semivis.production.cascade.thin_per_primary`, systematic sampling on this mass point's own stream,
    tagged :data:`THINNING_STREAM_TAG`; docs/physics/detector-and-signal.md Sect. 3.2), recorded in
    ``meta["ap_per_primary"]`` and the content key. The scans' default is
    :data:`semivis.scan.spec.DEFAULT_AP_PER_PRIMARY`; a sample without primary indices is not thinned.
    """
    processes = check_processes(processes)
    if ap_per_primary is not None:
        ap_per_primary = check_ap_per_primary(ap_per_primary)
    if kind not in CHANNELS_BY_KIND:
        raise ParameterError("kind", kind, "one of idm, i2dm, invisible")
    if isinstance(n_events, bool) or not isinstance(n_events, int | np.integer) or n_events < 1:
        raise ParameterError("n_events", n_events, "an integer >= 1")
    m_Ap = float(check_range("m_Ap", m_Ap, 0.0))
    m_chi1 = float(check_range("m_chi1", m_chi1, 0.0))
    if kind == "invisible":
        m_chi2 = m_chi1
    elif m_chi2 is None:
        raise ParameterError("m_chi2", None, f"m_chi2 >= m_chi1 = {m_chi1} (required for {kind})")
    m_chi2 = float(check_range("m_chi2", m_chi2, m_chi1, low_inclusive=True))
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(_seed_int(seed))
    seed_int = _seed_int(seed)
    if _is_union(card, processes, ap_sample):
        return _union_sample(card, kind, (m_Ap, m_chi1, m_chi2), n_events, seed, ap_sample, processes, ap_per_primary)
    own = part_seed(ss, processes[0]) if len(processes) == 1 else ss
    children = own.spawn(1 + len(CHANNELS_BY_KIND[kind]))
    ap: Any = ap_sample
    if ap is None and card.beam_particle in MUON_BEAMS:  # muon cards: production.muon (issue 15, docs/beams.md)
        ap = simulate_muon_ap_production(
            card.target, card.beam_energy_GeV, m_Ap, int(n_events), children[0], float(card.p_out_max_GeV or 0.0)
        )
    if ap is None:
        ap = simulate_ap_production(
            card.target,
            beam_energy_GeV=card.beam_energy_GeV,
            m_Ap=m_Ap,
            n_primaries=int(n_events),
            seed=children[0],
            E_min_GeV=card.E_min_GeV,
            processes=processes,
            beam_particle=card.beam_particle,
            beam_energy_spread=card.beam_energy_spread,
        )
    if ap_per_primary is not None and isinstance(ap, ApSample):
        thin = np.random.SeedSequence(own.entropy, spawn_key=(*own.spawn_key, THINNING_STREAM_TAG))
        ap = thin_per_primary(ap, ap_per_primary, np.random.default_rng(thin))
    arrays: dict[str, NDArray[Any]] = {
        "ap.E": np.asarray(ap.E, dtype=np.float64),
        "ap.theta": np.asarray(ap.theta, dtype=np.float64),
        "ap.phi": np.asarray(ap.phi, dtype=np.float64),
        "ap.z": np.asarray(ap.z, dtype=np.float64),
        "ap.weight": np.asarray(ap.weight, dtype=np.float64),
        "ap.process": np.asarray(ap.process, dtype=np.int8),
    }
    n = arrays["ap.E"].shape[0]
    primary = getattr(ap, "primary", None)
    arrays[AP_PRIMARY] = np.arange(n, dtype=np.int64) if primary is None else np.asarray(primary, dtype=np.int64)
    E = arrays["ap.E"]
    p = np.sqrt(np.clip(E**2 - m_Ap**2, 0.0, None))
    st, ct = np.sin(arrays["ap.theta"]), np.cos(arrays["ap.theta"])
    P_ap = np.stack([E, p * st * np.cos(arrays["ap.phi"]), p * st * np.sin(arrays["ap.phi"]), p * ct], axis=1)
    stable = (m_chi2 - m_chi1) <= 2.0 * m_e
    channels: list[str] = []
    for ch, child in zip(CHANNELS_BY_KIND[kind], children[1:], strict=True):
        ma, mb = {"chi1chi1": (m_chi1, m_chi1), "chi1chi2": (m_chi1, m_chi2), "chi2chi2": (m_chi2, m_chi2)}[ch]
        if m_Ap <= ma + mb:
            continue  # closed channel: its BR is 0, nothing to store
        channels.append(ch)
        rng = np.random.default_rng(child)
        q = float(two_body_momentum(m_Ap, ma, mb))
        u = _isotropic(n, rng)
        slots = []
        if ch == "chi1chi2":
            slots = [(+1.0, mb)]
        elif ch == "chi2chi2":
            slots = [(+1.0, ma), (-1.0, mb)]
        for i, (sign, m2) in enumerate(slots):
            rest = np.empty((n, 4))
            rest[:, 0] = np.sqrt(q * q + m2 * m2)
            rest[:, 1:] = sign * q * u
            chi2 = boost_from_rest_frame(rest, P_ap)
            if stable:
                ep = np.zeros((n, 4))
                em = np.zeros((n, 4))
            else:
                dec = sample_chi2_decay(m_chi1, m_chi2, m_Ap, n, rng)
                ep = boost_from_rest_frame(dec["l+"], chi2)
                em = boost_from_rest_frame(dec["l-"], chi2)
            arrays[f"{ch}.chi2_{i}.p4"] = chi2
            arrays[f"{ch}.chi2_{i}.ep"] = ep
            arrays[f"{ch}.chi2_{i}.em"] = em
    production_stream = getattr(ap, "meta", {}).get("stream") if ap_sample is not None else None
    meta: dict[str, Any] = {
        "format": SAMPLE_FORMAT_VERSION,
        "kind": kind,
        "m_Ap": m_Ap,
        "m_chi1": m_chi1,
        "m_chi2": m_chi2,
        "n_primaries": int(n_events),
        "seed": seed_int,
        "channels": channels,
        "chi2_stable": bool(stable),
        "beam_energy_GeV": card.beam_energy_GeV,
        "card": card.name,
        "processes": list(processes),
        "content_key": sample_content_key(
            card, kind, m_Ap, m_chi1, m_chi2, int(n_events), seed, processes, production_stream, ap_per_primary
        ),
        "production": json.loads(json.dumps(getattr(ap, "meta", {}), default=str)),
        "semivis": __version__,
    }
    if ap_per_primary is not None:
        meta["ap_per_primary"] = int(ap_per_primary)
    if production_stream is not None:
        meta["production_stream"] = production_stream
    return EventSample(arrays, meta)


def _union_sample(  # noqa: PLR0917
    card: ExperimentCard,
    kind: str,
    masses: tuple[float, float, float],
    n_events: int,
    seed: int | np.random.SeedSequence,
    ap_sample: Any,
    processes: tuple[str, ...],
    ap_per_primary: int | None = None,
) -> EventSample:
    """The union of the one-process samples of ``processes`` on the same seed (module docstring): arrays
    concatenated part after part, ``meta["parts"]`` holds each part's event count and metadata."""
    m_Ap, m_chi1, m_chi2 = masses
    parts = [
        build_event_sample(
            card, kind, m_Ap, m_chi1, m_chi2, n_events=n_events,
            seed=_copy_seed(seed) if isinstance(seed, np.random.SeedSequence) else seed,
            ap_sample=_production_part(ap_sample, p), processes=(p,), ap_per_primary=ap_per_primary,
        )
        for p in processes
    ]  # fmt: skip
    arrays = {k: np.concatenate([q.arrays[k] for q in parts]) for k in parts[0].arrays}
    production_stream = ap_sample.meta.get("stream") if ap_sample is not None else None
    meta = dict(parts[0].meta)
    meta["processes"] = list(processes)
    meta["content_key"] = sample_content_key(
        card, kind, m_Ap, m_chi1, m_chi2, int(n_events), seed, processes, production_stream, ap_per_primary
    )
    meta["production"] = {"processes": list(processes), "parts": [q.meta["production"] for q in parts]}
    meta["parts"] = [
        {"processes": [p], "n_events": q.n_events, "meta": q.meta} for p, q in zip(processes, parts, strict=True)
    ]
    meta.pop("production_stream", None)
    if production_stream is not None:
        meta["production_stream"] = production_stream
    return EventSample(arrays, json.loads(json.dumps(meta)))
