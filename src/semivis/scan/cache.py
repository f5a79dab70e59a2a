"""Content-addressed cache of per-mass-point event samples (``.npz`` + JSON metadata with a checksum).

Location: ``$SEMIVIS_CACHE_DIR`` if set, else ``platformdirs.user_cache_dir("semivis")`` (which honours
``XDG_CACHE_HOME`` on Linux), under ``samples/``; the CLI's ``--cache-dir`` overrides both.

Layout: ``<root>/samples/<key[:2]>/<key>.npz`` and ``<key>.json``. The key is the SHA-256 of the
canonical JSON of everything the sample depends on (model kind, the three masses as exact float hex,
card content hash, n_events, the seed sequence's entropy and spawn key, semivis version, evaluator).
The ``.npz`` is written first, the ``.json`` (holding the ``.npz``'s SHA-256) last, both atomically;
an entry is trusted only if the JSON parses, names the same key and the ``.npz`` bytes match the checksum
and load with ``allow_pickle=False``. Anything else (truncated, corrupt, half-written) is deleted and
recomputed.

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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import platformdirs
from numpy.typing import NDArray

from semivis.scan._io import atomic_write_bytes, atomic_write_text

__all__ = ["SampleCache", "cache_key", "default_cache_dir"]

_log = logging.getLogger(__name__)
_FORMAT = 1


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


class SampleCache:
    """Directory of cached samples; ``root=None`` means :func:`default_cache_dir`."""

    def __init__(self, root: Path | str | None = None) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.hits = 0
        self.misses = 0
        self.rejected = 0

    def _paths(self, key: str) -> tuple[Path, Path]:
        d = self.root / "samples" / key[:2]
        return d / f"{key}.npz", d / f"{key}.json"

    def load(self, key: str) -> tuple[dict[str, NDArray[Any]], dict[str, Any]] | None:
        """Arrays and metadata of a valid entry, or None (missing or rejected as corrupt)."""
        npz, meta_path = self._paths(key)
        if not meta_path.exists():
            self.misses += 1
            return None
        try:
            meta = json.loads(meta_path.read_text("utf-8"))
            data = npz.read_bytes()
            if meta.get("key") != key or meta.get("format") != _FORMAT:
                raise ValueError("key or format mismatch")
            if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
                raise ValueError("checksum mismatch")
            with np.load(io.BytesIO(data), allow_pickle=False) as f:
                arrays = {name: f[name] for name in f.files}
        except (OSError, ValueError, KeyError, TypeError, EOFError) as exc:
            _log.warning("semivis cache: rejecting corrupt entry %s (%s); recomputing", key[:12], exc)
            self.rejected += 1
            self.misses += 1
            for p in (meta_path, npz):
                p.unlink(missing_ok=True)
            return None
        self.hits += 1
        return arrays, dict(meta.get("meta", {}))

    def store(self, key: str, arrays: Mapping[str, NDArray[Any]], meta: Mapping[str, Any]) -> None:
        """Write an entry (``.npz`` then its JSON with the checksum, each atomically)."""
        npz, meta_path = self._paths(key)
        buf = io.BytesIO()
        np.savez(buf, **{k: np.asarray(v) for k, v in arrays.items()})  # type: ignore[arg-type]
        data = buf.getvalue()
        atomic_write_bytes(npz, data, fsync=False)
        record = {"format": _FORMAT, "key": key, "sha256": hashlib.sha256(data).hexdigest(), "meta": dict(meta)}
        atomic_write_text(meta_path, json.dumps(record, sort_keys=True, default=str), fsync=False)
