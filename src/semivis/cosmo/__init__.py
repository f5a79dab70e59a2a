"""Cosmology: relic density of iDM / i2DM by freeze-out and the thermal targets in every plane.

>>> from semivis.cosmo import relic_line, relic_target
>>> callable(relic_line) and callable(relic_target)
True
"""

from semivis.cosmo.boltzmann import DarkSectorPoint, RelicResult, omega_h2, solve_griest_seckel, solve_relic
from semivis.cosmo.target import (
    RELIC_ALPHA_D_MIN,
    RELIC_M_CHI1_MIN,
    RELIC_MODELS,
    RELIC_OMEGA_RTOL,
    RELIC_RATIO_MIN,
    RELIC_THETA_MIN,
    RelicTarget,
    relic_line,
    relic_omega_h2,
    relic_target,
)

__all__ = [
    "RELIC_ALPHA_D_MIN",
    "RELIC_MODELS",
    "RELIC_M_CHI1_MIN",
    "RELIC_OMEGA_RTOL",
    "RELIC_RATIO_MIN",
    "RELIC_THETA_MIN",
    "DarkSectorPoint",
    "RelicResult",
    "RelicTarget",
    "omega_h2",
    "relic_line",
    "relic_omega_h2",
    "relic_target",
    "solve_griest_seckel",
    "solve_relic",
]
