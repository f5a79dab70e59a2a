"""Weighted signal events of one model point, in chunks: beam e- -> A' (+ recoil system), A' -> chi chi,
chi2 -> chi1 e+ e- at a sampled (or region-forced) decay vertex.

Everything physical comes from the rooms below, by import:

* the A' (energy, angle, production depth, weight per electron on target at eps = 1, process) and each A''s
  decay A' -> chi_i chi_j with the chi2 -> chi1 e+ e- matrix element: :func:`semivis.signal.build_event_sample`
  (production cascade x :func:`semivis.models.sample_chi2_decay`), per chunk;
* branching ratios and 1/(c tau) of chi2 at the couplings: :func:`semivis.signal.reweight.couplings`
  (:mod:`semivis.models`);
* where a decay point lies (region) and whether an event passes a selection: the sample's response table,
  :func:`semivis.signal.response_table` (the sums of exponentials Sum_k c_k exp(-x_k / c tau) of every
  selection flag and region indicator along each chi2's flight path, x the proper flight length; the
  indicator at a decay point x is Sum_{x_k <= x} c_k); the A' -> chi1 chi1 decay (which the sample does not
  store) with :func:`semivis.models.kinematics.two_body_momentum` and
  :func:`semivis.models.kinematics.boost_from_rest_frame`.

The decay law (PDG RPP 2022, Kinematics Sect. 49.1): the proper flight length x of a chi2 is exponential with
mean c tau, and its decay vertex is the production vertex plus x (p/m, E/m) (lab displacement and time, the
lab decay length being beta gamma x). ``force_region``: every chi2 of an event decays in the named region,
x drawn from the exponential truncated to the region's intervals along its path, and the event weight
multiplied by the probability P = Sum_intervals (exp(-a/c tau) - exp(-b/c tau)) that it does (0 when the
chi2 never crosses the region; the vertex is then drawn from the free exponential). Events without a chi2 (i2DM
chi1 chi1) get weight 0 under ``force_region``: the sum is then the expected number of events all of whose chi2
decay in the region.

Weights (sum over a file = expected events at the card's or the given EOT):

    w = EOT eps^2 w_A' BR(A' -> dark) (n_pool / N)  [x P_force]  [x eff_sig(m_A') Sum_parts eff_part flag_part]

w_A' is the production weight (expected A' per electron on target at eps = 1, ``semivis.production``), one dark
channel is drawn per event with probability BR_ch / BR_dark, and each chunk keeps a uniform random subset of
its pool of A' events (n_pool of them produced by the chunk's beam electrons, without replacement, or with it
when the pool is smaller than the chunk), so that every chunk is an unbiased estimate and the file has
exactly N events. Without ``selection`` the sum is the expected number of A' -> dark events **before any
selection** (and without the card's signal efficiency); with one it is ``semivis yield``'s N_sig of that
selection (same response, card efficiency and parts), within Monte Carlo error.

Reproducible bit for bit from ``seed`` (``numpy.random.SeedSequence``: one child per chunk, spawned again
within it), for a given chunk size.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from semivis import __version__
from semivis.constants import m_e
from semivis.detector.cards import ExperimentCard
from semivis.detector.kernels import G_ECAL_Z_START, REGION_NAMES
from semivis.errors import ParameterError
from semivis.models.kinematics import boost_from_rest_frame, two_body_momentum
from semivis.production import PROCESS_NAMES
from semivis.signal import build_event_sample, response_table, selection_for_card
from semivis.signal.events import EventSample
from semivis.signal.response_table import card_geometry
from semivis.signal.reweight import couplings
from semivis.signal.selections import SELECTION_FLAGS

__all__ = [
    "CHUNK_EVENTS",
    "DEFAULT_PDG_IDS",
    "EventChunk",
    "EventRequest",
    "generate_events",
    "parse_pdg_ids",
]

#: PDG IDs written for the particles that have none in the PDG numbering scheme, by role (``--pdg``):
#: ``Ap`` the dark photon, ``chi1`` / ``chi2`` the dark fermions, ``recoil`` the recoil system (the beam
#: electron's remainder after the A' emission: recoiling electron, rest of the shower and nucleus; written as a
#: documentation particle so that every vertex balances four-momentum; 90 is the PDG scheme's "system"
#: code for generator-internal use, as Pythia 8 uses it). 1023 / 1000022 / 1000023 are this package's choice
#: (free codes of the scheme, chi1/chi2 in the neutralino slots as MadGraph iDM models often do); set them to
#: what your simulation chain's particle table expects.
DEFAULT_PDG_IDS: Mapping[str, int] = {"Ap": 1023, "chi1": 1000022, "chi2": 1000023, "recoil": 90}

#: events per chunk (bounds memory: the chunk's A' pool and its response table)
CHUNK_EVENTS = 50_000

#: beam electrons of the pilot run that measures the A' multiplicity per beam electron
_PILOT_PRIMARIES = 1000

_N_FLAGS = len(SELECTION_FLAGS)
_N_IND = _N_FLAGS + len(REGION_NAMES)  # indicators per event and chi2 in a response table (flags, regions)
_CHANNEL_DAUGHTERS = {"chi1chi1": ("chi1", "chi1"), "chi1chi2": ("chi1", "chi2"), "chi2chi2": ("chi2", "chi2")}


def parse_pdg_ids(spec: str | Mapping[str, int] | None) -> dict[str, int]:
    """The PDG ID table: :data:`DEFAULT_PDG_IDS` updated by ``spec`` (``"Ap=622,chi1=52"`` or a mapping).

    >>> parse_pdg_ids("Ap=622, chi2=53")["Ap"], parse_pdg_ids(None)["chi1"]
    (622, 1000022)
    >>> parse_pdg_ids("chi3=5")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: --pdg = 'chi3=5' is out of range: allowed ROLE=ID[,...] with ROLE in Ap, ...
    """
    out = dict(DEFAULT_PDG_IDS)
    if spec is None:
        return out
    allowed = f"ROLE=ID[,...] with ROLE in {', '.join(DEFAULT_PDG_IDS)} and ID a non-zero integer"
    items: list[tuple[str, Any]]
    if isinstance(spec, str):
        items = []
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key, sep, val = part.partition("=")
            if not sep:
                raise ParameterError("--pdg", spec, allowed)
            items.append((key.strip(), val.strip()))
    else:
        items = list(spec.items())
    for key, val in items:
        try:
            pid = int(val)
        except (TypeError, ValueError):
            raise ParameterError("--pdg", spec, allowed) from None
        if key not in out or pid == 0 or isinstance(val, bool):
            raise ParameterError("--pdg", spec, allowed)
        out[key] = pid
    if len(set(out.values())) != len(out) or set(out.values()) & {11, -11}:
        raise ParameterError("--pdg", spec, "distinct IDs, none of them +-11 (the electron)")
    return out


@dataclass(frozen=True)
class EventRequest:
    """What to generate: card, model kind and point (masses and couplings), number of events and options.

    ``theta`` only for i2DM; ``eot`` None means the card's; ``force_region`` a name of
    :data:`semivis.detector.kernels.REGION_NAMES` or None; ``selection`` a selection name or None (weights
    before selection).
    """

    card: ExperimentCard
    kind: str
    m_Ap: float
    m_chi1: float
    m_chi2: float
    eps: float
    alpha_D: float
    theta: float | None = None
    n_events: int = 1000
    seed: int = 1
    eot: float | None = None
    force_region: str | None = None
    selection: str | None = None
    chunk_events: int = CHUNK_EVENTS
    pdg: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_PDG_IDS))

    def metadata(self) -> dict[str, Any]:
        """JSON-able description written into every file's header."""
        return {
            "generator": f"semivis {__version__}",
            "experiment": self.card.name,
            "model": self.kind,
            "m_Ap_GeV": self.m_Ap,
            "m_chi1_GeV": self.m_chi1,
            "m_chi2_GeV": None if self.kind == "invisible" else self.m_chi2,
            "eps": self.eps,
            "alpha_D": self.alpha_D,
            "theta": self.theta,
            "eot": self.card.eot if self.eot is None else self.eot,
            "n_events": self.n_events,
            "seed": self.seed,
            "force_region": self.force_region,
            "selection": self.selection,
            "weights": (
                f"sum = expected signal events N_sig of selection {self.selection} (card signal efficiency included)"
                if self.selection
                else "sum = expected A' -> dark-sector events before any selection (no signal efficiency)"
            ),
            "units": "GeV, mm (vertex time: mm/c, t = z for the beam electron, z from the card's ECAL front face)",
            "pdg_ids": dict(self.pdg),
        }


@dataclass
class EventChunk:
    """A block of events as arrays (four-momenta (E, px, py, pz) [GeV], positions (x, y, z, t) [mm]).

    ``prod``: the production vertex (A' emission point; the A' decays there, promptly). ``d`` (2, m, 4): the
    A''s daughters with PDG IDs ``pid`` (2, m); ``decays`` (2, m) bool: daughter s is a chi2 that decays, at
    ``vtx[s]`` into ``chi1[s]``, ``ep[s]``, ``em[s]``; ``x_mm`` (2, m): its proper decay length [mm] (0 if it
    does not decay). ``process``: production process codes (``semivis.production.PROCESS_NAMES``).
    """

    weight: NDArray[np.float64]
    beam: NDArray[np.float64]
    prod: NDArray[np.float64]
    ap: NDArray[np.float64]
    recoil: NDArray[np.float64]
    channel: NDArray[np.int8]
    pid: NDArray[np.int64]
    d: NDArray[np.float64]
    decays: NDArray[np.bool_]
    vtx: NDArray[np.float64]
    x_mm: NDArray[np.float64]
    chi1: NDArray[np.float64]
    ep: NDArray[np.float64]
    em: NDArray[np.float64]
    process: NDArray[np.int8]
    channels: tuple[str, ...]

    @property
    def size(self) -> int:
        """Number of events in the chunk."""
        return int(self.weight.size)

    def process_name(self, i: int) -> str:
        """Production process of event ``i``."""
        return PROCESS_NAMES[int(self.process[i])]


# ------------------------------------------------------------------------------------------ kernels
@njit(cache=True)
def _indicator_at(  # noqa: PLR0917
    off: NDArray[np.int64],
    xk: NDArray[np.float64],
    ck: NDArray[np.int8],
    ind: int,
    n_ind: int,
    rows: NDArray[np.int64],
    x: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """out[j] = Sum_{x_k <= x[j]} c_k of indicator ``ind`` of event rows[j] (the indicator at the decay point)."""
    for j in range(rows.size):
        e = rows[j]
        a = off[n_ind * e + ind]
        b = off[n_ind * e + ind + 1]
        s = 0
        for k in range(a, b):
            if xk[k] <= x[j]:
                s += ck[k]
        out[j] = s


@njit(cache=True)
def _force(  # noqa: PLR0917
    off: NDArray[np.int64],
    xk: NDArray[np.float64],
    ck: NDArray[np.int8],
    ind: int,
    n_ind: int,
    u: float,
    rows: NDArray[np.int64],
    r1: NDArray[np.float64],
    r2: NDArray[np.float64],
    x: NDArray[np.float64],
    prob: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """Probability of indicator ``ind`` (a region) and a decay point x in it from the exponential of rate u.

    The indicator's on-intervals [a, b) are the (+1, -1) steps of its terms (b = inf after an unmatched +1).
    P = Sum (exp(-a u) - exp(-b u)); an interval is chosen with probability proportional to its share (r1),
    x within it from the truncated exponential (r2): x = a - log1p(r2 expm1(-(b - a) u)) / u. Where P = 0,
    x keeps its given (free) value. Entry j is event rows[j].
    """
    for j in range(rows.size):
        e = rows[j]
        a0 = off[n_ind * e + ind]
        b0 = off[n_ind * e + ind + 1]
        tot = 0.0
        k = a0
        while k < b0:
            a = xk[k]
            b = xk[k + 1] if k + 1 < b0 else math.inf
            tot += math.exp(-a * u) - (math.exp(-b * u) if b < math.inf else 0.0)
            k += 2
        prob[j] = tot
        if tot <= 0.0:
            continue
        target = r1[j] * tot
        acc = 0.0
        k = a0
        while k < b0:
            a = xk[k]
            b = xk[k + 1] if k + 1 < b0 else math.inf
            p = math.exp(-a * u) - (math.exp(-b * u) if b < math.inf else 0.0)
            acc += p
            if target < acc or k + 2 >= b0:
                if b < math.inf:
                    x[j] = a - math.log1p(r2[j] * math.expm1(-(b - a) * u)) / u
                else:
                    x[j] = a - math.log1p(-r2[j]) / u
                x[j] = min(max(x[j], a), b)
                break
            k += 2


@njit(cache=True)
def _pair_flag(  # noqa: PLR0917
    xb: NDArray[np.float64],
    passes: NDArray[np.int8],
    flag: int,
    x0: NDArray[np.float64],
    x1: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:  # pragma: no cover - numba
    """Selection flag of two chi2 decaying at x0, x1: the joint pass table at their segments (last start <= x)."""
    kmax = xb.shape[2]
    for e in range(x0.size):
        a = 0
        b = 0
        for k in range(kmax):
            if xb[e, 0, k] <= x0[e]:
                a = k
            if xb[e, 1, k] <= x1[e]:
                b = k
        out[e] = passes[e, flag, a, b]


# ------------------------------------------------------------------------------------------ generation
def _ap_p4(sample: EventSample) -> NDArray[np.float64]:
    """A' lab four-momenta from the sample's energy and angles (as ``build_event_sample`` boosts with)."""
    E = sample.arrays["ap.E"]
    p = np.sqrt(np.clip(E**2 - sample.m_Ap**2, 0.0, None))
    th, ph = sample.arrays["ap.theta"], sample.arrays["ap.phi"]
    return np.stack([E, p * np.sin(th) * np.cos(ph), p * np.sin(th) * np.sin(ph), p * np.cos(th)], axis=1)


def _isotropic(n: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """Unit vectors uniform on the sphere (cos theta uniform in [-1, 1], phi uniform)."""
    cos_t = rng.uniform(-1.0, 1.0, n)
    phi = rng.uniform(0.0, 2.0 * np.pi, n)
    sin_t = np.sqrt(1.0 - cos_t**2)
    return np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t], axis=1)


def _check(req: EventRequest) -> None:
    n = req.n_events
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ParameterError("-n", n, "an integer >= 1")
    if isinstance(req.seed, bool) or not isinstance(req.seed, int | np.integer) or req.seed < 0:
        raise ParameterError("--seed", req.seed, "an integer >= 0")
    if req.chunk_events < 1:
        raise ParameterError("chunk_events", req.chunk_events, "an integer >= 1")
    if req.force_region is not None and req.force_region not in REGION_NAMES:
        raise ParameterError("--force-region", req.force_region, f"a region of the card: {', '.join(REGION_NAMES)}")
    if req.force_region is not None and req.kind == "invisible":
        raise ParameterError("--force-region", req.force_region, "none for the invisible model (no chi2 decays)")
    if req.eot is not None and not (math.isfinite(req.eot) and req.eot > 0.0):
        raise ParameterError("--eot", req.eot, "a finite number > 0")
    if req.selection is not None:
        selection_for_card(req.selection, req.card)


def _sample(req: EventRequest, n_primaries: int, seed: np.random.SeedSequence) -> EventSample:
    return build_event_sample(
        req.card,
        req.kind,
        req.m_Ap,
        req.m_chi1,
        None if req.kind == "invisible" else req.m_chi2,
        n_events=int(n_primaries),
        seed=seed,
    )


def _chunk(req: EventRequest, sample: EventSample, m: int, rng: np.random.Generator) -> EventChunk:
    """``m`` events drawn from ``sample`` (module docstring: subset, channel, decays, weights)."""
    n_pool = sample.n_events
    theta = req.theta if req.kind == "i2dm" else None
    _, _, br, u_arr = couplings(sample, req.eps, req.alpha_D, theta)
    u = float(u_arr[0])  # 1 / (c tau) [1/m]
    if req.force_region is not None and (sample.chi2_stable or u <= 0.0):
        raise ParameterError("--force-region", req.force_region, "a model point whose chi2 decays (dm > 2 m_e)")
    chans = sample.channels
    if not chans:
        raise ParameterError("--mA", req.m_Ap, "an A' mass above the dark-sector thresholds (no channel open)")
    br_ch = np.array([float(br[ch][0]) for ch in chans])
    br_dark = float(br_ch.sum())
    idx = np.sort(rng.choice(n_pool, size=m, replace=n_pool < m))
    ch_idx = rng.choice(len(chans), size=m, p=br_ch / br_dark).astype(np.int8)
    eot = req.card.eot if req.eot is None else float(req.eot)
    w = eot * req.eps**2 * br_dark * sample.arrays["ap.weight"][idx] * (n_pool / req.n_events)
    P_all = _ap_p4(sample)
    P = P_all[idx]
    E0 = req.card.beam_energy_GeV
    beam = np.zeros((m, 4))
    beam[:, 0] = E0
    beam[:, 3] = math.sqrt(E0 * E0 - m_e * m_e)
    z0_m = float(card_geometry(req.card)[G_ECAL_Z_START])
    prod = np.zeros((m, 4))
    prod[:, 2] = (sample.arrays["ap.z"][idx] + z0_m) * 1e3
    prod[:, 3] = prod[:, 2]
    d = np.zeros((2, m, 4))
    pid = np.zeros((2, m), dtype=np.int64)
    decays = np.zeros((2, m), dtype=bool)
    x_m = np.zeros((2, m))  # proper decay length [m]
    chi1 = np.zeros((2, m, 4))
    ep = np.zeros((2, m, 4))
    em = np.zeros((2, m, 4))
    need_table = req.force_region is not None or req.selection is not None
    table = response_table(sample, req.card) if need_table else None
    sel_parts = []
    if req.selection is not None:
        sel = selection_for_card(req.selection, req.card)
        sel_parts = [p for b in sel.bins for p in b.parts]
    sel_factor = np.zeros(m)
    r_force = rng.uniform(size=(2, 2, m))
    x_free = rng.standard_exponential(size=(2, m))
    # A' -> chi1 chi1 (not stored by the sample): isotropic two-body decay in the A' frame, then boosted
    u_iso = _isotropic(m, rng)
    for c, ch in enumerate(chans):
        sel_e = np.flatnonzero(ch_idx == c)
        if sel_e.size == 0:
            continue
        rows = idx[sel_e]
        names = _CHANNEL_DAUGHTERS[ch]
        for s in range(2):
            pid[s, sel_e] = req.pdg[names[s]]
        if ch == "chi1chi1":
            q = float(two_body_momentum(req.m_Ap, req.m_chi1, req.m_chi1))
            rest = np.empty((sel_e.size, 4))
            rest[:, 0] = math.hypot(q, req.m_chi1)
            rest[:, 1:] = q * u_iso[sel_e]
            d[0, sel_e] = boost_from_rest_frame(rest, P[sel_e])
            d[1, sel_e] = P[sel_e] - d[0, sel_e]
            if req.force_region is not None:
                w[sel_e] = 0.0  # no chi2 to decay in the region
            if table is not None:
                for flag, eff in sel_parts:
                    sel_factor[sel_e] += eff * table.base_flags[rows, SELECTION_FLAGS.index(flag)]
            continue
        # chi2 slots: chi1chi2 -> daughter 1 is the stored chi2 (chi1 recoils); chi2chi2 -> both stored
        slots = [(1, 0)] if ch == "chi1chi2" else [(0, 0), (1, 1)]
        for s, i in slots:
            d[s, sel_e] = sample.arrays[f"{ch}.chi2_{i}.p4"][rows]
        other = 1 - slots[0][0] if ch == "chi1chi2" else 1
        d[other, sel_e] = P[sel_e] - d[1 - other, sel_e]
        xs: list[NDArray[np.float64]] = []
        for s, i in slots:
            if sample.chi2_stable or u <= 0.0:
                xs.append(np.full(sel_e.size, np.inf))
                continue
            x = x_free[s, sel_e] / u
            if req.force_region is not None and table is not None:
                terms = table.one[ch] if ch == "chi1chi2" else table.pair[ch].slots[i]
                prob = np.zeros(sel_e.size)
                x = np.ascontiguousarray(x)
                _force(
                    terms.off, terms.x, terms.c, _N_FLAGS + REGION_NAMES.index(req.force_region), _N_IND, u,
                    np.ascontiguousarray(rows, dtype=np.int64), np.ascontiguousarray(r_force[s, 0, sel_e]),
                    np.ascontiguousarray(r_force[s, 1, sel_e]), x, prob,
                )  # fmt: skip
                w[sel_e] *= prob
            xs.append(x)
            decays[s, sel_e] = True
            x_m[s, sel_e] = x
            chi2 = d[s, sel_e]
            ep[s, sel_e] = sample.arrays[f"{ch}.chi2_{i}.ep"][rows]
            em[s, sel_e] = sample.arrays[f"{ch}.chi2_{i}.em"][rows]
            chi1[s, sel_e] = chi2 - ep[s, sel_e] - em[s, sel_e]
        if table is not None and sel_parts:
            for flag, eff in sel_parts:
                fi = SELECTION_FLAGS.index(flag)
                val = np.zeros(sel_e.size)
                if ch == "chi1chi2":
                    t1 = table.one[ch]
                    _indicator_at(
                        t1.off, t1.x, t1.c, fi, _N_IND, np.ascontiguousarray(rows, dtype=np.int64),
                        np.ascontiguousarray(xs[0]), val,
                    )  # fmt: skip
                else:
                    pr = table.pair[ch]
                    _pair_flag(
                        np.ascontiguousarray(pr.xb[rows]), pr.passes(np.asarray(rows, dtype=np.int64)), fi,
                        np.ascontiguousarray(xs[0]), np.ascontiguousarray(xs[1]), val,
                    )  # fmt: skip
                sel_factor[sel_e] += eff * val
    if req.selection is not None:
        w = w * float(req.card.signal_efficiency(req.m_Ap)) * sel_factor
    vtx = np.zeros((2, m, 4))
    m2 = req.m_chi2
    for s in range(2):
        on = decays[s]
        xs_mm = x_m[s, on] * 1e3
        vtx[s, on, :3] = prod[on, :3] + xs_mm[:, None] * d[s, on, 1:] / m2
        vtx[s, on, 3] = prod[on, 3] + xs_mm * d[s, on, 0] / m2
    return EventChunk(
        weight=w,
        beam=beam,
        prod=prod,
        ap=P,
        recoil=beam - P,
        channel=ch_idx,
        pid=pid,
        d=d,
        decays=decays,
        vtx=vtx,
        x_mm=x_m * 1e3,
        chi1=chi1,
        ep=ep,
        em=em,
        process=np.asarray(sample.arrays["ap.process"][idx], dtype=np.int8),
        channels=chans,
    )


def generate_events(req: EventRequest, progress: Callable[[int], None] | None = None) -> Iterator[EventChunk]:
    """Yield ``req.n_events`` weighted events in chunks of at most ``req.chunk_events`` (module docstring).

    Each chunk simulates its own beam electrons (about 1.15 times the number the pilot run's A' multiplicity
    says its events need) and keeps a uniform random subset of its A' pool. ``progress(k)`` is called after
    each chunk with its number of events.
    """
    _check(req)
    root = np.random.SeedSequence(int(req.seed))
    pilot_ss, chunks_ss = root.spawn(2)
    pilot = _sample(req, _PILOT_PRIMARIES, pilot_ss)
    if pilot.n_events == 0:
        raise ParameterError(
            "--mA", req.m_Ap, "a mass the card's beam produces", f"no A' above E_min in {_PILOT_PRIMARIES} electrons"
        )
    mult = pilot.n_events / _PILOT_PRIMARIES
    n_chunks = -(-int(req.n_events) // int(req.chunk_events))
    for k, ss in enumerate(chunks_ss.spawn(n_chunks)):
        m = min(int(req.chunk_events), int(req.n_events) - k * int(req.chunk_events))
        s_sample, s_draw = ss.spawn(2)
        sample = _sample(req, math.ceil(1.15 * m / mult) + 10, s_sample)
        if sample.n_events == 0:  # pragma: no cover - needs a pool of zero after a non-empty pilot
            raise ParameterError("--mA", req.m_Ap, "a mass the card's beam produces", "an empty A' pool")
        yield _chunk(req, sample, m, np.random.default_rng(s_draw))
        if progress is not None:
            progress(m)
