"""The paired bootstrap of a rise: point estimates by hand, bounds that behave, a fixed seed."""

from __future__ import annotations

import math
import random

import pytest

from evalkit.metrics.rise import bootstrap_rise


def test_a_uniform_slowdown_is_its_ratio_exactly() -> None:
    rng = random.Random(1)
    before = [rng.uniform(0.05, 0.5) for _ in range(40)]
    rise = bootstrap_rise(before, [b * 2 for b in before])
    assert rise.paired and rise.n == 40
    assert rise.ratio == pytest.approx(2.0) and rise.low == pytest.approx(2.0)
    median = sorted(before)[19] / 2 + sorted(before)[20] / 2
    assert rise.before == pytest.approx(median) and rise.after == pytest.approx(2 * median)
    assert rise.difference == pytest.approx(median)  # each sample took its own time again


def test_the_point_estimates_by_hand() -> None:
    before = [1.0, 2.0, 4.0]
    after = [2.0, 2.0, 2.0]  # per-sample ratios 2, 1, 0.5: median 1
    rise = bootstrap_rise(before, after)
    assert rise.ratio == pytest.approx(1.0)
    assert rise.difference == pytest.approx(0.0)  # differences +1, 0, -2
    assert rise.low <= 1.0 <= rise.high
    mean = bootstrap_rise(before, after, statistic="mean")
    assert mean.ratio == pytest.approx(6 / 7) and mean.difference == pytest.approx(-1 / 3)
    unpaired = bootstrap_rise(before, [3.0, 5.0], paired=False)
    assert unpaired.ratio == pytest.approx(4.0 / 2.0) and unpaired.n == 2


def test_noise_alone_keeps_the_lower_bound_below_a_quarter() -> None:
    rng = random.Random(7)
    base = [rng.uniform(0.05, 0.25) for _ in range(60)]
    for _ in range(20):
        a = [b * rng.lognormvariate(0, 0.35) for b in base]
        c = [b * rng.lognormvariate(0, 0.35) for b in base]
        assert bootstrap_rise(a, c).low < 1.25
        slow = [x * 2 for x in c]
        assert bootstrap_rise(a, slow).low > 1.25


def test_the_same_samples_always_give_the_same_bounds() -> None:
    rng = random.Random(3)
    a = [rng.random() + 0.1 for _ in range(50)]
    b = [x * rng.uniform(0.8, 1.6) for x in a]
    first = bootstrap_rise(a, b)
    assert all(bootstrap_rise(a, b) == first for _ in range(3))
    assert bootstrap_rise(a, b, seed=1) != first  # the seed is what fixes them


def test_degenerate_inputs() -> None:
    empty = bootstrap_rise([], [])
    assert empty.n == 0 and math.isnan(empty.low) and math.isnan(empty.ratio)
    zero_cost = bootstrap_rise([0.0, 0.0], [0.1, 0.2], statistic="mean")
    assert math.isnan(zero_cost.ratio)  # from nothing: no ratio (the gate then passes)
    with pytest.raises(ValueError, match="equal lengths"):
        bootstrap_rise([1.0], [1.0, 2.0])
