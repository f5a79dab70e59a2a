"""Constraints: (g-2) of muon and electron, coupling rules (``eps = g2:BAND:EDGE``), and a registry of other
cited bounds (LEP, BaBar recast, CMB, ...) drawn in a :class:`semivis.planes.Plane`.

>>> from semivis.constraints import g2_band, G2_BANDS, CONSTRAINTS
>>> sorted(G2_BANDS)
['bnl2006', 'fnal2021', 'wp2025']
"""

from semivis.constraints.babar import (
    BabarDetector,
    babar_invisible_limit,
    babar_semivisible_excluded_eps,
    load_babar_detector,
    p_chi2_invisible,
    p_invisible,
    sample_babar_events,
)
from semivis.constraints.g2 import (
    AE_INPUTS,
    G2_BANDS,
    G2Band,
    delta_a_e,
    delta_a_lepton,
    delta_a_mu,
    eps_electron_g2_max,
    g2_band,
    g2_eps,
)
from semivis.constraints.registry import CMB_P_ANN_LIMIT, CONSTRAINTS, Constraint, cmb_eps_max
from semivis.constraints.rules import RULE_FORMS, RULE_PARAMETERS, CouplingRule, parse_rule

__all__ = [
    "AE_INPUTS",
    "CMB_P_ANN_LIMIT",
    "CONSTRAINTS",
    "G2_BANDS",
    "RULE_FORMS",
    "RULE_PARAMETERS",
    "BabarDetector",
    "Constraint",
    "CouplingRule",
    "G2Band",
    "babar_invisible_limit",
    "babar_semivisible_excluded_eps",
    "cmb_eps_max",
    "delta_a_e",
    "delta_a_lepton",
    "delta_a_mu",
    "eps_electron_g2_max",
    "g2_band",
    "g2_eps",
    "load_babar_detector",
    "p_chi2_invisible",
    "p_invisible",
    "parse_rule",
    "sample_babar_events",
]
