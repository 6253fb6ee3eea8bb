"""The official openai SDK accepts the simulator: plain, streamed, tools, usage."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import openai

from evalkit.suite.schema import Sample

from .simcases import SimFactory, by_id

SDK = Callable[[str], openai.AsyncOpenAI]


def kwargs_for(sample: Sample) -> dict[str, Any]:
    return {"model": "evalkit-sim", "messages": sample.messages, **sample.request_fields()}


async def test_non_streamed_chat(start_sim: SimFactory, sdk: SDK, samples: list[Sample]) -> None:
    sim = await start_sim(samples=samples)
    client = sdk(sim.base_url)
    result = await client.chat.completions.create(**kwargs_for(by_id(samples, "capital")))
    assert result.object == "chat.completion"
    assert result.id.startswith("chatcmpl-")
    assert result.model == "evalkit-sim"
    choice = result.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == "Paris"
    assert choice.finish_reason == "stop"
    assert result.usage is not None
    assert result.usage.completion_tokens == 1
    assert result.usage.total_tokens == result.usage.prompt_tokens + 1


async def test_streamed_chat_with_usage_in_the_last_chunk(
    start_sim: SimFactory, sdk: SDK, samples: list[Sample]
) -> None:
    sim = await start_sim(samples=samples)
    essay = by_id(samples, "essay")
    stream = await sdk(sim.base_url).chat.completions.create(
        **kwargs_for(essay), stream=True, stream_options={"include_usage": True}
    )
    chunks = [chunk async for chunk in stream]
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == essay.metadata["reference"]
    content_chunks = [c for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(content_chunks) > 5  # token by token, not one blob
    finish = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    assert finish == ["stop"]
    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None and last.usage.completion_tokens == len(content_chunks)


async def test_non_streamed_tool_call(
    start_sim: SimFactory, sdk: SDK, samples: list[Sample]
) -> None:
    sim = await start_sim(samples=samples)
    result = await sdk(sim.base_url).chat.completions.create(
        **kwargs_for(by_id(samples, "weather"))
    )
    message = result.choices[0].message
    assert result.choices[0].finish_reason == "tool_calls"
    assert message.content is None
    assert message.tool_calls is not None and len(message.tool_calls) == 1
    call = message.tool_calls[0]
    assert call.id.startswith("call_") and call.type == "function"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Tokyo"}


async def test_streamed_tool_call_arguments_accumulate_to_the_expected_json(
    start_sim: SimFactory, sdk: SDK, samples: list[Sample]
) -> None:
    sim = await start_sim(samples=samples)
    stream = await sdk(sim.base_url).chat.completions.create(
        **kwargs_for(by_id(samples, "weather")), stream=True
    )
    names: dict[int, str] = {}
    ids: dict[int, str] = {}
    args: dict[int, str] = {}
    fragments = 0
    finish = None
    async for chunk in stream:
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        finish = chunk.choices[0].finish_reason or finish
        for tc in delta.tool_calls or []:
            if tc.id:
                ids[tc.index] = tc.id
            if tc.function and tc.function.name:
                names[tc.index] = tc.function.name
            if tc.function and tc.function.arguments:
                args[tc.index] = args.get(tc.index, "") + tc.function.arguments
                fragments += 1
    assert finish == "tool_calls"
    assert names == {0: "get_weather"}
    assert ids[0].startswith("call_")
    assert fragments >= 2  # arguments really arrive split
    assert json.loads(args[0]) == {"city": "Tokyo"}


async def test_sdk_helper_accumulates_the_stream(
    start_sim: SimFactory, sdk: SDK, samples: list[Sample]
) -> None:
    sim = await start_sim(samples=samples)
    weather = by_id(samples, "weather")
    async with sdk(sim.base_url).chat.completions.stream(**kwargs_for(weather)) as stream:
        final = await stream.get_final_completion()
    calls = final.choices[0].message.tool_calls
    assert calls is not None
    assert json.loads(calls[0].function.arguments) == {"city": "Tokyo"}


async def test_models_lists_the_served_model(start_sim: SimFactory, sdk: SDK) -> None:
    sim = await start_sim(model="mistralai/mistral-small-3.1-24b-instruct")
    models = await sdk(sim.base_url).models.list()
    assert [m.id for m in models.data] == ["mistralai/mistral-small-3.1-24b-instruct"]
