"""numeric: extraction from prose, picking, tolerances."""

from __future__ import annotations

from typing import Any

import pytest
from grader_items import make_item, score

from evalkit.errors import GraderError
from evalkit.graders.numeric import extract_numbers

EXTRACT = [
    ("The answer is 42.", [42.0]),
    ("It costs $1,234.50 in total", [1234.5]),
    ("-3 degrees, then +4", [-3.0, 4.0]),
    ("\u22127 below zero", [-7.0]),
    ("Growth was 12%.", [12.0]),
    ("About 3/4 of them", [0.75]),
    (r"$\frac{3}{4}$", [0.75]),
    ("1.5e3 meters", [1500.0]),
    ("6.02E23 atoms", [6.02e23]),
    ("0.5 and .25", [0.5, 0.25]),
    ("€20 or £30", [20.0, 30.0]),
    ("5km and 10 kg", [5.0, 10.0]),
    ("COVID-19", [19.0]),  # a hyphen after a word is not a minus sign
    ("pages 3-4", [3.0, 4.0]),
    ("H2O and v1.2", []),  # digits inside words are not numbers
    ("1,2,3", [1.0, 2.0, 3.0]),  # not a thousands separator: groups of 3 only
    ("1,000,000 people", [1000000.0]),
    ("no numbers here", []),
    ("x = 1{,}234", [1234.0]),
    ("The result: 7.", [7.0]),
]


@pytest.mark.parametrize(("text", "numbers"), EXTRACT)
def test_extract_numbers(text: str, numbers: list[float]) -> None:
    assert extract_numbers(text) == pytest.approx(numbers)


GRADE = [
    # (options, expected, output, passed)
    ({}, 42, "After some work, the answer is 42.", True),
    ({}, 42, "I first tried 40 but the answer is 42", True),
    ({}, 42, "The answer is 42, not 40", False),  # last number wins by default
    ({"pick": "first"}, 42, "The answer is 42, not 40", True),
    ({"pick": "only"}, 42, "42", True),
    ({"pick": "only"}, 42, "42 apples, so 42", True),
    ({"pick": "only"}, 42, "3 boxes of 14 is 42", False),
    ({}, "1,234.5", "Total: 1234.5", True),
    ({}, 0.75, "3/4", True),
    ({}, 12, "12%", True),
    ({}, 100, "100.0000001", True),  # within rel_tol 1e-6
    ({}, 100, "100.01", False),
    ({"rel_tol": 0.0, "abs_tol": 0.05}, 100, "100.04", True),
    ({"rel_tol": 0.0, "abs_tol": 0.05}, 100, "100.06", False),
    ({}, -5, "minus five: -5", True),
    ({}, 5, "-5", False),
    ({}, [3, 4], "four: 4", True),
    ({}, 1e6, "one million: 1,000,000", True),
    ({}, 42, "I don't know", False),
]


@pytest.mark.parametrize(("options", "expected", "output", "passed"), GRADE)
def test_numeric(options: dict[str, Any], expected: Any, output: str, passed: bool) -> None:
    s = score({"type": "numeric", **options}, make_item(output, expected))
    assert s.passed is passed
    assert s.value == (1.0 if passed else 0.0)
    assert s.details is not None
    if not passed:
        assert s.details["reason"] in {"mismatch", "no_number", "ambiguous"}


def test_numeric_explanations() -> None:
    s = score("numeric", make_item("The answer is 42, not 40", 42))
    assert s.explanation == "expected 42, got 40 (last of 2 numbers)"
    s = score({"type": "numeric", "pick": "only"}, make_item("3 boxes of 14 is 42", 42))
    assert s.explanation.startswith("ambiguous: several numbers (3, 14, 42)")
    s = score("numeric", make_item("no idea", 7))
    assert "found no number" in s.explanation


@pytest.mark.parametrize("expected", ["seven", [], True, {"x": 1}])
def test_numeric_bad_expected(expected: Any) -> None:
    with pytest.raises(GraderError):
        score("numeric", make_item("7", expected))
