"""Detector response to a chi2 -> chi1 e+ e- decay: where it decays and what energy its pair leaves where.

The Python API of the detector response; the numba kernels it runs, and which ``semivis.signal`` builds on,
are the package-internal API :mod:`semivis.detector.kernels`. Geometry comes from an
:class:`~semivis.detector.cards.ExperimentCard` packed by :func:`geometry_vector` (named slots ``G_*`` of
:mod:`~semivis.detector.kernels`); positions are along the beam axis ``z`` from the ECAL front face.

Model (documented in ``docs/physics/detector-and-signal.md``):

* **Regions** (:data:`REGION_NAMES`): ``ecal``, ``veto``, ``hcal1``, ``hcal2``, ``hcal3``, ``gaps`` (the
  uninstrumented space between the ECAL end and the HCAL3 end, or a decay inside a module's z range but
  outside its transverse size) and ``beyond`` (after the end of HCAL3: the EPJC2021 S2 signature).
* **ECAL**: a lepton of energy E created at depth t_rem radiation lengths before the ECAL end deposits the
  fraction P(a, b t_rem) of its energy (longitudinal gamma profile, PDG RPP 2022 Sect. 34.5, Eq. 34.36:
  dE/dt = E b (bt)^(a-1) e^(-bt) / Gamma(a), t_max = (a-1)/b = ln(E/E_c) - 0.5 for electrons, b = 0.5; a >= 1
  enforced so that leptons below E_c e^(1/2) shower as a pure exponential of mean 2 X0). The rest leaks
  downstream.
* **VETO**: a charged lepton (or leaking shower) crossing it leaves min(E, E_MIP); it fires above its
  threshold ("no activity in the VETO", EPJC2023 Sect. 3.2).
* **HCAL**: ~7 interaction lengths, i.e. > 80 X0 of iron (physics.md Sect. 4), so an e+- entering a module
  within its transverse size deposits all its energy there (no sharing between modules).
* **Transverse acceptance**: a chi2 outside a module's square aperture at its decay point leaves no pair
  energy (category ``gaps``); a lepton from a decay in a gap or leaking from the ECAL hits a downstream
  module only if it is inside its aperture at the module's front face.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammainc

from semivis.detector.cards import ExperimentCard
from semivis.detector.kernels import (
    CONTAINMENT_TABLE_TOL,
    G_B,
    G_EC,
    G_ECAL_MAX,
    G_HCAL_THR,
    G_LEN,
    G_MIP,
    G_MODULE_STRIDE,
    G_MODULES,
    G_S1_MIN,
    G_VETO_THR,
    G_X0,
    N_DEP,
    REGION_NAMES,
    TAB_H,
    TAB_NA,
    TAB_NS,
    containment,
    decay_deposits,
)

__all__ = [
    "CONTAINMENT_TABLE_TOL",
    "N_DEP",
    "REGION_NAMES",
    "SHOWER_B",
    "containment_table",
    "deposits_at",
    "geometry_vector",
    "shower_containment",
]

#: shower-profile slope parameter b (PDG RPP 2022 Sect. 34.5: "b ~ 0.5")
SHOWER_B = 0.5


def geometry_vector(card: ExperimentCard, s1_min_hcal_GeV: float | None = None) -> NDArray[np.float64]:
    """Pack a card's geometry and thresholds into the float vector the kernels read (slots ``G_*`` of
    :mod:`semivis.detector.kernels`); ``s1_min_hcal_GeV`` defaults to the card's HCAL threshold.

    >>> from semivis.detector import load_card
    >>> from semivis.detector.kernels import G_S1_HI, G_S1_LO
    >>> card = load_card("na64-2016-2018")
    >>> g = geometry_vector(card)
    >>> bool(g[G_S1_LO] == card.hcal2.z_start_m), bool(g[G_S1_HI] == card.hcal3.z_end_m)
    (True, True)
    """
    g = np.zeros(G_LEN)
    for m, mod in enumerate(card.modules):
        i = G_MODULES + G_MODULE_STRIDE * m
        g[i : i + G_MODULE_STRIDE] = (mod.z_start_m, mod.z_end_m, mod.half_size_m)
    g[G_X0] = card.radiation_length_m
    g[G_EC] = card.critical_energy_GeV
    g[G_B] = SHOWER_B
    g[G_MIP] = card.veto_mip_GeV
    g[G_VETO_THR] = card.veto_threshold_GeV
    g[G_ECAL_MAX] = card.ecal_max_GeV
    g[G_HCAL_THR] = card.hcal_threshold_GeV
    g[G_S1_MIN] = card.hcal_threshold_GeV if s1_min_hcal_GeV is None else s1_min_hcal_GeV
    return g


_TABLES: dict[float, NDArray[np.float64]] = {}


def containment_table(b: float = SHOWER_B) -> NDArray[np.float64]:
    """Tabulated P(a, s^2) (regularised lower incomplete gamma, PDG RPP 2022 Eq. 34.36 integrated) on the grid
    a = 1 + (i - 1) h, s = (j - 1) h, h = 1/64 (module-level cache; ``b`` only keys the cache).

    Built once with ``scipy.special.gammainc``; read by the numba kernels through
    :func:`semivis.detector.kernels.containment_tab`, whose absolute error is below
    :data:`CONTAINMENT_TABLE_TOL`.

    >>> t = containment_table()
    >>> t.shape == (TAB_NA, TAB_NS), bool(abs(t[1, 1]) < 1e-300), bool(t[-1, -1] > 0.999999)
    (True, True, True)
    """
    key = float(b)
    tab = _TABLES.get(key)
    if tab is None:
        a = 1.0 + (np.arange(TAB_NA) - 1.0) * TAB_H
        sv = (np.arange(TAB_NS) - 1.0) * TAB_H
        tab = np.ascontiguousarray(gammainc(a[:, None], (sv * sv)[None, :]), dtype=np.float64)
        tab.setflags(write=False)
        _TABLES[key] = tab
    return tab


def shower_containment(
    E_GeV: ArrayLike, t_rem_X0: ArrayLike, Ec_GeV: float, b: float = SHOWER_B
) -> NDArray[np.float64]:
    """Fraction of an e+- shower of energy E contained within t_rem radiation lengths.

    Longitudinal gamma profile, PDG RPP 2022 Sect. 34.5 Eq. (34.36), with t_max = ln(E/E_c) - 0.5 and b = 0.5.

    >>> bool(shower_containment(10.0, 40.0, 0.0083) > 0.99999)
    True
    >>> f = shower_containment(10.0, [2.0, 8.0, 20.0], 0.0083)
    >>> bool(f[0] < f[1] < f[2] < 1.0)
    True
    """
    E, t = np.broadcast_arrays(np.asarray(E_GeV, dtype=np.float64), np.asarray(t_rem_X0, dtype=np.float64))
    out = np.empty(E.shape)
    flat_e, flat_t, flat_o = E.ravel(), t.ravel(), out.reshape(-1)
    for i in range(flat_e.size):
        flat_o[i] = containment(float(flat_e[i]), float(flat_t[i]), Ec_GeV, b)
    return out


def deposits_at(  # noqa: PLR0917
    card: ExperimentCard,
    z: float,
    lep: ArrayLike,
    zv: float = 0.0,
    tx: float = 0.0,
    ty: float = 0.0,
) -> tuple[str, NDArray[np.float64]]:
    """Region name and (ECAL, VETO, HCAL1, HCAL2, HCAL3) deposits [GeV] of one chi2 decay at ``z`` [m].

    ``lep`` = (E+, tx+, ty+, E-, tx-, ty-) of the pair; (zv, tx, ty): chi2 origin depth and slopes.

    >>> from semivis.detector import load_card
    >>> card = load_card("na64-2016-2018")
    >>> deposits_at(card, 3.0, [2.0, 0, 0, 1.0, 0, 0])
    ('hcal2', array([0., 0., 0., 3., 0.]))
    >>> region, dep = deposits_at(card, 0.05, [0.5, 0, 0, 0.5, 0, 0])
    >>> region, bool(dep[0] > 0.9999), bool(dep[1] < 1e-4)
    ('ecal', True, True)
    """
    g = geometry_vector(card)
    dep = np.zeros(N_DEP)
    lep_a = np.asarray(lep, dtype=np.float64)
    code = decay_deposits(float(z), float(zv), float(tx), float(ty), lep_a, g, dep, containment_table(), False)
    return REGION_NAMES[code], dep
