"""ITL statistics: linear-interpolated percentiles of the gaps between token chunks."""

from __future__ import annotations

import random
import statistics
from itertools import accumulate

import pytest

from evalkit.client.answer import itl_stats


def test_fewer_than_two_token_chunks_have_no_itl() -> None:
    assert itl_stats([]) is None
    assert itl_stats([1.0]) is None


def test_itl_matches_an_independent_computation() -> None:
    rng = random.Random(3)
    gaps = [rng.expovariate(50) for _ in range(37)]
    times = list(accumulate(gaps, initial=10.0))
    itl = itl_stats(times)
    assert itl is not None
    cuts = statistics.quantiles(gaps, n=100, method="inclusive")  # numpy's "linear"
    assert itl.n == len(gaps)
    assert itl.mean == pytest.approx(statistics.fmean(gaps))
    assert itl.p50 == pytest.approx(statistics.median(gaps))
    assert itl.p90 == pytest.approx(cuts[89])
    assert itl.p99 == pytest.approx(cuts[98])
    assert itl.max == pytest.approx(max(gaps))


def test_single_gap() -> None:
    itl = itl_stats([1.0, 1.25])
    assert itl is not None
    assert (itl.n, itl.mean, itl.p50, itl.p99, itl.max) == (1, 0.25, 0.25, 0.25, 0.25)
