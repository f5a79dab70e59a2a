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

from semivis import constants
from semivis.detector.cards import ExperimentCard
from semivis.detector.kernels import (
    CONTAINMENT_TABLE_TOL,
    G_B,
    G_CUT_H1,
    G_CUT_LAT,
    G_CUT_LONG,
    G_EC,
    G_ECAL_MAX,
    G_H1_CELL_THR,
    G_H1_CENTRE_HALF,
    G_HCAL_THR,
    G_LAT_HALF,
    G_LAT_R,
    G_LEN,
    G_MIP,
    G_MODULE_STRIDE,
    G_MODULES,
    G_PS_Z_END,
    G_S1_MIN,
    G_VETO_CHARGED,
    G_VETO_THR,
    G_X0,
    N_DEP,
    N_OBS,
    REGION_NAMES,
    TAB_H,
    TAB_NA,
    TAB_NS,
    containment,
    decay_deposits,
    na64_cuts_pass,
)

__all__ = [
    "CONTAINMENT_TABLE_TOL",
    "E_S_GEV",
    "N_DEP",
    "REGION_NAMES",
    "SHOWER_B",
    "containment_table",
    "cuts_at",
    "deposits_at",
    "geometry_vector",
    "moliere_radius_m",
    "preshower_end_m",
    "shower_containment",
]

#: shower-profile slope parameter b (PDG RPP 2022 Sect. 34.5: "b ~ 0.5")
SHOWER_B = 0.5
#: scale energy E_s = m_e sqrt(4 pi / alpha) = 21.2 MeV of the Moliere radius (PDG RPP 2022 Sect. 34.5, Eq. 34.37)
E_S_GEV = constants.m_e * float(np.sqrt(4.0 * np.pi / constants.alpha))


def moliere_radius_m(card: ExperimentCard) -> float:
    """Moliere radius of the card's ECAL, R_M = X0 E_s / E_c (PDG RPP 2022 Sect. 34.5, Eq. 34.37), from the
    sandwich's radiation length and critical energy.

    >>> from semivis.detector import load_card
    >>> round(moliere_radius_m(load_card("na64-2016-2018")) * 1e3, 1)  # mm
    28.4
    """
    return card.radiation_length_m * E_S_GEV / card.critical_energy_GeV


def preshower_end_m(card: ExperimentCard) -> float:
    """z of the pre-shower's back face: the first ``target.preshower_layers`` ECAL layers (EPJC2023 Sect. 3.1: 16);
    the ECAL front face when the card has no pre-shower.

    >>> from semivis.detector import load_card
    >>> round(preshower_end_m(load_card("na64-2016-2018")), 4)
    0.048
    """
    t = card.target_config
    pitch = float(t["absorber_thickness_m"]) + float(t["active_thickness_m"])
    return card.ecal.z_start_m + pitch * int(t.get("preshower_layers", 0))


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
    cuts = card.cuts
    if not cuts.veto:  # no VETO requirement: no deposit reaches an infinite threshold
        g[G_VETO_THR] = np.inf
    g[G_PS_Z_END] = preshower_end_m(card)
    g[G_CUT_LONG] = cuts.longitudinal_n_sigma
    g[G_CUT_LAT] = cuts.lateral_max_outside_fraction
    g[G_LAT_HALF] = 1.5 * cuts.lateral_cell_size_m
    g[G_LAT_R] = moliere_radius_m(card) / 3.0
    g[G_CUT_H1] = 1.0 if cuts.hcal1_periphery else 0.0
    g[G_H1_CENTRE_HALF] = card.hcal1.half_size_m / 3.0
    g[G_H1_CELL_THR] = cuts.hcal1_cell_threshold_GeV
    g[G_VETO_CHARGED] = 1.0 if cuts.veto_charged_flux else 0.0
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


def cuts_at(  # noqa: PLR0917
    card: ExperimentCard,
    z: float,
    lep: ArrayLike,
    e_base_GeV: float,
    zv: float = 0.0,
    tx: float = 0.0,
    ty: float = 0.0,
) -> dict[str, bool]:
    """Which of the card's enabled ``[cuts]`` one chi2 decay at ``z`` [m] passes, each alone (and ``all``).

    ``lep`` = (E+, tx+, ty+, E-, tx-, ty-) of the pair, ``e_base_GeV`` the recoil shower's ECAL energy, (zv, tx,
    ty) the chi2 origin and slopes; a cut the card switches off passes. The same kernels as the reweighting
    (:func:`semivis.detector.kernels.na64_cuts_pass`).

    >>> from semivis.detector import load_card
    >>> card = load_card("na64-2016-2018")
    >>> cuts_at(card, 0.05, [2.0, 0, 0, 1.0, 0, 0], 30.0)["all"]  # a soft pair 36 X0 before the ECAL end
    True
    >>> cuts_at(card, 0.2, [20.0, 0, 0, 15.0, 0, 0], 0.5)  # a hard pair 16 cm deep, soft recoil: leaks, late start
    {'veto': False, 'longitudinal': False, 'lateral': True, 'hcal1_periphery': True, 'all': False}
    """
    lep_a = np.asarray(lep, dtype=np.float64)
    out: dict[str, bool] = {}
    enabled = card.cuts.enabled()
    for name in enabled:
        if name == "veto_charged_flux":  # the VETO's response, evaluated with ``veto``
            continue
        keep = {name, "veto_charged_flux"} if name == "veto" else {name}
        only = card.with_cuts(**{n: n in keep and enabled[n] for n in enabled})
        g = geometry_vector(only)
        dep = np.zeros(N_OBS)
        decay_deposits(float(z), float(zv), float(tx), float(ty), lep_a, g, dep, containment_table(), False)
        out[name] = bool(dep[1] < g[G_VETO_THR]) if name == "veto" else bool(na64_cuts_pass(float(e_base_GeV), dep, g))
    out["all"] = all(out.values())
    return out
