"""Error types of semivis.

Every error a user can provoke with bad input is a :class:`ParameterError` (a ``ValueError``) whose
message names the parameter, the offending value and the allowed range, so a command-line user sees
one clear line and a Python user can catch one type.

>>> from semivis.errors import ParameterError
>>> raise ParameterError("eps", -1.0, "0 < eps < 1")
Traceback (most recent call last):
...
semivis.errors.ParameterError: eps = -1.0 is out of range: allowed 0 < eps < 1
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "CardError",
    "ConvergenceError",
    "ParameterError",
    "SemivisError",
]


class SemivisError(Exception):
    """Base class of all semivis errors."""


class ParameterError(SemivisError, ValueError):
    """A physics parameter outside its allowed range.

    Parameters
    ----------
    name:
        The parameter's name as the user wrote it (``"eps"``, ``"m_Ap"``, ``"--delta"``).
    value:
        The offending value (the first offending element for arrays).
    allowed:
        The allowed range in words, e.g. ``"0 < eps < 1"``.
    reason:
        Optional extra explanation (e.g. ``"A' -> chi1 chi2 is kinematically closed"``).
    """

    def __init__(self, name: str, value: Any, allowed: str, reason: str = "") -> None:
        self.name = name
        self.value = value
        self.allowed = allowed
        self.reason = reason
        message = f"{name} = {value!r} is out of range: allowed {allowed}"
        if reason:
            message += f" ({reason})"
        super().__init__(message)

    def __reduce__(self) -> tuple[type[ParameterError], tuple[str, Any, str, str]]:
        """Picklable with its fields (a worker process's error reaches the parent intact).

        >>> import pickle
        >>> e = pickle.loads(pickle.dumps(ParameterError("eps", 2.0, "0 < eps < 1", "why")))
        >>> (e.name, e.value, e.reason, str(e))
        ('eps', 2.0, 'why', 'eps = 2.0 is out of range: allowed 0 < eps < 1 (why)')
        """
        return (type(self), (self.name, self.value, self.allowed, self.reason))


class CardError(SemivisError, ValueError):
    """An experiment or scan card (TOML) that does not follow its schema.

    The message names the card file and the offending key path, e.g. ``detector.ecal.length_m``.
    """

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source = source
        self.key = key
        self.detail = message
        super().__init__(f"{source}: key '{key}': {message}")

    def __reduce__(self) -> tuple[type[CardError], tuple[str, str, str]]:
        """Picklable with its fields (see :meth:`ParameterError.__reduce__`)."""
        return (type(self), (self.source, self.key, self.detail))


class ConvergenceError(SemivisError, RuntimeError):
    """A numerical solver (ODE, root finder, integral) did not converge; says where and why."""
