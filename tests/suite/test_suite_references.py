"""Every shipped sample's right answer passes all of its graders.

The right answer is what the simulator answers with: ``metadata.reference``
when present, else derived from ``expected`` (string: itself; list: its first
item; number: its text; tool calls: those calls with ``$any`` resolved to the
first value and ``"$absent"`` dropped; an object: its JSON).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from suite_files import SUITES

from evalkit.graders import GradeItem, build
from evalkit.suite import Sample, load_suite
from evalkit.suite.schema import GraderSpec
from evalkit.types import ToolCall

SHIPPED = ("chat", "vision", "tools", "json", "needle", "needle-128k")


def _resolve(value: Any) -> Any:
    if isinstance(value, dict) and "$any" in value:
        return value["$any"][0]
    return value


def _answer(sample: Sample) -> tuple[str, list[ToolCall]]:
    value = sample.metadata.get("reference", sample.expected)
    if isinstance(value, dict) and isinstance(value.get("tool_calls"), list):
        calls = []
        for i, call in enumerate(value["tool_calls"]):
            args = {k: _resolve(v) for k, v in call["arguments"].items()}
            args = {k: v for k, v in args.items() if v != "$absent"}
            calls.append(ToolCall(id=f"call_{i}", name=call["name"], arguments=json.dumps(args)))
        return "", calls
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False), []
    if isinstance(value, list):
        value = value[0]
    if isinstance(value, bool):
        return ("true" if value else "false"), []
    return str(value), []


def _cases() -> list[Any]:
    return [
        pytest.param(name, sample, id=f"{name}/{sample.id}")
        for name in SHIPPED
        for sample in load_suite(SUITES / name).samples
    ]


async def _grade(spec: GraderSpec, sample: Sample, output: str, calls: list[ToolCall]) -> Any:
    return await build(spec).score(GradeItem(sample=sample, output=output, tool_calls=calls))


@pytest.mark.parametrize(("suite", "sample"), _cases())
async def test_the_right_answer_passes_every_grader(suite: str, sample: Sample) -> None:
    output, calls = _answer(sample)
    for spec in sample.grader:
        score = await _grade(spec, sample, output, calls)
        assert score.passed, f"{suite}/{sample.id} [{spec.type}] {output!r}: {score.explanation}"


async def test_a_wrong_answer_fails() -> None:
    # The check above must be able to fail: a wrong answer to a few items does not pass.
    chat = {s.id: s for s in load_suite(SUITES / "chat").samples}
    for sid, wrong in [
        ("capital-france", "Lyon"),
        ("arith-mul-17-23", "392"),
        ("format-all-caps", "the sea"),
    ]:
        sample = chat[sid]
        score = await _grade(sample.grader[0], sample, wrong, [])
        assert not score.passed, sid
