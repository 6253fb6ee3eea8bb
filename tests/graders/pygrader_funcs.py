"""Functions the ``python`` grader tests import by path (a user's own graders)."""

from __future__ import annotations

from typing import Any

from evalkit.graders import GradeItem, Score


def is_short(item: GradeItem) -> bool:
    return len(item.output) <= 10


def overlap(item: GradeItem) -> float:
    want = set(str(item.sample.expected).split())
    got = set(item.output.split())
    return len(want & got) / len(want) if want else 0.0


def verdict(item: GradeItem) -> Score:
    ok = item.output == item.sample.expected
    return Score(1.0 if ok else 0.0, ok, "own verdict", {"who": "verdict"})


async def async_verdict(item: GradeItem) -> Score:
    return verdict(item)


def returns_text(item: GradeItem) -> Any:
    return "yes"


def returns_too_big(item: GradeItem) -> float:
    return 7.0


class Namespace:
    @staticmethod
    def nested(item: GradeItem) -> bool:
        return True


NOT_CALLABLE = 3


def raises(item: GradeItem) -> bool:
    return 1 / 0 > 0


def echo_item(item: GradeItem) -> Score:
    details = {
        "id": item.sample.id,
        "output": item.output,
        "expected": item.sample.expected,
        "tools": [c.name for c in item.tool_calls],
        "question": item.sample.messages[-1]["content"],
    }
    return Score(1.0, True, "echo", details)
