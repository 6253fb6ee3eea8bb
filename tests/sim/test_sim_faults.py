"""Every fault kind, injected at rate 1.0 and forced by the X-Sim-Fault header."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import openai
import pytest

from evalkit.config import SimConfig
from evalkit.suite.schema import Sample

from .simcases import FAST, SimFactory, body_for, by_id, chat_url, sdk_messages, sse_data

SDK = Callable[[str], openai.AsyncOpenAI]


def rated(kind: str, **extra: Any) -> SimConfig:
    return SimConfig(ttft_s=0, tokens_per_s=0, skill=1.0, **{f"rate_{kind}": 1.0}, **extra)


async def _sim_for(
    start_sim: SimFactory, how: str, kind: str, samples: list[Sample], **extra: Any
) -> tuple[str, dict[str, str]]:
    """A simulator that faults every request with ``kind``: by rate or by header."""
    if how == "rate":
        sim = await start_sim(rated(kind, **extra), samples)
        return sim.base_url, {}
    sim = await start_sim(SimConfig(ttft_s=0, tokens_per_s=0, skill=1.0, **extra), samples)
    return sim.base_url, {"X-Sim-Fault": kind}


BOTH = pytest.mark.parametrize("how", ["rate", "header"])


@BOTH
async def test_429_carries_retry_after(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample], how: str
) -> None:
    url, headers = await _sim_for(start_sim, how, "429", samples, retry_after_s=2.5)
    async with http.post(chat_url(url), json=body_for(samples[0]), headers=headers) as resp:
        assert resp.status == 429
        assert resp.headers["Retry-After"] == "2.5"
        error = (await resp.json())["error"]
    assert error["type"] == "rate_limit_error" and set(error) == {"message", "type", "code"}


async def test_whole_retry_after_is_an_integer(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample]
) -> None:
    sim = await start_sim(rated("429", retry_after_s=3.0), samples)
    async with http.post(chat_url(sim.base_url), json=body_for(samples[0])) as resp:
        assert resp.headers["Retry-After"] == "3"
    assert sim.stats.log[-1].retry_after == 3.0


@BOTH
@pytest.mark.parametrize(
    ("kind", "error_type"), [("500", "server_error"), ("503", "service_unavailable")]
)
async def test_server_errors(
    start_sim: SimFactory,
    http: aiohttp.ClientSession,
    samples: list[Sample],
    how: str,
    kind: str,
    error_type: str,
) -> None:
    url, headers = await _sim_for(start_sim, how, kind, samples)
    async with http.post(chat_url(url), json=body_for(samples[0]), headers=headers) as resp:
        assert resp.status == int(kind)
        assert (await resp.json())["error"]["type"] == error_type


@pytest.mark.parametrize(
    ("kind", "error_type"),
    [("401", "authentication_error"), ("402", "insufficient_credits"), ("404", "not_found")],
)
async def test_final_errors_can_be_forced_by_header(
    start_sim: SimFactory,
    http: aiohttp.ClientSession,
    samples: list[Sample],
    kind: str,
    error_type: str,
) -> None:
    sim = await start_sim(FAST, samples)
    headers = {"X-Sim-Fault": kind}
    async with http.post(
        chat_url(sim.base_url), json=body_for(samples[0]), headers=headers
    ) as resp:
        assert resp.status == int(kind)
        assert (await resp.json())["error"]["type"] == error_type
    assert sim.stats.faults[kind] == 1


@BOTH
@pytest.mark.parametrize("stream", [True, False])
async def test_reset_drops_the_connection_before_any_byte(
    start_sim: SimFactory,
    http: aiohttp.ClientSession,
    samples: list[Sample],
    how: str,
    stream: bool,
) -> None:
    url, headers = await _sim_for(start_sim, how, "reset", samples)
    with pytest.raises(aiohttp.ClientConnectionError):
        async with http.post(
            chat_url(url), json=body_for(samples[0], stream=stream), headers=headers
        ) as resp:
            await resp.read()


async def test_reset_is_a_connection_error_for_the_sdk(
    start_sim: SimFactory, sdk: SDK, samples: list[Sample]
) -> None:
    sim = await start_sim(rated("reset"), samples)
    with pytest.raises(openai.APIConnectionError):
        await sdk(sim.base_url).chat.completions.create(
            model="evalkit-sim", messages=sdk_messages(samples[0])
        )


@BOTH
async def test_cut_stream_ends_without_done(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample], how: str
) -> None:
    url, headers = await _sim_for(start_sim, how, "cut", samples)
    essay = by_id(samples, "essay")
    received = b""
    with pytest.raises(aiohttp.ClientPayloadError):
        async with http.post(
            chat_url(url), json=body_for(essay, stream=True), headers=headers
        ) as resp:
            assert resp.status == 200
            async for chunk in resp.content.iter_any():
                received += chunk
    data = sse_data(received)
    assert json.loads(data[0])["choices"][0]["delta"] == {"role": "assistant"}
    assert len(data) >= 2  # some content came before the cut
    assert "[DONE]" not in data
    assert all(json.loads(d)["choices"][0]["finish_reason"] is None for d in data)


@BOTH
async def test_cut_plain_response_is_a_partial_body(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample], how: str
) -> None:
    url, headers = await _sim_for(start_sim, how, "cut", samples)
    with pytest.raises(aiohttp.ClientPayloadError):
        async with http.post(chat_url(url), json=body_for(samples[0]), headers=headers) as resp:
            assert resp.status == 200
            await resp.read()


@BOTH
async def test_malformed_chunk_is_not_json(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample], how: str
) -> None:
    url, headers = await _sim_for(start_sim, how, "malformed", samples)
    essay = by_id(samples, "essay")
    async with http.post(chat_url(url), json=body_for(essay, stream=True), headers=headers) as resp:
        raw = await resp.read()
    bad = []
    for payload in sse_data(raw)[:-1]:
        try:
            json.loads(payload)
        except ValueError:
            bad.append(payload)
    assert len(bad) == 1
    async with http.post(chat_url(url), json=body_for(essay), headers=headers) as resp:
        assert resp.status == 200
        with pytest.raises(ValueError):
            json.loads(await resp.read())


@BOTH
@pytest.mark.parametrize("stream", [True, False])
async def test_slow_delays_the_first_byte(
    start_sim: SimFactory,
    http: aiohttp.ClientSession,
    samples: list[Sample],
    how: str,
    stream: bool,
) -> None:
    url, headers = await _sim_for(start_sim, how, "slow", samples, slow_s=0.3)
    started = time.monotonic()
    async with http.post(
        chat_url(url), json=body_for(samples[0], stream=stream), headers=headers
    ) as resp:
        first_byte = time.monotonic() - started
        await resp.read()
    assert resp.status == 200
    assert first_byte >= 0.29


async def test_unknown_fault_header_is_a_400(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample]
) -> None:
    sim = await start_sim(FAST, samples)
    headers = {"X-Sim-Fault": "explode"}
    async with http.post(
        chat_url(sim.base_url), json=body_for(samples[0]), headers=headers
    ) as resp:
        assert resp.status == 400
        assert "X-Sim-Fault" in (await resp.json())["error"]["message"]


async def test_fault_rates_are_seeded_and_counted(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample]
) -> None:
    config = SimConfig(ttft_s=0, tokens_per_s=0, seed=5, rate_429=0.2, rate_503=0.1)

    async def statuses() -> list[int]:
        sim = await start_sim(config, samples)
        out = []
        for _ in range(300):
            async with http.post(chat_url(sim.base_url), json=body_for(samples[0])) as resp:
                await resp.read()
                out.append(resp.status)
        assert sim.stats.faults["429"] == out.count(429)
        assert sim.stats.faults["503"] == out.count(503)
        assert sim.stats.by_status[200] == out.count(200)
        return out

    first = await statuses()
    assert 0.13 <= first.count(429) / 300 <= 0.27
    assert 0.05 <= first.count(503) / 300 <= 0.15
    assert await statuses() == first  # the same seed faults the same requests
