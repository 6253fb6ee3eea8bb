"""Patterns a suite supplies, matched under a time limit and off the event loop's back.

A pattern such as ``(a|aa)+$`` takes time exponential in the length of the
text it fails to match: with the standard ``re`` module one 40-character
output froze a run for minutes, and every request in flight timed out.
User patterns (the ``regex`` grader's, a JSON Schema's ``pattern``) are
therefore compiled with the ``regex`` package, which stops a match after
``PATTERN_TIMEOUT_S`` and releases the GIL while it matches
(``concurrent=True``), so that a grader running it in a worker thread
leaves the loop free. A time-out is a ``GraderError``: the item's score is a
grader error, its request stands.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import NoReturn

import regex

from evalkit.errors import GraderError
from evalkit.graders._normalize import clip

PATTERN_TIMEOUT_S = 1.0
"""How long one grading may spend matching a suite's patterns against an output."""

FLAG_LETTERS = {"i": regex.IGNORECASE, "m": regex.MULTILINE, "s": regex.DOTALL, "x": regex.VERBOSE}

Pattern = regex.Pattern[str]


def compile_pattern(pattern: str, flags: int = 0) -> Pattern:
    """``pattern`` compiled; ``regex.error`` (a ValueError's kin) says why it does not compile."""
    return regex.compile(pattern, flags)


@lru_cache(maxsize=4096)
def cached_pattern(pattern: str, flags: int = 0) -> Pattern:
    """``compile_pattern``, remembered: samples and schemas repeat their patterns."""
    return compile_pattern(pattern, flags)


class Deadline:
    """One grading's time for matching: every match it makes shares what is left."""

    def __init__(self, seconds: float = PATTERN_TIMEOUT_S) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def left(self, pattern: Pattern) -> float:
        """Seconds left; a GraderError naming ``pattern`` once none are."""
        left = self.end - time.monotonic()
        if left <= 0:
            self.expired(pattern)
        return left

    def expired(self, pattern: Pattern) -> NoReturn:
        """Raise the GraderError of a match that ran out of time."""
        raise GraderError(
            f"pattern {clip(pattern.pattern, 60)} took more than {self.seconds:g} s "
            "to match (catastrophic backtracking?)"
        ) from None


def search(pattern: Pattern, text: str, deadline: Deadline) -> regex.Match[str] | None:
    """``pattern.search(text)`` within ``deadline``; GraderError when it runs out."""
    try:
        return pattern.search(text, concurrent=True, timeout=deadline.left(pattern))
    except TimeoutError:
        deadline.expired(pattern)


def fullmatch(pattern: Pattern, text: str, deadline: Deadline) -> regex.Match[str] | None:
    """``pattern.fullmatch(text)`` within ``deadline``; GraderError when it runs out."""
    try:
        return pattern.fullmatch(text, concurrent=True, timeout=deadline.left(pattern))
    except TimeoutError:
        deadline.expired(pattern)


__all__ = [
    "FLAG_LETTERS",
    "PATTERN_TIMEOUT_S",
    "Deadline",
    "Pattern",
    "cached_pattern",
    "compile_pattern",
    "fullmatch",
    "search",
]
