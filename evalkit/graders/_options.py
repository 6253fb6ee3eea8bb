"""Grader options checked against the factory's signature: names first, then values.

A factory's keyword parameters are its grader's options and their
annotations are the options' types, so the signature is the one place an
option is described. ``check_options`` reports unknown option names, then
missing required ones, before any value is looked at (a misspelt option is
named as such, not as a missing or bad value of another), then validates
each value against its annotation with a pydantic ``TypeAdapter`` in strict
mode: JSON ``1`` or ``"true"`` is not a boolean and ``"0.1"`` is not a
number. Each problem names its option. The factory is left the checks a
type cannot state, such as a pattern that must compile. The aliases below
state the usual constraints in a signature.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from types import SimpleNamespace
from typing import Annotated, Any, get_type_hints

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
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
def _adapters(factory: Callable[..., Any]) -> dict[str, TypeAdapter[Any]]:
    # Built on first use, not at registration: a suite uses a few factories.
    # Only the options' annotations are read (a return annotation may name a
    # type imported for type checkers alone).
    params = [p for p in inspect.signature(factory).parameters.values() if p.kind in _NAMED]
    own = getattr(factory, "__annotations__", {})
    home = getattr(inspect.unwrap(factory), "__globals__", None)  # where its names resolve
    annotations = SimpleNamespace(
        __annotations__={p.name: own[p.name] for p in params if p.name in own}
    )
    hints = get_type_hints(annotations, home, include_extras=True)
    return {p.name: TypeAdapter(hints.get(p.name, Any), config=_STRICT) for p in params}


def _describe(name: str, error: Mapping[str, Any]) -> str:
    where = ".".join(str(part) for part in (name, *error["loc"]))
    message = str(error["msg"])
    return f"option {where!r}: {message[:1].lower()}{message[1:]}, not {clip(error['input'])}"


def check_options(factory: Callable[..., Any], options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` checked against ``factory``'s signature, as the factory should receive them.

    Names first (``check_names``), then each value against its parameter's
    annotation; raises ``TypeError`` naming every bad option. Options a
    ``**kwargs`` factory takes beyond its named parameters pass unchecked.
    """
    check_names(factory, options)
    try:
        adapters = _adapters(factory)
    except (PydanticUserError, NameError) as exc:  # a type pydantic cannot use, or no such name
        raise TypeError(f"the factory's signature cannot be checked: {exc}") from None
    checked: dict[str, Any] = {}
    problems: list[str] = []
    for name, value in options.items():
        adapter = adapters.get(name)
        if adapter is None:
            checked[name] = value
            continue
        try:
            checked[name] = adapter.validate_python(value)
        except ValidationError as exc:
            problems.extend(_describe(name, e) for e in exc.errors())
    if problems:
        raise TypeError("; ".join(problems))
    return checked


__all__ = ["Fraction", "NonNegative", "Text", "check_names", "check_options"]
