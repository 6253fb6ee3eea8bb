"""Checks on grader options, run by the factories when a suite loads.

Each check raises ``TypeError`` or ``ValueError`` naming the option, which
``build`` turns into one ``ValueError`` naming the grader. ``check_names``
runs before a factory's own checks (the registry applies it to every
factory), so a misspelt option is named as such rather than surfacing as a
missing or bad value of another option.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from typing import Any

_NAMED = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _quoted(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


def check_names(factory: Callable[..., Any], options: Mapping[str, Any]) -> None:
    """Raise ``TypeError`` for options ``factory`` does not take, then for required ones absent.

    Unknown options come first in the message, with the known ones listed in
    the factory's order: "unknown option 'judge' (known: target, rubric);
    option 'target' is required". A factory taking ``**kwargs`` accepts any
    name; one whose signature cannot be read is left to Python's own check.
    """
    try:
        params = list(inspect.signature(factory).parameters.values())
    except (TypeError, ValueError):
        return
    named = [p for p in params if p.kind in _NAMED]
    known = [p.name for p in named]
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    unknown = [] if takes_any else [k for k in options if k not in known]
    missing = [p.name for p in named if p.default is p.empty and p.name not in options]
    parts: list[str] = []
    if unknown:
        word = "option" if len(unknown) == 1 else "options"
        listed = ", ".join(known) if known else "none"
        parts.append(f"unknown {word} {_quoted(unknown)} (known: {listed})")
    if missing:
        parts.append(
            f"option {_quoted(missing)} is required"
            if len(missing) == 1
            else f"options {_quoted(missing)} are required"
        )
    if parts:
        raise TypeError("; ".join(parts))


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


__all__ = ["as_bool", "as_choice", "as_float", "as_str", "check_names"]
