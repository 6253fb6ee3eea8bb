"""The latency model, measured from outside: TTFT, token rate, and the zero-latency mode."""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp

from evalkit.config import SimConfig
from evalkit.sim.latency import LatencyModel

from .simcases import SimFactory, chat_url

UNKNOWN = [{"role": "user", "content": "benchmark prompt"}]


async def _timed_stream(
    http: aiohttp.ClientSession, url: str, **extra: Any
) -> tuple[float, list[float]]:
    """(seconds to the first content chunk, arrival time of every content chunk)."""
    body = {"model": "evalkit-sim", "messages": UNKNOWN, "stream": True, **extra}
    started = time.monotonic()
    times: list[float] = []
    async with http.post(chat_url(url), json=body) as resp:
        async for line in resp.content:
            if not line.startswith(b"data: {"):
                continue
            choices = json.loads(line[6:])["choices"]
            if choices and choices[0]["delta"].get("content"):
                times.append(time.monotonic())
    return times[0] - started, times


async def test_time_to_first_content_chunk_follows_ttft(
    start_sim: SimFactory, http: aiohttp.ClientSession
) -> None:
    sim = await start_sim(SimConfig(ttft_s=0.1, jitter=0.2, tokens_per_s=0))
    for _ in range(5):
        ttft, _ = await _timed_stream(http, sim.base_url)
        assert 0.1 * 0.8 - 0.005 <= ttft <= 0.1 * 1.2 + 0.5


async def test_tokens_per_second_limits_the_rate(
    start_sim: SimFactory, http: aiohttp.ClientSession
) -> None:
    sim = await start_sim(SimConfig(ttft_s=0, tokens_per_s=200))
    _, times = await _timed_stream(http, sim.base_url, max_tokens=61, ignore_eos=True)
    assert len(times) == 61
    spread = times[-1] - times[0]
    assert 60 / 200 - 0.01 <= spread <= 60 / 200 + 0.5


async def test_non_streamed_reply_waits_for_the_whole_answer(
    start_sim: SimFactory, http: aiohttp.ClientSession
) -> None:
    sim = await start_sim(SimConfig(ttft_s=0.05, jitter=0, tokens_per_s=100))
    body = {"model": "evalkit-sim", "messages": UNKNOWN, "max_tokens": 21, "ignore_eos": True}
    started = time.monotonic()
    async with http.post(chat_url(sim.base_url), json=body) as resp:
        await resp.read()
    assert time.monotonic() - started >= 0.05 + 20 / 100 - 0.005


async def test_zero_latency_mode_sends_long_streams_at_once(
    start_sim: SimFactory, http: aiohttp.ClientSession
) -> None:
    sim = await start_sim(SimConfig(ttft_s=0, tokens_per_s=0))
    started = time.monotonic()
    for _ in range(10):
        _, times = await _timed_stream(http, sim.base_url, max_tokens=2000, ignore_eos=True)
        assert len(times) == 2000
    # At the default 400 tokens/s each stream would take 5 s.
    assert time.monotonic() - started < 5.0


def test_jitter_stays_in_its_band_and_is_seeded() -> None:
    config = SimConfig(ttft_s=0.1, jitter=0.3, seed=9)
    draws = [LatencyModel(config).ttft(0) for _ in range(3)]
    assert len(set(draws)) == 1  # a fresh model with the same seed draws the same
    model = LatencyModel(config)
    values = [model.ttft(0) for _ in range(500)]
    assert min(values) >= 0.07 - 1e-9 and max(values) <= 0.13 + 1e-9
    assert max(values) - min(values) > 0.04
    # Prefill: a long prompt starts later.
    flat = LatencyModel(SimConfig(ttft_s=0.1, jitter=0))
    assert flat.ttft(100_000) == 0.1 + 100_000 / 50_000
