"""The ``numeric`` grader: pull a number out of prose and compare within a tolerance.

Recognised: signs (ASCII or Unicode minus), decimals, thousands separators
("1,234.5"), scientific notation ("1.5e3"), percentages ("12%" is 12),
simple fractions ("3/4", LaTeX ``\\frac{3}{4}``), currency symbols and units
around the number. A hyphen glued to a word ("COVID-19") is not a sign.

The grader's verdict is on the number it extracts from the reply (the
``extracted`` verdict); ``strict`` says whether the reply was that number
and nothing else ("42", "$1,234.50", "12%"), the format a prompt asking for
"the number only" wants.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Any, Literal

from evalkit.errors import GraderError
from evalkit.graders._normalize import clip
from evalkit.graders._options import NonNegative
from evalkit.graders.base import Checked, GradeItem, Grader, Score, expected_check, grader

_NUMBER = re.compile(
    r"""
    (?<![\w.])                                  # not inside a word or a decimal
    (?P<sign>[-+\u2212])?
    (?:[$€£¥₹]\s?)?
    (?:
        (?P<num>\d+)\s*[/\u2044]\s*(?P<den>\d+)(?![.,]\d)
      | (?P<int>\d{1,3}(?:,\d{3})+|\d+)?
        (?:\.(?P<frac>\d+))?
        (?<=\d)                                 # at least one digit so far
        (?:[eE](?P<exp>[-+]?\d+))?
    )
    (?P<pct>\s?%)?
    """,
    re.VERBOSE,
)
# A reply that is a number and nothing else: sign, currency, digits, separators, %, a final ".".
_BARE = re.compile(r"\s*[-+\u2212]?(?:[$€£¥₹]\s?)?[\d.,/eE+\-\u2212]+\s?%?\s*\.?\s*")
_LATEX_FRAC = re.compile(r"\\[dt]?frac\{\s*(-?\d+)\s*\}\{\s*(\d+)\s*\}")
_MAX_SHOWN = 20


def extract_numbers(text: str) -> list[float]:
    """Every number in ``text``, in order of appearance."""
    text = unicodedata.normalize("NFKC", text)
    if "frac" in text:
        text = _LATEX_FRAC.sub(r"\1/\2", text)
    text = text.replace("{,}", ",")
    out: list[float] = []
    for m in _NUMBER.finditer(text):
        if m.group("num") is not None:
            num, den = int(m.group("num")), int(m.group("den"))
            value = num / den if den else float(num)
        else:
            body = (m.group("int") or "0").replace(",", "")
            if m.group("frac"):
                body += "." + m.group("frac")
            if m.group("exp"):
                body += "e" + m.group("exp")
            value = float(body)
        if m.group("sign") in ("-", "\u2212"):
            value = -value
        if math.isfinite(value):
            out.append(value)
    return out


def _expected_numbers(expected: Any) -> list[float]:
    items = expected if isinstance(expected, list) else [expected]
    out: list[float] = []
    for item in items:
        if isinstance(item, int | float) and not isinstance(item, bool):
            out.append(float(item))
            continue
        found = extract_numbers(item) if isinstance(item, str) else []
        if len(found) != 1:
            raise GraderError(f"'expected' must be a number, not {clip(item)}")
        out.append(found[0])
    if not out:
        raise GraderError("the sample has no 'expected' number")
    return out


_CHECK = expected_check(_expected_numbers)


def _fmt(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.6g}"


@grader("numeric")
def numeric(
    *,
    abs_tol: NonNegative = 0.0,
    rel_tol: NonNegative = 1e-6,
    pick: Literal["last", "first", "only"] = "last",
) -> Grader:
    """Passes when the picked number of the output is close to the expected one."""

    def grade(item: GradeItem) -> Score:
        expected = _expected_numbers(item.sample.expected)
        found = extract_numbers(item.output)
        details: dict[str, Any] = {"extracted": found[:_MAX_SHOWN], "expected": expected}
        want = _fmt(expected[0]) if len(expected) == 1 else str([_fmt(e) for e in expected])
        if not found:
            why = f"expected {want}, found no number in {clip(item.output)}"
            return Score(
                0.0, False, why, {**details, "reason": "no_number"}, strict=0.0, extracted=0.0
            )
        if pick == "only":
            distinct = sorted({v for v in found})
            if len(distinct) > 1:
                shown = ", ".join(_fmt(v) for v in distinct[:5])
                why = f"ambiguous: several numbers ({shown}); expected {want}"
                details["reason"] = "ambiguous"
                return Score(0.0, False, why, details, strict=0.0, extracted=0.0)
        got = found[0] if pick == "first" else found[-1]
        details["picked"] = got
        for exp in expected:
            if math.isclose(got, exp, rel_tol=rel_tol, abs_tol=abs_tol):
                bare = len(found) == 1 and _BARE.fullmatch(item.output) is not None
                why = f"got {_fmt(got)}, expected {_fmt(exp)}"
                return Score(1.0, True, why, details, strict=float(bare), extracted=1.0)
        where = f" ({pick} of {len(found)} numbers)" if len(found) > 1 else ""
        why = f"expected {want}, got {_fmt(got)}{where}"
        return Score(0.0, False, why, {**details, "reason": "mismatch"}, strict=0.0, extracted=0.0)

    return Checked(grade, _CHECK)


__all__ = ["extract_numbers", "numeric"]
