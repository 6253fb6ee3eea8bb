"""The ``choice`` grader: find the option letter a model chose in free text.

The answer is looked for in this order, the first rule that finds one wins:
1. an answer statement ("The answer is (B)", "Answer: b", "I choose option
   C", "Final answer: **D**", "C is correct", "\\boxed{D}"); the last
   statement wins, and one that names several letters ("The answer is A or
   B") is ambiguous;
2. the whole output is a letter in markdown or brackets ("**B**", "B.", "(C)",
   "B) Paris");
3. the last non-empty line is a letter in the same way;
4. exactly one distinct letter written standalone ("(B)" or " B ") anywhere;
   several distinct ones are ambiguous. A capital followed by a lowercase
   word ("A dog", "I think") is an article or pronoun, not a choice.
A lowercase letter in a statement counts only when no word follows it (so
"the answer is a bit unclear" names no letter).

``details``: ``expected``, ``found`` (the letters), ``how`` (statement,
whole_output, last_line, mention), ``choice`` and ``reason`` (no_choice,
ambiguous, mismatch) on failure.

The grader's verdict is on the letter it extracts (the ``extracted``
verdict); ``strict`` says whether the reply was the letter alone (rule 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from evalkit.errors import GraderError
from evalkit.graders._normalize import clip
from evalkit.graders._options import Text
from evalkit.graders.base import Checked, GradeItem, Grader, Score, expected_check, grader

_TRIGGER = (
    r"(?:answer\s*(?:is|:|=|-)?|answer\s+would\s+be|correct\s+(?:option|choice|answer|"
    r"letter)\s*(?:is|:)?|i\s+(?:would\s+)?(?:choose|pick|select|go\s+with)|"
    r"(?:my|the)\s+(?:choice|pick|selection)\s+is)"
)
_NOISE = r"[\s*_`'\"(\[{:]*"


@dataclass(frozen=True)
class _Found:
    letters: tuple[str, ...]
    how: str


class _Finder:
    """Regexes for one set of choice letters, compiled once per grader."""

    def __init__(self, choices: str) -> None:
        upper = re.escape(choices.upper())
        any_case = "[" + upper + re.escape(choices.lower()) + "]"
        more = rf"(?:\s*(?:,|/|&|\bor\b|\band\b)\s*[*_(\[]*((?-i:[{upper}]))(?!\w))"
        self.statement = re.compile(
            rf"\b{_TRIGGER}{_NOISE}(?:(?:option|choice|letter)\s+)?{_NOISE}"
            rf"(?P<L>{any_case})(?!\w)(?P<more>{more}*)",
            re.IGNORECASE,
        )
        # "B is correct", "\\boxed{B}": statements where the letter comes first or is boxed.
        self.verdicts = (
            re.compile(
                rf"(?<![\w'’-])[(\[*]*(?P<L>{any_case})[)\]*]*\s+is\s+(?:the\s+)?"
                rf"(?:correct|right|best)\b",
                re.IGNORECASE,
            ),
            re.compile(rf"\\boxed\{{\s*(?:\\text(?:bf)?\{{)?\s*\(?(?P<L>{any_case})\)?\s*\}}"),
        )
        self.more = re.compile(more, re.IGNORECASE)
        self.alone = re.compile(
            rf"^[\s*_`'\"(\[{{]*(?:(?:option|choice|answer)\s*:?\s*)?({any_case})"
            rf"(?:[\s*_`'\")\]}}.:]*$|[.):]\s+\S.*$)",
            re.IGNORECASE | re.DOTALL,
        )
        # Standalone capitals, but not an article or pronoun ("A dog", "I think").
        self.mention = re.compile(
            rf"\(({any_case})\)|(?<![\w'’-])([{upper}])(?![\w'’-])"
            r"(?!\s+(?!(?:or|and|nor)\b)[a-z])"
        )
        self.valid = frozenset(choices.upper())

    def _statements(self, output: str) -> _Found | None:
        best: tuple[int, _Found] | None = None
        for m in self.statement.finditer(output):
            first = m.group("L")
            # "the answer is a bit unclear": a lowercase letter must end the phrase.
            if first.islower() and re.match(r"\s+[A-Za-z]", output[m.end("L") :]):
                continue
            letters = [first.upper(), *self.more.findall(m.group("more"))]
            best = (m.start("L"), _Found(tuple(dict.fromkeys(letters)), "statement"))
        for regex in self.verdicts:
            for m in regex.finditer(output):
                if best is None or m.start("L") > best[0]:
                    best = (m.start("L"), _Found((m.group("L").upper(),), "statement"))
        return best[1] if best else None

    def find(self, output: str) -> _Found | None:
        found = self._statements(output)
        if found is not None:
            return found
        stripped = output.strip()
        m = self.alone.match(stripped)
        if m is not None:
            return _Found((m.group(1).upper(),), "whole_output")
        lines = [line for line in stripped.splitlines() if line.strip()]
        if lines:
            m = self.alone.match(lines[-1].strip())
            if m is not None:
                return _Found((m.group(1).upper(),), "last_line")
        seen = [(a or b).upper() for a, b in self.mention.findall(output)]
        if seen:
            return _Found(tuple(dict.fromkeys(seen)), "mention")
        return None


def _expected_letters(expected: Any, valid: frozenset[str]) -> list[str]:
    items = expected if isinstance(expected, list) else [expected]
    out: list[str] = []
    for item in items:
        if not isinstance(item, str) or item.strip().upper() not in valid:
            raise GraderError(
                f"'expected' must be one of the letters {sorted(valid)}, not {item!r}"
            )
        out.append(item.strip().upper())
    if not out:
        raise GraderError("the sample has no 'expected' letter")
    return out


@grader("choice")
def choice(*, choices: Text = "ABCD") -> Grader:
    """Passes when the letter the output chooses is an expected one."""
    if not choices.isalpha() or not choices.isascii() or len(set(choices.upper())) != len(choices):
        raise ValueError(f"option 'choices' must be distinct ASCII letters, not {choices!r}")
    finder = _Finder(choices)

    def grade(item: GradeItem) -> Score:
        expected = _expected_letters(item.sample.expected, finder.valid)
        want = expected[0] if len(expected) == 1 else "one of " + "/".join(expected)
        found = finder.find(item.output)
        if found is None:
            why = f"expected {want}, found no choice letter in {clip(item.output)}"
            details0 = {"reason": "no_choice", "expected": expected}
            return Score(0.0, False, why, details0, strict=0.0, extracted=0.0)
        details: dict[str, Any] = {
            "expected": expected,
            "found": list(found.letters),
            "how": found.how,
        }
        if len(found.letters) > 1:
            why = f"ambiguous: the output names {', '.join(found.letters)}; expected {want}"
            details["reason"] = "ambiguous"
            return Score(0.0, False, why, details, strict=0.0, extracted=0.0)
        got = found.letters[0]
        details["choice"] = got
        if got in expected:
            bare = float(found.how == "whole_output")
            return Score(1.0, True, f"chose {got}", details, strict=bare, extracted=1.0)
        details["reason"] = "mismatch"
        why = f"expected {want}, got {got}"
        return Score(0.0, False, why, details, strict=0.0, extracted=0.0)

    return Checked(grade, expected_check(lambda e: _expected_letters(e, finder.valid)))


__all__ = ["choice"]
