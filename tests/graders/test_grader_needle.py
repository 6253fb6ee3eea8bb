"""needle: RULER's string_match_all recall (and string_match_part with mode="any")."""

from __future__ import annotations

from typing import Any

import pytest
from grader_items import make_item, score

NEEDLES = ["4821937", "magic-uuid-77", "Dolores Park"]

CASES = [
    # (options, output, value, passed)
    ({}, "The numbers are 4821937, MAGIC-UUID-77 and dolores park.", 1.0, True),
    ({}, "Only 4821937 and Dolores Park.", 2 / 3, False),
    ({}, "4821\x00937 is split by a control char", 0.0, False),
    ({}, "I could not find them.", 0.0, False),
    ({"mode": "any"}, "Only dolores park", 1.0, True),
    ({"mode": "any"}, "nothing", 0.0, False),
]


@pytest.mark.parametrize(("options", "output", "value", "passed"), CASES)
def test_needle_recall(options: dict[str, Any], output: str, value: float, passed: bool) -> None:
    s = score({"type": "needle", **options}, make_item(output, NEEDLES))
    assert s.value == pytest.approx(value)
    assert s.passed is passed
    assert s.details is not None
    assert s.details["recall"] == pytest.approx(len(s.details["found"]) / len(NEEDLES))


def test_control_characters_do_not_hide_a_needle() -> None:
    s = score("needle", make_item("The value:\x1b[0m 4821937\r\n", "4821937"))
    assert s.passed


def test_partial_recall_names_what_is_missing() -> None:
    s = score("needle", make_item("Only 4821937 and Dolores Park.", NEEDLES))
    assert s.explanation == "recalled 2/3; missing 'magic-uuid-77'"
    assert s.details is not None and s.details["missing"] == ["magic-uuid-77"]


BOUNDARY_CASES = [
    # (output, expected value, recalled)
    ("12345678", "1234567", False),
    ("01234567", "1234567", False),
    ("The value is 1234567.", "1234567", True),
    ("1234567", "123", False),
    ("(1234567)", "1234567", True),
    ("value:1234567,next", "1234567", True),
    ("id_1234567_x", "1234567", True),  # "_" is neither a letter nor a digit
    ("v1234567", "1234567", False),
    ("1234567é", "1234567", False),  # letters of any script count
    ("The word is Cobalt!", "cobalt", True),
    ("cobalts everywhere", "cobalt", False),
    ("blue-cobalt", "cobalt", True),
    ("it is 3f2a9c1e-77b0-4d1c-9a1b-0c6e5f4d3b2a", "3F2A9C1E-77B0-4D1C-9A1B-0C6E5F4D3B2A", True),
    ("x3f2a9c1e-77b0-4d1c-9a1b-0c6e5f4d3b2a", "3f2a9c1e-77b0-4d1c-9a1b-0c6e5f4d3b2a", False),
    ("Dolores\x00Park is it", "Dolores Park", True),  # control char -> space
    ("Dolores  Park", "Dolores Park", True),  # any run of white space
    ("DoloresPark", "Dolores Park", False),
    ("$5.00 total", "$5.00", True),  # a value may start with punctuation
    ("4821\x00937", "4821937", False),  # a control char splits a value
]


@pytest.mark.parametrize(("output", "value", "recalled"), BOUNDARY_CASES)
def test_values_match_on_boundaries(output: str, value: str, recalled: bool) -> None:
    s = score("needle", make_item(output, [value]))
    assert s.passed is recalled
    assert s.value == (1.0 if recalled else 0.0)


def test_recall_stays_a_fraction_with_boundaries() -> None:
    expected = ["1234567", "7654321", "cobalt"]
    s = score("needle", make_item("1234567 and 76543210 and Cobalt", expected))
    assert s.value == pytest.approx(2 / 3) and not s.passed
    assert s.details is not None and s.details["missing"] == ["7654321"]
    part = score({"type": "needle", "mode": "any"}, make_item("76543210 only", expected))
    assert part.value == 0.0 and not part.passed


def test_a_blank_value_is_a_grader_error() -> None:
    from evalkit.errors import GraderError

    with pytest.raises(GraderError, match="blank"):
        score("needle", make_item("anything", [" "]))
