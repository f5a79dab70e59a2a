"""Test helpers (like ``iminuit.testing``): an analytic stand-in scan evaluator and synthetic A' samples.

Imported by the tests and benchmarks only; no library module imports or re-exports it. Nothing here is
physics-accurate: only the scalings are realistic.

* :class:`ToyEvaluator` / :class:`ToySample`: a column evaluator with the structure of
  ``semivis.scan.evaluators.SignalEvaluator`` (a random sample of chi2 boosts per mass point, an eps^2
  production rate and the small-splitting chi2 lifetime, decay probabilities in fixed z windows), with knobs
  for the scan's robustness tests: ``delay_s`` (slow builds, for kill tests), ``marker_dir`` (count sample
  builds) and ``fail_after`` (a simulated crash).
* :func:`synthetic_ap_sample`: a unit-weight production ``ApSample`` for fast signal tests.

>>> ap = synthetic_ap_sample(0.3, 1000, seed=1)
>>> bool(ap.E.min() >= 50.0), bool(abs(ap.weight.sum() - 1e-6) < 1e-15)
(True, True)
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis._validation import check_range
from semivis.constants import hbar_c_GeV_m
from semivis.detector import ExperimentCard, load_card
from semivis.errors import ParameterError
from semivis.models.widths import Gamma_chi2_approx
from semivis.production import ApSample, simulate_ap_production
from semivis.scan.evaluators import Arrays, Evaluator
from semivis.scan.spec import DEFAULT_PROCESSES, ScanSpec
from semivis.signal.selections import get_selection
from semivis.stats import upper_limit

__all__ = ["ToyEvaluator", "ToySample", "synthetic_ap_sample"]


def synthetic_ap_sample(  # noqa: PLR0917
    m_Ap: float,
    n: int,
    seed: int = 0,
    beam_energy_GeV: float = 100.0,
    E_min_GeV: float = 50.0,
    weight: float = 1e-9,
) -> ApSample:
    """``n`` synthetic A' with equal weights ``weight``, as production's ``ApSample``.

    A hard energy spectrum on [E_min, E_beam] (E = E_min + (E_beam - E_min) u, u ~ Beta(3, 1), peaked towards
    the beam energy like dark bremsstrahlung, physics.md Sect. 3), polar angle |N(0, m_A'/E)| (the typical A'
    emission angle), vertex depth exponential with mean 1 cm (clipped to 0.4 m), processes drawn uniformly.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    E = E_min_GeV + (beam_energy_GeV - E_min_GeV) * rng.beta(3.0, 1.0, n)
    theta = np.abs(rng.normal(0.0, m_Ap / E))
    return ApSample(
        E=E,
        theta=theta,
        phi=rng.uniform(0.0, 2.0 * np.pi, n),
        z=np.clip(rng.exponential(0.01, n), 0.0, 0.4),
        weight=np.full(n, float(weight)),
        process=rng.integers(0, 3, n).astype(np.int8),
        m_Ap=float(m_Ap),
        meta={"synthetic": True, "seed": seed},
    )


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
    """Analytic stand-in (see the module docstring); backgrounds and bins from the selection registry.

    ``delay_s`` slows each sample build (kill tests); with ``marker_dir`` every build drops a file there (tests
    count recomputation) and, with ``fail_after >= 0``, a build raises once that many builds have happened.

    >>> toy = ToyEvaluator()
    >>> s = toy.build_sample("toy", "idm", (0.3, 0.1, 0.14), 100, np.random.SeedSequence(1))
    >>> n = toy.n_sig("toy", "idm", s, ("missing-energy",), {"eps": np.array([1e-4, 1e-3]),
    ...     "alpha_D": np.array([0.1, 0.1]), "theta": np.array([np.nan, np.nan])})
    >>> n.shape, bool(n[0, 1] > n[0, 0])
    ((1, 2), True)
    """

    name: str = "toy"
    delay_s: float = 0.0
    marker_dir: str = ""
    fail_after: int = -1

    def identity(self) -> dict[str, Any]:
        return {"name": self.name}

    def for_spec(self, spec: ScanSpec) -> Evaluator:
        """The base's checks for any ``--processes``: the toy's analytic A' spectrum stands in for every production
        process (the figure recipes scan bremsstrahlung only)."""
        return super().for_spec(dataclasses.replace(spec, processes=DEFAULT_PROCESSES))

    def card_info(self, experiment: str) -> dict[str, Any]:
        return {
            "key": hashlib.sha256(f"toy:{experiment}".encode()).hexdigest()[:16],
            "eot": _TOY_EOT,
            "name": f"toy:{experiment}",
        }

    def background(self, experiment: str, bin_name: str) -> tuple[float, float]:
        """The paper's (b, sigma_b) of the bin (the registry's values, no card)."""
        b = get_selection(bin_name).bin
        return b.background, b.sigma_b

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

    def _event_terms(
        self, kind: str, sample: Any, bins: tuple[str, ...], couplings: Mapping[str, NDArray[np.float64]]
    ) -> NDArray[np.float64]:
        """Each event's N_sig per bin, shape (n_bins, n_couplings, n_events)."""
        m_ap, m1, m2 = sample.masses
        eps, alpha_d, theta = couplings["eps"], couplings["alpha_D"], couplings["theta"]
        # small-splitting width (semivis.models.widths.Gamma_chi2_approx: EPJC 2023 Eq. 5.1)
        gamma = Gamma_chi2_approx(m1, (m2 - m1) / m1, m_ap, eps, alpha_d)
        if kind == "i2dm":
            gamma = gamma * np.sin(theta) ** 2 * np.cos(theta) ** 2 * 4.0 + 1e-300
        # c tau = hbar c / Gamma; an invisible chi never decays
        decay_len = np.full_like(eps, np.inf) if kind == "invisible" else hbar_c_GeV_m / np.maximum(gamma, 1e-300)
        lam = np.multiply.outer(decay_len, sample.gamma_beta)  # (n_couplings, n_events)
        with np.errstate(divide="ignore", invalid="ignore"):

            def surv(z: float) -> NDArray[np.float64]:
                return np.where(np.isinf(lam), 1.0, np.exp(-z / np.maximum(lam, 1e-300)))

            p_ecal = 1.0 - surv(_TOY_Z["ecal"])
            p_beyond = surv(_TOY_Z["end"])
            p_s1 = surv(_TOY_Z["s1_lo"]) - p_beyond
        flag_prob = {"missing-energy": 0.3 * p_ecal + p_beyond, "s1": p_s1, "s2": p_beyond}
        scale = _TOY_EOT * eps**2 * 0.6
        rows = []
        for name in bins:
            prob = sum(eff * flag_prob[flag] for flag, eff in get_selection(name).bin.parts)
            rows.append(scale[:, None] * prob * sample.weight)
        return np.array(rows, dtype=np.float64)

    def n_sig(
        self,
        experiment: str,
        kind: str,
        sample: Any,
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> NDArray[np.float64]:
        """Per bin: Sum over its parts of extra efficiency x the toy probability of the part's flag."""
        return np.asarray(self._event_terms(kind, sample, bins, couplings).sum(axis=-1), dtype=np.float64)

    def n_sig_with_error(
        self,
        experiment: str,
        kind: str,
        sample: Any,
        bins: tuple[str, ...],
        couplings: Mapping[str, NDArray[np.float64]],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
        """:meth:`n_sig` and its Monte Carlo error as the real evaluator defines it (``SignalEvaluator``): the
        per-event error sqrt(Sum_e N_e^2), with the most one event can carry (every probability 1) as floor."""
        terms = self._event_terms(kind, sample, bins, couplings)
        w_max = float(sample.weight.max()) if sample.weight.size else 0.0
        one = _TOY_EOT * np.asarray(couplings["eps"], dtype=np.float64) ** 2 * 0.6 * w_max
        parts = np.array([[sum(eff for _, eff in get_selection(b).bin.parts)] for b in bins])
        err = np.sqrt(np.square(terms).sum(axis=-1) + (one[None, :] * parts) ** 2)
        return np.asarray(terms.sum(axis=-1), dtype=np.float64), err


# ---------------------------------------------------------------------------------------------------------------
# Invisible-mode validation: semivis's invisible 90 % CL limit against NA64's published ones (issue 11)
# ---------------------------------------------------------------------------------------------------------------

#: Masses [GeV] where NA64's 2016-2022 invisible limit (PRL 131 (2023) 161801) and semivis's differ because of
#: resonant annihilation: semivis's resonance E_res = m_A'^2/(2 m_e) lies in [E_min, E0] = [50, 100] GeV for
#: 0.226-0.320 GeV (arXiv:2108.04195), while NA64's curve leaves its bremsstrahlung trend already at ~0.16 GeV and
#: rejoins it only at ~0.38 GeV (its eps turns over at 0.184 GeV). Ratios there are reported, never fitted.
ANNIHILATION_WINDOW_GEV = (0.15, 0.40)


def invisible_yield_per_eot(sample: ApSample, E_min_GeV: float | None = None) -> float:
    """Expected A' per EOT at eps = 1 with E_A' > E_min (default: the sample's E_min): the sum of their weights."""
    e_min = float(sample.meta["E_min_GeV"]) if E_min_GeV is None else float(E_min_GeV)
    return float(sample.weight[e_min < sample.E].sum())


@dataclass(frozen=True)
class InvisibleLimit:
    """semivis's invisible-mode 90 % CL limit per mass: ``eps`` and the MC relative error of the yield behind it.

    ``mc_rel_error`` is that of the yield (of eps^2; ``ApSample.relative_error``); eps's own is half of it.
    """

    m_Ap: NDArray[np.float64]
    eps: NDArray[np.float64]
    mc_rel_error: NDArray[np.float64]


def invisible_limit(  # noqa: PLR0917
    m_Ap: float | list[float] | NDArray[np.float64],
    card: str | ExperimentCard = "na64-2016-2022",
    efficiency: float | None = None,
    E_min_GeV: float | None = None,
    n_primaries: int = 20000,
    seed: int = 0,
    processes: tuple[str, ...] = ("brem",),
    cl: float = 0.9,
) -> InvisibleLimit:
    """Upper limit on eps of an invisible A' (BR(A' -> invisible) = 1) for the card's target, beam and EOT.

    N_sig = EOT eps^2 efficiency Y(m_A'), Y = :func:`invisible_yield_per_eot` of a production sample with
    E_A' > ``E_min_GeV`` (default: the card's E0 - E_ECAL,max); background free with 0 observed events, so
    eps_up = sqrt(s_up/(EOT efficiency Y)) with s_up = ``semivis.stats.upper_limit(0)`` (2.30 at 90 % CL;
    physics.md section 5). ``efficiency`` None takes ``card.signal_efficiency(m_A')`` in the card's normalisation
    mode (as ``semivis.signal`` does for the invisible model); a number replaces it at every mass.
    """
    experiment = load_card(card) if isinstance(card, str) else card
    if efficiency is not None:
        check_range("efficiency", efficiency, 0.0, 1.0, high_inclusive=True)
    e_min = experiment.E_min_GeV if E_min_GeV is None else float(E_min_GeV)
    s_up = upper_limit(0, cl=cl)
    masses = np.atleast_1d(np.asarray(m_Ap, dtype=np.float64))
    eps = np.empty_like(masses)
    rel = np.empty_like(masses)
    for i, m in enumerate(masses):
        sample = simulate_ap_production(
            experiment.target, experiment.beam_energy_GeV, float(m), n_primaries=n_primaries, seed=seed,
            E_min_GeV=e_min, processes=processes,
        )  # fmt: skip
        w = sample.weight[e_min < sample.E]
        y = float(w.sum())
        if y <= 0:
            raise ParameterError("m_Ap", float(m), "a mass with non-zero A' yield above E_min")
        eff = float(experiment.signal_efficiency(m)) if efficiency is None else float(efficiency)
        eps[i] = math.sqrt(s_up / (experiment.eot * eff * y))
        rel[i] = sample.relative_error()  # from the per-primary weight sums: A' of one shower are correlated
    return InvisibleLimit(masses, eps, rel)


def invisible_eps_limit(  # noqa: PLR0917
    m_Ap: float | list[float] | NDArray[np.float64],
    card: str | ExperimentCard = "na64-2016-2022",
    efficiency: float | None = None,
    E_min_GeV: float | None = None,
    n_primaries: int = 20000,
    seed: int = 0,
    processes: tuple[str, ...] = ("brem",),
    cl: float = 0.9,
) -> NDArray[np.float64]:
    """The eps of :func:`invisible_limit` (same arguments).

    >>> lim = invisible_eps_limit([0.01], n_primaries=500)
    >>> bool(1e-6 < float(lim[0]) < 1e-4)
    True
    """
    return invisible_limit(m_Ap, card, efficiency, E_min_GeV, n_primaries, seed, processes, cl).eps


def reference_eps(reference: NDArray[np.float64], m_Ap: ArrayLike) -> NDArray[np.float64]:
    """A published limit (rows: mass [GeV], eps) interpolated linearly in (log m, log eps) at ``m_Ap`` (inside it)."""
    ref = np.asarray(reference, dtype=np.float64)
    order = np.argsort(ref[:, 0], kind="stable")
    m_ref, e_ref = ref[order, 0], ref[order, 1]
    m = np.asarray(m_Ap, dtype=np.float64)
    if np.any(m < m_ref[0]) or np.any(m > m_ref[-1]):
        raise ParameterError("m_Ap", m, f"{m_ref[0]:.4g} <= m_Ap <= {m_ref[-1]:.4g} GeV (the reference curve)")
    return np.asarray(np.exp(np.interp(np.log(m), np.log(m_ref), np.log(e_ref))), dtype=np.float64)


@dataclass(frozen=True)
class FlatNormalisation:
    """One global factor k on semivis's yield x efficiency that reproduces a published invisible limit.

    ``factor`` = exp(mean ln k_i) with k_i = (eps_semivis/eps_ref)^2 at the fit masses: the least-squares fit of
    ln(yield) (N_sig is proportional to eps^2, so the limit in eps moves by sqrt(k)). ``mc_uncertainty``: the
    MC statistical error of ln k (sqrt(sum var_i)/n); ``spread``: the rms of ln k_i about the mean (how well one
    number describes every mass); ``uncertainty`` = factor x sqrt(mc^2 + spread^2). ``max_eps_residual``: the
    largest |sqrt(k_i/k) - 1|, i.e. the flatness of the eps ratio after normalisation.
    """

    factor: float
    uncertainty: float
    mc_uncertainty: float
    spread: float
    max_eps_residual: float
    n_masses: int


def flat_normalisation(
    limit: InvisibleLimit, reference: NDArray[np.float64], window_GeV: tuple[float, float] = ANNIHILATION_WINDOW_GEV
) -> FlatNormalisation:
    """Fit one global yield factor k of ``limit`` to ``reference`` outside ``window_GeV`` (see FlatNormalisation).

    >>> ref = np.array([[1e-3, 1e-5], [1.0, 1e-3]])
    >>> lim = InvisibleLimit(np.array([0.01, 0.1]), 0.9 * reference_eps(ref, [0.01, 0.1]), np.array([0.0, 0.0]))
    >>> round(flat_normalisation(lim, ref).factor, 6)
    0.81
    """
    outside = (limit.m_Ap < window_GeV[0]) | (limit.m_Ap > window_GeV[1])
    if not np.any(outside):
        raise ParameterError("m_Ap", limit.m_Ap, f"masses outside the window {window_GeV} GeV")
    ln_k = 2.0 * np.log(limit.eps[outside] / reference_eps(reference, limit.m_Ap[outside]))
    mean = float(ln_k.mean())
    n = int(ln_k.size)
    mc = float(np.sqrt(np.sum(limit.mc_rel_error[outside] ** 2))) / n
    spread = float(ln_k.std())
    k = math.exp(mean)
    return FlatNormalisation(
        factor=k,
        uncertainty=k * math.hypot(mc, spread),
        mc_uncertainty=mc,
        spread=spread,
        max_eps_residual=float(np.max(np.abs(np.exp(0.5 * (ln_k - mean)) - 1.0))),
        n_masses=n,
    )


__all__ += [
    "ANNIHILATION_WINDOW_GEV",
    "FlatNormalisation",
    "InvisibleLimit",
    "flat_normalisation",
    "invisible_eps_limit",
    "invisible_limit",
    "invisible_yield_per_eot",
    "reference_eps",
]


def edited_card(folder: Path, shipped: str, old: str, new: str) -> Path:
    """A copy of the shipped card ``shipped`` (a path under ``semivis/data``, e.g. ``"dumps/e137.toml"``) written to
    ``folder`` with the one text replacement ``old`` -> ``new`` (``old`` must occur): scaffolding for the tests of
    card validation (each bad key must be refused by name).

    >>> import tempfile
    >>> p = edited_card(Path(tempfile.mkdtemp()), "dumps/e137.toml", "shield_m = 179.0", "shield_m = 1.0")
    >>> "shield_m = 1.0" in p.read_text(encoding="utf-8")
    True
    """
    body = (Path(__file__).parent / "data" / shipped).read_text(encoding="utf-8")
    if old not in body:
        raise ParameterError("old", old, f"text that occurs in {shipped}")
    path = Path(folder) / f"edited-{Path(shipped).name}"
    path.write_text(body.replace(old, new, 1), encoding="utf-8")
    return path


__all__ += ["edited_card"]
