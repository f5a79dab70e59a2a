"""BaBar mono-photon search recast for semi-visible dark photons (iDM, i2DM): a Monte Carlo of the BaBar detector.

BaBar (Lees et al., PRL 119 (2017) 131804, 53 fb^-1) excludes eps > eps_inv(m_A') for e+e- -> gamma A',
A' -> invisible (BR = 1). A semi-visible A' (A' -> chi1 chi2, chi2 -> chi1 e+e-) passes the mono-photon selection
only when the event looks invisible: every e+- of the chi2 decay fails the track and calorimeter thresholds or is
outside the acceptance, or chi2 decays beyond the detector. The recast (Izaguirre, Kahn, Krnjaic, Moschella,
PRD 96 (2017) 055007; Mohlabeng, PRD 99 (2019) 115001; Duerr et al., JHEP 02 (2020) 039; EPJC 2023 Sect. 4) is::

    N_semi(eps) / N_inv(eps_inv) = eps^2 BR_dark P_inv(m_A', eps) / eps_inv(m_A')^2   excluded where >= 1,

i.e. eps_limit = eps_inv / sqrt(BR_dark P_inv(eps_limit)), solved on an eps grid because P_inv depends on eps
through c tau ~ 1/eps^2 (there can be an upper edge too: P_inv tends to the prompt invisible fraction).

Event generation (:func:`sample_babar_events`, all exact kinematics, seeded):

* e+e- CM at sqrt(s) (card ``beams``); photon energy E*_gamma = (s - m_A'^2)/(2 sqrt s), A' recoiling;
  photon polar angle from d sigma/dt ~ t/u + u/t + 2 m_A'^2 s/(t u) (e+e- -> gamma V with a massive vector and
  massless electrons, the e+e- -> gamma Z form, e.g. Berends and Kleiss, Nucl. Phys. B 260 (1985) 32), i.e.
  d sigma/d cos ~ [1 + cos^2 + 4 m_A'^2 s/(s - m_A'^2)^2]/(1 - cos^2), restricted to the photon acceptance
  (the published limit is conditional on it).
* A' -> chi1 chi2 isotropic in the A' rest frame (A' polarisation neglected); chi2 -> chi1 e- e+ from the exact
  matrix element (:func:`semivis.models.sample_chi2_decay`; Gamma_A' = 0 in its off-shell propagator, a <~1e-3
  effect, see :func:`p_invisible`); boosts chi2 -> CM -> lab (9.0 GeV e- along +z, the positron energy
  s/(4 E_e-)).
* chi2 decay length in the lab: (|p_2|/m_2) c tau x Exp(1), c tau from :func:`semivis.models.ctau_chi2_m_point`
  (the exact chi2 width of ``semivis.models``; c tau ~ 1/eps^2).

Visibility of a lepton decaying at vertex (x, y, z) with lab momentum p (card ``tracking``/``calorimeter``):

* track: vertex radius r < ``r_track_max_m``, vertex z inside the drift chamber, p_T > ``pt_min_GeV``, polar
  angle inside the tracking acceptance;
* EMC: polar angle inside the EMC acceptance, E > ``e_min_GeV``, and either a vertex inside the crystals or a helix
  that reaches the barrel: in the solenoid field B, R = p_T/(0.3 B) [m, GeV, T], and the largest radius of the
  circle through the vertex is |centre| + R >= ``emc_r_inner_m``;
* a chi2 decaying beyond ``detector.r_outer_m`` is invisible.

P_inv is computed without resampling for every eps: along each chi2 flight path the visibility is evaluated in
``n_cells`` cells up to the outer radius, and P_inv(lambda) = sum_k (inv_k - inv_(k-1)) exp(-a_k/lambda) per event
(a_k the cell edges, inv beyond the detector = 1) is exact for piecewise-constant visibility.

i2DM: A' -> chi1 chi1bar (always invisible), chi1 chi2bar + c.c. (one chi2), chi2 chi2bar (both chi2 must be
invisible, treated as independent), weighted by the partial widths (SM channels ~eps^2 neglected).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numba
import numpy as np
import tomllib
from numpy.typing import ArrayLike, NDArray

from semivis.data import data_path
from semivis.errors import CardError, ParameterError
from semivis.models import chi1_chi2_open, ctau_chi2_m_point, inelastic_kind, make_model, sample_chi2_decay
from semivis.models.kinematics import boost

__all__ = [
    "SQRT_S_BABAR",
    "BabarDetector",
    "babar_invisible_limit",
    "babar_semivisible_excluded_eps",
    "load_babar_detector",
    "p_chi2_invisible",
    "p_invisible",
    "sample_babar_events",
]

#: Upsilon(4S) centre-of-mass energy [GeV]
SQRT_S_BABAR: float = 10.58

FloatArray = NDArray[np.float64]

#: the detector card shipped with semivis
DEFAULT_CARD = "constraints/babar_detector.toml"


@dataclass(frozen=True)
class BabarDetector:
    """BaBar geometry, thresholds and sampling settings of the recast (``babar_detector.toml``; sources there).

    Flat field names are ``<section>_<key>`` of the card, e.g. ``tracking_pt_min_GeV``.
    """

    beams_sqrt_s_GeV: float
    beams_e_minus_GeV: float
    photon_cos_star_min: float
    photon_cos_star_max: float
    solenoid_field_T: float
    tracking_dch_r_inner_m: float
    tracking_dch_r_outer_m: float
    tracking_dch_z_forward_m: float
    tracking_dch_z_backward_m: float
    tracking_theta_min_deg: float
    tracking_theta_max_deg: float
    tracking_pt_min_GeV: float
    tracking_r_track_max_m: float
    calorimeter_emc_r_inner_m: float
    calorimeter_emc_r_outer_m: float
    calorimeter_theta_min_deg: float
    calorimeter_theta_max_deg: float
    calorimeter_e_min_GeV: float
    detector_r_outer_m: float
    sampling_n_events: int
    sampling_n_cells: int
    sampling_seed: int

    @property
    def e_plus_GeV(self) -> float:
        """Positron beam energy s/(4 E_e-) [GeV] (head-on massless beams)."""
        return self.beams_sqrt_s_GeV**2 / (4.0 * self.beams_e_minus_GeV)

    @property
    def beta_boost(self) -> float:
        """Velocity of the CM frame in the lab along +z (the e- direction): (E_- - E_+)/(E_- + E_+)."""
        return (self.beams_e_minus_GeV - self.e_plus_GeV) / (self.beams_e_minus_GeV + self.e_plus_GeV)


_INT_FIELDS = {"sampling_n_events", "sampling_n_cells", "sampling_seed"}


def _check(det: BabarDetector, source: str) -> BabarDetector:
    """Physical ranges of the card entries (CardError names the key)."""
    for f in fields(det):
        v = getattr(det, f.name)
        key = f.name.replace("_", ".", 1)
        if f.name in _INT_FIELDS:
            if isinstance(v, bool) or not isinstance(v, int) or v < (0 if f.name == "sampling_seed" else 1):
                raise CardError(source, key, f"expected a positive integer, got {v!r}")
        elif isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise CardError(source, key, f"expected a finite number, got {v!r}")
    if not -1.0 <= det.photon_cos_star_min < det.photon_cos_star_max <= 1.0:
        raise CardError(source, "photon.cos_star_min/max", "need -1 <= cos_star_min < cos_star_max <= 1")
    if not det.beams_sqrt_s_GeV / 2 <= det.beams_e_minus_GeV:
        raise CardError(source, "beams.e_minus_GeV", "must be >= sqrt_s/2 (the e- beam is the high-energy one)")
    for name in (
        "solenoid_field_T",
        "tracking_dch_r_inner_m",
        "tracking_dch_r_outer_m",
        "tracking_dch_z_forward_m",
        "tracking_r_track_max_m",
        "calorimeter_emc_r_inner_m",
        "calorimeter_emc_r_outer_m",
        "detector_r_outer_m",
    ):
        if getattr(det, name) <= 0.0:
            raise CardError(source, name.replace("_", ".", 1), "must be > 0")
    for name in ("tracking_pt_min_GeV", "calorimeter_e_min_GeV"):
        if getattr(det, name) < 0.0:
            raise CardError(source, name.replace("_", ".", 1), "must be >= 0")
    for sec in ("tracking", "calorimeter"):
        lo, hi = getattr(det, f"{sec}_theta_min_deg"), getattr(det, f"{sec}_theta_max_deg")
        if not 0.0 <= lo < hi <= 180.0:
            raise CardError(source, f"{sec}.theta_min_deg/theta_max_deg", "need 0 <= theta_min < theta_max <= 180")
    if not det.calorimeter_emc_r_inner_m < det.calorimeter_emc_r_outer_m:
        raise CardError(source, "calorimeter.emc_r_outer_m", "must exceed calorimeter.emc_r_inner_m")
    return det


def load_babar_detector(path: str | Path | None = None, /, **overrides: Any) -> BabarDetector:
    """The BaBar detector card (default: the shipped ``babar_detector.toml``), with optional overrides.

    Overrides use the flat names of :class:`BabarDetector`, e.g. ``tracking_pt_min_GeV=0.15``.

    >>> load_babar_detector().tracking_pt_min_GeV
    0.1
    >>> round(load_babar_detector().beta_boost / math.sqrt(1 - load_babar_detector().beta_boost**2), 3)
    0.557
    """
    p = Path(path) if path is not None else data_path(DEFAULT_CARD)
    source = str(p)
    try:
        with p.open("rb") as fh:
            raw: dict[str, Any] = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CardError(source, "<file>", f"cannot read the BaBar detector card: {exc}") from exc
    flat: dict[str, Any] = {}
    names = {f.name for f in fields(BabarDetector)}
    for sec, table in raw.items():
        if not isinstance(table, dict):
            raise CardError(source, sec, "expected a table")
        for k, v in table.items():
            name = f"{sec}_{k}"
            if name not in names:
                raise CardError(source, f"{sec}.{k}", "unknown key")
            flat[name] = v
    missing = sorted(names - set(flat))
    if missing:
        raise CardError(source, missing[0].replace("_", ".", 1), "missing")
    det = BabarDetector(**flat)
    for k in overrides:
        if k not in names:
            raise ParameterError("detector override", k, f"one of {sorted(names)}")
    return _check(replace(det, **overrides), source if not overrides else f"{source} (with overrides)")


@functools.cache
def _default_detector() -> BabarDetector:
    return load_babar_detector()


@functools.cache
def _limit_table() -> tuple[FloatArray, FloatArray]:
    raw = np.loadtxt(data_path("constraints/babar_invisible_2017_limit.lmt"), comments="#")
    return raw[:, 0], raw[:, 1]


def babar_invisible_limit(m_Ap: ArrayLike) -> FloatArray:
    """BaBar 2017 90 % CL limit eps_inv(m_A') for BR(A' -> invisible) = 1 (DARKCAST digitisation).

    Raises ParameterError outside the published mass range.

    >>> round(float(babar_invisible_limit(0.1)), 6)
    0.000946
    """
    m, e = _limit_table()
    mA = np.asarray(m_Ap, dtype=np.float64)
    if np.any((mA < m[0]) | (mA > m[-1])):
        raise ParameterError("m_Ap", float(mA.flat[0]), f"{m[0]:.3g} <= m_A' <= {m[-1]:.3g} GeV (BaBar 2017 range)")
    return np.asarray(np.exp(np.interp(np.log(mA), np.log(m), np.log(e))), dtype=np.float64)


# ------------------------------------------------------------------------------------------------------ kinematics
def _photon_cos(  # noqa: PLR0917
    m_Ap: float, s: float, n: int, lo: float, hi: float, gen: np.random.Generator
) -> FloatArray:
    """cos theta*_gamma from [1 + c^2 + 4 m^2 s/(s - m^2)^2]/(1 - c^2) on [lo, hi] (accept-reject; module doc)."""
    k = 4.0 * m_Ap**2 * s / (s - m_Ap**2) ** 2

    def dens(c: FloatArray) -> FloatArray:
        return np.asarray((1.0 + c * c + k) / (1.0 - c * c), dtype=np.float64)

    fmax = float(max(dens(np.array([lo]))[0], dens(np.array([hi]))[0]))  # convex in c: maximal at an end
    out = np.empty(n)
    pending = np.arange(n)
    while pending.size:
        c = lo + (hi - lo) * gen.random(pending.size)
        y = gen.random(pending.size) * fmax
        acc = y < dens(c)
        out[pending[acc]] = c[acc]
        pending = pending[~acc]
    return out


def _isotropic(n: int, gen: np.random.Generator) -> FloatArray:
    c = 2.0 * gen.random(n) - 1.0
    ph = 2.0 * math.pi * gen.random(n)
    s = np.sqrt(1.0 - c * c)
    return np.column_stack([s * np.cos(ph), s * np.sin(ph), c])


def sample_babar_events(  # noqa: PLR0917
    m_Ap: float,
    m_chi1: float,
    m_chi2: float,
    n: int,
    rng: np.random.Generator | np.random.SeedSequence | int,
    detector: BabarDetector | None = None,
    Gamma_Ap: float = 0.0,
) -> dict[str, FloatArray]:
    """Lab-frame four-momenta (n, 4) of e+e- -> gamma A', A' -> chi1 chi2, chi2 -> chi1 e- e+ at BaBar.

    Keys: ``"beams"`` (the e- + e+ total, (4,)), ``"gamma"``, ``"chi1"`` (from the A'), ``"chi2"``, ``"chi1_dec"``,
    ``"e-"``, ``"e+"``, and ``"gamma_cm"`` (the photon in the CM). Kinematics in the module docstring.

    >>> ev = sample_babar_events(0.3, 0.1, 0.14, 100, rng=1)
    >>> tot = ev["gamma"] + ev["chi1"] + ev["chi1_dec"] + ev["e-"] + ev["e+"]
    >>> bool(np.allclose(tot, ev["beams"], atol=1e-9))
    True
    """
    det = detector or _default_detector()
    sq = det.beams_sqrt_s_GeV
    s = sq * sq
    if not 0.0 < m_chi1 < m_chi2 or not m_chi1 + m_chi2 < m_Ap < sq:
        raise ParameterError("m_Ap", m_Ap, f"m_chi1 + m_chi2 < m_A' < sqrt(s) = {sq} GeV with 0 < m_chi1 < m_chi2")
    gen = np.random.default_rng(rng)
    c = _photon_cos(m_Ap, s, n, det.photon_cos_star_min, det.photon_cos_star_max, gen)
    phi = 2.0 * math.pi * gen.random(n)
    sn = np.sqrt(1.0 - c * c)
    e_g = (s - m_Ap**2) / (2.0 * sq)  # E*_gamma = (s - m^2)/(2 sqrt s)
    dirg = np.column_stack([sn * np.cos(phi), sn * np.sin(phi), c])
    gam = np.column_stack([np.full(n, e_g), e_g * dirg])
    ap = np.column_stack([np.full(n, sq - e_g), -e_g * dirg])
    # A' -> chi1 chi2, isotropic in the A' rest frame
    e2s = (m_Ap**2 + m_chi2**2 - m_chi1**2) / (2.0 * m_Ap)
    ps = math.sqrt(max(e2s * e2s - m_chi2**2, 0.0))
    u = _isotropic(n, gen)
    chi2_r = np.column_stack([np.full(n, e2s), ps * u])
    chi1_r = np.column_stack([np.full(n, m_Ap - e2s), -ps * u])
    b_ap = ap[:, 1:] / ap[:, :1]
    chi2 = boost(chi2_r, b_ap)
    chi1 = boost(chi1_r, b_ap)
    dec = sample_chi2_decay(m_chi1, m_chi2, m_Ap, n, gen, "e", Gamma_Ap)
    b2 = chi2[:, 1:] / chi2[:, :1]
    lab = np.array([0.0, 0.0, det.beta_boost])
    out = {
        "gamma_cm": gam,
        "gamma": boost(gam, lab),
        "chi1": boost(chi1, lab),
        "chi2": boost(chi2, lab),
        "chi1_dec": boost(boost(dec["chi1"], b2), lab),
        "e-": boost(boost(dec["l-"], b2), lab),
        "e+": boost(boost(dec["l+"], b2), lab),
    }
    out["beams"] = np.array([det.beams_e_minus_GeV + det.e_plus_GeV, 0.0, 0.0, det.beams_e_minus_GeV - det.e_plus_GeV])
    return out


# ------------------------------------------------------------------------------------------------------ visibility
def _lepton_per_event(p: FloatArray, charge: float, det: BabarDetector) -> tuple[FloatArray, ...]:
    """A lepton's vertex-independent visibility terms, per event (``p``: lab four-momenta (n, 4)): whether its
    momentum passes the tracking and the calorimeter requirements, its helix radius R = p_T/(0.3 B) [m] and the
    centre offset q R (u_y, -u_x) of its circle in the solenoid field (field along +z, charge q). R: a charged
    particle's curvature in a uniform field, p_T [GeV] = 0.3 B [T] R [m] (PDG RPP 2022, Particle Detectors at
    Accelerators, momentum measurement in a magnetic field)."""
    px, py, pz = p[:, 1], p[:, 2], p[:, 3]
    pt = np.hypot(px, py)
    cos_t = pz / np.sqrt(pt * pt + pz * pz)
    theta = np.degrees(np.arccos(np.clip(cos_t, -1.0, 1.0)))
    track = (pt > det.tracking_pt_min_GeV) & (theta > det.tracking_theta_min_deg) & (theta < det.tracking_theta_max_deg)
    emc = (
        (p[:, 0] > det.calorimeter_e_min_GeV)
        & (theta > det.calorimeter_theta_min_deg)
        & (theta < det.calorimeter_theta_max_deg)
    )
    rad = pt / (0.3 * det.solenoid_field_T)
    ux, uy = px / np.maximum(pt, 1e-300), py / np.maximum(pt, 1e-300)
    return track.astype(np.float64), emc.astype(np.float64), rad, charge * rad * uy, charge * rad * ux


def _leptons_seen(
    e_minus: FloatArray, e_plus: FloatArray, mid: FloatArray, direc: FloatArray, det: BabarDetector
) -> NDArray[np.bool_]:
    """Whether the e- or the e+ (lab four-momenta (n, 4)) of a chi2 decaying at distance ``mid`` (n, k) [m] along
    its direction ``direc`` (n, 3) from the interaction point vetoes the event, per (event, distance): a track (vertex
    inside the drift chamber's radius and z range, p_T and polar angle in the tracking acceptance) or an EMC
    cluster (energy and polar angle in the calorimeter's acceptance, and the vertex inside the EMC shell, or inside
    its inner radius with a helix that reaches it). The per-event terms come from :func:`_lepton_per_event`, the
    per-vertex ones from :func:`_vertex_seen_kernel`."""
    legs = np.stack([np.stack(_lepton_per_event(e, q, det)) for e, q in ((e_minus, -1.0), (e_plus, 1.0))])
    geo = np.array([
        det.tracking_r_track_max_m, det.tracking_dch_z_backward_m, det.tracking_dch_z_forward_m,
        det.calorimeter_emc_r_inner_m, det.calorimeter_emc_r_outer_m,
    ])  # fmt: skip
    seen = np.empty(mid.shape, dtype=np.bool_)
    _vertex_seen_kernel(np.ascontiguousarray(mid), np.ascontiguousarray(direc), np.ascontiguousarray(legs), geo, seen)
    return seen


@numba.njit(cache=True)
def _vertex_seen_kernel(
    mid: FloatArray, direc: FloatArray, legs: FloatArray, geo: FloatArray, seen: NDArray[np.bool_]
) -> None:  # pragma: no cover - numba
    """:func:`_leptons_seen` per (event, distance): vertex (x, y, z) = mid direc, r = hypot(x, y); lepton l is seen
    by the tracking if r < r_track, z_back < z < z_fwd and its momentum passes (legs[l, 0]), by the EMC if its
    momentum passes (legs[l, 1]) and r_in <= r < r_out, or r < r_in and its helix (centre (x + q R u_y,
    y - q R u_x), radius R: legs[l, 2..4]) reaches r_in. The same floating-point operations as the numpy form."""
    r_track, z_back, z_fwd, r_in, r_out = geo[0], geo[1], geo[2], geo[3], geo[4]
    for i in range(mid.shape[0]):
        for j in range(mid.shape[1]):
            x = mid[i, j] * direc[i, 0]
            y = mid[i, j] * direc[i, 1]
            z = mid[i, j] * direc[i, 2]
            r = math.hypot(x, y)
            in_dch = r < r_track and z_back < z < z_fwd
            any_seen = False
            for lep in range(2):
                if in_dch and legs[lep, 0, i] != 0.0:
                    any_seen = True
                    break
                if legs[lep, 1, i] != 0.0:
                    if r_in <= r < r_out:
                        any_seen = True
                        break
                    if r < r_in:
                        rad = legs[lep, 2, i]
                        reach = math.hypot(x + legs[lep, 3, i], y - legs[lep, 4, i]) + rad
                        if reach >= r_in:
                            any_seen = True
                            break
            seen[i, j] = any_seen


@functools.cache
def _jumps(
    m_Ap: float, m_chi1: float, m_chi2: float, Gamma_Ap: float, det: BabarDetector
) -> tuple[FloatArray, FloatArray, int]:
    """(a_j m_2/|p_2| [m] sorted, jump_j, n events): P_inv = sum_j jump_j exp(-a_j/c tau)/n (module docstring)."""
    n, k = det.sampling_n_events, det.sampling_n_cells
    seed = np.random.SeedSequence([det.sampling_seed, *np.frombuffer(np.array([m_Ap, m_chi1, m_chi2]), np.uint32)])
    ev = sample_babar_events(m_Ap, m_chi1, m_chi2, n, seed, det, Gamma_Ap)
    p2 = ev["chi2"]
    pmag = np.linalg.norm(p2[:, 1:], axis=1)
    direc = p2[:, 1:] / pmag[:, None]
    sin_t = np.maximum(np.hypot(direc[:, 0], direc[:, 1]), 1e-9)
    d_out = det.detector_r_outer_m / sin_t
    edges = d_out[:, None] * (np.arange(k + 1) / k)[None, :]  # (n, k+1)
    mid = 0.5 * (edges[:, :-1] + edges[:, 1:])
    seen = _leptons_seen(ev["e-"], ev["e+"], mid, direc, det)  # (n, k)
    inv = np.concatenate([np.zeros((n, 1)), (~seen).astype(np.float64), np.ones((n, 1))], axis=1)  # inv_-1..inv_K
    jump = np.diff(inv, axis=1)  # (n, k+1): coefficient of exp(-a_k/lambda)
    nz = jump != 0.0
    bg = pmag / m_chi2
    a_scaled = (edges / bg[:, None])[nz]
    order = np.argsort(a_scaled, kind="stable")  # sorted: terms with a/lambda > 60 (< 1e-26) are cut off
    return np.ascontiguousarray(a_scaled[order]), np.ascontiguousarray(jump[nz][order]), n


def p_chi2_invisible(  # noqa: PLR0917
    m_Ap: float,
    m_chi1: float,
    m_chi2: float,
    ctau_m: ArrayLike,
    detector: BabarDetector | None = None,
    Gamma_Ap: float = 0.0,
) -> FloatArray:
    """Probability that one chi2 of e+e- -> gamma A', A' -> chi1 chi2 at BaBar leaves no vetoing trace, vs c tau [m].

    >>> p = p_chi2_invisible(0.3, 0.1, 0.14, [1e-6, 1e6])
    >>> bool(p[0] < 0.5 and p[1] > 0.999)
    True
    """
    det = detector or _default_detector()
    ct = np.asarray(ctau_m, dtype=np.float64)
    if np.any(~(ct > 0.0)):
        raise ParameterError("ctau_m", float(ct.flat[0]), "c tau > 0 (inf: stable)")
    a, j, n = _jumps(float(m_Ap), float(m_chi1), float(m_chi2), float(Gamma_Ap), det)
    flat = np.ascontiguousarray(ct.reshape(-1))
    out = np.empty(flat.size)
    _p_invisible(a, j, float(n), flat, out)
    return np.asarray(np.clip(out, 0.0, 1.0).reshape(ct.shape), dtype=np.float64)  # clip: rounding of the sum only


@numba.njit(cache=True)
def _p_invisible(
    a: FloatArray, jump: FloatArray, n: float, ctau: FloatArray, out: FloatArray
) -> None:  # pragma: no cover - numba
    """out[i] = P_inv(ctau_i) of :func:`p_chi2_invisible` (before its clip): sum_j jump_j exp(-a_j/ctau_i)/n over the
    sorted a_j <= 60 ctau_i (exp(-60) ~ 1e-26: the later terms vanish; module docstring), 1 for an infinite c tau
    (stable). One pass per c tau in order: deterministic, no temporaries, no threads (the numpy form it replaced
    summed pairwise: the same to ~1e-15)."""
    for i in range(ctau.size):
        c = ctau[i]
        if math.isinf(c):
            out[i] = 1.0
            continue
        cut = 60.0 * c
        s = 0.0
        for k in range(a.size):
            if a[k] > cut:
                break
            s += math.exp(-a[k] / c) * jump[k]
        out[i] = s / n


def p_invisible(  # noqa: PLR0917
    kind: str,
    m_Ap: float,
    m_chi1: float,
    delta: float,
    eps: ArrayLike,
    alpha_D: float,
    theta: float | None = None,
    *,
    detector: BabarDetector | None = None,
) -> FloatArray:
    """BR_dark-weighted probability that a BaBar A' -> dark event looks invisible (array over ``eps``).

    The factor that multiplies eps^2 in the recast (module docstring).

    >>> p = p_invisible("idm", 0.3, 0.1, 0.4, [1e-6, 1e-2], 0.1)
    >>> bool(p[0] > 0.99 and p[1] < 0.05)
    True
    """
    eps_ = np.asarray(eps, dtype=np.float64)
    m1, m2 = m_chi1, m_chi1 * (1 + delta)
    kind_ = inelastic_kind(kind)
    if not bool(chi1_chi2_open(m_Ap, m1, delta)):
        return np.zeros_like(eps_)
    theta_ = theta if kind_ == "i2dm" else None
    delta_m = (m2 - m1) / m1  # delta recomputed from the masses: the value the published curves were made with
    ctau1 = ctau_chi2_m_point(kind_, m_Ap, m1, delta_m, 1.0, alpha_D, theta_)  # metres at eps = 1; c tau ~ 1/eps^2
    # the chi2 -> chi1 e+e- kinematics are sampled with Gamma_A' = 0 in the off-shell propagator: there
    # q^2 <= (m2 - m1)^2 < m_A'^2 and M^2 Gamma^2/(M^2 - q^2)^2 <= (Gamma/M)^2/(1 - (dm/M)^2)^2 (~1e-3 for
    # alpha_D = 0.1); one event sample per mass point then serves every eps, alpha_D and theta
    p1 = np.ones_like(eps_) if math.isinf(ctau1) else p_chi2_invisible(m_Ap, m1, m2, ctau1 / eps_**2, detector)
    if kind_ == "idm":
        return np.asarray(p1, dtype=np.float64)
    model = make_model(kind_, m_Ap=m_Ap, eps=1e-3, alpha_D=alpha_D, m_chi1=m1, delta=delta_m, theta=theta_)
    g = {ch: float(v) for ch, v in model.partial_widths().items()}
    g11, g12, g22 = g["chi1chi1"], g["chi1chi2"], g["chi2chi2"]
    return np.asarray((g11 + g12 * p1 + g22 * p1**2) / (g11 + g12 + g22), dtype=np.float64)


def babar_semivisible_excluded_eps(  # noqa: PLR0917
    kind: str,
    m_Ap: float,
    m_chi1: float,
    delta: float,
    alpha_D: float,
    theta: float | None = None,
    *,
    eps_grid: ArrayLike | None = None,
    detector: BabarDetector | None = None,
) -> list[tuple[float, float]]:
    """Excluded eps intervals [(eps_lo, eps_hi), ...] at one m_A': eps^2 P_inv(eps) >= eps_inv(m_A')^2.

    The self-consistent solution of eps = eps_inv/sqrt(P_inv(eps)), on a log eps grid (default 1e-6..1, 241 points)
    with log-linear interpolation of the crossings. BR(A' -> dark) ~ 1 (alpha_D >> eps^2 alpha).

    >>> iv = babar_semivisible_excluded_eps("idm", 0.3, 0.1, 0.1, 0.1)
    >>> len(iv) >= 1 and iv[0][0] < 2e-3
    True
    """
    eg = np.geomspace(1e-6, 1.0, 241) if eps_grid is None else np.asarray(eps_grid, dtype=np.float64)
    lim = float(babar_invisible_limit(m_Ap))
    f = eg**2 * p_invisible(kind, m_Ap, m_chi1, delta, eg, alpha_D, theta, detector=detector) / lim**2
    g = np.log(np.maximum(f, 1e-300))
    excl = g >= 0
    out: list[tuple[float, float]] = []
    i = 0
    n = eg.size
    le = np.log(eg)
    while i < n:
        if excl[i]:
            j = i
            while j + 1 < n and excl[j + 1]:
                j += 1
            lo = eg[i] if i == 0 else math.exp(float(np.interp(0.0, [g[i - 1], g[i]], [le[i - 1], le[i]])))
            hi = eg[j] if j == n - 1 else math.exp(float(np.interp(0.0, [g[j + 1], g[j]], [le[j + 1], le[j]])))
            out.append((float(lo), float(hi)))
            i = j + 1
        else:
            i += 1
    return out
