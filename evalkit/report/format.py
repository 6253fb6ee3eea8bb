"""How numbers read in every output: money, durations, rates, differences and intervals.

One style for report.html, compare.html, summary.md, compare.md, junit.xml,
gate messages and the terminal table, so that the same figure reads the
same wherever it is shown (report.js mirrors ``seconds``, ``usd`` and
``number`` for the rows it draws in the browser):

- money: cents above a dollar, else three significant digits, at least two
  decimals ("$12.35", "$0.35", "$0.0495", "$0.0000513", "$0.00");
- durations: three significant digits, milliseconds below a second
  ("432 ms", "50.0 ms", "2.50 s", "123 s");
- rates (accuracy) as percentages with one decimal ("71.3%"), relative
  changes signed ("+12.5%"), differences of rates in percentage points
  ("-4.0 pp");
- intervals as "[low, high]" in the unit of their value.

A missing value (None, NaN, pandas' NA, anything not a number) is "–".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

MISSING = "–"


def value(x: Any) -> float | None:
    """``x`` as a float; None when it is missing or not a number."""
    if x is None or isinstance(x, str):
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):  # pandas.NA refuses float()
        return None
    return None if math.isnan(v) else v


def _significant(v: float, digits: int = 3) -> int:
    """Decimals that show ``v`` to ``digits`` significant digits (none for large values)."""
    if v == 0 or math.isinf(v):
        return 0
    return max(0, digits - 1 - math.floor(math.log10(abs(v))))


def _round(v: float, digits: int = 3) -> float:
    return round(v, _significant(v, digits))


def usd(x: Any) -> str:
    """A dollar amount: cents from $1, else three significant digits (at least two decimals)."""
    v = value(x)
    if v is None:
        return MISSING
    sign = "-" if v < 0 else ""
    v = abs(v)
    if v < 1:
        v = _round(v)  # 0.9996 becomes a dollar, and is written as one
    if v >= 1 or v == 0:
        return f"{sign}${v:,.2f}"
    text = f"{v:.{_significant(v)}f}"
    whole, frac = text.split(".")
    frac = frac.rstrip("0").ljust(2, "0")  # "0.350" reads as 0.35; keep two decimals
    return f"{sign}${whole}.{frac}"


def seconds(x: Any) -> str:
    """A duration in seconds, to three significant digits: "432 ms", "50.0 ms", "2.50 s"."""
    v = value(x)
    if v is None:
        return MISSING
    v = _round(v)
    if abs(v) < 1:
        ms = _round(v * 1000)
        return f"{ms:,.{_significant(ms)}f} ms"
    return f"{v:,.{_significant(v)}f} s"


def _written(x: Any, write: Callable[[float], str]) -> str:
    v = value(x)
    return MISSING if v is None else write(v)


def percent(x: Any, digits: int = 1) -> str:
    """A rate in [0, 1] as a percentage: 0.7134 -> "71.3%"."""
    return _written(x, lambda v: f"{v * 100:.{digits}f}%")


def change(x: Any) -> str:
    """A relative change (b / a - 1) as a signed percentage: "+12.5%"."""
    return _written(x, lambda v: f"{v * 100:+.1f}%")


def points(x: Any, *, signed: bool = True) -> str:
    """A difference of two rates in percentage points: -0.04 -> "-4.0 pp"."""
    return _written(x, lambda v: f"{v * 100:+.1f} pp" if signed else f"{v * 100:.1f} pp")


def number(x: Any, digits: int = 0) -> str:
    """A count or measure with thousands separators: "12,345", "12.3"."""
    return _written(x, lambda v: f"{v:,.{digits}f}")


def score(x: Any) -> str:
    """One grader's score in [0, 1], to two decimals: "0.67"."""
    return _written(x, lambda v: f"{v:.2f}")


def interval(low: Any, high: Any, fmt: Callable[[Any], str]) -> str:
    """An interval "[low, high]", each bound written by ``fmt``; "–" when a bound is missing."""
    if value(low) is None or value(high) is None:
        return MISSING
    return f"[{fmt(low)}, {fmt(high)}]"


def accuracy_interval(low: Any, high: Any) -> str:
    """The CI of an accuracy: "[65.0%, 77.0%]" (``metrics.accuracy_ci`` keeps it in [0, 1])."""
    return interval(low, high, percent)


def accuracy(mean: Any, low: Any = None, high: Any = None) -> str:
    """An accuracy and its CI: "71.3% [65.0%, 77.0%]"; just "71.3%" without a CI."""
    text = percent(mean)
    ci = accuracy_interval(low, high)
    return text if text == MISSING or ci == MISSING else f"{text} {ci}"


def difference(diff: Any, low: Any = None, high: Any = None) -> str:
    """A paired difference of accuracies and its CI: "+5.0 pp [-1.0 pp, +11.0 pp]"."""
    text = points(diff)
    ci = interval(low, high, points)
    return text if text == MISSING or ci == MISSING else f"{text} {ci}"


def p_value(x: Any) -> str:
    """A p-value: "p = 0.031", "p < 0.001"; "" when unknown."""
    p = value(x)
    if p is None:
        return ""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


__all__ = [
    "MISSING",
    "accuracy",
    "accuracy_interval",
    "change",
    "difference",
    "interval",
    "number",
    "p_value",
    "percent",
    "points",
    "score",
    "seconds",
    "usd",
    "value",
]
