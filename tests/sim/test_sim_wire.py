"""Byte-level wire format, read with a raw aiohttp client: the card's JSON and SSE framing."""

from __future__ import annotations

import json

import aiohttp

from evalkit.config import SimConfig
from evalkit.suite.schema import Sample

from .simcases import FAST, SimFactory, body_for, by_id, chat_url, sse_data

CHUNK_KEYS = {"id", "object", "created", "model", "choices"}


async def test_stream_framing_role_first_then_finish_usage_and_done(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample]
) -> None:
    sim = await start_sim(samples=samples)
    essay = by_id(samples, "essay")
    body = body_for(essay, stream=True, stream_options={"include_usage": True})
    async with http.post(chat_url(sim.base_url), json=body) as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"] == "text/event-stream"
        raw = await resp.read()
    assert raw.endswith(b"data: [DONE]\n\n")
    data = sse_data(raw)
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert len({c["id"] for c in chunks}) == 1 and chunks[0]["id"].startswith("chatcmpl-")
    for chunk in chunks:
        assert set(chunk) - {"usage"} == CHUNK_KEYS
        assert chunk["object"] == "chat.completion.chunk" and chunk["model"] == "evalkit-sim"
    role, *content, finish, usage = chunks
    assert role["choices"] == [{"index": 0, "delta": {"role": "assistant"}, "finish_reason": None}]
    for chunk in content:
        (choice,) = chunk["choices"]
        assert choice["finish_reason"] is None and set(choice["delta"]) == {"content"}
    text = "".join(c["choices"][0]["delta"]["content"] for c in content)
    assert text == essay.metadata["reference"]
    assert finish["choices"] == [{"index": 0, "delta": {}, "finish_reason": "stop"}]
    assert usage["choices"] == []
    u = usage["usage"]
    assert u["completion_tokens"] == len(content)
    assert u["total_tokens"] == u["prompt_tokens"] + u["completion_tokens"]


async def test_no_usage_chunk_unless_asked_or_when_disabled(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample]
) -> None:
    capital = by_id(samples, "capital")
    sim = await start_sim(samples=samples)
    async with http.post(chat_url(sim.base_url), json=body_for(capital, stream=True)) as resp:
        data = sse_data(await resp.read())
    assert all("usage" not in json.loads(d) for d in data[:-1])
    quiet = await start_sim(SimConfig(ttft_s=0, tokens_per_s=0, send_usage=False), samples)
    body = body_for(capital, stream=True, stream_options={"include_usage": True})
    async with http.post(chat_url(quiet.base_url), json=body) as resp:
        data = sse_data(await resp.read())
    assert all("usage" not in json.loads(d) for d in data[:-1])
    async with http.post(chat_url(quiet.base_url), json=body_for(capital)) as resp:
        assert "usage" not in await resp.json()


async def test_streamed_tool_call_deltas(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample]
) -> None:
    sim = await start_sim(samples=samples)
    body = body_for(by_id(samples, "weather"), stream=True)
    async with http.post(chat_url(sim.base_url), json=body) as resp:
        data = sse_data(await resp.read())
    chunks = [json.loads(d) for d in data[:-1]]
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert deltas[0] == {"role": "assistant"}
    first = deltas[1]["tool_calls"][0]
    assert first["index"] == 0 and first["type"] == "function"
    assert first["id"].startswith("call_")
    assert first["function"] == {"name": "get_weather", "arguments": ""}
    fragments = [d["tool_calls"][0] for d in deltas[2:-1]]
    assert len(fragments) >= 2
    assert all(set(f) == {"index", "function"} and f["index"] == 0 for f in fragments)
    arguments = "".join(f["function"]["arguments"] for f in fragments)
    assert json.loads(arguments) == {"city": "Tokyo"}
    assert chunks[-1]["choices"][0] == {"index": 0, "delta": {}, "finish_reason": "tool_calls"}


async def test_non_streamed_body_has_exactly_the_cards_fields(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample]
) -> None:
    sim = await start_sim(samples=samples)
    async with http.post(chat_url(sim.base_url), json=body_for(by_id(samples, "capital"))) as resp:
        assert resp.headers["Content-Type"] == "application/json"
        body = await resp.json()
    assert set(body) == {"id", "object", "created", "model", "choices", "usage"}
    assert body["object"] == "chat.completion" and isinstance(body["created"], int)
    assert body["choices"] == [
        {"index": 0, "message": {"role": "assistant", "content": "Paris"}, "finish_reason": "stop"}
    ]
    assert set(body["usage"]) == {"prompt_tokens", "completion_tokens", "total_tokens"}
    async with http.post(chat_url(sim.base_url), json=body_for(by_id(samples, "weather"))) as resp:
        message = (await resp.json())["choices"][0]["message"]
    assert message["content"] is None
    (call,) = message["tool_calls"]
    assert set(call) == {"id", "type", "function"}
    assert isinstance(call["function"]["arguments"], str)


async def test_output_is_cut_at_max_tokens_with_finish_reason_length(
    start_sim: SimFactory, http: aiohttp.ClientSession, samples: list[Sample]
) -> None:
    sim = await start_sim(samples=samples)
    essay = by_id(samples, "essay")
    async with http.post(chat_url(sim.base_url), json=body_for(essay, max_tokens=3)) as resp:
        body = await resp.json()
    assert body["choices"][0]["finish_reason"] == "length"
    assert body["usage"]["completion_tokens"] == 3
    assert essay.metadata["reference"].startswith(body["choices"][0]["message"]["content"])
    stream_body = body_for(essay, max_tokens=3, stream=True)
    async with http.post(chat_url(sim.base_url), json=stream_body) as resp:
        chunks = [json.loads(d) for d in sse_data(await resp.read())[:-1]]
    assert sum("content" in c["choices"][0]["delta"] for c in chunks) == 3
    assert chunks[-1]["choices"][0]["finish_reason"] == "length"


async def test_ignore_eos_produces_exactly_max_tokens(
    start_sim: SimFactory, http: aiohttp.ClientSession
) -> None:
    sim = await start_sim(FAST)
    body = {
        "model": "evalkit-sim",
        "messages": [{"role": "user", "content": "benchmark prompt"}],
        "max_tokens": 300,
        "ignore_eos": True,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    async with http.post(chat_url(sim.base_url), json=body) as resp:
        chunks = [json.loads(d) for d in sse_data(await resp.read())[:-1]]
    assert sum(bool(c["choices"]) and "content" in c["choices"][0]["delta"] for c in chunks) == 300
    assert chunks[-1]["usage"]["completion_tokens"] == 300
    assert chunks[-2]["choices"][0]["finish_reason"] == "length"


async def test_unknown_prompt_gets_a_short_generic_answer(
    start_sim: SimFactory, http: aiohttp.ClientSession
) -> None:
    sim = await start_sim(FAST)
    body = {"model": "evalkit-sim", "messages": [{"role": "user", "content": "Who are you?"}]}
    async with http.post(chat_url(sim.base_url), json=body) as resp:
        result = await resp.json()
    assert 0 < result["usage"]["completion_tokens"] < 40
    assert result["choices"][0]["finish_reason"] == "stop"
    log = sim.stats.log[-1]
    assert log.sample_id is None and log.correct is None
