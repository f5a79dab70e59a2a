"""Content-addressed cache of per-mass-point event samples, lifetime kernels and figure grids (``.npz`` + JSON
metadata with a checksum).

Location: ``$SEMIVIS_CACHE_DIR`` if set, else ``platformdirs.user_cache_dir("semivis")`` (which honours
``XDG_CACHE_HOME`` on Linux), under one folder per *section* (:data:`SECTIONS`: ``samples/``, ``kernels/``
for :class:`semivis.signal.lifetime.LifetimeKernel`, ``figures/`` for computed figure content); the CLI's
``--cache-dir`` overrides both.

Layout: ``<root>/<section>/<key[:2]>/<key>.npz`` and ``<key>.json``. Every section has the same integrity checks.
For samples: The key is the SHA-256 of the
canonical JSON of everything the sample depends on (model kind, the three masses as exact float hex,
card content hash, n_events, the seed sequence's entropy and spawn key, semivis version, evaluator).
The ``.npz`` is written first, the ``.json`` (holding the ``.npz``'s SHA-256) last, both atomically;
an entry is trusted only if the JSON parses, names the same key and the ``.npz`` bytes match the checksum
and load with ``allow_pickle=False``. Anything else (truncated, corrupt, half-written, a directory where a
file should be) is deleted and recomputed.

A cache is an optimisation, never a reason to fail: a root that cannot be created or written (read-only file
system, a path under a regular file, ``/proc``) is reported in ONE warning line and the scan runs without
storing samples (entries already there are still read). A write that fails later (disk full) is reported once
and stops further writes of that cache.

>>> import tempfile
>>> cache = SampleCache(tempfile.mkdtemp())
>>> key = cache_key({"m_Ap": 0.1})
>>> cache.load(key) is None
True
>>> cache.store(key, {"x": np.arange(3.0)}, {"note": "demo"})
>>> cache.load(key)[0]["x"]
array([0., 1., 2.])
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import platformdirs
from numpy.typing import NDArray

from semivis._codecache import source_digest
from semivis._io import atomic_path, atomic_write_text
from semivis.errors import ParameterError

__all__ = ["SECTIONS", "SampleCache", "cache_key", "default_cache_dir", "source_digest"]

_log = logging.getLogger(__name__)
_FORMAT = 1
#: the cache's sections (sub-folders): event samples, lifetime kernels, computed figure content
SECTIONS = ("samples", "kernels", "figures")
#: Roots already reported as unusable in this process (one warning per root, however many caches open it).
_REPORTED_UNUSABLE: set[str] = set()


def default_cache_dir() -> Path:
    """``$SEMIVIS_CACHE_DIR`` or the platform's user cache directory for semivis."""
    env = os.environ.get("SEMIVIS_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_cache_dir("semivis", appauthor=False))


def cache_key(fields: Mapping[str, Any]) -> str:
    """SHA-256 hex digest of the canonical JSON of ``fields``.

    >>> cache_key({"b": 1, "a": 2}) == cache_key({"a": 2, "b": 1})
    True
    """
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _remove(path: Path) -> None:
    """Delete a rejected entry file (or a directory squatting on its name); best effort on read-only caches."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    except OSError as exc:
        _log.debug("semivis cache: cannot remove %s (%s)", path, exc)


class _HashingWriter(io.RawIOBase):
    """A write-only, unseekable file that passes every byte to ``fh`` and into a SHA-256: ``np.savez`` then writes
    its zip archive in one stream (data descriptors after each member), and the checksum is the one of the file."""

    def __init__(self, fh: BinaryIO) -> None:
        super().__init__()
        self._fh = fh
        self._sha = hashlib.sha256()
        self._n = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        self._sha.update(view)
        self._fh.write(view)
        self._n += view.nbytes
        return view.nbytes

    def tell(self) -> int:
        return self._n

    def hexdigest(self) -> str:
        """SHA-256 of everything written."""
        return self._sha.hexdigest()


class SampleCache:
    """Directory of cached entries of one section (:data:`SECTIONS`); ``root=None`` means :func:`default_cache_dir`.

    ``writable`` is False when the root cannot be created or written: then :meth:`store` does nothing.
    ``warn_unusable=False`` skips the warning about that (process-pool workers: the parent already warned).
    """

    def __init__(self, root: Path | str | None = None, *, warn_unusable: bool = True, section: str = "samples") -> None:
        if section not in SECTIONS:
            raise ParameterError("section", section, " | ".join(SECTIONS))
        self.section = section
        self.root = Path(root) if root is not None else default_cache_dir()
        self.hits = 0
        self.misses = 0
        self.rejected = 0
        self.writable = self._probe_writable(warn_unusable)

    def _probe_writable(self, warn: bool) -> bool:
        samples = self.root / self.section
        try:
            samples.mkdir(parents=True, exist_ok=True)
            if not os.access(samples, os.W_OK | os.X_OK):
                raise PermissionError(f"no write permission on {samples}")
        except OSError as exc:
            if warn and str(self.root) not in _REPORTED_UNUSABLE:
                _REPORTED_UNUSABLE.add(str(self.root))
                _log.warning(
                    "semivis cache: cannot use %s (%s); running without a %s cache",
                    self.root,
                    exc.strerror or exc,
                    {"samples": "sample", "kernels": "kernel", "figures": "figure"}[self.section],
                )
            return False
        return True

    def _paths(self, key: str) -> tuple[Path, Path]:
        d = self.root / self.section / key[:2]
        return d / f"{key}.npz", d / f"{key}.json"

    def load(self, key: str) -> tuple[dict[str, NDArray[Any]], dict[str, Any]] | None:
        """Arrays and metadata of a valid entry, or None (missing or rejected as corrupt)."""
        npz, meta_path = self._paths(key)
        try:
            if not meta_path.exists():
                self.misses += 1
                return None
            meta = json.loads(meta_path.read_text("utf-8"))
            data = npz.read_bytes()
            if meta.get("key") != key or meta.get("format") != _FORMAT:
                raise ValueError("key or format mismatch")
            if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
                raise ValueError("checksum mismatch")
            with np.load(io.BytesIO(data), allow_pickle=False) as f:
                arrays = {name: f[name] for name in f.files}
        except (OSError, ValueError, KeyError, TypeError, EOFError, AttributeError) as exc:
            _log.warning("semivis cache: rejecting corrupt entry %s (%s); recomputing", key[:12], exc)
            self.rejected += 1
            self.misses += 1
            for p in (meta_path, npz):
                _remove(p)
            return None
        self.hits += 1
        return arrays, dict(meta.get("meta", {}))

    def store(self, key: str, arrays: Mapping[str, NDArray[Any]], meta: Mapping[str, Any]) -> None:
        """Write an entry (``.npz`` then its JSON with the checksum, each atomically); a no-op if not writable."""
        if not self.writable:
            return
        npz, meta_path = self._paths(key)
        try:
            for p in (npz, meta_path):
                if p.is_dir() and not p.is_symlink():
                    _remove(p)
            with atomic_path(npz, fsync=False) as tmp, tmp.open("wb") as fh:
                sink = _HashingWriter(fh)  # the checksum of the bytes as written: no copy of the archive in memory
                np.savez(sink, **{k: np.asarray(v) for k, v in arrays.items()})  # type: ignore[arg-type]
            record = {"format": _FORMAT, "key": key, "sha256": sink.hexdigest(), "meta": dict(meta)}
            atomic_write_text(meta_path, json.dumps(record, sort_keys=True, default=str), fsync=False)
        except OSError as exc:
            self.writable = False
            _log.warning(
                "semivis cache: cannot write entry %s in %s (%s); not caching further entries",
                key[:12],
                self.root,
                exc.strerror or exc,
            )
