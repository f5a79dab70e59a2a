"""The missing-momentum selection of a muon card (NA64mu; issue 15, docs/beams.md).

NA64mu's signature (PRL 132 (2024) 211803, arXiv:2401.01708, abstract): the incoming muon's momentum is measured
before the active target, "a signal event is a single scattered muon with momentum < 80 GeV/c in the final state,
accompanied by missing energy, i.e. no detectable activity in the downstream calorimeters". In semivis:

* **momentum cut** (card ``thresholds.p_out_max_GeV``): applied in production
  (:func:`semivis.production.muon.simulate_muon_ap_production`, which the signal room runs for a muon card): an A'
  emitted at depth z by a muon of energy E(z) passes when the outgoing muon keeps p_out = E(z) (1 - x) < p_max;
  the sample's weights are A' per muon on target at eps = 1 that pass it;
* **downstream vetoes** (the card's regions, :attr:`~semivis.detector.cards.ExperimentCard.regions`): a chi2 that
  decays before the end of the set-up (in the ECAL, the VETO, any HCAL, or a gap between them, which holds the
  outgoing-muon spectrometer) deposits its e+ e- or leaves extra tracks and vetoes the event; a chi2 decaying in
  the region ``beyond`` is invisible. The pairs' energy is not compared with a threshold (an e+ e- pair from a
  chi2 of >~ 10 GeV is far above the 1 GeV calorimeter threshold; ASSUMPTION, docs/beams.md);
* chi1 is always invisible; the A' is collinear with the beam (production's ASSUMPTION), the chi2 flies along its
  own lab momentum.

A chi2 produced at z with lab momentum p (angle theta to the beam) and proper decay length c tau survives to the end
of the set-up z_end with probability exp(-(z_end - z) / (cos theta beta gamma c tau)), beta gamma = |p|/m_chi2 (the
exponential decay law; the same one as the signal room's lifetime kernel). The expected signal is

    N = MOT x efficiency(m_A') x extra_efficiency x eps^2 x Sum_ch BR_ch Sum_i w_i Prod_chi2 P_survive

(w_i the eps = 1 weights; BR_ch the A' branching ratios into the dark channels of the model; chi1 chi1 always
passes). c tau -> infinity gives the invisible yield times BR_dark, c tau -> 0 gives the chi1 chi1 part only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis.detector.cards import ExperimentCard
from semivis.errors import ParameterError
from semivis.models import make_model
from semivis.signal.events import N_CHI2, EventSample, build_event_sample
from semivis.signal.reweight import couplings
from semivis.signal.selections import missing_momentum_for_card

__all__ = [
    "MissingMomentumResult",
    "missing_momentum_column",
    "missing_momentum_event_sample",
    "missing_momentum_signal",
    "survival_probability",
]


def _check_muon_card(card: ExperimentCard) -> float:
    """The card's missing-momentum cut (selection registry check: a muon card with ``thresholds.p_out_max_GeV``)."""
    missing_momentum_for_card(card)
    if card.p_out_max_GeV is None:  # pragma: no cover - the card loader requires it for muon beams
        raise ParameterError("card", card.name, "a muon card with thresholds.p_out_max_GeV")
    return float(card.p_out_max_GeV)


def missing_momentum_event_sample(  # noqa: PLR0917
    card: ExperimentCard,
    kind: str,
    m_Ap: float,
    m_chi1: float,
    m_chi2: float | None = None,
    n_events: int = 20000,
    seed: int | np.random.SeedSequence = 1,
) -> EventSample:
    """The signal room's event sample of a muon card (``build_event_sample``, which routes muon cards to
    ``production.muon``): the A' after the card's missing-momentum cut, one decay per open dark channel."""
    _check_muon_card(card)
    return build_event_sample(card, kind, m_Ap, m_chi1, m_chi2, n_events=n_events, seed=seed)


def survival_probability(sample: EventSample, card: ExperimentCard, channel: str, ctau_m: float) -> NDArray[np.float64]:
    """Per A' of ``sample``: probability that every chi2 of ``channel`` decays beyond the card's set-up (region
    ``beyond``), i.e. that the downstream calorimeters see nothing.

    exp(-(z_end - z)/(cos theta beta gamma c tau)) per chi2 (product over the channel's chi2); 1 for ``chi1chi1``
    and for a stable chi2 (``ctau_m`` = inf); 0 for c tau = 0.
    """
    _check_muon_card(card)
    if channel not in N_CHI2:
        raise ParameterError("channel", channel, ", ".join(N_CHI2))
    if not ctau_m >= 0.0:
        raise ParameterError("ctau_m", ctau_m, ">= 0 (inf for a stable chi2)")
    z0 = np.asarray(sample.arrays["ap.z"], dtype=np.float64)
    out = np.ones(z0.shape[0])
    n = N_CHI2[channel]
    if n == 0 or sample.chi2_stable or ctau_m == float("inf"):
        return out
    if channel not in sample.channels:
        return np.zeros(z0.shape[0])  # closed channel: its BR is 0 anyway
    z_end = next(z for name, z, _ in card.regions if name == "beyond")
    for i in range(n):
        if ctau_m == 0.0:
            return np.zeros(z0.shape[0])  # every chi2 decays where it is produced, inside the ECAL
        pz = np.asarray(sample.arrays[f"{channel}.chi2_{i}.p4"], dtype=np.float64)[:, 3]
        # decay length along z: (p_z/m) c tau = cos theta beta gamma c tau; a backward chi2 (p_z <= 0) stays inside
        lz = pz / float(sample.m_chi2) * ctau_m
        ok = lz > 0.0
        out = out * np.where(ok, np.exp(-(z_end - z0) / np.where(ok, lz, 1.0)), 0.0)
    return out


@dataclass(frozen=True)
class MissingMomentumResult:
    """Expected missing-momentum signal of one model point: ``n_signal`` events at the card's MOT, the invisible
    (c tau -> infinity) reference ``n_invisible``, the background of the card's selection and per-channel parts."""

    n_signal: float
    n_invisible: float
    background: float
    sigma_b: float
    by_channel: dict[str, float]
    meta: dict[str, Any]


def missing_momentum_signal(
    sample: EventSample,
    card: ExperimentCard,
    *,
    eps: float,
    alpha_D: float = 0.1,
    theta: float | None = None,
    eot: float | None = None,
) -> MissingMomentumResult:
    """Expected signal events of the missing-momentum selection for the sample's mass point (module docstring).

    ``eps``, ``alpha_D`` (and ``theta`` for i2DM) complete the model point of ``sample`` (kind, masses); the
    model's A' branching ratios and chi2 lifetime (semivis.models) weight the channels; ``eot`` overrides the
    card's MOT.

    >>> from semivis.detector import load_card
    >>> card = load_card("na64mu-2022")
    >>> s = missing_momentum_event_sample(card, "invisible", 0.1, 0.03, n_events=200)
    >>> r = missing_momentum_signal(s, card, eps=1e-3)
    >>> bool(abs(r.n_signal / (1.98e10 * 1e-6 * s.arrays["ap.weight"].sum()) - 1.0) < 1e-3)
    True
    """
    sel = missing_momentum_for_card(card)
    (part,) = sel.bin.parts
    mot = float(card.eot if eot is None else eot)
    if not mot > 0.0:
        raise ParameterError("eot", eot, "> 0")
    params: dict[str, Any] = {"m_Ap": sample.m_Ap, "eps": eps, "alpha_D": alpha_D, "ratio": sample.m_Ap / sample.m_chi1}
    if sample.kind != "invisible":
        params["delta"] = (sample.m_chi2 - sample.m_chi1) / sample.m_chi1
    if sample.kind == "i2dm":
        params["theta"] = theta
    model = make_model(sample.kind, **params)
    br = {k: float(v) for k, v in model.branching_ratios().items()}
    ctau = float(model.ctau_chi2_m()) if sample.kind != "invisible" else float("inf")
    w = np.asarray(sample.arrays["ap.weight"], dtype=np.float64)
    norm = mot * float(card.signal_efficiency(sample.m_Ap)) * part[1] * eps**2
    by_channel = {
        ch: norm * br.get(ch, 0.0) * float(np.sum(w * survival_probability(sample, card, ch, ctau)))
        for ch in sample.channels
    }
    n_inv = norm * float(w.sum()) * sum(br.get(ch, 0.0) for ch in sample.channels)
    return MissingMomentumResult(
        n_signal=float(sum(by_channel.values())),
        n_invisible=n_inv,
        background=sel.bin.background,
        sigma_b=sel.bin.sigma_b,
        by_channel=by_channel,
        meta={"ctau_chi2_m": ctau, "z_end_m": card.setup_end_m, "card": card.name, "mot": mot},
    )


def _decay_exponents(sample: EventSample, card: ExperimentCard, channel: str) -> NDArray[np.float64]:
    """Per A': a = Sum_chi2 (z_end - z) m_chi2 / p_z, so that the channel's survival probability is exp(-a / c tau)
    (:func:`survival_probability`'s product of exponentials); inf for a chi2 with p_z <= 0 (it never leaves)."""
    z0 = np.asarray(sample.arrays["ap.z"], dtype=np.float64)
    a = np.zeros(z0.shape[0])
    if N_CHI2[channel] == 0 or sample.chi2_stable:
        return a
    z_end = next(z for name, z, _ in card.regions if name == "beyond")
    for i in range(N_CHI2[channel]):
        pz = np.asarray(sample.arrays[f"{channel}.chi2_{i}.p4"], dtype=np.float64)[:, 3]
        ok = pz > 0.0
        a = a + np.where(ok, (z_end - z0) * float(sample.m_chi2) / np.where(ok, pz, 1.0), np.inf)
    return a


def missing_momentum_column(
    sample: EventSample,
    card: ExperimentCard,
    *,
    eps: ArrayLike,
    alpha_D: ArrayLike,
    theta: ArrayLike | None = None,
    eot: float | None = None,
    block: int = 64,
) -> NDArray[np.float64]:
    """:func:`missing_momentum_signal`'s ``n_signal`` for a whole column of couplings at once (the scan's muon
    branch, ``semivis.scan.evaluators.SignalEvaluator``), in the broadcast shape of the couplings.

    The same formula (module docstring): N = MOT x efficiency x extra_efficiency x eps^2 x Sum_ch BR_ch
    Sum_i w_i exp(-a_i / c tau), a_i = Sum_chi2 (z_end - z_i) m_chi2 / p_z; BR_ch and c tau per coupling from
    ``semivis.signal.reweight.couplings`` (the models, as for electron cards). ``block`` couplings are evaluated
    together (memory ~ 8 x n_events x block bytes).

    >>> from semivis.detector import load_card
    >>> card = load_card("na64mu-2022")
    >>> s = missing_momentum_event_sample(card, "idm", 0.3, 0.1, 0.14, n_events=200)
    >>> col = missing_momentum_column(s, card, eps=np.array([1e-4, 1e-3]), alpha_D=0.1)
    >>> one = missing_momentum_signal(s, card, eps=1e-3, alpha_D=0.1).n_signal
    >>> bool(abs(col[1] / one - 1.0) < 1e-12)
    True
    """
    sel = missing_momentum_for_card(card)
    (part,) = sel.bin.parts
    mot = float(card.eot if eot is None else eot)
    if not mot > 0.0:
        raise ParameterError("eot", eot, "> 0")
    if isinstance(block, bool) or not isinstance(block, int) or block < 1:
        raise ParameterError("block", block, "an integer >= 1")
    shape, e_f, br, u = couplings(sample, eps, alpha_D, theta)
    w = np.asarray(sample.arrays["ap.weight"], dtype=np.float64)
    total = np.zeros(e_f.shape)
    for ch in sample.channels:
        a = _decay_exponents(sample, card, ch)
        s_ch = np.empty(e_f.shape)
        for lo in range(0, e_f.size, block):
            uu = u[lo : lo + block, None]
            # u = 1/c tau = 0 (stable chi2 or invisible): every A' passes (also a backward chi2, a = inf)
            x = np.where(uu > 0.0, uu * a[None, :], 0.0)
            s_ch[lo : lo + block] = np.exp(-x) @ w
        total = total + br[ch] * s_ch
    norm = mot * float(card.signal_efficiency(sample.m_Ap)) * part[1]
    return np.asarray((norm * e_f**2 * total).reshape(shape), dtype=np.float64)
