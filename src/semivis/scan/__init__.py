"""Parameter scans: planes, executors, sample cache, resumable result store (xarray -> netCDF).

>>> from semivis.scan import PLANES, ScanSpec
>>> PLANES["mAp-eps"].y
'eps'
"""

from semivis.scan.cache import SampleCache, cache_key, default_cache_dir
from semivis.scan.evaluators import Evaluator, SignalEvaluator, ToyEvaluator
from semivis.scan.planes import MODELS, PLANES, Plane
from semivis.scan.result import contour_lines, contours, load_result, provenance, write_result
from semivis.scan.runner import EXECUTORS, compute_column, mass_seed, run_scan
from semivis.scan.spec import ScanSpec, log_grid

__all__ = [
    "EXECUTORS",
    "MODELS",
    "PLANES",
    "Evaluator",
    "Plane",
    "SampleCache",
    "ScanSpec",
    "SignalEvaluator",
    "ToyEvaluator",
    "cache_key",
    "compute_column",
    "contour_lines",
    "contours",
    "default_cache_dir",
    "load_result",
    "log_grid",
    "mass_seed",
    "provenance",
    "run_scan",
    "write_result",
]
