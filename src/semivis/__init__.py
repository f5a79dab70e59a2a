"""semivis: semi-visible dark photons at missing-energy fixed-target experiments (NA64).

Reproduces, from first principles, the NA64 analyses of inelastic dark matter (iDM) and inelastic
Dirac dark matter (i2DM): dark-sector widths and lifetimes, A' production in the active target,
the chi2 -> chi1 e+ e- decay chain in the detector, selections, 90 % CL limits and relic targets.

>>> import semivis
>>> semivis.__version__
'0.2.0'
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from semivis._codecache import configure_numba_cache

# before any kernel module is imported: numba's cache keyed by the digest of semivis's code (see _codecache)
configure_numba_cache()

try:
    __version__: str = version("semivis")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
