"""Load levels and arrival schedules: seeded, reproducible, at the rate asked for."""

from __future__ import annotations

import itertools
import statistics

import pytest

from evalkit.bench.schedule import Level, arrival_times, parse_levels, sweep_levels
from evalkit.errors import ConfigError


def test_the_same_seed_gives_the_same_schedule() -> None:
    assert arrival_times(200, 8.0, 1.0, seed=3) == arrival_times(200, 8.0, 1.0, seed=3)
    assert arrival_times(200, 8.0, 1.0, seed=3) != arrival_times(200, 8.0, 1.0, seed=4)


def test_a_schedule_is_increasing_and_ends_at_n_over_rate() -> None:
    times = arrival_times(500, 20.0, 1.0, seed=0)
    assert len(times) == 500
    assert all(b > a for a, b in itertools.pairwise(times))
    assert times[0] > 0
    assert times[-1] == pytest.approx(500 / 20.0)


def test_poisson_gaps_vary_like_an_exponential_and_burstiness_changes_that() -> None:
    def cv(burstiness: float) -> float:
        times = arrival_times(4000, 10.0, burstiness, seed=1)
        gaps = [b - a for a, b in itertools.pairwise([0.0, *times])]
        return statistics.pstdev(gaps) / statistics.fmean(gaps)

    # Gamma(k) gaps have a coefficient of variation of 1/sqrt(k).
    assert cv(1.0) == pytest.approx(1.0, abs=0.08)
    assert cv(4.0) == pytest.approx(0.5, abs=0.05)
    assert cv(0.25) == pytest.approx(2.0, abs=0.25)


def test_no_requests_no_schedule_and_bad_rates_are_refused() -> None:
    assert arrival_times(0, 1.0, 1.0, seed=0) == []
    with pytest.raises(ValueError):
        arrival_times(5, 0.0, 1.0, seed=0)
    with pytest.raises(ValueError):
        arrival_times(5, 1.0, 0.0, seed=0)


def test_concurrencies_are_closed_loop_levels() -> None:
    levels = parse_levels("1, 4,16,4", None)
    assert levels == [Level(concurrency=1), Level(concurrency=4), Level(concurrency=16)]
    assert all(lv.closed for lv in levels)
    assert [lv.label for lv in levels] == ["c=1", "c=4", "c=16"]


def test_rates_are_open_loop_levels_capped_by_one_concurrency() -> None:
    levels = parse_levels("64", "2,8.5", burstiness=0.5)
    assert levels == [
        Level(concurrency=64, rate=2.0, burstiness=0.5),
        Level(concurrency=64, rate=8.5, burstiness=0.5),
    ]
    assert not levels[0].closed
    assert levels[1].label == "8.5 req/s (burstiness 0.5), c<=64"
    assert parse_levels(None, "3")[0].label == "3 req/s"


@pytest.mark.parametrize(
    ("concurrency", "rate", "burstiness", "words"),
    [
        ("1,x", None, 1.0, "--concurrency: 'x' is not a number"),
        ("0", None, 1.0, "--concurrency: '0' must be positive"),
        (None, "2,-1", 1.0, "--rate: '-1' must be positive"),
        ("4,8", "2", 1.0, "give one number"),
        (None, "2", 0.0, "--burstiness"),
        (None, None, 1.0, "give --concurrency, --rate or --sweep"),
    ],
)
def test_bad_levels_name_the_flag(
    concurrency: str | None, rate: str | None, burstiness: float, words: str
) -> None:
    with pytest.raises(ConfigError, match=words):
        parse_levels(concurrency, rate, burstiness)


def test_a_sweep_doubles_up_to_its_maximum() -> None:
    assert sweep_levels(64) == [1, 2, 4, 8, 16, 32, 64]
    assert sweep_levels(100) == [1, 2, 4, 8, 16, 32, 64, 100]
    assert sweep_levels(1) == [1]
