"""A stream that ends with [DONE] but never says why it stopped is truncated, and retried."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chat_apps import DONE, body, stream_app, target_for

from evalkit.client import ChatClient
from evalkit.errors import RetryableError, TruncatedStreamError

AiohttpServer = Any


def _llama_chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
    # llama-cpp-python writes its chunks with json.dumps' default ", " separators.
    obj = {
        "id": "chatcmpl-1",
        "model": "smollm2",
        "created": 1796163904,
        "object": "chat.completion.chunk",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }
    return f"data: {json.dumps(obj)}\n\n".encode()


async def test_done_without_finish_reason_is_a_retryable_truncation(
    aiohttp_server: AiohttpServer,
) -> None:
    # What llama-cpp-python's --interrupt_requests true (its default) sends to the stream
    # a newer request interrupts: HTTP 200, a few tokens, [DONE], no finish_reason chunk.
    script: list[bytes | float] = [
        _llama_chunk({"role": "assistant"}),
        _llama_chunk({"content": "Once"}),
        _llama_chunk({"content": " upon"}),
        DONE,
    ]
    server = await aiohttp_server(stream_app(script))
    async with ChatClient(target_for(server)) as client:
        with pytest.raises(TruncatedStreamError) as caught:
            await client.complete(body())
    err = caught.value
    assert isinstance(err, RetryableError)
    assert err.kind == "truncated"
    assert err.http_status == 200
    assert "2 token chunk(s) without a finish_reason" in err.message


async def test_the_same_stream_with_its_finish_chunk_completes(
    aiohttp_server: AiohttpServer,
) -> None:
    script: list[bytes | float] = [
        _llama_chunk({"role": "assistant"}),
        _llama_chunk({"content": "Once"}),
        _llama_chunk({}, "length"),
        DONE,
    ]
    server = await aiohttp_server(stream_app(script))
    async with ChatClient(target_for(server)) as client:
        done = await client.complete(body())
    assert (done.text, done.finish_reason) == ("Once", "length")
    assert done.tokens_source == "estimated"  # llama-cpp-python streams no usage
