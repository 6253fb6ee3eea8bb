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
