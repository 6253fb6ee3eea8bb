"""Grader options checked against the factory's signature: names first, then values.

A factory's keyword parameters are its grader's options and their
annotations are the options' types, so the signature is the one place an
option is described. ``call_checked`` reports unknown option names, then
missing required ones, before any value is looked at (a misspelt option is
named as such, not as a missing or bad value of another), then validates
every value with pydantic in strict mode: JSON ``1`` or ``"true"`` is not a
boolean and ``"0.1"`` is not a number. Each problem names its option. The
factory is left the checks a type cannot state, such as a pattern that
must compile. The aliases below state the usual constraints in a signature.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import ConfigDict, Field, ValidationError, validate_call
from pydantic.errors import PydanticUserError

from evalkit.graders._normalize import clip

Fraction = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
"""A number in [0, 1], such as a pass threshold."""

NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
"""A finite number >= 0, such as a tolerance."""

Text = Annotated[str, Field(min_length=1)]
"""A non-empty string."""

_NAMED = (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
# arbitrary types: a third-party factory may annotate with its own classes.
_STRICT = ConfigDict(strict=True, arbitrary_types_allowed=True)


def _quoted(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names)


def check_names(factory: Callable[..., Any], options: Mapping[str, Any]) -> None:
    """Raise ``TypeError`` for options ``factory`` does not take, then for required ones absent.

    Unknown options come first in the message, with the known ones listed in
    the factory's order: "unknown option 'judge' (known: target, rubric);
    option 'target' is required". A factory taking ``**kwargs`` accepts any
    name; a positional-only parameter is never an option.
    """
    params = list(inspect.signature(factory).parameters.values())
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


@functools.cache
def _validating(factory: Callable[..., Any]) -> Callable[..., Any]:
    # Built on first use, not at registration: schema building costs about a
    # millisecond per factory, and a suite uses a few of them.
    return validate_call(config=_STRICT)(factory)


def _describe(error: Mapping[str, Any]) -> str:
    where = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"])
    return f"option {where!r}: {message[:1].lower()}{message[1:]}, not {clip(error['input'])}"


def call_checked(
    factory: Callable[..., Any], args: tuple[Any, ...], options: dict[str, Any]
) -> Any:
    """``factory(*args, **options)`` once the options' names and values are checked.

    Raises ``TypeError`` naming every bad option; the factory's own
    ``ValueError``/``TypeError`` pass through.
    """
    check_names(factory, options)
    try:
        validating = _validating(factory)
    except (PydanticUserError, NameError) as exc:  # a type pydantic cannot use, or no such name
        raise TypeError(f"the factory's signature cannot be checked: {exc}") from None
    try:
        return validating(*args, **options)
    except ValidationError as exc:
        if exc.title != getattr(factory, "__name__", None):
            raise  # raised inside the factory, not about its arguments
        raise TypeError("; ".join(_describe(e) for e in exc.errors())) from None


__all__ = ["Fraction", "NonNegative", "Text", "call_checked", "check_names"]
