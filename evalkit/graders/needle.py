"""The ``needle`` grader: recall of planted values, RULER's ``string_match_all``.

The score is the fraction of expected values found in the output; with
``mode="any"`` (RULER's ``string_match_part``) one value found is enough.
Output and values are compared case-insensitively after control characters
are replaced by spaces, and a value counts as found only on boundaries: the
characters just before and after it must not be letters or digits, so
"12345678" does not recall "1234567" (RULER's plain substring test would).
White space inside a value matches any run of white space.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from evalkit.errors import GraderError
from evalkit.graders._normalize import clip, expected_texts
from evalkit.graders.base import Checked, GradeItem, Grader, Score, expected_check, grader

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ALNUM = r"[^\W_]"  # a letter or a digit, in any script


def _clean(text: str) -> str:
    return _CONTROL.sub(" ", text).casefold()


def _pattern(value: str) -> re.Pattern[str]:
    # Look-arounds rather than \b: a value may itself start or end with punctuation.
    words = _clean(value).split()
    if not words:
        raise GraderError(f"an expected needle value is blank: {value!r}")
    body = r"\s+".join(re.escape(w) for w in words)
    return re.compile(rf"(?<!{_ALNUM}){body}(?!{_ALNUM})")


_CHECK = expected_check(lambda e: [_pattern(v) for v in expected_texts(e)])


@grader("needle")
def needle(*, mode: Literal["all", "any"] = "all") -> Grader:
    """Scores the fraction of planted values the output recalls (or any, with mode="any")."""

    def grade(item: GradeItem) -> Score:
        expected = expected_texts(item.sample.expected)
        haystack = _clean(item.output)
        found = [v for v in expected if _pattern(v).search(haystack)]
        missing = [v for v in expected if v not in found]
        recall = len(found) / len(expected)
        details: dict[str, Any] = {"recall": recall, "found": found, "missing": missing}
        if mode == "any":
            value = 1.0 if found else 0.0
            passed = bool(found)
        else:
            value = recall
            passed = not missing
        summary = f"recalled {len(found)}/{len(expected)}"
        if missing:
            details["reason"] = "missing"
            summary += f"; missing {clip(missing if len(missing) > 1 else missing[0], 80)}"
            if not found:
                summary += f" in {clip(item.output)}"
        return Score(value, passed, summary, details)

    return Checked(grade, _CHECK)


__all__ = ["needle"]
