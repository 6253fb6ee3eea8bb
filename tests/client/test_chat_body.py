"""What ChatClient sends: the body (built and passed through unchanged) and the headers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chat_apps import BODIES, HEADERS, json_app, target_for

from evalkit.client import ChatClient
from evalkit.config import TargetConfig
from evalkit.suite.schema import Sample

AiohttpServer = Any

ANSWER = {"choices": [{"message": {"content": "ok"}, "finish_reason": "stop"}]}

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Get current weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]

IMAGE_MESSAGES = [
    {"role": "system", "content": "You are a helpful assistant."},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in this picture?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
        ],
    },
]


def make_target(**kw: Any) -> TargetConfig:
    fields: dict[str, Any] = {"name": "t", "base_url": "http://127.0.0.1:9/v1", "model": "m"}
    fields.update(kw)
    return TargetConfig(**fields)


def full_sample() -> Sample:
    return Sample(
        id="s1",
        messages=IMAGE_MESSAGES,
        tools=TOOLS,
        tool_choice={"type": "function", "function": {"name": "get_weather"}},
        parallel_tool_calls=False,
        response_format={"type": "json_object"},
        params={"temperature": 0, "top_p": 0.95, "seed": 3, "max_tokens": 64},
    )


async def test_body_passes_everything_through(aiohttp_server: AiohttpServer) -> None:
    server = await aiohttp_server(json_app(ANSWER))
    target = target_for(server, stream=False, params={"temperature": 0.7, "presence_penalty": 0.1})
    sample = full_sample()
    async with ChatClient(target) as client:
        sent = client.build_body(sample)
        await client.complete(sent)
    received = server.app[BODIES][0]
    assert received == json.loads(json.dumps(sent))
    assert received["messages"] == IMAGE_MESSAGES
    assert received["tools"] == TOOLS
    assert received["tool_choice"] == sample.tool_choice
    assert received["parallel_tool_calls"] is False
    assert received["response_format"] == {"type": "json_object"}
    # The sample's params win over the target's; the target's others stay.
    assert received["temperature"] == 0
    assert received["presence_penalty"] == 0.1
    assert (received["top_p"], received["seed"], received["max_tokens"]) == (0.95, 3, 64)
    assert received["model"] == target.model
    assert received["stream"] is False
    assert "stream_options" not in received


def test_messages_are_shared_not_copied() -> None:
    sample = full_sample()
    sent = ChatClient(make_target()).build_body(sample)
    assert sent["messages"] is sample.messages


def test_streaming_asks_for_usage() -> None:
    client = ChatClient(make_target(params={"stream_options": {"continuous_usage_stats": False}}))
    sent = client.build_body(Sample(id="s", prompt="hi"))
    assert sent["stream"] is True
    assert sent["stream_options"] == {"continuous_usage_stats": False, "include_usage": True}


@pytest.mark.parametrize(
    ("asked", "cap", "sent"),
    [(9000, 4096, 4096), (100, 4096, 100), (9000, None, 9000)],
)
def test_max_tokens_is_clamped(asked: int, cap: int | None, sent: int) -> None:
    client = ChatClient(make_target(max_output_tokens=cap))
    sample = Sample(
        id="s", prompt="hi", params={"max_tokens": asked, "max_completion_tokens": asked}
    )
    out = client.build_body(sample)
    assert (out["max_tokens"], out["max_completion_tokens"]) == (sent, sent)


def test_target_param_max_tokens_is_clamped_too() -> None:
    client = ChatClient(make_target(max_output_tokens=512, params={"max_tokens": 2048}))
    assert client.build_body(Sample(id="s", prompt="hi"))["max_tokens"] == 512


async def test_headers_key_and_base_url(
    aiohttp_server: AiohttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EVALKIT_BODY_KEY", "sk-aig-body-123")
    server = await aiohttp_server(json_app(ANSWER))
    base = str(server.make_url("/v1")) + "/"  # a trailing slash is tolerated
    target = make_target(
        stream=False, api_key_env="EVALKIT_BODY_KEY", headers={"X-Title": "evalkit"}
    )
    async with ChatClient(target, base_url=base) as client:
        assert client.url.endswith("/v1/chat/completions") and "//chat" not in client.url
        await client.complete(client.build_body(Sample(id="s", prompt="hi")))
    sent = server.app[HEADERS][0]
    assert sent["Authorization"] == "Bearer sk-aig-body-123"
    assert sent["X-Title"] == "evalkit"
    assert sent["Content-Type"] == "application/json"


async def test_no_key_no_authorization_header(
    aiohttp_server: AiohttpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EVALKIT_UNSET_KEY_FOR_TEST", raising=False)
    server = await aiohttp_server(json_app(ANSWER))
    target = target_for(server, stream=False, api_key_env="EVALKIT_UNSET_KEY_FOR_TEST")
    async with ChatClient(target) as client:
        await client.complete(client.build_body(Sample(id="s", prompt="hi")))
    assert "Authorization" not in server.app[HEADERS][0]


async def test_complete_needs_an_open_client() -> None:
    with pytest.raises(RuntimeError, match="async with"):
        await ChatClient(make_target()).complete({})
