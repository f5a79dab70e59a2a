"""The digest of semivis's own code, and numba's on-disk cache keyed by it.

numba's ``cache=True`` invalidates a compiled function only when *its own* source file changes, not when a function
it calls in another module does: after an edit (or an upgrade) of ``detector/kernels.py`` alone, the cached
``signal/_kernels.py`` functions would keep running the old compiled deposits and return wrong numbers without any
error (found in issue 12, 2026-11-30: Fig. 3 moved from 1.418 to 1.423 GeV on recompiling the same source). So
semivis points numba's cache at a folder named by the digest of every source file of the package: any change of
the code is a fresh compile, never a stale kernel. Configured once, when :mod:`semivis` is imported, before any
kernel module is; the environment variable is inherited by worker processes, so every executor uses the same cache.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

__all__ = ["configure_numba_cache", "source_digest"]

_SOURCE_DIGEST: str | None = None
_SUFFIXES = {".py", ".json", ".toml", ".csv", ".txt", ".bib", ".dat", ".lmt"}


def source_digest() -> str:
    """SHA-256 of the source and data files of the installed semivis package (names and contents).

    Cached entries computed by semivis's code (numba kernels, lifetime kernels, figure grids) are keyed by it, so
    any change of the code that computed them is a miss, never a stale number. Computed once per process (~10 ms).

    >>> len(source_digest())
    64
    """
    global _SOURCE_DIGEST  # noqa: PLW0603 - computed once per process
    if _SOURCE_DIGEST is None:
        pkg = Path(__file__).resolve().parent
        h = hashlib.sha256()
        for path in sorted(pkg.rglob("*")):
            if path.is_file() and path.suffix in _SUFFIXES and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(pkg)).encode())
                h.update(hashlib.sha256(path.read_bytes()).digest())
        _SOURCE_DIGEST = h.hexdigest()
    return _SOURCE_DIGEST


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError:
        return False
    return True


def configure_numba_cache() -> Path | None:
    """Point numba's cache at ``<base>/semivis-<digest[:16]>``; return that folder (None: left to numba).

    ``<base>`` is ``$SEMIVIS_NUMBA_CACHE_BASE`` if set, else ``$NUMBA_CACHE_DIR`` as the user gave it, else the
    platform's user cache folder for semivis + ``/numba``. The folder is exported as ``NUMBA_CACHE_DIR`` (so worker
    processes inherit it) and set in ``numba.config`` if numba is already imported. An unwritable base leaves
    numba's defaults (compiled code is then not cached across processes, which is slower but never stale).
    """
    base_env = os.environ.get("SEMIVIS_NUMBA_CACHE_BASE")
    if base_env is None:
        user = os.environ.get("NUMBA_CACHE_DIR")
        # a worker process inherits the folder configured by its parent: keep that folder's base
        base_env = str(Path(user).parent) if user and Path(user).name.startswith("semivis-") else user
        if base_env:
            os.environ["SEMIVIS_NUMBA_CACHE_BASE"] = base_env
    if base_env:
        base = Path(base_env)
    else:
        import platformdirs  # noqa: PLC0415

        base = Path(platformdirs.user_cache_dir("semivis", appauthor=False)) / "numba"
    folder = base / f"semivis-{source_digest()[:16]}"
    if not _writable(folder):
        return None
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    numba = sys.modules.get("numba")
    if numba is not None:
        numba.config.CACHE_DIR = str(folder)
    return folder
