"""Small helpers that check user input early and raise :class:`~semivis.errors.ParameterError`.

They accept scalars or arrays, convert to ``float64`` arrays and report the first offending element.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from semivis.errors import CardError, ParameterError

__all__ = ["as_float_array", "check_range", "validate_card_data"]


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


def _path_of(error: Any) -> str:
    parts = [str(p) for p in error.absolute_path]
    return ".".join(parts) if parts else "<root>"


def _reject_non_finite(node: Any, source: str, key: str = "") -> None:
    """Raise CardError at the first nan/inf number anywhere in a parsed card (tables, arrays, nested)."""
    if isinstance(node, float) and not math.isfinite(node):
        raise CardError(source, key or "<root>", f"{node} is not a finite number")
    if isinstance(node, dict):
        for name, value in node.items():
            _reject_non_finite(value, source, f"{key}.{name}" if key else str(name))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _reject_non_finite(value, source, f"{key}[{i}]")


def validate_card_data(
    data: dict[str, Any],
    schema: dict[str, Any],
    source: str,
    unknown_key_messages: Mapping[str, str] | None = None,
) -> None:
    """THE validation of a parsed TOML card (experiment cards, beam-dump cards) against its JSON schema.

    Raises :class:`~semivis.errors.CardError` naming the offending key: the first non-finite number, then the
    shallowest schema violation (an unknown key, a missing required key, a bound with the schema's ``description``
    as the reason). ``unknown_key_messages`` maps a table (e.g. ``"selections"``) to the message for an unknown key
    in it; ``{known}`` is replaced by the keys that table allows.

    >>> validate_card_data({"a": 1.0}, {"type": "object", "properties": {"a": {"type": "number"}}}, "x.toml")
    >>> validate_card_data({"a": float("nan")}, {"type": "object"}, "x.toml")
    Traceback (most recent call last):
    ...
    semivis.errors.CardError: x.toml: key 'a': nan is not a finite number
    """
    import jsonschema  # noqa: PLC0415

    _reject_non_finite(data, source)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(data), key=lambda e: (len(list(e.absolute_path)), str(e.absolute_path)))
    if not errors:
        return
    err = errors[0]
    prefix = _path_of(err)
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        key = extra[0] if prefix == "<root>" else f"{prefix}.{extra[0]}"
        message = (unknown_key_messages or {}).get(prefix, "unknown key")
        raise CardError(source, key, message.format(known=", ".join(err.schema.get("properties", {}))))
    if err.validator == "required":
        missing = [k for k in err.validator_value if k not in err.instance]
        key = missing[0] if prefix == "<root>" else f"{prefix}.{missing[0]}"
        raise CardError(source, key, "required key is missing")
    reason = err.schema.get("description") if isinstance(err.schema, dict) else None
    if err.validator in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"} and reason:
        raise CardError(source, prefix, f"{err.message}: {reason}")  # the bound's reason, from the schema
    raise CardError(source, prefix, err.message)
