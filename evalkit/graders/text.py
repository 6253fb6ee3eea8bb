"""String graders: ``exact``, ``normalized``, ``includes`` and ``regex``.

``expected`` is a string or a list of acceptable strings; any one matching
passes. ``details``: ``matched`` on a pass; ``reason`` (mismatch, not_found,
no_match) on a failure; ``found``/``missing`` for includes; ``pattern`` and
``match`` (or ``patterns``) for regex.

``exact``, ``normalized`` and a ``fullmatch`` regex ask for the answer and
nothing else, so each also gives the ``extracted`` verdict beside its own
(``strict``): whether the answer is in a longer reply (``extract``). On such
a failure ``details.extracted`` says where the answer was found. ``includes``
and a searching regex look inside the reply already: they give neither.

Options are checked and patterns compiled in the factory, once per spec, so
that grading an output costs a few string operations; each sample's
``expected`` (and, for regex, its patterns) is checked when the suite loads.
A regex is the suite's own code: it runs in a worker thread with a time
limit (see ``_patterns``), and a time-out is a grader error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import regex as regex_module

from evalkit.errors import GraderError
from evalkit.graders._normalize import clip, describe_expected, expected_texts, normalize_answer
from evalkit.graders._options import Text
from evalkit.graders._patterns import (
    FLAG_LETTERS,
    Deadline,
    Pattern,
    cached_pattern,
    compile_pattern,
    fullmatch,
    search,
)
from evalkit.graders.base import Checked, GradeItem, Grader, Score, expected_check, grader
from evalkit.graders.extract import candidate_lines, find_answer, fold_for


def _strict_failed(why: str, details: dict[str, Any], found: tuple[str, str] | None) -> Score:
    """A strict failure, with the extracted verdict: was the answer there all the same?"""
    if found is None:
        return Score(0.0, False, why, details, strict=0.0, extracted=0.0)
    answer, how = found
    note = f"{why}; the answer {clip(answer)} is in the reply ({how.replace('_', ' ')})"
    return Score(0.0, False, note, {**details, "extracted": how}, strict=0.0, extracted=1.0)


_CHECK_TEXTS = expected_check(expected_texts)


def _compare_with(fold: Callable[[str], str], normalized: bool) -> Grader:
    def grade(item: GradeItem) -> Score:
        expected = expected_texts(item.sample.expected)
        got = fold(item.output)
        for text in expected:
            if fold(text) == got:
                return Score(
                    1.0, True, f"matches {clip(text)}", {"matched": text}, strict=1.0, extracted=1.0
                )
        why = f"expected {describe_expected(expected)}, got {clip(item.output)}"
        found = find_answer(item.output, expected, fold, normalized, folded_output=got)
        return _strict_failed(why, {"reason": "mismatch"}, found)

    return Checked(grade, _CHECK_TEXTS)


@grader("exact")
def exact(*, normalize: bool = False, case_sensitive: bool = True, strip: bool = True) -> Grader:
    """Passes when the output equals an expected string (after the chosen folding).

    ``normalize=True`` folds as ``normalized`` does (case, spaces, punctuation
    and articles), whatever ``case_sensitive`` and ``strip`` say.
    """
    if normalize:
        return _compare_with(normalize_answer, normalized=True)
    casefold = fold_for(False, case_sensitive)

    def fold(text: str) -> str:
        return casefold(text.strip() if strip else text)

    return _compare_with(fold, normalized=False)


@grader("normalized")
def normalized() -> Grader:
    """Passes when output and expected agree ignoring case, spaces, punctuation, articles."""
    return _compare_with(normalize_answer, normalized=True)


@grader("includes")
def includes(*, case_sensitive: bool = False, all: bool = False) -> Grader:
    """Passes when the output contains an expected string (or every one, with ``all``)."""
    need_all = all

    def fold(text: str) -> str:
        return text if case_sensitive else text.casefold()

    def grade(item: GradeItem) -> Score:
        expected = expected_texts(item.sample.expected)
        haystack = fold(item.output)
        found = [t for t in expected if fold(t) in haystack]
        missing = [t for t in expected if t not in found]
        details = {"found": found, "missing": missing}
        if (not missing) if need_all else bool(found):
            return Score(1.0, True, f"contains {describe_expected(found)}", details)
        if need_all:
            why = f"missing {describe_expected(missing)} in {clip(item.output)}"
        else:
            why = f"none of {clip(expected, 80)} in {clip(item.output)}"
        return Score(0.0, False, why, {**details, "reason": "not_found"})

    return Checked(grade, _CHECK_TEXTS)


def _flags(letters: str) -> int:
    value = 0
    for letter in letters:
        if letter not in FLAG_LETTERS:
            raise ValueError(f"option 'flags': unknown flag {letter!r} (use i, m, s, x)")
        value |= FLAG_LETTERS[letter]
    return value


def _compile_expected(pattern: str, flags: int) -> Pattern:
    try:
        return cached_pattern(pattern, flags)
    except regex_module.error as exc:
        raise GraderError(f"expected pattern {clip(pattern)} does not compile: {exc}") from None


Matched = tuple[Pattern, str]
"""A pattern that matched, and the text it matched."""


def _first_match(
    patterns: list[Pattern], output: str, whole: bool
) -> tuple[Matched | None, tuple[str, str] | None]:
    """The first pattern that matches, else (a full match) the answer found in the reply.

    The second item is the extracted verdict of a full match that failed: the
    answer line (``extract.candidate_lines``) a pattern fully matches, and
    how it was found. One time limit covers both; GraderError when it runs out.
    """
    deadline = Deadline()
    # A trailing newline is not part of an answer the pattern is meant to span.
    text = output.strip() if whole else output
    for compiled in patterns:
        m = fullmatch(compiled, text, deadline) if whole else search(compiled, text, deadline)
        if m is not None:
            return (compiled, m.group(0)), None
    if whole:
        lines, how = candidate_lines(output)
        for line in lines:
            if any(fullmatch(p, line, deadline) is not None for p in patterns):
                return None, (line, how)
    return None, None


@grader("regex")
def regex(*, pattern: Text | None = None, flags: str = "", fullmatch: bool = False) -> Grader:
    """Passes when the output matches a pattern (``pattern``, else the expected ones)."""
    flag_bits = _flags(flags)
    whole = fullmatch
    fixed: list[Pattern] | None = None
    if pattern is not None:
        try:
            fixed = [compile_pattern(pattern, flag_bits)]
        except regex_module.error as exc:
            raise ValueError(f"option 'pattern' does not compile: {exc}") from None

    async def grade(item: GradeItem) -> Score:
        if fixed is not None:
            patterns = fixed
        else:
            patterns = [
                _compile_expected(p, flag_bits) for p in expected_texts(item.sample.expected)
            ]
        # In a thread: the match releases the GIL, so a slow one holds up this item only.
        found, extracted = await asyncio.to_thread(_first_match, patterns, item.output, whole)
        both = 1.0 if whole else None  # a searching pattern does not ask for a format
        if found is not None:
            compiled, matched = found
            why = f"{clip(matched)} matches {clip(compiled.pattern, 40)}"
            details = {"pattern": compiled.pattern, "match": matched}
            return Score(1.0, True, why, details, strict=both, extracted=both)
        shown = [p.pattern for p in patterns]
        what = "fully match" if whole else "match"
        why = f"{clip(item.output)} does not {what} {describe_expected(shown)}"
        missed: dict[str, Any] = {"reason": "no_match", "patterns": shown}
        if not whole:
            return Score(0.0, False, why, missed)
        return _strict_failed(why, missed, extracted)

    if fixed is not None:
        return grade  # the expected answers are not used
    return Checked(
        grade,
        expected_check(lambda e: [_compile_expected(p, flag_bits) for p in expected_texts(e)]),
    )


__all__ = ["exact", "includes", "normalized", "regex"]
