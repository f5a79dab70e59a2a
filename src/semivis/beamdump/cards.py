"""Beam-dump cards: one TOML file per set-up, validated by ``data/schemas/dump.v1.json``.

A card holds the beam, the dump (a :mod:`semivis.production` material), the shield and decay-volume lengths, the
detector face and energy threshold, the signal definition (visible final states, observed events, CL and the
published upper limit on signal events) and the production settings of the cascade Monte Carlo. Every block has
a ``source`` naming the paper its numbers come from. Bad cards raise :class:`~semivis.errors.CardError` naming
the card and the key. A proton dump (``beam.particle = "p"``: CHARM, NuCal) gives the dump's mass number,
density and nuclear interaction length instead of a production material, and the processes ``pi0``, ``eta``,
``pbrem`` (:mod:`semivis.beamdump.proton`); its detector face may be a circle and sit off the beam axis.

>>> card = load_dump("e137")
>>> card.energy_GeV, card.shield_m, card.decay_m, card.s_up
(20.0, 179.0, 204.0, 3.0)
>>> load_dump("no-such-dump")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
semivis.errors.CardError: no-such-dump: key '<name>': no such beam-dump card; shipped: charm, e137, e141, nucal, orsay
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomllib

from semivis._validation import validate_card_data
from semivis.data import data_path, load_schema
from semivis.errors import CardError, ParameterError
from semivis.production import Material, TargetSpec, load_material
from semivis.stats import upper_limit

__all__ = ["DUMPS_PACKAGE_DIR", "DumpCard", "list_dumps", "load_dump"]

#: Folder of the shipped beam-dump cards.
DUMPS_PACKAGE_DIR = data_path("dumps")


@dataclass(frozen=True)
class DumpCard:
    """A validated beam-dump set-up (lengths in m from the dump front, energies in GeV)."""

    name: str
    title: str
    reference: str
    source: str
    energy_GeV: float
    n_on_target: float
    material: Material | None
    dump_thickness_m: float
    shield_m: float
    decay_m: float
    detector_half_width_m: float
    energy_threshold_GeV: float
    efficiency: float
    final_states: tuple[str, ...]
    n_observed: int
    n_background: float
    cl: float
    s_up: float
    processes: tuple[str, ...]
    n_primaries: int
    seed: int
    n_decay_slices: int
    reference_curve: str = ""
    #: highest m_A' [GeV] of ``reference_curve`` (None: not given): the validated mass range
    reference_m_ap_max_GeV: float | None = None
    recast: str = ""
    #: proton dumps (beam.particle = "p"): the dump's name, mass number A, density [g/cm^3] and nuclear
    #: interaction length [g/cm^2] (``material`` is None: the electron cascade's materials are not needed)
    particle: str = "e-"
    material_name: str = ""
    target_A: float = 0.0
    density_g_cm3: float = 0.0
    interaction_length_g_cm2: float = 0.0
    #: detector face: ``square`` (half side ``detector_half_width_m``) or ``circle`` (radius), its centre displaced
    #: by ``detector_offset_m`` along x from the beam axis
    detector_shape: str = "square"
    detector_offset_m: float = 0.0

    @property
    def target(self) -> TargetSpec:
        """The dump as a homogeneous production target (electron dumps)."""
        if self.material is None:
            raise ParameterError("card", self.name, "an electron-dump card (a proton dump has no cascade target)")
        return TargetSpec.homogeneous(self.material, self.dump_thickness_m, name=f"{self.name} dump")

    @property
    def lambda_int_m(self) -> float:
        """Nuclear interaction length of a proton dump [m]: lambda_I [g/cm^2] / rho / 100."""
        return self.interaction_length_g_cm2 / self.density_g_cm3 / 100.0

    def on_face(self, x: Any, y: Any) -> Any:
        """Whether points (x, y) [m] at the detector plane hit its face (square or circle, offset along x)."""
        a = self.detector_half_width_m
        dx = x - self.detector_offset_m
        if self.detector_shape == "circle":
            return dx * dx + y * y < a * a
        return (abs(dx) < a) & (abs(y) < a)

    @property
    def detector_z_m(self) -> float:
        """Distance of the detector face from the dump front: shield + decay volume."""
        return self.shield_m + self.decay_m

    def key(self) -> dict[str, Any]:
        """Every number that changes a computed limit (content of the cache key)."""
        return {
            "name": self.name,
            "E0": self.energy_GeV,
            "n": self.n_on_target,
            "material": self.material.name if self.material is not None else self.material_name,
            "thick": self.dump_thickness_m,
            "shield": self.shield_m,
            "decay": self.decay_m,
            "half": self.detector_half_width_m,
            "thr": self.energy_threshold_GeV,
            "eff": self.efficiency,
            "states": list(self.final_states),
            "s_up": self.s_up,
            "processes": list(self.processes),
            "n_primaries": self.n_primaries,
            "seed": self.seed,
            "slices": self.n_decay_slices,
            **(
                {}
                if self.particle == "e-" and self.detector_shape == "square" and self.detector_offset_m == 0.0
                else {
                    "particle": self.particle,
                    "A": self.target_A,
                    "rho": self.density_g_cm3,
                    "lambda_I": self.interaction_length_g_cm2,
                    "shape": self.detector_shape,
                    "offset": self.detector_offset_m,
                }
            ),
        }


def list_dumps() -> list[str]:
    """Names of the shipped beam-dump cards."""
    return sorted(p.stem for p in DUMPS_PACKAGE_DIR.glob("*.toml"))


def load_dump(name_or_path: str | Path) -> DumpCard:
    """Load and validate a beam-dump card: a shipped card's name (:func:`list_dumps`) or a ``.toml`` path."""
    p = Path(name_or_path)
    if p.suffix == ".toml":
        path = p
        if not path.is_file():
            raise CardError(str(path), "<file>", "no such file")
    else:
        path = DUMPS_PACKAGE_DIR / f"{name_or_path}.toml"
        if not path.is_file():
            raise CardError(str(name_or_path), "<name>", "no such beam-dump card; shipped: " + ", ".join(list_dumps()))
    source = path.name if path.parent == DUMPS_PACKAGE_DIR else str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise CardError(source, "<file>", "not a UTF-8 text file") from exc
    except OSError as exc:
        raise CardError(source, "<file>", f"cannot read: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CardError(source, "<toml>", f"TOML syntax error: {exc}") from exc
    validate_card_data(data, load_schema("dump.v1.json"), source)
    return _build(data, source)


def _build(data: dict[str, Any], source: str) -> DumpCard:
    beam, dump, geo, det, sig, prod = (
        data[k] for k in ("beam", "dump", "geometry", "detector", "signal", "production")
    )
    particle = str(beam["particle"])
    material: Material | None = None
    proton_keys = ("A", "density_g_cm3", "interaction_length_g_cm2")
    allowed = {"e-": ("brem", "annihilation"), "p": ("pi0", "eta", "pbrem")}[particle]
    bad = [p for p in prod["processes"] if p not in allowed]
    if bad:
        raise CardError(
            source, "production.processes", f"{bad[0]!r} is not a {particle} beam process (allowed: {allowed})"
        )
    if particle == "p":
        for k in proton_keys:
            if k not in dump:
                raise CardError(source, f"dump.{k}", "required for a proton beam (beam.particle = 'p')")
    else:
        for k in proton_keys:
            if k in dump:
                raise CardError(source, f"dump.{k}", "only for a proton beam (beam.particle = 'p')")
        try:
            material = load_material(str(dump["material"]))
        except ParameterError as exc:
            raise CardError(source, "dump.material", f"unknown material {dump['material']!r} ({exc.allowed})") from exc
        if not material.dark_brem:
            raise CardError(source, "dump.material", f"{material.name!r} has no dark-bremsstrahlung emitter")
    if float(dump["thickness_m"]) > float(geo["shield_m"]) + 1e-12:
        raise CardError(
            source, "geometry.shield_m", "the decay volume must start behind the dump (shield_m >= thickness_m)"
        )
    E0 = float(beam["energy_GeV"])
    if float(det["energy_threshold_GeV"]) >= E0:
        raise CardError(source, "detector.energy_threshold_GeV", "must be below the beam energy")
    b = float(sig.get("n_background", 0.0))
    s_up = float(sig["s_up"]) if "s_up" in sig else upper_limit(int(sig["n_observed"]), b, cl=float(sig["cl"]))
    return DumpCard(
        name=str(data["name"]),
        title=str(data["title"]),
        reference=str(data["reference"]),
        source=source,
        energy_GeV=E0,
        n_on_target=float(beam["n_on_target"]),
        material=material,
        dump_thickness_m=float(dump["thickness_m"]),
        shield_m=float(geo["shield_m"]),
        decay_m=float(geo["decay_m"]),
        detector_half_width_m=float(geo["detector_half_width_m"]),
        energy_threshold_GeV=float(det["energy_threshold_GeV"]),
        efficiency=float(det.get("efficiency", 1.0)),
        final_states=tuple(str(s) for s in sig["final_states"]),
        n_observed=int(sig["n_observed"]),
        n_background=b,
        cl=float(sig["cl"]),
        s_up=s_up,
        processes=tuple(str(p) for p in prod["processes"]),
        n_primaries=int(prod["n_primaries"]),
        seed=int(prod["seed"]),
        n_decay_slices=int(prod.get("n_decay_slices", 12)),
        reference_curve=str(data.get("reference_curve", "")),
        reference_m_ap_max_GeV=(
            float(data["reference_m_ap_max_GeV"]) if data.get("reference_m_ap_max_GeV") is not None else None
        ),
        recast=str(data.get("recast", "")),
        particle=particle,
        material_name=str(dump["material"]),
        target_A=float(dump.get("A", 0.0)),
        density_g_cm3=float(dump.get("density_g_cm3", 0.0)),
        interaction_length_g_cm2=float(dump.get("interaction_length_g_cm2", 0.0)),
        detector_shape=str(geo.get("detector_shape", "square")),
        detector_offset_m=float(geo.get("detector_offset_m", 0.0)),
    )
