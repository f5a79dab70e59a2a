"""``ScanSpec``: everything that defines a scan (and so its result, checkpoints and provenance).

>>> spec = ScanSpec.from_ranges("idm", "mAp-eps", nx=3, ny=4, x_range=(0.01, 0.1), y_range=(1e-5, 1e-3))
>>> spec.x
(0.01, 0.03162277660168379, 0.1)
>>> spec.fixed
{'alpha_D': 0.1, 'ratio': 3.0, 'delta': 0.4}
>>> ScanSpec.from_ranges("idm", "mAp-eps", nx=3, ny=4, n_events=0)
Traceback (most recent call last):
...
semivis.errors.ParameterError: --n-events = 0 is out of range: allowed an integer >= 1

A fixed eps may be a mass-dependent rule (:func:`semivis.constraints.rules.parse_rule`), stored by its name
and resolved to one number per column, once (:meth:`ScanSpec.fixed_values`, :meth:`ScanSpec.fixed_at`):

>>> g2 = {"eps": "g2:fnal2021:central"}
>>> spec = ScanSpec.from_ranges("idm", "mAp-alphaD", nx=3, ny=4, x_range=(0.01, 0.1), fixed=g2)
>>> spec.fixed["eps"], [round(e, 6) for e in spec.fixed_values()["eps"]]
('g2:fnal2021:central', [0.001662, 0.00203, 0.003125])
>>> spec.fixed_at(2)["eps"] == spec.fixed_values()["eps"][2]
True
"""

from __future__ import annotations

import functools
import itertools
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from semivis._validation import as_float_array
from semivis.constraints.rules import RULE_PARAMETERS, parse_rule
from semivis.detector.cards import EFFICIENCY_NORMALISATIONS
from semivis.errors import ParameterError
from semivis.models.dark_sector import ALPHA_D_MAX, MODEL_RATIO_MAX
from semivis.planes import MODELS, OPTION, PLANES, Plane, log_grid, resolve_fixed
from semivis.production.cascade import check_ap_per_primary
from semivis.signal.events import AP_PROCESSES, check_processes
from semivis.signal.selections import bin_names
from semivis.stats import PRIORS

__all__ = [
    "DEFAULT_AP_PER_PRIMARY",
    "DEFAULT_EFFICIENCY_NORMALISATION",
    "DEFAULT_PROCESSES",
    "FixedValue",
    "ScanSpec",
    "default_ap_per_primary",
    "parse_ap_per_primary",
]

#: the signal-efficiency mode of a spec that does not name one: the card's efficiency table as it is (the
#: default of ``ExperimentCard.efficiency_normalisation`` and of every shipped card)
DEFAULT_EFFICIENCY_NORMALISATION = "first-principles"

#: the A' production processes of a spec that does not name them: dark bremsstrahlung and resonant annihilation
#: (``semivis.signal.AP_PROCESSES``). The NA64 papers' recasts used bremsstrahlung only (``("brem",)``)
DEFAULT_PROCESSES: tuple[str, ...] = AP_PROCESSES

#: the A' kept per beam primary by a spec that does not say (``--ap-per-primary``; None: every A', the exact path):
#: systematic sampling within each primary's ~12 A' (``semivis.production.cascade.thin_per_primary``). Chosen on
#: the measurement of docs/physics/detector-and-signal.md Sect. 3.2 (4 000 primaries, iDM at m_A' = 0.06, 0.3 and
#: 1 GeV, eps 3e-5 to 1e-2, missing-energy and S1): a third of the A'; the Monte Carlo variance of N_sig
#: unchanged where the A' is invisible-like, at most 1.3x (missing-energy) and 1.9x (S1 at eps = 1e-2, m_A' = 1 GeV,
#: where a few decays in the detector carry N_sig) where the decays are seen
DEFAULT_AP_PER_PRIMARY: int | None = 4


def parse_ap_per_primary(text: str, option: str = "--ap-per-primary") -> int | None:
    """The A' per primary written as text: an integer >= 1, or ``all`` (None: every A', the exact path).

    >>> parse_ap_per_primary("4"), parse_ap_per_primary("all")
    (4, None)
    >>> parse_ap_per_primary("0")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: --ap-per-primary = '0' is out of range: allowed an integer >= 1, or all...
    """
    word = str(text).strip().lower()
    if word == "all":
        return None
    try:
        return check_ap_per_primary(int(word), option)
    except (ValueError, ParameterError):
        raise ParameterError(option, text, "an integer >= 1, or all (every A')") from None


def default_ap_per_primary() -> int | None:
    """``$SEMIVIS_AP_PER_PRIMARY`` (an integer >= 1, or ``all``), else :data:`DEFAULT_AP_PER_PRIMARY`: how a
    figure (``semivis figure``, whose cache key holds every ``SEMIVIS_*`` switch) selects the exact path."""
    text = os.environ.get("SEMIVIS_AP_PER_PRIMARY")
    return DEFAULT_AP_PER_PRIMARY if text is None else parse_ap_per_primary(text, "SEMIVIS_AP_PER_PRIMARY")


#: a fixed parameter's value in a spec: a number, or (for ``RULE_PARAMETERS``) a mass-dependent rule's name
FixedValue = float | str

#: upper bounds of the y axes (all axes are positive, log-spaced): (bound, bound allowed, words); alpha_D's is
#: the model's ALPHA_D_MAX = 4 pi, so a grid past it is refused here rather than inside a worker
_Y_MAX: dict[str, tuple[float, bool, str]] = {
    "eps": (1.0, False, "0 < eps < 1"),
    "alpha_D": (ALPHA_D_MAX, True, "alpha_D <= 4 pi"),
    # y = eps^2 alpha_D (m_chi1/m_A')^4 < 1 x 4 pi x 1 for any physical point (and the bound keeps eps_from_y finite)
    "delta": (MODEL_RATIO_MAX, True, "delta <= 1e8 (an open channel needs delta < R - 2 < 1e8)"),
    "y": (ALPHA_D_MAX, False, "y = eps^2 alpha_D (m_chi1/m_A')^4 < 4 pi"),
    "tan_theta": (math.inf, False, "tan theta > 0"),
}


def _axis(name: str, values: Sequence[float], upper: tuple[float, bool, str] | None = None) -> tuple[float, ...]:
    """A grid axis: at least two positive, strictly increasing values, the last one (``--NAME-max``) within
    ``upper`` (bound, bound allowed, words)."""
    arr = as_float_array(f"--{name}", values).reshape(-1)
    if arr.size < 2:
        raise ParameterError(f"--{name}", list(arr), "at least two grid values")
    if np.any(arr <= 0) or np.any(np.diff(arr) <= 0):
        raise ParameterError(f"--{name}", list(arr), "positive, strictly increasing values")
    if upper is not None and (arr[-1] > upper[0] or (arr[-1] == upper[0] and not upper[1])):
        raise ParameterError(f"--{name}-max", float(arr[-1]), upper[2])
    return tuple(float(v) for v in arr)


def _check_channel_open_somewhere(spec: ScanSpec) -> None:
    """Refuse a plane on which A' -> chi1 chi2 is closed at every grid point: such a scan could only return
    N_sig = 0 everywhere (on-shell production needs m_A' > m_chi1 + m_chi2, physics.md section 1). The error
    names the option that closes it: ``--ratio`` (R <= 2), ``--delta`` (R <= 2 + Delta/m_chi1), or the grid
    (``--x-max`` of the (R, y) plane, ``--y-min`` of the (m_chi1, Delta/m_chi1) plane)."""
    plane = PLANES[spec.plane]
    for index, x in enumerate(spec.x):
        points = plane.mass_points(x, spec.y, spec.fixed_at(index), spec.model)
        if any(plane.is_open(m, spec.model) for m in points):
            return
    reason = "A' -> chi1 chi2 is kinematically closed on the whole plane (m_A' <= m_chi1 + m_chi2): nothing to scan"
    numbers = spec.fixed_at(0)
    split = 0.0 if spec.model == "invisible" else numbers.get("delta", 0.0)
    if "ratio" in numbers and numbers["ratio"] <= 2.0:
        raise ParameterError("--ratio", numbers["ratio"], "R = m_A'/m_chi1 > 2", reason)
    if "ratio" in numbers and "delta" in numbers and spec.model != "invisible":
        bound = numbers["ratio"] - 2.0
        raise ParameterError("--delta", numbers["delta"], f"Delta/m_chi1 < R - 2 = {bound:.6g}", reason)
    if plane.x == "R":
        raise ParameterError("--x-max", spec.x[-1], f"R = m_A'/m_chi1 > 2 + Delta/m_chi1 = {2.0 + split:.6g}", reason)
    if plane.y == "delta":
        bound = numbers["ratio"] - 2.0
        raise ParameterError("--y-min", spec.y[0], f"Delta/m_chi1 < R - 2 = {bound:.6g}", reason)
    raise ParameterError("--plane", spec.plane, "a plane where A' -> chi1 chi2 is open somewhere", reason)


def _pilot_events(p: object, plane: Plane, n_events: int) -> int | tuple[int, ...]:
    """``ScanSpec.pilot_events`` checked: an integer, or an increasing tuple of them (a ladder of pilots), each
    with 1 <= p < n_events, on a per-cell plane; a one-element tuple is its integer (the spec's key is unchanged)."""
    if not plane.per_cell:
        raise ParameterError(
            "--pilot-events",
            p,
            "none on this plane",
            f"the ({plane.x}, {plane.y}) plane has one sample per column, not per cell: an adaptive per-cell scan "
            "would save nothing",
        )
    levels = list(p) if isinstance(p, list | tuple) else [p]
    bound = f"an integer, or an increasing list of integers, with 1 <= pilot_events < n_events = {n_events}"
    if not levels or any(
        not isinstance(v, int | np.integer) or isinstance(v, bool) or not 1 <= v < n_events for v in levels
    ):
        raise ParameterError("--pilot-events", p, bound)
    ints = [int(v) for v in levels]  # type: ignore[arg-type]  # integers, checked just above
    if any(b <= a for a, b in itertools.pairwise(ints)):
        raise ParameterError("--pilot-events", p, bound)
    return ints[0] if len(ints) == 1 else tuple(ints)


@dataclass(frozen=True, eq=True)
class ScanSpec:
    """A scan: model, plane, grid, fixed parameters, experiment card, selection, statistics, EOTs, seed.

    ``x``/``y`` are the grid values of the plane's axes (see :data:`semivis.scan.PLANES`); ``fixed`` the
    model parameters of the fixed axes (``alpha_D``, ``ratio``, ``delta``, ``theta``, ``eps``, ``m_chi1``),
    defaults filled in: numbers, or for ``eps`` the name of a mass-dependent rule such as
    ``"g2:fnal2021:central"`` (resolved once per column, see :mod:`semivis.constraints.rules`; the name is part
    of the spec's identity, so of its hash, checkpoints and provenance); ``eot`` the EOT values (``None``: the
    card's); ``n_obs`` the observed counts per bin (default 0, as in NA64 2016-2018); ``efficiency_normalisation``
    the card's signal-efficiency mode (``--efficiency-normalisation``, one of
    :data:`semivis.detector.cards.EFFICIENCY_NORMALISATIONS`; docs/physics/production.md, "Normalisation to NA64's
    invisible limit"), applied to the card whatever its file says; ``processes`` the A' production processes
    (``--processes``, a non-empty set of ``brem``, ``annihilation``; default both, stored in canonical order);
    ``pilot_events`` (``--pilot-events``, per-cell planes only, ``None``: off) makes the scan adaptive: every cell
    first with that many primaries, then ``n_events`` where the pilot does not decide the cell or the contour passes
    next to it (:mod:`semivis.scan.adaptive`); an increasing tuple of primaries is a ladder of pilots, each for the
    cells the previous one left undecided (:attr:`pilot_levels`); ``ap_per_primary`` (``--ap-per-primary``) the A'
    each beam primary's cascade keeps before the decays are drawn (default :func:`default_ap_per_primary`:
    ``$SEMIVIS_AP_PER_PRIMARY``, else :data:`DEFAULT_AP_PER_PRIMARY`; None: all, the exact path).

    >>> ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2, efficiency_normalisation="per-mass")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: --efficiency-normalisation = 'per-mass' is out of range: allowed first-princ...
    >>> ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2, processes=("annihilation", "brem")).processes
    ('brem', 'annihilation')
    >>> ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2, processes=())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: --processes = () is out of range: allowed a non-empty set of brem, annihilation...
    """

    model: str
    plane: str
    x: tuple[float, ...]
    y: tuple[float, ...]
    experiment: str = "na64-2016-2018"
    selection: str = "missing-energy"
    fixed: Mapping[str, FixedValue] = field(default_factory=dict)
    eot: tuple[float, ...] | None = None
    n_events: int = 20000
    seed: int = 20231
    n_obs: tuple[int, ...] | None = None
    cl: float = 0.9
    prior: str = "gauss"
    efficiency_normalisation: str = DEFAULT_EFFICIENCY_NORMALISATION
    processes: tuple[str, ...] = DEFAULT_PROCESSES
    pilot_events: int | tuple[int, ...] | None = None
    ap_per_primary: int | None = field(default_factory=default_ap_per_primary)

    def __post_init__(self) -> None:
        model = str(self.model).lower()
        if model not in MODELS:
            raise ParameterError("--model", self.model, " | ".join(MODELS))
        if self.plane not in PLANES:
            raise ParameterError("--plane", self.plane, " | ".join(PLANES))
        plane = PLANES[self.plane]
        object.__setattr__(self, "model", model)
        object.__setattr__(self, "fixed", _resolve_fixed(self.plane, model, self.fixed))
        object.__setattr__(self, "x", _axis("x", self.x))
        object.__setattr__(self, "y", _axis("y", self.y, _Y_MAX[plane.y]))
        self._check_rules()
        _check_channel_open_somewhere(self)
        bins = bin_names(self.selection)
        if self.eot is not None:
            eots = as_float_array("--eot", list(self.eot)).reshape(-1)
            if eots.size == 0 or np.any(eots <= 0) or len(set(eots.tolist())) != eots.size:
                raise ParameterError("--eot", list(self.eot), "distinct positive EOT values")
            object.__setattr__(self, "eot", tuple(float(v) for v in eots))
        if not isinstance(self.n_events, int | np.integer) or isinstance(self.n_events, bool) or self.n_events < 1:
            raise ParameterError("--n-events", self.n_events, "an integer >= 1")
        if not isinstance(self.seed, int | np.integer) or isinstance(self.seed, bool) or self.seed < 0:
            raise ParameterError("--seed", self.seed, "an integer >= 0")
        n_obs = (0,) * len(bins) if self.n_obs is None else tuple(self.n_obs)
        if len(n_obs) != len(bins) or any(not isinstance(n, int | np.integer) or n < 0 for n in n_obs):
            raise ParameterError("--n-obs", list(n_obs), f"{len(bins)} non-negative integer(s), one per bin {bins}")
        object.__setattr__(self, "n_obs", tuple(int(n) for n in n_obs))
        if not (isinstance(self.cl, float | int) and 0.0 < self.cl < 1.0):
            raise ParameterError("--cl", self.cl, "0 < cl < 1")
        if self.prior not in PRIORS:
            raise ParameterError("--prior", self.prior, " | ".join(PRIORS))
        if self.efficiency_normalisation not in EFFICIENCY_NORMALISATIONS:
            raise ParameterError(
                "--efficiency-normalisation", self.efficiency_normalisation, " | ".join(EFFICIENCY_NORMALISATIONS)
            )
        object.__setattr__(self, "processes", check_processes(self.processes, "--processes"))
        if self.pilot_events is not None:
            object.__setattr__(self, "pilot_events", _pilot_events(self.pilot_events, plane, self.n_events))
        if self.ap_per_primary is not None:
            object.__setattr__(self, "ap_per_primary", check_ap_per_primary(self.ap_per_primary, "--ap-per-primary"))

    @property
    def pilot_levels(self) -> tuple[int, ...]:
        """The primaries of each pilot of an adaptive scan, increasing (() when the scan is not adaptive).

        >>> spec = ScanSpec.from_ranges(
        ...     "idm", "mchi1-delta", nx=2, ny=2, n_events=100, fixed={"eps": 1e-3}, pilot_events=(5, 25)
        ... )
        >>> spec.pilot_levels
        (5, 25)
        """
        p = self.pilot_events
        return () if p is None else (p,) if isinstance(p, int) else tuple(p)

    @classmethod
    def from_ranges(
        cls,
        model: str,
        plane: str,
        *,
        x_range: tuple[float, float] | None = None,
        y_range: tuple[float, float] | None = None,
        nx: int = 50,
        ny: int = 200,
        **kwargs: Any,
    ) -> ScanSpec:
        """Spec on a log grid; ranges default to the plane's (:attr:`Plane.x_range`, :attr:`Plane.y_range`)."""
        if plane not in PLANES:
            raise ParameterError("--plane", plane, " | ".join(PLANES))
        p = PLANES[plane]
        xr = x_range or p.x_range
        yr = y_range or p.y_range
        return cls(model, plane, log_grid(xr[0], xr[1], nx, "x"), log_grid(yr[0], yr[1], ny, "y"), **kwargs)

    def _check_rules(self) -> None:
        """Every rule-valued fixed parameter must give an allowed value at every column (eps in (0, 1))."""
        plane = PLANES[self.plane]
        for key, values in self.fixed_values().items():
            bad = [(x, v) for x, v in zip(self.x, values, strict=True) if not (math.isfinite(v) and 0.0 < v < 1.0)]
            if bad:
                x, v = bad[0]
                raise ParameterError(
                    f"--{key}",
                    self.fixed[key],
                    "a rule giving 0 < eps < 1 over the grid",
                    f"it gives {key} = {v:.6g} at {plane.x} = {x:.6g}",
                )

    @functools.cached_property
    def _rule_values(self) -> dict[str, tuple[float, ...]]:
        """Each rule-valued fixed parameter resolved at every column's m_A': computed once per spec."""
        plane = PLANES[self.plane]
        numbers = {k: float(v) for k, v in self.fixed.items() if not isinstance(v, str)}
        out: dict[str, tuple[float, ...]] = {}
        for key, name in self.fixed.items():
            if isinstance(name, str):
                rule = parse_rule(OPTION[key], name)
                out[key] = tuple(float(rule(plane.m_ap(x, numbers))) for x in self.x)
        return out

    def fixed_values(self) -> dict[str, list[float]]:
        """Values along x (one per column) of the fixed parameters given as mass-dependent rules."""
        return {k: list(v) for k, v in self._rule_values.items()}

    def fixed_at(self, index: int) -> dict[str, float]:
        """The fixed parameters as numbers at column ``index`` (rules resolved at its m_A')."""
        rules = self._rule_values
        return {k: rules[k][index] if k in rules else float(v) for k, v in self.fixed.items()}

    @property
    def bins(self) -> tuple[str, ...]:
        """Selection bins (``("s1", "s2")`` for ``s1+s2``)."""
        return bin_names(self.selection)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dictionary of the spec. ``efficiency_normalisation`` and ``processes`` appear only when they are
        not the default (``first-principles``; both processes), so the scan keys, checkpoints and caches of specs
        without them stay valid.

        >>> ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2).to_dict()["plane"]
        'mAp-eps'
        >>> "efficiency_normalisation" in ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2).to_dict()
        False
        >>> "processes" in ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2).to_dict()
        False
        >>> ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2, processes=("brem",)).to_dict()["processes"]
        ['brem']
        """
        d = asdict(self)  # fields only (the cached rule values are not a field)
        if self.efficiency_normalisation == DEFAULT_EFFICIENCY_NORMALISATION:
            del d["efficiency_normalisation"]  # the key of a default spec is the one it had before the option
        if self.pilot_events is None:
            del d["pilot_events"]  # likewise: a scan without pilot keeps its key
        elif isinstance(self.pilot_events, tuple):
            d["pilot_events"] = list(self.pilot_events)
        # ap_per_primary stays, None included: a spec read back from its dict must not take the default's thinning
        if self.processes == DEFAULT_PROCESSES:
            del d["processes"]  # likewise
        else:
            d["processes"] = list(self.processes)
        d["fixed"] = dict(self.fixed)
        d["x"], d["y"] = list(self.x), list(self.y)
        d["eot"] = None if self.eot is None else list(self.eot)
        d["n_obs"] = list(self.n_obs or ())
        return d

    def to_json(self) -> str:
        """Canonical JSON (sorted keys, floats as repr)."""
        return json.dumps(self.to_dict(), sort_keys=True)


def _resolve_fixed(plane_name: str, model: str, given: Mapping[str, FixedValue | None]) -> dict[str, FixedValue]:
    """The spec's fixed parameters: numbers from :func:`semivis.planes.resolve_fixed` and, for
    ``RULE_PARAMETERS``, a rule's canonical name, in the plane's order."""
    plane = PLANES[plane_name]
    rules: dict[str, str] = {}
    for key, value in given.items():
        if not isinstance(value, str):
            continue
        if key not in RULE_PARAMETERS:
            only = ", ".join(OPTION[k] for k in RULE_PARAMETERS)
            raise ParameterError(OPTION.get(key, key), value, f"a number (only {only} may be a rule)")
        rules[key] = str(parse_rule(OPTION[key], value))
    numbers = resolve_fixed(plane, model, given, given_elsewhere=tuple(rules))
    return {k: rules[k] if k in rules else numbers[k] for k in plane.fixed if k in rules or k in numbers}
