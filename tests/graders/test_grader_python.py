"""python: user functions imported by path; what they may return."""

from __future__ import annotations

from pathlib import Path

import pytest
from grader_items import ascore, make_item, score

HERE = Path(__file__).parent


@pytest.fixture(autouse=True)
def importable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(HERE))


@pytest.mark.parametrize(
    ("function", "output", "value", "passed"),
    [
        ("pygrader_funcs:is_short", "short", 1.0, True),
        ("pygrader_funcs.is_short", "far too long to pass", 0.0, False),
        ("pygrader_funcs:overlap", "red green", 2 / 3, True),
        ("pygrader_funcs:overlap", "red", 1 / 3, False),
        ("pygrader_funcs:verdict", "red green blue", 1.0, True),
        ("pygrader_funcs:Namespace.nested", "anything", 1.0, True),
        ("pygrader_funcs.Namespace.nested", "anything", 1.0, True),
    ],
)
def test_python_grader(function: str, output: str, value: float, passed: bool) -> None:
    s = score({"type": "python", "function": function}, make_item(output, "red green blue"))
    assert s.value == pytest.approx(value)
    assert s.passed is passed


async def test_async_function() -> None:
    s = await ascore(
        {"type": "python", "function": "pygrader_funcs:async_verdict"}, make_item("a", "a")
    )
    assert s.passed and s.details == {"who": "verdict"}


@pytest.mark.parametrize(
    "function", ["pygrader_funcs:returns_text", "pygrader_funcs:returns_too_big"]
)
def test_bad_return_is_explained(function: str) -> None:
    s = score({"type": "python", "function": function}, make_item("a", "a"))
    assert not s.passed and s.value == 0.0
    assert "expected a Score, a bool or a number in [0, 1]" in s.explanation
    assert s.details == {"reason": "bad_return"}


def test_pass_threshold() -> None:
    spec = {"type": "python", "function": "pygrader_funcs:overlap", "pass_threshold": 0.9}
    assert not score(spec, make_item("red green", "red green blue")).passed


async def test_an_exception_in_the_function_is_a_recorded_zero() -> None:
    from evalkit.graders import build, grade
    from evalkit.suite.schema import GraderSpec

    spec = GraderSpec.parse({"type": "python", "function": "pygrader_funcs:raises"})
    [record] = await grade([build(spec)], make_item("a", "a"))
    assert (record.score, record.passed) == (0.0, False)
    assert record.details == {"reason": "grader_error", "error_type": "ZeroDivisionError"}
    assert "ZeroDivisionError" in record.explanation


def test_the_function_receives_the_grade_item() -> None:
    item = make_item("the reply", ["x"], tool_calls=[("lookup", '{"q": 1}')], prompt="Q?")
    s = score({"type": "python", "function": "pygrader_funcs:echo_item"}, item)
    assert s.details == {
        "id": "s1",
        "output": "the reply",
        "expected": ["x"],
        "tools": ["lookup"],
        "question": "Q?",
    }
