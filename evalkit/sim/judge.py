"""The simulator as an LLM judge: a verdict for grading prompts it has no key for.

A grading prompt is recognised by the verdict lines it asks for ("GRADE: C"
and "GRADE: I", as evalkit's default rubric does). The simulated judge is a
lenient string matcher: correct when the reference answer's words all appear
in the submitted answer. That is crude next to a real judge, and meant to be:
it makes `llm_judge` runs against `sim` produce real, checkable verdicts.
"""

from __future__ import annotations

import re
from typing import Any

from evalkit.sim.answers import last_user_text

_SECTION = re.compile(r"\[(Reference answer|Submitted answer)\]:\s*(.*?)\s*\*{3,}", re.S)
_WORD = re.compile(r"[a-z0-9]+")


def judge_reply(messages: list[dict[str, Any]]) -> str | None:
    """A verdict for a grading prompt, or None when the prompt is not one."""
    text = last_user_text(messages)
    if "GRADE: C" not in text or "GRADE: I" not in text:
        return None
    sections = dict(_SECTION.findall(text))
    reference = set(_WORD.findall(sections.get("Reference answer", "").lower()))
    submitted = set(_WORD.findall(sections.get("Submitted answer", "").lower()))
    if not reference:
        return "No reference answer was given, so I cannot confirm it.\nGRADE: I"
    found = len(reference & submitted) / len(reference)
    if found == 1:
        return "The submitted answer states every fact of the reference.\nGRADE: C"
    if found >= 0.5:
        return "The submitted answer has part of the reference answer.\nGRADE: P"
    return "The submitted answer does not match the reference answer.\nGRADE: I"


__all__ = ["judge_reply"]
