"""Fast electromagnetic-cascade Monte Carlo of the beam electron in the target, with forced A' emission.

Physics (docs/physics/production.md; every item in the homogenised target, depth t in radiation lengths):

* Bremsstrahlung: Tsai's complete-screening spectrum ``dsigma/dy = A/(X0 N_A y) (4/3 - 4/3 y + y^2)``
  (PDG Passage of particles through matter, Eq. 34.29; Tsai RMP 46 (1974) 815).  Photons with y below
  ``y_c = min(0.01, g_thr/E)`` form a continuous loss ``dE/dt = -E (4/3 y_c - 2/3 y_c^2 + y_c^3/3)``; harder ones
  are sampled one by one (mean number per X0 = Int_{y_c}^1 of the spectrum).
* Pair production: Bethe-Heitler with complete screening, ``dsigma/dx = A/(X0 N_A) [1 - 4/3 x (1-x)]``,
  mean free path 9/7 X0 (PDG Eq. 34.31-34.32).
* Ionisation (low-threshold mode only): constant loss ``dE/dx_min`` (Rossi's approximation B, Rossi, High-Energy
  Particles (1952); e+- below threshold deposit their energy locally and add their CSDA range).
* Multiple scattering: Gaussian per step with theta0 = 13.6 MeV/E sqrt(dt) (Highland, PDG Eq. 34.15, log term
  dropped so that steps add in quadrature).
* Dark bremsstrahlung (forced): every charged step of length dt emits one weighted A' with
  weight = dt X0 Sum_i n_i sigma_i(E, x > E_min/E) (``darkbrem.dark_brem_sigma``, exact tree level), its x
  sampled from the WW spectrum times the exact ETL/WW ratio (``darkbrem.etl_ww_ratio``), its angle from the WW double
  differential (BEST PRD 80 075018 Eq. A12) given x, and added to the lepton's direction.
* Resonant annihilation (positrons): narrow width via the track length in a +-delta window around E_res
  (``dT/dE ~ T_window/(2 delta E_res)``, bias O(delta^2)), or Breit-Wigner integrated analytically over each step.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from semivis import __version__
from semivis._validation import check_range
from semivis.constants import alpha, hbar_c_GeV_m, m_e
from semivis.errors import ParameterError
from semivis.production import _kernel
from semivis.production.darkbrem import (
    check_production_mass,
    etl_ww_ratio_table,
    photon_flux_table,
    ratio_at,
    ww_dsigma_dx,
)
from semivis.production.materials import TargetSpec

__all__ = [
    "PROCESS_NAMES",
    "ApSample",
    "ShowerTallies",
    "simulate_ap_production",
    "simulate_shower",
]

#: Charge sign of the beam particle by name (the cascade's primary: -1 electron, +1 positron).
BEAM_SIGN: dict[str, int] = {"e-": -1, "e+": 1}

#: Names of ``ApSample.process`` codes.
PROCESS_NAMES: dict[int, str] = {0: "brem_primary", 1: "brem_secondary", 2: "annihilation"}

_CHUNK = 2048
_N_EROWS = 72
_N_XROW = 240
_ANN_DELTA = 0.05


@dataclass(frozen=True)
class ApSample:
    """Weighted A' sample (contract in docs/dev/contracts.md).

    ``E`` [GeV], ``theta``, ``phi`` [rad], ``z`` [m, from the target front], ``weight`` = expected A' per electron on
    target at eps = 1 (before any branching ratio), ``process`` (int8, :data:`PROCESS_NAMES`), ``m_Ap`` [GeV].

    ``primary`` (int64, non-decreasing; None: every A' from its own primary): the index of the beam particle whose
    cascade emitted each A'. The ~12 A' one primary's cascade emits at 100 GeV are correlated (they share its
    shower), so a Monte Carlo error must sum them per primary before squaring
    (:func:`semivis.signal.reweight.cluster_variance`).
    """

    E: NDArray[np.float64]
    theta: NDArray[np.float64]
    phi: NDArray[np.float64]
    z: NDArray[np.float64]
    weight: NDArray[np.float64]
    process: NDArray[np.int8]
    m_Ap: float
    meta: dict[str, Any] = field(default_factory=dict)
    primary: NDArray[np.int64] | None = None

    def __len__(self) -> int:
        return int(self.E.shape[0])

    def yield_per_eot(self, process: int | None = None) -> float:
        """Sum of weights (A' per EOT at eps = 1), optionally for one process code."""
        if process is None:
            return float(self.weight.sum())
        return float(self.weight[self.process == process].sum())

    def relative_error(self) -> float:
        """Statistical relative error of the total yield from the per-primary weight sums (meta)."""
        return float(self.meta.get("rel_error", float("nan")))


@dataclass(frozen=True)
class ShowerTallies:
    """Per-primary averages from :func:`simulate_shower` (depth in X0, energies in GeV, track lengths in X0)."""

    t_edges: NDArray[np.float64]
    edep: NDArray[np.float64]
    E_edges: NDArray[np.float64]
    track_em: NDArray[np.float64]
    track_ep: NDArray[np.float64]
    track_primary: NDArray[np.float64]
    total_track: float
    n_primaries: int
    critical_energy_GeV: float


def _seed_key(seed: int | np.random.SeedSequence) -> tuple[np.uint64, Any]:
    if isinstance(seed, np.random.SeedSequence):
        ss = seed
    else:
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or int(seed) < 0:
            raise ParameterError("seed", seed, "a non-negative int or a numpy.random.SeedSequence")
        ss = np.random.SeedSequence(int(seed))
    return np.uint64(ss.generate_state(1, dtype=np.uint64)[0]), (ss.entropy, tuple(ss.spawn_key))


#: x rows of the brem tables: 60 points log-spaced in x below 1/2 (when the row starts there), the rest log-spaced
#: in 1 - x above; fractions of the way in the logarithm, one array per part length (np.geomspace's spacing without
#: its per-call overhead, ~0.1 ms, which was a third of a table's Python time)
_XROW_LOW = 60


@functools.cache
def _log_fractions(n: int) -> NDArray[np.float64]:
    return np.linspace(0.0, 1.0, n)


def _geom(a: float, b: float, n: int) -> NDArray[np.float64]:
    """n values from a to b (both exact), equidistant in ln (as np.geomspace, to rounding)."""
    la, lb = math.log(a), math.log(b)
    out = np.exp(la + (lb - la) * _log_fractions(n))
    out[0], out[-1] = a, b
    return out


def _xrow(x_lo: float, x_hi: float) -> NDArray[np.float64]:
    n1 = _XROW_LOW if x_lo < 0.5 else 0
    lo2 = max(x_lo, 0.5)
    upper = 1.0 - _geom(1.0 - lo2, 1.0 - x_hi, _N_XROW - n1)
    return np.concatenate([_geom(x_lo, 0.5, n1 + 1)[:-1], upper]) if n1 else upper


@functools.lru_cache(maxsize=32)
def _brem_tables(
    target: TargetSpec, m: float, E_min: float, E_max: float, inelastic: bool
) -> tuple[
    float, float, NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], float, float, NDArray[np.float64]
]:
    """Tables of the forced dark bremsstrahlung (total cross section per log-energy row, sampled x grid and its
    CDF, photon-flux table) for ``target`` and A' mass ``m`` over [E_min, E_max]. Memoised per process: they depend
    on these arguments only, and a cascade of the same m_A' and energy range (every Delta of a per-cell column, the
    beam-dump overlays) reuses them; read only (the numba cascade never writes them)."""
    emitters = target.emitters()
    if not emitters:
        raise ParameterError("target", target.name, "a target with a dark-bremsstrahlung emitter (e.g. lead)")
    lE = np.linspace(math.log(E_min * (1 + 1e-9)), math.log(E_max), _N_EROWS)
    sig = np.zeros(_N_EROWS)
    xg = np.zeros((_N_EROWS, _N_XROW))
    cdf = np.zeros((_N_EROWS, _N_XROW))
    # per emitter: its elastic flux table (the WW spectrum) and its ETL/WW ratio table, looked up once
    per_emitter = [
        (*photon_flux_table(mat.Z, mat.A, m, False), etl_ww_ratio_table(m, mat, (math.exp(lE[0]), E_max), inelastic))
        for mat, _ in emitters
    ]
    for k, le in enumerate(lE):
        E = math.exp(le)
        x_lo = max(E_min / E, m / E * (1 + 1e-9))
        x_hi = 1.0 - m_e / E
        if not x_hi > x_lo:
            xg[k] = min(x_lo, x_hi)  # closed row (sigma = 0): any sampled x keeps E_A' ~ E > E_min
            continue
        xr = _xrow(x_lo, x_hi)
        f = np.zeros_like(xr)
        for (lt0, chi0, ratio), (_, n) in zip(per_emitter, emitters, strict=True):
            el = ww_dsigma_dx(E, xr, m, lt0, chi0)
            part = el * ratio_at(ratio, E, xr)
            f += n * part * (hbar_c_GeV_m**2) * target.X0_m
        c = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(xr))])
        xg[k], cdf[k], sig[k] = xr, c, c[-1]
    main = max(emitters, key=lambda e: e[0].Z ** 2 * e[1])[0]
    lt, chi = photon_flux_table(main.Z, main.A, m, inelastic)
    return float(lE[0]), float(lE[1] - lE[0]), sig, xg, cdf, float(lt[0]), float(lt[1] - lt[0]), chi


def _check_target(target: TargetSpec) -> None:
    if not isinstance(target, TargetSpec):
        raise ParameterError("target", target, "a semivis.production.TargetSpec")


def simulate_ap_production(  # noqa: PLR0917
    target: TargetSpec,
    beam_energy_GeV: float = 100.0,
    m_Ap: float = 0.1,
    n_primaries: int = 10000,
    seed: int | np.random.SeedSequence = 0,
    E_min_GeV: float = 50.0,
    processes: tuple[str, ...] = ("brem", "annihilation"),
    *,
    Gamma_Ap: float | None = None,
    inelastic: bool = True,
    multiple_scattering: bool = True,
    first_primary: int = 0,
    beam_particle: str = "e-",
    beam_energy_spread: float = 0.0,
    annihilation_window: float | None = None,
) -> ApSample:
    """Weighted A' sample from the cascade of ``n_primaries`` beam electrons (or positrons) in ``target``.

    Tracks e+-, gamma above E_min (the A' must carry E > ``E_min_GeV``); ``processes`` among "brem",
    "annihilation". ``Gamma_Ap=None`` is the narrow-width annihilation; a width [GeV] selects the Breit-Wigner.
    ``inelastic`` (default) includes the exact-tree-level incoherent emission on quasi-free protons
    (``darkbrem.dark_brem_sigma``); ``False`` keeps coherent emission on the nucleus only.
    Bit-for-bit reproducible for a seed, independent of how primaries are chunked (``first_primary`` lets a
    caller split a run: primaries [a, b) then [b, c) give the same sample as [a, c)).

    Positron beams (docs/beams.md): ``beam_particle="e+"`` makes the primary a positron, which then annihilates
    resonantly on atomic electrons itself (process 2, like shower positrons; its dark bremsstrahlung is process 0,
    charge-symmetric cross section) - the missing-energy line at E_A' = E_res + m_e = m_A'^2/(2 m_e).
    ``beam_energy_spread`` is the relative rms sigma_E/E0 of a Gaussian beam energy distribution (truncated at
    +-5 sigma); 0 (default) is a mono-energetic beam and draws no random number, so electron results are unchanged.
    ``annihilation_window`` is the relative half-width delta of the narrow-width track-length window. Default: 0.05
    for electron beams (shower positrons, smooth dT+/dE); for positron beams delta E_res = sigma_E/4 within
    5 sigma_E of E0 (sigma_E = spread x E0, at least 0.2 % of E0), so that the window resolves the beam line (the
    bias of a box of half-width delta on a Gaussian of rms sigma is -delta^2/(6 sigma^2) = -1 % at the peak), and
    (|E0 - E_res| - 5 sigma_E)/4 beyond (at most 0.05 E_res), where dT+/dE of the primary varies on the scale of
    E0 - E_res, not of sigma_E.

    >>> from semivis.production import TargetSpec, load_material
    >>> tgt = TargetSpec.homogeneous(load_material("lead"), 0.2)
    >>> s = simulate_ap_production(tgt, 100.0, 0.3, n_primaries=200, seed=1)
    >>> bool(s.yield_per_eot() > 0), sorted(set(s.process.tolist()))[:2] == [0, 1]
    (True, True)
    """
    _check_target(target)
    E0 = float(check_range("beam_energy_GeV", beam_energy_GeV, 0.0, 1e4))
    m = check_production_mass(m_Ap)
    if isinstance(n_primaries, bool) or int(n_primaries) < 1:
        raise ParameterError("n_primaries", n_primaries, "an integer >= 1")
    n_prim = int(n_primaries)
    E_min = float(check_range("E_min_GeV", E_min_GeV, 0.0, E0, high_inclusive=False))
    for p in processes:
        if p not in ("brem", "annihilation"):
            raise ParameterError("processes", p, "'brem' and/or 'annihilation'")
    gam = None if Gamma_Ap is None else float(check_range("Gamma_Ap", Gamma_Ap, 0.0))
    if beam_particle not in BEAM_SIGN:
        raise ParameterError("beam_particle", beam_particle, "'e-' or 'e+'")
    spread = float(check_range("beam_energy_spread", beam_energy_spread, 0.0, 0.1, low_inclusive=True))
    E_res = (m * m - 2 * m_e * m_e) / (2 * m_e)
    if annihilation_window is not None:
        delta = float(check_range("annihilation_window", annihilation_window, 0.0, 0.5))
    elif beam_particle == "e+" and E_res > 0.0:
        # resolve the beam line: half-width sigma_E/4 within 5 sigma_E of E0 (sigma_E >= 0.2 % E0), widening to a
        # quarter of the distance beyond, at most the shower default
        sig_abs = max(spread, 0.002) * E0
        d_abs = max(sig_abs / 4.0, (abs(E0 - E_res) - 5.0 * sig_abs) / 4.0)
        delta = min(_ANN_DELTA, d_abs / E_res)
    else:
        delta = _ANN_DELTA
    # highest primary energy (Gaussian truncated at +5 sigma): the brem tables must cover it
    E_top = E0 * (1.0 + 5.0 * spread)
    key, entropy = _seed_key(seed)
    db_on = "brem" in processes and E_min < E0 and E0 * (1 - m_e / E0) > max(E_min, m)
    ann_mode = -1
    e_thr = E_min
    if "annihilation" in processes and m > 2 * m_e:
        if gam is None and E_min < E_res * (1 + delta) and E_res * (1 - delta) < E_top:
            ann_mode = 0
            e_thr = min(E_min, E_res * (1 - delta))
        elif gam is not None and gam > 0:
            ann_mode = 1
    if db_on:
        lE0, dlE, sig, xg, cdf, lt0, dlt, chi = _brem_tables(target, m, E_min, E_top, inelastic)
    else:
        lE0, dlE, sig = 0.0, 1.0, np.zeros(2)
        xg = np.zeros((2, 2))
        cdf = np.zeros((2, 2))
        lt0, dlt, chi = 0.0, 1.0, np.zeros(2)
    ne = target.n_electrons_m3
    ann_norm = ne * 4.0 * math.pi**2 * alpha / (2.0 * m_e) * hbar_c_GeV_m**2 * target.X0_m
    L = target.n_X0
    chunks: list[tuple[NDArray[np.float64], ...]] = []
    per_prim_w: list[NDArray[np.float64]] = []
    prim: list[NDArray[np.int64]] = []
    dummy = np.zeros(1)
    cap0 = 64 * _CHUNK
    emits = db_on or ann_mode >= 0
    if not emits:
        # no process open (e.g. annihilation alone with E_res outside the tracked energies): the cascade would emit
        # nothing, so it is not run; the sample is the one it would give, empty with every primary at weight 0
        chunks.append(tuple(np.zeros(0) for _ in range(6)))
        per_prim_w.append(np.zeros(n_prim))
        prim.append(np.zeros(0, dtype=np.int64))
    for start in range(first_primary, first_primary + (n_prim if emits else 0), _CHUNK):
        n = min(_CHUNK, first_primary + n_prim - start)
        cap = cap0
        while True:
            oE, oth, oph, ot, ow = (np.empty(cap) for _ in range(5))
            opr = np.empty(cap, dtype=np.int8)
            oip = np.empty(cap, dtype=np.int64)
            cnt = _kernel.run_chunk(
                start, n, key, E0, L, e_thr, e_thr, 0.01, 0.0, bool(multiple_scattering), bool(db_on), m, E_min,
                lE0, dlE, sig, xg, cdf, lt0, dlt, chi, ann_mode, E_res, delta, ann_norm,
                0.0 if gam is None else gam, cap, oE, oth, oph, ot, ow, opr, oip,
                False, 1.0, dummy, 0.0, 1.0, dummy, dummy, dummy, dummy, BEAM_SIGN[beam_particle], spread * E0,
            )  # fmt: skip
            if cnt < 0:
                raise ParameterError("n_primaries", n_prim, "a run whose particle stack fits (lower E0)")
            if cnt <= cap:
                break
            cap = int(cnt * 1.2) + 16
        chunks.append((oE[:cnt], oth[:cnt], oph[:cnt], ot[:cnt], ow[:cnt], opr[:cnt].astype(np.float64)))
        # per-primary sums for the error estimate: recompute by batch of 64 primaries is not tracked; use chunk
        per_prim_w.append(np.bincount(oip[:cnt] - start, weights=ow[:cnt], minlength=n).astype(np.float64))
        prim.append(oip[:cnt].copy())
    cat = [np.concatenate([c[i] for c in chunks]) for i in range(6)]
    w = cat[4]
    rel = _rel_error(np.concatenate(per_prim_w))
    meta = {
        "beam_energy_GeV": E0,
        "seed": entropy,
        "n_primaries": n_prim,
        "first_primary": int(first_primary),
        "E_min_GeV": E_min,
        "target": target.name,
        "processes": tuple(processes),
        "Gamma_Ap": gam,
        "annihilation_window_delta": delta,
        "inelastic": bool(inelastic),
        "rel_error": rel,
        "semivis_version": __version__,
    }
    if beam_particle != "e-" or spread > 0.0:  # electron-beam metadata stay as they were (cache keys, provenance)
        meta["beam_particle"] = beam_particle
        meta["beam_energy_spread"] = spread
    return ApSample(
        E=cat[0],
        theta=cat[1],
        phi=cat[2],
        z=cat[3] * target.X0_m,
        weight=w / n_prim,
        process=cat[5].astype(np.int8),
        m_Ap=m,
        meta=meta,
        primary=np.concatenate(prim),
    )


def check_ap_per_primary(k: object, option: str = "ap_per_primary") -> int:
    """``k`` as the number of A' to keep per beam primary (:func:`thin_per_primary`): an integer >= 1, else a
    :class:`~semivis.errors.ParameterError` naming ``option``."""
    if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
        raise ParameterError(option, k, "an integer >= 1, or all (None: every A')")
    return int(k)


def thin_per_primary(ap: ApSample, k: int, rng: np.random.Generator) -> ApSample:
    """``ap`` with k A' per beam primary kept by systematic sampling within each primary's A' (docs/physics/
    detector-and-signal.md Sect. 3.2), each kept A' weighted W_c n_e / k.

    For primary c with A' weights w_e (cascade order) and total W_c: k points (u_c + j) W_c / k, j = 0..k-1, one
    uniform u_c per primary, select the A' whose interval of the cumulative weight holds them (systematic
    resampling: Kitagawa, J. Comput. Graph. Stat. 5 (1996) 1, Sect. 4; unbiasedness and variance: Douc, Cappe,
    Moulines, ISPA 2005, arXiv:cs/0507025). A' e is hit n_e times with E[n_e] = k w_e / W_c, so its new weight
    W_c n_e / k is unbiased; an A' hit more than once (w_e > W_c / k) is kept once with the summed weight. Each
    primary's total weight W_c is kept exactly, so the A' yield and its error are unchanged, and an observable
    that is the same for all A' of a primary (an invisible A') has the variance of the full sample. What thinning
    adds is the variance of the acceptance between one primary's A' (a visible decay's position, its energy),
    measured in Sect. 3.2: the ~12 A' of one primary are correlated, so most of the Monte Carlo error is the
    primaries' own, which thinning does not touch.

    A sample without primary indices (every A' its own primary: nothing to thin) and ``k`` of at least the largest
    number of A' of one primary are returned as they are (k >= that number could only merge A').
    """
    k = check_ap_per_primary(k)
    prim = ap.primary
    n = len(ap)
    if prim is None or n == 0:
        return ap
    starts = np.flatnonzero(np.concatenate(([True], prim[1:] != prim[:-1])))
    ends = np.append(starts[1:], n)
    if int(np.max(ends - starts)) <= k:
        return ap
    w = np.asarray(ap.weight, dtype=np.float64)
    total = np.add.reduceat(w, starts)
    cum = np.cumsum(w)
    base = np.where(starts > 0, cum[starts - 1], 0.0)
    u = rng.random(starts.size)
    points = base[:, None] + (u[:, None] + np.arange(k)[None, :]) / k * total[:, None]
    hit = np.searchsorted(cum, points, side="right")
    # rounding in the global cumulative sum must not carry a point into the next primary's A'
    hit = np.clip(hit, starts[:, None], ends[:, None] - 1).ravel()
    # hit is non-decreasing (points increase within a primary, primaries' ranges follow each other): its runs are
    # the kept A', the length of a run the times it was hit
    first = np.flatnonzero(np.concatenate(([True], hit[1:] != hit[:-1])))
    keep = hit[first]
    count = np.diff(np.append(first, hit.size))
    owner = first // k
    meta = {**ap.meta, "ap_per_primary": int(k), "n_ap_unthinned": int(n)}
    return replace(
        ap,
        E=ap.E[keep],
        theta=ap.theta[keep],
        phi=ap.phi[keep],
        z=ap.z[keep],
        weight=total[owner] * count / k,
        process=ap.process[keep],
        meta=meta,
        primary=prim[keep],
    )


def _rel_error(per_primary: NDArray[np.float64]) -> float:
    """Relative statistical error of the mean yield from the per-primary weight sums: std/(mean sqrt(N))."""
    n = per_primary.shape[0]
    mean = float(per_primary.mean())
    if mean <= 0 or n < 2:
        return float("inf")
    return float(per_primary.std(ddof=1) / (mean * math.sqrt(n)))


def simulate_shower(
    target: TargetSpec,
    beam_energy_GeV: float = 100.0,
    n_primaries: int = 100,
    seed: int | np.random.SeedSequence = 0,
    threshold_GeV: float = 1e-3,
    *,
    ionisation: bool = True,
    n_t_bins: int = 60,
    dt_bin: float = 1.0,
    n_E_bins: int = 60,
    beam_particle: str = "e-",
) -> ShowerTallies:
    """Full-shower (low-threshold) run for validation: energy deposition vs depth, e-/e+/primary differential
    track lengths (per log-energy bin, in X0 per primary) and the total charged track length; ``beam_particle``
    "e-" (default) or "e+" (then the primary's track length is in ``track_ep``).

    >>> from semivis.production import TargetSpec, load_material
    >>> tal = simulate_shower(TargetSpec.homogeneous(load_material("lead"), 0.5), 10.0, 20, seed=3)
    >>> bool(abs(tal.edep.sum() / 10.0 - 1) < 0.02)
    True
    """
    _check_target(target)
    if beam_particle not in BEAM_SIGN:
        raise ParameterError("beam_particle", beam_particle, "'e-' or 'e+'")
    E0 = float(check_range("beam_energy_GeV", beam_energy_GeV, 0.0, 1e4))
    thr = float(check_range("threshold_GeV", threshold_GeV, m_e, E0, low_inclusive=True))
    if isinstance(n_primaries, bool) or int(n_primaries) < 1:
        raise ParameterError("n_primaries", n_primaries, "an integer >= 1")
    n_prim = int(n_primaries)
    key, _ = _seed_key(seed)
    ion = target.ionisation_GeV_per_m * target.X0_m if ionisation else 0.0
    edep = np.zeros(int(n_t_bins))
    E_edges = np.geomspace(thr, E0, int(n_E_bins) + 1)
    tl_em = np.zeros(int(n_E_bins))
    tl_ep = np.zeros(int(n_E_bins))
    tl_pr = np.zeros(int(n_E_bins))
    tot = np.zeros(1)
    z1 = np.zeros(1)
    z2 = np.zeros((2, 2))
    o = np.zeros(1)
    opr = np.zeros(1, dtype=np.int8)
    oip = np.zeros(1, dtype=np.int64)
    for start in range(0, n_prim, _CHUNK):
        n = min(_CHUNK, n_prim - start)
        cnt = _kernel.run_chunk(
            start, n, key, E0, target.n_X0, thr, thr, 0.01, ion, False, False, 0.1, E0,
            0.0, 1.0, z1, z2, z2, 0.0, 1.0, z1, -1, 1.0, 0.05, 0.0, 0.0, 0, o, o, o, o, o, opr, oip,
            True, float(dt_bin), edep, math.log(thr), math.log(E0 / thr) / n_E_bins, tl_em, tl_ep, tl_pr, tot,
            BEAM_SIGN[beam_particle], 0.0,
        )  # fmt: skip
        if cnt < 0:
            raise ParameterError("beam_energy_GeV", E0, "a shower whose particle stack fits")
    return ShowerTallies(
        t_edges=np.arange(int(n_t_bins) + 1, dtype=np.float64) * float(dt_bin),
        edep=edep / n_prim,
        E_edges=E_edges,
        track_em=tl_em / n_prim,
        track_ep=tl_ep / n_prim,
        track_primary=tl_pr / n_prim,
        total_track=float(tot[0]) / n_prim,
        n_primaries=n_prim,
        critical_energy_GeV=ion,
    )
