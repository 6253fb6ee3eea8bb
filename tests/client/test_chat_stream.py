"""ChatClient on streamed answers: text, tool calls, usage, timings, broken streams."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp import web
from chat_apps import (
    DONE,
    RECORDED,
    body,
    chunk,
    sse,
    stream_app,
    target_for,
    text_script,
    usage_chunk,
)

from evalkit.client import ChatClient, estimate_prompt_tokens, estimate_tokens
from evalkit.client.completion import Completion
from evalkit.errors import (
    BadResponseError,
    ContextLengthError,
    RateLimitError,
    ServerError,
    StreamError,
    TargetFatalError,
)

AiohttpServer = Any  # pytest-aiohttp's factory fixture


async def run(aiohttp_server: AiohttpServer, app: web.Application, **kw: Any) -> Completion:
    server = await aiohttp_server(app)
    async with ChatClient(target_for(server, **kw)) as client:
        return await client.complete(body())


async def test_streamed_text_and_usage(aiohttp_server: AiohttpServer) -> None:
    pieces = ["The capital", " of France", " is Paris", "."]
    done = await run(aiohttp_server, stream_app(text_script(pieces, usage=(21, 7))))
    assert done.text == "".join(pieces)
    assert done.finish_reason == "stop"
    assert done.model == "mistralai/mistral-small-3.1-24b-instruct"
    assert (done.prompt_tokens, done.completion_tokens) == (21, 7)
    assert done.tokens_source == "usage"
    assert done.tool_calls == []
    assert done.http_status == 200
    assert done.chunks == len(pieces) + 3  # role, pieces, finish, usage
    assert done.ttft_s is not None and 0 < done.ttft_s <= done.e2e_s


async def test_recorded_stream_written_in_odd_pieces(aiohttp_server: AiohttpServer) -> None:
    data = RECORDED.read_bytes().replace(b"\n", b"\r\n")
    # 7-byte writes with a pause: reads land inside events, CRLFs and UTF-8 characters.
    script: list[bytes | float] = []
    for i in range(0, len(data), 7):
        script += [data[i : i + 7], 0.0005]
    done = await run(aiohttp_server, stream_app(script))
    assert done.text == "Let me check the weather in Tōkyō and Paris for you ☀️…"
    assert [(c.id, c.name, json.loads(c.arguments)) for c in done.tool_calls] == [
        ("call_9Xq2mT", "get_weather", {"city": "東京"}),
        ("call_4bLp7R", "get_weather", {"city": "Paris", "unit": "c"}),
    ]
    assert done.finish_reason == "tool_calls"
    assert (done.prompt_tokens, done.completion_tokens, done.tokens_source) == (131, 58, "usage")


async def test_parallel_tool_call_fragments_joined_by_index(aiohttp_server: AiohttpServer) -> None:
    def call(index: int, **fields: Any) -> bytes:
        return sse(chunk({"tool_calls": [{"index": index, **fields}]}))

    script: list[bytes | float] = [
        sse(chunk({"role": "assistant"})),
        call(0, id="call_a", type="function", function={"name": "get_weather", "arguments": ""}),
        call(1, id="call_b", type="function", function={"name": "get_time", "arguments": '{"tz'}),
        call(0, function={"arguments": '{"city":'}),
        call(1, function={"arguments": '": "Asia/Tokyo"'}),
        call(0, function={"arguments": ' "Tokyo"}'}),
        call(1, function={"arguments": "}"}),
        sse(chunk({}, "tool_calls")),
        sse(usage_chunk(40, 22)),
        DONE,
    ]
    done = await run(aiohttp_server, stream_app(script))
    assert done.text == ""
    assert [(c.id, c.name, c.arguments) for c in done.tool_calls] == [
        ("call_a", "get_weather", '{"city": "Tokyo"}'),
        ("call_b", "get_time", '{"tz": "Asia/Tokyo"}'),
    ]
    assert done.finish_reason == "tool_calls"
    assert done.ttft_s is not None  # tool-call deltas are tokens too


async def test_odd_typed_fields_become_the_strings_completion_promises(
    aiohttp_server: AiohttpServer,
) -> None:
    # A record validates its fields: a number where a string belongs must not
    # get as far as the runner.
    first = {**chunk({"role": "assistant"}), "model": 7}
    call = {"index": 0, "id": 42, "function": {"name": 3, "arguments": "{}"}}
    script: list[bytes | float] = [
        sse(first),
        sse(chunk({"tool_calls": [call]})),
        sse({**chunk({}), "choices": [{"index": 0, "delta": {}, "finish_reason": 1}]}),
        DONE,
    ]
    done = await run(aiohttp_server, stream_app(script))
    assert (done.model, done.finish_reason) == ("7", "1")
    assert [(c.id, c.name, c.arguments) for c in done.tool_calls] == [("42", "3", "{}")]


async def test_no_usage_means_estimated_tokens(aiohttp_server: AiohttpServer) -> None:
    pieces = ["Paris is", " the capital", " of France."]
    server = await aiohttp_server(stream_app(text_script(pieces, usage=None)))
    req = body([{"role": "user", "content": "Capital of France? Answer in a sentence."}])
    async with ChatClient(target_for(server)) as client:
        done = await client.complete(req)
    assert done.tokens_source == "estimated"
    assert done.completion_tokens == estimate_tokens("".join(pieces))
    assert done.prompt_tokens == estimate_prompt_tokens(req["messages"])
    assert done.prompt_tokens > 0 and done.completion_tokens > 0


async def test_role_chunk_does_not_start_ttft(aiohttp_server: AiohttpServer) -> None:
    pause = 0.25
    script: list[bytes | float] = [
        sse(chunk({"role": "assistant", "content": ""})),
        pause,
        sse(chunk({"content": "Paris"})),
        sse(chunk({}, "stop")),
        sse(usage_chunk(5, 1)),
        DONE,
    ]
    done = await run(aiohttp_server, stream_app(script))
    assert done.ttft_s is not None and done.ttft_s >= pause
    assert done.itl is None  # one token chunk has no gaps
    assert done.tpot_s is None  # one completion token


async def test_usage_chunk_does_not_extend_e2e(aiohttp_server: AiohttpServer) -> None:
    pause = 0.25
    script = text_script(["a", "b"], usage=None)
    script.insert(-1, pause)  # the finish chunk comes late; the last token did not
    script.insert(-1, sse(usage_chunk(3, 2)))
    done = await run(aiohttp_server, stream_app(script))
    assert done.e2e_s < pause


async def test_itl_and_tpot(aiohttp_server: AiohttpServer) -> None:
    gap = 0.04
    script: list[bytes | float] = [sse(chunk({"role": "assistant"}))]
    for piece in ["one", " two", " three", " four", " five"]:
        script += [sse(chunk({"content": piece})), gap]
    script += [sse(chunk({}, "stop")), sse(usage_chunk(9, 5)), DONE]
    done = await run(aiohttp_server, stream_app(script))
    itl = done.itl
    assert itl is not None and itl.n == 4
    assert gap * 0.9 <= itl.p50 <= itl.p90 <= itl.p99 <= itl.max
    assert itl.mean >= gap * 0.9
    assert done.ttft_s is not None and done.tpot_s is not None
    assert done.tpot_s == pytest.approx((done.e2e_s - done.ttft_s) / 4)
    assert done.e2e_s - done.ttft_s == pytest.approx(itl.mean * 4)


async def test_json_answer_to_a_stream_request_is_read(aiohttp_server: AiohttpServer) -> None:
    answer = {
        "model": "m",
        "choices": [{"index": 0, "message": {"content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1},
    }

    async def handler(request: web.Request) -> web.Response:
        return web.json_response(answer)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", handler)
    done = await run(aiohttp_server, app)
    assert (done.text, done.ttft_s, done.completion_tokens) == ("hi", None, 1)


async def test_stream_without_done_is_a_stream_error(aiohttp_server: AiohttpServer) -> None:
    script = text_script(["Par", "is"])[:-1]
    with pytest.raises(StreamError, match=r"\[DONE\]") as err:
        await run(aiohttp_server, stream_app(script))
    assert err.value.http_status == 200


async def test_malformed_chunk_is_a_stream_error(aiohttp_server: AiohttpServer) -> None:
    script = text_script(["Par", "is"])
    script.insert(2, b'data: {"choices": [{"delta": {"content": "x"\n\n')
    with pytest.raises(StreamError, match="malformed") as err:
        await run(aiohttp_server, stream_app(script))
    assert err.value.http_status == 200
    assert str(err.value).startswith("HTTP 200: malformed stream chunk")


async def test_connection_dropped_mid_stream_is_a_stream_error(
    aiohttp_server: AiohttpServer,
) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse()
        resp.content_type = "text/event-stream"
        await resp.prepare(request)
        await resp.write(sse(chunk({"role": "assistant"})) + sse(chunk({"content": "Pa"})))
        await asyncio.sleep(0.05)
        assert request.transport is not None
        request.transport.abort()  # no chunked terminator, no [DONE]
        return resp

    app = web.Application()
    app.router.add_post("/v1/chat/completions", handler)
    with pytest.raises(StreamError):
        await run(aiohttp_server, app)


@pytest.mark.parametrize(
    ("error", "cls", "status"),
    [
        (
            {"message": "Upstream saturated", "type": "service_unavailable", "code": 503},
            ServerError,
            503,
        ),
        ({"message": "Over per-minute limit", "type": "rate_limit_error"}, RateLimitError, 429),
        (
            {"message": "Wallet empty", "type": "insufficient_credits", "code": "402"},
            TargetFatalError,
            402,
        ),
        (
            {
                "message": "prompt too big",
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
            },
            ContextLengthError,
            400,
        ),
        ({"message": "something odd"}, ServerError, 500),
    ],
)
async def test_error_object_inside_the_stream(
    aiohttp_server: AiohttpServer, error: dict[str, Any], cls: type[Exception], status: int
) -> None:
    script = [*text_script(["Par"])[:2], sse({"error": error}), DONE]
    with pytest.raises(cls) as err:
        await run(aiohttp_server, stream_app(script))
    assert type(err.value) is cls
    assert error["message"] in str(err.value)
    assert getattr(err.value, "http_status", None) == status


async def test_connection_is_reused_after_done(aiohttp_server: AiohttpServer) -> None:
    peers: set[Any] = set()

    async def handler(request: web.Request) -> web.StreamResponse:
        assert request.transport is not None
        peers.add(request.transport.get_extra_info("peername"))
        resp = web.StreamResponse()
        resp.content_type = "text/event-stream"
        await resp.prepare(request)
        for item in text_script(["x"]):
            assert isinstance(item, bytes)
            await resp.write(item)
        await asyncio.sleep(0.05)  # the body's end comes a little after [DONE]
        await resp.write_eof()
        return resp

    app = web.Application()
    app.router.add_post("/v1/chat/completions", handler)
    server = await aiohttp_server(app)
    async with ChatClient(target_for(server)) as client:
        for _ in range(5):
            assert (await client.complete(body())).text == "x"
    assert len(peers) == 1


async def test_done_without_final_blank_line_still_ends(aiohttp_server: AiohttpServer) -> None:
    script = [*text_script(["ok"])[:-1], b"data: [DONE]"]
    done = await run(aiohttp_server, stream_app(script))
    assert done.text == "ok"


async def test_null_error_field_is_not_an_error(aiohttp_server: AiohttpServer) -> None:
    tail = {**usage_chunk(4, 1), "error": None}
    script = [*text_script(["ok"], usage=None)[:-1], sse(tail), DONE]
    done = await run(aiohttp_server, stream_app(script))
    assert (done.text, done.completion_tokens, done.tokens_source) == ("ok", 1, "usage")


@pytest.mark.parametrize(
    "bad",
    [
        b'data: {"choices": ["not an object"]}\n\n',
        b'data: ["a", "list"]\n\n',
        b'data: {"choices": [{"delta": {"content": 7}}]}\n\n',
        b'data: {"choices": [{"delta": {"tool_calls": [{"index": [0]}]}}]}\n\n',
    ],
)
async def test_chunk_of_the_wrong_shape_is_a_bad_response(
    aiohttp_server: AiohttpServer, bad: bytes
) -> None:
    script = [*text_script(["ok"])[:2], bad, DONE]
    with pytest.raises(BadResponseError) as err:
        await run(aiohttp_server, stream_app(script))
    assert err.value.http_status == 200
