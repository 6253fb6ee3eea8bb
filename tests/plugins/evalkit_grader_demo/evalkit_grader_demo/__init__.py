"""A third-party grader: ``demo_len`` passes outputs no longer than ``max_chars``."""

from __future__ import annotations

from evalkit.graders import GradeItem, Grader, Score, grader


@grader("demo_len")
def demo_len(*, max_chars: int = 10) -> Grader:
    """Scores 1 when the output has at most ``max_chars`` characters."""
    if isinstance(max_chars, bool) or not isinstance(max_chars, int) or max_chars < 0:
        raise ValueError(f"option 'max_chars' must be a non-negative integer, not {max_chars!r}")

    def grade(item: GradeItem) -> Score:
        n = len(item.output)
        ok = n <= max_chars
        return Score(1.0 if ok else 0.0, ok, f"{n} characters (limit {max_chars})", {"length": n})

    return grade
