"""choice: the letter a model picked, robust to phrasing and markdown."""

from __future__ import annotations

from typing import Any

import pytest
from grader_items import make_item, score

# (output, the letter found, or "ambiguous" / None)
ROBUSTNESS = [
    ("B", "B"),
    ("B.", "B"),
    ("**B**", "B"),
    ("(B)", "B"),
    ("B) Paris", "B"),
    ("b", "B"),
    ("The answer is (B)", "B"),
    ("The answer is B.", "B"),
    ("Answer: b", "B"),
    ("answer: **(c)**", "C"),
    ("I choose option C because it is the largest.", "C"),
    ("I would go with D", "D"),
    ("The correct option is D.", "D"),
    ("Option B is the correct answer.", "B"),
    ("C is correct.", "C"),
    ("Final Answer: $\\boxed{D}$", "D"),
    ("Let me think.\nA is too small and C is too big.\nB", "B"),
    ("Paris is in France.\n\n**Answer: A**", "A"),
    ("I first thought the answer is B. On reflection, the answer is C.", "C"),
    ("The answer is A or B", "ambiguous"),
    ("Answer: A, C", "ambiguous"),
    ("Both (A) and (C) work", "ambiguous"),
    ("A or B", "ambiguous"),
    ("The answer is a bit unclear", None),  # the article "a" names no letter
    ("A dog barks.", None),
    ("I don't know.", None),
]


@pytest.mark.parametrize(("output", "found"), ROBUSTNESS)
def test_choice_robustness(output: str, found: str | None) -> None:
    expected = found if found not in (None, "ambiguous") else "A"
    s = score("choice", make_item(output, expected))
    assert s.details is not None
    if found is None:
        assert not s.passed
        assert s.details["reason"] == "no_choice"
        assert "no choice letter" in s.explanation
    elif found == "ambiguous":
        assert not s.passed
        assert s.details["reason"] == "ambiguous"
        assert s.explanation.startswith("ambiguous")
    else:
        assert s.passed, s.explanation
        assert s.details["choice"] == found


@pytest.mark.parametrize(
    ("options", "expected", "output", "passed"),
    [
        ({}, "B", "The answer is C", False),
        ({}, ["B", "C"], "The answer is C", True),
        ({}, "b", "B", True),
        ({"choices": "ABCDEFGHIJ"}, "H", "The answer is H", True),
        ({"choices": "ABCDEFGHIJ"}, "I", "I think the answer is I.", True),
        ({}, "A", "The answer is E", False),  # E is not a choice here
    ],
)
def test_choice_grading(options: dict[str, Any], expected: Any, output: str, passed: bool) -> None:
    s = score({"type": "choice", **options}, make_item(output, expected))
    assert s.passed is passed
    assert s.value == (1.0 if passed else 0.0)


def test_choice_wrong_letter_explained() -> None:
    s = score("choice", make_item("The answer is C", "B"))
    assert s.explanation == "expected B, got C"


def test_choice_expected_outside_choices() -> None:
    from evalkit.errors import GraderError

    with pytest.raises(GraderError, match="letters"):
        score("choice", make_item("A", "E"))
