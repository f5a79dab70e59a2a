"""The three-body decay chi2 -> chi1 l+ l- through an off-shell A': matrix element and a vectorised sampler.

Dalitz variables: s1 = m^2(l+ l-) = q2, s2 = m^2(chi1 l+); chi2 at rest. Derivation (checked against the
width integral and against the DMG4 form quoted in physics.md section 2.1): with the vertices
g_D chi1bar gamma^mu chi2 and eps e lbar gamma_mu l, the spin-summed square is

    sum |M|^2 = 32 (g_D e eps)^2 [(p1.k1)(p2.k2) + (p1.k2)(p2.k1) + m_l^2 p1.p2 - m1 m2 (k1.k2 + 2 m_l^2)] / |D|^2

(p2: chi2, p1: chi1, k1: l-, k2: l+, D = q2 - M^2 + i M Gamma_A'). In the dilepton rest frame, with
cos(theta*) the l- direction relative to the dilepton flight direction, the bracket is

    (dm^2 - s1)/8 [S^2 + s1 + 4 m_l^2 - (S^2 - s1)(1 - 4 m_l^2/s1) cos^2 theta*]  >= 0,

so that sum |M|^2 / (g_D e eps)^2 = 8 x the DMG4 expression ``-[s1^2 - m2^2 (s1 + 2 s2 - 2 m1^2) +
2 m1 m2 (s1 + 2 m_l^2) + ...] / (s1 - M^2)^2`` (checked symbolically; tests compare numerically): its overall
minus sign is right, and the +2 m1 m2 term corresponds to the iDM vertex (the one whose width is the
4 eps^2 alpha alpha_D dm^5/(15 pi M^4) of the papers; the other sign would give three times that).
Integrating over cos theta* gives (4/3)(dm^2 - s1)(S^2 + 2 s1)(1 + 2 m_l^2/s1), the q2 integrand of
:func:`semivis.models.widths.Gamma_chi2_to_chi1_ll`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis._validation import as_float_array, check_range
from semivis.constants import alpha, m_e, m_mu
from semivis.errors import ParameterError
from semivis.models import _decay_kernels

__all__ = ["LEPTON_MASSES", "chi2_decay_msq", "dGamma_chi2_ds1_ds2", "sample_chi2_decay"]

#: lepton name -> mass [GeV] for the chi2 decay.
LEPTON_MASSES: dict[str, float] = {"e": m_e, "mu": m_mu}

# max over phi in [0, pi/2] of sin(phi) cos(phi)^4 (at tan^2 phi = 1/4)
#: events per block of the sampler (bounded temporaries)
_BLOCK = 1 << 15

_SC4_MAX = (1.0 / math.sqrt(5.0)) * 0.64 * (1.0 + 1e-12)


def chi2_decay_msq(  # noqa: PLR0917
    s1: ArrayLike,
    s2: ArrayLike,
    m_chi1: ArrayLike,
    m_chi2: ArrayLike,
    m_Ap: ArrayLike,
    m_l: float,
    Gamma_Ap: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Spin-averaged |M|^2 of chi2 -> chi1 l- l+ divided by (g_D e eps)^2, at Dalitz point (s1, s2).

    |M|^2 = 2 [(dm^2 - s1)(S^2 + s1 + 4 m_l^2) - 4 (s2 - s2c)^2] / |s1 - M^2 + i M Gamma|^2, with
    s2c = (m1^2 + m2^2 - s1)/2 + m_l^2 the centre of the s2 range at fixed s1 (module docstring; equal to
    4x the DMG4 form of physics.md section 2.1). Not clipped: outside the Dalitz plane it may be negative.

    >>> s1, m1, m2 = 0.01**2, 0.1, 0.14
    >>> s2c = (m1**2 + m2**2 - s1) / 2
    >>> bool(chi2_decay_msq(s1, s2c, m1, m2, 0.3, 0.0) > 0)
    True
    """
    s1_ = np.asarray(s1, dtype=np.float64)
    s2_ = np.asarray(s2, dtype=np.float64)
    m1 = np.asarray(m_chi1, dtype=np.float64)
    m2 = np.asarray(m_chi2, dtype=np.float64)
    M2 = np.asarray(m_Ap, dtype=np.float64) ** 2
    G = np.asarray(Gamma_Ap, dtype=np.float64)
    d = m2 - m1
    S = m1 + m2
    ml2 = m_l * m_l
    s2c = 0.5 * (m1 * m1 + m2 * m2 - s1_) + ml2
    num = 2.0 * ((d * d - s1_) * (S * S + s1_ + 4.0 * ml2) - 4.0 * (s2_ - s2c) ** 2)
    return np.asarray(num / ((s1_ - M2) ** 2 + M2 * G * G), dtype=np.float64)


def dGamma_chi2_ds1_ds2(  # noqa: PLR0917
    s1: ArrayLike,
    s2: ArrayLike,
    m_chi1: ArrayLike,
    m_chi2: ArrayLike,
    m_Ap: ArrayLike,
    m_l: float,
    eps: ArrayLike,
    alpha_D: ArrayLike,
    Gamma_Ap: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Dalitz density d^2 Gamma / ds1 ds2 = |M|^2 / (256 pi^3 m2^3) with (g_D e eps)^2 = 16 pi^2 alpha alpha_D eps^2.

    Standard three-body phase space (PDG Kinematics review, Eq. 49.22). Not masked to the Dalitz plane.
    """
    m2 = np.asarray(m_chi2, dtype=np.float64)
    coup = 16.0 * math.pi**2 * alpha * np.asarray(alpha_D, dtype=np.float64) * np.asarray(eps, dtype=np.float64) ** 2
    msq = chi2_decay_msq(s1, s2, m_chi1, m_chi2, m_Ap, m_l, Gamma_Ap)
    return np.asarray(coup * msq / (256.0 * math.pi**3 * m2**3), dtype=np.float64)


def sample_chi2_decay(  # noqa: PLR0917
    m_chi1: ArrayLike,
    m_chi2: ArrayLike,
    m_Ap: ArrayLike,
    n: int,
    rng: np.random.Generator | np.random.SeedSequence | int,
    lepton: str = "e",
    Gamma_Ap: ArrayLike = 0.0,
) -> dict[str, NDArray[np.float64]]:
    """Sample ``n`` decays chi2 -> chi1 l- l+ in the chi2 rest frame, distributed as the exact matrix element.

    Masses may be scalars or arrays of shape ``(n,)`` (one mass point per decay). Method (exact, vectorised
    accept-reject, no binning): s1 = m^2(l+ l-) from dGamma/ds1 (physics.md 2.1) in the variable
    s1 = 4 m_l^2 + (dm^2 - 4 m_l^2) sin^2 phi, then cos theta* of the l- in the dilepton frame from the
    conditional density of :func:`chi2_decay_msq`, azimuth uniform, and an isotropic rotation of the event.
    Four-momentum is conserved to rounding (l+ is built back-to-back with l- in the dilepton frame).

    Returns a dict with ``"chi1"``, ``"l-"``, ``"l+"``: (n, 4) arrays (E, px, py, pz) [GeV], and ``"m_ll2"``:
    (n,) array of s1 [GeV^2]. ``rng``: a numpy Generator, a SeedSequence or an int seed (bit-reproducible).
    A closed channel (m_chi2 - m_chi1 <= 2 m_l) raises ParameterError: there is nothing to sample.

    >>> ev = sample_chi2_decay(0.1, 0.14, 0.3, 1000, rng=1)
    >>> ev["l-"].shape, ev["m_ll2"].shape
    ((1000, 4), (1000,))
    >>> tot = ev["chi1"] + ev["l-"] + ev["l+"]
    >>> bool(np.allclose(tot, [0.14, 0.0, 0.0, 0.0], atol=1e-14))
    True
    """
    if lepton not in LEPTON_MASSES:
        raise ParameterError("lepton", lepton, "'e' or 'mu'")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ParameterError("n", n, "an integer >= 0")
    n = int(n)
    ml = LEPTON_MASSES[lepton]
    m1_in = check_range("m_chi1", m_chi1, 0.0)
    m2_in = as_float_array("m_chi2", m_chi2)
    M_in = check_range("m_Ap", m_Ap, 0.0)
    G_in = check_range("Gamma_Ap", Gamma_Ap, 0.0, None, low_inclusive=True)
    try:
        m1, m2, M, G = (np.array(np.broadcast_to(a, (n,)), dtype=np.float64) for a in (m1_in, m2_in, M_in, G_in))
    except ValueError as exc:
        raise ParameterError("shape", [a.shape for a in (m1_in, m2_in, M_in, G_in)], f"scalars or ({n},)") from exc
    d = m2 - m1
    closed = d <= 2.0 * ml
    if np.any(closed):
        i = int(np.flatnonzero(closed)[0])
        raise ParameterError(
            "m_chi2",
            float(m2[i]),
            f"m_chi2 > m_chi1 + 2 m_{lepton} = {float(m1[i] + 2.0 * ml)!r}",
            f"chi2 -> chi1 {lepton}+{lepton}- is closed (chi2 stable): nothing to sample",
        )
    if np.any(d >= M):
        i = int(np.flatnonzero(d >= M)[0])
        raise ParameterError("m_Ap", float(M[i]), f"m_Ap > m_chi2 - m_chi1 = {float(d[i])!r}")
    gen = np.random.default_rng(rng)
    out = {"chi1": np.empty((n, 4)), "l-": np.empty((n, 4)), "l+": np.empty((n, 4)), "m_ll2": np.empty(n)}
    for start in range(0, n, _BLOCK):  # fixed blocks: small temporaries, same stream for a given seed and n
        sl = slice(start, min(start + _BLOCK, n))
        _sample_block(gen, m1[sl], m2[sl], M[sl], G[sl], ml, out, sl)
    return out


def _sample_block(  # noqa: PLR0917
    gen: np.random.Generator,
    m1: NDArray[np.float64],
    m2: NDArray[np.float64],
    M: NDArray[np.float64],
    G: NDArray[np.float64],
    ml: float,
    out: dict[str, NDArray[np.float64]],
    sl: slice,
) -> None:
    """Fill ``out[...][sl]`` with decays for one block of mass points (see :func:`sample_chi2_decay`)."""
    n = m1.size
    d = m2 - m1
    S = m1 + m2
    a = 4.0 * ml * ml
    ba = (d - 2.0 * ml) * (d + 2.0 * ml)
    M2 = M * M
    d_min = (M2 - d * d) ** 2 + M2 * G * G  # the propagator's smallest |D|^2 on the Dalitz plane

    # ---- s1 from dGamma/ds1 in phi: g(phi) = sin^2 cos^4 sqrt(4 m1 m2 + ba cos^2)(1 + a/(2 q2))(S^2 + 2 q2)
    #      / sqrt(q2) / |D|^2 (times ba^3), bounded by
    #      sin cos^4 sqrt(4 m1 m2 + ba) 1.5 (S^2 + 2 dm^2) / sqrt(ba) / d_min   (q2 >= ba sin^2, q2 >= a)
    bound1 = _SC4_MAX * np.sqrt(4.0 * m1 * m2 + ba) * 1.5 * (S * S + 2.0 * d * d) / (np.sqrt(ba) * d_min)
    # the draws and the transcendental functions stay numpy's (same stream, same rounding); the kernels do the
    # arithmetic of each round in the same order as the vectorised expressions (bit-identical samples)
    s1 = np.empty(n)
    pending = np.arange(n)
    while pending.size:
        phi = gen.random(pending.size) * (0.5 * math.pi)
        y = gen.random(pending.size)
        cp = np.cos(phi)
        pending = _decay_kernels.s1_round(pending, np.sin(phi), cp, cp**4, y, a, ba, M2, G, m1, m2, S, bound1, s1)

    # ---- cos(theta*) of l- in the dilepton frame: density A - B c^2, A = S^2 + s1 + 4 m_l^2 >= B >= 0
    A = S * S + s1 + a
    B = (S * S - s1) * (1.0 - a / s1)
    cth = np.empty(n)
    pending = np.arange(n)
    while pending.size:
        u = gen.random(pending.size)
        pending = _decay_kernels.cos_theta_round(pending, u, gen.random(pending.size), A, B, cth)
    phi_star = 2.0 * math.pi * gen.random(n)
    cos_rot = 2.0 * gen.random(n) - 1.0
    phi_rot = 2.0 * math.pi * gen.random(n)

    # ---- four-momenta: chi1 along -z, dilepton along +z, then an isotropic rotation
    _decay_kernels.four_momenta(
        m1, m2, ml, s1, cth, np.cos(phi_star), np.sin(phi_star), cos_rot, np.cos(phi_rot), np.sin(phi_rot),
        out["chi1"][sl], out["l-"][sl], out["l+"][sl],
    )  # fmt: skip
    out["m_ll2"][sl] = s1
