"""JSON Schema validators for graders: Draft 2020-12, format checks, patterns under a limit.

A schema's ``pattern`` and ``patternProperties`` are a suite's regexes, run
against what a model wrote: jsonschema matches them with ``re``, which
cannot be stopped. The validators made here match them with ``_patterns``
instead (the ``regex`` package, a time limit per grading, the GIL released),
for ``pattern``, ``patternProperties`` and ``additionalProperties`` (which
consults ``patternProperties``). Not covered: ``unevaluatedProperties`` next
to ``patternProperties`` in one schema still goes through jsonschema's own
matching. A grader whose validator ``uses_patterns`` validates in a worker
thread (see ``json_``).

jsonschema is imported on first use: it is slow to import and most runs
never need it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any

from evalkit.errors import GraderError
from evalkit.graders._jsonparse import format_path
from evalkit.graders._normalize import clip
from evalkit.graders._patterns import Deadline, cached_pattern, search

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(?:\.\d+)?(?:[Zz]|[+-]\d\d:\d\d)$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$")
_PATTERN_KEYWORDS = frozenset({"pattern", "patternProperties"})


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True  # formats only constrain strings
    if not _RFC3339.match(value):
        return False
    try:
        datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_uri(value: object) -> bool:
    return not isinstance(value, str) or bool(_URI.match(value))


def _matches(pattern: str, text: str) -> bool:
    """Whether ``pattern`` is found in ``text``; GraderError if it takes too long.

    Each match has the whole limit: the first to run out ends the validation.
    """
    try:
        compiled = cached_pattern(pattern)
    except Exception as exc:  # regex.error: a pattern regex reads otherwise than re did
        raise GraderError(f"schema pattern {clip(pattern, 60)} does not compile: {exc}") from None
    return search(compiled, text, Deadline()) is not None


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and not _matches(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: dict[str, Any], instance: Any, schema: Any
) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for key, value in instance.items():
            if _matches(pattern, key):
                yield from validator.descend(value, subschema, path=key, schema_path=pattern)


def _additional_properties(
    validator: Any, extra: Any, instance: Any, schema: Any
) -> Iterator[ValidationError]:
    from jsonschema.exceptions import ValidationError

    if not validator.is_type(instance, "object"):
        return
    known = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [
        key for key in instance if key not in known and not any(_matches(p, key) for p in patterns)
    ]
    if validator.is_type(extra, "object"):
        for key in extras:
            yield from validator.descend(instance[key], extra, path=key)
    elif not extra and extras:
        names = ", ".join(repr(k) for k in sorted(extras))
        if patterns:
            verb = "does" if len(extras) == 1 else "do"
            shown = ", ".join(repr(p) for p in sorted(patterns))
            yield ValidationError(f"{names} {verb} not match any of the regexes: {shown}")
        else:
            verb = "was" if len(extras) == 1 else "were"
            yield ValidationError(
                f"Additional properties are not allowed ({names} {verb} unexpected)"
            )


@cache
def _validator_class() -> Any:
    """Draft 2020-12 with the pattern keywords above in place of jsonschema's own."""
    from jsonschema import Draft202012Validator, validators

    return validators.extend(  # type: ignore[no-untyped-call]
        Draft202012Validator,
        {
            "pattern": _pattern,
            "patternProperties": _pattern_properties,
            "additionalProperties": _additional_properties,
        },
    )


def make_validator(schema: Any, what: str = "option 'schema'") -> Validator:
    """A Draft 2020-12 validator with format checks; ``ValueError`` names ``what`` is bad."""
    from jsonschema import Draft202012Validator, FormatChecker
    from jsonschema.exceptions import SchemaError

    if not isinstance(schema, dict):
        raise ValueError(f"{what} must be an object, not {clip(schema)}")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = format_path(tuple(exc.absolute_path))
        raise ValueError(f"{what} is not a valid JSON Schema: {where}: {exc.message}") from None
    checker = FormatChecker()
    # These checkers need optional packages jsonschema does not install; without
    # a fallback the formats would pass unchecked.
    if "date-time" not in checker.checkers:
        checker.checks("date-time")(_is_date_time)
    if "uri" not in checker.checkers:
        checker.checks("uri")(_is_uri)
    validator: Validator = _validator_class()(schema, format_checker=checker)
    return validator


def uses_patterns(schema: Any) -> bool:
    """Whether a schema (or any schema inside it) has a ``pattern`` or ``patternProperties``."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if not _PATTERN_KEYWORDS.isdisjoint(node):
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False


__all__ = ["make_validator", "uses_patterns"]
