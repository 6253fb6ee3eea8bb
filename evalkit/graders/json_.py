"""The ``json`` grader: parse, validate against a JSON Schema, compare fields.

Levels, each reported in ``details``:
1. ``strict_parse``: ``json.loads`` of the whole output, no extraction;
2. ``lenient_parse``: after stripping fences and prose (see ``_jsonparse``);
3. ``schema_valid``: JSON Schema Draft 2020-12 with format checks; the
   ``schema`` option, else the sample's ``response_format`` json_schema;
4. ``field_fraction``: expected field values (dotted/indexed paths or nested
   objects; numbers within a tolerance, strings compared case- and
   space-insensitively).

``details`` keys: ``strict_parse``, ``lenient_parse``, ``parse_error``,
``schema_valid`` (None when no schema applies), ``schema_errors`` (path and
message, best match first), ``field_fraction`` (None when no fields apply),
``fields_total``, ``fields_matched``, ``field_mismatches`` (path, expected,
got), and ``reason``: None, unparseable, not_strict, schema or fields.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import Field

from evalkit.errors import GraderError
from evalkit.graders._jsonparse import (
    MISSING,
    JsonPath,
    format_path,
    lookup,
    parse_output,
    parse_path,
)
from evalkit.graders._normalize import clip, shorten
from evalkit.graders._schema import make_validator, uses_patterns
from evalkit.graders.base import Checked, GradeItem, Grader, Score, grader
from evalkit.suite.schema import Sample

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

_REL_TOL = 1e-6
_ABS_TOL = 1e-9
_SPACE = re.compile(r"\s+")
_SHOWN = 10
_SAMPLE_SCHEMA = "response_format.json_schema.schema"


def _flatten(expected: dict[str, Any], prefix: JsonPath = ()) -> list[tuple[JsonPath, Any]]:
    out: list[tuple[JsonPath, Any]] = []
    for key, value in expected.items():
        path = prefix + (parse_path(key) if ("." in key or "[" in key) else (key,))
        if isinstance(value, dict) and value:
            out.extend(_flatten(value, path))
        else:
            out.append((path, value))
    return out


def _norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip().casefold()


def values_match(expected: Any, got: Any) -> bool:
    """Tolerant equality: numbers close, strings folded, lists in order, dicts as subsets."""
    if isinstance(expected, bool) or expected is None:
        return got is expected
    if isinstance(expected, int | float):
        return (
            isinstance(got, int | float)
            and not isinstance(got, bool)
            and math.isclose(expected, got, rel_tol=_REL_TOL, abs_tol=_ABS_TOL)
        )
    if isinstance(expected, str):
        return isinstance(got, str) and _norm(expected) == _norm(got)
    if isinstance(expected, list):
        return (
            isinstance(got, list)
            and len(got) == len(expected)
            and all(values_match(e, g) for e, g in zip(expected, got, strict=True))
        )
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(
            k in got and values_match(v, got[k]) for k, v in expected.items()
        )
    return bool(expected == got)


class _JsonGrader:
    def __init__(
        self,
        validator: Validator | None,
        fields: list[tuple[JsonPath, Any]] | None,
        strict: bool,
        partial_credit: bool,
    ) -> None:
        self.validator = validator
        self.fields = fields
        self.strict = strict
        self.partial_credit = partial_credit
        # Samples of a suite usually share one schema text in separate dicts:
        # look up by identity first (free), then by canonical text (cheap).
        self._by_id: dict[int, tuple[Any, Validator]] = {}
        self._by_text: dict[str, Validator] = {}
        self._patterned: dict[int, tuple[Validator, bool]] = {}

    def _sample_validator(self, sample: Sample) -> Validator | None:
        if self.validator is not None:
            return self.validator
        fmt = sample.response_format or {}
        schema = (fmt.get("json_schema") or {}).get("schema") if isinstance(fmt, dict) else None
        if schema is None:
            return None
        cached = self._by_id.get(id(schema))
        if cached is not None and cached[0] is schema:
            return cached[1]
        text = json.dumps(schema, sort_keys=True)
        validator = self._by_text.get(text)
        if validator is None:
            try:
                validator = self._by_text[text] = make_validator(schema, _SAMPLE_SCHEMA)
            except ValueError as exc:
                raise GraderError(str(exc)) from None
        self._by_id[id(schema)] = (schema, validator)
        return validator

    def _fields(self, sample: Sample) -> list[tuple[JsonPath, Any]] | None:
        if self.fields is not None:
            return self.fields
        exp = sample.expected
        if isinstance(exp, dict) and exp:
            try:
                return _flatten(exp)
            except ValueError as exc:
                raise GraderError(f"'expected': {exc}") from None
        return None

    def check(self, sample: Sample) -> None:
        """The load-time check: the sample's schema and field paths, as grading reads them."""
        try:
            self._sample_validator(sample)
            self._fields(sample)
        except GraderError as exc:
            raise ValueError(str(exc)) from None

    def _uses_patterns(self, validator: Validator) -> bool:
        known = self._patterned.get(id(validator))
        if known is None or known[0] is not validator:
            known = self._patterned[id(validator)] = (validator, uses_patterns(validator.schema))
        return known[1]

    async def score(self, item: GradeItem) -> Score:
        """The output's score; validated in a worker thread when the schema has patterns."""
        validator = self._sample_validator(item.sample)
        if validator is not None and self._uses_patterns(validator):
            # A suite's pattern may be slow on this output: off the loop, under a limit.
            return await asyncio.to_thread(self.grade, item)
        return self.grade(item)

    def grade(self, item: GradeItem) -> Score:
        """The output's score (see the module docstring)."""
        parsed = parse_output(item.output)
        details: dict[str, Any] = {
            "strict_parse": parsed.strict,
            "lenient_parse": parsed.lenient,
            "parse_error": parsed.error,
            "schema_valid": None,
            "field_fraction": None,
        }
        if not parsed.lenient or (self.strict and not parsed.strict):
            if parsed.lenient:
                why = "not strict JSON: valid only after stripping fences or prose"
                reason = "not_strict"
            else:
                why = f"not JSON: {parsed.error} in {clip(item.output)}"
                reason = "unparseable"
            return Score(0.0, False, why, {**details, "reason": reason})
        parts: list[float] = []
        notes: list[tuple[bool, str]] = []  # (passed, text) per level
        validator = self._sample_validator(item.sample)
        if validator is not None:
            errors = self._schema_errors(validator, parsed.value)
            details["schema_valid"] = not errors
            details["schema_errors"] = errors
            parts.append(0.0 if errors else 1.0)
            if errors:
                notes.append((False, f"{errors[0]['path']}: {shorten(errors[0]['message'], 100)}"))
            else:
                notes.append((True, "schema ok"))
        fields = self._fields(item.sample)
        if fields is not None:
            misses = [
                {"path": format_path(path), "expected": want, "got": _show(got)}
                for path, want in fields
                if not values_match(want, got := lookup(parsed.value, path))
            ]
            fraction = 1.0 - len(misses) / len(fields)
            details.update(
                fields_total=len(fields),
                fields_matched=len(fields) - len(misses),
                field_fraction=fraction,
                field_mismatches=misses[:_SHOWN],
            )
            parts.append(fraction)
            note = f"{len(fields) - len(misses)}/{len(fields)} fields match"
            if misses:
                m = misses[0]
                note += f"; {m['path']}: expected {clip(m['expected'])}, got {clip(m['got'])}"
            notes.append((not misses, note))
        passed = all(p == 1.0 for p in parts)
        if passed:
            details["reason"] = None
        else:
            details["reason"] = "schema" if details["schema_valid"] is False else "fields"
        value = (
            (sum(parts) / len(parts) if parts else 1.0) if self.partial_credit else float(passed)
        )
        head = "valid JSON" if parsed.strict else "valid JSON (lenient parse)"
        # Failures lead: an explanation may be cut, and the reason must survive.
        ordered = [t for ok, t in notes if not ok] + [head] + [t for ok, t in notes if ok]
        text = "; ".join(ordered)
        return Score(value, passed, text, details)

    @staticmethod
    def _schema_errors(validator: Validator, value: Any) -> list[dict[str, str]]:
        from jsonschema.exceptions import best_match

        errors = list(validator.iter_errors(value))
        if not errors:
            return []
        first = best_match(errors)
        ordered = [first, *(e for e in errors if e is not first)]
        return [{"path": e.json_path, "message": e.message} for e in ordered[:_SHOWN]]


def _show(value: Any) -> Any:
    return "<missing>" if value is MISSING else value


@grader("json")
def json_grader(
    *,
    schema: dict[str, Any] | None = None,
    expected: Annotated[dict[str, Any], Field(min_length=1)] | None = None,
    strict: bool = False,
    partial_credit: bool = True,
) -> Grader:
    """Scores JSON output on parse, schema and expected fields (see the module doc)."""
    validator = make_validator(schema) if schema is not None else None
    try:
        fields = _flatten(expected) if expected is not None else None
    except ValueError as exc:
        raise ValueError(f"option 'expected': {exc}") from None
    grader = _JsonGrader(validator, fields, strict, partial_credit)
    return Checked(grader.score, grader.check)


__all__ = ["json_grader", "make_validator", "values_match"]
