"""Where a figure goes: the files ``--out`` names, checks that they can be written, and the figure cache.

The **figure cache** (issue 12, "cache what does not change") keeps, per figure, its computed content (the
``--data`` JSON) and its rendered images (PNG and PDF bytes) in the ``figures/`` section of the content-addressed
cache (:class:`semivis.scan.cache.SampleCache`: checksummed ``.npz`` + JSON, written atomically, corrupt entries
recomputed). The key (:func:`figure_key`) holds everything that fixes those bytes: the figure, its resolution,
the signal-efficiency mode, every ``SEMIVIS_*`` switch of the environment but the cache locations, the digest of
semivis's source and package data (any change of code, recipe, card or table is a miss, never a stale figure) and
the versions of matplotlib and mplhep. The images are deterministic (PNG "Software" and PDF metadata fixed, no
creation date), so an entry's bytes are the ones a redraw writes. :func:`replay_figure` serves a re-run from it
without importing the scans, the numba kernels or matplotlib (docs/performance.md, "A warm figure from the figure
cache").

This module stays light (numpy, the cache and the data format): ``semivis figure`` imports it first.

>>> [str(p) for p in figure_targets("fig3")]
['fig3.png', 'fig3.pdf']
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import asdict
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from semivis import __version__
from semivis._codecache import source_digest
from semivis._io import atomic_write_bytes
from semivis.errors import ParameterError
from semivis.figures.data import FigureData
from semivis.figures.registry import FIGURES, RESOLUTIONS, Resolution
from semivis.scan.cache import SampleCache, cache_key

__all__ = [
    "IMAGE_FORMATS",
    "check_output",
    "figure_key",
    "figure_targets",
    "replay_figure",
    "store_figure",
]

#: the image formats a figure is written in (``--out`` suffixes), each rendered into the figure cache
IMAGE_FORMATS = ("png", "pdf")
#: version of the figure cache's entries (content and image arrays); a change makes every old entry a miss
_FIGURE_CACHE_FORMAT = 1
#: environment variables that locate caches and change no number (left out of :func:`figure_key`)
_LOCATION_VARIABLES = frozenset({"SEMIVIS_CACHE_DIR", "SEMIVIS_NUMBA_CACHE_BASE"})


def figure_targets(path: str | Path) -> list[Path]:
    """The files ``--out`` names: ``path`` itself if it ends in .png or .pdf, both for a path without suffix.

    >>> [str(p) for p in figure_targets("fig3.pdf")]
    ['fig3.pdf']
    >>> figure_targets("fig3.jpg")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: --out = 'fig3.jpg' is out of range: allowed a .png or .pdf file ...
    >>> figure_targets("-")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: --out = '-' is out of range: allowed a .png or .pdf file ... (an image ...
    """
    if str(path) == "-":  # not a stem: '-' would write files named '-.png' and '-.pdf'
        raise ParameterError("--out", "-", "a .png or .pdf file (or a stem)", "an image cannot go to stdout")
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in {".png", ".pdf", ""}:
        raise ParameterError("--out", str(path), "a .png or .pdf file (or a stem: both are written)")
    return [p] if suffix else [p.with_suffix(f".{fmt}") for fmt in IMAGE_FORMATS]


def check_output(option: str, path: str | Path) -> Path:
    """Check, before any computation, that ``path`` can be written: its folder exists or is created now and
    takes a new file, and ``path`` is not a folder. Raises one :class:`~semivis.errors.ParameterError` naming
    ``option`` (``--out``, ``--data``) otherwise.

    >>> import tempfile, pathlib
    >>> check_output("--data", pathlib.Path(tempfile.mkdtemp()) / "new" / "f.json").parent.is_dir()
    True
    """
    target = Path(path)
    if target.is_dir():
        raise ParameterError(option, str(path), "a file path (this is a folder)")
    check_folder(option, target.parent, str(path))
    return target


def check_folder(option: str, folder: Path, shown: str) -> None:
    """Create ``folder`` if needed and check that it takes a new file (else one error naming ``option``)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):  # writability as the file system sees it (read-only mounts, ACLs)
            pass
    except OSError as exc:
        why = exc.strerror or type(exc).__name__
        raise ParameterError(option, shown, "a path in a folder semivis can create and write to", why) from None


def _package_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def figure_key(name: str, resolution: str | Resolution, efficiency_normalisation: str) -> str | None:
    """The figure cache's key of figure ``name`` (module docstring), or None when the inputs name no figure or
    resolution (the computing path then reports the error).

    >>> figure_key("epjc2023-fig3", "fast", "first-principles") == figure_key("epjc2023-fig3", "fast",
    ...     "first-principles")
    True
    >>> figure_key("epjc2023-fig3", "fast", "first-principles") != figure_key("epjc2023-fig3", "publication",
    ...     "first-principles")
    True
    >>> figure_key("fig3", "fast", "first-principles") is None
    True
    """
    if name not in FIGURES:
        return None
    res = RESOLUTIONS.get(resolution) if isinstance(resolution, str) else resolution
    if not isinstance(res, Resolution):
        return None
    switches = {k: v for k, v in os.environ.items() if k.startswith("SEMIVIS_") and k not in _LOCATION_VARIABLES}
    return cache_key(
        {
            "what": "figure",
            "format": _FIGURE_CACHE_FORMAT,
            "figure": name,
            "resolution": asdict(res),
            "efficiency_normalisation": efficiency_normalisation,
            "environment": switches,
            "code": source_digest(),
            "version": __version__,
            "matplotlib": _package_version("matplotlib"),
            "mplhep": _package_version("mplhep"),
        }
    )


def store_figure(key: str, data: FigureData, images: Mapping[str, bytes], cache_dir: str | Path | None) -> None:
    """Keep ``data`` (without the run's ``meta["files"]``) and the rendered ``images`` (format -> bytes, every
    format of :data:`IMAGE_FORMATS`) under ``key`` in the figure cache (a no-op where the cache is not writable)."""
    content = data.to_json()
    content["meta"] = {k: v for k, v in content["meta"].items() if k != "files"}
    arrays = {f"image_{fmt}": np.frombuffer(images[fmt], dtype=np.uint8) for fmt in IMAGE_FORMATS}
    arrays["content"] = np.frombuffer(json.dumps(content).encode("utf-8"), dtype=np.uint8)
    SampleCache(cache_dir, section="figures").store(key, arrays, {"what": "figure", "figure": data.name})


def replay_figure(
    name: str,
    *,
    out: str | Path | None,
    data_path: str | Path | None,
    resolution: str | Resolution,
    efficiency_normalisation: str,
    cache_dir: str | Path | None,
) -> FigureData | None:
    """The figure from the figure cache when it holds ``name`` for these inputs (:func:`figure_key`): writes its
    cached images to ``out``'s :func:`figure_targets` and its content to ``data_path`` (each atomically, checked
    first like the computing path) and returns the data, with ``meta["files"]`` and ``meta["figure_cache"]`` (the
    key). None on a miss (nothing written)."""
    key = figure_key(name, resolution, efficiency_normalisation)
    if key is None:
        return None
    targets = figure_targets(out) if out is not None else []
    for target in targets:
        check_output("--out", target)
    if data_path is not None:
        check_output("--data", data_path)
    entry = SampleCache(cache_dir, section="figures", warn_unusable=False).load(key)
    if entry is None:
        return None
    arrays, _ = entry
    try:
        content: Any = json.loads(arrays["content"].tobytes().decode("utf-8"))
        data = FigureData.from_json(content, source=f"figure cache entry {key[:12]}")
        images = {fmt: arrays[f"image_{fmt}"].tobytes() for fmt in IMAGE_FORMATS}
    except (KeyError, UnicodeDecodeError, json.JSONDecodeError, ParameterError):
        return None  # a valid archive of another layout: recompute (the new entry replaces it)
    written: list[str] = []
    for target in targets:
        atomic_write_bytes(target, images[target.suffix.lower().lstrip(".")])
        written.append(str(target))
    data.meta["figure_cache"] = key
    data.meta["files"] = written
    if data_path is not None:
        data.write_json(data_path)
        written.append(str(data_path))
    return data
