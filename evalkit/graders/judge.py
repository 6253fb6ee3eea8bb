"""The ``llm_judge`` grader: a model reads a rubric and returns a verdict.

The rubric is a jinja2 template (inline text, a file path, or the shipped
``templates/judge_default.jinja``) rendered with ``question``, ``answer``,
``expected`` and ``criteria``. The runner supplies ``GradeItem.complete``;
graders never import the client. The judge's own tokens, cost and latency go
in ``details["judge"]``, apart from the graded model's.

When the suite loads, the factory checks ``target`` against the configured
targets (its ``BuildContext``) and the check renders the rubric with each
sample, so a template the sandbox refuses for that sample is reported then.
"""

from __future__ import annotations

import json
import re
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evalkit.errors import GraderError
from evalkit.graders._normalize import clip, shorten
from evalkit.graders._options import Fraction, Text
from evalkit.graders.base import (
    BuildContext,
    Checked,
    GradeItem,
    Grader,
    JudgeReply,
    Score,
    grader,
)
from evalkit.suite.schema import Sample

if TYPE_CHECKING:
    from jinja2 import Template

VARIABLES = frozenset({"question", "answer", "expected", "criteria"})
_GRADE = re.compile(
    r"\bgrade\b[^\w\n]{0,8}(incorrect|partially correct|partial|correct|[cpi])(?!\w)", re.IGNORECASE
)
_SCORE = re.compile(
    r"\bscore\b[^\w\n]{0,8}(-?\d+(?:\.\d+)?)(?:\s*(?:/|out\s+of)\s*(\d+(?:\.\d+)?))?", re.IGNORECASE
)
_JSON_OBJECT = re.compile(r"\{[^{}]*\}")
_GRADES = {"c": 1.0, "correct": 1.0, "p": 0.5, "partial": 0.5, "partially correct": 0.5}
_KEEP_TEXT = 2000
_RUBRIC_SUFFIXES = frozenset({".jinja", ".jinja2", ".j2", ".txt", ".md", ".tmpl", ".prompt"})


def _load_rubric(rubric: str | None) -> Template:
    from jinja2 import TemplateSyntaxError, meta
    from jinja2.sandbox import SandboxedEnvironment

    if rubric is None:
        source = (files("evalkit.graders") / "templates" / "judge_default.jinja").read_text("utf-8")
    elif "\n" not in rubric and Path(rubric).suffix.lower() in _RUBRIC_SUFFIXES:
        path = Path(rubric)
        if not path.is_file():
            raise ValueError(f"option 'rubric': file {rubric!r} not found")
        source = path.read_text("utf-8")
    else:
        source = rubric
    # The rendered text is a prompt, not HTML: escaping would show the judge
    # "&lt;" where the answer had "<". Rubrics may come from suite files, so
    # the sandbox (not escaping) is what keeps a template from reaching Python.
    env = SandboxedEnvironment(autoescape=False, keep_trailing_newline=True)
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        raise ValueError(
            f"option 'rubric': template error line {exc.lineno}: {exc.message}"
        ) from None
    used = meta.find_undeclared_variables(tree)
    if unknown := used - VARIABLES:
        raise ValueError(
            f"option 'rubric' uses unknown variables {sorted(unknown)} (known: {sorted(VARIABLES)})"
        )
    if "answer" not in used:
        # Also what a mistyped rubric path looks like once it is read as text.
        raise ValueError("option 'rubric' never shows the judge {{ answer }}")
    return env.from_string(tree)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") if p.get("type") == "text" else "[image]" for p in content]
        return "\n".join(parts)
    return ""


def question_of(sample: Sample) -> str:
    """The text of the sample's last user message."""
    for message in reversed(sample.messages):
        if message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def _expected_text(expected: Any) -> str:
    if expected is None:
        return ""
    if isinstance(expected, str):
        return expected
    return json.dumps(expected, ensure_ascii=False)


def _score_value(raw: Any, scale: Any = None) -> float | None:
    try:
        value = float(raw)
        top = float(scale) if scale is not None else (1.0 if 0 <= value <= 1 else None)
    except (TypeError, ValueError):
        return None
    if top is None or top <= 0 or not 0 <= value <= top:
        return None
    return value / top


def parse_verdict(text: str) -> tuple[float, str] | None:
    """The last verdict in a judge's reply, as (score in [0, 1], the verdict text)."""
    found: list[tuple[int, float, str]] = []
    for m in _GRADE.finditer(text):
        found.append((m.end(), _GRADES.get(m.group(1).lower(), 0.0), m.group(0)))
    for m in _SCORE.finditer(text):
        value = _score_value(m.group(1), m.group(2))
        if value is not None:
            found.append((m.end(), value, m.group(0)))
    for m in _JSON_OBJECT.finditer(text):
        try:
            obj = json.loads(m.group(0))
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        if "score" in obj:
            value = _score_value(obj["score"], obj.get("max_score", obj.get("out_of")))
        else:
            grade = obj.get("grade")
            value = _GRADES.get(grade.lower(), 0.0) if isinstance(grade, str) else None
            if isinstance(grade, str) and grade.lower() not in {*_GRADES, "i", "incorrect"}:
                value = None
        if value is not None:
            found.append((m.end(), value, m.group(0)))
    if not found:
        return None
    _, value, verdict = max(found, key=lambda f: f[0])
    return value, " ".join(verdict.split())


def _judge_details(target: str, reply: JudgeReply) -> dict[str, Any]:
    return {
        "target": target,
        "model": reply.model,
        "prompt_tokens": reply.prompt_tokens,
        "completion_tokens": reply.completion_tokens,
        "cost_usd": reply.cost_usd,
        "latency_s": reply.latency_s,
    }


@grader("llm_judge")
def llm_judge(
    context: BuildContext,
    /,
    *,
    target: Text,
    rubric: Text | None = None,
    pass_threshold: Fraction = 0.5,
    criteria: str | None = None,
) -> Grader:
    """Asks the ``target`` model to grade the output with a rubric; parses its verdict."""
    template = _load_rubric(rubric)
    context.check_target(target)

    def prompt_for(sample: Sample, answer: str) -> str:
        return template.render(
            question=question_of(sample),
            answer=answer,
            expected=_expected_text(sample.expected),
            criteria=criteria or "",
        )

    def check(sample: Sample) -> None:
        # The sandbox refuses some templates only given this sample's text
        # (str.format on it, say): find out now rather than after paying for answers.
        try:
            prompt_for(sample, "")
        except Exception as exc:  # any error a template expression raises
            name = type(exc).__name__
            raise ValueError(f"the rubric does not render for this sample: {name}: {exc}") from None

    async def grade(item: GradeItem) -> Score:
        if item.complete is None:
            raise GraderError(
                f"llm_judge needs a completion function for target {target!r}; "
                "the runner supplies one (GradeItem.complete is None)"
            )
        prompt = prompt_for(item.sample, item.output)
        reply = await item.complete(target, [{"role": "user", "content": prompt}])
        details: dict[str, Any] = {
            "judge": _judge_details(target, reply),
            "judge_text": reply.text[-_KEEP_TEXT:],
        }
        verdict = parse_verdict(reply.text)
        if verdict is None:
            why = f"unparseable verdict: {clip(reply.text[-200:], 80)}"
            return Score(0.0, False, why, {**details, "reason": "unparseable_verdict"})
        value, said = verdict
        details["verdict"] = said
        passed = value >= pass_threshold
        first_line = reply.text.strip().splitlines()[0] if reply.text.strip() else ""
        why = f"judge: {said} -> {value:g}"
        if first_line and said not in " ".join(first_line.split()):
            why += f" ({shorten(first_line, 100)})"
        return Score(
            value, passed, why, details if passed else {**details, "reason": "below_threshold"}
        )

    return Checked(grade, check)


__all__ = ["VARIABLES", "llm_judge", "parse_verdict", "question_of"]
