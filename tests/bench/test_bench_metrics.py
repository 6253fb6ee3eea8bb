"""A level's figures against values worked out by hand, under vLLM's names."""

from __future__ import annotations

import math

import pytest

from evalkit.bench.driver import Outcome
from evalkit.bench.metrics import level_metrics, parse_goodput, stats_ms
from evalkit.bench.schedule import Level
from evalkit.errors import ConfigError


def ok(seq: int, ttft: float, e2el: float, tokens: int, prompt: int, sent: float = 0.0) -> Outcome:
    gaps = [(e2el - ttft) / (tokens - 1)] * (tokens - 1) if tokens > 1 else []
    return Outcome(
        seq,
        "synthetic",
        f"s{seq}",
        scheduled=0.0,
        sent=sent,
        done=sent + e2el,
        ok=True,
        ttft=ttft,
        e2el=e2el,
        tpot=(e2el - ttft) / (tokens - 1) if tokens > 1 else None,
        gaps=gaps,
        prompt_tokens=prompt,
        completion_tokens=tokens,
    )


def failed(seq: int, kind: str, sent: float = 0.0) -> Outcome:
    return Outcome(seq, "synthetic", f"s{seq}", 0.0, sent, sent + 0.01, False, error_kind=kind)


OUTCOMES = [
    ok(0, ttft=0.1, e2el=0.5, tokens=5, prompt=10),  # TPOT (0.5 - 0.1) / 4 = 0.1
    ok(1, ttft=0.2, e2el=0.3, tokens=2, prompt=20, sent=0.01),  # TPOT 0.1, queued 10 ms
    ok(2, ttft=0.3, e2el=0.3, tokens=1, prompt=30),  # one token: no TPOT, no gap
    failed(3, "server_error", sent=0.05),  # queued 50 ms
    failed(4, "rate_limit"),
]


def test_counts_throughputs_and_failures_by_kind() -> None:
    m = level_metrics(OUTCOMES, Level(concurrency=4), duration=2.0)
    assert m["completed"] == 3
    assert m["failed"] == 2
    assert m["errors"] == {"server_error": 1, "rate_limit": 1}
    assert m["duration"] == 2.0
    assert m["request_throughput"] == pytest.approx(1.5)
    assert m["total_input_tokens"] == 60
    assert m["total_output_tokens"] == 8
    assert m["output_throughput"] == pytest.approx(4.0)
    assert m["total_token_throughput"] == pytest.approx(34.0)
    assert m["max_concurrency"] == 4
    assert m["request_rate"] == "inf"
    assert m["burstiness"] == 1.0
    assert m["request_goodput"] is None  # no SLO given


def test_latency_statistics_in_milliseconds() -> None:
    m = level_metrics(OUTCOMES, Level(concurrency=4), duration=2.0)
    assert m["mean_ttft_ms"] == pytest.approx(200.0)
    assert m["median_ttft_ms"] == pytest.approx(200.0)
    assert m["std_ttft_ms"] == pytest.approx(math.sqrt(0.02 / 3) * 1000)  # population std
    assert m["p90_ttft_ms"] == pytest.approx(280.0)  # linear between order statistics
    assert m["p99_ttft_ms"] == pytest.approx(298.0)
    assert m["mean_tpot_ms"] == pytest.approx(100.0)  # the one-token output has no TPOT
    assert m["median_itl_ms"] == pytest.approx(100.0)  # five gaps pooled: 4 + 1
    assert m["median_e2el_ms"] == pytest.approx(300.0)
    assert m["mean_e2el_ms"] == pytest.approx(1100.0 / 3)
    # Client queueing covers every request sent, failed ones too.
    assert m["mean_client_queue_time_ms"] == pytest.approx(12.0)
    assert m["p99_client_queue_time_ms"] == pytest.approx(10 + 0.96 * 40)  # 3.96 of 4 steps
    assert "mean_e2el_including_client_queue_ms" not in m  # closed loop


def test_goodput_counts_requests_meeting_every_slo() -> None:
    m = level_metrics(
        OUTCOMES, Level(concurrency=4), duration=2.0, goodput={"ttft": 250, "tpot": 100}
    )
    assert m["request_goodput"] == pytest.approx(2 / 2.0)  # the 300 ms TTFT misses
    # A one-token output has a TPOT of 0: it meets any TPOT SLO.
    m = level_metrics(OUTCOMES, Level(concurrency=4), duration=2.0, goodput={"tpot": 50})
    assert m["request_goodput"] == pytest.approx(1 / 2.0)
    m = level_metrics(OUTCOMES, Level(concurrency=4), duration=2.0, goodput={"e2el": 300})
    assert m["request_goodput"] == pytest.approx(2 / 2.0)


def test_open_loop_levels_add_latency_from_the_planned_send() -> None:
    m = level_metrics(OUTCOMES, Level(concurrency=None, rate=8.0, burstiness=2.0), duration=2.0)
    assert m["request_rate"] == 8.0
    assert m["max_concurrency"] is None
    assert m["burstiness"] == 2.0
    assert m["median_e2el_including_client_queue_ms"] == pytest.approx(310.0)


def test_a_level_with_no_successes_has_no_latencies() -> None:
    m = level_metrics([failed(0, "timeout")], Level(concurrency=1), duration=1.0)
    assert m["completed"] == 0
    assert m["median_ttft_ms"] is None
    assert m["request_throughput"] == 0.0


def test_stats_of_nothing_are_none() -> None:
    assert set(stats_ms([]).values()) == {None}


def test_goodput_slos_are_parsed_and_checked() -> None:
    assert parse_goodput(["ttft:200", "tpot:20.5", "e2el:1000"]) == {
        "ttft": 200.0,
        "tpot": 20.5,
        "e2el": 1000.0,
    }
    for bad in ("ttft", "itl:5", "ttft:fast", "ttft:-1"):
        with pytest.raises(ConfigError, match="--goodput"):
            parse_goodput([bad])
