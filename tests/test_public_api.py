"""Each room's public API (``__all__``) is pinned: adding, removing or renaming a public name is a decision.

Change a list here together with the room's ``__all__`` (and say so in the change's notes): a failing test means
a public name appeared or vanished by accident. Every pinned name must exist and every public function and class
must carry a docstring.
"""

from __future__ import annotations

import importlib
import inspect

import pytest

PUBLIC_API: dict[str, list[str]] = {
    "semivis": [
        "__version__",
    ],
    "semivis.models": [
        "CHANNELS",
        "CHI2_CHANNELS",
        "DARK_CHANNELS",
        "DarkSectorModel",
        "Gamma_chi2_point",
        "I2DM",
        "IDM",
        "INELASTIC_KINDS",
        "InelasticKind",
        "InvisibleDarkPhoton",
        "MODEL_CHANNELS",
        "MODEL_KINDS",
        "ModelKind",
        "VISIBLE_CHANNELS",
        "chi1_chi2_open",
        "chi2_decay_msq",
        "ctau_chi2_m_point",
        "dGamma_chi2_ds1_ds2",
        "inelastic_kind",
        "make_model",
        "sample_chi2_decay",
    ],
    "semivis.production": [
        "ApSample",
        "ETL_CALIBRATION",
        "G2_elastic",
        "G2_inelastic",
        "Material",
        "PROCESS_NAMES",
        "ShowerTallies",
        "TargetSpec",
        "annihilation_resonant_energy",
        "annihilation_sigma_bw",
        "annihilation_sigma_integral",
        "chi_flux",
        "dark_brem_dsigma_dx",
        "dark_brem_dsigma_dx_dcostheta",
        "dark_brem_sigma",
        "etl_correction",
        "load_material",
        "load_materials",
        "simulate_ap_production",
        "simulate_shower",
    ],
    "semivis.detector": [
        "CARD_SCHEMA",
        "ExperimentCard",
        "Module",
        "REGION_NAMES",
        "SelectionOverride",
        "deposits_at",
        "geometry_vector",
        "list_cards",
        "load_card",
        "shower_containment",
    ],
    "semivis.signal": [
        "CHANNELS_BY_KIND",
        "EventSample",
        "ResponseTable",
        "SELECTIONS",
        "SELECTION_FLAGS",
        "Selection",
        "SelectionBin",
        "SignalResult",
        "bin_for_card",
        "bin_names",
        "bin_signals",
        "build_event_sample",
        "decay_fractions",
        "expected_signal",
        "get_selection",
        "response_table",
        "sample_content_key",
        "selection_for_card",
        "signal_result",
        "simulate_fixed_coupling",
    ],
    "semivis.stats": [
        "MultibinLimitTable",
        "PRIORS",
        "background_prior",
        "cls",
        "cls_multibin",
        "multibin_table",
        "upper_limit",
        "upper_limit_multibin",
    ],
    "semivis.scan": [
        "EXECUTORS",
        "Evaluator",
        "SampleCache",
        "ScanSpec",
        "SignalEvaluator",
        "cache_key",
        "compute_column",
        "contours",
        "default_cache_dir",
        "exclusion",
        "exclusion_rings",
        "load_result",
        "mass_seed",
        "projection_lines",
        "provenance",
        "run_scan",
        "write_result",
    ],
    "semivis.cosmo": [
        "DarkSectorPoint",
        "RELIC_ALPHA_D_MIN",
        "RELIC_MODELS",
        "RELIC_M_CHI1_MIN",
        "RELIC_OMEGA_RTOL",
        "RELIC_RATIO_MIN",
        "RELIC_THETA_MIN",
        "RelicResult",
        "RelicTarget",
        "omega_h2",
        "relic_line",
        "relic_omega_h2",
        "relic_target",
        "solve_griest_seckel",
        "solve_relic",
    ],
    "semivis.constraints": [
        "AE_INPUTS",
        "CMB_P_ANN_LIMIT",
        "CONSTRAINTS",
        "Constraint",
        "CouplingRule",
        "G2Band",
        "G2_BANDS",
        "RULE_FORMS",
        "RULE_PARAMETERS",
        "babar_invisible_limit",
        "babar_semivisible_excluded_eps",
        "cmb_eps_max",
        "delta_a_e",
        "delta_a_lepton",
        "delta_a_mu",
        "eps_electron_g2_max",
        "g2_band",
        "g2_eps",
        "p_invisible",
        "parse_rule",
    ],
    "semivis.figures": [
        "Axis",
        "FIGURES",
        "FigureData",
        "FigureRecipe",
        "NA64Curve",
        "Overlay",
        "RESOLUTIONS",
        "Resolution",
        "build_figure_data",
        "check_output",
        "compute_summary",
        "draw_figure",
        "figure_names",
        "figure_targets",
        "get_recipe",
        "list_figures",
        "load_figure_data",
        "make_all",
        "make_figure",
        "resolve_resolution",
        "save_figure",
    ],
    "semivis.planes": [
        "FIXED_DEFAULTS",
        "MODELS",
        "MassPoint",
        "OPTION",
        "PLANES",
        "Plane",
        "eps_from_y",
        "log_grid",
        "resolve_fixed",
        "tan_theta_from_theta",
        "theta_from_tan_theta",
        "y_from_eps",
    ],
    "semivis.testing": [
        "ANNIHILATION_WINDOW_GEV",
        "FlatNormalisation",
        "InvisibleLimit",
        "ToyEvaluator",
        "ToySample",
        "flat_normalisation",
        "invisible_eps_limit",
        "invisible_limit",
        "invisible_yield_per_eot",
        "reference_eps",
        "synthetic_ap_sample",
    ],
}


@pytest.mark.parametrize("room", sorted(PUBLIC_API))
def test_public_names_are_pinned(room: str) -> None:
    module = importlib.import_module(room)
    exported = list(module.__all__)
    assert len(exported) == len(set(exported)), f"{room}.__all__ has duplicates"
    assert sorted(exported) == PUBLIC_API[room], f"{room}.__all__ changed: update PUBLIC_API deliberately"


@pytest.mark.parametrize("room", sorted(PUBLIC_API))
def test_public_names_exist_and_are_documented(room: str) -> None:
    module = importlib.import_module(room)
    assert module.__doc__, f"{room} has no module docstring"
    for name in module.__all__:
        obj = getattr(module, name)  # AttributeError: a pinned name that is not there
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), f"{room}.{name} has no docstring"
