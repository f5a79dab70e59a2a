"""The executors a scan runs on, by name, and THE check of an executor argument (``--executor``).

Light on purpose (no scan code): ``semivis figure`` checks its ``--executor`` before it serves a figure from the
figure cache (:mod:`semivis.figures.output`) without importing the scans. The executors themselves are
:func:`semivis.scan.runner.scan_executor`'s.

>>> check_executor("serial")
>>> check_executor("threads")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
semivis.errors.ParameterError: --executor = 'threads' is out of range: allowed serial | processes | dask
"""

from __future__ import annotations

from semivis.errors import ParameterError

__all__ = ["EXECUTORS", "check_executor"]

#: executor names understood by :func:`semivis.scan.run_scan`, ``semivis limit --executor`` and ``semivis figure``
EXECUTORS: tuple[str, ...] = ("serial", "processes", "dask")


def check_executor(executor: object) -> None:
    """Raise :class:`~semivis.errors.ParameterError` (``--executor``) if ``executor`` is a name not in
    :data:`EXECUTORS`; anything else (None, an executor object) is the caller's to use."""
    if isinstance(executor, str) and executor not in EXECUTORS:
        raise ParameterError("--executor", executor, " | ".join(EXECUTORS))
