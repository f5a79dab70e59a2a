"""Parameter scans: specs, executors, sample cache, resumable result store (xarray -> netCDF), THE contour.

The planes a scan runs in live in :mod:`semivis.planes`.

>>> from semivis.scan import ScanSpec
>>> ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2).fixed
{'alpha_D': 0.1, 'ratio': 3.0, 'delta': 0.4}
"""

from semivis.scan.beamdump import BeamDumpEvaluator
from semivis.scan.cache import SampleCache, cache_key, default_cache_dir
from semivis.scan.contours import exclusion, exclusion_rings, projection_lines
from semivis.scan.evaluators import Evaluator, SignalEvaluator
from semivis.scan.result import contours, load_result, provenance, write_result
from semivis.scan.runner import EXECUTORS, compute_column, mass_seed, run_scan
from semivis.scan.spec import ScanSpec

__all__ = [
    "EXECUTORS",
    "BeamDumpEvaluator",
    "Evaluator",
    "SampleCache",
    "ScanSpec",
    "SignalEvaluator",
    "cache_key",
    "compute_column",
    "contours",
    "default_cache_dir",
    "exclusion",
    "exclusion_rings",
    "load_result",
    "mass_seed",
    "projection_lines",
    "provenance",
    "run_scan",
    "write_result",
]
