"""json: the four levels (strict parse, lenient parse, schema, fields) and the score."""

from __future__ import annotations

from typing import Any

import pytest
from grader_items import SCHEMA, make_item, score

from evalkit.graders._jsonparse import parse_output, parse_path

PARSE = [
    # (output, strict, lenient)
    ('{"a": 1}', True, True),
    ('  {"a": 1}\n', True, True),
    ("[1, 2]", True, True),
    ('```json\n{"a": 1}\n```', False, True),
    ('```\n{"a": 1}\n```', False, True),
    ('Sure! Here it is: {"a": {"b": [1, 2]}} Hope that helps.', False, True),
    ('See [note] then {"a": 1}', False, True),
    ('As shown in [1], the answer is {"a": [1, 2]}.', False, True),
    ("{'a': 1}", False, False),
    ('{"a": 1', False, False),
    ("no json at all", False, False),
]


@pytest.mark.parametrize(("output", "strict", "lenient"), PARSE)
def test_parse_levels(output: str, strict: bool, lenient: bool) -> None:
    parsed = parse_output(output)
    assert (parsed.strict, parsed.lenient) == (strict, lenient)
    s = score("json", make_item(output))
    assert s.details is not None
    assert (s.details["strict_parse"], s.details["lenient_parse"]) == (strict, lenient)
    assert s.passed is lenient
    assert s.value == (1.0 if lenient else 0.0)


def test_lenient_value_is_the_json_inside() -> None:
    assert parse_output('Sure! {"a": {"b": [1, 2]}} ok').value == {"a": {"b": [1, 2]}}
    assert parse_output('As shown in [1], the answer is {"a": [1, 2]}.').value == {"a": [1, 2]}
    assert parse_output('```json\n{"x": true}\n```').value == {"x": True}


def test_strict_option_needs_the_strict_parse() -> None:
    fenced = '```json\n{"name": "Ada"}\n```'
    s = score({"type": "json", "strict": True}, make_item(fenced))
    assert not s.passed and s.value == 0.0
    assert s.details is not None and s.details["reason"] == "not_strict"
    assert score({"type": "json", "strict": True}, make_item('{"name": "Ada"}')).passed


def test_unparseable_explains_the_error() -> None:
    s = score("json", make_item('{"a": 1'))
    assert s.details is not None and s.details["reason"] == "unparseable"
    assert s.explanation.startswith("not JSON: ")
    assert "line 1 column" in s.explanation


SCHEMA_CASES = [
    # (output, valid, first error path, message fragment)
    ('{"name": "Ada", "items": [{"price": 1}, {"price": 0}]}', True, None, None),
    (
        '{"name": "Ada", "items": [{"price": 1}, {"price": 2}, {"price": -3}]}',
        False,
        "$.items[2].price",
        "-3 is less than the minimum of 0",
    ),
    ('{"name": "Ada", "email": "not-an-email"}', False, "$.email", "is not a 'email'"),
    ('{"name": "Ada", "email": "ada@example.org"}', True, None, None),
    ('{"name": "Ada", "born": "1815-13-10"}', False, "$.born", "is not a 'date'"),
    ('{"name": "Ada", "born": "1815-12-10"}', True, None, None),
    ('{"name": "Ada", "seen": "yesterday"}', False, "$.seen", "is not a 'date-time'"),
    ('{"name": "Ada", "seen": "2024-05-01T10:00:00Z"}', True, None, None),
    ('{"items": []}', False, "$", "'name' is a required property"),
    ('{"name": 3}', False, "$.name", "3 is not of type 'string'"),
    ('{"name": "Ada", "extra": 1}', False, "$", "Additional properties are not allowed"),
]


@pytest.mark.parametrize(("output", "valid", "path", "message"), SCHEMA_CASES)
def test_schema_level(output: str, valid: bool, path: str | None, message: str | None) -> None:
    s = score({"type": "json", "schema": SCHEMA}, make_item(output))
    assert s.details is not None
    assert s.details["schema_valid"] is valid
    assert s.passed is valid
    if not valid:
        assert s.value == 0.0
        assert s.details["reason"] == "schema"
        first = s.details["schema_errors"][0]
        assert first["path"] == path
        assert message is not None and message in first["message"]
        assert f"{path}: " in s.explanation


def test_schema_failure_explanation_reads_like_a_path() -> None:
    out = '{"name": "Ada", "items": [{"price": 1}, {"price": 2}, {"price": -3}]}'
    s = score({"type": "json", "schema": SCHEMA}, make_item(out))
    assert "$.items[2].price: -3 is less than the minimum of 0" in s.explanation


def test_schema_from_response_format() -> None:
    fmt = {"type": "json_schema", "json_schema": {"name": "person", "schema": SCHEMA}}
    bad = make_item('{"name": 3}', response_format=fmt)
    good = make_item('{"name": "Ada"}', response_format=fmt)
    grade = score  # the same spec twice: the second call reuses the cached validator
    assert not grade("json", bad).passed
    assert grade("json", good).passed


EXPECTED = {"name": "Ada Lovelace", "address": {"city": "London"}, "items[1].price": 2.5}
FIELDS = [
    # (output, matched of 3)
    ('{"name": "Ada Lovelace", "address": {"city": "London"}, "items": [{}, {"price": 2.5}]}', 3),
    (
        '{"name": "  ada   LOVELACE ", "address": {"city": "london", "zip": 1}, '
        '"items": [{}, {"price": 2.5000000001}]}',
        3,
    ),
    ('{"name": "Ada Lovelace", "address": {"city": "Paris"}, "items": [{}, {"price": 2.5}]}', 2),
    ('{"name": "Ada", "address": {"city": "Paris"}, "items": [{"price": 2.5}]}', 0),
    ('{"name": "Ada Lovelace"}', 1),
]


@pytest.mark.parametrize(("output", "matched"), FIELDS)
def test_expected_fields(output: str, matched: int) -> None:
    s = score({"type": "json", "expected": EXPECTED}, make_item(output))
    assert s.details is not None
    assert s.details["fields_total"] == 3
    assert s.details["fields_matched"] == matched
    assert s.value == pytest.approx(matched / 3)
    assert s.passed is (matched == 3)
    assert f"{matched}/3 fields match" in s.explanation
    assert len(s.details["field_mismatches"]) == 3 - matched


def test_field_mismatch_explained() -> None:
    out = '{"name": "Ada Lovelace", "address": {"city": "Paris"}, "items": [{}, {"price": 2.5}]}'
    s = score({"type": "json", "expected": EXPECTED}, make_item(out))
    assert "$.address.city: expected 'London', got 'Paris'" in s.explanation
    s = score({"type": "json", "expected": EXPECTED}, make_item('{"name": "Ada Lovelace"}'))
    assert s.details is not None
    assert {"path": "$.items[1].price", "expected": 2.5, "got": "<missing>"} in s.details[
        "field_mismatches"
    ]


def test_expected_defaults_to_sample_expected_dict() -> None:
    s = score("json", make_item('{"a": 1, "b": true}', {"a": 1, "b": False}))
    assert s.details is not None and s.details["fields_matched"] == 1
    assert s.value == 0.5 and not s.passed


@pytest.mark.parametrize(
    ("expected", "got", "same"),
    [
        (1, 1.0, True),
        (1, True, False),  # a bool is not a number
        (True, 1, False),
        (None, None, True),
        ("a b", "A  B", True),
        ([1, "x"], [1, "X"], True),
        ([1, 2], [2, 1], False),
        ({"k": 1}, {"k": 1, "extra": 2}, True),
    ],
)
def test_values_match(expected: Any, got: Any, same: bool) -> None:
    from evalkit.graders.json_ import values_match

    assert values_match(expected, got) is same


def test_schema_and_fields_mean_with_partial_credit() -> None:
    spec = {"type": "json", "schema": SCHEMA, "expected": {"name": "Ada", "email": "a@b.c"}}
    s = score(spec, make_item('{"name": "Ada", "email": "x@y.z", "extra": 1}'))
    # schema invalid (0) and half the fields (0.5): mean 0.25
    assert s.value == pytest.approx(0.25)
    no_partial = score({**spec, "partial_credit": False}, make_item('{"name": "Ada", "extra": 1}'))
    assert no_partial.value == 0.0 and not no_partial.passed


@pytest.mark.parametrize(
    ("path", "steps"),
    [
        ("a", ("a",)),
        ("$.a.b", ("a", "b")),
        ("items[2].price", ("items", 2, "price")),
        ("[0]", (0,)),
    ],
)
def test_parse_path(path: str, steps: tuple[Any, ...]) -> None:
    assert parse_path(path) == steps
