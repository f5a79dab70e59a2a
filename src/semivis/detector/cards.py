"""Experiment cards: validated TOML descriptions of an NA64-like missing-energy set-up.

A card holds every number of a set-up (beam, ECAL target, VETO, HCAL1-3, positions along the beam,
thresholds, EOT, signal efficiency, per-selection efficiencies and backgrounds), each with its source in
a comment of the TOML file. A new set-up is a new card, no code. Cards are validated against
:data:`CARD_SCHEMA` (JSON Schema ``semivis/data/schemas/card.v1.json``, unknown keys are errors), for finite
numbers (TOML allows ``nan`` and ``inf``, which would silently remove a detector module or turn a yield into
NaN) and for geometric consistency (modules ordered along the beam, not overlapping); any problem raises
:class:`~semivis.errors.CardError` naming the card file and the offending key path.

>>> from semivis.detector import load_card, list_cards
>>> "na64-2016-2018" in list_cards()
True
>>> card = load_card("na64-2016-2018")
>>> card.eot, card.beam_energy_GeV
(284000000000.0, 100.0)
>>> round(card.ecal.length_m, 3)
0.45
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import itertools
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis._validation import validate_card_data
from semivis.data import load_schema
from semivis.errors import CardError, ParameterError
from semivis.production.materials import Material, TargetSpec, load_material

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "CARD_SCHEMA",
    "CUT_NAMES",
    "EFFICIENCY_NORMALISATIONS",
    "DetectorCuts",
    "EfficiencyNormalisation",
    "ExperimentCard",
    "Module",
    "SelectionOverride",
    "list_cards",
    "load_card",
]

CARDS_PACKAGE_DIR = Path(__file__).resolve().parent.parent / "data" / "cards"

#: JSON Schema of an experiment card (draft 2020-12, every table forbids unknown keys), shipped as the versioned
#: file ``semivis/data/schemas/card.v1.json``; a card's ``schema_version`` selects it.
CARD_SCHEMA: dict[str, Any] = load_schema("card.v1.json")

#: The modes of a card's ``efficiency.normalisation``: ``first-principles`` uses the card's efficiency table as it
#: is (the default of every shipped card); ``na64-invisible-2016-2022`` multiplies it by the card's one global
#: factor ``efficiency.na64-invisible-2016-2022.factor``, fitted so that semivis's invisible-mode limit reproduces
#: NA64's published 2016-2022 one (PRL 131 (2023) 161801; docs/physics/production.md, "Normalisation to NA64's
#: invisible limit", and ``benchmarks/derive_invisible_normalisation.py``).
EFFICIENCY_NORMALISATIONS: tuple[str, ...] = tuple(
    CARD_SCHEMA["properties"]["efficiency"]["properties"]["normalisation"]["enum"]
)


@dataclass(frozen=True)
class Module:
    """One detector volume along the beam axis (ECAL, VETO, HCAL1-3): a box of square cross section.

    ``z_start_m``/``z_end_m`` are positions along the beam from the ECAL front face; ``half_size_m`` is
    half the transverse (square) size.
    """

    name: str
    z_start_m: float
    length_m: float
    transverse_size_m: float

    @property
    def z_end_m(self) -> float:
        """Downstream face position [m]."""
        return self.z_start_m + self.length_m

    @property
    def half_size_m(self) -> float:
        """Half transverse size [m]."""
        return 0.5 * self.transverse_size_m


@dataclass(frozen=True)
class SelectionOverride:
    """Card numbers of one selection (override the paper defaults held in ``semivis.signal.SELECTIONS``)."""

    extra_efficiency: float | None = None
    background: float | None = None
    sigma_b: float | None = None
    enabled: bool = True
    min_hcal_GeV: float | None = None


@dataclass(frozen=True)
class EfficiencyNormalisation:
    """One global factor on a card's signal efficiency, with its uncertainty and provenance (card table
    ``efficiency.<mode>``): never per mass."""

    mode: str
    factor: float
    uncertainty: float
    source: str


#: The named entries of a card's ``[cuts]`` table, each switchable: the VETO requirement, and NA64's ECAL and HCAL1
#: cuts on the chi2 pairs (:class:`DetectorCuts`).
CUT_NAMES: tuple[str, ...] = ("veto", "veto_charged_flux", "longitudinal", "lateral", "hcal1_periphery")


@dataclass(frozen=True)
class DetectorCuts:
    """NA64's selection cuts that act on the chi2 -> chi1 e+ e- pairs (card table ``[cuts]``; each switchable).

    EPJC 83 (2023) 391 Sect. 3.2: "an event must exhibit a PS energy deposit and an ECAL shower profile consistent
    with one predicted for an incoming e-, the energy recorded in the cells outside the central 3x3 matrix of the
    ECAL must constitute a small fraction of the total ECAL energy, no activity is expected in the VETO, and ... the
    candidate event is rejected if the energy deposition in the first HCAL periphery cells is higher than the one in
    the central cell". Physics: ``docs/physics/detector-and-signal.md`` Sect. 4;
    kernel: :func:`semivis.detector.kernels.na64_cuts_pass`. Defaults (a card without ``[cuts]``): the VETO
    requirement on, the ECAL/HCAL1 cuts off; the shipped NA64 cards set every entry.

    * ``veto``: no VETO activity (deposit below ``veto.threshold_GeV``); off = no VETO requirement.
    * ``veto_charged_flux``: a shower leaking out of the ECAL leaves one MIP in the VETO per charged particle
      crossing the ECAL back face (Rossi approximation B); off = its leaked energy capped at one MIP per lepton.
    * ``longitudinal_n_sigma``: E_PS / E_ECAL consistent with one electron whose shower starts within this many
      standard deviations of the depth of the shower maximum (0 = off).
    * ``lateral_max_outside_fraction``: largest ECAL energy fraction outside the central 3x3 cells (0 = off), with
      the cell pitch ``lateral_cell_size_m`` and the ECAL Moliere radius R_M = X0 E_s / E_c of the card's target.
    * ``hcal1_periphery``: the HCAL1 periphery cut, with its cell threshold ``hcal1_cell_threshold_GeV``.
    """

    veto: bool = True
    veto_charged_flux: bool = False
    longitudinal_n_sigma: float = 0.0
    lateral_max_outside_fraction: float = 0.0
    lateral_cell_size_m: float = 0.0382
    hcal1_periphery: bool = False
    hcal1_cell_threshold_GeV: float = 0.1

    def enabled(self) -> dict[str, bool]:
        """Which of :data:`CUT_NAMES` are on.

        >>> DetectorCuts().enabled()
        {'veto': True, 'veto_charged_flux': False, 'longitudinal': False, 'lateral': False, 'hcal1_periphery': False}
        """
        return {
            "veto": self.veto,
            "veto_charged_flux": self.veto_charged_flux,
            "longitudinal": self.longitudinal_n_sigma > 0.0,
            "lateral": self.lateral_max_outside_fraction > 0.0,
            "hcal1_periphery": self.hcal1_periphery,
        }


@dataclass(frozen=True)
class ExperimentCard:
    """A validated experiment card. Build it with :func:`load_card`.

    Attributes mirror the TOML tables; :attr:`target` builds production's ``TargetSpec`` on demand.
    """

    name: str
    source: str
    description: str
    eot: float
    beam_particle: str
    beam_energy_GeV: float
    target_config: dict[str, Any]
    ecal: Module
    veto: Module
    hcal1: Module
    hcal2: Module
    hcal3: Module
    veto_threshold_GeV: float
    veto_mip_GeV: float
    ecal_max_GeV: float
    hcal_threshold_GeV: float
    critical_energy_GeV: float
    radiation_length_m: float
    efficiency_mass_GeV: tuple[float, ...]
    efficiency_value: tuple[float, ...]
    efficiency_source: str
    efficiency_normalisation: str = "first-principles"
    efficiency_normalisations: dict[str, EfficiencyNormalisation] = field(default_factory=dict)
    selections: dict[str, SelectionOverride] = field(default_factory=dict)
    beam_energy_spread: float = 0.0  # relative rms sigma_E/E0 of the beam (beam.energy_spread; 0: mono-energetic)
    p_out_max_GeV: float | None = None  # muon cards: missing-momentum cut p_out < this (thresholds.p_out_max_GeV)
    cuts: DetectorCuts = field(default_factory=DetectorCuts)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def modules(self) -> tuple[Module, ...]:
        """ECAL, VETO, HCAL1, HCAL2, HCAL3 in beam order."""
        return (self.ecal, self.veto, self.hcal1, self.hcal2, self.hcal3)

    @property
    def regions(self) -> tuple[tuple[str, float, float], ...]:
        """Ordered z intervals ``(name, z_start, z_end)`` including the gaps and ``beyond`` (to +inf)."""
        out: list[tuple[str, float, float]] = []
        z = self.ecal.z_start_m
        for mod in self.modules:
            if mod.z_start_m > z:
                out.append(("gaps", z, mod.z_start_m))
            out.append((mod.name, mod.z_start_m, mod.z_end_m))
            z = mod.z_end_m
        out.append(("beyond", z, float("inf")))
        return tuple(out)

    @property
    def setup_end_m(self) -> float:
        """End of the last HCAL module [m]: a chi2 decaying after it is invisible."""
        return self.hcal3.z_end_m

    @property
    def E_min_GeV(self) -> float:
        """Minimal A' energy that can pass the missing-energy box: E_beam - E_ECAL,max (50 GeV at NA64)."""
        return self.beam_energy_GeV - self.ecal_max_GeV

    @property
    def target(self) -> TargetSpec:
        """Production's :class:`~semivis.production.TargetSpec` for the ECAL (materials by name)."""
        return _target_spec(self.target_config, self.name, self.source)

    def signal_efficiency(self, m_Ap: ArrayLike) -> NDArray[np.float64]:
        """Signal efficiency of the invisible selection at ``m_Ap`` [GeV], in the card's normalisation mode.

        The first-principles value is a constant, or linear interpolation in log(m_A') of the card's table, flat
        outside it (source in the card's ``efficiency.source``); with ``efficiency_normalisation`` other than
        ``first-principles`` it is multiplied by that mode's one global factor (:attr:`efficiency_factor`).

        >>> card = load_card("na64-2016-2022")
        >>> float(card.signal_efficiency(0.1))
        0.62
        >>> normalised = card.with_efficiency_normalisation("na64-invisible-2016-2022")
        >>> bool(normalised.signal_efficiency(0.1) == 0.62 * normalised.efficiency_factor)
        True
        """
        m = np.asarray(m_Ap, dtype=np.float64)
        if len(self.efficiency_value) == 1:
            out = np.full(m.shape, self.efficiency_value[0])
        else:
            xs = np.log(np.asarray(self.efficiency_mass_GeV))
            out = np.asarray(np.interp(np.log(m), xs, np.asarray(self.efficiency_value)), dtype=np.float64)
        if self.efficiency_normalisation != "first-principles":  # the default path multiplies by nothing
            out = out * self.efficiency_factor
        return np.asarray(out, dtype=np.float64)

    @property
    def efficiency_factor(self) -> float:
        """The global factor on the efficiency table in the card's mode (1.0 for ``first-principles``)."""
        if self.efficiency_normalisation == "first-principles":
            return 1.0
        return self.efficiency_normalisations[self.efficiency_normalisation].factor

    @property
    def efficiency_label(self) -> str:
        """Which signal efficiency the card uses, in words, for figure legends and metadata.

        >>> load_card("na64-2016-2022").efficiency_label
        'first-principles signal efficiency'
        >>> load_card("na64-2016-2022", "na64-invisible-2016-2022").efficiency_label  # doctest: +ELLIPSIS
        "signal efficiency normalised to NA64's invisible limit 2016-2022 (PRL 131 (2023) 161801): x 0.6... +- 0.0..."
        """
        if self.efficiency_normalisation == "first-principles":
            return "first-principles signal efficiency"
        norm = self.efficiency_normalisations[self.efficiency_normalisation]
        return (
            "signal efficiency normalised to NA64's invisible limit 2016-2022 (PRL 131 (2023) 161801): "
            f"x {norm.factor:.3f} +- {norm.uncertainty:.3f}"
        )

    def with_efficiency_normalisation(self, mode: str) -> ExperimentCard:
        """This card in normalisation ``mode`` (one of :data:`EFFICIENCY_NORMALISATIONS`), as a new card.

        Its ``raw`` content (hence :meth:`geometry_key` and :meth:`detector_key`) records the mode, so caches keep
        the two apart. Raises :class:`~semivis.errors.ParameterError` for an unknown mode and
        :class:`~semivis.errors.CardError` when the card holds no factor for it.

        >>> load_card("na64-2016-2022").with_efficiency_normalisation("per-mass")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        semivis.errors.ParameterError: efficiency_normalisation = 'per-mass' is out of range: allowed first-princ...
        """
        if mode not in EFFICIENCY_NORMALISATIONS:
            raise ParameterError("efficiency_normalisation", mode, " or ".join(EFFICIENCY_NORMALISATIONS))
        if mode == self.efficiency_normalisation:
            return self
        if mode != "first-principles" and mode not in self.efficiency_normalisations:
            raise CardError(self.source, f"efficiency.{mode}", f"this card has no factor for normalisation {mode!r}")
        raw = copy.deepcopy(self.raw)
        raw["efficiency"]["normalisation"] = mode
        return dataclasses.replace(self, efficiency_normalisation=mode, raw=raw)

    def with_cuts(self, **enabled: bool) -> ExperimentCard:
        """This card with some of its ``[cuts]`` (names of :data:`CUT_NAMES`) switched off (``False``) or on
        (``True``, with the card's values), as a new card whose ``raw`` content (hence its cache keys) records it.

        Switching on a cut the card holds no value for raises :class:`~semivis.errors.CardError`.

        >>> card = load_card("na64-2016-2018").with_cuts(lateral=False, veto=False)
        >>> card.cuts.enabled()  # doctest: +NORMALIZE_WHITESPACE
        {'veto': False, 'veto_charged_flux': True, 'longitudinal': True, 'lateral': False,
         'hcal1_periphery': True}
        >>> card.with_cuts(flux=False)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        semivis.errors.ParameterError: cuts = 'flux' is out of range: allowed veto, veto_charged_flux, ...
        """
        raw = copy.deepcopy(self.raw)
        table = raw.setdefault("cuts", {})
        for name, on in enabled.items():
            if name not in CUT_NAMES:
                raise ParameterError("cuts", name, ", ".join(CUT_NAMES))
            table.setdefault(name, {})["enabled"] = bool(on)
        return dataclasses.replace(self, cuts=_build_cuts(raw, self.source), raw=raw)

    def geometry_key(self) -> str:
        """Stable hash of everything in the card."""
        blob = json.dumps(self.raw, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def detector_key(self) -> str:
        """Stable hash of the card without its name, description and EOT (used in sample and response cache keys).

        Cards that differ only in statistics (``na64-2016-2018``, ``na64-2016-2022``, ``na64-ls3``) describe the
        same detector: event samples (seeded by mass point, not by card) and response tables are identical for
        them, so a figure with three statistics builds each once.

        >>> load_card("na64-2016-2018").detector_key() == load_card("na64-ls3").detector_key()
        True
        >>> load_card("na64-2016-2018").detector_key() == load_card("na64-compact-hcal1").detector_key()
        False
        """
        raw = {k: v for k, v in self.raw.items() if k not in {"name", "description", "eot"}}
        blob = json.dumps(raw, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def production_key(self) -> dict[str, Any]:
        """The card content that determines A' production (beam and target only), JSON-able."""
        key = {
            "beam": copy.deepcopy(self.raw["beam"]),
            "target": copy.deepcopy(self.raw["target"]),
            "E_min_GeV": self.E_min_GeV,
        }
        if self.p_out_max_GeV is not None:  # muon cards: the missing-momentum cut shapes the A' sample (issue 15)
            key["p_out_max_GeV"] = self.p_out_max_GeV
        return key


def _material(name: str, source: str, key: str) -> Material:
    try:
        return load_material(name)
    except ParameterError as exc:
        raise CardError(source, key, f"unknown material {name!r} ({exc.allowed})") from exc


def _target_spec(tgt: dict[str, Any], card_name: str, source: str) -> TargetSpec:
    """Production's TargetSpec of the ECAL sandwich (EPJC2023 Sect. 3.1: 150 Pb/Sc layers)."""
    return TargetSpec.sandwich(
        _material(tgt["absorber"], source, "target.absorber"),
        float(tgt["absorber_thickness_m"]),
        _material(tgt["active"], source, "target.active"),
        float(tgt["active_thickness_m"]),
        int(tgt["n_layers"]),
        name=str(tgt.get("name", f"{card_name} ECAL")),
    )


def list_cards() -> list[str]:
    """Names of the cards shipped in ``semivis/data/cards``."""
    return sorted(p.stem for p in CARDS_PACKAGE_DIR.glob("*.toml"))


def load_card(name_or_path: str | Path, efficiency_normalisation: str | None = None) -> ExperimentCard:
    """Load and validate an experiment card: a shipped card's name (see :func:`list_cards`) or a path.

    ``efficiency_normalisation`` (one of :data:`EFFICIENCY_NORMALISATIONS`) overrides the card's
    ``efficiency.normalisation`` without editing the file; ``None`` keeps the card's own (``first-principles``
    in every shipped card).

    Raises :class:`~semivis.errors.CardError` (card file and key path in the message) for unknown
    names, unreadable or non-UTF-8 files, TOML syntax errors, non-finite numbers (``nan``, ``inf``),
    schema violations and inconsistent geometry.

    >>> load_card("no-such-card")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.CardError: no-such-card: key '<name>': no such card; shipped cards: na64-2016-2018, ...
    """
    text_path = Path(name_or_path)
    if text_path.suffix == ".toml" or text_path.exists():
        path = text_path
        if not path.is_file():
            raise CardError(str(path), "<file>", "no such file")
    else:
        path = CARDS_PACKAGE_DIR / f"{name_or_path}.toml"
        if not path.is_file():
            raise CardError(str(name_or_path), "<name>", "no such card; shipped cards: " + ", ".join(list_cards()))
    source = str(path.name) if path.parent == CARDS_PACKAGE_DIR else str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CardError(
            source, "<file>", f"not a UTF-8 text file (byte 0x{exc.object[exc.start]:02x} at {exc.start})"
        ) from exc
    except OSError as exc:
        raise CardError(source, "<file>", f"cannot read: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CardError(source, "<toml>", f"TOML syntax error: {exc}") from exc
    # e.g. the retired 'combined': say which selections a card may tune
    validate_card_data(
        data,
        CARD_SCHEMA,
        source,
        {"selections": "unknown selection; the selections a card may set are {known}"},
    )
    card = _build_card(data, source)
    if efficiency_normalisation is None:
        return card
    return card.with_efficiency_normalisation(efficiency_normalisation)


def _build_cuts(data: dict[str, Any], source: str) -> DetectorCuts:
    """The card's ``[cuts]`` table as :class:`DetectorCuts` (its defaults for missing entries); an entry present
    without ``enabled`` is on."""
    t = data.get("cuts", {})
    d = DetectorCuts()

    def on(name: str) -> bool:
        return bool(t.get(name, {}).get("enabled", name == "veto" or name in t))

    lon, lat, h1 = t.get("longitudinal", {}), t.get("lateral", {}), t.get("hcal1_periphery", {})
    if on("longitudinal") and "n_sigma" not in lon:
        raise CardError(source, "cuts.longitudinal.n_sigma", "required when the longitudinal cut is enabled")
    if on("lateral") and "max_outside_fraction" not in lat:
        raise CardError(source, "cuts.lateral.max_outside_fraction", "required when the lateral cut is enabled")
    return DetectorCuts(
        veto=on("veto"),
        veto_charged_flux=on("veto_charged_flux"),
        longitudinal_n_sigma=float(lon["n_sigma"]) if on("longitudinal") else 0.0,
        lateral_max_outside_fraction=float(lat["max_outside_fraction"]) if on("lateral") else 0.0,
        lateral_cell_size_m=float(lat.get("cell_size_m", d.lateral_cell_size_m)),
        hcal1_periphery=on("hcal1_periphery"),
        hcal1_cell_threshold_GeV=float(h1.get("cell_threshold_GeV", d.hcal1_cell_threshold_GeV)),
    )


def _p_out_max(data: dict[str, Any], source: str) -> float | None:
    """``thresholds.p_out_max_GeV``: required for a muon beam (missing momentum, docs/beams.md), below its energy."""
    p = data["thresholds"].get("p_out_max_GeV")
    if str(data["beam"]["particle"]).startswith("mu"):
        if p is None:
            raise CardError(source, "thresholds.p_out_max_GeV", "required for a muon beam (missing-momentum cut)")
        if p >= data["beam"]["energy_GeV"]:
            raise CardError(source, "thresholds.p_out_max_GeV", "must be below the beam energy")
    return None if p is None else float(p)


def _build_card(data: dict[str, Any], source: str) -> ExperimentCard:
    tgt = data["target"]
    pitch = float(tgt["absorber_thickness_m"]) + float(tgt["active_thickness_m"])
    ecal_len = pitch * int(tgt["n_layers"])
    ecal = Module("ecal", float(tgt.get("z_start_m", 0.0)), ecal_len, float(tgt["transverse_size_m"]))
    mods = [ecal]
    for key in ("veto", "hcal1", "hcal2", "hcal3"):
        t = data[key]
        mods.append(Module(key, float(t["z_start_m"]), float(t["length_m"]), float(t["transverse_size_m"])))
    for prev, mod in itertools.pairwise(mods):
        if mod.z_start_m < prev.z_end_m - 1e-12:
            raise CardError(
                source,
                f"{mod.name}.z_start_m",
                f"{mod.name} starts at {mod.z_start_m} m, before the end of {prev.name} ({prev.z_end_m:.4g} m)",
            )
    eff = data["efficiency"]
    value = eff["value"]
    if isinstance(value, list):
        masses = eff.get("mass_GeV")
        if masses is None:
            raise CardError(source, "efficiency.mass_GeV", "required when efficiency.value is a table")
        if len(masses) != len(value):
            raise CardError(source, "efficiency.mass_GeV", "must have as many entries as efficiency.value")
        if any(b <= a for a, b in itertools.pairwise(masses)):
            raise CardError(source, "efficiency.mass_GeV", "must be strictly increasing")
        eff_m, eff_v = tuple(float(m) for m in masses), tuple(float(v) for v in value)
    else:
        if "mass_GeV" in eff:
            raise CardError(source, "efficiency.mass_GeV", "only allowed when efficiency.value is a table")
        eff_m, eff_v = (), (float(value),)
    norms = {
        mode: EfficiencyNormalisation(mode, float(t["factor"]), float(t["uncertainty"]), str(t["source"]))
        for mode in EFFICIENCY_NORMALISATIONS
        if (t := eff.get(mode)) is not None
    }
    for norm in norms.values():
        if max(eff_v) * norm.factor > 1.0:
            raise CardError(source, f"efficiency.{norm.mode}.factor", "makes the efficiency exceed 1")
    mode = str(eff.get("normalisation", "first-principles"))
    if mode != "first-principles" and mode not in norms:
        raise CardError(source, f"efficiency.{mode}", f"required when efficiency.normalisation = {mode!r}")
    sels = {
        name: SelectionOverride(
            extra_efficiency=t.get("extra_efficiency"),
            background=t.get("background"),
            sigma_b=t.get("sigma_b"),
            enabled=bool(t.get("enabled", True)),
            min_hcal_GeV=t.get("min_hcal_GeV"),
        )
        for name, t in data.get("selections", {}).items()
    }
    if data["thresholds"]["ecal_max_GeV"] >= data["beam"]["energy_GeV"]:
        raise CardError(source, "thresholds.ecal_max_GeV", "must be below the beam energy")
    if not data["beam"]["energy_GeV"] - data["thresholds"]["ecal_max_GeV"] < data["beam"]["energy_GeV"]:
        # a subnormal threshold leaves E_min = E0 - ecal_max equal to E0 in floating point: no signal window
        raise CardError(source, "thresholds.ecal_max_GeV", "too small to open a missing-energy window below the beam")
    target = _target_spec(tgt, str(data["name"]), source)
    for key in ("hcal1", "hcal2", "hcal3"):
        for sub in ("absorber", "active"):
            if sub in data[key]:
                _material(data[key][sub], source, f"{key}.{sub}")
    return ExperimentCard(
        name=str(data["name"]),
        source=source,
        description=str(data.get("description", "")),
        eot=float(data["eot"]),
        beam_particle=str(data["beam"]["particle"]),
        beam_energy_GeV=float(data["beam"]["energy_GeV"]),
        target_config=dict(tgt),
        ecal=ecal,
        veto=mods[1],
        hcal1=mods[2],
        hcal2=mods[3],
        hcal3=mods[4],
        veto_threshold_GeV=float(data["veto"]["threshold_GeV"]),
        veto_mip_GeV=float(data["veto"]["mip_GeV"]),
        ecal_max_GeV=float(data["thresholds"]["ecal_max_GeV"]),
        hcal_threshold_GeV=float(data["thresholds"]["hcal_GeV"]),
        critical_energy_GeV=float(target.critical_energy_GeV),
        radiation_length_m=float(target.X0_m),
        efficiency_mass_GeV=eff_m,
        efficiency_value=eff_v,
        efficiency_source=str(eff["source"]),
        efficiency_normalisation=mode,
        efficiency_normalisations=norms,
        selections=sels,
        beam_energy_spread=float(data["beam"].get("energy_spread", 0.0)),
        p_out_max_GeV=_p_out_max(data, source),
        cuts=_build_cuts(data, source),
        raw=data,
    )
