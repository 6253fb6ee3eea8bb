"""Helpers for grader tests: build a GradeItem and score it through the registry."""

from __future__ import annotations

import asyncio
from typing import Any

from evalkit.graders import GradeItem, Score, build
from evalkit.graders.base import CompleteFn
from evalkit.suite.schema import GraderSpec, Sample
from evalkit.types import ToolCall


def make_item(
    output: str = "",
    expected: Any = None,
    *,
    tool_calls: list[tuple[str, str]] | None = None,
    tools: list[dict[str, Any]] | None = None,
    response_format: dict[str, Any] | None = None,
    prompt: str = "question?",
    complete: CompleteFn | None = None,
) -> GradeItem:
    """A GradeItem for a one-message sample; tool calls as (name, raw arguments)."""
    sample = Sample(
        id="s1",
        prompt=prompt,
        expected=expected,
        tools=tools,
        response_format=response_format,
    )
    calls = [
        ToolCall(id=f"call_{i}", name=n, arguments=a) for i, (n, a) in enumerate(tool_calls or [])
    ]
    return GradeItem(sample=sample, output=output, tool_calls=calls, complete=complete)


def spec_of(spec: str | dict[str, Any]) -> GraderSpec:
    return GraderSpec.parse(spec)


def score(spec: str | dict[str, Any], item: GradeItem) -> Score:
    """Build the grader for ``spec`` and score ``item`` (from a test without a loop)."""
    return asyncio.run(ascore(spec, item))


async def ascore(spec: str | dict[str, Any], item: GradeItem) -> Score:
    """Build the grader for ``spec`` and score ``item``."""
    result = await build(spec_of(spec)).score(item)
    assert isinstance(result, Score)
    return result


# A JSON Schema the json grader's tests and its speed test share.
SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "email": {"type": "string", "format": "email"},
        "born": {"type": "string", "format": "date"},
        "seen": {"type": "string", "format": "date-time"},
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"price": {"type": "number", "minimum": 0}},
                "required": ["price"],
            },
        },
    },
    "required": ["name"],
    "additionalProperties": False,
}
