"""semivis.production: A' production in the active target (dark bremsstrahlung, resonant annihilation).

Knows the target's materials only (docs/dev/contracts.md). Units: GeV, metres, radians; cross sections per atom
in GeV^-2 at eps = 1.
"""

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
