"""Beam-dump cards: one TOML file per set-up, validated by ``data/schemas/dump.v1.json``.

A card holds the beam, the dump (a :mod:`semivis.production` material), the shield and decay-volume lengths, the
detector face and energy threshold, the signal definition (visible final states, observed events, CL and the
published upper limit on signal events) and the production settings of the cascade Monte Carlo. Every block has
a ``source`` naming the paper its numbers come from. Bad cards raise :class:`~semivis.errors.CardError` naming
the card and the key.

>>> card = load_dump("e137")
>>> card.energy_GeV, card.shield_m, card.decay_m, card.s_up
(20.0, 179.0, 204.0, 3.0)
>>> load_dump("no-such-dump")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
semivis.errors.CardError: no-such-dump: key '<name>': no such beam-dump card; shipped: e137, e141, orsay
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
    material: Material
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
    recast: str = ""

    @property
    def target(self) -> TargetSpec:
        """The dump as a homogeneous production target."""
        return TargetSpec.homogeneous(self.material, self.dump_thickness_m, name=f"{self.name} dump")

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
            "material": self.material.name,
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
        recast=str(data.get("recast", "")),
    )
