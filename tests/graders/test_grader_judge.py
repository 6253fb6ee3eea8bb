"""llm_judge: rubric rendering, verdict parsing, judge accounting, the CompleteFn seam."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from grader_items import ascore, make_item

from evalkit.errors import GraderError
from evalkit.graders import JudgeReply, build, grade
from evalkit.graders.judge import parse_verdict
from evalkit.suite.schema import GraderSpec


class FakeJudge:
    """A CompleteFn: records what it was asked and answers with canned text."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.calls: list[tuple[str, list[dict[str, Any]]]] = []

    async def __call__(self, target: str, messages: list[dict[str, Any]]) -> JudgeReply:
        self.calls.append((target, messages))
        return JudgeReply(
            text=self.text,
            model="judge-model-1",
            prompt_tokens=120,
            completion_tokens=30,
            cost_usd=0.00012,
            latency_s=0.8,
        )


VERDICTS = [
    # (judge reply, score or None when unparseable)
    ("The answer matches.\nGRADE: C", 1.0),
    ("Partly right.\nGRADE: P", 0.5),
    ("Wrong city.\nGRADE: I", 0.0),
    ("**GRADE:** c", 1.0),
    ("Grade: **Partially correct**", 0.5),
    ("grade: incorrect", 0.0),
    ("SCORE: 7/10", 0.7),
    ("Score: 3 out of 5", 0.6),
    ("score: 0.25", 0.25),
    ('{"score": 0.9, "reason": "close"}', 0.9),
    ('Result: {"score": 8, "max_score": 10}', 0.8),
    ('{"grade": "I"}', 0.0),
    ("At first GRADE: I, but on reflection the answer is fine.\nGRADE: C", 1.0),
    ("GRADE: C\n...actually no, it contradicts the reference.\nGRADE: I", 0.0),
    ("Looks right to me!", None),
    ("SCORE: 7", None),  # no scale given
    ("SCORE: 12/10", None),
    ("", None),
]


@pytest.mark.parametrize(("text", "value"), VERDICTS)
def test_parse_verdict(text: str, value: float | None) -> None:
    verdict = parse_verdict(text)
    if value is None:
        assert verdict is None
    else:
        assert verdict is not None
        assert verdict[0] == pytest.approx(value)


@pytest.mark.parametrize(("text", "value"), VERDICTS)
async def test_judge_grader_scores(text: str, value: float | None) -> None:
    judge = FakeJudge(text)
    item = make_item("Paris", "Paris", prompt="Capital of France?", complete=judge)
    s = await ascore({"type": "llm_judge", "target": "judge"}, item)
    assert s.details is not None
    assert s.details["judge"] == {
        "target": "judge",
        "model": "judge-model-1",
        "prompt_tokens": 120,
        "completion_tokens": 30,
        "cost_usd": 0.00012,
        "latency_s": 0.8,
    }
    if value is None:
        assert s.value == 0.0 and not s.passed
        assert s.explanation.startswith("unparseable verdict")
        assert s.details["reason"] == "unparseable_verdict"
    else:
        assert s.value == pytest.approx(value)
        assert s.passed is (value >= 0.5)


async def test_default_rubric_shows_question_answer_expected() -> None:
    judge = FakeJudge("GRADE: C")
    item = make_item("It is Paris.", "Paris", prompt="Capital of France?", complete=judge)
    await ascore({"type": "llm_judge", "target": "gpt-judge", "criteria": "Be strict."}, item)
    [(target, messages)] = judge.calls
    assert target == "gpt-judge"
    [message] = messages
    assert message["role"] == "user"
    prompt = message["content"]
    assert "[Question]: Capital of France?" in prompt
    assert "[Submitted answer]: It is Paris." in prompt
    assert "[Reference answer]: Paris" in prompt
    assert "[Criteria]: Be strict." in prompt
    assert "GRADE: C" in prompt


async def test_inline_and_file_rubrics(tmp_path: Path) -> None:
    judge = FakeJudge("SCORE: 4/5")
    item = make_item("<b>x</b> & y", {"k": 1}, prompt="Q?", complete=judge)
    inline = "Q={{ question }} A={{ answer }} E={{ expected }}"
    s = await ascore({"type": "llm_judge", "target": "j", "rubric": inline}, item)
    assert s.value == pytest.approx(0.8)
    # not HTML-escaped: the judge must see the answer as the model wrote it
    assert judge.calls[-1][1][0]["content"] == 'Q=Q? A=<b>x</b> & y E={"k": 1}'
    path = tmp_path / "rubric.jinja"
    path.write_text("Answer: {{ answer }}\nReply SCORE: n/5", encoding="utf-8")
    await ascore({"type": "llm_judge", "target": "j", "rubric": str(path)}, item)
    assert judge.calls[-1][1][0]["content"] == "Answer: <b>x</b> & y\nReply SCORE: n/5"


async def test_pass_threshold() -> None:
    item = make_item("x", "y", complete=FakeJudge("GRADE: P"))
    assert (await ascore({"type": "llm_judge", "target": "j"}, item)).passed
    strict = await ascore({"type": "llm_judge", "target": "j", "pass_threshold": 0.8}, item)
    assert not strict.passed and strict.value == 0.5


async def test_missing_complete_fn_is_a_clear_error() -> None:
    item = make_item("x", "y", complete=None)
    with pytest.raises(GraderError, match="completion function"):
        await ascore({"type": "llm_judge", "target": "j"}, item)
    spec = GraderSpec(type="llm_judge", options={"target": "j"})
    [record] = await grade([build(spec)], item)
    assert record.score == 0.0 and not record.passed
    assert "needs a completion function" in record.explanation


async def test_sandbox_blocks_python_internals() -> None:
    from jinja2.exceptions import SecurityError

    rubric = "{{ answer.__class__.__mro__[1].__subclasses__() }}"
    item = make_item("x", "y", complete=FakeJudge("GRADE: C"))
    with pytest.raises(SecurityError):
        await ascore({"type": "llm_judge", "target": "j", "rubric": rubric}, item)


def test_question_is_the_last_user_message_text() -> None:
    from evalkit.graders.judge import question_of
    from evalkit.suite.schema import Sample

    sample = Sample(
        id="v",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "First question"},
            {"role": "assistant", "content": "First answer"},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this picture?"},
                    {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                ],
            },
        ],
    )
    assert question_of(sample) == "What is in this picture?\n[image]"
