"""Graders sit on the per-request hot path: expensive work happens once per spec."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
from grader_items import make_item
from test_grader_json import SCHEMA
from test_grader_tool_call import TOOLS, call, made

from evalkit.graders import build, json_
from evalkit.suite.schema import GraderSpec


def test_schema_validator_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made_validators: list[Any] = []
    real = json_.make_validator

    def counting(schema: Any) -> Any:
        made_validators.append(schema)
        return real(schema)

    monkeypatch.setattr(json_, "make_validator", counting)
    g = build(GraderSpec(type="json", options={"schema": SCHEMA}))
    for _ in range(50):
        g(make_item('{"name": "Ada"}'))
    assert len(made_validators) == 1
    # a response_format schema is compiled on first use, then reused by every
    # sample whose schema has the same text (each sample holds its own dict)
    g = build(GraderSpec(type="json"))
    for _ in range(50):
        fmt = {"type": "json_schema", "json_schema": {"name": "p", "schema": copy.deepcopy(SCHEMA)}}
        assert g(make_item('{"name": "Ada"}', response_format=fmt)).passed
    assert len(made_validators) == 2


def test_thousands_of_items_grade_in_well_under_a_second_each_kind() -> None:
    n = 2000
    work = [
        (GraderSpec(type="exact", options={"normalize": True}), make_item("The Paris.", "paris")),
        (
            GraderSpec(type="json", options={"schema": SCHEMA}),
            make_item('```json\n{"name": "Ada", "items": [{"price": 3}]}\n```', {"name": "Ada"}),
        ),
        (
            GraderSpec(type="tool_call"),
            make_item(
                expected={
                    "tool_calls": [call("get_weather", city="Tokyo"), call("get_time", tz="UTC")]
                },
                tool_calls=[
                    made("get_time", {"tz": "utc"}),
                    made("get_weather", {"city": "tokyo"}),
                ],
                tools=TOOLS,
            ),
        ),
    ]
    for spec, item in work:
        g = build(spec)
        start = time.perf_counter()
        results = [g(item) for _ in range(n)]
        elapsed = time.perf_counter() - start
        assert all(r.passed for r in results)  # type: ignore[union-attr]
        # ~0.05-0.7 s on a laptop core; the bound catches per-call compilation
        assert elapsed < 4.0, f"{spec.type}: {n} items took {elapsed:.2f}s"
