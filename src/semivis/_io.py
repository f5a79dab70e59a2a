"""Atomic file writes and THE conversion of results to JSON.

Writes go to a temporary file in the destination's directory, fsync, then ``os.replace``: a reader (or a
resumed scan) therefore sees either the old file or the complete new one, never a partial file, even if the
writer is killed half way. :func:`to_jsonable` turns nested numpy values into plain JSON types, non-finite
numbers into ``None`` (JSON has no NaN).

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write_bytes(d / "a.txt", b"hello")
>>> (d / "a.txt").read_bytes(), sorted(p.name for p in d.iterdir())
(b'hello', ['a.txt'])
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from semivis.errors import ParameterError

__all__ = [
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "atomic_write_with",
    "check_writable",
    "to_jsonable",
]


@contextlib.contextmanager
def atomic_path(dest: Path | str, *, fsync: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; on success fsync it (unless ``fsync=False``) and rename it.

    Files that are verified when read back (cache entries with checksums, checkpoints) skip the fsync: after
    a power loss they may be empty, which the reader detects; the rename alone is atomic for other processes.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; results and shared caches follow the umask
    finally:
        os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if fsync:
            with tmp.open("rb") as fh:
                os.fsync(fh.fileno())
        tmp.replace(dest)  # os.replace: atomic on POSIX within one file system
    finally:
        if tmp.exists():
            tmp.unlink()


def _umask() -> int:
    """The process umask, read without changing it (Linux: /proc/self/status; elsewhere set and restored)."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        status = Path("/proc/self/status").read_text(encoding="ascii").splitlines()
        return int(next(line for line in status if line.startswith("Umask:")).split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def check_writable(dest: Path | str, option: str) -> None:
    """Refuse, before any work, an output path that could not be written: one :class:`ParameterError` naming
    ``option`` instead of a traceback after the computation.

    ``dest`` must not be a directory; its folder must exist and take a new file (probed with a temporary file,
    which catches read-only mounts that permission bits do not show), or be creatable: its nearest existing
    ancestor is a writable directory (nothing is created here).

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> check_writable(d / "new" / "deeper" / "r.nc", "--out")
    >>> (d / "afile").write_text("x")
    1
    >>> try:
    ...     check_writable(d / "afile" / "r.nc", "--out")
    ... except ParameterError as err:
    ...     print(err.name, err.reason.endswith("afile is a file, not a folder"))
    --out True
    """
    dest = Path(dest)
    allowed = "a path in a writable folder"
    if dest.is_dir():
        raise ParameterError(option, str(dest), "a file path", f"{dest} is a folder")
    ancestor = dest.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise ParameterError(option, str(dest), allowed, f"{ancestor} is a file, not a folder")
    if ancestor != dest.parent:  # to be created: the first missing folder must be creatable
        if not os.access(ancestor, os.W_OK | os.X_OK):
            raise ParameterError(option, str(dest), allowed, f"cannot create folders in {ancestor}")
        return
    try:
        with tempfile.TemporaryFile(dir=ancestor):
            pass
    except OSError as exc:
        raise ParameterError(option, str(dest), allowed, f"cannot write in {ancestor}: {exc.strerror}") from None


def atomic_write_bytes(dest: Path | str, data: bytes, *, fsync: bool = True) -> None:
    """Write ``data`` to ``dest`` atomically."""
    with atomic_path(dest, fsync=fsync) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(dest: Path | str, text: str, *, fsync: bool = True) -> None:
    """Write UTF-8 ``text`` to ``dest`` atomically."""
    atomic_write_bytes(dest, text.encode("utf-8"), fsync=fsync)


def atomic_write_with(dest: Path | str, writer: Callable[[Path], None]) -> None:
    """Call ``writer(tmp_path)`` and move the result onto ``dest`` atomically."""
    with atomic_path(dest) as tmp:
        writer(tmp)


def to_jsonable(obj: Any) -> Any:
    """Nested numpy scalars/arrays and containers -> plain JSON types; NaN and +-inf become ``None``.

    >>> to_jsonable({"a": np.arange(2), "b": (np.float64(1.5), np.nan, -np.inf), 3: np.bool_(True)})
    {'a': [0, 1], 'b': [1.5, None, None], '3': True}
    """
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return to_jsonable(obj.tolist())
    if isinstance(obj, np.bool_ | bool):
        return bool(obj)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating | float):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, np.generic):
        return obj.item()
    return obj
