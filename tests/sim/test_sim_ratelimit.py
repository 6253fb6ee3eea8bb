"""The simulator's enforcing mode: per-minute quotas refused with 429 + Retry-After."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from evalkit.config import SimConfig
from evalkit.sim.ratelimit import Quota, RateLimiter, format_reset
from evalkit.suite.schema import Sample

from .simcases import SimFactory, body_for, chat_url


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (-1, "0s"), (0.0004, "1ms"), (0.25, "250ms"), (1.5, "1.5s"), (360, "6m0s")],
)
def test_reset_durations_read_like_openais(seconds: float, text: str) -> None:
    assert format_reset(seconds) == text


def test_a_quota_holds_one_windows_worth_and_refills_at_its_rate() -> None:
    quota = Quota(per_minute=600, window_s=1.0)  # 10 a second, 10 at once
    now = quota.stamp
    for _ in range(10):
        assert quota.wait_for(1, now) == 0
        quota.take(1)
    assert quota.wait_for(1, now) == pytest.approx(0.1)  # one more fits after 1/10 s
    assert quota.wait_for(1, now + 0.1) == pytest.approx(0.0, abs=1e-9)
    headers = quota.headers("requests", now + 0.35)
    assert headers["x-ratelimit-limit-requests"] == "600"
    assert headers["x-ratelimit-remaining-requests"] == "3"
    # 0.65 s to refill, give or take the float error of (stamp + 0.35) - stamp.
    reset = headers["x-ratelimit-reset-requests"]
    assert reset.endswith("ms") and abs(int(reset[:-2]) - 650) <= 1, reset


def test_tokens_are_charged_as_prompt_plus_max_tokens_and_either_quota_refuses() -> None:
    limiter = RateLimiter(rpm=6000, tpm=6000, window_s=1.0)  # 100 requests, 100 tokens at once
    assert limiter.admit(60).retry_after == 0
    refused = limiter.admit(60)
    assert refused.which == "tokens"
    assert refused.retry_after == pytest.approx(0.2, abs=0.01)  # 20 tokens short, 100/s


async def test_beyond_the_quota_a_429_says_when_to_come_back(
    start_sim: SimFactory, samples: list[Sample], http: aiohttp.ClientSession
) -> None:
    config = SimConfig(ttft_s=0, tokens_per_s=0, limit_rpm=300, limit_headers=True)  # 5 a second
    sim = await start_sim(config, samples)
    body = body_for(samples[0], model=sim.model, max_tokens=8)
    statuses, retry_after, headers = [], [], []
    for _ in range(7):
        async with http.post(chat_url(sim.base_url), json=body) as resp:
            statuses.append(resp.status)
            retry_after.append(resp.headers.get("Retry-After"))
            headers.append(resp.headers.get("x-ratelimit-remaining-requests"))
            error = (await resp.json()).get("error")
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429, 429]
    assert error["code"] == "rate_limit_exceeded"
    wait = float(retry_after[-1] or 0)
    assert 0 < wait <= 0.2
    assert headers[:5] == ["4", "3", "2", "1", "0"]
    await asyncio.sleep(wait)
    async with http.post(chat_url(sim.base_url), json=body) as resp:
        assert resp.status == 200  # coming back when told to works
    stats = sim.stats.to_json()
    assert stats["faults"] == {"quota": 2}


async def test_without_a_quota_nothing_is_announced(
    start_sim: SimFactory, samples: list[Sample], http: aiohttp.ClientSession
) -> None:
    sim = await start_sim(SimConfig(ttft_s=0, tokens_per_s=0), samples)
    started = time.monotonic()
    for _ in range(30):
        body = body_for(samples[0], model=sim.model, max_tokens=8)
        async with http.post(chat_url(sim.base_url), json=body) as resp:
            assert resp.status == 200
            assert not [h for h in resp.headers if h.lower().startswith("x-ratelimit")]
    assert time.monotonic() - started < 5
