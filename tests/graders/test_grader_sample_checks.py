"""Each grader family's load-time check of a sample: what grading would trip on, found early."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.graders import build
from evalkit.suite.schema import GraderSpec, Sample

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer"},
            },
            "required": ["city"],
        },
    },
}
JUDGE = {"type": "llm_judge", "target": "j"}
FORMAT_RUBRIC = {**JUDGE, "rubric": "{{ expected.format(answer) }} {{ answer }}"}
RANGE_RUBRIC = {**JUDGE, "rubric": "{{ range(expected|int)|length }} {{ answer }}"}


def _call(**arguments: Any) -> dict[str, Any]:
    return {"tool_calls": [{"name": "get_weather", "arguments": arguments}]}


def _sample(expected: Any, **fields: Any) -> Sample:
    return Sample(id="s", prompt="question?", expected=expected, **fields)


def _schema_format(schema: Any) -> dict[str, Any]:
    return {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}


# (grader spec, expected, other sample fields, words the check's message holds)
BAD: list[tuple[Any, Any, dict[str, Any], str]] = [
    ("exact", None, {}, "the sample has no 'expected' answer"),
    ("exact", {"a": 1}, {}, "'expected' must be a string or a list of strings"),
    ("normalized", [], {}, "the sample has no 'expected' answer"),
    ("includes", ["a", True], {}, "not True"),
    ("regex", "(unclosed", {}, "expected pattern '(unclosed' does not compile"),
    ({"type": "regex", "flags": "x"}, "(a", {}, "does not compile"),
    ("numeric", "abc", {}, "'expected' must be a number, not 'abc'"),
    ("numeric", "3 or 4", {}, "'expected' must be a number"),
    ("numeric", True, {}, "'expected' must be a number"),
    ("numeric", None, {}, "must be a number"),
    ("choice", "E", {}, "must be one of the letters ['A', 'B', 'C', 'D'], not 'E'"),
    ({"type": "choice", "choices": "AB"}, "C", {}, "not 'C'"),
    ("choice", None, {}, "not None"),
    ("json", {"a..b": 1}, {}, "'expected': bad field path 'a..b'"),
    (
        "json",
        None,
        {"response_format": _schema_format({"type": "objekt"})},
        "response_format.json_schema.schema is not a valid JSON Schema: $.type",
    ),
    (
        "json",
        None,
        {"response_format": _schema_format(["not", "an", "object"])},
        "response_format.json_schema.schema must be an object",
    ),
    ("tool_call", "get_weather", {}, '\'expected\' must be {"tool_calls": [{"name"'),
    ("tool_call", {"tool_calls": [{"arguments": {}}]}, {}, "needs a string 'name'"),
    ("tool_call", {"tool_calls": [{"name": "f", "arguments": "{bad"}]}, {}, "is not JSON"),
    (
        "tool_call",
        {"tool_calls": [{"name": "get_forecast", "arguments": {}}]},
        {"tools": [WEATHER]},
        "'get_forecast' is not among the sample's tools (get_weather)",
    ),
    (
        "tool_call",
        _call(city="Oslo", citty="Oslo"),
        {"tools": [WEATHER]},
        "get_weather.citty: not a parameter of the function (parameters: city, unit, days)",
    ),
    (
        "tool_call",
        _call(city="Oslo", unit="kelvin"),
        {"tools": [WEATHER]},
        "get_weather.unit: 'kelvin' is not one of the allowed",
    ),
    (
        "tool_call",
        _call(city="Oslo", days={"$any": ["3", "three"]}),
        {"tools": [WEATHER]},
        "get_weather.days: expected integer, got string '3'",
    ),
    ("tool_call", _call(unit="celsius"), {"tools": [WEATHER]}, "get_weather.city: a required"),
    (
        "tool_call",
        _call(city={"$any": "Oslo"}),
        {"tools": [WEATHER]},
        "get_weather.city: $any needs a list",
    ),
    ("needle", ["ok", "   "], {}, "an expected needle value is blank"),
    ("needle", None, {}, "the sample has no 'expected' answer"),
    (FORMAT_RUBRIC, "{0.__class__.__mro__}", {}, "SecurityError: access to attribute '__class__'"),
    (RANGE_RUBRIC, "1000000", {}, "OverflowError: Range too big"),
]

GOOD: list[tuple[Any, Any, dict[str, Any]]] = [
    ("exact", "Paris", {}),
    ("exact", ["Paris", 75], {}),
    ("includes", ["a", "b"], {}),
    ("regex", r"\d+", {}),
    ("regex", ["ok", "a{2"], {}),  # an incomplete quantifier is a literal: it compiles
    ({"type": "regex", "flags": "x"}, "a #(", {}),  # "#" starts a comment in verbose mode
    ({"type": "regex", "pattern": "x"}, None, {}),  # a fixed pattern does not read expected
    ("numeric", "1,234.5", {}),
    ("numeric", [3, "4"], {}),
    ("choice", "b", {}),
    ("json", {"a.b": 1, "c": [1]}, {}),
    ("json", "not fields: another grader reads it", {}),
    ("json", None, {"response_format": _schema_format({"type": "object"})}),
    ({"type": "json", "expected": {"a": 1}}, {"a..b": 1}, {}),  # the option wins
    ("tool_call", {"tool_calls": []}, {"tools": [WEATHER]}),
    (
        "tool_call",
        _call(city={"$any": ["Oslo", "Oslo, Norway"]}, unit={"$any": ["$absent", "celsius"]}),
        {"tools": [WEATHER]},
    ),
    ("tool_call", _call(city="Oslo", days={"$any": ["3", 3]}), {"tools": [WEATHER]}),
    ("tool_call", {"tool_calls": [{"name": "anything", "arguments": {"x": 1}}]}, {}),
    ("needle", ["7-1-2", "blue whale"], {}),
    (JUDGE, None, {}),
    (FORMAT_RUBRIC, "{0}", {}),
    (RANGE_RUBRIC, "12", {}),
    ({"type": "python", "function": "json:dumps"}, {"the function": "decides"}, {}),
]


def _build(spec: Any) -> Any:
    return build(GraderSpec.parse(spec))


@pytest.mark.parametrize(("spec", "expected", "fields", "words"), BAD)
def test_a_bad_sample_is_refused_at_load(
    spec: Any, expected: Any, fields: dict[str, Any], words: str
) -> None:
    with pytest.raises(ValueError) as info:
        _build(spec).check(_sample(expected, **fields))
    assert words in str(info.value)


@pytest.mark.parametrize(("spec", "expected", "fields"), GOOD)
def test_a_good_sample_passes_its_check(spec: Any, expected: Any, fields: dict[str, Any]) -> None:
    _build(spec).check(_sample(expected, **fields))


async def test_grading_still_reports_what_only_grading_can_know() -> None:
    # A sample built past the loader (the API, a regrade override) still scores
    # grader_error rather than crashing: the load-time check is an early warning.
    from evalkit.graders import GradeItem, grade

    built = _build("regex")
    [record] = await grade([built], GradeItem(_sample("(unclosed"), "x"))
    assert record.details is not None and record.details["reason"] == "grader_error"
