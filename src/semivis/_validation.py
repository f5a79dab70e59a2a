"""Small helpers that check user input early and raise :class:`~semivis.errors.ParameterError`.

They accept scalars or arrays, convert to ``float64`` arrays and report the first offending element.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis.errors import ParameterError

__all__ = ["as_float_array", "check_range"]


def as_float_array(name: str, value: ArrayLike) -> NDArray[np.float64]:
    """Return ``value`` as a float64 array; raise ParameterError for non-numeric or non-finite input.

    >>> as_float_array("eps", 1e-3)
    array(0.001)
    """
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ParameterError(name, value, "a real number or an array of real numbers") from exc
    if not np.all(np.isfinite(arr)):
        bad = arr[~np.isfinite(arr)].flat[0]
        raise ParameterError(name, float(bad), "a finite real number")
    return arr


def check_range(
    name: str,
    value: ArrayLike,
    low: float | None = None,
    high: float | None = None,
    *,
    low_inclusive: bool = False,
    high_inclusive: bool = False,
    reason: str = "",
) -> NDArray[np.float64]:
    """Check that every element of ``value`` lies in the interval and return it as a float array.

    >>> check_range("eps", [1e-4, 1e-3], 0.0, 1.0)
    array([0.0001, 0.001 ])
    >>> check_range("alpha_D", 0.0, 0.0)
    Traceback (most recent call last):
    ...
    semivis.errors.ParameterError: alpha_D = 0.0 is out of range: allowed alpha_D > 0.0
    """
    arr = as_float_array(name, value)
    ok = np.ones(arr.shape, dtype=bool)
    parts: list[str] = []
    if low is not None:
        ok &= (arr >= low) if low_inclusive else (arr > low)
    if high is not None:
        ok &= (arr <= high) if high_inclusive else (arr < high)
    if low is not None and high is not None:
        parts.append(f"{low} {'<=' if low_inclusive else '<'} {name} {'<=' if high_inclusive else '<'} {high}")
    elif low is not None:
        parts.append(f"{name} {'>=' if low_inclusive else '>'} {low}")
    elif high is not None:
        parts.append(f"{name} {'<=' if high_inclusive else '<'} {high}")
    if not np.all(ok):
        bad = arr[~ok].flat[0] if arr.ndim else arr.item()
        raise ParameterError(name, float(bad), parts[0] if parts else "", reason)
    return arr
