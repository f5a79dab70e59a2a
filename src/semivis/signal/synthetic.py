"""A synthetic, unit-weight A' sample with production's ``ApSample`` fields, for fast tests and examples.

Not physics-accurate production: a hard A' energy spectrum on [E_min, E_beam] (E = E_min + (E_beam - E_min) u,
u ~ Beta(3, 1), peaked towards the beam energy like dark bremsstrahlung, physics.md Sect. 3), polar angle
|N(0, m_A'/E)| (the typical A' emission angle), vertex depth exponential with mean 1 cm, equal weights.

>>> ap = synthetic_ap_sample(0.3, 1000, seed=1)
>>> bool(ap.E.min() >= 50.0), bool(abs(ap.weight.sum() - 1e-6) < 1e-15)
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["SyntheticApSample", "synthetic_ap_sample"]


@dataclass(frozen=True)
class SyntheticApSample:
    """Same fields as ``semivis.production.ApSample`` (E, theta, phi, z, weight, process, m_Ap, meta)."""

    E: NDArray[np.float64]
    theta: NDArray[np.float64]
    phi: NDArray[np.float64]
    z: NDArray[np.float64]
    weight: NDArray[np.float64]
    process: NDArray[np.int8]
    m_Ap: float
    meta: dict[str, Any] = field(default_factory=dict)


def synthetic_ap_sample(  # noqa: PLR0917
    m_Ap: float,
    n: int,
    seed: int = 0,
    beam_energy_GeV: float = 100.0,
    E_min_GeV: float = 50.0,
    weight: float = 1e-9,
) -> SyntheticApSample:
    """``n`` synthetic A' with unit weights ``weight`` (see the module docstring); processes drawn uniformly."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    E = E_min_GeV + (beam_energy_GeV - E_min_GeV) * rng.beta(3.0, 1.0, n)
    theta = np.abs(rng.normal(0.0, m_Ap / E))
    return SyntheticApSample(
        E=E,
        theta=theta,
        phi=rng.uniform(0.0, 2.0 * np.pi, n),
        z=np.clip(rng.exponential(0.01, n), 0.0, 0.4),
        weight=np.full(n, float(weight)),
        process=rng.integers(0, 3, n).astype(np.int8),
        m_Ap=float(m_Ap),
        meta={"synthetic": True, "seed": seed},
    )
