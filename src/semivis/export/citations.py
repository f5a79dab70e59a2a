"""THE BibTeX database of semivis (``semivis/data/references.bib``) and which entries a result or figure cites.

>>> {"Mongillo:2023na64", "NA64:2021semivisible", "Bjorken:2009mm"} <= set(entries())
True
>>> bibtex(["Read:2002hq"]).splitlines()[0]
'@article{Read:2002hq,'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from semivis import __version__
from semivis.data import data_path
from semivis.errors import ParameterError

__all__ = ["CONSTRAINT_KEYS", "FIGURE_KEYS", "PAPER_KEYS", "SCAN_KEYS", "bibtex", "entries"]

#: the NA64 papers semivis reproduces, by figure-name prefix (semivis.figures names start with these)
PAPER_KEYS: dict[str, str] = {"epjc2023": "Mongillo:2023na64", "epjc2021": "NA64:2021semivisible"}

#: the physics behind a `semivis limit` result: software, both papers, Tsai's form factors (RMP 46 (1974) 815),
#: the Weizsaecker-Williams dark bremsstrahlung (Bjorken et al. PRD 80 (2009) 075018), CLs (Read 2002)
SCAN_KEYS: tuple[str, ...] = (
    "semivis",
    "Mongillo:2023na64",
    "NA64:2021semivisible",
    "Tsai:1973py",
    "Bjorken:2009mm",
    "Read:2002hq",
)

#: a figure adds the relic target: Omega h^2 (Planck 2018), g* (Saikawa-Shirai), the hadronic R ratio (PDG)
FIGURE_KEYS: tuple[str, ...] = ("semivis", "Tsai:1973py", "Bjorken:2009mm", "Read:2002hq", "Planck:2018vyg",
                                "Saikawa:2018rcs", "ParticleDataGroup:2020ssz")  # fmt: skip

#: what a figure's computed overlays rest on, by constraint name (semivis.constraints.CONSTRAINTS): the experiment,
#: the production model, and the published curve each was validated on (docs/physics/constraints.md)
CONSTRAINT_KEYS: dict[str, tuple[str, ...]] = {
    "babar_semivisible": ("BaBar:2017tiz",),
    "e137_computed": ("Bjorken:1988as", "Andreas:2012mt", "Bjorken:2009mm"),
    "e137_computed_g2": ("Bjorken:1988as", "Andreas:2012mt", "Bjorken:2009mm"),
    "orsay_computed": ("Davier:1989wz", "Andreas:2012mt"),
    "charm_computed": ("CHARM:1985anb", "Bonesini:2001iz", "Tsai:2019mtm"),
    "nucal_computed": ("Blumlein:1990ay", "Bonesini:2001iz", "Blumlein:2013cua", "Tsai:2019mtm"),
}

_ENTRY = re.compile(r"^@\w+\{([^,]+),.*?^\}", re.MULTILINE | re.DOTALL)


@cache
def entries() -> dict[str, str]:
    """{key: BibTeX entry} of the database, the semivis entry carrying the installed version."""
    text = data_path("references.bib").read_text(encoding="utf-8")
    out = {m.group(1).strip(): m.group(0) for m in _ENTRY.finditer(text)}
    out["semivis"] = re.sub(r"version = \{[^}]*\}", f"version = {{{__version__}}}", out["semivis"])
    return out


def bibtex(keys: Iterable[str]) -> str:
    """The BibTeX entries of ``keys`` (in order, each once), separated by blank lines."""
    known = entries()
    wanted = list(dict.fromkeys(keys))
    unknown = [k for k in wanted if k not in known]
    if unknown:
        raise ParameterError("key", ", ".join(unknown), f"one of {sorted(known)}")
    return "\n\n".join(known[k] for k in wanted)
