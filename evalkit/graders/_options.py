"""Checks on grader options, run by the factories when a suite loads.

Each check raises ``TypeError`` or ``ValueError`` naming the option, which
``build`` turns into one ``ValueError`` naming the grader.
"""

from __future__ import annotations

import math
from typing import Any


def as_bool(name: str, value: Any) -> bool:
    """``value`` if it is a bool; JSON ``1``/``"true"`` are refused, not guessed."""
    if not isinstance(value, bool):
        raise TypeError(f"option {name!r} must be true or false, not {value!r}")
    return value


def as_float(name: str, value: Any, *, lo: float | None = None, hi: float | None = None) -> float:
    """``value`` as a finite float within [lo, hi]; a bool is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"option {name!r} must be a number, not {value!r}")
    out = float(value)
    if math.isnan(out) or (lo is not None and out < lo) or (hi is not None and out > hi):
        bounds = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
        raise ValueError(f"option {name!r} must be within {bounds}, not {value!r}")
    return out


def as_str(name: str, value: Any, *, empty_ok: bool = False) -> str:
    """``value`` if it is a string (non-empty unless ``empty_ok``)."""
    if not isinstance(value, str):
        raise TypeError(f"option {name!r} must be a string, not {value!r}")
    if not value and not empty_ok:
        raise ValueError(f"option {name!r} must not be empty")
    return value


def as_choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"option {name!r} must be one of {list(allowed)}, not {value!r}")
    return str(value)


__all__ = ["as_bool", "as_choice", "as_float", "as_str"]
