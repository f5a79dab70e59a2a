"""The three dark-sector models: iDM, i2DM and the invisible dark photon.

Each model is an immutable bundle of broadcast parameter arrays (GeV, radians) with methods that return
arrays of the broadcast shape: A' partial widths, total width, branching ratios, the exact chi2 -> chi1 l+ l-
width (electron and muon channels), its small-splitting approximation, the ratio K between them, and the
chi2 decay length c*tau. Sources: physics.md sections 2.1-2.3; NA64 2021 semi-visible (g-2) paper ("NA64 2021",
shared/papers/na64-semivisible-g2-2021.txt) Eqs. 1-2; NA64 iDM/i2DM paper, EPJC 2023 ("EPJC 2023",
shared/papers/na64-semivisible-idm-i2dm-epjc2023.txt) Eqs. 2.5, 5.1 and 6.1.

Mass-only ingredients (unit-coupling two-body widths and the quadrature nodes of the chi2 width) are
computed once and shared by :meth:`DarkSectorModel.with_couplings` copies, so a change of eps, alpha_D or
theta costs a few array multiplications and one weighted sum.

>>> m = IDM(0.3, 1e-4, 0.1, ratio=3.0, delta=0.4)
>>> round(float(m.m_chi1), 6), round(float(m.m_chi2), 6)
(0.1, 0.14)
>>> round(float(m.BR_dark()), 6)
1.0
>>> round(float(m.k_factor()), 3)
0.642
>>> IDM(0.03, 1e-4, 0.1, m_chi1=0.01, delta=0.1).chi2_stable()
array(True)
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis._validation import as_float_array, check_range
from semivis.constants import hbar_c_GeV_m, m_e, m_mu
from semivis.errors import ParameterError
from semivis.models.widths import (
    CHI2_GL_ORDER,
    Gamma_chi2_approx,
    Gamma_V_to_fermion_pair,
    Gamma_V_to_hadrons,
    Gamma_V_to_leptons,
    chi2_width_nodes,
    chi2_width_prefactor,
)

__all__ = [
    "ALPHA_D_MAX",
    "CHANNELS",
    "CHI2_CHANNELS",
    "DARK_CHANNELS",
    "I2DM",
    "IDM",
    "INELASTIC_KINDS",
    "MODEL_CHANNELS",
    "MODEL_KINDS",
    "MODEL_M_AP_MAX_GEV",
    "MODEL_M_AP_MIN_GEV",
    "MODEL_RATIO_MAX",
    "VISIBLE_CHANNELS",
    "DarkSectorModel",
    "Gamma_chi2_point",
    "InelasticKind",
    "InvisibleDarkPhoton",
    "ModelKind",
    "chi1_chi2_open",
    "ctau_chi2_m_point",
    "inelastic_kind",
    "make_model",
]

#: The dark-sector models by name.
ModelKind = Literal["idm", "i2dm", "invisible"]
#: The models with a heavier state chi2 (inelastic dark matter): the only ones with a chi2 decay and a relic target.
InelasticKind = Literal["idm", "i2dm"]
#: Every model name, in the order the CLI and the docs list them.
MODEL_KINDS: tuple[ModelKind, ...] = ("idm", "i2dm", "invisible")
#: The model names with a chi2.
INELASTIC_KINDS: tuple[InelasticKind, ...] = ("idm", "i2dm")

#: Visible A' decay channels (kinetic mixing with the photon, physics.md 2.1).
VISIBLE_CHANNELS: tuple[str, ...] = ("e+e-", "mu+mu-", "hadrons")
#: Dark A' decay channels (pairs chi_i chi_j; for Dirac states both charge orderings are summed).
DARK_CHANNELS: tuple[str, ...] = ("chi1chi1", "chi1chi2", "chi2chi2")
#: Every A' decay channel name used by any model, in a fixed order.
CHANNELS: tuple[str, ...] = VISIBLE_CHANNELS + DARK_CHANNELS
#: The A' channels of each model (only couplings present in the Lagrangian appear).
MODEL_CHANNELS: Mapping[str, tuple[str, ...]] = {
    "idm": (*VISIBLE_CHANNELS, "chi1chi2"),
    "i2dm": CHANNELS,
    "invisible": (*VISIBLE_CHANNELS, "chi1chi1"),
}
#: chi2 -> chi1 l+ l- channels of the exact chi2 width and their lepton masses.
CHI2_CHANNELS: Mapping[str, float] = {"e+e-": m_e, "mu+mu-": m_mu}

#: Largest m_A' in scope of the models [GeV]: pure photon-like kinetic mixing (Z mixing neglected) and R-ratio
#: data. (The production room's range is smaller: ``semivis.production.darkbrem.PRODUCTION_M_AP_MAX_GEV``.)
MODEL_M_AP_MAX_GEV: float = 100.0
#: Smallest m_A' in scope [GeV] (1 keV, the production room's lower end too). Below 2 m_e ~ 1 MeV every visible
#: channel and chi2 -> chi1 e+e- (dm < m_A' < 2 m_e) are closed: the A' decays only to dark states and chi2 is
#: stable, so lighter masses add no physics, while the width formulas' powers of the masses (m_A'^5, m_chi2^3,
#: dm^5) underflow in double precision near m_A' ~ 1e-60 GeV and give NaN. 1e-6 GeV keeps them 50 decades away.
MODEL_M_AP_MIN_GEV: float = 1e-6
#: Largest R = m_A'/m_chi1 in scope. Every width depends on m_chi1 only through (m_chi1/m_A')^2 = 1/R^2 and
#: dm = delta m_chi1; beyond R = 1e8, 1/R^2 = 1e-16 is below double-precision resolution (2.2e-16) relative to
#: the massless-chi1 limit, so a larger R changes nothing but drives m_chi1^3 (chi2 width prefactor) towards
#: underflow (NaN at R ~ 1e300). With m_A' >= MODEL_M_AP_MIN_GEV this keeps m_chi1 >= 1e-14 GeV.
MODEL_RATIO_MAX: float = 1e8
#: Largest alpha_D in scope: perturbative dark coupling, g_D = sqrt(4 pi alpha_D) <= 4 pi.
ALPHA_D_MAX: float = 4.0 * math.pi


def inelastic_kind(kind: str, name: str = "kind") -> InelasticKind:
    """``kind`` as an :data:`InelasticKind` (``"idm"`` or ``"i2dm"``), or a ParameterError naming ``name``.

    >>> inelastic_kind("invisible")
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: kind = 'invisible' is out of range: allowed 'idm' or 'i2dm'
    """
    if kind == "idm":
        return "idm"
    if kind == "i2dm":
        return "i2dm"
    raise ParameterError(name, kind, " or ".join(repr(k) for k in INELASTIC_KINDS))


def chi1_chi2_open(m_Ap: ArrayLike, m_chi1: ArrayLike, delta: ArrayLike) -> NDArray[np.bool_]:
    """True where A' -> chi1 chi2 is kinematically open: m_A' > m_chi1 (2 + delta) = m_chi1 + m_chi2.

    iDM and i2DM need it (on-shell A' production and decay, physics.md section 1); the models refuse other points.

    >>> chi1_chi2_open([0.3, 0.2], 0.1, 0.4).tolist()
    [True, False]
    """
    m1 = np.asarray(m_chi1, dtype=np.float64)
    return np.asarray(np.asarray(m_Ap, dtype=np.float64) > m1 * (2.0 + np.asarray(delta, dtype=np.float64)))


def _broadcast(names: tuple[str, ...], arrays: tuple[NDArray[np.float64], ...]) -> tuple[int, ...]:
    try:
        return tuple(np.broadcast_shapes(*(a.shape for a in arrays)))
    except ValueError as exc:
        shapes = ", ".join(f"{n}{a.shape}" for n, a in zip(names, arrays, strict=True))
        raise ParameterError("shape", shapes, "array shapes that broadcast together") from exc


def _readonly(a: NDArray[np.float64], shape: tuple[int, ...]) -> NDArray[np.float64]:
    out = np.broadcast_to(a, shape)
    out.flags.writeable = False
    return out


@dataclass(eq=False)
class _MassCache:
    """Coupling-independent pieces of one mass configuration (shape: the masses' broadcast shape)."""

    m_Ap: NDArray[np.float64]
    m_chi1: NDArray[np.float64]
    delta: NDArray[np.float64]
    visible_unit: dict[str, NDArray[np.float64]] = field(default_factory=dict)  # eps = 1
    dark_unit: dict[str, NDArray[np.float64]] = field(default_factory=dict)  # alpha_D = 1, no mixing factor
    chi2_nodes: dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]] = field(default_factory=dict)
    chi2_int: dict[str, NDArray[np.float64]] = field(default_factory=dict)

    @property
    def m_chi2(self) -> NDArray[np.float64]:
        return np.asarray(self.m_chi1 * (1.0 + self.delta), dtype=np.float64)

    def visible(self) -> dict[str, NDArray[np.float64]]:
        if not self.visible_unit:
            self.visible_unit["e+e-"] = Gamma_V_to_leptons(self.m_Ap, m_e, 1.0)
            self.visible_unit["mu+mu-"] = Gamma_V_to_leptons(self.m_Ap, m_mu, 1.0)
            self.visible_unit["hadrons"] = Gamma_V_to_hadrons(self.m_Ap, 1.0)
        return self.visible_unit

    def dark(self, channels: tuple[str, ...]) -> dict[str, NDArray[np.float64]]:
        masses = {"chi1chi1": (self.m_chi1, self.m_chi1), "chi1chi2": (self.m_chi1, self.m_chi2)}
        masses["chi2chi2"] = (self.m_chi2, self.m_chi2)
        for ch in channels:
            if ch in DARK_CHANNELS and ch not in self.dark_unit:
                m1, m2 = masses[ch]
                self.dark_unit[ch] = Gamma_V_to_fermion_pair(self.m_Ap, m1, m2, 1.0)
        return self.dark_unit

    def nodes(self, lepton: str) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        if lepton not in self.chi2_nodes:
            self.chi2_nodes[lepton] = chi2_width_nodes(self.m_chi1, self.delta, CHI2_CHANNELS[lepton], CHI2_GL_ORDER)
        return self.chi2_nodes[lepton]

    def chi2_integral(self, lepton: str) -> NDArray[np.float64]:
        """Int dq2 (...)/(q2 - M^2)^2 of the chi2 width (mass-only; see ``Gamma_chi2_channels``)."""
        if lepton not in self.chi2_int:
            q2, num = self.nodes(lepton)
            M2 = (self.m_Ap**2)[..., None]
            self.chi2_int[lepton] = np.asarray(np.sum(num / (M2 - q2) ** 2, axis=-1), dtype=np.float64)
        return self.chi2_int[lepton]


class DarkSectorModel:
    """Common machinery of the three models (use :class:`IDM`, :class:`I2DM`, :class:`InvisibleDarkPhoton`).

    Attributes (read-only float64 arrays of the broadcast shape ``shape``): ``m_Ap``, ``eps``, ``alpha_D``,
    ``m_chi1``, ``m_chi2``, ``delta`` (= (m_chi2 - m_chi1)/m_chi1), ``ratio`` (= m_A'/m_chi1), ``theta``.
    """

    kind: ClassVar[str] = ""
    channels: ClassVar[tuple[str, ...]] = ()

    _cache: _MassCache
    _eps: NDArray[np.float64]
    _alpha_D: NDArray[np.float64]
    _theta: NDArray[np.float64]
    _given_ratio: bool

    # ----------------------------------------------------------------------------------------------- set-up
    @classmethod
    def _from_masses(
        cls,
        m_Ap: ArrayLike,
        m_chi1: ArrayLike | None,
        ratio: ArrayLike | None,
        delta: ArrayLike,
    ) -> _MassCache:
        m_Ap_ = check_range(
            "m_Ap", m_Ap, MODEL_M_AP_MIN_GEV, MODEL_M_AP_MAX_GEV, low_inclusive=True, high_inclusive=True
        )
        if (m_chi1 is None) == (ratio is None):
            raise ParameterError(
                "m_chi1/ratio",
                None if m_chi1 is None else "both",
                "exactly one of m_chi1 and ratio = m_Ap/m_chi1",
            )
        # an open channel needs delta < R - 2 < MODEL_RATIO_MAX: the bound keeps m_chi1 (2 + delta) finite below
        delta_ = check_range("delta", delta, 0.0, MODEL_RATIO_MAX, low_inclusive=True, high_inclusive=True)
        if m_chi1 is not None:
            # m_chi1 < m_A' <= MODEL_M_AP_MAX_GEV for any open channel; the bound also keeps m_chi1 (2 + delta)
            # finite in the kinematic check below
            m1 = check_range("m_chi1", m_chi1, 0.0, MODEL_M_AP_MAX_GEV, high_inclusive=True)
            shape = _broadcast(("m_Ap", "m_chi1", "delta"), (m_Ap_, m1, delta_))
            m_Ap_b = np.broadcast_to(m_Ap_, shape)
            m1_b = np.broadcast_to(m1, shape)
            too_light = m1_b * MODEL_RATIO_MAX < m_Ap_b
            if np.any(too_light):
                i = np.flatnonzero(too_light.ravel())[0]
                bound = float(m_Ap_b.ravel()[i]) / MODEL_RATIO_MAX
                raise ParameterError(
                    "m_chi1",
                    float(m1_b.ravel()[i]),
                    f"m_chi1 >= m_Ap/1e8 = {bound!r}",
                    "R = m_Ap/m_chi1 beyond 1e8 is the massless-chi1 limit to double precision",
                )
        else:
            r = check_range("ratio", ratio if ratio is not None else 0.0, 0.0, MODEL_RATIO_MAX, high_inclusive=True)
            shape = _broadcast(("m_Ap", "ratio", "delta"), (m_Ap_, r, delta_))
            cls._check_ratio_open(np.broadcast_to(r, shape), np.broadcast_to(delta_, shape))
            m_Ap_b = np.broadcast_to(m_Ap_, shape)
            m1_b = np.broadcast_to(m_Ap_ / r, shape)
        return _MassCache(
            m_Ap=np.array(m_Ap_b, dtype=np.float64),
            m_chi1=np.array(m1_b, dtype=np.float64),
            delta=np.array(np.broadcast_to(delta_, shape), dtype=np.float64),
        )

    @classmethod
    def _check_ratio_open(cls, ratio: NDArray[np.float64], delta: NDArray[np.float64]) -> None:
        """The ratio as given must open the A' decay into the model's pair: R > 2 + delta (iDM, i2DM: chi1 chi2;
        invisible, delta = 0: chi chibar). Checked on the value typed, before m_chi1 = m_A'/R is formed (a
        subnormal R would overflow it to inf and report R = 0)."""
        closed = ~(ratio > 2.0 + delta)
        if not np.any(closed):
            return
        i = np.flatnonzero(closed.ravel())[0]
        r = float(ratio.ravel()[i])
        if cls.kind == "invisible":
            raise ParameterError("ratio", r, "ratio = m_Ap/m_chi > 2", "A' -> chi chibar is kinematically closed")
        dl = float(delta.ravel()[i])
        raise ParameterError(
            "ratio", r, f"ratio = m_Ap/m_chi1 > 2 + delta = {2.0 + dl!r}", "A' -> chi1 chi2 is kinematically closed"
        )

    def _check_kinematics(self, ratio: ArrayLike | None) -> None:
        """A' -> chi1 chi2 must be open (on-shell production, physics.md section 1: R > 2 + delta)."""
        c = self._cache
        closed = ~chi1_chi2_open(c.m_Ap, c.m_chi1, c.delta)
        if np.any(closed):
            i = np.flatnonzero(closed.ravel())[0]
            dl = float(c.delta.ravel()[i])
            reason = "A' -> chi1 chi2 is kinematically closed"
            if ratio is not None:
                r = float((c.m_Ap / c.m_chi1).ravel()[i])
                raise ParameterError("ratio", r, f"ratio = m_Ap/m_chi1 > 2 + delta = {2.0 + dl!r}", reason)
            m_Ap = float(c.m_Ap.ravel()[i])
            bound = float((c.m_chi1 * (2.0 + c.delta)).ravel()[i])
            raise ParameterError("m_Ap", m_Ap, f"m_Ap > m_chi1 + m_chi2 = {bound!r}", reason)

    def _set_couplings(self, eps: ArrayLike, alpha_D: ArrayLike, theta: ArrayLike) -> None:
        self._eps = check_range("eps", eps, 0.0, 1.0)
        self._alpha_D = check_range("alpha_D", alpha_D, 0.0, ALPHA_D_MAX, high_inclusive=True)
        self._theta = check_range("theta", theta, 0.0, math.pi / 2.0, low_inclusive=True, high_inclusive=True)
        c = self._cache
        self.shape: tuple[int, ...] = _broadcast(
            ("masses", "eps", "alpha_D", "theta"), (c.m_Ap, self._eps, self._alpha_D, self._theta)
        )
        self._memo: dict[str, Any] = {}
        total = self._total_width()
        if np.any(total <= 0.0):  # only i2DM at theta ~ 0 (s^4 underflows) with m_A' < 2 m_chi2 and m_A' < 2 m_e
            i = np.flatnonzero(np.broadcast_to(total <= 0.0, self.shape).ravel())[0]
            if self.kind != "i2dm":  # unreachable in the masses' range (A' -> chi1 chi2 or chi chibar is open)
                raise ParameterError(
                    "m_Ap",
                    float(np.broadcast_to(c.m_Ap, self.shape).ravel()[i]),
                    f"{MODEL_M_AP_MIN_GEV} <= m_Ap <= {MODEL_M_AP_MAX_GEV}",
                    "the A' width vanishes in double precision",
                )
            raise ParameterError(
                "theta",
                float(np.broadcast_to(self._theta, self.shape).ravel()[i]),
                "theta > 0 here (theta >~ 1e-70 in double precision)",
                "the A' would have no open decay channel: A' -> chi2 chi2bar and A' -> e+e- are closed",
            )

    def with_couplings(
        self, eps: ArrayLike | None = None, alpha_D: ArrayLike | None = None, theta: ArrayLike | None = None
    ) -> DarkSectorModel:
        """Same masses, new couplings (None keeps the old ones); shares the mass-only cache, so it is cheap.

        >>> m = IDM(0.3, 1e-4, 0.1, ratio=3.0, delta=0.4)
        >>> m2 = m.with_couplings(eps=2e-4)
        >>> round(float(m2.Gamma_chi2() / m.Gamma_chi2()), 6)  # exact eps^2 scaling
        4.0
        """
        new = object.__new__(type(self))
        new._cache = self._cache
        new._given_ratio = self._given_ratio
        new._set_couplings(
            self._eps if eps is None else eps,
            self._alpha_D if alpha_D is None else alpha_D,
            self._theta if theta is None else theta,
        )
        return new

    # ---------------------------------------------------------------------------------------------- attributes
    @property
    def m_Ap(self) -> NDArray[np.float64]:
        """Dark-photon mass [GeV]."""
        return _readonly(self._cache.m_Ap, self.shape)

    @property
    def m_chi1(self) -> NDArray[np.float64]:
        """Lighter dark fermion mass [GeV]."""
        return _readonly(self._cache.m_chi1, self.shape)

    @property
    def m_chi2(self) -> NDArray[np.float64]:
        """Heavier dark fermion mass m_chi1 (1 + delta) [GeV] (= m_chi1 for the invisible model)."""
        return _readonly(self._cache.m_chi2, self.shape)

    @property
    def delta(self) -> NDArray[np.float64]:
        """Fractional splitting (m_chi2 - m_chi1)/m_chi1."""
        return _readonly(self._cache.delta, self.shape)

    @property
    def ratio(self) -> NDArray[np.float64]:
        """R = m_A'/m_chi1."""
        return _readonly(np.asarray(self._cache.m_Ap / self._cache.m_chi1), self.shape)

    @property
    def eps(self) -> NDArray[np.float64]:
        """Kinetic mixing."""
        return _readonly(self._eps, self.shape)

    @property
    def alpha_D(self) -> NDArray[np.float64]:
        """Dark coupling g_D^2/(4 pi)."""
        return _readonly(self._alpha_D, self.shape)

    @property
    def theta(self) -> NDArray[np.float64]:
        """Dark mixing angle [rad] (i2DM; pi/4 for iDM, the pseudo-Dirac limit; 0 for the invisible model)."""
        return _readonly(self._theta, self.shape)

    # ------------------------------------------------------------------------------------------- mixing factors
    def _dark_factor(self, channel: str) -> NDArray[np.float64]:
        """Coupling factor multiplying alpha_D x (unit kinematic width) of a dark channel."""
        return np.asarray(np.ones_like(self._theta))

    def _chi2_factor(self) -> NDArray[np.float64]:
        """Coupling factor multiplying the iDM chi2 -> chi1 l+ l- width."""
        return np.asarray(np.ones_like(self._theta))

    # ------------------------------------------------------------------------------------------------ widths
    def _partial(self) -> dict[str, NDArray[np.float64]]:
        if "partial" not in self._memo:
            c = self._cache
            vis = c.visible()
            dark = c.dark(self.channels)
            out: dict[str, NDArray[np.float64]] = {}
            for ch in self.channels:
                if ch in VISIBLE_CHANNELS:
                    w = self._eps**2 * vis[ch]
                else:
                    w = self._alpha_D * self._dark_factor(ch) * dark[ch]
                out[ch] = np.array(np.broadcast_to(w, self.shape), dtype=np.float64)
            self._memo["partial"] = out
        result: dict[str, NDArray[np.float64]] = self._memo["partial"]
        return result

    def _total_width(self) -> NDArray[np.float64]:
        if "total" not in self._memo:
            self._memo["total"] = np.asarray(sum(self._partial().values()), dtype=np.float64)
        total: NDArray[np.float64] = self._memo["total"]
        return total

    def partial_widths(self) -> dict[str, NDArray[np.float64]]:
        """A' partial widths [GeV] by channel (keys: ``self.channels``).

        Visible: alpha eps^2 M/3 (1 + 2 m_l^2/M^2) beta_l and alpha eps^2 M R(M)/3 (physics.md 2.1). Dark: the
        vector two-body width alpha_D (M^2 - d^2)(2 M^2 + S^2) lambda^(1/2) / (6 M^5) (physics.md 2.1) times the
        model's mixing factor (i2DM: s^4, 2 s^2 c^2, c^4; EPJC 2023 Eq. 2.5).

        >>> w = IDM(0.3, 1e-3, 0.1, ratio=3.0, delta=0.4).partial_widths()
        >>> sorted(w)
        ['chi1chi2', 'e+e-', 'hadrons', 'mu+mu-']
        """
        return {k: v.copy() for k, v in self._partial().items()}

    def Gamma_Ap(self) -> NDArray[np.float64]:
        """Total A' width [GeV], the sum of :meth:`partial_widths`."""
        return np.array(self._total_width(), dtype=np.float64)

    def branching_ratios(self) -> dict[str, NDArray[np.float64]]:
        """A' branching ratios by channel; they sum to 1.

        >>> br = IDM(0.3, 1e-3, 0.1, ratio=3.0, delta=0.4).branching_ratios()
        >>> round(float(sum(br.values())), 12)
        1.0
        """
        total = self._total_width()
        return {k: v / total for k, v in self._partial().items()}

    def BR_dark(self) -> NDArray[np.float64]:
        """Branching ratio of the A' into dark-sector pairs (sum over chi_i chi_j channels)."""
        br = self.branching_ratios()
        return np.asarray(sum(br[ch] for ch in self.channels if ch in DARK_CHANNELS), dtype=np.float64)

    # -------------------------------------------------------------------------------------------- chi2 decay
    def _chi2_integral(self, lepton: str) -> NDArray[np.float64]:
        return self._cache.chi2_integral(lepton)

    def Gamma_chi2_channels(self) -> dict[str, NDArray[np.float64]]:
        """Exact chi2 -> chi1 l+ l- widths [GeV] for l = e, mu (see
        :func:`semivis.models.widths.Gamma_chi2_to_chi1_ll`; physics.md 2.1; i2DM x s^2 c^2, EPJC 2023 Eq. 6.1).
        The A' propagator is 1/(q2 - M^2)^2: at virtuality q2 <= dm^2 < (m1 + m2)^2 the running A' width has no dark
        part, and its visible part Im Pi ~ alpha eps^2 q2/3 changes Gamma by < 1e-8 (dropped). physics.md's fixed
        M^2 Gamma_A'^2 would wrongly put the on-shell dark width there (~1 % at alpha_D = 0.5) and break the exact
        eps^2 alpha_D scaling the reweighting relies on. Zero where a channel is closed.
        """
        if "chi2" not in self._memo:
            c = self._cache
            pre = chi2_width_prefactor(c.m_chi1, c.delta, self._eps, self._alpha_D) * self._chi2_factor()
            self._memo["chi2"] = {
                ch: np.array(np.broadcast_to(pre * self._chi2_integral(ch), self.shape), dtype=np.float64)
                for ch in CHI2_CHANNELS
            }
        chans: dict[str, NDArray[np.float64]] = self._memo["chi2"]
        return {k: v.copy() for k, v in chans.items()}

    def Gamma_chi2(self) -> NDArray[np.float64]:
        """Exact total chi2 width [GeV]: chi2 -> chi1 e+ e- plus chi2 -> chi1 mu+ mu- (0 where stable).

        chi2 -> chi1 + hadrons (dm > 2 m_pi) is not included (not part of the papers' signal).
        """
        return np.asarray(sum(self.Gamma_chi2_channels().values()), dtype=np.float64)

    def Gamma_chi2_approx(self) -> NDArray[np.float64]:
        """Small-splitting width 4 eps^2 alpha alpha_D dm^5/(15 pi m_A'^4) (NA64 2021 Eq. 2 without K, EPJC 2023
        Eq. 5.1), times s^2 c^2 for i2DM (EPJC 2023 Eq. 6.1). One massless lepton flavour."""
        c = self._cache
        w = Gamma_chi2_approx(c.m_chi1, c.delta, c.m_Ap, self._eps, self._alpha_D) * self._chi2_factor()
        return np.array(np.broadcast_to(w, self.shape), dtype=np.float64)

    def k_factor(self) -> NDArray[np.float64]:
        """K = Gamma_chi2 (exact, e + mu) / Gamma_chi2_approx, the NA64 2021 correction factor (Eq. 2).

        Depends on the masses only (not on eps, alpha_D, theta); 0 where chi2 is stable
        (so that exact = K x approximate always holds).
        """
        c = self._cache
        unit_exact = sum(self._chi2_integral(ch) for ch in CHI2_CHANNELS) * chi2_width_prefactor(
            c.m_chi1, c.delta, 1.0, 1.0
        )
        unit_approx = Gamma_chi2_approx(c.m_chi1, c.delta, c.m_Ap, 1.0, 1.0)
        ok = unit_approx > 0
        k = np.where(ok, unit_exact / np.where(ok, unit_approx, 1.0), 0.0)
        return np.array(np.broadcast_to(k, self.shape), dtype=np.float64)

    def chi2_stable(self) -> NDArray[np.bool_]:
        """True where chi2 cannot decay (dm <= 2 m_e, or no chi2 -> chi1 coupling): a result, not an error."""
        return np.asarray(self.Gamma_chi2() <= 0.0)

    def ctau_chi2_m(self) -> NDArray[np.float64]:
        """Proper decay length of chi2, c tau = hbar c / Gamma_chi2 [m]; inf where chi2 is stable."""
        g = self.Gamma_chi2()
        ok = g > 0
        return np.asarray(np.where(ok, hbar_c_GeV_m / np.where(ok, g, 1.0), np.inf), dtype=np.float64)

    def __repr__(self) -> str:
        def fmt(a: NDArray[np.float64]) -> str:
            return f"{float(a):.6g}" if a.ndim == 0 else f"array{a.shape}"

        c = self._cache
        return (
            f"{type(self).__name__}(m_Ap={fmt(c.m_Ap)}, eps={fmt(self._eps)}, alpha_D={fmt(self._alpha_D)}, "
            f"m_chi1={fmt(c.m_chi1)}, delta={fmt(c.delta)}, theta={fmt(self._theta)})"
        )


class IDM(DarkSectorModel):
    """Inelastic (pseudo-Dirac) dark matter: A' couples only off-diagonally, g_D chi2bar A' chi1 + h.c.

    Source: NA64 2021 Eq. 1; physics.md 2.1. Channels: e+e-, mu+mu-, hadrons, chi1chi2. The chi2 decays to
    chi1 l+ l- through an off-shell A'. Exactly one of ``m_chi1`` and ``ratio`` = m_A'/m_chi1 is given.
    In scope: 1e-6 <= m_A' <= 100 GeV, R = m_A'/m_chi1 <= 1e8 (:data:`MODEL_M_AP_MIN_GEV`, :data:`MODEL_RATIO_MAX`:
    below and beyond, nothing changes physically while double precision breaks down), 0 < eps < 1,
    0 < alpha_D <= 4 pi, delta >= 0, m_A' > m_chi1 + m_chi2.

    >>> m = IDM(1.0, 1e-3, 0.1, ratio=3.0, delta=0.4)
    >>> round(float(m.ctau_chi2_m()), 4)
    0.1175
    """

    kind: ClassVar[str] = "idm"
    channels: ClassVar[tuple[str, ...]] = MODEL_CHANNELS["idm"]

    def __init__(  # noqa: PLR0917
        self,
        m_Ap: ArrayLike,
        eps: ArrayLike,
        alpha_D: ArrayLike,
        m_chi1: ArrayLike | None = None,
        ratio: ArrayLike | None = None,
        delta: ArrayLike = 0.4,
    ) -> None:
        self._cache = self._from_masses(m_Ap, m_chi1, ratio, delta)
        self._given_ratio = ratio is not None
        self._check_kinematics(ratio)
        self._set_couplings(eps, alpha_D, math.pi / 4.0)

    def with_couplings(
        self, eps: ArrayLike | None = None, alpha_D: ArrayLike | None = None, theta: ArrayLike | None = None
    ) -> DarkSectorModel:
        """Same masses, new eps and/or alpha_D (theta is fixed at pi/4 for iDM and must stay None)."""
        if theta is not None:
            raise ParameterError("theta", as_float_array("theta", theta).tolist(), "None for the iDM model")
        return super().with_couplings(eps=eps, alpha_D=alpha_D)


class I2DM(DarkSectorModel):
    """Inelastic Dirac dark matter (two Dirac fermions mixed by theta), EPJC 2023 Sec. 2, Eq. 2.5.

    Dark current s^2 chi1bar g chi1 + c^2 chi2bar g chi2 + s c (chi2bar g chi1 + h.c.), s = sin theta,
    c = cos theta: A' -> chi1chi1 ~ s^4, chi1chi2 (both orderings) ~ 2 s^2 c^2, chi2chi2 ~ c^4 (physics.md 2.2);
    chi2 -> chi1 l+ l- is the iDM width times s^2 c^2 (EPJC 2023 Eq. 6.1).
    In scope as :class:`IDM` plus 0 <= theta <= pi/2.

    >>> m = I2DM(0.3, 1e-3, 0.1, ratio=3.0, delta=0.4, theta=0.1)
    >>> w = m.partial_widths()
    >>> bool(w["chi2chi2"] > w["chi1chi2"] > w["chi1chi1"])
    True
    """

    kind: ClassVar[str] = "i2dm"
    channels: ClassVar[tuple[str, ...]] = MODEL_CHANNELS["i2dm"]

    def __init__(  # noqa: PLR0917
        self,
        m_Ap: ArrayLike,
        eps: ArrayLike,
        alpha_D: ArrayLike,
        m_chi1: ArrayLike | None = None,
        ratio: ArrayLike | None = None,
        delta: ArrayLike | None = None,
        theta: ArrayLike | None = None,
    ) -> None:
        if delta is None:
            raise ParameterError("delta", None, "a number >= 0 (required for i2DM)")
        if theta is None:
            raise ParameterError("theta", None, "0 <= theta <= pi/2 (required for i2DM)")
        self._cache = self._from_masses(m_Ap, m_chi1, ratio, delta)
        self._given_ratio = ratio is not None
        self._check_kinematics(ratio)
        self._set_couplings(eps, alpha_D, theta)

    def _dark_factor(self, channel: str) -> NDArray[np.float64]:
        s2 = np.sin(self._theta) ** 2
        c2 = np.cos(self._theta) ** 2
        factors = {"chi1chi1": s2 * s2, "chi1chi2": 2.0 * s2 * c2, "chi2chi2": c2 * c2}
        return np.asarray(factors[channel], dtype=np.float64)

    def _chi2_factor(self) -> NDArray[np.float64]:
        return np.asarray((np.sin(self._theta) * np.cos(self._theta)) ** 2, dtype=np.float64)


class InvisibleDarkPhoton(DarkSectorModel):
    """Invisible dark photon: A' -> chi chibar with one stable Dirac chi (physics.md 2.3).

    Channels: e+e-, mu+mu-, hadrons, chi1chi1 (= chi chibar). There is no chi2: ``m_chi2 = m_chi1``,
    ``delta = 0``, ``theta = 0``; the chi2 widths and K are 0, ``chi2_stable`` is True, c tau is inf.
    ``m_chi1`` is accepted as an alias of ``m_chi`` (for :func:`make_model`). In scope: m_A' > 2 m_chi.

    >>> m = InvisibleDarkPhoton(0.1, 1e-4, 0.5, ratio=3.0)
    >>> round(float(m.BR_dark()), 6)
    1.0
    """

    kind: ClassVar[str] = "invisible"
    channels: ClassVar[tuple[str, ...]] = MODEL_CHANNELS["invisible"]

    def __init__(
        self,
        m_Ap: ArrayLike,
        eps: ArrayLike,
        alpha_D: ArrayLike,
        m_chi: ArrayLike | None = None,
        ratio: ArrayLike | None = None,
        *,
        m_chi1: ArrayLike | None = None,
    ) -> None:
        if m_chi is not None and m_chi1 is not None:
            raise ParameterError("m_chi1", "both m_chi and m_chi1", "only one of m_chi and its alias m_chi1")
        m_chi_ = m_chi if m_chi is not None else m_chi1
        self._cache = self._from_masses(m_Ap, m_chi_, ratio, 0.0)
        self._given_ratio = ratio is not None
        c = self._cache
        closed = c.m_Ap <= 2.0 * c.m_chi1
        if np.any(closed):
            i = np.flatnonzero(closed.ravel())[0]
            reason = "A' -> chi chibar is kinematically closed"
            if ratio is not None:
                raise ParameterError("ratio", float((c.m_Ap / c.m_chi1).ravel()[i]), "ratio = m_Ap/m_chi > 2", reason)
            bound = float(2.0 * c.m_chi1.ravel()[i])
            raise ParameterError("m_Ap", float(c.m_Ap.ravel()[i]), f"m_Ap > 2 m_chi = {bound!r}", reason)
        self._set_couplings(eps, alpha_D, 0.0)

    def with_couplings(
        self, eps: ArrayLike | None = None, alpha_D: ArrayLike | None = None, theta: ArrayLike | None = None
    ) -> DarkSectorModel:
        """Same mass, new eps and/or alpha_D (the invisible model has no theta; it must stay None)."""
        if theta is not None:
            raise ParameterError("theta", as_float_array("theta", theta).tolist(), "None for the invisible model")
        return super().with_couplings(eps=eps, alpha_D=alpha_D)

    def _chi2_factor(self) -> NDArray[np.float64]:
        return np.asarray(np.zeros_like(self._theta))

    def _chi2_integral(self, lepton: str) -> NDArray[np.float64]:
        return np.zeros(self.shape)

    def Gamma_chi2_approx(self) -> NDArray[np.float64]:
        """0: the invisible model has no chi2."""
        return np.zeros(self.shape)


_MODELS: dict[str, type[DarkSectorModel]] = {"idm": IDM, "i2dm": I2DM, "invisible": InvisibleDarkPhoton}
#: The keywords every kind takes (exactly one of m_chi1 and ratio; the invisible model also takes m_chi).
_COMMON_KEYWORDS: tuple[str, ...] = ("m_Ap", "eps", "alpha_D", "m_chi1", "ratio")
#: The keywords each kind needs besides m_Ap, eps, alpha_D and one of m_chi1/ratio (none is optional here).
_KIND_KEYWORDS: dict[str, tuple[str, ...]] = {"idm": ("delta",), "i2dm": ("delta", "theta"), "invisible": ()}
#: Where each kind-specific keyword belongs, for the error message of a keyword given to the wrong kind.
_KEYWORD_KINDS: dict[str, str] = {"delta": "idm or i2dm", "theta": "i2dm"}


def make_model(kind: str, /, **params: Any) -> DarkSectorModel:
    """Build a model by name (``"idm"``, ``"i2dm"`` or ``"invisible"``) with the classes' keywords, checked.

    The one validation of a model point from user-style inputs (used by the CLI commands too, which re-label the
    errors with their option names). A keyword whose value is None counts as not given. ``delta`` is required for
    iDM and i2DM and ``theta`` for i2DM; a keyword that does not belong to the kind (``delta`` or ``theta`` for the
    invisible model, ``theta`` for iDM, where it is fixed at pi/4) is refused, never dropped.

    >>> make_model("i2dm", m_Ap=0.3, eps=1e-3, alpha_D=0.1, ratio=3.0, delta=0.1, theta=0.2).kind
    'i2dm'
    >>> make_model("sterile", m_Ap=0.3, eps=1e-3, alpha_D=0.1, ratio=3.0)
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: kind = 'sterile' is out of range: allowed one of 'idm', 'i2dm', 'invisible'
    >>> make_model("invisible", m_Ap=0.3, eps=1e-3, alpha_D=0.1, ratio=3.0, delta=0.4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: delta = 0.4 is out of range: allowed unset for the invisible model ...
    """
    key = str(kind).lower()
    if key not in _MODELS:
        raise ParameterError("kind", kind, "one of " + ", ".join(repr(k) for k in MODEL_KINDS))
    given = {k: v for k, v in params.items() if v is not None}
    unknown = sorted(
        set(given) - set(_COMMON_KEYWORDS) - set(_KEYWORD_KINDS) - ({"m_chi"} if key == "invisible" else set())
    )
    if unknown:
        raise ParameterError("keywords", unknown, f"keywords of {_MODELS[key].__name__}")
    for kw, kinds in _KEYWORD_KINDS.items():
        if kw in given and kw not in _KIND_KEYWORDS[key]:
            raise ParameterError(kw, given[kw], f"unset for the {key} model (it belongs to {kinds})")
    for kw in ("m_Ap", "eps", "alpha_D", *_KIND_KEYWORDS[key]):
        if kw not in given:
            allowed = {"delta": "a number >= 0", "theta": "0 <= theta <= pi/2"}.get(kw, "a number")
            raise ParameterError(kw, None, f"{allowed} (required for the {key} model)")
    return _MODELS[key](**given)


#: The eps at which the one-point functions below evaluate a model (inside its range 0 < eps < 1).
_EPS_REF = 1e-3


def Gamma_chi2_point(  # noqa: PLR0917
    kind: InelasticKind,
    m_Ap: float,
    m_chi1: float,
    delta: float,
    eps: float,
    alpha_D: float,
    theta: float | None = None,
) -> float:
    """Exact chi2 width [GeV] (:meth:`DarkSectorModel.Gamma_chi2`) of one iDM/i2DM point, for any eps > 0.

    Also for eps >= 1, outside the models' range, which coupling scans of the relic target and of the BaBar recast
    reach: the width is exactly eps^2 times a function of the masses and alpha_D (physics.md 2.1), so the model is
    evaluated at eps = 1e-3 and scaled. A' -> chi1 chi2 must be open (:func:`chi1_chi2_open`), as for the models.

    >>> g = Gamma_chi2_point("idm", 0.3, 0.1, 0.4, 2.0, 0.1)
    >>> round(g / float(IDM(0.3, 1e-3, 0.1, m_chi1=0.1, delta=0.4).Gamma_chi2()) / 2e3**2, 12)
    1.0
    """
    model = make_model(kind, m_Ap=m_Ap, eps=_EPS_REF, alpha_D=alpha_D, m_chi1=m_chi1, delta=delta, theta=theta)
    return float(np.asarray(model.Gamma_chi2())) * (eps / _EPS_REF) ** 2


def ctau_chi2_m_point(  # noqa: PLR0917
    kind: InelasticKind,
    m_Ap: float,
    m_chi1: float,
    delta: float,
    eps: float,
    alpha_D: float,
    theta: float | None = None,
) -> float:
    """Proper decay length c tau = hbar c / Gamma_chi2 [m] of one point (:meth:`DarkSectorModel.ctau_chi2_m`) for any
    eps > 0 (see :func:`Gamma_chi2_point`); inf where chi2 is stable.

    >>> round(ctau_chi2_m_point("idm", 1.0, 1.0 / 3.0, 0.4, 1e-3, 0.1), 4)  # as IDM(1.0, 1e-3, 0.1, ratio=3.0)
    0.1175
    """
    g = Gamma_chi2_point(kind, m_Ap, m_chi1, delta, eps, alpha_D, theta)
    return hbar_c_GeV_m / g if g > 0.0 else math.inf
