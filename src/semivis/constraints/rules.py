"""Mass-dependent fixed couplings: named, declarative rules such as ``eps = "g2:fnal2021:central"``.

A fixed ``eps`` of a scan or figure may be ``"g2:<band>:<edge>"``: eps explaining the (g-2)_mu band ``<band>``
of :data:`semivis.constraints.G2_BANDS` at its central value or its 2 sigma edges (``central`` | ``low`` |
``high``; ``max`` for a band that is an upper limit only, e.g. ``wp2025``), from
:func:`semivis.constraints.g2_eps` (one-loop Delta a_mu, Pospelov, PRD 80 (2009) 095002, Eq. 3).
``"g2:fnal2021:central"`` is the papers' eps = eps_(g-2) (2021 paper Fig. 5; EPJC 2023 Fig. 4: "the value in the
central band of the (g_mu - 2) anomaly"). No code is evaluated: a rule is a band name and an edge.

A rule is resolved to numbers once, at each column's m_A' (:meth:`semivis.scan.ScanSpec.fixed_values`), so
:mod:`semivis.planes` only ever sees numbers.

>>> rule = parse_rule("--eps", "g2:fnal2021:central")
>>> str(rule), 3e-3 < float(rule(0.1)) < 4e-3
('g2:fnal2021:central', True)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from semivis.constraints.g2 import G2_BANDS, g2_band, g2_eps
from semivis.errors import ParameterError

__all__ = ["RULE_FORMS", "RULE_PARAMETERS", "CouplingRule", "parse_rule"]

#: fixed parameters that may be given as a mass-dependent rule instead of a number
RULE_PARAMETERS: tuple[str, ...] = ("eps",)

#: the allowed forms of a rule, for error messages
RULE_FORMS = (
    "a number (0 < eps < 1), or a rule g2:<band>:<edge> (eps explaining a (g-2)_mu band at m_A'), "
    "<band> one of {bands}, <edge> central | low | high (2 sigma edges; max for an upper-limit-only band), "
    "e.g. g2:fnal2021:central"
)
_G2_EDGES: tuple[str, ...] = ("central", "low", "high", "max")
_G2_NSIGMA = 2.0  # width of the band whose edges low/high/max refer to (both papers: 2 sigma)


@dataclass(frozen=True)
class CouplingRule:
    """A named mass-dependent value of a fixed coupling: ``g2:<band>:<edge>`` (see the module docstring).

    Calling it with m_A' [GeV] gives eps from :func:`semivis.constraints.g2_eps` (Delta a_mu proportional to
    eps^2, one loop, Pospelov 2009 Eq. 3): ``eps_central`` of the band, its 2 sigma ``eps_low``/``eps_high``
    edges, or ``eps_max`` of an upper-limit-only band. ``str(rule)`` is its canonical name, which is what a
    :class:`~semivis.scan.ScanSpec` stores (and so what enters the scan's hash and provenance).
    """

    band: str
    edge: str

    def __str__(self) -> str:
        return f"g2:{self.band}:{self.edge}"

    def __call__(self, m_ap: float | Sequence[float] | NDArray[np.float64]) -> NDArray[np.float64]:
        """eps of this rule at m_A' [GeV] (array in, array out)."""
        out = g2_eps(np.asarray(m_ap, dtype=np.float64), g2_band(self.band), _G2_NSIGMA)
        return np.asarray(out[f"eps_{self.edge}"], dtype=np.float64)


def _g2_edges(band: str) -> tuple[str, ...]:
    """Edges a band offers at 2 sigma: central/low/high, or only max (upper limit; lower edge <= 0)."""
    b = G2_BANDS[band]
    if b.upper_limit_only or b.central - _G2_NSIGMA * b.sigma <= 0:
        return ("max",)
    return ("central", "low", "high")


def parse_rule(option: str, text: str) -> CouplingRule:
    """The :class:`CouplingRule` named by ``text``; anything else raises ParameterError naming ``option``.

    >>> parse_rule("--eps", " G2:fnal2021:High ")
    CouplingRule(band='fnal2021', edge='high')
    >>> parse_rule("--eps", "g2:fnal2021:max")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: --eps = 'g2:fnal2021:max' is out of range: allowed ... (band fnal2021 offers ...
    """
    allowed = RULE_FORMS.format(bands=" | ".join(sorted(G2_BANDS)))
    parts = text.strip().lower().split(":") if isinstance(text, str) else []
    if len(parts) != 3 or parts[0] != "g2" or parts[1] not in G2_BANDS or parts[2] not in _G2_EDGES:
        raise ParameterError(option, text, allowed)
    edges = _g2_edges(parts[1])
    if parts[2] not in edges:
        raise ParameterError(option, text, allowed, f"band {parts[1]} offers {' | '.join(edges)} only")
    return CouplingRule(parts[1], parts[2])
