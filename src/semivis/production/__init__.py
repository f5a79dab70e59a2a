"""semivis.production: A' production in the active target (dark bremsstrahlung, resonant annihilation).

Knows the target's materials only (docs/dev/contracts.md). Units: GeV, metres, radians; cross sections per atom
in GeV^-2 at eps = 1.
"""

from typing import TYPE_CHECKING

from semivis._lazy import attach

if TYPE_CHECKING:
    from semivis.production.annihilation import (
        annihilation_resonant_energy,
        annihilation_sigma_bw,
        annihilation_sigma_integral,
    )
    from semivis.production.cascade import (
        PROCESS_NAMES,
        ApSample,
        ShowerTallies,
        simulate_ap_production,
        simulate_shower,
    )
    from semivis.production.darkbrem import (
        ETL_CALIBRATION,
        chi_flux,
        dark_brem_dsigma_dx,
        dark_brem_dsigma_dx_dcostheta,
        dark_brem_sigma,
        etl_correction,
    )
    from semivis.production.formfactors import G2_elastic, G2_inelastic
    from semivis.production.materials import Material, TargetSpec, load_material, load_materials

__all__ = [
    "ETL_CALIBRATION",
    "PROCESS_NAMES",
    "ApSample",
    "G2_elastic",
    "G2_inelastic",
    "Material",
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
]

# names imported on first use (semivis._lazy, SPEC 1): importing one submodule does not import the others
attach(
    __name__,
    {
        "annihilation_resonant_energy": "semivis.production.annihilation",
        "annihilation_sigma_bw": "semivis.production.annihilation",
        "annihilation_sigma_integral": "semivis.production.annihilation",
        "PROCESS_NAMES": "semivis.production.cascade",
        "ApSample": "semivis.production.cascade",
        "ShowerTallies": "semivis.production.cascade",
        "simulate_ap_production": "semivis.production.cascade",
        "simulate_shower": "semivis.production.cascade",
        "ETL_CALIBRATION": "semivis.production.darkbrem",
        "chi_flux": "semivis.production.darkbrem",
        "dark_brem_dsigma_dx": "semivis.production.darkbrem",
        "dark_brem_dsigma_dx_dcostheta": "semivis.production.darkbrem",
        "dark_brem_sigma": "semivis.production.darkbrem",
        "etl_correction": "semivis.production.darkbrem",
        "G2_elastic": "semivis.production.formfactors",
        "G2_inelastic": "semivis.production.formfactors",
        "Material": "semivis.production.materials",
        "TargetSpec": "semivis.production.materials",
        "load_material": "semivis.production.materials",
        "load_materials": "semivis.production.materials",
    },
)
