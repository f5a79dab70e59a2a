"""Parameter scans: specs, executors, sample cache, resumable result store (xarray -> netCDF), THE contour.

The planes a scan runs in live in :mod:`semivis.planes`.

>>> from semivis.scan import ScanSpec
>>> ScanSpec.from_ranges("idm", "mAp-eps", nx=2, ny=2).fixed
{'alpha_D': 0.1, 'ratio': 3.0, 'delta': 0.4}
"""

from typing import TYPE_CHECKING

from semivis._lazy import attach

if TYPE_CHECKING:
    from semivis.scan.beamdump import BeamDumpEvaluator
    from semivis.scan.cache import SampleCache, cache_key, default_cache_dir
    from semivis.scan.contours import exclusion, exclusion_rings, projection_lines
    from semivis.scan.evaluators import Evaluator, SignalEvaluator
    from semivis.scan.executors import EXECUTORS
    from semivis.scan.result import contours, load_result, provenance, write_result
    from semivis.scan.runner import compute_column, mass_seed, run_scan
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

# names imported on first use (semivis._lazy, SPEC 1): importing one submodule does not import the others
attach(
    __name__,
    {
        "BeamDumpEvaluator": "semivis.scan.beamdump",
        "SampleCache": "semivis.scan.cache",
        "cache_key": "semivis.scan.cache",
        "default_cache_dir": "semivis.scan.cache",
        "exclusion": "semivis.scan.contours",
        "exclusion_rings": "semivis.scan.contours",
        "projection_lines": "semivis.scan.contours",
        "Evaluator": "semivis.scan.evaluators",
        "SignalEvaluator": "semivis.scan.evaluators",
        "contours": "semivis.scan.result",
        "load_result": "semivis.scan.result",
        "provenance": "semivis.scan.result",
        "write_result": "semivis.scan.result",
        "EXECUTORS": "semivis.scan.executors",
        "compute_column": "semivis.scan.runner",
        "mass_seed": "semivis.scan.runner",
        "run_scan": "semivis.scan.runner",
        "ScanSpec": "semivis.scan.spec",
    },
)
