"""Invisible-mode signal yield per EOT and the 90 % CL eps limit (validation of the production room).

N_sig = EOT * eps^2 * eff * Y(m_A'), Y = sum of ApSample weights with E_A' > E_min (the A' -> invisible BR is 1
for the invisible dark photon with m_chi << m_A', alpha_D >> alpha eps^2).  Background-free 90 % CL with zero
observed events: N_sig = 2.3 (physics.md section 5), so eps_90 = sqrt(2.3/(EOT eff Y)).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from semivis._validation import check_range
from semivis.errors import ParameterError
from semivis.production.cascade import ApSample, simulate_ap_production
from semivis.production.materials import TargetSpec, load_material

__all__ = ["NA64_INVISIBLE_EFFICIENCY", "invisible_eps_limit", "invisible_yield_per_eot", "na64_ecal"]

#: One global signal efficiency for the NA64 2016-2018 invisible selection, used for validation only.
#: physics.md section 4 quotes "roughly 0.5 - 0.7, mildly mass dependent" for NA64's published invisible
#: analyses (PRL 123 (2019) 121801); we take the lower end, 0.5, as ONE mass-independent constant (not fitted per
#: mass). The detector/signal room carries the real number in its card.
NA64_INVISIBLE_EFFICIENCY = 0.5

_N_UP_90 = 2.3


def na64_ecal(n_layers: int = 150) -> TargetSpec:
    """The NA64 Shashlik ECAL as used in physics.md section 3: n_layers x (1.5 mm Pb + 1.5 mm scintillator).

    For the production room's own validation only; experiments take their target from their card.

    >>> round(na64_ecal().n_X0, 1)
    40.6
    """
    return TargetSpec.sandwich(
        load_material("lead"), 1.5e-3, load_material("scintillator"), 1.5e-3, int(n_layers), name="na64-ecal"
    )


def invisible_yield_per_eot(sample: ApSample, E_min_GeV: float | None = None) -> float:
    """Expected A' per EOT at eps = 1 with E_A' > E_min (defaults to the sample's E_min)."""
    e_min = float(sample.meta["E_min_GeV"]) if E_min_GeV is None else float(E_min_GeV)
    return float(sample.weight[e_min < sample.E].sum())


def invisible_eps_limit(  # noqa: PLR0917
    m_Ap: NDArray[np.float64] | list[float] | float,
    eot: float = 2.84e11,
    efficiency: float = NA64_INVISIBLE_EFFICIENCY,
    target: TargetSpec | None = None,
    beam_energy_GeV: float = 100.0,
    E_min_GeV: float = 50.0,
    n_primaries: int = 20000,
    seed: int = 0,
    processes: tuple[str, ...] = ("brem",),
    n_up: float = _N_UP_90,
) -> NDArray[np.float64]:
    """90 % CL upper limit on eps (background free, 0 observed: N_sig = 2.3) at each mass.

    >>> lim = invisible_eps_limit([0.01], n_primaries=500)
    >>> bool(1e-5 < float(lim[0]) < 1e-4)
    True
    """
    masses = np.atleast_1d(np.asarray(m_Ap, dtype=np.float64))
    n_eot = float(check_range("eot", eot, 0.0))
    eff = float(check_range("efficiency", efficiency, 0.0, 1.0, high_inclusive=True))
    tgt = na64_ecal() if target is None else target
    out = np.empty_like(masses)
    for i, m in enumerate(masses):
        s = simulate_ap_production(
            tgt, beam_energy_GeV, float(m), n_primaries=n_primaries, seed=seed, E_min_GeV=E_min_GeV,
            processes=processes,
        )  # fmt: skip
        y = invisible_yield_per_eot(s)
        if y <= 0:
            raise ParameterError("m_Ap", float(m), "a mass with non-zero A' yield above E_min")
        out[i] = math.sqrt(n_up / (n_eot * eff * y))
    return out
