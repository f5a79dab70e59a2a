"""Results in the community's formats: DARKCAST ``.lmt`` (+ r-value grid), ESPP-style CSV, JSON; the BibTeX
database of semivis and the physics it uses. See docs/export.md.

>>> from semivis.export import FORMATS
>>> FORMATS
('lmt', 'csv', 'json', 'hepdata')
"""

from semivis.export.citations import CONSTRAINT_KEYS, FIGURE_KEYS, PAPER_KEYS, SCAN_KEYS, bibtex, entries
from semivis.export.hepdata import read_hepdata_tables
from semivis.export.writers import FORMATS, ExportedFile, export_curves, export_result, read_result, result_metadata

__all__ = [
    "CONSTRAINT_KEYS",
    "FIGURE_KEYS",
    "FORMATS",
    "PAPER_KEYS",
    "SCAN_KEYS",
    "ExportedFile",
    "bibtex",
    "entries",
    "export_curves",
    "export_result",
    "read_hepdata_tables",
    "read_result",
    "result_metadata",
]
