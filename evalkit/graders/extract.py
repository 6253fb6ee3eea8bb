"""Find an expected answer inside a longer reply: the "extracted" verdict beside the strict one.

Asked "What is the capital city of France? Answer with the name only.", a
small model answered "The capital city of France is Paris.": wrong format,
right answer. A strict grader scores it 0, like a wrong answer; the
extracted verdict scores it 1, so that a report can tell "did not follow the
format" from "did not know" (lm-evaluation-harness reports "strict-match"
and "flexible-extract" side by side for the same reason).

Where the answer is looked for, the first rule that applies deciding:
1. an answer statement: the rest of the line after the last "Answer:",
   "The answer is", "Final answer:" (the model named its answer: only that
   counts);
2. emphasis: every bold (``**X**``, ``__X__``) or ``\\boxed{X}`` span;
3. otherwise the whole reply (its final line and quoted text included).
The verdict: an expected answer occurs in that text as a whole word or
number ("Paris" in "Paris.", not in "Parisian"; "12" not in "3.12" or
"-12"), compared the way the grader compares (normalised, or case-folded).

This runs only when the strict verdict failed, so it costs nothing on a
correct answer in the right format and one or two regular expressions
otherwise.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from evalkit.graders._normalize import normalize_answer

# "Answer: X", "The answer is X", "Final answer = X" (not "Answer with the name only").
_MARKER = re.compile(r"\banswer\s*(?:is\b\s*:?|:|=)[ \t]*", re.IGNORECASE)
_EMPHASIS = re.compile(r"\*\*(?P<b>[^*\n]+?)\*\*|__(?P<u>[^_\n]+?)__|\\boxed\{(?P<x>[^{}\n]*)\}")
_EDGE = " \t\"'“”‘’`*_.,;:!?()[]"


def answer_spans(output: str) -> tuple[list[str], str]:
    """Where the answer is, by the rules above: (the texts to search, which rule: how)."""
    if "nswer" in output or "NSWER" in output:
        statements = list(_MARKER.finditer(output))
        if statements:  # the last statement wins; its answer runs to the end of its line
            start = statements[-1].end()
            end = output.find("\n", start)
            rest = output[start : end if end >= 0 else len(output)]
            if rest.strip(_EDGE):
                return [rest], "answer_statement"
    if "**" in output or "__" in output or "boxed" in output:
        spans = [
            m.group("b") or m.group("u") or m.group("x") or "" for m in _EMPHASIS.finditer(output)
        ]
        spans = [s for s in spans if s.strip()]
        if spans:
            return spans, "emphasis"
    return [output], "sentence"


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _whole(haystack: str, needle: str) -> bool:
    """Whether ``needle`` occurs in ``haystack`` with no letter or digit glued to either end.

    A number also needs no decimal point, sign or thousands separator glued
    to it: "12" is not in "3.12", "-12", "12.5" or "1,120".
    """
    if not needle:
        return False
    numeric = needle[0].isdigit() or needle[-1].isdigit()
    start = haystack.find(needle)
    while start >= 0:
        end = start + len(needle)
        before = haystack[start - 1] if start else ""
        after = haystack[end] if end < len(haystack) else ""
        after2 = haystack[end + 1] if end + 1 < len(haystack) else ""
        ok = not (before and _is_word(before)) and not (after and _is_word(after))
        if ok and numeric:
            glued_before = before in ".,-+\u2212" and before != ""
            glued_after = after in ".," and after != "" and after2.isdigit()
            ok = not glued_before and not glued_after
        if ok:
            return True
        start = haystack.find(needle, start + 1)
    return False


def fold_for(normalize: bool, case_sensitive: bool) -> Callable[[str], str]:
    """How a grader compares texts, for searching: normalised, case-folded, or as is."""
    if normalize:
        return normalize_answer
    return (lambda t: t) if case_sensitive else str.casefold


def find_answer(
    output: str,
    expected: list[str],
    fold: Callable[[str], str],
    normalized: bool,
    folded_output: str | None = None,
) -> tuple[str, str] | None:
    """The expected answer found in ``output`` and which rule found it; None if none is there.

    ``fold`` is applied to both sides; with ``normalized`` (``normalize_answer``,
    which leaves words separated by single spaces) the search is on word
    sequences, else on ``_whole`` boundaries. ``folded_output`` is
    ``fold(output)`` when the caller has it already (the strict comparison
    made it), so that the whole reply is not folded twice.
    """
    spans, how = answer_spans(output)
    for span in spans:
        whole = how == "sentence" and folded_output is not None
        text = folded_output if whole and folded_output is not None else fold(span)
        padded = f" {text} "
        for want in expected:
            target = fold(want).strip()
            if not target:
                continue
            if normalized:
                if f" {target} " in padded:
                    return want, how
            elif _whole(text, target):
                return want, how
    return None


def candidate_lines(output: str) -> tuple[list[str], str]:
    """Texts a whole-answer pattern may match: the answer spans, else the final line; and how.

    Each is stripped of surrounding quotes, emphasis and end punctuation.
    """
    spans, how = answer_spans(output)
    if how == "sentence":
        lines = [line for line in output.splitlines() if line.strip()]
        spans, how = lines[-1:], "final_line"
    return [s.strip(_EDGE) for s in spans if s.strip(_EDGE)], how


__all__ = ["answer_spans", "candidate_lines", "find_answer", "fold_for"]
