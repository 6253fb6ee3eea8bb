"""exact, normalized, includes and regex: pass and fail tables."""

from __future__ import annotations

from typing import Any

import pytest
from grader_items import make_item, score

EXACT = [
    # (options, expected, output, passed)
    ({}, "Paris", "Paris", True),
    ({}, "Paris", "  Paris\n", True),
    ({}, "Paris", "paris", False),
    ({}, "Paris", "Paris.", False),
    ({"strip": False}, "Paris", "Paris\n", False),
    ({"case_sensitive": False}, "Paris", "PARIS", True),
    ({"case_sensitive": False}, "Paris", "PARIS!", False),
    ({"normalize": True}, "Paris", "  the PARIS. ", True),
    ({"normalize": True}, "New York", "new-york", False),
    ({}, ["Paris", "Paris, France"], "Paris, France", True),
    ({}, ["Paris", "Paris, France"], "Lyon", False),
    ({}, 42, "42", True),
    ({}, 42, "42.0", False),
]


@pytest.mark.parametrize(("options", "expected", "output", "passed"), EXACT)
def test_exact(options: dict[str, Any], expected: Any, output: str, passed: bool) -> None:
    s = score({"type": "exact", **options}, make_item(output, expected))
    assert s.passed is passed
    assert s.value == (1.0 if passed else 0.0)
    if not passed:
        assert s.explanation.startswith("expected ")
        assert f"got {output!r}" in s.explanation


NORMALIZED = [
    ("The Eiffel Tower", "eiffel tower", True),
    ("Paris", "paris.", True),
    ("an apple", "Apple!", True),
    ("Washington, D.C.", "washington dc", True),
    ("  multiple   spaces ", "multiple spaces", True),
    ("Ｐａｒｉｓ", "paris", True),  # full-width letters fold under NFKC
    ("Paris", "Paris France", False),
    ("theatre", "atre", False),  # "the" inside a word is not an article
    (["Lyon", "Paris"], "PARIS", True),
]


@pytest.mark.parametrize(("expected", "output", "passed"), NORMALIZED)
def test_normalized(expected: Any, output: str, passed: bool) -> None:
    assert score("normalized", make_item(output, expected)).passed is passed


INCLUDES = [
    ({}, "Paris", "The capital is PARIS.", True),
    ({"case_sensitive": True}, "Paris", "The capital is PARIS.", False),
    ({}, ["Lyon", "Paris"], "It is Paris.", True),
    ({"all": True}, ["Lyon", "Paris"], "It is Paris.", False),
    ({"all": True}, ["Lyon", "Paris"], "Paris and lyon", True),
    ({}, "Rome", "It is Paris.", False),
]


@pytest.mark.parametrize(("options", "expected", "output", "passed"), INCLUDES)
def test_includes(options: dict[str, Any], expected: Any, output: str, passed: bool) -> None:
    s = score({"type": "includes", **options}, make_item(output, expected))
    assert s.passed is passed
    assert s.details is not None
    if not passed:
        assert s.details["reason"] == "not_found"
        assert s.details["missing"]


def test_includes_all_names_the_missing_one() -> None:
    s = score({"type": "includes", "all": True}, make_item("Paris only", ["Paris", "Lyon"]))
    assert "'Lyon'" in s.explanation
    assert s.details is not None and s.details["found"] == ["Paris"]


REGEX = [
    ({"pattern": r"\b\d{4}\b"}, None, "It was 1969.", True),
    ({"pattern": r"\b\d{4}\b"}, None, "It was 69.", False),
    ({"pattern": "paris", "flags": "i"}, None, "PARIS", True),
    ({"pattern": "paris"}, None, "PARIS", False),
    ({"pattern": r"^end$", "flags": "m"}, None, "start\nend\nmore", True),
    ({"pattern": r"a.b", "flags": "s"}, None, "a\nb", True),
    ({"pattern": r"a.b"}, None, "a\nb", False),
    ({"pattern": r"\d+", "fullmatch": True}, None, "42\n", True),
    ({"pattern": r"\d+", "fullmatch": True}, None, "42 apples", False),
    ({}, r"yes|no", "I would say yes.", True),
    ({}, [r"^A$", r"^B$"], "B", True),
    ({}, [r"^A$", r"^B$"], "C", False),
    ({"pattern": r"  \d+  # digits", "flags": "x"}, None, "n=7", True),
]


@pytest.mark.parametrize(("options", "expected", "output", "passed"), REGEX)
def test_regex(options: dict[str, Any], expected: Any, output: str, passed: bool) -> None:
    s = score({"type": "regex", **options}, make_item(output, expected))
    assert s.passed is passed
    assert s.details is not None
    if passed:
        assert s.details["match"] in output
    else:
        assert s.details["reason"] == "no_match"


def test_regex_bad_expected_pattern_is_a_grader_error() -> None:
    from evalkit.errors import GraderError

    with pytest.raises(GraderError, match="does not compile"):
        score("regex", make_item("x", "(unclosed"))


def test_missing_expected_is_a_grader_error() -> None:
    from evalkit.errors import GraderError

    with pytest.raises(GraderError, match="no 'expected'"):
        score("exact", make_item("x", None))


def test_explanations_are_short() -> None:
    s = score("exact", make_item("x" * 5000, "y" * 5000))
    assert len(s.explanation) < 200
