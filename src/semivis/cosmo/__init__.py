"""Cosmology: relic density of iDM / i2DM by freeze-out and the thermal targets in every plane.

>>> from semivis.cosmo import relic_target
>>> callable(relic_target)
True
"""

from semivis.cosmo.boltzmann import DarkSectorPoint, RelicResult, omega_h2, solve_griest_seckel, solve_relic
from semivis.cosmo.target import (
    RELIC_PLANES,
    RelicTarget,
    relic_alphaD_vs_mAp,
    relic_delta_vs_mchi1,
    relic_eps_vs_mAp,
    relic_omega_h2,
    relic_tantheta_vs_mchi1,
    relic_target,
    relic_y_vs_mchi1,
    relic_y_vs_ratio,
)

__all__ = [
    "RELIC_PLANES",
    "DarkSectorPoint",
    "RelicResult",
    "RelicTarget",
    "omega_h2",
    "relic_alphaD_vs_mAp",
    "relic_delta_vs_mchi1",
    "relic_eps_vs_mAp",
    "relic_omega_h2",
    "relic_tantheta_vs_mchi1",
    "relic_target",
    "relic_y_vs_mchi1",
    "relic_y_vs_ratio",
    "solve_griest_seckel",
    "solve_relic",
]
