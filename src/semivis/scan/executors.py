"""The executors a scan runs on, by name, and THE check of an executor argument (``--executor``).

Light on purpose (no scan code): ``semivis figure`` checks its ``--executor`` before it serves a figure from the
figure cache (:mod:`semivis.figures.output`) without importing the scans. The executors themselves are
:func:`semivis.scan.runner.scan_executor`'s; their process pools fork their workers from one ``forkserver``
(:func:`process_context`), which :func:`start_process_server` can start early.

>>> check_executor("serial")
>>> check_executor("threads")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
semivis.errors.ParameterError: --executor = 'threads' is out of range: allowed serial | processes | dask
"""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver

from semivis.errors import ParameterError

__all__ = [
    "EXECUTORS",
    "FORKSERVER_PRELOAD",
    "check_executor",
    "keep_freed_memory",
    "process_context",
    "start_process_server",
]

#: executor names understood by :func:`semivis.scan.run_scan`, ``semivis limit --executor`` and ``semivis figure``
EXECUTORS: tuple[str, ...] = ("serial", "processes", "dask")


def check_executor(executor: object) -> None:
    """Raise :class:`~semivis.errors.ParameterError` (``--executor``) if ``executor`` is a name not in
    :data:`EXECUTORS`; anything else (None, an executor object) is the caller's to use."""
    if isinstance(executor, str) and executor not in EXECUTORS:
        raise ParameterError("--executor", executor, " | ".join(EXECUTORS))


#: what the process pools' forkserver imports once, before it forks any worker: the scan code, so that every worker
#: starts with it imported (~1.8 s of CPU each otherwise)
FORKSERVER_PRELOAD: tuple[str, ...] = ("semivis.scan.runner",)


def process_context() -> multiprocessing.context.ForkServerContext:
    """THE multiprocessing context of semivis's process pools (:func:`semivis.scan.runner.scan_executor`):
    ``forkserver``, so no fork of a (possibly multi-threaded) parent, and workers fork from a server that has
    imported :data:`FORKSERVER_PRELOAD`; like spawn it needs the usual ``__main__`` guard."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(FORKSERVER_PRELOAD))
    return ctx


def start_process_server() -> None:
    """Start the pools' forkserver now instead of with the first pool, without waiting for it: its import of the
    scan code then runs on another core while the caller imports the rest (``semivis figure`` after a figure-cache
    miss: the figure code, ~2 s of CPU), not after it. A server already running is kept."""
    process_context()
    multiprocessing.forkserver.ensure_running()


#: glibc's mallopt parameters (<malloc.h>): M_TRIM_THRESHOLD, M_MMAP_MAX
_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
#: the largest M_TRIM_THRESHOLD mallopt takes (an int): ~2 GB of free heap top kept before any is returned
_TRIM_KEEP = 2**31 - 1


def keep_freed_memory() -> bool:
    """Make this process's C allocator keep the memory it frees for its next allocations (glibc: no ``mmap`` per
    large block, ``M_MMAP_MAX = 0``, and no trimming of the heap's top below ~2 GB, ``M_TRIM_THRESHOLD``); returns
    whether it could (False elsewhere than glibc: nothing changes).

    Why: a response table, a lifetime kernel and a cascade allocate arrays of 10-100 MB per mass point, and glibc
    serves every block above its mmap threshold (128 kB, raised adaptively up to 32 MB) with a fresh ``mmap`` whose
    pages the kernel zero-fills on first touch, and unmaps them when the array is freed: in a pool
    worker of ``figure all`` at publication resolution ``perf`` put ~20 % of the CPU in the kernel's
    ``clear_page`` (docs/performance.md, session 17). Kept memory is reused, already mapped. Only for processes
    semivis owns (its pool workers, :func:`semivis.scan.runner.scan_executor`): the price is that a worker's
    resident memory stays at its peak until it exits. Numbers are unchanged: it is where the bytes live, not what
    they hold."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, musl): its allocator as it is
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_MAX, 0)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_KEEP))
