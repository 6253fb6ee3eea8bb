"""One style for the numbers of every output: money, durations, rates, differences, intervals."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from evalkit.report import format as fmt


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (12.345, "$12.35"),
        (1234567.891, "$1,234,567.89"),
        (0.35, "$0.35"),  # the seed model's input price, written the same everywhere
        (0.0495, "$0.0495"),
        (0.0000513, "$0.0000513"),
        (0.1, "$0.10"),
        (0.9996, "$1.00"),
        (0, "$0.00"),
        (-0.35, "-$0.35"),
    ],
)
def test_money(amount: float, text: str) -> None:
    assert fmt.usd(amount) == text


@pytest.mark.parametrize(
    ("secs", "text"),
    [
        (0.05, "50.0 ms"),
        (0.4321, "432 ms"),
        (0.0123, "12.3 ms"),
        (0.0005, "0.500 ms"),
        (0.9996, "1.00 s"),
        (2.5, "2.50 s"),
        (12.345, "12.3 s"),
        (3600, "3,600 s"),
        (0, "0 ms"),
    ],
)
def test_durations(secs: float, text: str) -> None:
    assert fmt.seconds(secs) == text


def test_rates_changes_and_points() -> None:
    assert fmt.percent(0.7134) == "71.3%"
    assert fmt.change(0.125) == "+12.5%" and fmt.change(-0.03) == "-3.0%"
    assert fmt.points(-0.04) == "-4.0 pp" and fmt.points(0.012, signed=False) == "1.2 pp"
    assert fmt.number(12345) == "12,345" and fmt.number(2.345, 2) == "2.35"
    assert fmt.score(2 / 3) == "0.67"
    assert fmt.p_value(0.0004) == "p < 0.001" and fmt.p_value(0.031) == "p = 0.031"


def test_intervals() -> None:
    assert fmt.accuracy(0.7134, 0.65, 0.77) == "71.3% [65.0%, 77.0%]"
    # Printed as given: the interval is made in one place (metrics.accuracy_ci), not here.
    assert fmt.accuracy(0.98, 0.95, 1.0) == "98.0% [95.0%, 100.0%]"
    assert fmt.accuracy(0.5) == "50.0%"  # no CI
    assert fmt.difference(0.05, -0.01, 0.11) == "+5.0 pp [-1.0 pp, +11.0 pp]"
    assert fmt.interval(1, 2, fmt.seconds) == "[1.00 s, 2.00 s]"


@pytest.mark.parametrize("missing", [None, math.nan, pd.NA, np.float64("nan"), "n/a"])
def test_missing_values_are_a_dash(missing: object) -> None:
    for write in (fmt.usd, fmt.seconds, fmt.percent, fmt.change, fmt.points, fmt.number):
        assert write(missing) == "–"
    assert fmt.accuracy(missing, 0.1, 0.2) == "–"
    assert fmt.accuracy(0.5, missing, 0.6) == "50.0%"
    assert fmt.p_value(missing) == ""


def test_numpy_and_pandas_numbers_are_numbers() -> None:
    assert fmt.seconds(np.float64(0.2)) == "200 ms"
    assert fmt.number(np.int64(12345)) == "12,345"
    assert fmt.usd(pd.Series([0.35]).iloc[0]) == "$0.35"
