"""Graders sit on the per-request hot path: expensive work happens once per spec.

These tests count work, they do not time it: grading time is measured by
benchmarks/bench_run.py (graders on a run's per-request path) and
benchmarks/bench_grade.py (re-grading a stored run).
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

import pytest
from grader_items import SCHEMA, make_item

from evalkit.graders import build, json_
from evalkit.suite.schema import GraderSpec


def test_schema_validator_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made_validators: list[Any] = []
    real = json_.make_validator

    def counting(schema: Any, what: str = "option 'schema'") -> Any:
        made_validators.append(schema)
        return real(schema, what)

    monkeypatch.setattr(json_, "make_validator", counting)
    g = build(GraderSpec(type="json", options={"schema": SCHEMA}))
    for _ in range(50):
        asyncio.run(g.score(make_item('{"name": "Ada"}')))
    assert len(made_validators) == 1
    # a response_format schema is compiled on first use, then reused by every
    # sample whose schema has the same text (each sample holds its own dict)
    g = build(GraderSpec(type="json"))
    for _ in range(50):
        fmt = {"type": "json_schema", "json_schema": {"name": "p", "schema": copy.deepcopy(SCHEMA)}}
        assert asyncio.run(g.score(make_item('{"name": "Ada"}', response_format=fmt))).passed
    assert len(made_validators) == 2
