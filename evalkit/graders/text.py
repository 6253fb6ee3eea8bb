"""String graders: ``exact``, ``normalized``, ``includes`` and ``regex``.

``expected`` is a string or a list of acceptable strings; any one matching
passes. ``details``: ``matched`` on a pass; ``reason`` (mismatch, not_found,
no_match) on a failure; ``found``/``missing`` for includes; ``pattern`` and
``match`` (or ``patterns``) for regex.

Options are checked and patterns compiled in the factory, once per spec, so
that grading an output costs a few string operations; each sample's
``expected`` (and, for regex, its patterns) is checked when the suite loads.
A regex is the suite's own code: it runs in a worker thread with a time
limit (see ``_patterns``), and a time-out is a grader error.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import regex as regex_module

from evalkit.errors import GraderError
from evalkit.graders._normalize import (
    clip,
    describe_expected,
    expected_texts,
    normalize_answer,
)
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


def _pass_fail(ok: bool, matched: str | None, expected: list[str], output: str) -> Score:
    if ok:
        return Score(1.0, True, f"matches {clip(matched)}", {"matched": matched})
    why = f"expected {describe_expected(expected)}, got {clip(output)}"
    return Score(0.0, False, why, {"reason": "mismatch"})


_CHECK_TEXTS = expected_check(expected_texts)


def _compare_with(fold: Callable[[str], str]) -> Grader:
    def grade(item: GradeItem) -> Score:
        expected = expected_texts(item.sample.expected)
        got = fold(item.output)
        for text in expected:
            if fold(text) == got:
                return _pass_fail(True, text, expected, item.output)
        return _pass_fail(False, None, expected, item.output)

    return Checked(grade, _CHECK_TEXTS)


@grader("exact")
def exact(*, normalize: bool = False, case_sensitive: bool = True, strip: bool = True) -> Grader:
    """Passes when the output equals an expected string (after the chosen folding).

    ``normalize=True`` folds as ``normalized`` does (case, spaces, punctuation
    and articles), whatever ``case_sensitive`` and ``strip`` say.
    """
    if normalize:
        return _compare_with(normalize_answer)

    def fold(text: str) -> str:
        if strip:
            text = text.strip()
        return text if case_sensitive else text.casefold()

    return _compare_with(fold)


@grader("normalized")
def normalized() -> Grader:
    """Passes when output and expected agree ignoring case, spaces, punctuation, articles."""
    return _compare_with(normalize_answer)


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


def _first_match(patterns: list[Pattern], text: str, whole: bool) -> tuple[Pattern, str] | None:
    """The first pattern that matches and the text it matched; GraderError if time runs out."""
    deadline = Deadline()
    for compiled in patterns:
        m = fullmatch(compiled, text, deadline) if whole else search(compiled, text, deadline)
        if m is not None:
            return compiled, m.group(0)
    return None


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
        # A trailing newline is not part of an answer the pattern is meant to span.
        text = item.output.strip() if whole else item.output
        # In a thread: the match releases the GIL, so a slow one holds up this item only.
        found = await asyncio.to_thread(_first_match, patterns, text, whole)
        if found is not None:
            compiled, matched = found
            why = f"{clip(matched)} matches {clip(compiled.pattern, 40)}"
            return Score(1.0, True, why, {"pattern": compiled.pattern, "match": matched})
        shown = [p.pattern for p in patterns]
        what = "fully match" if whole else "match"
        why = f"{clip(item.output)} does not {what} {describe_expected(shown)}"
        return Score(0.0, False, why, {"reason": "no_match", "patterns": shown})

    if fixed is not None:
        return grade  # the expected answers are not used
    return Checked(
        grade,
        expected_check(lambda e: [_compile_expected(p, flag_bits) for p in expected_texts(e)]),
    )


__all__ = ["exact", "includes", "normalized", "regex"]
