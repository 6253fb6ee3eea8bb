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


def spins(item: GradeItem) -> bool:
    while True:  # a runaway grader: only a time limit ends it
        pass


def sleeps(item: GradeItem) -> bool:
    import time

    time.sleep(60)
    return True


async def awaits_forever(item: GradeItem) -> bool:
    import asyncio

    await asyncio.sleep(60)
    return True


def exits(item: GradeItem) -> bool:
    import sys

    sys.exit(3)


def interrupts(item: GradeItem) -> bool:
    raise KeyboardInterrupt


def numpy_details(item: GradeItem) -> Score:
    import numpy as np

    value = np.float64(0.75)
    details = {"scores": np.array([0.5, 1.0]), "best": np.int64(2), "ok": np.bool_(True)}
    return Score(value, bool(np.bool_(True)), "numpy inside", details)  # type: ignore[arg-type]


def numpy_scalar(item: GradeItem) -> object:
    import numpy as np

    return np.float32(0.9)


def unpicklable(item: GradeItem) -> Score:
    return Score(1.0, True, "a lambda inside", {"fn": lambda: 1})


def pid(item: GradeItem) -> Score:
    import os

    return Score(1.0, True, "pid", {"pid": os.getpid()})
