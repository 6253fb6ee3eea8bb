"""ChatClient on plain JSON answers (``stream = false``)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chat_apps import body, json_app, target_for

from evalkit.client import ChatClient, estimate_prompt_tokens, estimate_tokens
from evalkit.client.completion import Completion
from evalkit.errors import BadResponseError, StreamError

AiohttpServer = Any

GATEWAY_ANSWER = {
    "id": "chatcmpl-abc123",
    "object": "chat.completion",
    "created": 1776947082,
    "model": "mistralai/mistral-small-3.1-24b-instruct",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Checking both cities.",
                "tool_calls": [
                    {
                        "id": "call_abc123",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Tokyo"}'},
                    },
                    {
                        "id": "call_def456",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                    },
                ],
            },
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {"prompt_tokens": 24, "completion_tokens": 12, "total_tokens": 36},
}


async def run(aiohttp_server: AiohttpServer, answer: Any, **app_kw: Any) -> Completion:
    server = await aiohttp_server(json_app(answer, **app_kw))
    async with ChatClient(target_for(server, stream=False)) as client:
        return await client.complete(body(stream=False))


async def test_json_answer_with_tool_calls(aiohttp_server: AiohttpServer) -> None:
    done = await run(aiohttp_server, GATEWAY_ANSWER)
    assert done.text == "Checking both cities."
    assert [(c.id, c.name, json.loads(c.arguments)) for c in done.tool_calls] == [
        ("call_abc123", "get_weather", {"city": "Tokyo"}),
        ("call_def456", "get_weather", {"city": "Paris"}),
    ]
    assert done.finish_reason == "tool_calls"
    assert done.model == GATEWAY_ANSWER["model"]
    assert (done.prompt_tokens, done.completion_tokens, done.tokens_source) == (24, 12, "usage")
    assert done.ttft_s is None and done.itl is None and done.tpot_s is None
    assert done.e2e_s > 0


async def test_json_answer_without_usage_is_estimated(aiohttp_server: AiohttpServer) -> None:
    answer = {
        "choices": [
            {"message": {"role": "assistant", "content": "Paris."}, "finish_reason": "stop"}
        ]
    }
    done = await run(aiohttp_server, answer)
    assert done.tokens_source == "estimated"
    assert done.completion_tokens == estimate_tokens("Paris.")
    assert done.prompt_tokens == estimate_prompt_tokens(body()["messages"])


async def test_null_content_and_object_arguments(aiohttp_server: AiohttpServer) -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": {"x": 1}}}
    answer = {"choices": [{"message": {"content": None, "tool_calls": [call]}}]}
    done = await run(aiohttp_server, answer)
    assert done.text == ""
    assert json.loads(done.tool_calls[0].arguments) == {"x": 1}


async def test_odd_typed_fields_become_the_strings_completion_promises(
    aiohttp_server: AiohttpServer,
) -> None:
    answer = {
        "model": 7,
        "choices": [
            {
                "message": {"content": "x", "tool_calls": [{"id": 42, "function": {"name": 3}}]},
                "finish_reason": 1,
            }
        ],
    }
    done = await run(aiohttp_server, answer)
    assert (done.model, done.finish_reason) == ("7", "1")
    assert [(c.id, c.name) for c in done.tool_calls] == [("42", "3")]


@pytest.mark.parametrize(
    ("raw", "cls", "match"),
    [
        (b"<html>gateway hiccup</html>", StreamError, "not JSON"),  # comes and goes: retried
        (b"[1, 2]", BadResponseError, "not a JSON object"),  # the server's answer: final
        (b'{"id": "x", "choices": []}', BadResponseError, "no choices"),
        (b'{"choices": {"a": 1}}', BadResponseError, "no choices"),
        (b'{"choices": [{"message": [1]}]}', BadResponseError, "not a chat completion"),
    ],
)
async def test_unusable_body_is_a_stream_or_bad_response_error(
    aiohttp_server: AiohttpServer, raw: bytes, cls: type[Exception], match: str
) -> None:
    with pytest.raises(cls, match=match) as err:
        await run(aiohttp_server, None, raw=raw)
    assert type(err.value) is cls
    assert getattr(err.value, "http_status", None) == 200
