"""String graders: ``exact``, ``normalized``, ``includes`` and ``regex``.

``expected`` is a string or a list of acceptable strings; any one matching
passes. ``details``: ``matched`` on a pass; ``reason`` (mismatch, not_found,
no_match) on a failure; ``found``/``missing`` for includes; ``pattern`` and
``match`` (or ``patterns``) for regex.

Options are checked and patterns compiled in the factory, once per spec, so
that grading an output costs a few string operations; each sample's
``expected`` (and, for regex, its patterns) is checked when the suite loads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from evalkit.errors import GraderError
from evalkit.graders._normalize import (
    clip,
    describe_expected,
    expected_texts,
    normalize_answer,
)
from evalkit.graders._options import Text
from evalkit.graders.base import Checked, GradeItem, Grader, Score, expected_check, grader

_FLAG_LETTERS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}


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
        if letter not in _FLAG_LETTERS:
            raise ValueError(f"option 'flags': unknown flag {letter!r} (use i, m, s, x)")
        value |= _FLAG_LETTERS[letter]
    return value


@lru_cache(maxsize=4096)
def _compile_expected(pattern: str, flags: int) -> re.Pattern[str]:
    try:
        return re.compile(pattern, flags)
    except re.error as exc:
        raise GraderError(f"expected pattern {clip(pattern)} does not compile: {exc}") from None


@grader("regex")
def regex(*, pattern: Text | None = None, flags: str = "", fullmatch: bool = False) -> Grader:
    """Passes when the output matches a pattern (``pattern``, else the expected ones)."""
    flag_bits = _flags(flags)
    fixed: list[re.Pattern[str]] | None = None
    if pattern is not None:
        try:
            fixed = [re.compile(pattern, flag_bits)]
        except re.error as exc:
            raise ValueError(f"option 'pattern' does not compile: {exc}") from None

    def grade(item: GradeItem) -> Score:
        if fixed is not None:
            patterns = fixed
        else:
            patterns = [
                _compile_expected(p, flag_bits) for p in expected_texts(item.sample.expected)
            ]
        # A trailing newline is not part of an answer the pattern is meant to span.
        text = item.output.strip() if fullmatch else item.output
        for compiled in patterns:
            m = compiled.fullmatch(text) if fullmatch else compiled.search(text)
            if m is not None:
                why = f"{clip(m.group(0))} matches {clip(compiled.pattern, 40)}"
                return Score(1.0, True, why, {"pattern": compiled.pattern, "match": m.group(0)})
        shown = [p.pattern for p in patterns]
        what = "fully match" if fullmatch else "match"
        why = f"{clip(item.output)} does not {what} {describe_expected(shown)}"
        return Score(0.0, False, why, {"reason": "no_match", "patterns": shown})

    if fixed is not None:
        return grade  # the expected answers are not used
    return Checked(
        grade,
        expected_check(lambda e: [_compile_expected(p, flag_bits) for p in expected_texts(e)]),
    )


__all__ = ["exact", "includes", "normalized", "regex"]
