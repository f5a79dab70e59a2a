"""Materials and targets of the A' production Monte Carlo.

Materials are data (``semivis/data/materials.toml``, PDG "Atomic and nuclear properties of materials"),
not code. A :class:`TargetSpec` is a stack of (material, thickness) layers repeated ``n_repeat`` times, e.g.
the NA64 Shashlik ECAL = 150 x (1.5 mm Pb + 1.5 mm scintillator).

The cascade Monte Carlo treats the sandwich as a homogenised medium (documented in
``docs/physics/production.md``): lengths per unit depth are thickness-weighted, 1/X0_mix = sum_i f_i/X0_i
(PDG Passage of particles through matter, Eq. 34.28 for mixtures by thickness fraction f_i), number densities
n_i f_i. The layer period (3 mm) is far below X0_mix (~1.1 cm) and below every decay length of interest.

>>> pb = load_material("lead")
>>> round(pb.X0_m * 100, 3)
0.561
>>> ecal = TargetSpec.sandwich(pb, 1.5e-3, load_material("scintillator"), 1.5e-3, 150, name="ecal")
>>> round(ecal.length_m, 3), round(ecal.n_X0, 1)
(0.45, 40.6)
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import tomllib

from semivis.constants import N_avogadro
from semivis.data import data_path
from semivis.errors import ParameterError

__all__ = ["Material", "TargetSpec", "load_material", "load_materials"]


@dataclass(frozen=True)
class Material:
    """A homogeneous material (PDG properties).

    Attributes: ``Z``, ``A`` [g/mol], ``density`` [g/cm^3], ``X0_g_cm2`` [g/cm^2], ``Z_over_A``,
    ``critical_energy_MeV``, ``dEdx_min_MeV_cm2_g``, ``I_eV``, ``dark_brem`` (whether A' bremsstrahlung on
    its nuclei is computed).
    """

    name: str
    Z: float
    A: float
    density: float
    X0_g_cm2: float
    Z_over_A: float
    critical_energy_MeV: float
    dEdx_min_MeV_cm2_g: float
    I_eV: float
    dark_brem: bool
    X0_source: str = ""
    composition: str = ""

    @property
    def X0_m(self) -> float:
        """Radiation length in metres: X0[g/cm^2]/rho/100."""
        return self.X0_g_cm2 / self.density / 100.0

    @property
    def n_nuclei_m3(self) -> float:
        """Number density of atoms, rho N_A / A, in 1/m^3."""
        return self.density * N_avogadro / self.A * 1e6

    @property
    def n_electrons_m3(self) -> float:
        """Electron density rho N_A Z/A in 1/m^3."""
        return self.density * N_avogadro * self.Z_over_A * 1e6

    @property
    def critical_energy_GeV(self) -> float:
        """Critical energy in GeV (PDG, electrons)."""
        return self.critical_energy_MeV * 1e-3

    @property
    def ionisation_GeV_per_m(self) -> float:
        """Minimum-ionisation energy loss dE/dx_min in GeV/m (used as the constant loss of Rossi's approx. B)."""
        return self.dEdx_min_MeV_cm2_g * self.density * 1e-3 * 100.0


_FIELDS = {
    "name",
    "Z",
    "A",
    "density",
    "X0_g_cm2",
    "Z_over_A",
    "critical_energy_MeV",
    "dEdx_min_MeV_cm2_g",
    "I_eV",
    "dark_brem",
    "X0_source",
    "composition",
}


@functools.cache
def _materials_toml() -> dict[str, Any]:
    with data_path("materials.toml").open("rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    return data


def load_material(name: str) -> Material:
    """Material ``name`` from ``semivis/data/materials.toml`` (case-insensitive; aliases resolved).

    >>> load_material("Lead").Z
    82.0
    """
    table = _materials_toml()
    key = str(name).lower()
    entry = table.get(key)
    if isinstance(entry, dict) and "alias_of" in entry:
        key = str(entry["alias_of"])
        entry = table.get(key)
    if not isinstance(entry, dict) or key == "calibration":
        allowed = ", ".join(sorted(k for k in table if k != "calibration"))
        raise ParameterError("material", name, f"one of {allowed}")
    kw = {k: v for k, v in entry.items() if k in _FIELDS}
    for k in ("Z", "A", "density", "X0_g_cm2", "Z_over_A", "critical_energy_MeV", "dEdx_min_MeV_cm2_g", "I_eV"):
        kw[k] = float(kw[k])
    kw["dark_brem"] = bool(kw["dark_brem"])
    return Material(**kw)


def load_materials() -> dict[str, Material]:
    """All materials in ``materials.toml`` by name (aliases included).

    >>> sorted(load_materials())
    ['aluminium', 'iron', 'lead', 'polystyrene', 'scintillator', 'tungsten']
    """
    return {k: load_material(k) for k in _materials_toml() if k != "calibration"}


@dataclass(frozen=True)
class TargetSpec:
    """A layered target: ``layers`` (tuple of (Material, thickness_m)) repeated ``n_repeat`` times."""

    name: str
    layers: tuple[tuple[Material, float], ...]
    n_repeat: int = 1
    meta: dict[str, Any] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if len(self.layers) == 0:
            raise ParameterError("layers", self.layers, "at least one (Material, thickness_m) layer")
        for mat, thick in self.layers:
            if not isinstance(mat, Material):
                raise ParameterError("layers", mat, "Material instances")
            if not (float(thick) > 0.0 and float(thick) < 1e3):
                raise ParameterError("thickness_m", thick, "0 < thickness_m < 1000")
        if int(self.n_repeat) < 1:
            raise ParameterError("n_repeat", self.n_repeat, "n_repeat >= 1")

    @classmethod
    def homogeneous(cls, material: Material, thickness_m: float, name: str | None = None) -> TargetSpec:
        """A single block of ``material``."""
        return cls(name or material.name, ((material, float(thickness_m)),), 1)

    @classmethod
    def sandwich(  # noqa: PLR0917
        cls,
        absorber: Material,
        absorber_m: float,
        active: Material,
        active_m: float,
        n_layers: int,
        name: str = "sandwich",
    ) -> TargetSpec:
        """``n_layers`` x (absorber + active) pairs."""
        return cls(name, ((absorber, float(absorber_m)), (active, float(active_m))), int(n_layers))

    @property
    def period_m(self) -> float:
        """Thickness of one repeat unit in metres."""
        return float(sum(t for _, t in self.layers))

    @property
    def length_m(self) -> float:
        """Total thickness in metres."""
        return self.period_m * self.n_repeat

    @property
    def X0_m(self) -> float:
        """Homogenised radiation length: 1/X0 = sum_i f_i/X0_i (PDG Eq. 34.28, thickness fractions)."""
        inv = sum(t / m.X0_m for m, t in self.layers) / self.period_m
        return 1.0 / inv

    @property
    def n_X0(self) -> float:
        """Total thickness in radiation lengths."""
        return self.length_m / self.X0_m

    def fractions(self) -> list[tuple[Material, float]]:
        """(material, thickness fraction) with identical materials merged."""
        out: dict[str, list[Any]] = {}
        for m, t in self.layers:
            out.setdefault(m.name, [m, 0.0])[1] += t / self.period_m
        return [(v[0], float(v[1])) for v in out.values()]

    @property
    def ionisation_GeV_per_m(self) -> float:
        """Thickness-averaged minimum-ionisation loss in GeV/m."""
        return float(sum(m.ionisation_GeV_per_m * f for m, f in self.fractions()))

    @property
    def critical_energy_GeV(self) -> float:
        """Rossi critical energy of the mixture: ionisation loss per homogenised X0 (GeV)."""
        return self.ionisation_GeV_per_m * self.X0_m

    @property
    def n_electrons_m3(self) -> float:
        """Mean electron density in 1/m^3."""
        return float(sum(m.n_electrons_m3 * f for m, f in self.fractions()))

    def emitters(self) -> list[tuple[Material, float]]:
        """(material, mean nuclear density in 1/m^3) of the dark-bremsstrahlung emitters."""
        return [(m, m.n_nuclei_m3 * f) for m, f in self.fractions() if m.dark_brem]
