"""tool_call: BFCL's AST rules, one table row per pass shape and failure reason."""

from __future__ import annotations

import json
from typing import Any

import pytest
from grader_items import make_item, score

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
HOTEL = {
    "type": "function",
    "function": {
        "name": "book_hotel",
        "parameters": {
            "type": "object",
            "properties": {
                "hotel": {"type": "string"},
                "nights": {"type": "number"},
                "guests": {"type": "array", "items": {"type": "string"}},
                "options": {
                    "type": "object",
                    "properties": {
                        "breakfast": {"type": "boolean"},
                        "room": {"type": "object", "properties": {"floor": {"type": "integer"}}},
                    },
                },
            },
            "required": ["hotel", "nights"],
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {
            "type": "object",
            "properties": {"tz": {"type": "string"}},
            "required": ["tz"],
        },
    },
}
ADD = {
    "type": "function",
    "function": {
        "name": "math.add",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "number"}, "b": {"type": "number"}},
            "required": ["a", "b"],
        },
    },
}
PING = {"type": "function", "function": {"name": "ping", "parameters": {"type": "object"}}}
TOOLS = [WEATHER, HOTEL, TIME, ADD, PING]


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"name": name, "arguments": arguments}


def made(name: str, arguments: Any) -> tuple[str, str]:
    return (name, arguments if isinstance(arguments, str) else json.dumps(arguments))


TOKYO = call("get_weather", city="Tokyo")
PARIS = call("get_weather", city="Paris")
STAY = call("book_hotel", hotel="Ritz", nights=3)

PASSES = [
    ("simple", [TOKYO], [made("get_weather", {"city": "Tokyo"})]),
    (
        "string normalised",
        [call("get_weather", city="New York")],
        [made("get_weather", {"city": "new-york"})],
    ),
    ("int for number", [STAY], [made("book_hotel", {"hotel": "Ritz", "nights": 3})]),
    ("float equal", [STAY], [made("book_hotel", {"hotel": "Ritz", "nights": 3.0000000000001})]),
    (
        "optional omitted",
        [call("get_weather", city="Tokyo", unit={"$any": ["celsius", "$absent"]})],
        [made("get_weather", {"city": "Tokyo"})],
    ),
    (
        "optional given",
        [call("get_weather", city="Tokyo", unit={"$any": ["celsius", "$absent"]})],
        [made("get_weather", {"city": "Tokyo", "unit": "celsius"})],
    ),
    (
        "$any values",
        [
            call(
                "get_weather",
                city={"$any": ["NYC", "New York"]},
                unit={"$any": ["celsius", "fahrenheit"]},
            )
        ],
        [made("get_weather", {"city": "nyc", "unit": "fahrenheit"})],
    ),
    (
        "nested object and array",
        [
            call(
                "book_hotel",
                hotel="Ritz",
                nights=2,
                guests=["Ann", "Bob"],
                options={"breakfast": True, "room": {"floor": {"$any": [2, 3]}}},
            )
        ],
        [
            made(
                "book_hotel",
                {
                    "hotel": "ritz",
                    "nights": 2,
                    "guests": ["ann", "Bob"],
                    "options": {"breakfast": True, "room": {"floor": 3}},
                },
            )
        ],
    ),
    (
        "$absent inside an object",
        [
            call(
                "book_hotel",
                hotel="Ritz",
                nights=2,
                options={"breakfast": {"$any": [True, "$absent"]}},
            )
        ],
        [made("book_hotel", {"hotel": "Ritz", "nights": 2, "options": {}})],
    ),
    (
        "parallel in another order",
        [TOKYO, PARIS],
        [made("get_weather", {"city": "Paris"}), made("get_weather", {"city": "Tokyo"})],
    ),
    (
        "parallel different functions",
        [TOKYO, call("get_time", tz="Asia/Tokyo")],
        [made("get_time", {"tz": "asia/tokyo"}), made("get_weather", {"city": "Tokyo"})],
    ),
    (
        "parallel where greedy pairing fails",
        # the first expected call accepts either city; only a full matching pairs both
        [call("get_weather", city={"$any": ["Tokyo", "Paris"]}), PARIS],
        [made("get_weather", {"city": "Paris"}), made("get_weather", {"city": "Tokyo"})],
    ),
    ("no call expected, none made", [], []),
    ("dots vs underscores", [call("math.add", a=1, b=2)], [made("math_add", {"a": 1, "b": 2})]),
    ("empty arguments", [call("ping")], [made("ping", "")]),
]


@pytest.mark.parametrize(("expected", "got"), [p[1:] for p in PASSES], ids=[p[0] for p in PASSES])
def test_passes(expected: list[dict[str, Any]], got: list[tuple[str, str]]) -> None:
    s = score(
        "tool_call", make_item(expected={"tool_calls": expected}, tool_calls=got, tools=TOOLS)
    )
    assert s.passed, s.explanation
    assert s.value == 1.0
    assert s.details is not None and s.details["reason"] is None


FAILS = [
    # (id, expected calls, made calls, reason, explanation)
    (
        "one expected, two made",
        [TOKYO],
        [made("get_weather", {"city": "Tokyo"}), made("get_time", {"tz": "UTC"})],
        "wrong_count",
        "expected 1 call (get_weather), got 2 (get_weather, get_time)",
    ),
    (
        "no call expected",
        [],
        [made("get_weather", {"city": "Tokyo"})],
        "wrong_count",
        "expected no call, got 1 (get_weather)",
    ),
    (
        "call expected, none made",
        [TOKYO],
        [],
        "wrong_count",
        "expected 1 call (get_weather), got none",
    ),
    (
        "wrong function",
        [TOKYO],
        [made("get_time", {"tz": "UTC"})],
        "wrong_name",
        "expected a call to get_weather, got get_time",
    ),
    (
        "required missing",
        [TOKYO],
        [made("get_weather", {})],
        "missing_required",
        "get_weather.city: required parameter missing",
    ),
    (
        "expected param missing",
        [call("get_weather", city="Tokyo", unit="celsius")],
        [made("get_weather", {"city": "Tokyo"})],
        "missing_param",
        "get_weather.unit: expected parameter missing",
    ),
    (
        "param not in schema",
        [TOKYO],
        [made("get_weather", {"city": "Tokyo", "country": "JP"})],
        "unexpected_param",
        "get_weather.country: not a parameter of the function",
    ),
    (
        "param not expected",
        [TOKYO],
        [made("get_weather", {"city": "Tokyo", "days": 3})],
        "unexpected_param",
        "get_weather.days: not expected (got 3)",
    ),
    (
        "string for integer",
        [call("get_weather", city="Tokyo", days=3)],
        [made("get_weather", {"city": "Tokyo", "days": "3"})],
        "type_error",
        "get_weather.days: expected integer, got string '3'",
    ),
    (
        "float for integer",
        [call("get_weather", city="Tokyo", days=3)],
        [made("get_weather", {"city": "Tokyo", "days": 3.5})],
        "type_error",
        "get_weather.days: expected integer, got number 3.5",
    ),
    (
        "bool is not a number",
        [STAY],
        [made("book_hotel", {"hotel": "Ritz", "nights": True})],
        "type_error",
        "book_hotel.nights: expected number, got boolean True",
    ),
    (
        "array item type",
        [call("book_hotel", hotel="Ritz", nights=3, guests=["Ann", "Bob"])],
        [made("book_hotel", {"hotel": "Ritz", "nights": 3, "guests": ["Ann", 2]})],
        "type_error",
        "book_hotel.guests[1]: expected string, got integer 2",
    ),
    (
        "nested object type",
        [call("book_hotel", hotel="Ritz", nights=3, options={"room": {"floor": 2}})],
        [made("book_hotel", {"hotel": "Ritz", "nights": 3, "options": {"room": {"floor": "2"}}})],
        "type_error",
        "book_hotel.options.room.floor: expected integer, got string '2'",
    ),
    (
        "value not among $any",
        [call("get_weather", city="Tokyo", unit={"$any": ["celsius"]})],
        [made("get_weather", {"city": "Tokyo", "unit": "fahrenheit"})],
        "value_error",
        "get_weather.unit: expected one of ['celsius'], got 'fahrenheit'",
    ),
    (
        "value outside the enum",
        [call("get_weather", city="Tokyo", unit={"$any": ["celsius"]})],
        [made("get_weather", {"city": "Tokyo", "unit": "kelvin"})],
        "value_error",
        "get_weather.unit: 'kelvin' is not one of the allowed ['celsius', 'fahrenheit']",
    ),
    (
        "string value",
        [TOKYO],
        [made("get_weather", {"city": "Kyoto"})],
        "value_error",
        "get_weather.city: expected 'Tokyo', got 'Kyoto'",
    ),
    (
        "number value",
        [STAY],
        [made("book_hotel", {"hotel": "Ritz", "nights": 3.001})],
        "value_error",
        "book_hotel.nights: expected 3, got 3.001",
    ),
    (
        "list order matters",
        [call("book_hotel", hotel="Ritz", nights=3, guests=["Ann", "Bob"])],
        [made("book_hotel", {"hotel": "Ritz", "nights": 3, "guests": ["Bob", "Ann"]})],
        "value_error",
        "book_hotel.guests[0]: expected 'Ann', got 'Bob'",
    ),
    (
        "nested value",
        [call("book_hotel", hotel="Ritz", nights=3, options={"breakfast": True})],
        [made("book_hotel", {"hotel": "Ritz", "nights": 3, "options": {"breakfast": False}})],
        "value_error",
        "book_hotel.options.breakfast: expected True, got False",
    ),
    (
        "nested unexpected key",
        [call("book_hotel", hotel="Ritz", nights=3, options={"breakfast": True})],
        [
            made(
                "book_hotel",
                {"hotel": "Ritz", "nights": 3, "options": {"breakfast": True, "spa": True}},
            )
        ],
        "value_error",
        "book_hotel.options.spa: unexpected key",
    ),
    (
        "truncated JSON",
        [TOKYO],
        [made("get_weather", '{"city": "Tok')],
        "bad_json",
        "get_weather: arguments are not valid JSON",
    ),
    ("not an object", [TOKYO], [made("get_weather", '["Tokyo"]')], "bad_json", "not a JSON object"),
    (
        "parallel, one wrong",
        [TOKYO, PARIS],
        [made("get_weather", {"city": "Paris"}), made("get_weather", {"city": "London"})],
        "value_error",
        "get_weather.city: expected 'Tokyo', got 'London'",
    ),
]


@pytest.mark.parametrize(
    ("expected", "got", "reason", "explanation"), [f[1:] for f in FAILS], ids=[f[0] for f in FAILS]
)
def test_failures(
    expected: list[dict[str, Any]], got: list[tuple[str, str]], reason: str, explanation: str
) -> None:
    s = score(
        "tool_call", make_item(expected={"tool_calls": expected}, tool_calls=got, tools=TOOLS)
    )
    assert not s.passed
    assert s.value == 0.0
    assert s.details is not None
    assert s.details["reason"] == reason
    assert explanation in s.explanation


def test_diff_shows_every_parameter() -> None:
    expected = {
        "tool_calls": [call("get_weather", city="Tokyo", unit={"$any": ["celsius"]}, days=3)]
    }
    got = [made("get_weather", {"city": "tokyo", "unit": "kelvin"})]
    s = score("tool_call", make_item(expected=expected, tool_calls=got, tools=TOOLS))
    assert s.details is not None
    assert s.details["function"] == "get_weather"
    assert s.details["diff"] == {
        "city": {"expected": "Tokyo", "got": "tokyo", "ok": True},
        "unit": {"expected": {"$any": ["celsius"]}, "got": "kelvin", "ok": False},
        "days": {"expected": 3, "got": "$absent", "ok": False},
    }
    assert s.details["calls"] == [
        {
            "expected": "get_weather",
            "got": "get_weather",
            "reason": "value_error",
            "message": (
                "get_weather.unit: 'kelvin' is not one of the allowed ['celsius', 'fahrenheit']"
            ),
        }
    ]


def test_order_matters_option() -> None:
    item = make_item(
        expected={"tool_calls": [TOKYO, PARIS]},
        tool_calls=[made("get_weather", {"city": "Paris"}), made("get_weather", {"city": "Tokyo"})],
        tools=TOOLS,
    )
    assert score("tool_call", item).passed
    strict = score({"type": "tool_call", "order_matters": True}, item)
    assert not strict.passed
    assert strict.details is not None and strict.details["reason"] == "value_error"
    assert "get_weather.city: expected 'Tokyo', got 'Paris'" in strict.explanation


def test_partial_credit_is_the_fraction_of_matched_calls() -> None:
    item = make_item(
        expected={"tool_calls": [TOKYO, PARIS]},
        tool_calls=[made("get_weather", {"city": "Paris"}), made("get_weather", {"city": "Rome"})],
        tools=TOOLS,
    )
    assert score("tool_call", item).value == 0.0
    s = score({"type": "tool_call", "partial_credit": True}, item)
    assert s.value == 0.5 and not s.passed
    assert s.details is not None and s.details["matched_calls"] == 1
    extra = make_item(
        expected={"tool_calls": [TOKYO]},
        tool_calls=[made("get_weather", {"city": "Tokyo"}), made("get_time", {"tz": "UTC"})],
        tools=TOOLS,
    )
    assert score({"type": "tool_call", "partial_credit": True}, extra).value == 0.5


def test_without_schemas_only_expected_arguments_are_checked() -> None:
    item = make_item(
        expected={"tool_calls": [call("lookup", q="x")]},
        tool_calls=[made("lookup", {"q": "X"})],
        tools=None,
    )
    assert score("tool_call", item).passed
    extra = make_item(
        expected={"tool_calls": [call("lookup", q="x")]},
        tool_calls=[made("lookup", {"q": "x", "n": 1})],
    )
    s = score("tool_call", extra)
    assert s.details is not None and s.details["reason"] == "unexpected_param"


@pytest.mark.parametrize(
    "expected", ["get_weather", {"calls": []}, {"tool_calls": [{"arguments": {}}]}]
)
def test_malformed_expected_is_a_grader_error(expected: Any) -> None:
    from evalkit.errors import GraderError

    with pytest.raises(GraderError, match="tool_calls"):
        score("tool_call", make_item(expected=expected, tool_calls=[made("f", "{}")]))
