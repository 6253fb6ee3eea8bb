"""The simulator's judge verdicts for grading prompts (evalkit's default rubric)."""

from __future__ import annotations

import pytest

from evalkit.graders import GradeItem, JudgeReply, build
from evalkit.sim.judge import judge_reply
from evalkit.suite.schema import GraderSpec, Sample


def test_non_grading_prompts_get_no_verdict() -> None:
    assert judge_reply([{"role": "user", "content": "What is 2 + 2?"}]) is None


@pytest.mark.parametrize(
    ("answer", "expected", "grade", "value"),
    [
        ("The capital is Paris.", "Paris", "GRADE: C", 1.0),
        ("Paris or maybe Lyon", "Paris France", "GRADE: P", 0.5),
        ("Berlin", "Paris", "GRADE: I", 0.0),
    ],
)
async def test_the_default_rubric_round_trips_through_the_simulated_judge(
    answer: str, expected: str, grade: str, value: float
) -> None:
    seen: list[str] = []

    async def complete(target: str, messages: list[dict[str, object]]) -> JudgeReply:
        verdict = judge_reply(messages)  # type: ignore[arg-type]
        assert verdict is not None
        seen.append(verdict)
        return JudgeReply(text=verdict, model="sim")

    judge = build(GraderSpec(type="llm_judge", options={"target": "sim"}))
    sample = Sample(id="q", prompt="Capital of France?", expected=expected, grader=["exact"])
    score = await judge.score(GradeItem(sample, answer, complete=complete))
    assert seen[-1].endswith(grade)
    assert score.value == value
