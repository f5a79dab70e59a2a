"""Atomic file writes: a temporary file in the destination's directory, fsync, then ``os.replace``.

A reader (or a resumed scan) therefore sees either the old file or the complete new one, never a
partial file, even if the writer is killed half way.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> atomic_write_bytes(d / "a.txt", b"hello")
>>> (d / "a.txt").read_bytes(), sorted(p.name for p in d.iterdir())
(b'hello', ['a.txt'])
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_write_bytes", "atomic_write_text", "atomic_write_with"]


@contextlib.contextmanager
def atomic_path(dest: Path | str, *, fsync: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to ``dest``; on success fsync it (unless ``fsync=False``) and rename it.

    Files that are verified when read back (cache entries with checksums, checkpoints) skip the fsync: after
    a power loss they may be empty, which the reader detects; the rename alone is atomic for other processes.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
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
