"""Strict and extracted verdicts: following the format vs knowing the answer."""

from __future__ import annotations

from typing import Any

import pytest

from evalkit.graders import GradeItem, build
from evalkit.graders.extract import answer_spans, find_answer, fold_for
from evalkit.suite.schema import GraderSpec, Sample


def score(spec: Any, expected: Any, output: str) -> Any:
    built = build(GraderSpec.parse(spec))
    fn = built.score
    import asyncio

    return asyncio.run(fn(GradeItem(Sample(id="s", prompt="q", expected=expected), output)))


# (grader, expected, output, strict, extracted)
CASES: list[tuple[Any, Any, str, float | None, float | None]] = [
    # The motivating case: right answer, wrong format.
    ("normalized", "Paris", "The capital city of France is Paris.", 0.0, 1.0),
    ("normalized", "Paris", "paris", 1.0, 1.0),
    ("normalized", "Paris", "The capital is Lyon.", 0.0, 0.0),
    ("normalized", "Paris", "Parisian food is good.", 0.0, 0.0),  # not a whole word
    ("normalized", "New York", "It is new  york, of course", 0.0, 1.0),
    ("exact", "Paris", "Answer: Paris", 0.0, 1.0),
    ("exact", "Paris", "Paris.", 0.0, 1.0),
    ("exact", "Paris", "paris", 0.0, 0.0),  # case-sensitive: "paris" is not the answer
    ({"type": "exact", "case_sensitive": False}, "Paris", "I think it's PARIS!", 0.0, 1.0),
    # An answer statement decides alone: the answer elsewhere does not count.
    ("exact", "Paris", "Paris or Lyon? The answer is Lyon.", 0.0, 0.0),
    ("exact", "Paris", "Lyon? No. Final answer: **Paris**", 0.0, 1.0),
    # Emphasis decides alone when there is no answer statement.
    ("exact", "Paris", "Some say Paris, but **Lyon** it is.", 0.0, 0.0),
    ("exact", "Paris", "It is **Paris**, the capital.", 0.0, 1.0),
    ("exact", "42", "The result is $\\boxed{42}$", 0.0, 1.0),
    # Numbers: whole numbers only.
    ("exact", "12", "It took 12 days.", 0.0, 1.0),
    ("exact", "12", "It cost 3.12 dollars.", 0.0, 0.0),
    ("exact", "12", "It was -12 degrees.", 0.0, 0.0),
    ("exact", "12", "About 12.5 hours", 0.0, 0.0),
    ("exact", "12", "The answer is 12.", 0.0, 1.0),
    # regex: a full match asks for the format; a search does not.
    ({"type": "regex", "fullmatch": True}, r"\d{4}", "1969", 1.0, 1.0),
    ({"type": "regex", "fullmatch": True}, r"\d{4}", "It landed in:\n1969", 0.0, 1.0),
    ({"type": "regex", "fullmatch": True}, r"\d{4}", "Answer: 1969.", 0.0, 1.0),
    ({"type": "regex", "fullmatch": True}, r"\d{4}", "In 1969, I think", 0.0, 0.0),
    ("regex", r"\d{4}", "In 1969, I think", None, None),
    ("includes", "Paris", "The capital is Paris.", None, None),
    # numeric and choice extract by design: strict is "the answer and nothing else".
    ("numeric", 42, "42", 1.0, 1.0),
    ("numeric", 42, "$42.", 1.0, 1.0),
    ("numeric", 42, "The total is 42 apples.", 0.0, 1.0),
    ("numeric", 42, "The total is 41.", 0.0, 0.0),
    ("choice", "B", "B", 1.0, 1.0),
    ("choice", "B", "The answer is (B).", 0.0, 1.0),
    ("choice", "B", "The answer is (C).", 0.0, 0.0),
]


@pytest.mark.parametrize(("spec", "expected", "output", "strict", "extracted"), CASES)
def test_strict_and_extracted(
    spec: Any, expected: Any, output: str, strict: float | None, extracted: float | None
) -> None:
    s = score(spec, expected, output)
    assert (s.strict, s.extracted) == (strict, extracted)
    # The grader's own verdict is one of the two: strict for exact/normalized/regex
    # (they ask for the answer alone), extracted for numeric/choice (they look for it).
    own = extracted if spec in ("numeric", "choice") else strict
    if own is not None:
        assert s.value == own and s.passed == bool(own)


def test_a_strict_failure_says_where_the_answer_was() -> None:
    s = score("normalized", "Paris", "The capital city of France is Paris.")
    assert s.details["extracted"] == "sentence"
    assert "the answer 'Paris' is in the reply (sentence)" in s.explanation
    s = score("exact", "Paris", "Answer: Paris")
    assert s.details["extracted"] == "answer_statement"


def test_answer_spans() -> None:
    assert answer_spans("The answer is: Paris\nbecause") == (["Paris"], "answer_statement")
    assert answer_spans("answer = 7; answer = 8") == (["8"], "answer_statement")  # the last
    assert answer_spans("We **think** it is **Paris**") == (["think", "Paris"], "emphasis")
    assert answer_spans("just text") == (["just text"], "sentence")
    # A prompt's "Answer with the name only" is not an answer statement.
    assert answer_spans("Answer with the name only.")[1] == "sentence"


def test_find_answer_with_several_expected() -> None:
    fold = fold_for(True, False)
    assert find_answer("It is NYC.", ["New York", "NYC"], fold, True) == ("NYC", "sentence")
    assert find_answer("It is Boston.", ["New York", "NYC"], fold, True) is None
