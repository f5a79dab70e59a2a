"""numba compile options shared by semivis's kernels.

:data:`NO_REFCOUNT`: a kernel that neither allocates nor returns arrays is compiled without numba's runtime
reference counting (NRT). With it on, every array that a kernel binds to a new name (an ``inline="always"``
function's parameter, a row view ``deps[k]``) gets an atomic increment and decrement of its owner's count, and
where the control flow branches numba's pruning pass cannot remove them: in the response-table kernels they were
~58 % of the CPU (perf, 2026-12-01; docs/performance.md). Without NRT a view borrows its parent's memory, which
the caller owns for the whole call, so nothing else changes: results are identical bit for bit. numba uses the
same option for its own hot string kernels (``numba/cpython/unicode.py``). Such a kernel cannot call ``np.empty``
and friends: its caller allocates the buffers.
"""

from __future__ import annotations

from typing import Any

__all__ = ["NO_REFCOUNT"]

#: ``njit(**NO_REFCOUNT)``: cached on disk, no reference counting in the body (module docstring)
NO_REFCOUNT: dict[str, Any] = {"cache": True, "_nrt": False}
