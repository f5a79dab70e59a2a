"""Declarative recipes of every figure of the two NA64 semi-visible papers.

A recipe is data, not code: the plane and axes, the model and its fixed parameters, which NA64 curves
(card, statistics, selection) to compute, which overlays (relic target, (g-2) bands, cited constraints by
registry name) to draw, with the papers' colour conventions and legend labels. :mod:`semivis.figures.build`
turns a recipe into plotted curves, :mod:`semivis.figures.plot` draws them.

Sources
-------
* ``epjc2023-*``: M. Mongillo et al. (NA64), "Constraining light thermal inelastic dark matter with NA64",
  Eur. Phys. J. C 83 (2023) 391, arXiv:2302.05414, Figs. 3-8 and Sects. 5-6.
* ``epjc2021-*``: NA64 Collaboration (C. Cazzaniga et al.), "Probing the explanation of the muon (g-2)
  anomaly and thermal light dark matter with the semi-visible dark photon channel", Eur. Phys. J. C 81
  (2021) 959, Figs. 4-5.
* ``beams-*`` (not in a paper; issue 15, docs/beams.md): the Fig. 3 and Fig. 8b benchmarks of EPJC 2023 with the
  NA64 electron set-up and the 2022/2023 positron set-ups side by side (cards ``na64-positron-2022/2023``).

Paper-faithful NA64 curves: both papers produced the A' by dark bremsstrahlung only (EPJC 2021 Sect. 2:
"The A' is produced in the target via Dark-Bremsstrahlung"; EPJC 2023 Sect. 5 names the resonant annihilation of
shower positrons as future work), so every paper curve scans ``processes=("brem",)`` (:data:`PAPER_PROCESSES`).
What semivis adds (resonant annihilation, :data:`~semivis.scan.spec.DEFAULT_PROCESSES`; the combined signature
``box+s1``) is a separate curve of role ``improvement`` per addition (own colour, dotted, legend "semivis: ... (not in
the paper)"), with its summary numbers under ``improvement/<key>``, never mixed into the paper curves (EPJC 2023
Figs. 3 and 8b and EPJC 2021 Fig. 4, where the annihilation matters; the combined signature in Fig. 3).

Where the text of a paper does not state a value (axis ranges read off the figures, a benchmark not legible
in the text), the recipe lists it in ``assumptions``.

>>> recipe = get_recipe("epjc2023-fig3")
>>> recipe.plane, recipe.model, recipe.fixed["alpha_D"], recipe.fixed["ratio"]
('mAp-eps', 'idm', 0.1, 3.0)
>>> [(c.eot, c.processes, c.role) for c in recipe.na64]  # doctest: +NORMALIZE_WHITESPACE
[(284000000000.0, ('brem',), 'exclusion'), (1000000000000.0, ('brem',), 'projection'),
 (5000000000000.0, ('brem',), 'projection'), (284000000000.0, ('brem', 'annihilation'), 'improvement'),
 (284000000000.0, ('brem',), 'improvement')]
>>> len(FIGURES)
19
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from semivis.errors import ParameterError

__all__ = [
    "COLORS",
    "FIGURES",
    "PAPER_PROCESSES",
    "RESOLUTIONS",
    "ROLES",
    "STATISTICS",
    "Axis",
    "FigureRecipe",
    "NA64Curve",
    "Overlay",
    "Resolution",
    "figure_names",
    "get_recipe",
    "list_figures",
]

#: colours following the papers' conventions (NA64 blue, BaBar red, LEP grey, relic black, ...)
COLORS: Mapping[str, str] = MappingProxyType(
    {
        "na64": "#1f5fbf",  # NA64 current limit: blue shaded area, solid boundary
        "na64-1e12": "#0b2e6b",  # projection 1e12 EOT: dark blue, dashed
        "na64-5e12": "#3fa9f5",  # projection 5e12 EOT: light blue, dash-dotted
        "g2-inner": "#6baed6",  # (g-2)_mu 2 sigma band (EPJC 2023: blue band, FNAL+BNL)
        "g2-outer": "#2b6cb0",  # BNL E821 2 sigma lines (EPJC 2023 outer lines / 2021 blue band)
        "g2-wa2021": "#e3342f",  # 2021 paper: red band (world average 2021)
        "g2-bnl": "#4a90d9",  # 2021 paper: blue band (BNL only, before FNAL)
        "relic": "#000000",
        "babar": "#d62728",
        "lep": "#8c8c8c",
        "e137": "#2ca02c",
        "e137-semivis": "#2ca02c",  # E137 decay region computed by semivis (issue 14): the papers' E137 green
        "nucal": "#ff7f0e",
        "charm": "#9467bd",
        "nucal-semivis": "#ff7f0e",  # NuCal decay region computed by semivis (issue 14): the papers' NuCal colour
        "charm-semivis": "#9467bd",  # CHARM decay region computed by semivis (issue 14): the papers' CHARM colour
        "lsnd": "#8c564b",
        "cmb": "#e377c2",
        "kinematic": "#bdbdbd",
        "semivis-annihilation": "#b8860b",  # semivis's improvement (+ resonant annihilation): dark gold, dotted
        "semivis-box+s1": "#c51b7d",  # semivis's improvement (box + displaced S1, one bin): magenta, dotted
        "beam-e+2022": "#d95f02",  # positron set-up, 100 GeV 2022 run (docs/beams.md): orange, dashed
        "beam-e+2023": "#7570b3",  # positron set-up, 70 GeV 2023 run: violet, dash-dotted
        "beam-mu2022": "#1b9e77",  # muon set-up (NA64mu), 160 GeV 2022 run, missing momentum: teal, dotted
    }
)

#: the A' production processes of the papers' recasts (dark bremsstrahlung only; see the module docstring)
PAPER_PROCESSES: tuple[str, ...] = ("brem",)

#: roles of an NA64 curve: the paper's current exclusion (filled), its projections (lines), and semivis's
#: improvements over the paper (lines, own colour, summary numbers under ``improvement/<key>``)
ROLES: tuple[str, ...] = ("exclusion", "projection", "improvement")


@dataclass(frozen=True)
class Axis:
    """One axis: variable name, LaTeX label, limits and scale."""

    var: str
    label: str
    lim: tuple[float, float]
    log: bool = True


@dataclass(frozen=True)
class NA64Curve:
    """One NA64 curve: a 90 % CL exclusion (filled) or a projection (dashed line).

    ``key`` names the curve in the ``--data`` JSON (``na64/<key>``); ``card`` is a shipped experiment card,
    ``eot`` the statistics it is evaluated at, ``selection`` a name of ``semivis.signal.SELECTIONS``
    (``missing-momentum`` for a muon card), ``role`` one of :data:`ROLES`, ``processes`` the A' production processes
    its scan simulates (``ScanSpec.processes``).
    """

    key: str
    label: str
    card: str
    eot: float
    selection: str
    role: str  # one of ROLES
    color: str
    linestyle: str = "-"
    processes: tuple[str, ...] = PAPER_PROCESSES


@dataclass(frozen=True)
class Overlay:
    """A curve drawn over the NA64 result.

    kind:
      ``relic``: thermal relic target (``semivis.cosmo.relic_line``), ``params`` override fixed ones
      (e.g. ``tan_theta`` for the three i2DM lines of EPJC 2023 Fig. 8a);
      ``g2``: a (g-2)_mu band by name in ``semivis.constraints.G2_BANDS`` (``n_sigma`` wide);
      ``constraint``: a cited/recast curve by name in ``semivis.constraints.CONSTRAINTS``;
      ``kinematic``: a kinematically forbidden region drawn from the fixed parameters alone
      (``delta-max``: Delta > m_A' - 2 m_chi1, i.e. delta > R - 2).
    style: ``line``, ``band`` (filled between lower and upper), ``lines`` (band edges only), ``fill``.
    """

    kind: str
    name: str
    label: str
    color: str
    style: str = "line"
    params: Mapping[str, float] = field(default_factory=dict)
    n_sigma: float = 2.0

    @property
    def key(self) -> str:
        """Name of this overlay's curves in the ``--data`` JSON (``relic``, ``g2/<name>``, ...)."""
        if self.kind == "relic":
            if not self.params:
                return "relic"
            return "relic/" + ",".join(f"{k}={v:g}" for k, v in sorted(self.params.items()))
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class Resolution:
    """Grid of a figure's scan: ``n_x`` points on the x axis (log spaced), ``n_y`` on the y axis, MC events
    per mass point, ``n_curve`` points on each computed overlay line, and ``pilot_events``: the primaries of the
    pilot of an adaptive scan on a per-cell plane, or an increasing tuple of them, a ladder of pilots
    (``ScanSpec.pilot_events``, :mod:`semivis.scan.adaptive`; None: every cell at ``n_events``)."""

    n_x: int
    n_y: int
    n_events: int
    n_curve: int = 24  # points on computed overlay lines (relic targets, (g-2) bands, recast constraints)
    pilot_events: int | tuple[int, ...] | None = None


#: ``fast`` (default) runs ``semivis figure epjc2023-fig3`` in minutes on a 2-core laptop;
#: ``publication`` is the >= 50 x >= 200 grid used for the published-quality figures.
RESOLUTIONS: Mapping[str, Resolution] = MappingProxyType(
    {
        "fast": Resolution(n_x=10, n_y=80, n_events=1000, n_curve=20),
        # per-cell planes adaptive: a ladder of pilots (1/256, 1/64, 1/16 of the primaries) decides the cells far
        # from the contour (issue 12, item 4; docs/performance.md, "A ladder of pilots")
        "publication": Resolution(n_x=50, n_y=200, n_events=20000, n_curve=80, pilot_events=(78, 312, 1250)),
    }
)


@dataclass(frozen=True)
class FigureRecipe:
    """Everything needed to compute and draw one figure (see the module docstring)."""

    name: str
    title: str
    paper: str
    ref: str
    model: str  # "idm" or "i2dm"
    plane: str  # key of semivis.planes.PLANES
    x: Axis
    y: Axis
    fixed: Mapping[str, float | str]  # a string is a scan rule by name (eps = "g2:fnal2021:central")
    na64: tuple[NA64Curve, ...]
    overlays: tuple[Overlay, ...]
    summary: tuple[str, ...] = ()
    caption: str = ""
    assumptions: tuple[str, ...] = ()
    legend_loc: str = "lower right"
    panel_title: str = ""

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description of the recipe (used by the docs generator and ``--data``)."""
        return {
            "name": self.name,
            "title": self.title,
            "paper": self.paper,
            "ref": self.ref,
            "model": self.model,
            "plane": self.plane,
            "x": {"var": self.x.var, "lim": list(self.x.lim), "log": self.x.log},
            "y": {"var": self.y.var, "lim": list(self.y.lim), "log": self.y.log},
            "fixed": dict(self.fixed),
            "na64": [
                {
                    "key": c.key,
                    "card": c.card,
                    "eot": c.eot,
                    "selection": c.selection,
                    "role": c.role,
                    "processes": list(c.processes),
                }
                for c in self.na64
            ],
            "overlays": [
                {"kind": o.kind, "name": o.name, "label": o.label, "params": dict(o.params)} for o in self.overlays
            ],
            "summary": list(self.summary),
            "assumptions": list(self.assumptions),
        }


# ----------------------------------------------------------------------------------------------------------
# building blocks
# ----------------------------------------------------------------------------------------------------------

EPJC2023 = "Mongillo et al. (NA64), EPJC 83 (2023) 391, arXiv:2302.05414"
EPJC2021 = "NA64 (Cazzaniga et al.), EPJC 81 (2021) 959, arXiv:2107.02021"

#: statistics label -> (card, EOT) used by the figures
STATISTICS: Mapping[str, tuple[str, float]] = MappingProxyType(
    {
        "2.84e11": ("na64-2016-2018", 2.84e11),
        "1e12": ("na64-2016-2022", 1e12),
        "5e12": ("na64-ls3", 5e12),
        "5e12-compact-hcal1": ("na64-compact-hcal1", 5e12),
        # the beams comparison (docs/beams.md): each set-up at its own recorded statistics
        "e-:9.37e11": ("na64-2016-2022", 9.37e11),
        "e+2022:1.01e10": ("na64-positron-2022", 1.01e10),
        "e+2023:1.6e10": ("na64-positron-2023", 1.6e10),
        "mu2022:1.98e10": ("na64mu-2022", 1.98e10),
    }
)


def _na64(stat: str, selection: str = "missing-energy", label: str | None = None) -> NA64Curve:
    card, eot = STATISTICS[stat]
    if stat == "2.84e11":
        return NA64Curve(
            stat, label or r"NA64 $2.84\times10^{11}$ EOT", card, eot, selection, "exclusion", COLORS["na64"], "-"
        )
    if stat == "1e12":
        return NA64Curve(
            stat, label or r"NA64 $10^{12}$ EOT", card, eot, selection, "projection", COLORS["na64-1e12"], "--"
        )
    if stat == "5e12":
        return NA64Curve(
            stat, label or r"NA64 $5\times10^{12}$ EOT", card, eot, selection, "projection", COLORS["na64-5e12"], "-."
        )
    return NA64Curve(
        stat,
        label or r"NA64 $5\times10^{12}$ EOT, 50 cm HCAL1",
        card,
        eot,
        selection,
        "projection",
        COLORS["na64-5e12"],
        "--",
    )


def _with_annihilation(stat: str = "2.84e11", selection: str = "missing-energy") -> NA64Curve:
    """semivis's improvement: the curve of statistics ``stat`` with A' from bremsstrahlung AND resonant annihilation
    of shower positrons (not in the papers' recasts), drawn as its own labelled line."""
    card, eot = STATISTICS[stat]
    return NA64Curve(
        f"{stat}+annihilation",
        "semivis: + resonant annihilation (not in the paper)",
        card,
        eot,
        selection,
        "improvement",
        COLORS["semivis-annihilation"],
        ":",
        ("brem", "annihilation"),
    )


def _with_box_s1(stat: str = "2.84e11") -> NA64Curve:
    """semivis's improvement: the curve of statistics ``stat`` (bremsstrahlung only, as the paper) with the combined
    signature ``box+s1`` (the 2023 missing-energy box united with the 2021 displaced S1 in one bin; EPJC 2023
    Sect. 5: "combining the search for missing energy in the ECAL with the displaced leptons approach", future
    work), drawn as its own labelled line."""
    card, eot = STATISTICS[stat]
    return NA64Curve(
        f"{stat}:box+s1",
        "semivis: box + displaced S1, one bin (not in the paper)",
        card,
        eot,
        "box+s1",
        "improvement",
        COLORS["semivis-box+s1"],
        ":",
        PAPER_PROCESSES,
    )


_NA64_2023 = (_na64("2.84e11"), _na64("1e12"), _na64("5e12"))
_NA64_2023_CURRENT_1E12 = (_na64("2.84e11"), _na64("1e12"))


def _c(name: str, label: str, color_key: str, style: str = "fill") -> Overlay:
    return Overlay("constraint", name, label, COLORS[color_key], style)


BABAR = _c("babar_semivisible", "BaBar (recast)", "babar")
LEP = _c("lep_ewpo", "LEP (EWPO)", "lep")
E137 = _c("e137", "E137", "e137")
NUCAL = _c("nucal", "NuCal", "nucal")
CHARM = _c("charm", "CHARM", "charm")
LSND = _c("lsnd", "LSND", "lsnd")
#: the E137 decay region computed by semivis at the figure's own benchmark (semivis.beamdump; registry entries
#: e137_computed, and e137_computed_g2 where eps = eps_(g-2)), an overlay apart from the paper's E137 (caption only)
_E137_SEMIVIS_LABEL = "E137 decay (computed by semivis)"
E137_SEMIVIS = _c("e137_computed", _E137_SEMIVIS_LABEL, "e137-semivis")
E137_SEMIVIS_G2 = _c("e137_computed_g2", _E137_SEMIVIS_LABEL, "e137-semivis")
#: the proton-dump decay regions computed by semivis (registry entries nucal_computed, charm_computed), beside the
#: papers' NuCal and CHARM (caption only)
NUCAL_SEMIVIS = _c("nucal_computed", "NuCal decay (computed by semivis)", "nucal-semivis")
CHARM_SEMIVIS = _c("charm_computed", "CHARM decay (computed by semivis)", "charm-semivis")
CMB = _c("cmb_planck2018", "CMB (Planck 2018)", "cmb", "line")
RELIC = Overlay("relic", "relic", "Relic abundance", COLORS["relic"], "line")
G2_2023 = (
    Overlay("g2", "bnl2006", r"$(g-2)_\mu$ $2\sigma$ (BNL E821)", COLORS["g2-outer"], "lines"),
    Overlay("g2", "fnal2021", r"$(g-2)_\mu$ $2\sigma$ (BNL+FNAL 2021)", COLORS["g2-inner"], "band"),
)
G2_2021 = (
    Overlay("g2", "bnl2006", r"$(g-2)_\mu$ $2\sigma$ before FNAL (BNL)", COLORS["g2-bnl"], "band"),
    Overlay("g2", "fnal2021", r"$(g-2)_\mu$ $2\sigma$ world average 2021", COLORS["g2-wa2021"], "band"),
)
DELTA_MAX = Overlay("kinematic", "delta-max", r"$\Delta > m_{A'} - 2m_{\chi_1}$", COLORS["kinematic"], "fill")

M_AP = r"$m_{A'}$ [GeV]"
M_CHI1 = r"$m_{\chi_1}$ [GeV]"
EPS = r"$\varepsilon$"
ALPHA_D = r"$\alpha_D$"
DELTA = r"$\Delta/m_{\chi_1}$"
Y_VAR = r"$y = \varepsilon^2\alpha_D\,(m_{\chi_1}/m_{A'})^4$"
R_VAR = r"$R = m_{A'}/m_{\chi_1}$"
TAN = r"$\tan\theta$"
#: eps = eps_(g-2)(m_A'): the scan rule giving, at each m_A', the eps on the central value of the fnal2021
#: (g-2)_mu band (semivis.constraints.rules.parse_rule; the papers' "value in the central band of the anomaly")
EPS_G2 = "g2:fnal2021:central"

_PT_G2 = r"iDM, $\Delta = 0.4\,m_{\chi_1}$, $m_{A'} = 3\,m_{\chi_1}$, $\varepsilon = \varepsilon_{(g-2)_\mu}$"
_I2DM_BENCH = "alpha_D = 0.1 and m_A' = 3 m_chi1 (benchmarks of arXiv:2201.08409; not in the text)"
_RANGE_NOTE = "axis ranges read off the published figure (not stated in the text)"
_E137_NOTE = (
    "E137: the papers' region (a recast rescaled between benchmarks) has no public table; semivis draws its own E137 "
    "decay region computed at this benchmark (semivis.beamdump, card e137, 95 % CL, 500 beam electrons per mass): "
    "upper (short-lived) edge validated within 3 % on the minimal dark photon; lower (long-lived) edge conservative "
    "w.r.t. Andreas et al. 2012 (+45 to +129 % in eps above it) and between the two published recasts (-55 to +19 % "
    "from Bjorken et al. 2009 up to 0.18 GeV); no scattering signal (docs/physics/constraints.md)"
)
_PROTON_DUMP_NOTE = (
    "NuCal and CHARM: the papers' regions (Tsai et al. 2021 recasts rescaled between benchmarks) have no public "
    "table; semivis draws its own decay regions computed at this benchmark (semivis.beamdump, cards nucal and charm, "
    "90 % CL; A' from pi0/eta -> gamma A' with BMPT meson spectra and, for NuCal, proton bremsstrahlung). "
    "Validated on the minimal dark photon against Tsai et al. 2021: CHARM upper edge 0 to -14 %, lower edge -1/-6 % "
    "in the eta region but -26 to -33 % (stronger) below m_pi0; NuCal meson region within -24 to +9 %, its "
    "proton-bremsstrahlung region (0.3-0.7 GeV) off by up to -51/+47 % (the reference's code carries an extra 1/4 in "
    "the splitting function); drawn only up to the reference curves' masses (CHARM 0.25 GeV, NuCal 0.8 GeV); no "
    "scattering signal (docs/physics/constraints.md)"
)
_FIG5_BENCH = "alpha_D = 0.1, R = 3, Delta = 0.4 m_chi1 (not legible in the text; as in Fig. 3)"
_BREM_2023 = (
    "NA64 curves: A' from dark bremsstrahlung only, as the paper's recast (Sect. 5 names the resonant annihilation "
    "of shower positrons as future work)"
)
_BREM_2021 = (
    "NA64 curve: A' from dark bremsstrahlung only, as the paper's recast (Sect. 2: 'produced in the target via "
    "Dark-Bremsstrahlung', e- Z -> e- Z A'; resonant annihilation not included)"
)
_BOX_S1_NOTE = (
    "semivis's improvement, drawn separately (dotted magenta, summary under improvement/2.84e11:box+s1): the 2.84e11 "
    "EOT exclusion (bremsstrahlung only) with the combined signature box+s1, the missing-energy box and the displaced "
    "S1 of EPJC 2021 in one bin (Sect. 5 of the paper proposes this combination)"
)
_ANN_NOTE = (
    "semivis's improvement, drawn separately (dotted gold, summary under improvement/2.84e11+annihilation): the "
    "2.84e11 EOT exclusion with the resonant annihilation e+ e- -> A' of shower positrons added"
)


def _fig6(
    name: str, panel: str, *, delta: float, R: float, alpha_D: float, extra: tuple[str, ...] = ()
) -> FigureRecipe:
    return FigureRecipe(
        name=name,
        title=f"Thermal iDM, Δ = {delta:g} m_χ1, m_A' = {R:g} m_χ1, α_D = {alpha_D:g} (m_χ1, y)",
        paper=EPJC2023,
        ref=f"Fig. 6 ({panel})",
        model="idm",
        plane="mchi1-y",
        x=Axis("m_chi1", M_CHI1, (1e-3, 1.0)),
        y=Axis("y", Y_VAR, (1e-14, 1e-6)),
        fixed={"alpha_D": alpha_D, "ratio": R, "delta": delta},
        na64=_NA64_2023,
        overlays=(BABAR, E137, LSND, NUCAL, CHARM, RELIC),
        caption=(
            "Current NA64 exclusion (2.84e11 EOT) and projections (1e12, 5e12 EOT) for thermal iDM in the (m_chi1, y) "
            "plane; relic target in black."
        ),
        assumptions=(_RANGE_NOTE, _BREM_2023, *extra),
        legend_loc="upper left",
        panel_title=rf"Thermal iDM, $\Delta = {delta:g}\,m_{{\chi_1}}$, $m_{{A'}} = {R:g}\,m_{{\chi_1}}$, "
        rf"$\alpha_D = {alpha_D:g}$",
    )


def _fig8_tan(name: str, panel: str, delta: float) -> FigureRecipe:
    return FigureRecipe(
        name=name,
        title=f"i2DM, Δ = {delta:g} m_χ1, ε = 1e-3 (m_χ1, tan θ)",
        paper=EPJC2023,
        ref=f"Fig. 8 ({panel})",
        model="i2dm",
        plane="mchi1-tantheta",
        x=Axis("m_chi1", M_CHI1, (1e-2, 0.5)),
        y=Axis("tan_theta", TAN, (1e-4, 1.0)),
        fixed={"eps": 1e-3, "alpha_D": 0.1, "ratio": 3.0, "delta": delta},
        na64=(*_NA64_2023, _with_annihilation()) if panel == "middle" else _NA64_2023,
        overlays=(LSND, CHARM, RELIC),
        summary=("min_allowed_mchi1_GeV",) if panel == "middle" else (),
        caption=(
            "i2DM in the (m_chi1, tan theta) plane at eps = 1e-3 (below the BaBar reach); NA64 current exclusion and "
            "projections; relic target in black; CHARM and LSND reinterpreted from iDM (Filimonova et al.)."
        ),
        assumptions=(_RANGE_NOTE, _BREM_2023, _I2DM_BENCH, *((_ANN_NOTE,) if panel == "middle" else ())),
        legend_loc="upper right",
        panel_title=rf"i2DM, $\Delta = {delta:g}\,m_{{\chi_1}}$, $\varepsilon = 10^{{-3}}$",
    )


BEAMS = "semivis (issue 15): NA64 set-ups by beam, docs/beams.md"
_BEAMS_NOTE = (
    "beams comparison (docs/beams.md): each NA64 set-up at its own recorded statistics, A' from dark bremsstrahlung "
    "AND resonant annihilation (for the positron set-ups that of the beam positron, with the card's 1 % beam energy "
    "spread); positron cards' energy spread, E_ECAL cut and efficiency are stated assumptions in the cards; the muon "
    "set-up (NA64mu) has muon dark bremsstrahlung only, its missing-momentum selection (p_out < 80 GeV, a chi2 "
    "decaying before the end of the set-up vetoes), efficiency 1 and the downstream geometry as stated assumptions"
)


def _beam_curves() -> tuple[NA64Curve, ...]:
    """Electron (2016-2022 data, 9.37e11 EOT) and positron (2022: 100 GeV, 1.01e10; 2023: 70 GeV, 1.6e10) set-ups,
    each with brem + annihilation, and the muon set-up (NA64mu 2022: 160 GeV, 1.98e10 MOT, muon dark brem,
    missing-momentum selection) side by side; all but the electron curve are semivis's additions (role improvement)."""
    both = ("brem", "annihilation")
    curves = []
    for stat, label, role, color, ls in (
        ("e-:9.37e11", r"NA64 $e^-$ 100 GeV, $9.37\times10^{11}$ EOT", "exclusion", COLORS["na64"], "-"),
        (
            "e+2022:1.01e10",
            r"NA64 $e^+$ 100 GeV, $1.01\times10^{10}$ POT (2022)",
            "improvement",
            COLORS["beam-e+2022"],
            "--",
        ),
        (
            "e+2023:1.6e10",
            r"NA64 $e^+$ 70 GeV, $1.6\times10^{10}$ POT (2023)",
            "improvement",
            COLORS["beam-e+2023"],
            "-.",
        ),
    ):
        card, eot = STATISTICS[stat]
        curves.append(NA64Curve(stat, label, card, eot, "missing-energy", role, color, ls, both))
    card, eot = STATISTICS["mu2022:1.98e10"]
    label = r"NA64$\mu$ 160 GeV, $1.98\times10^{10}$ MOT (2022)"
    curves.append(
        NA64Curve(
            "mu2022:1.98e10", label, card, eot, "missing-momentum", "improvement", COLORS["beam-mu2022"], ":", ("brem",)
        )
    )
    return tuple(curves)


def _beams_fig3() -> FigureRecipe:
    return FigureRecipe(
        name="beams-fig3",
        title="iDM (m_A', ε) by beam: NA64 e-, e+ and μ set-ups, Δ = 0.4 m_χ1, R = 3, α_D = 0.1",
        paper=BEAMS,
        ref="EPJC 2023 Fig. 3 benchmark",
        model="idm",
        plane="mAp-eps",
        x=Axis("m_Ap", M_AP, (1e-2, 3.0)),
        y=Axis("eps", EPS, (1e-6, 1e-1)),
        fixed={"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4},
        na64=_beam_curves(),
        overlays=(BABAR, *G2_2023, RELIC),
        caption=(
            "The EPJC 2023 Fig. 3 benchmark with the electron set-up (2016-2022 statistics) and the two positron "
            "runs side by side; the positron beams' resonant annihilation covers m_A' = sqrt(2 m_e E) for E between "
            "E0/2 and E0 (0.23-0.32 GeV at 100 GeV, 0.19-0.27 GeV at 70 GeV). The NA64mu muon run (missing "
            "momentum) is drawn at its own statistics too."
        ),
        assumptions=(_RANGE_NOTE, _BEAMS_NOTE),
        legend_loc="lower right",
        panel_title=r"iDM, $\Delta = 0.4\,m_{\chi_1}$, $m_{A'} = 3\,m_{\chi_1}$, $\alpha_D = 0.1$",
    )


def _beams_fig8b() -> FigureRecipe:
    return FigureRecipe(
        name="beams-fig8b",
        title="i2DM (m_χ1, tan θ) by beam: NA64 e-, e+ and μ set-ups, Δ = 0.05 m_χ1, ε = 1e-3",
        paper=BEAMS,
        ref="EPJC 2023 Fig. 8 (middle) benchmark",
        model="i2dm",
        plane="mchi1-tantheta",
        x=Axis("m_chi1", M_CHI1, (1e-2, 0.5)),
        y=Axis("tan_theta", TAN, (1e-4, 1.0)),
        fixed={"eps": 1e-3, "alpha_D": 0.1, "ratio": 3.0, "delta": 0.05},
        na64=_beam_curves(),
        overlays=(LSND, CHARM, RELIC),
        caption=(
            "The EPJC 2023 Fig. 8b benchmark (i2DM, eps = 1e-3) with the electron, positron and muon set-ups side by "
            "side; the positron runs reach m_chi1 = m_A'/3 around 0.06-0.11 GeV through the beam resonance."
        ),
        assumptions=(_RANGE_NOTE, _I2DM_BENCH, _BEAMS_NOTE),
        legend_loc="upper right",
        panel_title=r"i2DM, $\Delta = 0.05\,m_{\chi_1}$, $\varepsilon = 10^{-3}$",
    )


_RECIPES: tuple[FigureRecipe, ...] = (
    FigureRecipe(
        name="epjc2023-fig3",
        title="iDM (m_A', ε): NA64 recast vs (g-2)_μ and relic, Δ = 0.4 m_χ1, R = 3, α_D = 0.1",
        paper=EPJC2023,
        ref="Fig. 3",
        model="idm",
        plane="mAp-eps",
        x=Axis("m_Ap", M_AP, (1e-2, 3.0)),
        y=Axis("eps", EPS, (1e-6, 1e-1)),
        fixed={"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4},
        na64=(*_NA64_2023, _with_annihilation(), _with_box_s1()),
        overlays=(LEP, BABAR, E137, E137_SEMIVIS, NUCAL, NUCAL_SEMIVIS, CHARM, CHARM_SEMIVIS, *G2_2023, RELIC),
        summary=("g2_band_excluded_up_to_GeV", "relic_probed_up_to_GeV"),
        caption=(
            "NA64 90 % CL exclusion (2.84e11 EOT, blue) and projections (1e12, 5e12 EOT, dashed); (g-2)_mu 2 sigma "
            "bands (inner: BNL+FNAL 2021, outer lines: BNL E821); BaBar (red), E137, NuCal, CHARM, LEP (grey); "
            "relic target (black). Paper: g-2 band excluded up to ~1.14 GeV, relic probed up to ~0.82 GeV. "
            "Green: the E137 decay region computed by semivis at this benchmark (upper edge validated within 3 %, "
            "lower edge conservative w.r.t. Andreas et al. 2012; not the paper's recast). Orange and violet: the "
            "NuCal and CHARM decay regions computed by semivis (proton dumps; not the paper's recasts)."
        ),
        assumptions=(_RANGE_NOTE, _BREM_2023, _ANN_NOTE, _BOX_S1_NOTE, _E137_NOTE, _PROTON_DUMP_NOTE),
        legend_loc="below",  # the computed dump regions fill the lower half: no free corner
        panel_title=r"iDM, $\Delta = 0.4\,m_{\chi_1}$, $m_{A'} = 3\,m_{\chi_1}$, $\alpha_D = 0.1$",
    ),
    FigureRecipe(
        name="epjc2023-fig4a",
        title="iDM (m_A', α_D) at ε = ε_(g-2), Δ = 0.4 m_χ1, R = 3",
        paper=EPJC2023,
        ref="Fig. 4 (left)",
        model="idm",
        plane="mAp-alphaD",
        x=Axis("m_Ap", M_AP, (1e-2, 2.0)),
        y=Axis("alpha_D", ALPHA_D, (1e-2, 1.0)),
        fixed={"eps": EPS_G2, "ratio": 3.0, "delta": 0.4},
        na64=_NA64_2023_CURRENT_1E12,
        overlays=(LEP, BABAR, E137, E137_SEMIVIS_G2, RELIC),
        caption=(
            "NA64 current exclusion (solid, shaded) and 1e12 EOT projection (dashed); relic target in black. Green: "
            "the E137 decay region computed by semivis at eps = eps_(g-2) (upper edge validated within 3 %, lower edge "
            "conservative w.r.t. Andreas et al. 2012; not the paper's recast)."
        ),
        assumptions=(_RANGE_NOTE, _BREM_2023, _E137_NOTE),
        legend_loc="lower left",
        panel_title=_PT_G2,
    ),
    FigureRecipe(
        name="epjc2023-fig4b",
        title="iDM (m_χ1, Δ/m_χ1) at ε = ε_(g-2), R = 3, α_D = 0.5",
        paper=EPJC2023,
        ref="Fig. 4 (right)",
        model="idm",
        plane="mchi1-delta",
        x=Axis("m_chi1", M_CHI1, (5e-2, 0.6)),
        y=Axis("delta", DELTA, (0.1, 1.5)),
        fixed={"eps": EPS_G2, "ratio": 3.0, "alpha_D": 0.5},
        na64=_NA64_2023_CURRENT_1E12,
        overlays=(DELTA_MAX, LEP, BABAR, E137, E137_SEMIVIS_G2, RELIC),
        caption=(
            "NA64 current exclusion and 1e12 EOT projection; shaded: Δ > m_A' - 2 m_chi1 (A' -> chi1 chi2 closed). "
            "Green: the E137 decay region computed by semivis at eps = eps_(g-2) (upper edge validated within 3 %, "
            "lower edge conservative w.r.t. Andreas et al. 2012; Delta sampled at 15 values, crossings interpolated; "
            "not the paper's recast)."
        ),
        assumptions=(_RANGE_NOTE, _BREM_2023, _E137_NOTE),
        legend_loc="lower left",
        panel_title=r"iDM, $m_{A'} = 3\,m_{\chi_1}$, $\alpha_D = 0.5$, $\varepsilon = \varepsilon_{(g-2)_\mu}$",
    ),
    FigureRecipe(
        name="epjc2023-fig5a",
        title="i2DM (m_A', ε), θ = 8e-2: (g-2)_μ and relic vs CMB",
        paper=EPJC2023,
        ref="Fig. 5 (left)",
        model="i2dm",
        plane="mAp-eps",
        x=Axis("m_Ap", M_AP, (1e-2, 3.0)),
        y=Axis("eps", EPS, (1e-6, 1e-1)),
        fixed={"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4, "theta": 8e-2},
        na64=_NA64_2023,
        overlays=(LEP, BABAR, CMB, *G2_2023, RELIC),
        caption="i2DM: NA64 current exclusion and projections; (g-2)_mu band, relic target, CMB bound.",
        assumptions=(
            _RANGE_NOTE,
            _BREM_2023,
            "alpha_D = 0.1, R = 3, Delta = 0.4 m_chi1 (not legible in the text; as in Fig. 3)",
        ),
        legend_loc="lower right",
        panel_title=r"i2DM, $\theta = 8\times10^{-2}$",
    ),
    FigureRecipe(
        name="epjc2023-fig5b",
        title="i2DM (m_A', ε), θ = 4e-2: (g-2)_μ and relic irreconcilable",
        paper=EPJC2023,
        ref="Fig. 5 (right)",
        model="i2dm",
        plane="mAp-eps",
        x=Axis("m_Ap", M_AP, (1e-2, 3.0)),
        y=Axis("eps", EPS, (1e-6, 1e-1)),
        fixed={"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4, "theta": 4e-2},
        na64=_NA64_2023,
        overlays=(LEP, BABAR, CMB, *G2_2023, RELIC),
        caption="i2DM: NA64 current exclusion and projections; (g-2)_mu band, relic target, CMB bound.",
        assumptions=(
            _RANGE_NOTE,
            _BREM_2023,
            "alpha_D = 0.1, R = 3, Delta = 0.4 m_chi1 (not legible in the text; as in Fig. 3)",
        ),
        legend_loc="lower right",
        panel_title=r"i2DM, $\theta = 4\times10^{-2}$",
    ),
    _fig6("epjc2023-fig6a", "top left", delta=0.1, R=3.0, alpha_D=0.1),
    _fig6("epjc2023-fig6b", "top right", delta=0.4, R=3.0, alpha_D=0.1),
    _fig6(
        "epjc2023-fig6c",
        "bottom left",
        delta=0.1,
        R=10.0,
        alpha_D=0.1,
        extra=("R = 10 for the bottom-left panel ('ratio increased w.r.t. R = 3'; value not legible in the text)",),
    ),
    _fig6("epjc2023-fig6d", "bottom right", delta=0.4, R=3.0, alpha_D=0.5),
    FigureRecipe(
        name="epjc2023-fig7a",
        title="iDM (R, y), m_χ1 = 10 MeV, Δ = 0.1 m_χ1, α_D = 0.1",
        paper=EPJC2023,
        ref="Fig. 7 (left)",
        model="idm",
        plane="R-y",
        x=Axis("R", R_VAR, (2.5, 100.0)),
        y=Axis("y", Y_VAR, (1e-13, 1e-7)),
        fixed={"m_chi1": 0.010, "delta": 0.1, "alpha_D": 0.1},
        na64=_NA64_2023,
        overlays=(BABAR, RELIC),
        caption="NA64 exclusion and projections versus R = m_A'/m_chi1 (from R = 2.5, above the resonance).",
        assumptions=(_RANGE_NOTE, _BREM_2023),
        legend_loc="upper right",
        panel_title=r"iDM, $\Delta = 0.1\,m_{\chi_1}$, $m_{\chi_1} = 10$ MeV, $\alpha_D = 0.1$",
    ),
    FigureRecipe(
        name="epjc2023-fig7b",
        title="iDM (R, y), m_χ1 = 150 MeV, Δ = 0.4 m_χ1, α_D = 0.5",
        paper=EPJC2023,
        ref="Fig. 7 (right)",
        model="idm",
        plane="R-y",
        x=Axis("R", R_VAR, (2.5, 100.0)),
        y=Axis("y", Y_VAR, (1e-10, 1e-5)),
        fixed={"m_chi1": 0.150, "delta": 0.4, "alpha_D": 0.5},
        na64=_NA64_2023,
        overlays=(BABAR, RELIC),
        caption="NA64 exclusion and projections versus R = m_A'/m_chi1 (from R = 2.5, above the resonance).",
        assumptions=(_RANGE_NOTE, _BREM_2023),
        legend_loc="upper right",
        panel_title=r"iDM, $\Delta = 0.4\,m_{\chi_1}$, $m_{\chi_1} = 150$ MeV, $\alpha_D = 0.5$",
    ),
    FigureRecipe(
        name="epjc2023-fig8a",
        title="i2DM (m_χ1, y), Δ = 0.05 m_χ1: relic lines for tan θ = 1e-4, 1e-3, 1e-2",
        paper=EPJC2023,
        ref="Fig. 8 (left)",
        model="i2dm",
        plane="mchi1-y",
        x=Axis("m_chi1", M_CHI1, (1e-3, 1.0)),
        y=Axis("y", Y_VAR, (1e-14, 1e-6)),
        fixed={"alpha_D": 0.1, "ratio": 3.0, "delta": 0.05, "tan_theta": 1e-3},
        na64=_NA64_2023,
        overlays=(
            BABAR,
            Overlay("relic", "relic", r"Relic, $\tan\theta = 10^{-4}$", COLORS["relic"], "line", {"tan_theta": 1e-4}),
            Overlay("relic", "relic", r"Relic, $\tan\theta = 10^{-3}$", COLORS["relic"], "line", {"tan_theta": 1e-3}),
            Overlay("relic", "relic", r"Relic, $\tan\theta = 10^{-2}$", COLORS["relic"], "line", {"tan_theta": 1e-2}),
        ),
        caption=(
            "i2DM with small splitting: chi2 long-lived, NA64 and BaBar bounds independent of theta (NA64 evaluated at "
            "tan theta = 1e-3); three relic lines (tan theta = 1e-4, 1e-3, 1e-2)."
        ),
        assumptions=(_RANGE_NOTE, _BREM_2023, _I2DM_BENCH),
        legend_loc="upper left",
        panel_title=r"i2DM, $\Delta = 0.05\,m_{\chi_1}$",
    ),
    _fig8_tan("epjc2023-fig8b", "middle", 0.05),
    _fig8_tan("epjc2023-fig8c", "right", 0.01),
    FigureRecipe(
        name="epjc2021-fig4",
        title="iDM (m_A', ε), S1+S2 analysis, Δ = 0.4 m_χ1, R = 3, α_D = 0.1",
        paper=EPJC2021,
        ref="Fig. 4",
        model="idm",
        plane="mAp-eps",
        x=Axis("m_Ap", M_AP, (2e-3, 1.0)),
        y=Axis("eps", EPS, (1e-6, 1e-1)),
        fixed={"alpha_D": 0.1, "ratio": 3.0, "delta": 0.4},
        na64=(
            _na64("2.84e11", "s1+s2", r"NA64 S1+S2, $2.84\times10^{11}$ EOT"),
            _with_annihilation("2.84e11", "s1+s2"),
        ),
        overlays=(BABAR, E137, NUCAL, CHARM, *G2_2021, RELIC),
        summary=("g2_band_excluded_up_to_GeV",),
        caption=(
            "NA64 90 % CL exclusion from the S1 (chi2 decays in HCAL2-3) + S2 (beyond the set-up) multibin analysis; "
            "red band: (g-2)_mu 2 sigma world average 2021; blue: before FNAL. Paper: excluded up to ~0.39 GeV."
        ),
        assumptions=(_RANGE_NOTE, _BREM_2021, _ANN_NOTE),
        legend_loc="lower right",
        panel_title=r"iDM, $\Delta = 0.4\,m_{\chi_1}$, $m_{A'} = 3\,m_{\chi_1}$, $\alpha_D = 0.1$",
    ),
    FigureRecipe(
        name="epjc2021-fig5a",
        title="iDM (m_A', α_D) at ε = ε_(g-2), S1+S2, Δ = 0.4 m_χ1, R = 3",
        paper=EPJC2021,
        ref="Fig. 5 (top)",
        model="idm",
        plane="mAp-alphaD",
        x=Axis("m_Ap", M_AP, (1e-2, 1.0)),
        y=Axis("alpha_D", ALPHA_D, (1e-2, 1.0)),
        fixed={"eps": EPS_G2, "ratio": 3.0, "delta": 0.4},
        na64=(_na64("2.84e11", "s1+s2", r"NA64 S1+S2, $2.84\times10^{11}$ EOT"),),
        overlays=(BABAR, E137, NUCAL, CHARM, RELIC),
        caption="NA64 S1+S2 exclusion at eps in the central (g-2)_mu band; relic target in black.",
        assumptions=(_RANGE_NOTE, _BREM_2021),
        legend_loc="lower right",
        panel_title=_PT_G2,
    ),
    FigureRecipe(
        name="epjc2021-fig5b",
        title="iDM (m_χ1, Δ/m_χ1) at ε = ε_(g-2), S1+S2 and 5e12 EOT compact-HCAL1 projection",
        paper=EPJC2021,
        ref="Fig. 5 (bottom)",
        model="idm",
        plane="mchi1-delta",
        x=Axis("m_chi1", M_CHI1, (3e-3, 0.4)),
        y=Axis("delta", DELTA, (0.1, 1.0)),
        fixed={"eps": EPS_G2, "ratio": 3.0, "alpha_D": 0.1},
        na64=(
            _na64("2.84e11", "s1+s2", r"NA64 S1+S2, $2.84\times10^{11}$ EOT"),
            _na64("5e12-compact-hcal1", "s1+s2"),
        ),
        overlays=(BABAR, E137, NUCAL, CHARM, RELIC),
        caption="NA64 S1+S2 exclusion and the 5e12 EOT projection with a 50 cm HCAL1 (card na64-compact-hcal1).",
        assumptions=(_RANGE_NOTE, _BREM_2021),
        legend_loc="upper left",
        panel_title=r"iDM, $m_{A'} = 3\,m_{\chi_1}$, $\alpha_D = 0.1$, $\varepsilon = \varepsilon_{(g-2)_\mu}$",
    ),
    _beams_fig3(),
    _beams_fig8b(),
)

#: figure name -> recipe (insertion order = paper order)
FIGURES: Mapping[str, FigureRecipe] = MappingProxyType({r.name: r for r in _RECIPES})


def figure_names() -> list[str]:
    """All figure names in paper order (``all`` is not a figure but a CLI alias for this list)."""
    return list(FIGURES)


def list_figures() -> list[tuple[str, str]]:
    """``(name, title)`` of every figure, for ``semivis figure --list``.

    >>> list_figures()[0][0]
    'epjc2023-fig3'
    """
    return [(r.name, r.title) for r in FIGURES.values()]


def get_recipe(name: str) -> FigureRecipe:
    """The recipe of figure ``name``; unknown names raise :class:`~semivis.errors.ParameterError` listing them.

    >>> get_recipe("fig3")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: figure = 'fig3' is out of range: allowed one of epjc2023-fig3, ...
    """
    try:
        return FIGURES[name]
    except KeyError:
        raise ParameterError("figure", name, "one of " + ", ".join(FIGURES) + " (or 'all')") from None
